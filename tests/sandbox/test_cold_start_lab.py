"""A cold lab's first kernel is the one started before its server (liangzhi_warm), in a real jailed lab.

The server adopts the pre-launched kernel: its imports are done when it first answers; it is the
server's child, in the same jail, user and cgroup, with no secret in its environment; a restart
gives a fresh kernel and a second kernel is launched as usual, both scrubbed alike.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from .conftest import stop_quietly

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|COOKIE|(^|_)KEY($|_)", re.IGNORECASE)
WHO = (
    "import json, os, sys\n"
    "print(json.dumps({'pid': os.getpid(), 'argv': sys.argv, 'uid': os.getuid(),"
    " 'preloaded': [m in sys.modules for m in ('qiskit', 'qiskit_aer', 'torch')]}))"
)


@pytest.fixture(scope="module")
def jailed() -> None:
    from sandbox.hub.spawner import probe_machine

    found = probe_machine()
    if not found["sandbox"]:  # without a jail the server is stock jupyterhub-singleuser: no pre-launch
        if os.environ.get("LIANGZHI_REQUIRE_ISOLATION") == "1":
            pytest.fail(f"LIANGZHI_REQUIRE_ISOLATION=1: labs cannot be jailed here: {found['reasons']}")
        pytest.skip(f"labs cannot be jailed here: {found['reasons']}")


def _procs() -> dict[int, tuple[list[bytes], bytes]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                found[int(entry)] = (
                    Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0"),
                    Path(f"/proc/{entry}/environ").read_bytes(),
                )
            except OSError:
                continue
    return found


def _host_pid(fragment: str) -> int:
    """The host pid of the process whose command line has ``fragment`` (a connection file's unique name)."""
    hits = [pid for pid, (cmd, _) in _procs().items() if any(fragment.encode() in part for part in cmd)]
    assert len(hits) == 1, (fragment, hits)
    return hits[0]


def _server_pid(name: str) -> int:
    hits = [
        pid
        for pid, (cmd, env) in _procs().items()
        if cmd[1:3] == [b"-m", b"liangzhi_launch"] and f"JUPYTERHUB_USER={name}\0".encode() in env
    ]  # the launcher's python, which becomes the server (not bwrap or setpriv before it)
    assert len(hits) == 1, hits
    return hits[0]


def _status(pid: int, field: str) -> str:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return line.split(":", 1)[1].strip()
    raise LookupError(field)


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
    return dict(item.split("=", 1) for item in raw.split("\0") if "=" in item)


def _cpu_limit_cores(pid: int) -> float | None:
    """The CPU quota (cores) of ``pid``'s cgroup, v1 or v2; None without one."""
    root = Path("/sys/fs/cgroup")
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        rel = path.lstrip("/")
        if "cpu" in controllers.split(","):
            for base in (root / "cpu", root / "cpu,cpuacct"):
                quota = base / rel / "cpu.cfs_quota_us"
                if quota.exists() and rel:
                    value = int(quota.read_text())
                    return None if value < 0 else value / int((quota.parent / "cpu.cfs_period_us").read_text())
        if controllers == "" and rel:
            for base in (root, root / "unified"):
                cpu_max = base / rel / "cpu.max"
                if cpu_max.exists():
                    quota_s, period = cpu_max.read_text().split()
                    return None if quota_s == "max" else int(quota_s) / int(period)
    return None


def _who(client: Any, name: str, kernel: str) -> dict[str, Any]:
    result = client.kernel_execute(name, kernel, WHO, timeout=180)
    assert result.status == "ok", result
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _assert_same_jail_no_secrets(kernel_pid: int, server_pid: int) -> None:
    env = _environ(kernel_pid)
    leaked = sorted(k for k in env if SECRET_NAME.search(k))
    assert not leaked, leaked
    token = _environ(server_pid).get("JUPYTERHUB_API_TOKEN")  # root reads the server's original environment
    assert token, "the server was given a hub token"
    assert token not in Path(f"/proc/{kernel_pid}/environ").read_bytes().decode(errors="replace")
    assert token not in Path(f"/proc/{kernel_pid}/cmdline").read_bytes().decode(errors="replace")
    assert _status(kernel_pid, "PPid") == str(server_pid)  # the server's child
    assert _status(kernel_pid, "Uid") == _status(server_pid, "Uid") and _status(kernel_pid, "Uid").split()[0] != "0"
    assert Path(f"/proc/{kernel_pid}/cgroup").read_text() == Path(f"/proc/{server_pid}/cgroup").read_text()
    for ns in ("net", "pid", "mnt", "user"):
        assert os.readlink(f"/proc/{kernel_pid}/ns/{ns}") == os.readlink(f"/proc/{server_pid}/ns/{ns}"), ns


def test_cold_start_lab_adopts_prelaunched_kernel(lab, hub_client, jailed) -> None:  # type: ignore[no-untyped-def]
    name = f"lzt{secrets.token_hex(3)}-cold"
    try:
        hub_client.user_ensure(name)
        hub_client.server_start(name, profile="cpu")
        hub_client.server_wait_ready(name, timeout=120)
        deadline = time.monotonic() + 120
        while not (kernels := hub_client.kernels_list(name)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(kernels) == 1, kernels  # the warm kernel, started by the server as its loop runs
        first = kernels[0]["id"]
        who = _who(hub_client, name, first)
        # the pre-launched kernel (its own connection file), its imports done when it first answers
        assert "kernel-liangzhi-warm-" in who["argv"][-1], who
        assert who["preloaded"] == [True, True, True], who
        server = _server_pid(name)
        kernel_pid = _host_pid(Path(who["argv"][-1]).name)
        _assert_same_jail_no_secrets(kernel_pid, server)
        # the start-up CPU allowance (server and kernel importing side by side) ended as the server listened
        from sandbox.hub.constants import PROFILES
        from sandbox.hub.spawner import probe_machine

        quota = _cpu_limit_cores(server)
        if probe_machine()["cpu_limit"] != "none":  # a cgroup cpu controller limits labs here
            assert quota == PROFILES["cpu"]["cpu_limit"], quota
        log = (Path(lab.state_dir) / "logs" / f"{name}.log").read_text(errors="replace")
        assert "Adopted the pre-launched quantum kernel" in log

        # a restart gives a fresh kernel, launched the usual way on the kernel's own connection file
        headers = {"Authorization": f"token {hub_client.user_token(name)}"}
        r = requests.post(f"{lab.url}/user/{name}/api/kernels/{first}/restart", headers=headers, timeout=120)
        assert r.status_code == 200, r.text[:300]
        again = _who(hub_client, name, first)
        assert again["argv"][-1].endswith(f"kernel-{first}.json") and again["pid"] != who["pid"], again
        restarted = _host_pid(f"kernel-{first}.json")
        assert restarted != kernel_pid and not Path(f"/proc/{kernel_pid}").exists()
        _assert_same_jail_no_secrets(restarted, server)

        # a second kernel is a normal launch too
        second = hub_client.kernel_start(name)
        other = _who(hub_client, name, second)
        assert other["argv"][-1].endswith(f"kernel-{second}.json"), other
        _assert_same_jail_no_secrets(_host_pid(f"kernel-{second}.json"), server)
        assert other["uid"] == who["uid"] == again["uid"]
    finally:
        stop_quietly(hub_client, name)
