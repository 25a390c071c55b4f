"""The worker's side of the kernel zygote (``zygote_server.py``: read its docstring for the threat model).

A warm sandbox started through the zygote is an ordinary ``SandboxProcess`` whose command is a
holder (``sleep``) instead of ``execute.py``: bubblewrap builds the job's namespaces, mounts, uid
and cgroups exactly as for any job, at the cost of one small exec. ``attach`` then asks the zygote
for a runner inside those namespaces and swaps the process's pipes for the runner's, so the rest
of the grading path (frames, limits, ``finish``/``kill``, the cgroup sweep, the quota mount) is the
same code as before.

Used only where every limit is a cgroup and the worker is root (the probe says ``isolated``): the
runner joins the job's cgroups and drops root itself. Anywhere else the pool exec's ``execute.py``
as before. ``GRADING_ZYGOTE=0`` turns it off.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .sandbox import SandboxProcess, _base_env, _Drain

SERVER = Path(__file__).resolve().parent / "zygote_server.py"
SERVER_READY = b"LIANGZHI-ZYGOTE-READY"
# The holder: bubblewrap's namespaces and mounts are complete once setpriv has exec'd it as the job's uid.
HOLDER_ARGV = ["/usr/bin/sleep", "infinity"]


def enabled() -> bool:
    """The zygote's switch (GRADING_ZYGOTE, on by default) and what it needs: root and cgroup limits."""
    if os.environ.get("GRADING_ZYGOTE", "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    if os.geteuid() != 0 or not hasattr(socket, "send_fds"):
        return False
    from .sandbox import sandbox_probe

    probe = sandbox_probe()
    return bool(probe["isolated"]) and bool(probe.get("jail")) and bool(probe.get("cgroup_memory"))


def _names(preload: str) -> set[str]:
    """The modules worth a zygote of their own (the standard library costs nothing to import in a job)."""
    names = {n.strip() for n in preload.split(",") if n.strip()}
    return {n for n in names if n.split(".")[0] not in sys.stdlib_module_names}


def union(*preloads: str) -> str:
    """Preload lists merged in order (a zygote started for a new assignment keeps what the last one had)."""
    return ",".join(dict.fromkeys(n.strip() for p in preloads for n in p.split(",") if n.strip()))


class Zygote:
    """One zygote process per worker process; ``covers(preload)`` says whether it imported those."""

    def __init__(self, *, preload: str, log_dir: Path, ready_timeout: float = 180) -> None:
        self.preload = preload
        self.ready_timeout = ready_timeout
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._failed = False
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock = ours
        env = _base_env(Path("/nonexistent"))  # no credential, no worker setting: only what imports need
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / "zygote.log"
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, str(SERVER), "--fd", str(theirs.fileno()), "--preload", preload],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=env,
                cwd="/",
                start_new_session=True,
            )
        theirs.close()
        threading.Thread(target=self._await_ready, daemon=True).start()

    def _await_ready(self) -> None:
        self.sock.settimeout(self.ready_timeout)
        try:
            got = self.sock.recv(256)
        except OSError:
            got = b""
        self.sock.settimeout(None)
        if SERVER_READY in got:
            self._ready.set()
        else:
            self._failed = True
            self._ready.set()

    def wait_ready(self, timeout: float) -> bool:
        return self._ready.wait(timeout) and not self._failed and self.alive()

    def alive(self) -> bool:
        return not self._failed and self.proc.poll() is None

    def covers(self, preload: str) -> bool:
        return _names(preload) <= _names(self.preload)

    def fork(self, request: dict[str, Any], fds: list[int]) -> None:
        with self._lock:
            socket.send_fds(self.sock, [json.dumps(request).encode()], fds)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()  # the zygote's loop ends; jobs in flight go on without it
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class _DriverProc:
    """The runner, for ``SandboxProcess``: exit status from the zygote's job child, kill via the holder.

    ``pid`` is the holder's bubblewrap (its process group), as ``SandboxProcess`` kills by that
    and then by the job's cgroup, which holds the runner and the kernel too."""

    def __init__(self, holder: subprocess.Popen[bytes], stdin_fd: int, status: socket.socket) -> None:
        self.holder = holder
        self.pid = holder.pid
        self.stdin = os.fdopen(stdin_fd, "wb")
        self.returncode: int | None = None
        self._done = threading.Event()
        self._status = status
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        try:
            data = self._status.recv(4)
        except OSError:
            data = b""
        code = struct.unpack("i", data)[0] if len(data) == 4 else -9
        with contextlib.suppress(OSError):
            self._status.close()
        self.returncode = code
        self._done.set()

    def poll(self) -> int | None:
        return self.returncode if self._done.is_set() else None

    def wait(self, timeout: float | None = None) -> int:
        if not self._done.wait(timeout):
            raise subprocess.TimeoutExpired(["runner"], timeout or 0)
        assert self.returncode is not None
        return self.returncode

    def reap_holder(self) -> None:
        """The holder is killed with the job's cgroup; collect its exit status (no zombie)."""
        try:
            self.holder.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                self.holder.kill()
            self.holder.wait()


def _holder_pid(process: SandboxProcess, uid: int) -> int | None:
    """The holder's ``sleep`` (the job's uid, in the job's namespaces): nothing else runs there yet."""
    for pid in sorted(process.cgroup.pids()):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("Name", "").strip() == "sleep" and fields.get("Uid", "").split()[:1] == [str(uid)]:
            return pid
    return None


def attach(
    process: SandboxProcess, zygote: Zygote, *, uid: int, env: dict[str, str], preload: str, timeout: float
) -> bool:
    """Start the job's runner from the zygote inside ``process``'s sandbox; False: discard this sandbox."""
    deadline = time.monotonic() + timeout
    holder = None
    while process.alive() and time.monotonic() < deadline:
        holder = _holder_pid(process, uid)
        if holder is not None:
            break
        time.sleep(0.01)
    procs = process.cgroup.join_files()
    if holder is None or not procs or "memory" not in process.cgroup.paths:
        return False
    if not zygote.wait_ready(max(deadline - time.monotonic(), 0.1)):
        return False
    limits = process.limits
    request = {
        "holder": holder,
        "procs_files": procs,
        "uid": uid,
        "gid": uid,
        "cwd": str(process.job_dir),
        "env": {**_base_env(process.job_dir), **env},
        "preload": preload,
        "rlimits": {
            "RLIMIT_CPU": [limits.cpu_seconds, limits.cpu_seconds + 1],
            "RLIMIT_FSIZE": [limits.max_file_bytes, limits.max_file_bytes],
            "RLIMIT_NOFILE": [limits.max_open_files, limits.max_open_files],
            "RLIMIT_CORE": [0, 0],
        },
    }
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        zygote.fork(request, [in_r, out_w, err_w, theirs.fileno()])
    except OSError:
        for fd in (in_r, in_w, out_r, out_w, err_r, err_w):
            os.close(fd)
        ours.close()
        theirs.close()
        return False
    finally:
        for fd in (in_r, out_w, err_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(OSError):
            theirs.close()
    holder_popen = process.proc
    assert holder_popen is not None
    driver = _DriverProc(holder_popen, in_w, ours)
    out = _Drain(os.fdopen(out_r, "rb"), limits.max_output_bytes)
    err = _Drain(os.fdopen(err_r, "rb"), limits.max_output_bytes)
    out.start()
    err.start()
    process.proc = driver  # type: ignore[assignment]
    process.out, process.err = out, err
    finish, kill = process.finish, process.kill

    def finish_and_reap(*args: Any, **kwargs: Any) -> Any:
        try:
            return finish(*args, **kwargs)
        finally:
            driver.reap_holder()

    def kill_and_reap() -> None:
        try:
            kill()
        finally:
            driver.reap_holder()

    process.finish = finish_and_reap  # type: ignore[method-assign]
    process.kill = kill_and_reap  # type: ignore[method-assign]
    return True
