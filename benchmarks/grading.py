"""Grading benchmark: sandboxed end-to-end grading vs one plain `nbgrader autograde` call.

Workload: a qiskit + torch assignment whose notebook itself runs about 1 s. ``N`` submissions
(BENCH_GRADING_N, default 100) go through ``submission_receive`` → Celery (SQLite broker) →
a real worker (2 processes, warm sandboxes) → scores stored; in the same run the same
notebooks are graded by one ``nbgrader autograde`` call with no sandbox. Printed:
throughput ratio, overhead per submission above the notebook's own run time, and
time-to-feedback p50/p95 for one submission on an idle queue (BENCH_GRADING_TTF, default 10).

Runs in a child process with its own database, broker and data folder under a temp dir, so
it never touches var/ and does not depend on what other groups did to Django.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

ANSWER = "def train():\n    ### BEGIN SOLUTION\n    return fit()\n    ### END SOLUTION"
SETUP = (
    "import time\nimport numpy as np\nimport torch\nfrom qiskit import QuantumCircuit\n"
    "from qiskit.quantum_info import Statevector\nfrom liangzhi_checks import assert_states_equal\n"
    "def fit():\n"
    "    torch.manual_seed(0)\n    w = torch.zeros(8, requires_grad=True)\n    x = torch.randn(256, 8)\n    y = x @ torch.arange(8.0)\n"
    "    opt = torch.optim.SGD([w], lr=0.05)\n    t0 = time.perf_counter()\n"
    "    while time.perf_counter() - t0 < 0.9:  # the notebook's own work: about 1 s\n"
    "        opt.zero_grad()\n        loss = ((x @ w - y) ** 2).mean()\n        loss.backward()\n        opt.step()\n"
    "    return w.detach()"
)
TEST = (
    "w = train()\nassert w.shape == (8,)\n"
    "qc = QuantumCircuit(2)\nqc.h(0)\nqc.cx(0, 1)\n"
    "assert_states_equal(Statevector(qc), np.array([1, 0, 0, 1]) / np.sqrt(2))\n"
    "### BEGIN HIDDEN TESTS\nassert torch.allclose(w, torch.arange(8.0), atol=0.5)\n### END HIDDEN TESTS"
)


def source_notebook() -> str:
    import nbformat

    def meta(gid: str, **kw: object) -> dict[str, object]:
        base = {"grade_id": gid, "schema_version": 3, "grade": False, "solution": False, "locked": False}
        return {"nbgrader": {**base, **kw}}

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(SETUP, metadata=meta("setup", locked=True)),
        nbformat.v4.new_code_cell(ANSWER, metadata=meta("answer", solution=True)),
        nbformat.v4.new_code_cell(TEST, metadata=meta("test_train", grade=True, locked=True, points=10)),
    ]
    return nbformat.writes(nb)


def solved(student_json: str) -> str:
    import nbformat

    nb = nbformat.reads(student_json, as_version=4)
    for cell in nb.cells:
        if (cell.metadata.get("nbgrader") or {}).get("solution"):
            cell.source = "def train():\n    return fit()"
    return nbformat.writes(nb)


def progress(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def inner(tmp: Path, n: int, ttf_n: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    if os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
        from config.celery import app

        with app.connection_for_write() as conn:  # what an earlier run left in its queue
            conn.default_channel.queue_purge("grading")
    from courses.enums import ActivityKind, FileKind, Role
    from grading.authoring import prepare_notebook
    from grading.enums import SubmissionSource, SubmissionStatus
    from grading.models import Submission
    from grading.services import submission_receive
    from tests.factories import ActivityFactory, CourseFactory, EnrollmentFactory, UnitFactory, UserFactory, add_version

    src = source_notebook()
    student = prepare_notebook(src, name="train.ipynb").student_json
    answer = solved(student)
    course = CourseFactory(slug="bench")
    act = ActivityFactory(unit=UnitFactory(course=course), slug="train", kind=ActivityKind.ASSIGNMENT, points=10)
    version = add_version(
        act,
        files={
            "train.ipynb": (FileKind.NOTEBOOK, student.encode()),
            "source/train.ipynb": (FileKind.SOURCE, src.encode()),
        },
    )
    version.facts = {
        "notebooks": [
            {
                "notebook": "train.ipynb",
                "cells": [{"grade_id": "test_train", "points": 10, "kind": "autograded_test"}],
                "max_points": 10,
            }
        ]
    }
    version.save()
    users = []
    for i in range(max(n, ttf_n) + 1):
        u = UserFactory(username=f"s{i:03d}")
        EnrollmentFactory(course=course, user=u, role=Role.STUDENT)
        users.append(u)

    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'platform'}"}
    worker = subprocess.Popen(
        [
            PY,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            "grading",
            "-c",
            "2",
            "-P",
            "prefork",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "worker.log", "w"),  # noqa: SIM115
    )

    def submit(user: object, key: str) -> int:
        return submission_receive(
            user=user, activity=act, data=answer.encode(), source=SubmissionSource.UPLOAD, idempotency_key=key
        ).pk

    def wait(ids: list[int], timeout: float = 1800) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            left = (
                Submission.objects.filter(pk__in=ids)
                .exclude(
                    status__in=[
                        SubmissionStatus.GRADED,
                        SubmissionStatus.ERROR,
                        SubmissionStatus.TIMED_OUT,
                        SubmissionStatus.MEMORY_LIMIT,
                        SubmissionStatus.NEEDS_ATTENTION,
                    ]
                )
                .count()
            )
            if not left:
                return
            time.sleep(0.05)
        raise TimeoutError(f"{left} submissions still not graded")

    try:
        # Warm-up: both worker processes have their warm sandboxes ready (each starts
        # GRADING_WARM_POOL of them and a trusted parent at once: on a busy machine that takes a while).
        progress("warm-up submission")
        wait([submit(users[-1], "warm-1")], timeout=300)
        time.sleep(20)
        ttf = []
        for i in range(ttf_n):
            t0 = time.perf_counter()
            sid = submit(users[i], f"ttf-{i}")
            wait([sid], timeout=120)
            ttf.append(time.perf_counter() - t0)
            time.sleep(6)  # idle queue: the pool refills before the next one
        progress(f"time to feedback: {[round(t, 2) for t in ttf]}")
        started = time.perf_counter()
        ids = [submit(users[i], f"batch-{i}") for i in range(n)]
        wait(ids)
        ours_total = time.perf_counter() - started
        rows = list(
            Submission.objects.filter(pk__in=ids).values("status", "auto_score", "started_at", "graded_at", "log")
        )
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    bad = [r for r in rows if r["status"] != SubmissionStatus.GRADED or float(r["auto_score"]) != 10.0]
    if bad:
        raise RuntimeError(f"{len(bad)} submissions not graded 10/10: {bad[0]['status']} {bad[0]['log'][-500:]}")
    per_job = [(r["graded_at"] - r["started_at"]).total_seconds() for r in rows]
    warm = sum("(warm)" in r["log"] for r in rows)
    forked = sum("forked from the kernel zygote" in r["log"] for r in rows)

    progress(f"ours: {ours_total:.1f} s for {n}")
    own = notebook_own_seconds(answer)
    progress(f"notebook's own run: {own:.2f} s; now nbgrader autograde")
    base_total = nbgrader_seconds(src, answer, n, tmp / "nbgrader")
    del timezone
    return {
        "n": n,
        "ours_total": ours_total,
        "base_total": base_total,
        "per_job_mean": statistics.mean(per_job),
        "own": own,
        "ttf_p50": pct(ttf, 0.5),
        "ttf_p95": pct(ttf, 0.95),
        "ttf": [round(t, 2) for t in ttf],
        "warm_share": warm / len(rows),
        "zygote_share": forked / len(rows),
    }


def notebook_own_seconds(answer: str) -> float:
    """The notebook's cells alone, in a kernel already started (no sandbox, no start-up)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.reads(answer, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=120)
    with client.setup_kernel():
        times = []
        for index, cell in enumerate(nb.cells):
            t0 = time.perf_counter()
            client.execute_cell(cell, index)
            times.append(time.perf_counter() - t0)
    return sum(times)


def nbgrader_seconds(src: str, answer: str, n: int, root: Path) -> float:
    (root / "source" / "train").mkdir(parents=True)
    (root / "source" / "train" / "train.ipynb").write_text(src)
    for i in range(n):
        d = root / "submitted" / f"s{i:03d}" / "train"
        d.mkdir(parents=True)
        (d / "train.ipynb").write_text(answer)
    students = ", ".join(f"dict(id='s{i:03d}')" for i in range(n))
    (root / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(root)!r}\n"
        f"c.CourseDirectory.db_assignments = [dict(name='train')]\nc.CourseDirectory.db_students = [{students}]\n"
    )
    env = {**os.environ, "PATH": f"{Path(PY).parent}:{os.environ.get('PATH', '')}"}
    subprocess.run(
        [PY, "-m", "nbgrader", "generate_assignment", "train", "--force"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
    )
    t0 = time.perf_counter()
    subprocess.run(
        [PY, "-m", "nbgrader", "autograde", "train", "--force"], cwd=root, env=env, check=True, capture_output=True
    )
    return time.perf_counter() - t0


def profile(tmp: Path) -> None:
    """Where one job's time goes (``python benchmarks/grading.py --profile``): runner start to READY
    (cold, warm, trusted), then one cold job and warm jobs (one right after another, as in a burst)
    with every stage of ``autograde.grade`` timed and the frames between the two sides stamped."""
    import functools

    import django

    django.setup()
    from grading.authoring import prepare_notebook
    from grading.runner import autograde
    from grading.runner import pool as poolmod
    from grading.runner import sandbox as sb
    from grading.services import grading_limits
    from sandbox.isolation import cgroups, scratch

    stages: dict[str, list[float]] = {}
    events: list[tuple[float, str]] = []

    def timed(owner: Any, name: str, label: str) -> None:
        fn = getattr(owner, name)

        @functools.wraps(fn)
        def wrapper(*a: Any, **k: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                stages.setdefault(label, []).append(time.perf_counter() - t0)

        setattr(owner, name, wrapper)

    for owner, name, label in [
        (autograde, "build_notebook", "build the notebooks"),
        (autograde, "trusted_split", "split off the trusted cells"),
        (autograde, "runner_start", "cold runner start (Popen)"),
        (poolmod, "runner_start", "pool/trusted runner start (Popen)"),
        (sb, "_mount_scratch", "job folder quota mount"),
        (cgroups.Cgroup, "create", "cgroup create"),
        (cgroups.Cgroup, "remove", "cgroup remove"),
        (sb.SandboxProcess, "finish", "sandbox finish (kill, clean up)"),
        (scratch, "unmount_keeping", "copy the job folder out"),
        (autograde, "_run_job", "the job (both sides)"),
        (autograde, "score_cells", "score"),
        (autograde, "feedback_cells", "feedback"),
    ]:
        timed(owner, name, label)
    frame = autograde._frame

    def stamped(line: bytes, nonce: str) -> Any:
        found = frame(line, nonce)
        if found is not None:
            events.append((time.perf_counter(), f"{found.get('t')}{found.get('i', '')}"))
        return found

    autograde._frame = stamped  # type: ignore[assignment]
    src = source_notebook()
    student = prepare_notebook(src, name="train.ipynb").student_json
    answer = solved(student)
    limits = grading_limits()
    work = tmp / "jobs"
    preload = autograde.source_imports(src)

    def ready(script: Path, pre: str) -> None:
        t0 = time.perf_counter()
        runner = poolmod.runner_start(limits=limits, work_root=work, preload=pre, script=script)
        t1 = time.perf_counter()
        ok = runner.process.wait_for(poolmod.READY, 300)
        t2 = time.perf_counter()
        runner.discard()
        print(f"  {script.name} preload={pre or '-'}: Popen {t1 - t0:.2f} s, READY after {t2 - t1:.2f} s (ok={ok})")

    print(f"load average {os.getloadavg()}; runner start -> READY")
    ready(poolmod.RUNNER, "")
    ready(poolmod.RUNNER, preload)
    ready(poolmod.TRUSTED, preload)

    def one(label: str, **kw: Any) -> None:
        stages.clear()
        events.clear()
        t0 = time.perf_counter()
        out = autograde.grade(
            source_json=src, student_json=student, submission_json=answer, limits=limits, work_root=work, **kw
        )
        took = time.perf_counter() - t0
        print(f"{label}: {took:.2f} s, {out.status} {out.score}/{out.max_score}; {out.log.splitlines()[0]}")
        for key, values in stages.items():
            print(f"    {key:36s} {sum(values):7.3f} s ({len(values)}x)")
        print("    frames at: " + " ".join(f"{t - t0:.2f}:{k}" for t, k in events))

    one("cold job (no pool)")
    pool = poolmod.WarmPool(limits=limits, work_root=work, preload=preload, size=1)
    pool.fill()
    autograde._trusted_server(pool).start()  # type: ignore[union-attr]
    deadline = time.monotonic() + 300
    while not pool._ready and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(2)
    one("warm job", pool=pool)
    one("burst: the next job right after", pool=pool)
    pool.close()
    print(f"load average {os.getloadavg()}")


def main() -> None:
    n = int(os.environ.get("BENCH_GRADING_N", "100"))
    ttf_n = int(os.environ.get("BENCH_GRADING_TTF", "10"))
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-grading-", ignore_cleanup_errors=True) as d:  # a quota mount may outlive the worker
        tmp = Path(d)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "LIANGZHI_DATA_DIR": str(tmp / "data"),
            "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
            # The embedded default (SQLite, polled every second) unless BENCH_GRADING_BROKER_URL names
            # another (e.g. redis://127.0.0.1:6379/9: a database of its own, the queue is emptied first).
            "CELERY_BROKER_URL": os.environ.get("BENCH_GRADING_BROKER_URL") or f"sqla+sqlite:///{tmp / 'broker.sqlite'}",
            "BLOB_ROOT": str(tmp / "blobs"),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "PYTHONPATH": f"{ROOT}:{ROOT / 'platform'}",
        }
        if os.environ.get("GRADING_WARM_POOL"):
            env["GRADING_WARM_POOL"] = os.environ["GRADING_WARM_POOL"]  # else the settings' default
        out = subprocess.run(
            [PY, __file__, "--inner", str(tmp), str(n), str(ttf_n)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            print(out.stdout[-3000:], out.stderr[-5000:])
            raise RuntimeError("grading benchmark failed")
        r = json.loads(out.stdout.strip().splitlines()[-1])
    load_end = os.getloadavg()
    ours_rate = r["n"] / r["ours_total"] * 60
    base_rate = r["n"] / r["base_total"] * 60
    print(f"{r['n']} submissions of a qiskit + torch assignment (notebook's own run {r['own']:.2f} s)")
    broker = os.environ.get("BENCH_GRADING_BROKER_URL", "").split("://")[0] or "embedded SQLite (polled every 1 s)"
    print(f"  broker: {broker}")
    start, end = (" ".join(f"{x:.2f}" for x in load) for load in (load_start, load_end))
    print(f"  load average at start {start}, at end {end}")
    zygote = os.environ.get("GRADING_ZYGOTE", "1")
    print(f"  runners forked from the kernel zygote: {r.get('zygote_share', 0):.0%} (GRADING_ZYGOTE={zygote})")
    print(
        f"  ours: {r['ours_total']:.1f} s end to end (received -> scores stored), sandboxed, 2 worker processes, warm share {r['warm_share']:.0%}"
    )
    print(f"  nbgrader autograde (one call, no sandbox): {r['base_total']:.1f} s")
    print(
        f"  per job (started -> stored): {r['per_job_mean']:.2f} s; overhead above the notebook's own run: {r['per_job_mean'] - r['own']:.2f} s"
    )
    print(f"  time to feedback on an idle queue: p50 {r['ttf_p50']:.2f} s, p95 {r['ttf_p95']:.2f} s ({r['ttf']})")
    nb_per = r["base_total"] / r["n"]
    print(
        f"BENCH grading_throughput ours={ours_rate:.1f} baseline={base_rate:.1f} ratio={ours_rate / base_rate:.2f} unit=submissions/min"
    )
    print(
        f"BENCH grading_overhead_per_submission ours={r['per_job_mean'] - r['own']:.2f} baseline={nb_per - r['own']:.2f} ratio={(r['per_job_mean'] - r['own']) / max(nb_per - r['own'], 1e-9):.2f} unit=s"
    )
    print(
        f"BENCH grading_time_to_feedback_p50 ours={r['ttf_p50']:.2f} baseline={nb_per:.2f} ratio={r['ttf_p50'] / nb_per:.2f} unit=s"
    )
    print(
        f"BENCH grading_time_to_feedback_p95 ours={r['ttf_p95']:.2f} baseline={nb_per:.2f} ratio={r['ttf_p95'] / nb_per:.2f} unit=s"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--profile":
        sys.path[:0] = [str(ROOT), str(ROOT / "platform")]
        with tempfile.TemporaryDirectory(prefix="bench-grading-profile-", ignore_cleanup_errors=True) as d:
            os.environ.update(
                DJANGO_SETTINGS_MODULE="config.settings",
                LIANGZHI_DATA_DIR=str(Path(d) / "data"),
                DATABASE_URL=f"sqlite:///{Path(d) / 'db.sqlite3'}",
            )
            profile(Path(d))
    elif len(sys.argv) > 1 and sys.argv[1] == "--inner":
        sys.path[:0] = [str(ROOT), str(ROOT / "platform")]
        result = inner(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
        print(json.dumps(result))
    else:
        main()
