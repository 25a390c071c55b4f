"""The flagship courses (content/qec-ai, content/qml) import cleanly, their practice notebooks run top to
bottom with every self-check passing, and every assignment grades correctly under nbgrader itself:
the reference solution scores full marks, the blank student version scores zero, and one plausible wrong
answer per assignment loses exactly the points it should. (Every answer cell's further wrong answers, two at
least per cell, run one cell at a time in test_wrong_answers_per_cell.py.)
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from tests.content.nbgrading import CONTENT, filled_version, grade_submissions, student_version

COURSES = {"qec-ai": "ai-for-qec", "qml": "quantum-machine-learning"}
pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _present(folder: str) -> bool:
    return (CONTENT / folder / "course.yaml").is_file()


def _assignments() -> list[tuple[str, str]]:
    return [
        (course, p.name)
        for course in COURSES
        if _present(course)
        for p in sorted((CONTENT / course / "assignments").iterdir())
        if p.is_dir()
    ]


def _practice() -> list[Path]:
    return [
        p for course in COURSES if _present(course) for p in sorted((CONTENT / course / "practice").glob("*.ipynb"))
    ]


def _wrong(course: str) -> dict:
    return importlib.import_module(f"tests.content.wrong_answers.{course.replace('-', '_')}").WRONG


# --- import -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("folder", [c for c in COURSES if _present(c)])
def test_course_imports_with_every_unit_complete(folder: str) -> None:
    from courses.importer import import_course
    from courses.models import Activity, Course, Unit

    report = import_course(CONTENT / folder)
    assert report.created, report.summary()
    course = Course.objects.get(slug=COURSES[folder])
    assert course.title_zh and course.summary_zh
    units = list(Unit.objects.filter(course=course).order_by("order"))
    assert len(units) >= 5
    manual = 0
    for unit in units:
        assert unit.title_zh and unit.summary_zh, unit.slug
        acts = list(Activity.objects.filter(unit=unit))
        kinds = sorted(a.kind for a in acts if a.kind not in ("quiz", "exam"))  # quizzes/exams: tests/assessments
        # the closing Exams unit teaches nothing new: a practice quiz, timed exams and written exam papers (kind exam),
        # checked by tests/content/test_semester.py
        assert kinds == ([] if unit.slug == "exams" else ["assignment", "lesson", "practice"]), (unit.slug, kinds)
        for act in acts:
            assert act.title_zh, act.slug
            if act.kind in ("quiz", "exam"):  # made of questions, no rendered body: tests/assessments
                continue
            version = act.current_version
            assert version is not None and version.body_html, act.slug
            if act.kind == "lesson":
                assert '<span class="arithmatex">' in version.body_html, f"{act.slug}: no math"
                # the translation beside the lesson (x.zh.md) is rendered too, with its math and figures
                assert '<span class="arithmatex">' in version.body_html_zh, f"{act.slug}: no Chinese text"
                assert version.body_html_zh.count("<img") == version.body_html.count("<img"), act.slug
            if act.kind in ("practice", "assignment"):
                # Markdown cells' metadata.liangzhi.zh (kept by nbgrader in the student version) rendered
                assert "作业" in version.body_html_zh or "练习" in version.body_html_zh, act.slug
                assert "BEGIN HIDDEN TESTS" not in version.body_html_zh, act.slug
            if act.kind == "assignment":
                facts = version.facts
                assert facts["max_points"] == float(act.points), (act.slug, facts["max_points"], act.points)
                cells = [c for nb in facts["notebooks"] for c in nb["cells"]]
                assert any(c["kind"] == "autograded_test" for c in cells)
                manual += sum(1 for c in cells if c["kind"] == "manual")
    assert manual >= 1, "each course needs at least one manually graded written answer"
    # figures referenced by lessons are served as assets
    lessons = Activity.objects.filter(course=course, kind="lesson")
    assert any(a.current_version.files.filter(kind="asset").exists() for a in lessons)


@pytest.mark.django_db
def test_load_demo_imports_both_courses() -> None:
    from django.core.management import call_command
    from django.test import Client

    from accounts.models import User
    from courses.models import Activity, Course

    call_command("load_demo", only=[c for c in COURSES if _present(c)], stdout=open(os.devnull, "w"))  # noqa: SIM115
    slugs = set(Course.objects.values_list("slug", flat=True))
    assert {COURSES[c] for c in COURSES if _present(c)} <= slugs

    # every activity page renders for an enrolled demo student, lessons with their figures and math
    client = Client()
    client.force_login(User.objects.get(username="alice"))
    for folder, slug in COURSES.items():
        if not _present(folder):
            continue
        home = client.get(f"/courses/{slug}/")
        assert home.status_code == 200
        for act in Activity.objects.filter(course__slug=slug).select_related("current_version"):
            page = client.get(f"/courses/{slug}/a/{act.slug}/")
            if act.kind in ("quiz", "exam"):  # made of questions: the page sends the student to the assessment
                assert page.status_code in (200, 302), (act.slug, page.status_code)
                continue
            assert page.status_code == 200, (act.slug, page.status_code)
            html = page.content.decode()
            assert act.title.replace("'", "&#x27;") in html, act.slug
            if act.kind == "lesson":
                assert "arithmatex" in html, act.slug
                zh = client.get(f"/courses/{slug}/a/{act.slug}/?lang=zh-hans").content.decode()
                assert 'lang="zh-hans"' in zh and "no-translation" not in zh, act.slug
                for asset in act.current_version.files.filter(kind="asset"):
                    img = client.get(f"/courses/{slug}/a/{act.slug}/files/{asset.path}")
                    assert img.status_code == 200 and b"<svg" in b"".join(img), (act.slug, asset.path)
            if act.kind == "assignment":
                assert "BEGIN HIDDEN TESTS" not in html and "BEGIN SOLUTION" not in html, act.slug


# --- practice notebooks -----------------------------------------------------------------------------------------


def _kernel_env() -> None:
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


@pytest.mark.parametrize("path", _practice(), ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_practice_notebook_runs_with_all_self_checks(path: Path, tmp_path: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    _kernel_env()
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(path, work / path.name)
    data = CONTENT / path.parent.parent.name / "data"
    if data.is_dir():  # data files that the manifest attaches to practice activities sit beside the notebook
        for f in data.iterdir():
            shutil.copy(f, work / f.name)
    nb = nbformat.read(work / path.name, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    elapsed = time.perf_counter() - start
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "✓" in outputs, "a practice notebook must show its self-checks passing"
    print(f"{path.name}: {elapsed:.1f} s")


# --- assignments ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Grades each assignment once (reference, blank, wrong answer in one autograde run); cached per module."""
    cache: dict[tuple[str, str], tuple[dict, float]] = {}

    def get(course: str, name: str) -> tuple[dict, float]:
        if (course, name) not in cache:
            folder = CONTENT / course / "assignments" / name
            source = next(folder.glob("*.ipynb"))
            wrong = _wrong(course)[name]
            submissions = {
                "reference": filled_version(source),
                "blank": student_version(source),
                "wrong": filled_version(source, wrong["cells"]),
            }
            start = time.perf_counter()
            result = grade_submissions(folder, submissions, tmp_path_factory.mktemp(f"{course}-{name}"))
            cache[(course, name)] = (result, time.perf_counter() - start)
        return cache[(course, name)]

    return get


@pytest.mark.parametrize(("course", "name"), _assignments(), ids=lambda v: v)
def test_assignment_grades_reference_blank_and_wrong(course: str, name: str, graded) -> None:  # type: ignore[no-untyped-def]
    result, seconds = graded(course, name)
    print(f"{course}/{name}: three submissions autograded in {seconds:.1f} s")
    auto = {gid for gid, c in result["reference"].items() if not c.manual and c.max_score > 0}
    manual = {gid for gid, c in result["reference"].items() if c.manual}
    assert auto, "no autograded test cells"

    # the reference solution: full marks on every autograded test; written answers wait for the teacher
    ref = result["reference"]
    assert {g: ref[g].score for g in auto} == {g: ref[g].max_score for g in auto}
    assert all(ref[g].manual for g in manual)

    # the blank student version: zero on every autograded test
    blank = result["blank"]
    assert {g: blank[g].score for g in auto} == dict.fromkeys(auto, 0.0)

    # the plausible wrong answer: loses exactly the named tests, keeps the rest
    wrong = _wrong(course)[name]
    loses = set(wrong["loses"])
    assert loses <= auto, loses - auto
    got = {g: result["wrong"][g].score for g in auto}
    expected = {g: (0.0 if g in loses else ref[g].max_score) for g in auto}
    assert got == expected, f"wrong answer ({wrong['why']}): {got} != {expected}"


# --- data sets -----------------------------------------------------------------------------------------------------


def _load_tool(course: str, name: str):  # type: ignore[no-untyped-def]
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"_tool_{name}", CONTENT / course / "tools" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not _present("qml"), reason="the QML course is not in this checkout")
def test_shipped_datasets_are_what_their_seeded_generators_produce(tmp_path: Path) -> None:
    perm = _load_tool("qml", "make_permeability")
    out = tmp_path / "permeability.csv"
    perm.write(out, perm.generate())
    for shipped in (CONTENT / "qml" / "data", CONTENT / "qml" / "assignments" / "hybrid-regression"):
        assert (shipped / "permeability.csv").read_text() == out.read_text()
    challenge = _load_tool("qml", "make_challenge")
    x, y = challenge.circle_data(challenge.N, challenge.SEED)
    rows = (CONTENT / "qml" / "data" / "challenge_train.csv").read_text().splitlines()[1:]
    assert len(rows) == len(y) == 300
    assert rows == [f"{a:.5f},{b:.5f},{c}" for (a, b), c in zip(x, y, strict=True)]
    assert (CONTENT / "qml" / "data" / "challenge_train.csv").read_text() == (
        CONTENT / "qml" / "assignments" / "qml-challenge-prep" / "challenge_train.csv"
    ).read_text()


@pytest.mark.skipif(not _present("qec-ai"), reason="the QEC course is not in this checkout")
def test_lesson_tables_quote_the_numbers_the_figure_script_measured() -> None:
    """The anchors printed in the lessons are the ones tools/make_figures.py measured (numbers.json)."""
    import json
    import re

    import numpy as np

    numbers = json.loads((CONTENT / "qec-ai" / "lessons" / "figures" / "numbers.json").read_text())

    def tex(x: float) -> str:  # 0.00656 -> "6.6\times10^{-3}", as the lesson writes it
        exp = int(np.floor(np.log10(x)))
        return f"{x / 10**exp:.1f}\\times10^{{{exp}}}"

    matching = (CONTENT / "qec-ai" / "lessons" / "03-matching.md").read_text()
    for p in ("0.001", "0.002", "0.003", "0.004", "0.005", "0.010"):
        row = next(line for line in matching.splitlines() if line.startswith(f"| {p} |"))
        for d in ("3", "5", "7"):
            if p in numbers["threshold"][d]:
                assert tex(numbers["threshold"][d][p]) in row, (p, d, row)
    neural = (CONTENT / "qec-ai" / "lessons" / "04-neural-decoders.md").read_text()
    for label, rates in numbers["neural"].items():
        row = next(line for line in neural.splitlines() if line.startswith("|") and label.split()[0] in line)
        assert re.findall(r"0\.\d{4}", row) == [f"{r:.4f}" for r in rates.values()], row
