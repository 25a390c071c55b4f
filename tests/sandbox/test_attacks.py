"""The lab as a security boundary, attacked from inside a real student kernel.

Each test runs hostile code in a student's own kernel on the real hub (per-student users,
bubblewrap, own network namespace) and asserts on what it could NOT do: reach any host
port or another lab, reach the outside, read its own server's memory or environment, find
a token, or do anything with what it found. Where the machine cannot jail labs (no root, no
bubblewrap, no network namespaces) these tests skip with the reason, and FAIL with it when
``LIANGZHI_REQUIRE_ISOLATION=1`` (CI).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from .conftest import stop_quietly

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TOKEN_RE = re.compile(r"[0-9a-f]{32,}")


@pytest.fixture(scope="module")
def jailed() -> dict[str, Any]:
    from sandbox.hub.spawner import probe_machine

    found = probe_machine()
    problem = ""
    if not (found["sandbox"] and found["net_namespace"]):
        problem = f"labs cannot be jailed in their own network namespace here: {found['reasons']}"
    elif not found["isolated"]:
        problem = f"labs are jailed but degraded: {found['reasons']}"
    if problem:
        if os.environ.get("LIANGZHI_REQUIRE_ISOLATION") == "1":
            pytest.fail(f"LIANGZHI_REQUIRE_ISOLATION=1: {problem}")
        pytest.skip(problem)
    return found


def _hub_env(hub: Any) -> dict[str, str]:
    raw = Path(f"/proc/{hub.proc.pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item)


def _name(tag: str) -> str:
    return f"lzt{secrets.token_hex(3)}-{tag}"


def _start(client: Any, name: str, profile: str = "cpu") -> None:
    client.user_ensure(name)
    client.server_start(name, profile=profile)
    client.server_wait_ready(name, timeout=120)


def _run(client: Any, name: str, code: str, timeout: float = 120) -> dict[str, Any]:
    kernel = client.kernel_start(name)
    result = client.kernel_execute(name, kernel, code, timeout=timeout)
    assert result.status == "ok", result
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _lab_port(hub: Any, name: str) -> int:
    """The host port the proxy forwards ``name``'s lab to (its relay), from the proxy's routes."""
    routes = requests.get(
        f"{hub.proxy_api_url}/routes", headers={"Authorization": f"token {hub.proxy_token}"}, timeout=10
    ).json()
    for path, route in routes.items():
        if path.rstrip("/").endswith(f"/user/{name}"):
            return int(str(route["target"]).rsplit(":", 1)[1].split("/")[0])
    raise LookupError(f"no route for {name}: {sorted(routes)}")


def _server_host_pid(name_fragment: str) -> int:
    """The host pid of a lab's single-user server (the launcher's python), found as root."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            environ = Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:
            continue
        if b"liangzhi_launch" in cmdline and f"JUPYTERHUB_USER={name_fragment}\0".encode() in environ:
            return int(entry)
    raise LookupError(f"no server process for {name_fragment}")


@pytest.fixture(scope="module")
def two_labs(hub: Any, jailed: dict[str, Any]) -> Iterator[tuple[Any, str, str]]:
    """Two running labs (a: the attacker, b: the victim), shared by this module's tests."""
    from sandbox.client import HubClient

    client = HubClient(base_url=hub.url, token=hub.token, timeout=15)
    a, b = _name("a"), _name("b")
    try:
        _start(client, a)
        _start(client, b)
        client.contents_put_file(b, "secret.txt", b"bob's secret")
        yield client, a, b
    finally:
        stop_quietly(client, a, b)


ATTACK_NETWORK = r"""
import json, os, socket, errno
def tcp(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.settimeout(3)
    try:
        s.connect((host, port)); return "CONNECTED"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e)) if e.errno else type(e).__name__
    finally:
        s.close()
def udp(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect((host, port)); return "CONNECTED"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e))
    finally:
        s.close()
ports = PORTS
out = {"tcp": {f"{h}:{p}": tcp(h, p) for h in HOSTS for p in ports}}
out["tcp6"] = {}
for p in ports:
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); s.settimeout(3)
    try:
        s.connect(("::1", p)); out["tcp6"][p] = "CONNECTED"
    except OSError as e:
        out["tcp6"][p] = errno.errorcode.get(e.errno, str(e))
    s.close()
out["udp_outside"] = udp("192.0.2.1", 53)
out["tcp_outside"] = tcp("192.0.2.1", 80)
out["route"] = open("/proc/net/route").read().strip().splitlines()
out["ifaces"] = [n for _, n in socket.if_nameindex()]
try:
    out["sys_class_net"] = sorted(os.listdir("/sys/class/net"))
except OSError as e:
    out["sys_class_net"] = type(e).__name__
try:
    socket.getaddrinfo("example.com", 443); out["dns"] = "RESOLVED"
except OSError as e:
    out["dns"] = type(e).__name__
print(json.dumps(out))
"""


def test_attack_kernel_reaches_no_host_port_no_other_lab_no_outside(lab, two_labs, live_server):  # type: ignore[no-untyped-def]
    client, a, b = two_labs
    env = _hub_env(lab)
    other_lab_port = _lab_port(lab, b)
    own_port = _lab_port(lab, a)
    ports = {
        "postgres": 5432,
        "redis": 6379,
        "rabbitmq": 5672,
        "hub_api": int(env["LIANGZHI_HUB_API_PORT"]),
        "proxy_api": int(env["LIANGZHI_HUB_PROXY_API_PORT"]),
        "proxy_public": int(lab.url.rsplit(":", 1)[1]),
        "site": int(live_server.url.rsplit(":", 1)[1]),
        "other_lab": other_lab_port,
        "own_lab_host_port": own_port,
    }
    # From the host these ports answer (the services the suite itself runs on), so a failure
    # from the kernel is the jail's doing, not an idle port.
    for key in ("hub_api", "proxy_api", "proxy_public", "site", "other_lab"):
        with socket.create_connection(("127.0.0.1", ports[key]), timeout=5):
            pass
    host_ips = sorted(
        {
            str(info[4][0])
            for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
            if not str(info[4][0]).startswith("127.")
        }
    )
    code = ATTACK_NETWORK.replace("PORTS", repr(sorted(set(ports.values())))).replace(
        "HOSTS", repr(["127.0.0.1", *host_ips[:2]])
    )
    seen = _run(client, a, code)
    for target, outcome in seen["tcp"].items():
        assert outcome in ("ECONNREFUSED", "ENETUNREACH", "EHOSTUNREACH"), (target, outcome)
    for port, outcome in seen["tcp6"].items():
        assert outcome in ("ECONNREFUSED", "ENETUNREACH", "EADDRNOTAVAIL", "EAFNOSUPPORT"), (port, outcome)
    assert seen["udp_outside"] == "ENETUNREACH"  # no route: not a single packet leaves
    assert seen["tcp_outside"] == "ENETUNREACH"
    assert seen["route"][1:] == [], seen["route"]  # a routing table with no route at all
    assert seen["ifaces"] == ["lo"]
    assert seen["sys_class_net"] in (["lo"], "FileNotFoundError")
    assert seen["dns"] != "RESOLVED"


ATTACK_SERVER = r"""
import json, os, re, glob
me = os.getpid()
server = None
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            if b"liangzhi_launch" in open(f"/proc/{pid}/cmdline", "rb").read():
                server = int(pid)
        except OSError:
            pass
def attempt(fn):
    try:
        data = fn(); return "READ:%d" % len(data)
    except Exception as e:
        return type(e).__name__
out = {"server": server, "parent": os.getppid()}
out["mem"] = attempt(lambda: open(f"/proc/{server}/mem", "rb").read(4096))
out["environ"] = attempt(lambda: open(f"/proc/{server}/environ", "rb").read())
out["maps"] = attempt(lambda: open(f"/proc/{server}/maps", "rb").read())
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
out["ptrace"] = libc.ptrace(16, server, 0, 0)  # PTRACE_ATTACH
out["ptrace_errno"] = ctypes.get_errno()
# every string that looks like a token, wherever this kernel can read
found = set()
PAT = re.compile(rb"[0-9a-f]{32,}")
for k, v in os.environ.items():
    found.update(m.decode() for m in PAT.findall(v.encode()))
out["secret_env_names"] = sorted(k for k in os.environ if "TOKEN" in k or "SECRET" in k)
for path in glob.glob("/proc/[0-9]*/environ") + glob.glob("/proc/[0-9]*/cmdline"):
    try:
        found.update(m.decode() for m in PAT.findall(open(path, "rb").read()))
    except OSError:
        pass
home = os.path.expanduser("~")
for root, dirs, files in os.walk(home):
    for f in files:
        try:
            data = open(os.path.join(root, f), "rb").read(2_000_000)
        except OSError:
            continue
        found.update(m.decode() for m in PAT.findall(data))
for root, dirs, files in os.walk("/run"):
    for f in files:
        try:
            found.update(m.decode() for m in PAT.findall(open(os.path.join(root, f), "rb").read(1_000_000)))
        except OSError:
            pass
out["found"] = sorted(found)
print(json.dumps(out))
"""


def test_attack_kernel_cannot_read_its_server_nor_find_its_token(lab, two_labs):  # type: ignore[no-untyped-def]
    client, a, b = two_labs
    seen = _run(client, a, ATTACK_SERVER)
    assert seen["server"] is not None, "the server process is visible in the lab's pid namespace"
    assert seen["mem"] == "PermissionError", seen
    assert seen["environ"] == "PermissionError", seen
    assert seen["maps"] == "PermissionError", seen
    assert seen["ptrace"] == -1 and seen["ptrace_errno"] == 1, seen  # EPERM: non-dumpable
    assert seen["secret_env_names"] == [], seen["secret_env_names"]
    # The server's real token, read as root from the host: nowhere in what the kernel found.
    server_env = Path(f"/proc/{_server_host_pid(a)}/environ").read_bytes().decode(errors="replace")
    token = re.search(r"JUPYTERHUB_API_TOKEN=([^\0]+)", server_env)
    assert token, "the server was started with a hub token"
    assert token.group(1) not in seen["found"]
    # Whatever it found grants nothing: through the public proxy, no hub API call and no
    # kernel or file in another student's server works with any of it.
    for candidate in seen["found"]:
        headers = {"Authorization": f"token {candidate}"}
        assert requests.get(f"{lab.api_url}/users", headers=headers, timeout=10).status_code in (401, 403, 404)
        r = requests.post(f"{lab.url}/user/{b}/api/kernels", headers=headers, json={}, timeout=10)
        assert r.status_code in (302, 401, 403, 404), (r.status_code, r.text[:200])
        r = requests.get(f"{lab.url}/user/{b}/api/contents/secret.txt", headers=headers, timeout=10)
        assert r.status_code in (302, 401, 403, 404) and "bob's secret" not in r.text


ATTACK_HUB_API = r"""
import json, os, urllib.request, urllib.error
api = os.environ.get("JUPYTERHUB_API_URL", "")
def call(method, url, body=None, token=None):
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "token " + token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read(300).decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read(300).decode(errors="replace")
    except Exception as e:
        return type(e).__name__, ""
out = {"api": api}
out["list_users"] = call("GET", api + "/users")
out["other_user"] = call("GET", api + "/users/VICTIM")
out["start_other"] = call("POST", api + "/users/VICTIM/server", {})
out["token_for_other"] = call("POST", api + "/users/VICTIM/tokens", {"scopes": ["access:servers"]})
out["proxy_routes"] = call("GET", api.replace("/hub/api", "") + "/api/routes")
out["other_lab_via_relay"] = call("GET", api.replace("/hub/api", "/user/VICTIM/api/contents/secret.txt"))
out["whoami_no_token"] = call("GET", api + "/user")
out["public_proxy"] = call("GET", "PUBLIC/hub/api/users")
out["public_other_kernel"] = call("POST", "PUBLIC/user/VICTIM/api/kernels", {})
print(json.dumps(out))
"""


def test_attack_kernel_gets_nothing_from_the_hub_api(lab, two_labs):  # type: ignore[no-untyped-def]
    client, a, b = two_labs
    seen = _run(client, a, ATTACK_HUB_API.replace("VICTIM", b).replace("PUBLIC", lab.url))
    assert seen["api"].startswith("http://127.0.0.1:")  # the relay on the lab's own loopback
    # the relay answers 403 itself for everything but a server's own calls
    for key in ("list_users", "other_user", "start_other", "token_for_other", "proxy_routes", "other_lab_via_relay"):
        status, body = seen[key]
        assert status == 403 and "not allowed from a lab" in body, (key, seen[key])
    assert seen["whoami_no_token"][0] in (401, 403), seen["whoami_no_token"]  # allowed path, no identity
    # the public proxy is not even reachable from inside
    for key in ("public_proxy", "public_other_kernel"):
        assert seen[key][0] in ("URLError", "ConnectionRefusedError", "OSError"), (key, seen[key])
    assert client.contents_read_bytes(b, "secret.txt") == b"bob's secret"


def test_lab_still_works_end_to_end_through_the_relays(lab, two_labs):  # type: ignore[no-untyped-def]
    client, a, _ = two_labs
    assert client.server_status(a).state == "ready"
    client.contents_put_file(a, "hello.txt", b"hi from the site")
    kernel = client.kernel_start(a)
    result = client.kernel_execute(
        a, kernel, "print(open('hello.txt').read()); open('out.txt','w').write(str(6*7))", timeout=120
    )
    assert result.status == "ok" and result.stdout.strip() == "hi from the site", result
    assert client.contents_read_bytes(a, "out.txt") == b"42"
    # the way out works for what a server needs: the hub's version check through the relay
    probe = client.kernel_execute(
        a,
        kernel,
        "import os, json, urllib.request\n"
        "r = urllib.request.urlopen(os.environ['JUPYTERHUB_API_URL'] + '/', timeout=10)\n"
        "print(r.status, json.load(r)['version'])",
        timeout=60,
    )
    assert probe.status == "ok" and probe.stdout.split()[0] == "200", probe
    assert not re.search(
        r"Failed to connect to Hub API|Error notifying Hub", (lab.state_dir / "logs" / f"{a}.log").read_text()
    )


ATTACK_INTERNET = r"""
import json, os, socket, errno
proxy = os.environ.get("HTTPS_PROXY", "")
host, port = proxy.rsplit("/", 1)[-1].split(":")
def connect_via_proxy(target):
    s = socket.create_connection((host, int(port)), timeout=10)
    s.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
    reply = s.recv(200).decode(errors="replace").split("\r\n")[0]
    s.close()
    return reply
def tcp(h, p):
    s = socket.socket(); s.settimeout(3)
    try:
        s.connect((h, p)); return "CONNECTED"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e))
    finally:
        s.close()
out = {"proxy": proxy}
for target in ["127.0.0.1:HUBPORT", "localhost:5432", "[::1]:6379", "10.0.0.1:80", "169.254.169.254:80",
               "192.168.1.1:443", "0.0.0.0:22", "224.0.0.1:80", "[::ffff:127.0.0.1]:5432"]:
    out[target] = connect_via_proxy(target)
out["plain_get"] = None
s = socket.create_connection((host, int(port)), timeout=10)
s.sendall(b"GET http://127.0.0.1:HUBPORT/hub/api/users HTTP/1.1\r\nHost: x\r\n\r\n")
out["plain_get"] = s.recv(200).decode(errors="replace").split("\r\n")[0]
s.close()
out["direct_hub"] = tcp("127.0.0.1", HUBPORT)
out["direct_outside"] = tcp("192.0.2.1", 443)
print(json.dumps(out))
"""


def test_attack_internet_profile_never_reaches_the_hosts_loopback(lab, jailed):  # type: ignore[no-untyped-def]
    from sandbox.client import HubClient

    client = HubClient(base_url=lab.url, token=lab.token, timeout=15)
    env = _hub_env(lab)
    name = _name("net")
    try:
        _start(client, name, profile="net")
        seen = _run(client, name, ATTACK_INTERNET.replace("HUBPORT", env["LIANGZHI_HUB_API_PORT"]))
    finally:
        stop_quietly(client, name)
    assert seen["proxy"].startswith("http://127.0.0.1:")
    for target, reply in seen.items():
        if target in ("proxy", "plain_get", "direct_hub", "direct_outside"):
            continue
        assert reply.startswith("HTTP/1.1 403"), (target, reply)  # never "200 Connection established"
    assert seen["plain_get"].startswith("HTTP/1.1 405"), seen["plain_get"]
    assert seen["direct_hub"] == "ECONNREFUSED"
    assert seen["direct_outside"] == "ENETUNREACH"  # only the proxy leads out


def test_attack_servers_relays_end_with_the_server(lab, jailed):  # type: ignore[no-untyped-def]
    """A stopped lab leaves no relay listening and no cgroup behind."""
    from sandbox.client import HubClient

    client = HubClient(base_url=lab.url, token=lab.token, timeout=15)
    name = _name("gone")
    _start(client, name)
    port = _lab_port(lab, name)
    client.server_stop(name)
    deadline = time.monotonic() + 60
    while client.server_status(name).state != "stopped" and time.monotonic() < deadline:
        time.sleep(0.5)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    leftovers = [p for p in Path("/sys/fs/cgroup").glob(f"*/liangzhi-{jailed['install_id']}/lab-{name}")]
    assert leftovers == []
