"""Importing an assignment runs its reference solution and its blank version in the grading sandbox."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from courses.importer import CourseImportError, import_course
from courses.models import Activity, Course

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _verify(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.COURSES_VERIFY_ASSIGNMENTS = True
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(REPO / "content" / "demo", target)
    return target


def _edit_source(folder: Path, edit) -> None:  # type: ignore[no-untyped-def]
    path = folder / "assignments" / "bell-states" / "bell-states.ipynb"
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if isinstance(cell["source"], list):
            cell["source"] = "".join(cell["source"])
    edit(nb["cells"])
    path.write_text(json.dumps(nb))


def test_a_sound_assignment_is_verified_once(demo: Path) -> None:
    report = import_course(demo)
    assert report.verified == ["bell-states"] and report.warnings == []
    assert "verified bell-states" in report.summary()
    (demo / "lessons" / "bell.md").write_text("# Only the lesson changed\n")
    again = import_course(demo)
    assert again.verified == []  # the unchanged assignment is not run again


def test_a_wrong_reference_solution_is_refused_naming_the_cell(demo: Path) -> None:
    def break_solution(cells):  # type: ignore[no-untyped-def]
        cells[3]["source"] = cells[3]["source"].replace("qc.cx(0, 1)", "qc.cz(0, 1)")

    _edit_source(demo, break_solution)
    with pytest.raises(CourseImportError) as info:
        import_course(demo)
    problems = [str(p) for p in info.value.problems]
    assert problems == [
        "assignments/bell-states/bell-states.ipynb: cell test_phi_plus: the reference solution scores 0 of 4 (expected 4)"
    ]
    assert not Course.objects.exists()


def test_a_test_that_passes_without_an_answer_is_refused(demo: Path) -> None:
    def lenient_test(cells):  # type: ignore[no-untyped-def]
        cells[7]["source"] = "# a test that checks nothing\nassert True"

    _edit_source(demo, lenient_test)
    with pytest.raises(CourseImportError) as info:
        import_course(demo)
    assert [str(p) for p in info.value.problems] == [
        "assignments/bell-states/bell-states.ipynb: cell test_psi_minus: the blank student version scores 4 of 4 (expected 0)"
    ]


@pytest.mark.slow
def test_assignment_reading_a_data_file_is_verified_with_it(tmp_path: Path) -> None:
    """The QML regression assignment reads its CSV: grading puts data files beside the notebook."""
    folder = tmp_path / "one"
    shutil.copytree(REPO / "content" / "qml" / "assignments" / "hybrid-regression", folder / "assignments" / "hr")
    (folder / "course.yaml").write_text(
        "slug: one\ntitle: One\nunits:\n  - slug: u\n    title: U\n    activities:\n"
        "      - {slug: hr, kind: assignment, title: HR, folder: assignments/hr, points: 10}\n"
    )
    report = import_course(folder)
    assert report.verified == ["hr"]
    assert Activity.objects.get(slug="hr").current_version.files.filter(kind="data").exists()


def _slow_course(folder: Path, *, sleep: float) -> Path:
    """A one-assignment course whose reference solution sleeps ``sleep`` seconds in its answer cell."""
    import nbformat

    def meta(gid: str, *, solution: bool, grade: bool, points: int = 0) -> dict:  # type: ignore[type-arg]
        m = {
            "grade": grade,
            "grade_id": gid,
            "locked": not solution,
            "schema_version": 3,
            "solution": solution,
            "task": False,
        }
        return {"nbgrader": {**m, "points": points} if grade else m}

    answer = (
        "### BEGIN SOLUTION\nimport time\n"
        + (f"time.sleep({sleep})\n" if sleep else "")
        + "def answer():\n    return 42\n### END SOLUTION"
    )
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(answer, metadata=meta("slow_answer", solution=True, grade=False)),
            nbformat.v4.new_code_cell(
                "assert answer() == 42", metadata=meta("test_answer", solution=False, grade=True, points=1)
            ),
        ]
    )
    (folder / "assignments" / "slow").mkdir(parents=True)
    (folder / "assignments" / "slow" / "slow.ipynb").write_text(nbformat.writes(nb))
    (folder / "course.yaml").write_text(
        "slug: slow\ntitle: Slow\nunits:\n  - slug: u\n    title: U\n    activities:\n"
        "      - {slug: slow, kind: assignment, title: Slow, folder: assignments/slow, points: 1}\n"
    )
    return folder


@pytest.mark.slow
def test_a_reference_slower_than_the_cell_timeout_is_refused_after_a_second_run(
    tmp_path: Path,
    settings,
    caplog,  # type: ignore[no-untyped-def]
) -> None:
    """Import uses GRADING_CELL_TIMEOUT (not a fixed 30 s); a timeout gets one more run in a fresh
    sandbox, then the refusal says it timed out and in which cell."""
    import logging

    settings.GRADING_CELL_TIMEOUT = 8
    folder = _slow_course(tmp_path / "slow", sleep=600)
    with caplog.at_level(logging.INFO, logger="grading.authoring"), pytest.raises(CourseImportError) as info:
        import_course(folder)
    problems = [str(p) for p in info.value.problems]
    assert len(problems) == 1, problems
    assert problems[0].startswith("assignments/slow/slow.ipynb: the reference solution timed out in slow_answer")
    assert "8 s" in problems[0] and "GRADING_CELL_TIMEOUT" in problems[0]
    runs = [r.getMessage() for r in caplog.records if "reference solution, run" in r.getMessage()]
    assert runs == [
        "verify slow.ipynb: reference solution, run 1: timed_out",
        "verify slow.ipynb: reference solution, run 2: timed_out",
    ]
    assert not Course.objects.exists()


def test_an_assignment_within_the_cell_timeout_is_verified(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.GRADING_CELL_TIMEOUT = 8
    report = import_course(_slow_course(tmp_path / "quick", sleep=0))
    assert report.verified == ["slow"]
