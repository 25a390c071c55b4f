"""A sandbox for untrusted code: bubblewrap + an unprivileged uid + cgroup/rlimit limits.

Django-free; used by the grading runner and by competitions. One call, one process tree::

    from grading.runner.sandbox import SandboxLimits, sandbox_run
    result = sandbox_run([sys.executable, "-c", "print(1)"], job_dir=Path(tmp), limits=SandboxLimits())
    result.status      # "ok" | "timed_out" | "memory_limit" | "error"
    result.exit_code, result.stdout, result.stderr, result.wall_seconds

What the code inside sees and may do
  * A fresh root filesystem (bwrap's tmpfs) holding, read-only: /usr (and the merged-usr
    links /bin /lib /lib64 /sbin), a handful of /etc files the dynamic loader and Python
    need, the Python environment that runs this module (``sys.prefix``, bound at its own
    path so the venv's ``python`` works even when it lives under a 0700 directory such as
    /root: only the venv itself is bound, never its parents' other contents), and the
    ``ro_paths`` the caller names (for example the kernel helper library).
  * ``job_dir``, read-write, at its own path; it is also the working directory and $HOME.
    A private /tmp (tmpfs, charged to the memory limit), /proc of its own pid namespace, a
    minimal /dev.
  * No network (``--unshare-all``: own net, ipc, pid, uts and cgroup namespaces; only a
    loopback device), a cleared environment (only ``env`` plus PATH/HOME/LANG), a new
    session (no terminal injection), and ``--die-with-parent``.
  * When this process is root (the grading worker): the tree runs as its own unprivileged
    uid/gid (``setpriv``: no groups, no capabilities, no_new_privs) inside a cgroup-v1
    ``memory`` and ``pids`` group created for the job; every process left in the group is
    killed at the end (detached daemons included: the pid namespace dies with its init
    anyway). Not root: bwrap's user namespace maps the caller's uid and the limits fall back
    to rlimits (RLIMIT_AS for memory, RLIMIT_NPROC for processes).
  * Always: RLIMIT_CPU (cpu_seconds), RLIMIT_FSIZE, RLIMIT_NOFILE, RLIMIT_CORE=0, and a
    wall-clock limit enforced here (SIGKILL to the whole tree).

Warm start: ``SandboxProcess(argv, ...)`` starts the tree now; ``wait_for(b"READY")`` waits
for it to finish preparing; ``finish(stdin)`` hands it the job (the wall-clock limit counts
from there) and returns the same ``SandboxResult``. Each process serves one job only.

Output: stdout and stderr are drained continuously (the child never blocks on a full pipe)
and each is cut at ``max_output_bytes``; ``stdout_truncated`` / ``stderr_truncated`` say so.

``sandbox_probe()`` reports what this machine allows (bwrap present and working, root,
cgroup controllers, user namespaces); callers refuse work that needs isolation when
``probe["isolated"]`` is false unless an explicit unsafe setting allows it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.isolation import cgroups, jail, names, scratch
from sandbox.isolation.limits import RLimits
from sandbox.isolation.limits import preexec as isolation_preexec
from sandbox.isolation.probe import probe as isolation_probe

BWRAP = jail.BWRAP
SETPRIV = jail.SETPRIV
CGROUP_ROOT = cgroups.CGROUP_ROOT


def _install_id() -> str:
    # Grading's installation: LIANGZHI_INSTALL_ID, else the data directory's id (names.py).
    return names.install_id()


@dataclass
class SandboxLimits:
    memory_mb: int = 1024
    cpu_seconds: int = 60
    wall_seconds: float = 60.0
    max_processes: int = 64
    max_output_bytes: int = 1_000_000
    max_file_bytes: int = 64 * 1024 * 1024
    max_open_files: int = 256
    tmp_mb: int = 64  # the private /tmp: a tmpfs of this size (ENOSPC past it)
    disk_mb: int = 512  # the job folder: a tmpfs of this size when root (a hard quota, never the host disk)
    # CPU rate limit (cgroup cpu quota; None: none, cpu_seconds only). Two cores: the kernel and the
    # runner work at once (output streaming), and one core made a busy machine time jobs out.
    cpu_cores: float | None = 2.0


@dataclass
class SandboxResult:
    status: str  # "ok" | "timed_out" | "memory_limit" | "disk_limit" | "error"
    exit_code: int | None
    stdout: str
    stderr: str
    wall_seconds: float
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    isolated: bool = True
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces on this machine."""


# ---------------------------------------------------------------------------------------
# probe


_PROBE_CACHE: dict[str, object] | None = None


def sandbox_probe(*, refresh: bool = False) -> dict[str, object]:
    """What this machine allows: ``isolated`` (bool), ``status`` and the reasons (``problems``).

    The library's probe, flattened for the admin pages and the checks: ``isolated`` only
    when a jail can be built *and* every limit (memory, pids, CPU, rlimits, disk quota) is
    enforced; ``status`` says ``degraded`` (a jail, weaker limits) or ``unavailable``.
    """
    global _PROBE_CACHE
    if _PROBE_CACHE is not None and not refresh:
        return dict(_PROBE_CACHE)
    found = isolation_probe(state_dir=None, refresh=refresh)
    caps = found["capabilities"]
    info: dict[str, object] = {
        "status": found["status"],
        "isolated": found["isolated"],
        "jail": found["jail"],
        "bwrap": (shutil.which(BWRAP) or BWRAP) if caps["bwrap"]["enforced"] else None,
        "root": found["root"],
        "setpriv": os.access(SETPRIV, os.X_OK),
        "net_namespace": caps["net_namespace"]["enforced"],
        "cgroup_memory": caps["memory"]["mechanism"] if caps["memory"]["enforced"] else False,
        "cgroup_pids": caps["pids"]["mechanism"] if caps["pids"]["enforced"] else False,
        "cgroup_cpu": caps["cpu"]["mechanism"] if caps["cpu"]["enforced"] else False,
        "disk_quota": caps["disk"]["mechanism"],
        "install_id": found["install_id"],
        "python": sys.executable,
        "prefix": sys.prefix,
    }
    info["unprivileged_uid"] = caps["uid_switch"]["enforced"]
    info["memory_limit"] = "cgroup" if caps["memory"]["enforced"] else "rlimit_as"
    info["process_limit"] = "cgroup" if caps["pids"]["enforced"] else caps["pids"]["mechanism"]
    info["problems"] = list(found["reasons"])
    _PROBE_CACHE = info
    return dict(info)


# ---------------------------------------------------------------------------------------
# cgroups


class _Cgroup:
    """The job's memory + pids + cpu group(s) (root only; see sandbox.isolation.cgroups)."""

    def __init__(self, limits: SandboxLimits) -> None:
        self.group = cgroups.Cgroup(iid=_install_id(), kind="job", name=uuid.uuid4().hex[:12])
        self.paths: dict[str, Path] = {}
        if os.geteuid() != 0:
            return
        self.group.create(
            cgroups.CgroupLimits(
                memory_bytes=limits.memory_mb * 1024 * 1024, pids=limits.max_processes, cpu_cores=limits.cpu_cores
            )
        )
        self.paths = self.group.paths

    def set_cpu_weight(self, shares: int) -> None:
        """cpu.shares (1024 = normal; cpu.weight on v2): warm-up runs below the jobs that are running."""
        self.group.set_cpu_shares(shares)

    def join_files(self) -> list[str]:
        return self.group.procs_files()

    def pids(self) -> set[int]:
        return self.group.pids()

    def oom_killed(self) -> bool:
        return self.group.oom_killed()

    def kill_all(self) -> None:
        self.group.kill_all()

    def remove(self) -> None:
        self.group.remove()


# ---------------------------------------------------------------------------------------
# run


def _build_argv(
    argv: list[str], job_dir: Path, env: dict[str, str], ro_paths: list[Path], uid: int, tmp_mb: int
) -> list[str]:
    base_env = _base_env(job_dir)
    base_env.update(env)
    ro = sorted(set(jail.venv_paths()) | set(ro_paths))
    spec = jail.JailSpec(
        binds=[*(jail.Bind(p) for p in ro), jail.Bind(job_dir, writable=True)],
        etc=jail.ETC_MINIMAL,
        chdir=str(job_dir),
        env=base_env,
        uid=uid,
        tmp_mb=tmp_mb,
    )
    return jail.bwrap_argv(spec, argv)


def _base_env(job_dir: Path) -> dict[str, str]:
    return {
        "PATH": f"{Path(sys.prefix) / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(job_dir),
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",  # noqa: S108
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


class _DiskWatch(threading.Thread):
    """Stops the job the moment its job-folder quota is full, so the result can say why.

    The quota itself is the tmpfs (writes past it fail with ENOSPC); this only notices a
    full one (statvfs, no walking of the tree) and ends the job instead of letting it go on
    with failing writes.
    """

    def __init__(self, path: Path, proc: subprocess.Popen[bytes], kill: Callable[[], None]) -> None:
        super().__init__(daemon=True)
        self.path, self.proc, self.kill, self.full = path, proc, kill, False

    @staticmethod
    def is_full(path: Path) -> bool:
        try:
            st = os.statvfs(path)
        except OSError:
            return False
        return st.f_bavail * st.f_frsize < 64 * 1024

    def run(self) -> None:
        while self.proc.poll() is None:
            if self.is_full(self.path):
                self.full = True
                self.kill()
                return
            time.sleep(0.1)


def _mount_scratch(job_dir: Path, size_mb: int, iid: str, uid: int, owner: str) -> bool:
    """Put the job folder on a size-limited tmpfs (see sandbox.isolation.scratch); what the
    caller already wrote into it moves along. False (no quota) where the mount fails."""
    aside: Path | None = None
    if any(job_dir.iterdir()):
        aside = job_dir.with_name(job_dir.name + ".before-quota")
        job_dir.rename(aside)
        job_dir.mkdir()
    try:
        scratch.mount(job_dir, size_mb=size_mb, iid=iid, uid=uid, owner=owner)
    except OSError:
        if aside is not None:
            job_dir.rmdir()
            aside.rename(job_dir)
        return False
    if aside is not None:
        for item in aside.iterdir():
            shutil.move(str(item), str(job_dir / item.name))
        shutil.rmtree(aside, ignore_errors=True)
    return True


class _Drain(threading.Thread):
    def __init__(self, stream: object, cap: int) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.cap = cap
        self.chunks: list[bytes] = []
        self.size = 0
        self.truncated = False
        # Interactive mode (``SandboxProcess.interactive``): whole lines go to ``sink``, None at EOF.
        self.sink: Callable[[bytes | None], None] | None = None
        self.max_line = 256 * 1024 * 1024
        self._pieces: list[bytes] = []
        self._pending = 0

    def run(self) -> None:
        read = self.stream.read1 if hasattr(self.stream, "read1") else self.stream.read  # type: ignore[attr-defined]
        while True:
            try:
                chunk = read(65536)
            except (OSError, ValueError):
                break
            if not chunk:
                break
            if self.sink is not None:
                self._feed(chunk)
                continue
            room = self.cap - self.size
            if room > 0:
                self.chunks.append(chunk[:room])
                self.size += min(room, len(chunk))
            if len(chunk) > max(room, 0):
                self.truncated = True
        if self.sink is not None:
            self.sink(None)

    def _feed(self, chunk: bytes) -> None:
        if b"\n" not in chunk:
            self._pieces.append(chunk)
            self._pending += len(chunk)
            if self._pending > self.max_line:  # one line without end: dropped, not buffered forever
                self._pieces, self._pending, self.truncated = [], 0, True
            return
        first, *lines, rest = chunk.split(b"\n")
        self.sink(b"".join([*self._pieces, first]))  # type: ignore[misc]
        for line in lines:
            self.sink(line)  # type: ignore[misc]
        self._pieces, self._pending = [rest], len(rest)

    def text(self) -> str:
        return b"".join(self.chunks).decode("utf-8", errors="replace")

    def peek(self) -> bytes:
        return b"".join(self.chunks[:64])


class SandboxProcess:
    """A started sandbox. ``sandbox_run`` is ``SandboxProcess(...).finish(stdin)``.

    Starting first and feeding stdin later is the warm path: the process can prepare
    (start a kernel, import the stack) before the job exists; ``wait_for(marker)`` waits for
    it to say so, and the wall-clock limit counts from ``finish``.
    """

    def __init__(
        self,
        argv: list[str],
        *,
        job_dir: Path,
        limits: SandboxLimits,
        env: dict[str, str] | None = None,
        ro_paths: list[Path] | None = None,
        uid: int | None = None,
        allow_unsafe: bool = False,
    ) -> None:
        self.probe = sandbox_probe()
        # Development only (allow_unsafe): a degraded machine still gets the jail and the limits
        # it can enforce; one where no jail can be built runs the code bare, with rlimits.
        self.unsafe = not self.probe["isolated"]
        if self.unsafe and not allow_unsafe:
            raise SandboxUnavailable("; ".join(self.probe["problems"]))  # type: ignore[arg-type]
        jailed = bool(self.probe.get("jail", not self.unsafe))
        self.limits = limits
        self.job_dir = job_dir = Path(job_dir).resolve()
        job_dir.mkdir(parents=True, exist_ok=True)
        iid = _install_id()
        uid = names.sandbox_uid(iid) if uid is None else uid
        root = os.geteuid() == 0
        self.scratch = False
        self.cgroup = cgroup = _Cgroup(limits)
        if root:
            # What a dead worker left: job-folder mounts of jobs with no process left, empty groups.
            scratch.sweep(iid, alive=lambda leaf: cgroups.group_alive(iid, leaf))
            cgroups.sweep(iid)
            if jailed and self.probe.get("disk_quota") == "tmpfs" and limits.disk_mb > 0:
                self.scratch = _mount_scratch(job_dir, limits.disk_mb, iid, uid, cgroup.group.leaf)
            # The job folder belongs to the sandbox uid; nothing else of ours is writable to it.
            for path in [job_dir, *job_dir.rglob("*")]:
                with contextlib.suppress(OSError):
                    os.lchown(path, uid, uid)
            # bwrap enters the folder before setpriv switches uid; keep the parent of job folders 0700.
            job_dir.chmod(0o711)
        join = cgroup.join_files()
        if not jailed:
            cmd, popen_env = list(argv), {**_base_env(job_dir), **(env or {})}
            root = False  # no uid switch without setpriv inside bwrap: keep rlimits only
        else:
            cmd, popen_env = (
                _build_argv(
                    argv, job_dir, env or {}, [Path(p).resolve() for p in (ro_paths or [])], uid, limits.tmp_mb
                ),
                None,
            )
        rlimits = RLimits(
            cpu_seconds=limits.cpu_seconds,
            file_bytes=limits.max_file_bytes,
            open_files=limits.max_open_files,
            # address space >> resident set: only where no memory cgroup holds the job
            address_space=None if "memory" in cgroup.paths else max(limits.memory_mb, 256) * 1024 * 1024 * 4,
            processes=None if root else limits.max_processes,
        )

        def _preexec() -> None:  # runs in the child between fork and exec
            isolation_preexec(join, rlimits)

        self.started = time.monotonic()
        self.notes: list[str] = []
        self.start_error: str | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        try:
            self.proc = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                preexec_fn=_preexec,
                start_new_session=True,
                env=popen_env,
                cwd=job_dir if self.unsafe else None,
            )
        except OSError as exc:
            cgroup.remove()
            self.start_error = str(exc)
            return
        self.out = _Drain(self.proc.stdout, limits.max_output_bytes)
        self.err = _Drain(self.proc.stderr, limits.max_output_bytes)
        self.out.start()
        self.err.start()
        self.disk_watch: _DiskWatch | None = None
        if self.scratch:
            self.disk_watch = _DiskWatch(job_dir, self.proc, self._kill_tree)
            self.disk_watch.start()

    def _kill_tree(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.cgroup.kill_all()

    def set_cpu_weight(self, shares: int) -> None:
        self.cgroup.set_cpu_weight(shares)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_for(self, marker: bytes, timeout: float) -> bool:
        """Wait until stdout shows ``marker`` (True), or the process ends or time runs out (False)."""
        if self.proc is None:
            return False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if marker in self.out.peek():
                return True
            if self.proc.poll() is not None:
                return marker in self.out.peek()
            time.sleep(0.02)
        return False

    def interactive(self, sink: Callable[[bytes | None], None]) -> None:
        """From now on each stdout line goes to ``sink`` (None at end of output), not to the result;
        stdin stays open for ``write``. ``finish()`` still closes stdin, waits and cleans up."""
        self.out.sink = sink

    def write(self, data: bytes) -> bool:
        """Send ``data`` to the process's stdin now (interactive mode); False once it is gone."""
        if self.proc is None or self.proc.stdin is None:
            return False
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            return False
        return True

    def kill(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.cgroup.kill_all()
            self.proc.wait()
        self.cgroup.remove()
        if self.scratch:  # a discarded job: its folder's content goes with the mount
            scratch.release(self.job_dir)
            self.scratch = False

    def finish(self, stdin: bytes | None = None, *, stop: bool = False, keep_files: bool = True) -> SandboxResult:
        """Send ``stdin`` (then EOF), wait up to the wall-clock limit, clean up, report.

        ``stop``: the caller already has everything it wanted from the process (the grading runner
        said its last frame), so the tree is killed now instead of waiting for it to wind down (a
        kernel's graceful shutdown costs seconds); the status is "ok" unless a limit was hit.
        ``keep_files=False``: the job folder's content is discarded with its quota mount instead of
        being copied out to a plain folder first (the caller removes it anyway)."""
        limits = self.limits
        if self.proc is None:
            return SandboxResult(
                "error", None, "", f"sandbox failed to start: {self.start_error}", 0.0, notes=[str(self.start_error)]
            )
        proc, cgroup, notes = self.proc, self.cgroup, self.notes
        job_started = time.monotonic()
        if proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError, OSError):
                if stdin is not None:
                    proc.stdin.write(stdin)
                proc.stdin.close()
        timed_out = False
        if stop:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            cgroup.kill_all()
        try:
            proc.wait(timeout=limits.wall_seconds)
        except subprocess.TimeoutExpired:
            timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            cgroup.kill_all()
            proc.wait()
        # Whatever the tree left behind (a detached daemon) dies with the job.
        cgroup.kill_all()
        self.out.join(timeout=5)
        self.err.join(timeout=5)
        wall = time.monotonic() - job_started
        oom = cgroup.oom_killed()
        cgroup.remove()
        disk_full = self.disk_watch is not None and (self.disk_watch.full or _DiskWatch.is_full(self.job_dir))
        if self.scratch and not keep_files:  # nobody reads it: the content goes with the mount
            scratch.release(self.job_dir)
            self.scratch = False
        elif self.scratch:  # a plain folder again (callers read it, then rmtree it), at most the quota's size
            scratch.unmount_keeping(self.job_dir, limit_bytes=limits.disk_mb * 1024 * 1024)
            self.scratch = False
        code = proc.returncode
        stderr_text = self.err.text()
        if disk_full:
            status = "disk_limit"
            notes.append(f"disk quota of {limits.disk_mb} MiB reached: the job was stopped")
        elif timed_out:
            status = "timed_out"
            notes.append(f"wall-clock limit of {limits.wall_seconds:g} s reached")
        elif oom:
            status = "memory_limit"
            notes.append(f"memory limit of {limits.memory_mb} MiB reached")
        elif code is not None and code < 0 and -code == signal.SIGXCPU:
            status = "timed_out"
            notes.append(f"CPU-time limit of {limits.cpu_seconds} s reached")
        elif code == 0 or stop:
            status = "ok"
            if code != 0:
                notes.append("stopped by the grader after the runner's last frame")
        else:
            status = "error"
            if "MemoryError" in stderr_text[-4000:]:
                status = "memory_limit"
        return SandboxResult(
            status=status,
            exit_code=code,
            stdout=self.out.text(),
            stderr=stderr_text,
            wall_seconds=wall,
            stdout_truncated=self.out.truncated,
            stderr_truncated=self.err.truncated,
            isolated=bool(self.probe["isolated"]),
            notes=notes,
        )


def sandbox_run(
    argv: list[str],
    *,
    job_dir: Path,
    limits: SandboxLimits,
    env: dict[str, str] | None = None,
    ro_paths: list[Path] | None = None,
    stdin: bytes | None = None,
    uid: int | None = None,
    allow_unsafe: bool = False,
) -> SandboxResult:
    """Run ``argv`` in a fresh sandbox where only ``job_dir`` is writable; see the module docstring.

    Raises ``SandboxUnavailable`` where the probe finds no working bubblewrap, unless
    ``allow_unsafe`` (development only: limits without isolation, ``result.isolated`` False).
    """
    process = SandboxProcess(
        argv, job_dir=job_dir, limits=limits, env=env, ro_paths=ro_paths, uid=uid, allow_unsafe=allow_unsafe
    )
    return process.finish(stdin)
