"""Isolation on one host: own Unix users, bubblewrap, memory and process limits (needs root)."""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from pathlib import Path

import pytest

from .conftest import stop_quietly

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def probe() -> dict:
    from sandbox.hub.spawner import probe_machine

    found = probe_machine()
    if not found["isolated"]:
        if os.environ.get("LIANGZHI_REQUIRE_ISOLATION") == "1":
            pytest.fail(f"LIANGZHI_REQUIRE_ISOLATION=1 but the machine does not allow it: {found}")
        pytest.skip(f"per-student isolation needs root + bubblewrap + setpriv + useradd: {found}")
    return found


def _start(client, name: str, profile: str = "cpu") -> None:  # type: ignore[no-untyped-def]
    client.user_ensure(name)
    client.server_start(name, profile=profile)
    client.server_wait_ready(name, timeout=90)


def _warm_kernel(client, name: str) -> str:  # type: ignore[no-untyped-def]
    """The server's warm kernel (started as it listens); a new one if it is not there."""
    for _ in range(50):
        kernels = client.kernels_list(name)
        if kernels:
            return str(kernels[0]["id"])
        time.sleep(0.1)
    return str(client.kernel_start(name))


def _name(tag: str) -> str:
    return f"lzt{secrets.token_hex(3)}-{tag}"


def test_isolation_student_cannot_read_another_students_home(lab, hub_client, probe):  # type: ignore[no-untyped-def]
    a, b = _name("a"), _name("b")
    try:
        _start(hub_client, a)
        _start(hub_client, b)
        # a private file in B's home, written through B's own server
        hub_client.contents_put_file(b, "secret.txt", b"bob's secret")
        assert hub_client.contents_read_bytes(b, "secret.txt") == b"bob's secret"
        kernel = hub_client.kernel_start(a)
        code = f"""
import json, os, pwd
def attempt(fn):
    try:
        return "ok:" + repr(fn())[:80]
    except Exception as e:
        return type(e).__name__
host_home_b = {str(lab.state_dir / "homes" / b)!r}
print(json.dumps({{
    "uid": os.getuid(), "home": os.path.expanduser("~"),
    "home_mode": oct(os.stat(os.path.expanduser("~")).st_mode & 0o777),
    "read_b": attempt(lambda: open("/home/{b}/secret.txt").read()),
    "list_b": attempt(lambda: os.listdir("/home/{b}")),
    "read_b_host": attempt(lambda: open(host_home_b + "/secret.txt").read()),
    "list_homes": attempt(lambda: os.listdir("/home")),
    "hub_state": attempt(lambda: os.listdir({str(lab.state_dir)!r})),
    "shadow": attempt(lambda: open("/etc/shadow").read()),
    "write_usr": attempt(lambda: open("/usr/evil", "w")),
    "write_env": attempt(lambda: open(os.path.join(os.environ["VIRTUAL_ENV"], "evil"), "w")),
    "tmp_host": attempt(lambda: os.listdir("/tmp")),
    "write_home": attempt(lambda: open(os.path.expanduser("~/mine.txt"), "w").write("x")),
}}))
"""
        result = hub_client.kernel_execute(a, kernel, code, timeout=60)
        assert result.status == "ok", result
        seen = json.loads(result.stdout.strip().splitlines()[-1])
        assert seen["uid"] >= 1000 and seen["home"] == f"/home/{a}"
        assert seen["home_mode"] == "0o700"
        assert seen["read_b"] in ("FileNotFoundError", "PermissionError")
        assert seen["list_b"] in ("FileNotFoundError", "PermissionError")
        assert seen["read_b_host"] in ("FileNotFoundError", "PermissionError")
        assert seen["list_homes"] == f"ok:{[a]!r}"  # only their own home exists in the sandbox
        assert seen["hub_state"] in ("FileNotFoundError", "PermissionError")
        assert seen["shadow"] == "PermissionError"
        assert seen["write_usr"] in ("PermissionError", "OSError")
        assert seen["write_env"] in ("PermissionError", "OSError")
        # a private /tmp: empty, except the folder the environment is bound back into when the
        # checkout itself lives under /tmp (as a CI clone may)
        env_under_tmp = sorted({Path(p).resolve().parts[2] for p in (sys.prefix,) if Path(p).resolve().parts[1:2] == ("tmp",)})
        assert seen["tmp_host"] == f"ok:{env_under_tmp}"
        assert seen["write_home"] == "ok:1"
    finally:
        stop_quietly(hub_client, a, b)


def test_isolation_memory_bomb_killed_hub_healthy(lab, hub_client, probe):  # type: ignore[no-untyped-def]
    a = _name("mem")
    try:
        _start(hub_client, a, profile="small")  # 700 MiB
        kernel = _warm_kernel(hub_client, a)
        bomb = hub_client.kernel_execute(
            a, kernel, "x = b'1' * (1536 * 1024 * 1024)\nprint('survived', len(x))", timeout=90
        )
        assert bomb.status in ("dead", "error"), bomb
        assert "survived" not in bomb.stdout
        if bomb.status == "error":
            assert "MemoryError" in bomb.error
        # the hub and the student's server are fine; a new kernel works
        assert hub_client.version()
        assert hub_client.server_status(a).state == "ready"
        again = hub_client.kernel_start(a)
        ok = hub_client.kernel_execute(a, again, "print(6 * 7)", timeout=60)
        assert ok.status == "ok" and ok.stdout.strip() == "42"
    finally:
        stop_quietly(hub_client, a)


def test_isolation_fork_bomb_contained(lab, hub_client, probe):  # type: ignore[no-untyped-def]
    a = _name("fork")
    try:
        _start(hub_client, a, profile="small")  # pids limit 128
        kernel = _warm_kernel(hub_client, a)
        code = """
import os, time, signal
children, failure = [], ""
try:
    for _ in range(5000):
        pid = os.fork()
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        children.append(pid)
except OSError as exc:
    failure = type(exc).__name__ + ":" + str(exc.errno)
for pid in children:
    os.kill(pid, signal.SIGKILL)
for pid in children:
    os.waitpid(pid, 0)
print(len(children), failure)
"""
        result = hub_client.kernel_execute(a, kernel, code, timeout=120)
        assert result.status == "ok", result
        count, failure = result.stdout.split()
        assert int(count) < 128, result.stdout
        assert failure.startswith("BlockingIOError:11") or failure.endswith(":11"), failure  # EAGAIN: pids.max
        assert hub_client.version()
        alive = hub_client.kernel_execute(a, kernel, "print('alive')", timeout=30)
        assert alive.status == "ok" and alive.stdout.strip() == "alive", alive
    finally:
        stop_quietly(hub_client, a)
