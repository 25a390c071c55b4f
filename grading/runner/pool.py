"""Warm sandboxes: a started runner with its kernel up and the stack imported, waiting for a job.

Each warm sandbox serves exactly one job and is then destroyed (no state crosses between
students); the next one starts in the background while the worker stores results or idles.
This is how a grading job skips kernel start-up and ``import qiskit, torch`` (~2 s here).
In a burst a job waits for the runner already warming up (raised to full CPU weight) rather
than starting a cold one beside it: that one started earlier and both would share the CPUs.
Django-free; one pool per worker process.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .sandbox import SandboxLimits, SandboxProcess

RUNNER = Path(__file__).resolve().parent / "execute.py"
TRUSTED = Path(__file__).resolve().parent / "trusted.py"  # the test side: never runs student code
READY = b"LIANGZHI-READY"
# What a module imports lazily on first use, which a notebook pays for inside its run: torch's
# first optimizer imports torch._dynamo (seconds). The student's warm kernel imports these too.
COMPANIONS: dict[str, tuple[str, ...]] = {"torch": ("torch.optim", "torch._dynamo")}


def warm_modules(preload: str) -> str:
    """``preload`` with each module's lazily imported companions after it (comma-separated)."""
    names: list[str] = []
    for name in (n.strip() for n in preload.split(",")):
        if name:
            names += [name, *COMPANIONS.get(name, ())]
    return ",".join(dict.fromkeys(names))


@dataclass
class Runner:
    process: SandboxProcess
    job_dir: Path
    warm: bool
    # Started as a holder: the zygote forks its runner into it (``zygote.attach``) before it is ready.
    zygote: Any = None
    env: dict[str, str] | None = None
    uid: int | None = None

    def discard(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        shutil.rmtree(self.job_dir, ignore_errors=True)


def runner_env(job: Path) -> dict[str, str]:
    return {
        "JUPYTER_RUNTIME_DIR": str(job / ".runtime"),
        "JUPYTER_DATA_DIR": str(job / ".local"),
        "JUPYTER_CONFIG_DIR": str(job / ".jupyter"),
        "IPYTHONDIR": str(job / ".ipython"),
        "MPLCONFIGDIR": str(job / ".mpl"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }


def _trusted_uid() -> int:
    from sandbox.isolation import names

    from .sandbox import _install_id

    return names.sandbox_uid(_install_id()) + 1


def runner_start(
    *,
    limits: SandboxLimits,
    work_root: Path,
    preload: str = "",
    allow_unsafe: bool = False,
    script: Path = RUNNER,
    zygote: Any = None,
) -> Runner:
    """Start one runner (``script``: execute.py or trusted.py) in a fresh sandbox and job folder
    (warm when ``preload`` names modules). With ``zygote`` (a ``zygote.Zygote``, or a function that
    gives one or None): the sandbox runs a holder, and ``zygote.attach`` forks the runner and its
    kernel into it (see ``WarmPool``)."""
    import sys

    from . import zygote as zygote_mod

    if callable(zygote):
        zygote = zygote() if script == RUNNER else None

    work_root = Path(work_root)
    work_root.mkdir(parents=True, exist_ok=True)
    if work_root.stat().st_uid == 0:
        work_root.chmod(0o700)
    job = work_root / f"job-{uuid.uuid4().hex}"
    job.mkdir()
    # Never an empty folder: a sandbox starting beside this one sweeps away empty scratch mounts.
    (job / ".job").write_text("")
    if preload and script == RUNNER:
        preload = warm_modules(preload)
    argv = [sys.executable, str(script)] + (["--preload", preload] if preload else [])
    if zygote is not None and script == RUNNER:
        from sandbox.isolation import names

        from .sandbox import _install_id

        job_uid = names.sandbox_uid(_install_id())
        env = runner_env(job)
        holder = SandboxProcess(
            list(zygote_mod.HOLDER_ARGV), job_dir=job, limits=limits, env=env, ro_paths=[RUNNER.parent], uid=job_uid
        )
        return Runner(process=holder, job_dir=job, warm=True, zygote=zygote, env=env, uid=job_uid)
    # The trusted side runs as a uid of its own: nothing of it is the student's uid's to signal or read.
    uid = _trusted_uid() if script == TRUSTED else None
    proc = SandboxProcess(
        argv,
        job_dir=job,
        limits=limits,
        env=runner_env(job),
        ro_paths=[RUNNER.parent],
        allow_unsafe=allow_unsafe,
        uid=uid,
    )
    return Runner(process=proc, job_dir=job, warm=bool(preload))


def jobs_sweep(work_root: Path, *, older_than: float = 3600) -> int:
    """Remove job folders left by a worker that died (their sandboxes died with it)."""
    import time

    removed = 0
    if not Path(work_root).is_dir():
        return 0
    for job in Path(work_root).glob("job-*"):
        with contextlib.suppress(OSError):
            if time.time() - job.stat().st_mtime > older_than:
                shutil.rmtree(job, ignore_errors=True)
                removed += 1
    return removed


class WarmPool:
    """Keeps ``size`` warm runners ready; ``take()`` never blocks (None: go cold)."""

    def __init__(
        self,
        *,
        limits: SandboxLimits,
        work_root: Path,
        preload: str,
        size: int = 1,
        ready_timeout: float = 90,
        script: Path = RUNNER,
        zygote: bool | None = None,
    ) -> None:
        from . import zygote as zygote_mod

        self.limits, self.work_root, self.preload, self.size = limits, Path(work_root), preload, size
        self.script = script
        # Runners forked from a kernel zygote (zygote.py): None = GRADING_ZYGOTE and what the machine allows.
        self.use_zygote = (zygote_mod.enabled() if zygote is None else zygote) and script == RUNNER
        self.zygote: Any = None
        self.ready_timeout = ready_timeout
        self._ready: list[Runner] = []
        self._starting = 0
        self._warming: list[Runner] = []  # started, not ready yet
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        jobs_sweep(self.work_root)
        atexit.register(self.close)  # a worker that exits takes its warm sandboxes (and their mounts) along

    def fill(self) -> None:
        """Start the missing runners. The process is started in the calling thread: bwrap's
        --die-with-parent fires when the *thread* that forked it ends, so only the wait for
        READY happens in the background."""
        with self._lock:
            missing = self.size - len(self._ready) - self._starting
            self._starting += max(missing, 0)
        for _ in range(max(missing, 0)):
            try:
                runner = runner_start(
                    limits=self.limits,
                    work_root=self.work_root,
                    preload=self.preload,
                    script=self.script,
                    zygote=self._zygote,
                )
            except Exception:
                with self._lock:
                    self._starting -= 1
                continue
            runner.process.set_cpu_weight(64)  # warm up in the background of running jobs
            with self._lock:
                self._warming.append(runner)
            threading.Thread(target=self._await_ready, args=(runner,), daemon=True).start()

    def _zygote(self) -> Any:
        """The zygote for the next runner (started, or restarted to import a wider preload); None: exec."""
        if not self.use_zygote:
            return None
        from .zygote import Zygote, union

        wanted = warm_modules(self.preload)
        with self._lock:
            current = self.zygote
            if current is not None and current.alive() and current.covers(wanted):
                return current
            # Only ever more modules: assignments that alternate do not restart it each time.
            had = current.preload if current is not None else ""
            self.zygote = Zygote(
                preload=union(had, wanted), log_dir=self.work_root, ready_timeout=self.ready_timeout * 2
            )
        if current is not None:
            threading.Thread(target=current.close, daemon=True).start()
        return self.zygote

    def _await_ready(self, runner: Runner) -> None:
        try:
            if runner.zygote is not None:
                from .zygote import attach

                assert runner.env is not None and runner.uid is not None
                if not attach(
                    runner.process,
                    runner.zygote,
                    uid=runner.uid,
                    env=runner.env,
                    preload=warm_modules(self.preload),
                    timeout=self.ready_timeout * 2,
                ):
                    raise RuntimeError("the zygote could not start this runner")
            ok = runner.process.wait_for(READY, self.ready_timeout)
        except Exception:
            ok = False
        with self._lock:
            self._starting -= 1
            with contextlib.suppress(ValueError):
                self._warming.remove(runner)
            if ok:
                self._ready.append(runner)
            self._changed.notify_all()
            if ok:
                return
        runner.discard()

    def take(self, *, wait: float = 0.0, burst: float | None = None) -> Runner | None:
        """A ready runner, or None (go cold); starts its replacement either way.

        Waits up to ``wait`` seconds for one to become ready; and, when none is ready but one is
        warming up (a burst: the previous job's replacement), up to ``burst`` seconds (default:
        ``ready_timeout``) for that one, at full CPU weight: it started before a cold runner could,
        and a cold start beside it would only compete with it for the same CPUs."""
        import time

        now = time.monotonic()
        deadline = now + wait
        burst_deadline = now + (self.ready_timeout if burst is None else burst)
        boosted: set[int] = set()
        runner: Runner | None = None
        with self._lock:
            while True:
                while self._ready:
                    candidate = self._ready.pop(0)
                    if candidate.process.alive():
                        runner = candidate
                        break
                    self._discard_later(candidate)
                if runner is not None:
                    break
                now = time.monotonic()
                limit = max(deadline, burst_deadline) if self._warming else deadline
                if now >= limit:
                    break
                for warming in self._warming[:1]:  # the oldest, nearest to ready: wanted now, full weight
                    if id(warming) not in boosted:
                        boosted.add(id(warming))
                        warming.process.set_cpu_weight(1024)
                self._changed.wait(timeout=min(0.5, limit - now))
        if runner is not None:
            runner.process.set_cpu_weight(1024)  # its job starts now: full weight
        self.fill()
        return runner

    @staticmethod
    def _discard_later(runner: Runner) -> None:
        threading.Thread(target=runner.discard, daemon=True).start()

    def close(self) -> None:
        with self._lock:
            ready, self._ready = self._ready, []
            warming = list(self._warming)
        for runner in ready + warming:
            runner.discard()
        if self.zygote is not None:
            self.zygote.close()
            self.zygote = None


class TrustedServer:
    """The worker's one warm trusted runner: it imports the stack once and forks a fresh child
    per job (``trusted.py``), so a job's trusted side costs a fork, not a start. It never runs
    student code; anything odd in a job (a wall-time hit, a dead child) discards it, and the next
    ``take()`` starts a new one."""

    def __init__(self, *, limits: SandboxLimits, work_root: Path, preload: str, ready_timeout: float = 90) -> None:
        self.limits, self.work_root, self.preload = limits, Path(work_root), preload
        self.ready_timeout = ready_timeout
        self.runner: Runner | None = None
        self.jobs = 0
        atexit.register(self.discard)

    def start(self) -> None:
        """Start it now if none is running (in the calling thread: see WarmPool.fill)."""
        if self.runner is None or not self.runner.process.alive():
            if self.runner is not None:
                self.runner.discard()
            self.runner = runner_start(
                limits=self.limits, work_root=self.work_root, preload=self.preload, script=TRUSTED
            )
            self.jobs = 0

    def take(self, preload: str = "") -> Runner:
        import sys

        # the standard library costs nothing to import in a job: no new warm parent for it
        wanted = [n for n in preload.split(",") if n and n.split(".")[0] not in sys.stdlib_module_names]
        have = self.preload.split(",")
        if any(n not in have for n in wanted):
            # an assignment that imports more: the next warm parent imports it once for all
            self.preload = ",".join(dict.fromkeys([*have, *wanted]))
            self.discard()
        self.start()
        assert self.runner is not None
        self.jobs += 1
        return self.runner

    def discard(self) -> None:
        if self.runner is not None:
            self.runner.discard()
        self.runner = None

    close = discard
