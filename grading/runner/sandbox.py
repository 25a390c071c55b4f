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
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

BWRAP = os.environ.get("LIANGZHI_BWRAP", "/usr/bin/bwrap")
SETPRIV = "/usr/bin/setpriv"
CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_PARENT = "liangzhi-sandbox"
DEFAULT_UID = int(os.environ.get("LIANGZHI_SANDBOX_UID", "61000"))

# /etc entries that the loader, Python and SSL-free numerics need; nothing with secrets.
_ETC = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",
    "localtime",
    "mime.types",
    "nsswitch.conf",
    "fonts",
    "matplotlibrc",
)


@dataclass
class SandboxLimits:
    memory_mb: int = 1024
    cpu_seconds: int = 60
    wall_seconds: float = 60.0
    max_processes: int = 64
    max_output_bytes: int = 1_000_000
    max_file_bytes: int = 64 * 1024 * 1024
    max_open_files: int = 256
    tmp_mb: int = 64  # informational: /tmp is a tmpfs charged to memory_mb


@dataclass
class SandboxResult:
    status: str  # "ok" | "timed_out" | "memory_limit" | "error"
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


def _cgroup_v1(controller: str) -> Path | None:
    path = CGROUP_ROOT / controller
    if (path / "cgroup.procs").exists() and os.access(path, os.W_OK):
        return path
    return None


def sandbox_probe(*, refresh: bool = False) -> dict[str, object]:
    """What this machine allows: a dict with ``isolated`` (bool) and the reasons."""
    global _PROBE_CACHE
    if _PROBE_CACHE is not None and not refresh:
        return dict(_PROBE_CACHE)
    info: dict[str, object] = {
        "bwrap": shutil.which(BWRAP) or (BWRAP if os.access(BWRAP, os.X_OK) else None),
        "root": os.geteuid() == 0,
        "setpriv": os.access(SETPRIV, os.X_OK),
        "cgroup_memory": bool(_cgroup_v1("memory")) if os.geteuid() == 0 else False,
        "cgroup_pids": bool(_cgroup_v1("pids")) if os.geteuid() == 0 else False,
        "python": sys.executable,
        "prefix": sys.prefix,
    }
    problems: list[str] = []
    if not info["bwrap"]:
        problems.append(f"bubblewrap not found at {BWRAP} (apt-get install bubblewrap)")
    else:
        try:
            proc = subprocess.run(
                [
                    BWRAP,
                    "--unshare-all",
                    "--die-with-parent",
                    "--ro-bind",
                    "/usr",
                    "/usr",
                    "--symlink",
                    "usr/bin",
                    "/bin",
                    "--symlink",
                    "usr/lib",
                    "/lib",
                    "--symlink",
                    "usr/lib64",
                    "/lib64",
                    "--",
                    "/usr/bin/true",
                ],
                capture_output=True,
                timeout=10,
                check=False,
            )
            if proc.returncode != 0:
                problems.append("bubblewrap cannot create namespaces: " + proc.stderr.decode(errors="replace").strip())
        except (OSError, subprocess.TimeoutExpired) as exc:
            problems.append(f"bubblewrap failed to start: {exc}")
    if info["root"] and not info["setpriv"]:
        problems.append("running as root but /usr/bin/setpriv is missing: cannot drop to an unprivileged uid")
    info["unprivileged_uid"] = not info["root"] or bool(info["setpriv"])
    info["memory_limit"] = "cgroup" if info["cgroup_memory"] else "rlimit_as"
    info["process_limit"] = "cgroup" if info["cgroup_pids"] else ("rlimit_nproc" if not info["root"] else "none")
    info["problems"] = problems
    info["isolated"] = not problems
    _PROBE_CACHE = info
    return dict(info)


# ---------------------------------------------------------------------------------------
# cgroups


class _Cgroup:
    """A v1 memory+pids group for one job (root only); a no-op elsewhere."""

    def __init__(self, limits: SandboxLimits) -> None:
        self.paths: dict[str, Path] = {}
        if os.geteuid() != 0:
            return
        name = f"job-{uuid.uuid4().hex[:12]}"
        for controller in ("memory", "pids", "cpu"):
            base = _cgroup_v1(controller)
            if base is None:
                continue
            path = base / CGROUP_PARENT / name
            try:
                path.mkdir(parents=True, exist_ok=True)
                if controller == "memory":
                    limit = str(limits.memory_mb * 1024 * 1024)
                    (path / "memory.limit_in_bytes").write_text(limit)
                    memsw = path / "memory.memsw.limit_in_bytes"
                    if memsw.exists():
                        with contextlib.suppress(OSError):
                            memsw.write_text(limit)
                    with contextlib.suppress(OSError):
                        (path / "memory.swappiness").write_text("0")
                elif controller == "pids":
                    (path / "pids.max").write_text(str(limits.max_processes))
                self.paths[controller] = path
            except OSError:
                with contextlib.suppress(OSError):
                    path.rmdir()

    def set_cpu_weight(self, shares: int) -> None:
        """cgroup-v1 cpu.shares (1024 = normal): warm-up runs below the jobs that are running."""
        path = self.paths.get("cpu")
        if path is not None:
            with contextlib.suppress(OSError):
                (path / "cpu.shares").write_text(str(shares))

    def join_files(self) -> list[str]:
        return [str(p / "cgroup.procs") for p in self.paths.values()]

    def pids(self) -> set[int]:
        found: set[int] = set()
        for path in self.paths.values():
            with contextlib.suppress(OSError):
                found.update(int(x) for x in (path / "cgroup.procs").read_text().split())
        return found

    def oom_killed(self) -> bool:
        path = self.paths.get("memory")
        if path is None:
            return False
        try:
            for line in (path / "memory.oom_control").read_text().splitlines():
                if line.startswith("oom_kill ") and int(line.split()[1]) > 0:
                    return True
            return False
        except (OSError, ValueError):
            return False

    def max_usage_hit(self, limit_bytes: int) -> bool:
        path = self.paths.get("memory")
        if path is None:
            return False
        try:
            return int((path / "memory.max_usage_in_bytes").read_text()) >= limit_bytes * 0.98
        except (OSError, ValueError):
            return False

    def kill_all(self) -> None:
        for _ in range(20):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)

    def remove(self) -> None:
        self.kill_all()
        for path in self.paths.values():
            for _ in range(20):
                try:
                    path.rmdir()
                    break
                except OSError:
                    time.sleep(0.05)


# ---------------------------------------------------------------------------------------
# run


def _bind_args(paths: list[Path], flag: str, made: set[Path] | None = None) -> list[str]:
    """Bind each path at its own location; its ancestors become empty 0755 folders.

    bwrap would create them 0700 and root-owned, which the job's uid cannot traverse
    (a repository under /root, for one): only the bound folder itself is visible.
    """
    args: list[str] = []
    made = set() if made is None else made
    for p in paths:
        if not p.exists():
            continue
        for parent in reversed(p.parents):
            if parent == Path("/") or parent in made or str(parent) in ("/usr", "/etc"):
                continue
            made.add(parent)
            args += ["--perms", "0755", "--dir", str(parent)]
        args += [flag, str(p), str(p)]
    return args


def _venv_roots() -> list[Path]:
    roots = {Path(sys.prefix).resolve(), Path(sys.prefix)}
    for entry in sys.path:
        # .pth-added folders (the kernel helper library) live outside the venv.
        if entry.endswith("kernel_lib") and not entry.startswith("/usr") and Path(entry).is_dir():
            roots.add(Path(entry))
    return [r for r in roots if not str(r).startswith("/usr")]


def _build_argv(argv: list[str], job_dir: Path, env: dict[str, str], ro_paths: list[Path], uid: int) -> list[str]:
    if os.geteuid() == 0:
        # Every namespace but the user one: the job's uid must be a real host uid (setpriv).
        unshare = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    else:
        unshare = ["--unshare-all"]
    cmd = [BWRAP, *unshare, "--die-with-parent", "--new-session", "--hostname", "sandbox"]
    cmd += ["--ro-bind", "/usr", "/usr"]
    for link in ("bin", "lib", "lib64", "sbin"):
        target = Path("/") / link
        if target.is_symlink():
            cmd += ["--symlink", os.readlink(target), f"/{link}"]
        elif target.exists():
            cmd += ["--ro-bind", str(target), f"/{link}"]
    made: set[Path] = set()
    cmd += _bind_args([Path("/etc") / name for name in _ETC], "--ro-bind", made)
    cmd += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]  # noqa: S108 - a private tmpfs
    made.add(Path("/tmp"))  # noqa: S108
    cmd += _bind_args(sorted(set(_venv_roots()) | set(ro_paths)), "--ro-bind", made)
    cmd += [*_bind_args([job_dir], "--bind", made), "--chdir", str(job_dir)]
    cmd += ["--clearenv"]
    base_env = _base_env(job_dir)
    base_env.update(env)
    for key, value in base_env.items():
        cmd += ["--setenv", key, value]
    return _finish_argv(cmd, argv, uid)


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


def _finish_argv(cmd: list[str], argv: list[str], uid: int) -> list[str]:
    cmd += ["--unsetenv", "JPY_PARENT_PID"]
    if os.geteuid() == 0:
        # bwrap run by root drops every capability before exec; keep just what setpriv
        # needs to switch to the job's uid (it then clears all of them, bounding set too).
        for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_DAC_OVERRIDE"):
            cmd += ["--cap-add", cap]
        cmd += [
            "--",
            SETPRIV,
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
            "--",
        ]
    else:
        cmd += ["--"]
    return cmd + list(argv)


class _Drain(threading.Thread):
    def __init__(self, stream: object, cap: int) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.cap = cap
        self.chunks: list[bytes] = []
        self.size = 0
        self.truncated = False

    def run(self) -> None:
        read = self.stream.read1 if hasattr(self.stream, "read1") else self.stream.read  # type: ignore[attr-defined]
        while True:
            try:
                chunk = read(65536)
            except (OSError, ValueError):
                break
            if not chunk:
                break
            room = self.cap - self.size
            if room > 0:
                self.chunks.append(chunk[:room])
                self.size += min(room, len(chunk))
            if len(chunk) > max(room, 0):
                self.truncated = True

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
        # Development only: without a working bubblewrap, run with limits but no isolation.
        self.unsafe = not self.probe["isolated"]
        if self.unsafe and not allow_unsafe:
            raise SandboxUnavailable("; ".join(self.probe["problems"]))  # type: ignore[arg-type]
        self.limits = limits
        self.job_dir = job_dir = Path(job_dir).resolve()
        job_dir.mkdir(parents=True, exist_ok=True)
        uid = DEFAULT_UID if uid is None else uid
        root = os.geteuid() == 0
        if root:
            # The job folder belongs to the sandbox uid; nothing else of ours is writable to it.
            for path in [job_dir, *job_dir.rglob("*")]:
                with contextlib.suppress(OSError):
                    os.lchown(path, uid, uid)
            # bwrap enters the folder before setpriv switches uid; keep the parent of job folders 0700.
            job_dir.chmod(0o711)
        self.cgroup = cgroup = _Cgroup(limits)
        join = cgroup.join_files()
        if self.unsafe:
            cmd, popen_env = list(argv), {**_base_env(job_dir), **(env or {})}
            root = False  # no uid switch without setpriv inside bwrap: keep rlimits only
        else:
            cmd, popen_env = (
                _build_argv(argv, job_dir, env or {}, [Path(p).resolve() for p in (ro_paths or [])], uid),
                None,
            )

        def _preexec() -> None:  # runs in the child between fork and exec
            for f in join:
                with open(f, "w") as handle:
                    handle.write(str(os.getpid()))
            resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
            resource.setrlimit(resource.RLIMIT_FSIZE, (limits.max_file_bytes, limits.max_file_bytes))
            resource.setrlimit(resource.RLIMIT_NOFILE, (limits.max_open_files, limits.max_open_files))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            if "memory" not in cgroup.paths:
                as_bytes = max(limits.memory_mb, 256) * 1024 * 1024 * 4  # address space >> resident set
                resource.setrlimit(resource.RLIMIT_AS, (as_bytes, as_bytes))
            if not root:
                resource.setrlimit(resource.RLIMIT_NPROC, (limits.max_processes, limits.max_processes))

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

    def kill(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.cgroup.kill_all()
            self.proc.wait()
        self.cgroup.remove()

    def finish(self, stdin: bytes | None = None) -> SandboxResult:
        """Send ``stdin`` (then EOF), wait up to the wall-clock limit, clean up, report."""
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
        code = proc.returncode
        stderr_text = self.err.text()
        if timed_out:
            status = "timed_out"
            notes.append(f"wall-clock limit of {limits.wall_seconds:g} s reached")
        elif oom:
            status = "memory_limit"
            notes.append(f"memory limit of {limits.memory_mb} MiB reached")
        elif code is not None and code < 0 and -code == signal.SIGXCPU:
            status = "timed_out"
            notes.append(f"CPU-time limit of {limits.cpu_seconds} s reached")
        elif code == 0:
            status = "ok"
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
