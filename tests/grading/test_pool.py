"""The warm pool's bookkeeping (no sandbox needed): bursts wait for the runner already warming
instead of starting a cold one beside it, a used runner never comes back, and the trusted side's
warm parent is not restarted for a standard-library import."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from grading.runner import pool as poolmod
from grading.runner.pool import RUNNER, TRUSTED, Runner, TrustedServer, WarmPool, warm_modules
from grading.runner.sandbox import SandboxLimits


class FakeProcess:
    """Becomes ready when its test says so (``ready.set()``); records its CPU weight."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.dead = False
        self.weights: list[int] = []

    def wait_for(self, marker: bytes, timeout: float) -> bool:
        return self.ready.wait(timeout) and not self.dead

    def alive(self) -> bool:
        return not self.dead

    def set_cpu_weight(self, shares: int) -> None:
        self.weights.append(shares)

    def kill(self) -> None:
        self.dead = True


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Runner]:
    """Every runner the pool starts, in order (fake processes)."""
    runners: list[Runner] = []

    def fake_start(**kw: Any) -> Runner:
        job = tmp_path / f"job-{len(runners)}"
        job.mkdir()
        runner = Runner(process=FakeProcess(), job_dir=job, warm=bool(kw.get("preload")))  # type: ignore[arg-type]
        runners.append(runner)
        return runner

    monkeypatch.setattr(poolmod, "runner_start", fake_start)
    return runners


def _pool(tmp_path: Path, **kw: Any) -> WarmPool:
    return WarmPool(limits=SandboxLimits(), work_root=tmp_path / "jobs", preload="numpy", **kw)


def test_a_burst_waits_for_the_warming_runner_at_full_weight(started: list[Runner], tmp_path: Path) -> None:
    pool = _pool(tmp_path, size=1, ready_timeout=60)
    pool.fill()
    started[0].process.ready.set()  # type: ignore[attr-defined]
    first = pool.take(wait=30)
    assert first is started[0]
    # The burst's next job: the replacement is warming, not ready.
    assert len(started) == 2
    replacement = started[1]
    assert replacement.process.weights == [64]  # type: ignore[attr-defined]
    got: list[Runner | None] = []
    taker = threading.Thread(target=lambda: got.append(pool.take()))
    taker.start()
    taker.join(timeout=1.0)
    assert taker.is_alive()  # waiting for the warming runner, not gone cold
    assert 1024 in replacement.process.weights  # type: ignore[attr-defined]  # boosted: it is wanted now
    replacement.process.ready.set()  # type: ignore[attr-defined]
    taker.join(timeout=60)
    assert got == [replacement]
    assert replacement is not first  # each job its own runner
    pool.close()


def test_nothing_warming_goes_cold_at_once(started: list[Runner], tmp_path: Path) -> None:
    pool = _pool(tmp_path, size=0, ready_timeout=60)
    assert pool.take() is None  # no runner started, none warming: the caller starts a cold one


def test_a_runner_that_never_gets_ready_gives_up_after_the_burst_wait(started: list[Runner], tmp_path: Path) -> None:
    pool = _pool(tmp_path, size=1, ready_timeout=60)
    pool.fill()
    assert pool.take(burst=0.3) is None  # then the caller goes cold
    pool.close()


def test_a_dead_ready_runner_is_never_handed_out(started: list[Runner], tmp_path: Path) -> None:
    pool = _pool(tmp_path, size=1, ready_timeout=60)
    pool.fill()
    started[0].process.ready.set()  # type: ignore[attr-defined]
    pool.take(wait=0.0, burst=5)  # waits until ready, hands it out
    started[1].process.ready.set()  # type: ignore[attr-defined]
    assert pool.take(wait=30) is started[1]
    started[2].process.dead = True  # type: ignore[attr-defined]
    started[2].process.ready.set()  # type: ignore[attr-defined]
    third = pool.take(burst=0.3)
    assert third is not started[2]
    pool.close()


def test_warm_modules_add_lazy_companions() -> None:
    assert warm_modules("numpy,torch,qiskit") == "numpy,torch,torch.optim,torch._dynamo,qiskit"
    assert warm_modules("torch,torch._dynamo") == "torch,torch.optim,torch._dynamo"
    assert warm_modules("") == ""


def test_only_the_student_side_imports_companions(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: list[list[str]] = []

    class Recorder:
        def __init__(self, argv: list[str], **kw: Any) -> None:
            seen.append(argv)

    monkeypatch.setattr(poolmod, "SandboxProcess", Recorder)
    monkeypatch.setattr(poolmod, "_trusted_uid", lambda: 12345)
    poolmod.runner_start(limits=SandboxLimits(), work_root=tmp_path, preload="torch", script=RUNNER)
    poolmod.runner_start(limits=SandboxLimits(), work_root=tmp_path, preload="torch", script=TRUSTED)
    assert seen[0][-1] == "torch,torch.optim,torch._dynamo"
    assert seen[1][-1] == "torch"


def test_trusted_parent_is_not_restarted_for_a_stdlib_import(started: list[Runner], tmp_path: Path) -> None:
    server = TrustedServer(limits=SandboxLimits(), work_root=tmp_path / "jobs", preload="numpy,torch")
    first = server.take("time,numpy,json")
    assert server.take("time,numpy,os.path") is first and len(started) == 1
    other = server.take("numpy,qiskit")  # a module the parent lacks: a new parent imports it once for all
    assert other is not first and len(started) == 2 and "qiskit" in server.preload
    server.discard()


def test_stopping_a_sandbox_after_its_last_frame(tmp_path: Path) -> None:
    """``finish(stop=True)``: the grader has the runner's last frame, so the tree (here a process
    that would linger, like a kernel's graceful shutdown) is killed at once and the job is "ok";
    ``keep_files=False`` drops the job folder's content with its quota mount."""
    import os
    import sys

    from grading.runner.sandbox import SandboxProcess, sandbox_probe

    if not sandbox_probe()["isolated"]:
        if os.environ.get("LIANGZHI_REQUIRE_ISOLATION") == "1":
            pytest.fail("LIANGZHI_REQUIRE_ISOLATION=1: no grading sandbox")
        pytest.skip("no grading sandbox on this machine")
    job = tmp_path / "job"
    job.mkdir()
    code = "import time\nopen('left.txt', 'w').write('x')\nprint('LAST-FRAME', flush=True)\ntime.sleep(600)\nraise SystemExit(3)\n"
    process = SandboxProcess(
        [sys.executable, "-c", code], job_dir=job, limits=SandboxLimits(wall_seconds=120, memory_mb=256)
    )
    assert process.wait_for(b"LAST-FRAME", 300)
    result = process.finish(None, stop=True, keep_files=False)
    assert result.status == "ok" and not process.alive()  # not waited out: that would be "timed_out"
    assert not process.cgroup.pids()
    assert not (job / "left.txt").exists()


def test_a_stopping_worker_process_ends_its_warm_sandboxes(
    monkeypatch: pytest.MonkeyPatch, started: list[Runner], tmp_path: Path
) -> None:
    """Celery's worker_process_shutdown closes the pool and the trusted parent (a prefork child
    leaves through os._exit: atexit never runs, and their job-folder mounts stayed behind)."""
    from grading import services, tasks
    from grading.runner import autograde

    pool = _pool(tmp_path, size=2, ready_timeout=60)
    pool.fill()
    started[0].process.ready.set()  # type: ignore[attr-defined]  # one ready, one still warming
    server = autograde._trusted_server(pool)
    assert server is not None
    parent = server.take("numpy")
    monkeypatch.setattr(services, "_POOL", pool)
    try:
        tasks._cool_down()
        assert all(r.process.dead for r in started)  # type: ignore[attr-defined]
        assert parent.process.dead and server.runner is None  # type: ignore[attr-defined]
        assert not any(r.job_dir.exists() for r in started)
    finally:
        autograde._COMPANIONS.pop(id(pool), None)
