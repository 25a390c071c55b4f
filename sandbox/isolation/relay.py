"""The only ways into and out of a lab's network namespace: relays between a TCP port on the
host's loopback and a Unix socket bound into the jail.

Why Unix sockets and not a veth pair with a firewall: a veth needs routes, addresses and
netfilter rules per lab (iptables/nft here, NetworkPolicy in a cluster), and a rule missed or
flushed silently opens the host's loopback services (PostgreSQL, Redis, the broker, the hub
API) to student code. A jail with no interface but ``lo`` has no route anywhere, whatever
the host's firewall says; a Unix socket reaches exactly the one peer the spawner chose, and
only because the spawner bound that one file in. The relays are asyncio tasks in the hub's
own event loop (no process per connection, nothing per request): a connection costs two
coroutines.

* ``TcpToUnix``: the proxy's way in. 127.0.0.1:<port> on the host -> the server's socket.
* ``UnixToTcp``: the server's way out. A socket in the jail's runtime folder -> the hub API,
  through ``HubApiFilter``: one request per connection (``Connection: close``), and only
  the calls a single-user server makes for its own user (version check, token identity,
  OAuth code exchange, its activity); anything else is answered 403 here and never reaches
  the hub.
* ``ConnectProxy``: labs whose profile allows the internet. An HTTP CONNECT proxy that
  resolves the name itself and connects only to global unicast addresses (never loopback,
  private, link-local, multicast or reserved ones), so the host's loopback stays
  unreachable even then.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import re
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

MAX_HEAD = 64 * 1024


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError, asyncio.IncompleteReadError):
        pass


async def splice(
    a: tuple[asyncio.StreamReader, asyncio.StreamWriter], b: tuple[asyncio.StreamReader, asyncio.StreamWriter]
) -> None:
    """Copy both ways until both sides are done, then close both."""
    try:
        await asyncio.gather(_pipe(a[0], b[1]), _pipe(b[0], a[1]))
    finally:
        for writer in (a[1], b[1]):
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


async def _reject(writer: asyncio.StreamWriter, status: str, text: str) -> None:
    body = (text + "\n").encode()
    writer.write(
        f"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n".encode()
        + body
    )
    with contextlib.suppress(Exception):
        await writer.drain()
    writer.close()


async def _read_head(reader: asyncio.StreamReader) -> bytes | None:
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None


class _Server:
    server: asyncio.base_events.Server | None = None

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 1)
            self.server = None


class TcpToUnix(_Server):
    """127.0.0.1:``port`` on the host -> the Unix socket ``path`` (a lab server's way in)."""

    def __init__(self, host: str, port: int, path: Path) -> None:
        self.host, self.port, self.path = host, port, path

    async def start(self) -> TcpToUnix:
        self.server = await asyncio.start_server(self._handle, self.host, self.port, reuse_address=True)
        return self

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream = await asyncio.open_unix_connection(str(self.path), limit=MAX_HEAD)
        except OSError:
            writer.close()  # the server is not (yet, or any more) listening: a refused connection
            return
        await splice((reader, writer), upstream)


Filter = Callable[[str, str], bool]


class UnixToTcp(_Server):
    """A Unix socket at ``path`` -> ``host``:``port``, one filtered HTTP request per connection."""

    def __init__(self, path: Path, host: str, port: int, allow: Filter, *, owner: int | None = None) -> None:
        self.path, self.host, self.port, self.allow, self.owner = path, host, port, allow, owner

    async def start(self) -> UnixToTcp:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self.server = await asyncio.start_unix_server(self._handle, str(self.path), limit=MAX_HEAD)
        if self.owner is not None:
            os.chown(self.path, self.owner, self.owner)
        os.chmod(self.path, 0o600)
        return self

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await _read_head(reader)
        if head is None:
            writer.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not self.allow(parts[0], parts[1]):
            await _reject(writer, "403 Forbidden", "not allowed from a lab")
            return
        # One request per connection: whatever follows this request's body is never parsed,
        # so it must never be a second request the filter did not see.
        kept = [
            line
            for line in lines[1:]
            if line and not line.lower().startswith(("connection:", "keep-alive:", "proxy-connection:"))
        ]
        new_head = "\r\n".join([lines[0], *kept, "Connection: close", "", ""]).encode("latin-1")
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.port, limit=MAX_HEAD)
        except OSError:
            await _reject(writer, "502 Bad Gateway", "hub unreachable")
            return
        up_writer.write(new_head)
        await splice((reader, writer), (up_reader, up_writer))


def hub_api_filter(api_prefix: str, user: str) -> Filter:
    """What a single-user server of ``user`` may ask the hub (jupyterhub 5/6 singleuser + HubOAuth)."""
    from urllib.parse import quote

    prefix = api_prefix.rstrip("/")
    allowed = {
        ("GET", prefix),  # version check at start-up
        ("GET", prefix + "/"),
        ("GET", prefix + "/user"),  # who holds this token (cookie and token auth)
        ("POST", prefix + "/oauth2/token"),  # OAuth code exchange at login
        ("POST", f"{prefix}/users/{quote(user, safe='')}/activity"),
        ("POST", f"{prefix}/users/{user}/activity"),
    }

    def allow(method: str, target: str) -> bool:
        path = target.split("?", 1)[0]
        return (method.upper(), path) in allowed

    return allow


# --- internet for labs whose profile allows it ---------------------------------------------

_CONNECT = re.compile(r"^CONNECT ([A-Za-z0-9.\-]+|\[[0-9a-fA-F:.]+\]):(\d{1,5}) HTTP/1\.[01]$")


def address_allowed(address: str) -> bool:
    """Only global unicast: never loopback, private, link-local, multicast, reserved, shared."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(ip.is_global) and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local)


Resolver = Callable[[str, int], Awaitable[list[str]]]


async def _resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class ConnectProxy(_Server):
    """An HTTP CONNECT proxy on a Unix socket, to public addresses only (https; ports 1-65535)."""

    def __init__(self, path: Path, *, owner: int | None = None, resolver: Resolver = _resolve) -> None:
        self.path, self.owner, self.resolver = path, owner, resolver

    async def start(self) -> ConnectProxy:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self.server = await asyncio.start_unix_server(self._handle, str(self.path), limit=MAX_HEAD)
        if self.owner is not None:
            os.chown(self.path, self.owner, self.owner)
        os.chmod(self.path, 0o600)
        return self

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await _read_head(reader)
        if head is None:
            writer.close()
            return
        match = _CONNECT.match(head.decode("latin-1").split("\r\n", 1)[0])
        if match is None:
            await _reject(writer, "405 Method Not Allowed", "only CONNECT (https) is proxied")
            return
        host, port = match.group(1).strip("[]"), int(match.group(2))
        try:
            addresses = await self.resolver(host, port)
        except OSError:
            await _reject(writer, "502 Bad Gateway", f"cannot resolve {host}")
            return
        # Every address must be public: a name that also resolves to 127.0.0.1 is refused
        # outright, and we connect to the address we checked (no second lookup to rebind).
        if not addresses or not all(address_allowed(a) for a in addresses):
            await _reject(writer, "403 Forbidden", f"{host} is not a public address")
            return
        try:
            upstream = await asyncio.wait_for(asyncio.open_connection(addresses[0], port), 15)
        except (TimeoutError, OSError):
            await _reject(writer, "502 Bad Gateway", f"cannot connect to {host}:{port}")
            return
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        await splice((reader, writer), upstream)
