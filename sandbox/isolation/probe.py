"""What this machine can enforce, capability by capability, and an honest verdict.

``probe()`` tries each mechanism for real (a bwrap that unshares the network, a cgroup
that takes a limit, a tmpfs that refuses a write past its size) rather than checking that
files exist. Its verdict:

* ``isolated``: a jail can be built and every limit the caller requires is enforced;
* ``degraded``: a jail can be built (no network, no other files, own uid) but some limit
  falls back to a weaker mechanism or to none: the reasons say which;
* ``unavailable``: no jail at all (no bubblewrap, no namespaces).

A degraded machine is never reported as isolated.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import cgroups, scratch
from .jail import BWRAP, SETPRIV
from .names import install_id

ALL_LIMITS = ("memory", "pids", "cpu", "rlimits", "disk")


@dataclass
class Capability:
    enforced: bool
    mechanism: str  # "v1", "v2", "rlimit_as", "tmpfs", "bwrap", ... or "none"
    detail: str = ""


_CACHE: dict[tuple[str, ...], dict[str, Any]] = {}
_LOCK = threading.Lock()


def _bwrap_try(extra: list[str]) -> str | None:
    """None when bwrap runs ``true`` with these namespace flags, else its complaint."""
    exe = shutil.which(BWRAP) or (BWRAP if os.access(BWRAP, os.X_OK) else None)
    if exe is None:
        return f"bubblewrap not found at {BWRAP} (apt-get install bubblewrap)"
    cmd = [exe, *extra, "--die-with-parent", "--ro-bind", "/usr", "/usr"]
    for link in ("bin", "lib", "lib64"):
        top = Path("/") / link
        if top.is_symlink():
            cmd += ["--symlink", os.readlink(top), str(top)]
    cmd += ["--proc", "/proc", "--", "/usr/bin/true"]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=15, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap failed to start: {exc}"
    if proc.returncode != 0:
        return proc.stderr.decode(errors="replace").strip() or f"exit {proc.returncode}"
    return None


def _cgroup_try(iid: str) -> dict[str, Capability]:
    found: dict[str, Capability] = {}
    lay = cgroups.layout()
    test = cgroups.Cgroup(iid=iid, kind="probe", name=f"{os.getpid()}-{time.monotonic_ns()}")
    test.create(cgroups.CgroupLimits(memory_bytes=256 * 1024 * 1024, pids=64, cpu_cores=1.0))
    try:
        for controller in cgroups.CONTROLLERS:
            version = test.version(controller)
            if version:
                found[controller] = Capability(True, version, f"cgroup {version} {controller} controller")
            elif controller in lay:
                found[controller] = Capability(False, "none", "; ".join(test.errors) or "limit not accepted")
            else:
                found[controller] = Capability(False, "none", f"no writable cgroup {controller} controller")
    finally:
        test.remove()
        for path in set(test.paths.values()):
            with contextlib.suppress(OSError):
                path.parent.rmdir()  # only if no group of this installation lives there
    return found


def probe(
    *, state_dir: Path | str | None = None, require: tuple[str, ...] = ALL_LIMITS, refresh: bool = False
) -> dict[str, Any]:
    """Probe once per process (cached); see the module docstring for the verdict."""
    iid = install_id(state_dir)
    key = (iid, *require)
    with _LOCK:
        if not refresh and key in _CACHE:
            return dict(_CACHE[key])
    root = os.geteuid() == 0
    caps: dict[str, Capability] = {}
    base_flags = (
        ["--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try"] if root else ["--unshare-all"]
    )
    err = _bwrap_try(base_flags if root else ["--unshare-user", "--unshare-pid"])
    caps["bwrap"] = Capability(err is None, "bwrap" if err is None else "none", err or "mount + pid namespaces")
    if root:
        caps["user_namespace"] = Capability(True, "not needed", "root: jails run as a real unprivileged uid (setpriv)")
    else:
        err = _bwrap_try(["--unshare-user"])
        caps["user_namespace"] = Capability(err is None, "userns" if err is None else "none", err or "")
    err = _bwrap_try([*base_flags, "--unshare-net"])
    caps["net_namespace"] = Capability(
        err is None, "netns" if err is None else "none", err or "own network namespace: loopback only"
    )
    if root:
        ok = os.access(SETPRIV, os.X_OK)
        caps["uid_switch"] = Capability(ok, "setpriv" if ok else "none", "" if ok else f"{SETPRIV} missing")
    else:
        caps["uid_switch"] = Capability(True, "userns", "runs as the caller's own uid inside a user namespace")
    caps.update(_cgroup_try(iid))
    if not caps["memory"].enforced:
        caps["memory"] = Capability(False, "rlimit_as", caps["memory"].detail + "; falls back to RLIMIT_AS")
    if not caps["pids"].enforced:
        mech = "none" if root else "rlimit_nproc"
        caps["pids"] = Capability(False, mech, caps["pids"].detail + ("" if root else "; falls back to RLIMIT_NPROC"))
    if not caps["cpu"].enforced:
        caps["cpu"] = Capability(False, "rlimit_cpu", caps["cpu"].detail + "; only RLIMIT_CPU (total seconds)")
    try:
        import resource

        resource.getrlimit(resource.RLIMIT_CPU)
        caps["rlimits"] = Capability(True, "setrlimit", "CPU seconds, file size, open files, no core dumps")
    except (ImportError, OSError) as exc:
        caps["rlimits"] = Capability(False, "none", str(exc))
    with tempfile.TemporaryDirectory(prefix="liangzhi-probe-") as tmp:
        err = scratch.works(iid, Path(tmp))
    caps["disk"] = Capability(err is None, "tmpfs" if err is None else "none", err or "size-limited tmpfs")

    reasons: list[str] = []
    jail = caps["bwrap"].enforced and caps["net_namespace"].enforced and caps["uid_switch"].enforced
    if not root and not caps["user_namespace"].enforced:
        jail = False
    for name in ("bwrap", "net_namespace", "uid_switch", "user_namespace"):
        if not caps[name].enforced:
            reasons.append(f"{name}: {caps[name].detail}")
    for name in require:
        if not caps[name].enforced:
            reasons.append(f"{name} limit not enforced: {caps[name].detail}")
    status = "unavailable" if not jail else ("isolated" if not reasons else "degraded")
    swept = cgroups.sweep(iid) + scratch.sweep(iid)
    result: dict[str, Any] = {
        "status": status,
        "isolated": status == "isolated",
        "jail": jail,
        "reasons": reasons,
        "root": root,
        "install_id": iid,
        "capabilities": {name: asdict(cap) for name, cap in caps.items()},
        "swept": swept,
    }
    with _LOCK:
        _CACHE[key] = result
    return dict(result)


def summary(result: dict[str, Any]) -> str:
    """One line for a log: the verdict, then each capability and its mechanism."""
    caps = result.get("capabilities", {})
    parts = [f"{name}={'yes' if c['enforced'] else 'NO'}({c['mechanism']})" for name, c in caps.items()]
    line = f"{result['status']}: " + ", ".join(parts)
    if result.get("reasons"):
        line += " -- " + "; ".join(result["reasons"])
    return line


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()
