"""The autograder against honest and hostile notebooks, on a tiny assignment (no heavy imports).

Each test runs the real pipeline: restore from the source, execute in the bubblewrap
sandbox with a real ipykernel, score in the trusted process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from grading.authoring import prepare_notebook
from grading.runner.autograde import grade
from grading.runner.sandbox import SandboxLimits, sandbox_probe

from .conftest import edit, solved

pytestmark = [pytest.mark.integration]
SECRET = "hidden_marker_7Q"


def _source() -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}

    def meta(gid, **kw):  # type: ignore[no-untyped-def]
        return {
            "nbgrader": {"grade_id": gid, "schema_version": 3, "grade": False, "solution": False, "locked": False, **kw}
        }

    nb.cells = [
        nbformat.v4.new_code_cell("import math", metadata=meta("setup", locked=True)),
        nbformat.v4.new_code_cell(
            "def answer():\n    ### BEGIN SOLUTION\n    return 42\n    ### END SOLUTION",
            metadata=meta("answer", solution=True),
        ),
        nbformat.v4.new_code_cell(
            f"assert answer() == 42\n### BEGIN HIDDEN TESTS\n{SECRET} = answer() + 1\nassert {SECRET} == 43\n### END HIDDEN TESTS",
            metadata=meta("test_answer", grade=True, locked=True, points=5),
        ),
        nbformat.v4.new_code_cell(
            "assert isinstance(answer(), int)", metadata=meta("test_type", grade=True, locked=True, points=3)
        ),
        nbformat.v4.new_markdown_cell("YOUR ANSWER HERE", metadata=meta("essay", grade=True, solution=True, points=2)),
    ]
    return nbformat.writes(nb)


@pytest.fixture(scope="module")
def tiny() -> dict[str, str]:
    if not sandbox_probe()["isolated"]:
        pytest.skip("no working bubblewrap here")
    source = _source()
    student = prepare_notebook(source, name="tiny.ipynb").student_json
    return {"source": source, "student": student}


def _grade(tiny, submission: str, tmp_path: Path, **limits):  # type: ignore[no-untyped-def]
    return grade(
        source_json=tiny["source"],
        student_json=tiny["student"],
        submission_json=submission,
        limits=SandboxLimits(**{"wall_seconds": 40, "memory_mb": 512, **limits}),
        work_root=tmp_path / "jobs",
        cell_timeout=10,
    )


def _answer(tiny, code: str) -> str:  # type: ignore[no-untyped-def]
    return solved(tiny["source"], tiny["student"], {"answer": code})


def _scores(outcome) -> dict[str, float | None]:  # type: ignore[no-untyped-def]
    return {c["grade_id"]: c["score"] for c in outcome.cells}


def test_reference_solution_full_marks_blank_zero(tiny, tmp_path):
    good = _grade(tiny, solved(tiny["source"], tiny["student"]), tmp_path)
    assert good.status == "graded"
    assert _scores(good) == {"test_answer": 5.0, "test_type": 3.0, "essay": 0.0}  # the essay was left blank
    answered = edit(solved(tiny["source"], tiny["student"]), lambda nb: setattr(nb.cells[-1], "source", "Because."))
    assert _scores(_grade(tiny, answered, tmp_path))["essay"] is None  # waits for a teacher
    blank = _grade(tiny, tiny["student"], tmp_path)
    assert _scores(blank) == {"test_answer": 0.0, "test_type": 0.0, "essay": 0.0}


def test_wrong_answer_fails_hidden_test_and_feedback_hides_it(tiny, tmp_path):
    out = _grade(tiny, _answer(tiny, "def answer():\n    return 42.0000001 if False else 41"), tmp_path)
    assert _scores(out)["test_answer"] == 0.0
    text = json.dumps(out.feedback)
    assert SECRET not in text and "BEGIN HIDDEN" not in text


def test_locked_test_cell_edited_is_restored(tiny, tmp_path):
    def tamper(nb):  # type: ignore[no-untyped-def]
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_answer":
                cell.source = "pass"

    sub = edit(_answer(tiny, "def answer():\n    return 0"), tamper)
    assert _scores(_grade(tiny, sub, tmp_path))["test_answer"] == 0.0


def test_locked_test_cell_deleted_scores_zero(tiny, tmp_path):
    def delete(nb):  # type: ignore[no-untyped-def]
        nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_answer"]

    out = _grade(tiny, edit(solved(tiny["source"], tiny["student"]), delete), tmp_path)
    assert _scores(out)["test_answer"] == 0.0
    assert next(c for c in out.cells if c["grade_id"] == "test_answer")["status"] == "deleted"


def test_showtraceback_trick_scores_zero(tiny, tmp_path):
    code = "def answer():\n    return 0\nip = get_ipython()\nip.showtraceback = lambda *a, **k: None\nip._showtraceback = lambda *a, **k: None"
    assert _scores(_grade(tiny, _answer(tiny, code), tmp_path))["test_answer"] == 0.0


def test_set_custom_exc_trick_scores_zero(tiny, tmp_path):
    code = "def answer():\n    return 0\nget_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)"
    assert _scores(_grade(tiny, _answer(tiny, code), tmp_path))["test_answer"] == 0.0


def test_input_transformer_stripping_asserts_cannot_help(tiny, tmp_path):
    """Tests run in the trusted process: the student's kernel's transformers never see them."""
    code = (
        "def answer():\n    return 0\n"
        "def _strip(lines):\n    return [l for l in lines if not l.lstrip().startswith('assert')]\n"
        "get_ipython().input_transformers_cleanup.append(_strip)"
    )
    out = _grade(tiny, _answer(tiny, code), tmp_path)
    assert _scores(out)["test_answer"] == 0.0
    assert _scores(out)["test_type"] == 3.0  # 0 is an int: that test is honestly passed


def test_input_transformer_is_caught_by_the_canary_in_an_untrusted_cell(tiny, tmp_path):
    """``trusted: false`` cells still run in the student's kernel, behind the canary."""
    source = edit(tiny["source"], _untrusted("test_answer"))
    code = (
        "def answer():\n    return 0\n"
        "def _strip(lines):\n    return [l for l in lines if not l.lstrip().startswith('assert')]\n"
        "get_ipython().input_transformers_cleanup.append(_strip)"
    )
    out = grade(
        source_json=source,
        student_json=tiny["student"],
        submission_json=_answer(tiny, code),
        limits=SandboxLimits(wall_seconds=40, memory_mb=512),
        work_root=tmp_path / "jobs",
        cell_timeout=10,
    )
    cells = {c["grade_id"]: c for c in out.cells}
    assert cells["test_answer"]["score"] == 0.0 and cells["test_answer"]["trusted"] is False
    assert cells["test_type"]["trusted"] is True
    assert "tampered" in out.message
    good = grade(
        source_json=source,
        student_json=tiny["student"],
        submission_json=solved(tiny["source"], tiny["student"]),
        limits=SandboxLimits(wall_seconds=40, memory_mb=512),
        work_root=tmp_path / "jobs",
        cell_timeout=10,
    )
    assert _scores(good) == {"test_answer": 5.0, "test_type": 3.0, "essay": 0.0}


def _untrusted(gid: str):  # type: ignore[no-untyped-def]
    def mark(nb):  # type: ignore[no-untyped-def]
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == gid:
                cell.metadata["liangzhi"] = {"trusted": False}

    return mark


def test_eq_always_true_answer_scores_zero(tiny, tmp_path):
    code = (
        "class _Any(int):\n    def __eq__(self, other):\n        return True\n"
        "    def __add__(self, other):\n        return self\n    __hash__ = int.__hash__\n"
        "def answer():\n    return _Any(0)"
    )
    out = _grade(tiny, _answer(tiny, code), tmp_path)
    assert _scores(out)["test_answer"] == 0.0 and _scores(out)["test_type"] == 0.0
    staff = next(c for c in out.cells if c["grade_id"] == "test_answer")["staff_message"]
    assert "subclass of int" in staff, staff


def test_student_code_cannot_read_source_or_hidden_tests(tiny, tmp_path, settings):
    repo = Path(__file__).resolve().parents[2]
    probe = (
        "import os, glob\nfound = []\n"
        f"for p in [{str(repo / 'var')!r}, {str(repo / 'content')!r}, {str(settings.BLOB_ROOT)!r}, '/proc/1/cmdline']:\n"
        "    try:\n        found.append((p, len(open(p,'rb').read()) if os.path.isfile(p) else len(os.listdir(p))))\n    except OSError:\n        pass\n"
        "for f in glob.glob('**/*', recursive=True) + glob.glob('/tmp/**', recursive=True):\n"
        "    try:\n        t = open(f, errors='ignore').read()\n    except OSError:\n        continue\n"
        f"    if {SECRET!r} in t or 'BEGIN HIDDEN' in t:\n        found.append(f)\n"
        "print('FOUND', found)\n"
        "def answer():\n    return 42"
    )
    out = _grade(tiny, _answer(tiny, probe), tmp_path)
    stdout = json.dumps(out.feedback)
    assert "FOUND" in stdout
    found = stdout.split("FOUND", 1)[1].split("\\n", 1)[0]
    assert "var" not in found and "content" not in found and "blobs" not in found and "BEGIN" not in found, found


def test_hook_capturing_hidden_tests_is_redacted(tiny, tmp_path):
    code = "def answer():\n    return 42\n_seen = []\nget_ipython().events.register('pre_run_cell', lambda info: _seen.append(info.raw_cell))"
    sub = edit(_answer(tiny, code), lambda nb: nb.cells.append(nbformat.v4.new_code_cell("print('\\n'.join(_seen))")))
    out = _grade(tiny, sub, tmp_path)
    assert _scores(out)["test_answer"] == 5.0
    assert SECRET not in json.dumps(out.feedback)


def test_fake_results_file_and_printed_score_are_ignored(tiny, tmp_path):
    code = (
        "import json, os\n"
        "for name in ['results.json', 'gradebook.db', 'autograded.ipynb']:\n    open(name, 'w').write(json.dumps({'score': 10}))\n"
        'print(\'10/10\'); print(\'{"status": "ok", "cells": []}\')\n'
        "def answer():\n    return '0'"
    )
    out = _grade(tiny, _answer(tiny, code), tmp_path)
    assert out.status == "graded" and out.score == 0.0


def test_infinite_loop_times_out(tiny, tmp_path):
    started = time.monotonic()
    out = grade(
        source_json=tiny["source"],
        student_json=tiny["student"],
        submission_json=_answer(tiny, "while True:\n    pass"),
        limits=SandboxLimits(wall_seconds=30, memory_mb=512),
        work_root=tmp_path / "jobs",
        cell_timeout=2,
    )
    assert out.status == "timed_out" and out.score == 0.0
    assert time.monotonic() - started < 25


def test_memory_bomb_hits_memory_limit(tiny, tmp_path):
    out = _grade(
        tiny, _answer(tiny, "x = bytearray(3 * 1024**3)\ndef answer():\n    return 42"), tmp_path, memory_mb=300
    )
    assert out.status == "memory_limit", out.log
    assert out.score == 0.0


def test_fork_bomb_is_contained(tiny, tmp_path):
    code = "import os\nfor _ in range(100000):\n    try:\n        if os.fork() == 0:\n            import time; time.sleep(60)\n    except OSError:\n        break\ndef answer():\n    return 42"
    out = _grade(tiny, _answer(tiny, code), tmp_path, max_processes=64)
    assert out.status in ("graded", "timed_out", "memory_limit"), out.log


def test_detached_background_process_does_not_outlive_the_job(tiny, tmp_path):
    marker = "bg-marker-9911"
    code = f"import subprocess\nsubprocess.Popen(['/bin/sh', '-c', 'exec -a {marker} sleep 120'], start_new_session=True)\ndef answer():\n    return 42"
    out = _grade(tiny, _answer(tiny, code), tmp_path)
    assert out.status == "graded" and out.score == 8.0
    time.sleep(0.3)
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=False).stdout
    assert marker not in ps


def test_os_exit_in_kernel_is_the_students_error_scored_from_what_ran(tiny, tmp_path):
    out = _grade(tiny, _answer(tiny, "import os\nos._exit(0)"), tmp_path)
    assert out.status == "graded" and not out.retryable
    assert _scores(out) == {"test_answer": 0.0, "test_type": 0.0, "essay": 0.0}
    assert "kernel stopped" in out.message
    # a kernel that dies after a test ran keeps that test's points
    late = edit(
        solved(tiny["source"], tiny["student"]),
        lambda nb: nb.cells.insert(len(nb.cells) - 2, nbformat.v4.new_code_cell("import os\nos._exit(0)")),
    )
    out = _grade(tiny, late, tmp_path)
    assert out.status == "graded" and not out.retryable
    assert _scores(out) == {"test_answer": 5.0, "test_type": 0.0, "essay": 0.0}, out.log


def test_whole_job_wall_time_keeps_the_scores_of_tests_that_ran(tiny, tmp_path):
    slow = edit(
        solved(tiny["source"], tiny["student"]),
        lambda nb: nb.cells.insert(len(nb.cells) - 2, nbformat.v4.new_code_cell("import time\ntime.sleep(600)")),
    )
    out = grade(
        source_json=tiny["source"],
        student_json=tiny["student"],
        submission_json=slow,
        limits=SandboxLimits(wall_seconds=120, memory_mb=512),
        work_root=tmp_path / "jobs",
        cell_timeout=300,
    )
    assert out.status == "timed_out" and not out.retryable
    assert _scores(out) == {"test_answer": 5.0, "test_type": 0.0, "essay": 0.0}, out.log
    assert out.score == 5.0


def test_huge_output_is_truncated(tiny, tmp_path):
    code = "import sys\nfor _ in range(100):\n    sys.stdout.write('y' * 1024 * 1024)\ndef answer():\n    return 42"
    out = _grade(tiny, _answer(tiny, code), tmp_path)
    assert out.status == "graded" and out.score == 8.0
    assert len(json.dumps(out.feedback)) < 2 * 1024 * 1024
    assert "[output truncated]" in json.dumps(out.feedback)


def test_warm_pool_gives_same_scores_and_never_reuses_a_kernel(tiny, tmp_path):
    from grading.runner.pool import WarmPool

    pool = WarmPool(
        limits=SandboxLimits(wall_seconds=40, memory_mb=512), work_root=tmp_path / "jobs", preload="math,json", size=1
    )
    pool.fill()
    try:
        runner = pool.take(wait=180)
        assert runner is not None and runner.warm
        pool._ready.insert(0, runner)  # hand it back for grade() to take
        poison = _answer(tiny, "import builtins\nbuiltins.answer = lambda: 42\ndef answer():\n    return 42")
        first = grade(
            source_json=tiny["source"],
            student_json=tiny["student"],
            submission_json=poison,
            limits=pool.limits,
            work_root=tmp_path / "jobs",
            pool=pool,
        )
        assert first.status == "graded" and first.score == 8.0 and "(warm)" in first.log
        nxt = pool.take(wait=180)
        assert nxt is not None and nxt is not runner  # a fresh sandbox, the used one is gone
        assert not runner.process.alive() and not runner.job_dir.exists()
        nxt.discard()
        blank = grade(
            source_json=tiny["source"],
            student_json=tiny["student"],
            submission_json=tiny["student"],
            limits=pool.limits,
            work_root=tmp_path / "jobs",
            pool=pool,
        )
        assert blank.score == 0.0  # nothing of the previous student's kernel survived
    finally:
        pool.close()


def test_socket_and_dns_fail_in_kernel(tiny, tmp_path):
    code = (
        "import socket\nnet = []\n"
        "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=2); net.append('tcp')\nexcept OSError: pass\n"
        "try:\n    socket.gethostbyname('example.com'); net.append('dns')\nexcept OSError: pass\n"
        "def answer():\n    return 42 if not net else 0"
    )
    assert _grade(tiny, _answer(tiny, code), tmp_path).score == 8.0


@pytest.mark.slow
def test_same_scores_as_nbgrader_on_the_demo_assignment(bell, tmp_path):
    """Run stock `nbgrader autograde` (unsandboxed) and ours on the same submissions."""
    from .conftest import solved as fill

    wrong = fill(
        bell["source"],
        bell["student"],
        {
            "phi_plus_answer": "def phi_plus():\n    qc = QuantumCircuit(2)\n    qc.h(0)\n    return qc",
            "psi_minus_answer": "def psi_minus():\n    qc = QuantumCircuit(2)\n    qc.x(0)\n    qc.x(1)\n    qc.h(0)\n    qc.cx(0, 1)\n    return qc",
        },
    )
    subs = {"good": bell["solved"], "blank": bell["student"], "wrong": wrong}
    ours = {}
    for name, nb_json in subs.items():
        out = grade(
            source_json=bell["source"],
            student_json=bell["student"],
            submission_json=nb_json,
            limits=SandboxLimits(wall_seconds=90),
            work_root=tmp_path / "jobs",
        )
        ours[name] = {c["grade_id"]: c["score"] for c in out.cells}
    theirs = _nbgrader_scores(bell["source"], subs, tmp_path / "course")
    assert ours == theirs, (ours, theirs)
    assert (
        ours["good"]["test_phi_plus"] == 4.0
        and ours["wrong"]["test_phi_plus"] == 0.0
        and ours["wrong"]["test_psi_minus"] == 4.0
    )


def _nbgrader_scores(source: str, subs: dict[str, str], root: Path) -> dict[str, dict[str, float | None]]:
    (root / "source" / "bell").mkdir(parents=True)
    (root / "source" / "bell" / "bell-states.ipynb").write_text(source)
    for name, nb_json in subs.items():
        d = root / "submitted" / name / "bell"
        d.mkdir(parents=True)
        (d / "bell-states.ipynb").write_text(nb_json)
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.root = {!r}\nc.CourseDirectory.db_assignments = [dict(name='bell')]\n"
        "c.CourseDirectory.db_students = [{}]\n".format(str(root), ", ".join(f"dict(id={n!r})" for n in subs))
    )
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(root)}

    def run(*a):
        return subprocess.run(
            [sys.executable, "-m", "nbgrader", *a],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )

    run("generate_assignment", "bell", "--force")
    run("autograde", "bell", "--force")
    from nbgrader.api import Gradebook

    out: dict[str, dict[str, float | None]] = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for name in subs:
            nb = gb.find_submission_notebook("bell-states", "bell", name)
            out[name] = {g.name: (None if (g.auto_score is None) else float(g.auto_score)) for g in nb.grades}
    return out


def test_assignment_verify_accepts_demo_and_names_broken_cells(tiny, tmp_path):
    from grading.authoring import assignment_verify

    limits = SandboxLimits(wall_seconds=40, memory_mb=512)
    assert assignment_verify(source_json=tiny["source"], name="tiny.ipynb", limits=limits, work_root=tmp_path) == []
    broken = edit(
        tiny["source"],
        lambda nb: nb.cells.append(
            nbformat.v4.new_code_cell(
                "assert True",
                metadata={
                    "nbgrader": {
                        "grade_id": "test_free",
                        "grade": True,
                        "solution": False,
                        "locked": True,
                        "points": 1,
                        "schema_version": 3,
                    }
                },
            )
        ),
    )
    broken = edit(
        broken,
        lambda nb: setattr(
            nb.cells[1], "source", "def answer():\n    ### BEGIN SOLUTION\n    return 41\n    ### END SOLUTION"
        ),
    )
    problems = assignment_verify(source_json=broken, name="tiny.ipynb", limits=limits, work_root=tmp_path)
    assert any("test_answer: the reference solution scores 0 of 5" in p for p in problems), problems
    assert any("test_free: the blank student version scores 1 of 1" in p for p in problems), problems


def test_output_in_many_cells_stays_bounded(tiny, tmp_path):
    """Each of 40 cells prints 1 MB: the result still comes back whole, scored, and bounded."""

    def add(nb):  # type: ignore[no-untyped-def]
        for _ in range(40):
            nb.cells.insert(2, nbformat.v4.new_code_cell("import sys\nsys.stdout.write('z' * 1024 * 1024)"))

    out = _grade(tiny, edit(solved(tiny["source"], tiny["student"]), add), tmp_path, max_output_bytes=4 * 1024 * 1024)
    assert out.status == "graded" and out.score == 8.0, out.log
    assert len(json.dumps(out.feedback)) < 4 * 1024 * 1024


def test_assignment_verify_names_a_cell_that_needs_live_objects(tiny, tmp_path):
    from grading.authoring import assignment_verify

    def add(nb):  # type: ignore[no-untyped-def]
        nb.cells.append(
            nbformat.v4.new_code_cell(
                "assert type(answer).__name__ == 'function' and answer() == 42",
                metadata={
                    "nbgrader": {
                        "grade_id": "test_live",
                        "grade": True,
                        "solution": False,
                        "locked": True,
                        "points": 1,
                        "schema_version": 3,
                    }
                },
            )
        )

    live = edit(tiny["source"], add)
    limits = SandboxLimits(wall_seconds=40, memory_mb=512)
    problems = assignment_verify(source_json=live, name="tiny.ipynb", limits=limits, work_root=tmp_path)
    assert len(problems) == 1, problems
    assert problems[0].startswith("tiny.ipynb: cell 'test_live' needs the student's live objects in trusted mode (")
    assert problems[0].endswith("; mark it trusted: false")
    marked = edit(live, _untrusted("test_live"))
    assert assignment_verify(source_json=marked, name="tiny.ipynb", limits=limits, work_root=tmp_path) == []


def test_filling_the_job_disk_quota_is_the_students_result_scored_from_what_ran(tiny, tmp_path):
    # A test has run (5 points) when a later cell writes past the quota: the job stops there, the
    # outcome is final (never retried into "needs attention") and the earned points stay.
    late = edit(
        solved(tiny["source"], tiny["student"]),
        lambda nb: nb.cells.insert(
            len(nb.cells) - 2,
            nbformat.v4.new_code_cell("with open('big.bin', 'wb') as f:\n    for _ in range(200):\n        f.write(b'x' * 1024**2)"),
        ),
    )
    out = _grade(tiny, late, tmp_path, disk_mb=32, max_file_bytes=512 * 1024**2)
    assert out.status == "graded" and not out.retryable, out.log
    assert "32 MiB" in out.message
    assert _scores(out)["test_answer"] == 5.0
    # nothing beyond the quota reached the host's disk
    assert sum(p.stat().st_size for p in (tmp_path / "jobs").rglob("*") if p.is_file()) <= 40 * 1024**2
