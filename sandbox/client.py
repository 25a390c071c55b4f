"""A typed client for the JupyterHub REST API and, through the hub's proxy, the student's
Jupyter Server (contents and kernels APIs).

Two kinds of credential, never mixed:

* the ``liangzhi-site`` service token, whose role carries only the scopes in
  ``sandbox.hub.constants.SITE_SCOPES`` (the reasons are written there), goes to the hub API
  (``/hub/api/...``) and nowhere else;
* every call to a student's server (``/user/<name>/...``) carries a short-lived token owned by
  that student and scoped to that one server (``access:servers!server=<name>/``), minted through
  ``POST /hub/api/users/<name>/tokens`` and kept a few minutes in this process's memory only.
  A student's server, and any code running as its user, therefore never sees a credential that
  reaches beyond itself.

Every call has a timeout; any failure to reach the hub, or a 5xx from it, raises
:class:`HubUnavailable`, which pages turn into "the lab is unavailable".

Django-free on purpose: the benchmark and the tests use it directly.
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import json
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote

import requests

log = logging.getLogger(__name__)

ServerState = Literal["stopped", "pending", "ready"]
StartOutcome = Literal["started", "pending", "running"]


class HubError(Exception):
    """Something the student should hear about in plain words (``str(exc)``)."""


class HubUnavailable(HubError):
    """The hub cannot be reached, timed out or answered with a server error."""


class SpawnFailed(HubError):
    """The student's server did not start; the message is safe to show."""


class NotFound(HubError):
    pass


@dataclass(frozen=True)
class ServerStatus:
    state: ServerState
    url: str | None = None  # path under the hub, e.g. /user/lz3-alice/
    pending: str | None = None
    started: str | None = None
    last_activity: str | None = None


@dataclass(frozen=True)
class ProgressEvent:
    progress: int
    message: str
    ready: bool = False
    failed: bool = False
    url: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProgressEvent:
        return cls(
            progress=int(data.get("progress") or 0),
            message=str(data.get("message") or ""),
            ready=bool(data.get("ready")),
            failed=bool(data.get("failed")),
            url=data.get("url"),
        )


# Per-user server tokens: minted for USER_TOKEN_TTL seconds, reused while at least
# USER_TOKEN_MIN_LEFT remain, so a burst of contents calls costs one mint. Process memory only
# (never a shared cache: a token in Redis would be one more place to steal it from).
USER_TOKEN_TTL = 300
USER_TOKEN_MIN_LEFT = 90
_user_tokens: dict[tuple[str, str, str], tuple[str, float]] = {}
_user_tokens_lock = threading.Lock()


def user_token_scopes(name: str) -> list[str]:
    """What a token for ``name``'s server may do: reach that one (default) server, nothing else."""
    return [f"access:servers!server={name}/"]


class HubClient:
    """One hub, one service token. One client per process serves every thread (``services.hub_client``):
    its connections are pooled and kept open, and it keeps no cookies."""

    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        api_url: str | None = None,
        timeout: float = 5.0,
        subdomain_host: str | None = None,
    ) -> None:
        """``subdomain_host``: the hub's ``JupyterHub.subdomain_host`` when it gives each user a
        subdomain. Each student's server is then called at its own host, the one the hub reports
        for it, never through the hub's redirect (requests drops Authorization across hosts and turns
        a PUT into a GET)."""
        if not token:
            raise HubUnavailable("The lab is not configured (no hub API token; run `manage.py hub_setup`).")
        self.base_url = base_url.rstrip("/")
        self.api_url = (api_url or f"{self.base_url}/hub/api").rstrip("/")
        self.timeout = timeout
        self.subdomain_host = (subdomain_host or "").rstrip("/") or None
        self._server_hosts: dict[str, str] = {}
        self._service_token = token
        # the cache is per hub and per service identity (tests run several hubs in one process)
        self._token_key = hashlib.sha256(f"{self.api_url}\0{token}".encode()).hexdigest()
        # no default Authorization header: each request names its credential (see _request)
        self._session = requests.Session()
        # one client serves every student's server in this process (sandbox.services.hub_client): a
        # cookie one server sets must never travel to another's, so none is kept
        self._session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        # A class opening labs together: one connection per concurrent request, kept (the default
        # pool of 10 dropped the rest after each call, "Connection pool is full").
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=64)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    # --- plumbing ---------------------------------------------------------------------------
    def _request(
        self,
        method: str,
        url: str,
        *,
        ok: tuple[int, ...] = (200,),
        timeout: float | None = None,
        as_user: str | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """One call. ``as_user=None``: a hub API call with the service token (refused for any
        other URL). ``as_user=name``: a call into ``name``'s server with that server's token."""
        if as_user is None:
            if not url.startswith(self.api_url + "/") and url != self.api_url:
                raise ValueError(f"the service token goes to the hub API only, not to {url}")
            auth = self._service_token
        else:
            if not url.startswith(self._server(as_user, "")):
                raise ValueError(f"{as_user}'s token goes to {as_user}'s server only, not to {url}")
            auth = self.user_token(as_user)
        response = self._send(method, url, auth, timeout, kwargs)
        if as_user is not None and response.status_code in (401, 403):
            # a cached token the hub no longer knows (user removed and created again): mint anew once
            self.user_token_forget(as_user)
            response = self._send(method, url, self.user_token(as_user), timeout, kwargs)
        if response.status_code in ok:
            return response
        if response.status_code >= 500:
            log.warning("hub %s %s -> %s: %s", method, url, response.status_code, response.text[:500])
            raise HubUnavailable("The lab is unavailable right now.")
        if response.status_code == 404:
            raise NotFound(f"{method} {url}: not found")
        log.warning("hub %s %s -> %s: %s", method, url, response.status_code, response.text[:500])
        raise HubError(_hub_message(response))

    def _send(
        self, method: str, url: str, auth: str, timeout: float | None, kwargs: dict[str, Any]
    ) -> requests.Response:
        headers = {**kwargs.pop("headers", {}), "Authorization": f"token {auth}"}
        try:
            return self._session.request(method, url, timeout=timeout or self.timeout, headers=headers, **kwargs)
        except requests.RequestException as exc:
            log.warning("hub %s %s failed: %s", method, url, exc)
            raise HubUnavailable("The lab is unavailable right now.") from exc

    def _api(self, path: str) -> str:
        return f"{self.api_url}/{path.lstrip('/')}"

    def _server(self, user: str, path: str) -> str:
        return f"{self._server_host(user)}/user/{quote(user)}/{path.lstrip('/')}"

    def _server_host(self, user: str) -> str:
        """Where ``user``'s server answers: the hub's address, or with per-user subdomains the
        user's own host (``https://<name>.<subdomain_host>``), as the hub reports it."""
        if not self.subdomain_host:
            return self.base_url
        cached = self._server_hosts.get(user)
        if cached is not None:
            return cached
        # The hub's user model carries the server's absolute URL in subdomain mode; its subdomain
        # hook (IDNA-encoding, hashing long names) is the hub's business, so ask rather than guess.
        model = self.user_get(user) or {}
        url = str(((model.get("servers") or {}).get("") or {}).get("url") or "")
        if "://" in url:
            scheme, rest = url.split("://", 1)
            self._server_hosts[user] = f"{scheme}://{rest.split('/', 1)[0]}"
            return self._server_hosts[user]
        # no server yet: the hub's default hook for a DNS-safe name (every hub name here is one)
        scheme, rest = self.subdomain_host.split("://", 1)
        return f"{scheme}://{quote(user).lower()}.{rest}"

    # --- per-server tokens --------------------------------------------------------------------
    def user_token(self, name: str) -> str:
        """A token owned by ``name`` that reaches only ``name``'s default server, for a few minutes."""
        key = (self._token_key, name, "server")
        now = time.monotonic()
        with _user_tokens_lock:
            cached = _user_tokens.get(key)
            if cached and cached[1] - now >= USER_TOKEN_MIN_LEFT:
                return cached[0]
        body = {
            "scopes": user_token_scopes(name),
            "expires_in": USER_TOKEN_TTL,
            "note": "liangzhi-site: contents and kernels of this server",
        }
        model = self._request("POST", self._api(f"/users/{quote(name)}/tokens"), ok=(200, 201), json=body).json()
        token = str(model["token"])
        with _user_tokens_lock:
            _user_tokens[key] = (token, now + USER_TOKEN_TTL)
        return token

    def user_token_forget(self, name: str) -> None:
        with _user_tokens_lock:
            _user_tokens.pop((self._token_key, name, "server"), None)

    # --- hub ------------------------------------------------------------------------------------
    def users_active(self) -> list[dict[str, Any]]:
        """Hub users with a running or starting server, with their servers (GET /users?state=active)."""
        users = self._request("GET", self._api("/users"), params={"state": "active"}).json()
        return list(users) if isinstance(users, list) else []

    def version(self) -> str:
        return str(self._request("GET", self._api("/")).json()["version"])

    def user_get(self, name: str) -> dict[str, Any] | None:
        try:
            return dict(self._request("GET", self._api(f"/users/{quote(name)}")).json())
        except NotFound:
            return None

    def user_ensure(self, name: str) -> dict[str, Any]:
        """The hub user, created if missing (a concurrent creation is fine)."""
        existing = self.user_get(name)
        if existing is not None:
            return existing
        try:
            return dict(self._request("POST", self._api(f"/users/{quote(name)}"), ok=(201,)).json())
        except HubError:
            again = self.user_get(name)
            if again is None:
                raise
            return again

    def user_delete(self, name: str, *, wait: float = 90) -> None:
        """Stop the user's server and remove the hub user (their hub sessions end with it).

        The hub refuses to delete a user whose server is still starting, so a pending
        start is waited out (up to ``wait`` seconds) and the server stopped first.
        """
        deadline = time.monotonic() + wait
        while self.server_status(name).state == "pending" and time.monotonic() < deadline:
            time.sleep(0.5)
        self.server_stop(name)
        self.user_token_forget(name)
        try:
            self._request("DELETE", self._api(f"/users/{quote(name)}"), ok=(204,), timeout=max(self.timeout, 30))
        except NotFound:
            return

    def server_status(self, name: str) -> ServerStatus:
        user = self.user_get(name)
        if user is None:
            return ServerStatus(state="stopped")
        server = (user.get("servers") or {}).get("")
        if not server:
            return ServerStatus(state="pending" if user.get("pending") else "stopped", pending=user.get("pending"))
        if (server.get("pending") and server.get("pending") != "spawn") or not server.get("ready"):
            return ServerStatus(state="pending", pending=server.get("pending"), url=server.get("url"))
        return ServerStatus(
            state="ready",
            url=server.get("url"),
            started=server.get("started"),
            last_activity=server.get("last_activity"),
        )

    def server_start(self, name: str, *, profile: str) -> StartOutcome:
        """Ask for the user's server; idempotent: a pending or running server is reused."""
        url = self._api(f"/users/{quote(name)}/server")
        try:
            response = self._request(
                "POST", url, ok=(201, 202), json={"profile": profile}, timeout=max(self.timeout, 15)
            )
        except HubError as exc:
            text = str(exc)
            if "already running" in text:
                return "running"
            if "is pending" in text:
                return "pending"
            raise
        return "started" if response.status_code == 201 else "pending"

    def server_progress(self, name: str, *, timeout: float, _retry: bool = True) -> Iterator[ProgressEvent]:
        """The hub's progress events for a starting server, ending with ready or failed.

        ``timeout`` bounds the silence between events; a silent hub ends it with
        HubUnavailable. JupyterHub 6.1.1 can cut the stream when a start fails; the
        stream is then asked once more, and the hub answers with the failure itself.
        """
        url = self._api(f"/users/{quote(name)}/server/progress")
        try:
            response = self._session.get(
                url,
                stream=True,
                timeout=(self.timeout, timeout),
                headers={"Authorization": f"token {self._service_token}"},
            )
        except requests.RequestException as exc:
            raise HubUnavailable("The lab is unavailable right now.") from exc
        with response:
            if response.status_code == 400:
                # not starting: either ready already, or stopped (a failed start is reported as an event)
                status = self.server_status(name)
                if status.state == "ready":
                    yield ProgressEvent(progress=100, message="Server ready", ready=True, url=status.url)
                    return
                raise SpawnFailed("Your lab is not starting. Please try again.")
            if response.status_code >= 300:
                log.warning("progress for %s -> %s: %s", name, response.status_code, response.text[:300])
                raise HubUnavailable("The lab is unavailable right now.")
            try:
                for raw in response.iter_lines(decode_unicode=True):
                    # decode_unicode gives str at run time; the stubs say bytes.
                    line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                    if not line or not line.startswith("data:"):
                        continue
                    event = ProgressEvent.from_json(json.loads(line[5:]))
                    yield event
                    if event.ready or event.failed:
                        return
            except requests.RequestException as exc:
                log.warning("progress stream for %s broke: %r", name, exc)
                if not _retry:
                    raise HubUnavailable("The lab stopped answering while your server was starting.") from exc
            else:
                return
        yield from self.server_progress(name, timeout=timeout, _retry=False)

    async def server_progress_async(
        self, name: str, *, timeout: float, _retry: bool = True
    ) -> AsyncIterator[ProgressEvent]:
        """``server_progress`` for an ASGI server: the same events, awaited instead of blocking a thread.

        Under ASGI an open progress stream then costs a socket and a coroutine, never a worker or a
        thread (deploy/gunicorn.conf.py). The rare follow-up calls (server_status) run in a thread.
        """
        import asyncio

        import httpx  # a jupyterlab dependency; only ASGI servers come here

        url = self._api(f"/users/{quote(name)}/server/progress")
        limits = httpx.Timeout(self.timeout, read=timeout)
        headers = {"Authorization": f"token {self._service_token}"}
        broke = False
        async with httpx.AsyncClient(timeout=limits) as http:
            try:
                async with http.stream("GET", url, headers=headers) as response:
                    if response.status_code == 400:
                        status = await asyncio.to_thread(self.server_status, name)
                        if status.state == "ready":
                            yield ProgressEvent(progress=100, message="Server ready", ready=True, url=status.url)
                            return
                        raise SpawnFailed("Your lab is not starting. Please try again.")
                    if response.status_code >= 300:
                        body = (await response.aread())[:300]
                        log.warning("progress for %s -> %s: %r", name, response.status_code, body)
                        raise HubUnavailable("The lab is unavailable right now.")
                    async for line in response.aiter_lines():
                        if not line.startswith("data:"):
                            continue
                        event = ProgressEvent.from_json(json.loads(line[5:]))
                        yield event
                        if event.ready or event.failed:
                            return
                    return
            except httpx.HTTPError as exc:
                log.warning("progress stream for %s broke: %r", name, exc)
                if not _retry:
                    raise HubUnavailable("The lab stopped answering while your server was starting.") from exc
                broke = True
        if broke:
            async for event in self.server_progress_async(name, timeout=timeout, _retry=False):
                yield event

    def server_wait_ready(self, name: str, *, timeout: float) -> ProgressEvent:
        """Follow the progress stream to its end; raise SpawnFailed with the hub's message."""
        last = None
        for event in self.server_progress(name, timeout=timeout):
            last = event
        if last is None:
            raise HubUnavailable("The lab stopped answering while your server was starting.")
        if last.failed:
            raise SpawnFailed(_readable_spawn_failure(last.message))
        return last

    def server_stop(self, name: str) -> None:
        try:
            self._request(
                "DELETE", self._api(f"/users/{quote(name)}/server"), ok=(202, 204), timeout=max(self.timeout, 30)
            )
        except NotFound:
            return
        except HubError as exc:
            if "not running" in str(exc):
                return
            raise

    # --- the student's Jupyter Server, through the proxy, with that server's own token ----------
    def contents_get(self, name: str, path: str, *, content: bool = False) -> dict[str, Any] | None:
        url = self._server(name, f"api/contents/{quote(path)}")
        try:
            return dict(self._request("GET", url, params={"content": int(content)}, as_user=name).json())
        except NotFound:
            return None

    def contents_mkdir(self, name: str, path: str) -> None:
        """Create the directory and its parents (existing ones are kept)."""
        parts = [p for p in path.split("/") if p]
        for i in range(1, len(parts) + 1):
            sub = "/".join(parts[:i])
            if self.contents_get(name, sub) is None:
                url = self._server(name, f"api/contents/{quote(sub)}")
                self._request("PUT", url, ok=(200, 201), json={"type": "directory"}, as_user=name)

    def contents_put_notebook(self, name: str, path: str, data: bytes) -> dict[str, Any]:
        url = self._server(name, f"api/contents/{quote(path)}")
        body = {"type": "notebook", "format": "json", "content": json.loads(data)}
        return dict(
            self._request("PUT", url, ok=(200, 201), json=body, timeout=max(self.timeout, 30), as_user=name).json()
        )

    def contents_put_file(self, name: str, path: str, data: bytes) -> dict[str, Any]:
        """Write any file (data beside a notebook) byte for byte, base64 over the contents API."""
        import base64

        url = self._server(name, f"api/contents/{quote(path)}")
        body = {"type": "file", "format": "base64", "content": base64.b64encode(data).decode()}
        return dict(
            self._request("PUT", url, ok=(200, 201), json=body, timeout=max(self.timeout, 30), as_user=name).json()
        )

    def contents_rename(self, name: str, old: str, new: str) -> None:
        url = self._server(name, f"api/contents/{quote(old)}")
        self._request("PATCH", url, json={"path": new}, as_user=name)

    def contents_read_bytes(self, name: str, path: str) -> bytes:
        """The file's bytes exactly as stored (a notebook is read as text, not re-serialised)."""
        url = self._server(name, f"api/contents/{quote(path)}")
        model = self._request("GET", url, params={"type": "file", "format": "text", "content": 1}, as_user=name).json()
        return str(model["content"]).encode()

    def lab_url(self, name: str, path: str | None = None) -> str:
        suffix = f"lab/tree/{quote(path)}" if path else "lab"
        return self._server(name, suffix)

    def kernel_start(self, name: str, *, kernel: str | None = None) -> str:
        body = {"name": kernel} if kernel else {}
        return str(
            self._request(
                "POST", self._server(name, "api/kernels"), ok=(201,), json=body, timeout=60, as_user=name
            ).json()["id"]
        )

    def kernels_list(self, name: str) -> list[dict[str, Any]]:
        return list(self._request("GET", self._server(name, "api/kernels"), as_user=name).json())

    def sessions_list(self, name: str) -> list[dict[str, Any]]:
        return list(self._request("GET", self._server(name, "api/sessions"), as_user=name).json())

    def session_bind(self, name: str, path: str) -> str | None:
        """Give the notebook at ``path`` a kernel session, reusing an idle warm kernel.

        Returns the kernel id of the notebook's session (one it already had, or the one made
        now), or None when no unbound kernel is waiting (JupyterLab then starts its own kernel).
        """
        sessions = self.sessions_list(name)
        for session in sessions:
            if session.get("path") == path:
                return str((session.get("kernel") or {}).get("id") or "") or None
        bound = {s["kernel"]["id"] for s in sessions if s.get("kernel")}
        free = [k["id"] for k in self.kernels_list(name) if k["id"] not in bound]
        if not free:
            return None
        body = {"path": path, "name": path.rsplit("/", 1)[-1], "type": "notebook", "kernel": {"id": free[0]}}
        model = self._request("POST", self._server(name, "api/sessions"), ok=(201,), json=body, as_user=name).json()
        return str(model["kernel"]["id"])

    def session_kernel(self, name: str, path: str) -> str | None:
        """The kernel id of the notebook's session at ``path``, or None without one."""
        for session in self.sessions_list(name):
            if session.get("path") == path:
                return str((session.get("kernel") or {}).get("id") or "") or None
        return None

    def kernel_get(self, name: str, kernel_id: str) -> dict[str, Any] | None:
        try:
            return dict(self._request("GET", self._server(name, f"api/kernels/{kernel_id}"), as_user=name).json())
        except NotFound:
            return None

    def kernel_interrupt(self, name: str, kernel_id: str) -> None:
        self._request("POST", self._server(name, f"api/kernels/{kernel_id}/interrupt"), ok=(204,), as_user=name)

    def kernel_wait_ready(self, name: str, kernel_id: str, *, timeout: float = 60) -> bool:
        """Ask the kernel for its ``kernel_info`` (runs no code) and wait for the answer: True once
        it answered, False on no answer within ``timeout``. The quantum kernel answers only after its
        preloaded imports (``liangzhi_kernel``), so True means a cell's ``import torch`` is instant."""
        import websocket  # websocket-client, a jupyter_server dependency

        ws_url = self._server(name, f"api/kernels/{kernel_id}/channels").replace("http", "ws", 1)
        token = f"token {self.user_token(name)}"
        msg_id = uuid.uuid4().hex
        deadline = time.monotonic() + timeout
        try:
            conn = websocket.create_connection(ws_url, header=[f"Authorization: {token}"], timeout=timeout)
        except (websocket.WebSocketTimeoutException, TimeoutError):
            return False  # a server busy starting up answers the handshake late: not an answer yet
        except (websocket.WebSocketException, OSError) as exc:
            log.warning("kernel %s of %s: no websocket: %r", kernel_id, name, exc)
            raise HubUnavailable("The lab is unavailable right now.") from exc
        try:
            conn.send(json.dumps(_message("kernel_info_request", msg_id, {})))
            while (remaining := deadline - time.monotonic()) > 0:
                conn.settimeout(remaining)
                try:
                    msg = json.loads(conn.recv())
                except websocket.WebSocketTimeoutException:
                    return False
                except (websocket.WebSocketConnectionClosedException, ConnectionError):
                    return False
                kind = msg.get("msg_type") or msg.get("header", {}).get("msg_type")
                if kind == "kernel_info_reply" and msg.get("parent_header", {}).get("msg_id") == msg_id:
                    return True
            return False
        finally:
            conn.close()

    def kernel_execute(self, name: str, kernel_id: str, code: str, *, timeout: float = 60) -> ExecResult:
        """Run ``code`` in the kernel over its websocket (Jupyter messaging protocol 5.3).

        Ends when the ``execute_reply`` and the iopub ``idle`` of the request have both
        arrived (outputs travel on iopub, the reply on shell); a kernel that dies first ends with
        ``status="dead"``; no reply within ``timeout`` ends with ``status="timeout"``.
        """
        import websocket  # websocket-client, a jupyter_server dependency

        ws_url = self._server(name, f"api/kernels/{kernel_id}/channels").replace("http", "ws", 1)
        token = f"token {self.user_token(name)}"
        msg_id = uuid.uuid4().hex
        started = time.monotonic()
        conn = websocket.create_connection(ws_url, header=[f"Authorization: {token}"], timeout=timeout)
        try:
            conn.send(
                json.dumps(
                    _message(
                        "execute_request",
                        msg_id,
                        {
                            "code": code,
                            "silent": False,
                            "store_history": False,
                            "user_expressions": {},
                            "allow_stdin": False,
                            "stop_on_error": True,
                        },
                    )
                )
            )
            stdout: list[str] = []
            error = ""
            reply: str | None = None
            idle = False
            grace_until = float("inf")
            while not (reply and idle):
                now = time.monotonic()
                remaining = min(timeout - (now - started), grace_until - now)
                if remaining <= 0:
                    break
                conn.settimeout(remaining)
                try:
                    msg = json.loads(conn.recv())
                except websocket.WebSocketTimeoutException:
                    break
                except (websocket.WebSocketConnectionClosedException, ConnectionError):
                    return ExecResult("dead", "".join(stdout), error, time.monotonic() - started)
                kind = msg.get("msg_type") or msg.get("header", {}).get("msg_type")
                content = msg.get("content", {})
                if kind == "status" and content.get("execution_state") in ("restarting", "dead"):
                    return ExecResult("dead", "".join(stdout), error, time.monotonic() - started)
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                if kind == "stream":
                    stdout.append(content.get("text", ""))
                elif kind == "error":
                    error = f"{content.get('ename')}: {content.get('evalue')}"
                elif kind == "status" and content.get("execution_state") == "idle":
                    idle = True  # iopub: every output of this request has been sent
                elif kind == "execute_reply":
                    reply = content.get("status", "error")
                    # shell and iopub are separate channels: outputs may still be on their way
                    grace_until = time.monotonic() + 5
            return ExecResult(reply or "timeout", "".join(stdout), error, time.monotonic() - started)
        finally:
            conn.close()


def _message(kind: str, msg_id: str, content: dict[str, Any]) -> dict[str, Any]:
    """A shell-channel request of the Jupyter messaging protocol 5.3, from the site."""
    return {
        "header": {
            "msg_id": msg_id,
            "username": "liangzhi-site",
            "session": uuid.uuid4().hex,
            "msg_type": kind,
            "version": "5.3",
            "date": datetime.now(UTC).isoformat(),
        },
        "parent_header": {},
        "metadata": {},
        "channel": "shell",
        "buffers": [],
        "content": content,
    }


@dataclass(frozen=True)
class ExecResult:
    status: str  # ok | error | dead | timeout
    stdout: str
    error: str
    seconds: float


def _hub_message(response: requests.Response) -> str:
    try:
        return str(response.json().get("message") or response.reason)
    except ValueError:
        return f"{response.status_code} {response.reason}"


def _readable_spawn_failure(message: str) -> str:
    text = message.removeprefix("Spawn failed: ").strip()
    if "Timeout" in text or "timeout" in text or "didn't respond" in text:
        return "Your lab took too long to start. Please try again in a minute."
    return text or "Your lab could not start. Please try again."
