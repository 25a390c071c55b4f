"""A semester's assessment in the flagship courses (issue 17, item 4): the Exams unit of content/qec-ai and
content/qml, and the share of points graded by hand.

Each course ends with an ``exams`` unit: a practice paper (a quiz, unlimited attempts), a mid-term and a final,
each a timed part A of questions (one attempt, pools drawing per-student variants) and a written part B (an
nbgrader notebook, one autograded function and written answers with a model answer and a rubric for the teacher;
the question engine has no hand-graded answer type, so written answers live in the notebook). Checked here:

- both courses import through the real importer with every exam question verified (generators in the sandbox)
  and no warning about the exams; the timed parts have their time limit and one attempt;
- every variant of every question an exam or the practice paper can draw: the reference answer scores full and a
  blank scores zero through the platform's own checks (circuits in the grading sandbox), and end to end, students
  who answer with the reference score full marks while a student who submits nothing scores zero;
- the written answers carry a model answer and a rubric, and at least 25 % of each course's points (assignments,
  exam papers, quizzes and exams together) are graded by hand. The figure is printed before and after the Exams
  unit, with the number of units.

The papers' autograded cells (reference full, blank zero, a plausible wrong answer loses its test) are graded by
tests/content/test_courses.py with the wrong answers in EXAM_WRONG below.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
import yaml

from tests.content.nbgrading import CONTENT

COURSES = {"qec-ai": "ai-for-qec", "qml": "quantum-machine-learning"}
TIMED = ("exam-midterm", "exam-final")
ASSESSMENTS = ("exams-practice", *TIMED)
PAPERS = ("exam-midterm-paper", "exam-final-paper")
SHARE = 0.25

# One plausible wrong answer per exam paper (read by tests/content/wrong_answers/<course>.py).
EXAM_WRONG: dict[str, dict[str, dict[str, Any]]] = {
    "qec-ai": {
        "exam-midterm-paper": {
            "why": "counts a tie as a success (strict majority only): an even code then looks better than it is",
            "cells": {
                "majority_failure": (
                    "def majority_failure(p, d):\n"
                    "    return sum(math.comb(d, k) * p**k * (1 - p) ** (d - k) for k in range(d // 2 + 1, d + 1))\n"
                ),
            },
            "loses": ["test_majority_failure"],
        },
        "exam-final-paper": {
            "why": "drops the 1/2 in the exponent: Λ taken as the factor per unit of distance instead of per two",
            "cells": {
                "distance_for_budget": (
                    "def distance_for_budget(eps3, lam, target):\n"
                    "    d = 3\n"
                    "    while eps3 * lam ** (-(d - 3)) > target:\n"
                    "        d += 2\n"
                    "    return d, 2 * d * d - 1\n"
                ),
            },
            "loses": ["test_distance_for_budget"],
        },
    },
    "qml": {
        "exam-midterm-paper": {
            "why": "reads the bit string left to right: qubit 0 taken as the left-most character",
            "cells": {
                "zz_expectation": (
                    "def zz_expectation(counts, i, j):\n"
                    "    total = sum(counts.values())\n"
                    "    return sum(n if key[i] == key[j] else -n for key, n in counts.items()) / total\n"
                ),
            },
            "loses": ["test_zz_expectation"],
        },
        "exam-final-paper": {
            "why": "uses 0/1 labels as they are: the 0 labels drop out of y y^T",
            "cells": {
                "kernel_alignment": (
                    "def kernel_alignment(K, y):\n"
                    "    K, y = np.asarray(K, dtype=float), np.asarray(y, dtype=float)\n"
                    "    Y = np.outer(y, y)\n"
                    "    return float(np.sum(K * Y) / (np.linalg.norm(K) * np.linalg.norm(Y)))\n"
                ),
            },
            "loses": ["test_kernel_alignment"],
        },
    },
}


def _manifest(folder: str) -> dict[str, Any]:
    return yaml.safe_load((CONTENT / folder / "course.yaml").read_text(encoding="utf-8"))


def _question_points(folder: str, qid: str) -> Decimal:
    spec = yaml.safe_load((CONTENT / folder / "questions" / qid / "question.yaml").read_text(encoding="utf-8"))
    return sum((Decimal(str(p.get("points", 1))) for p in spec["parts"]), Decimal(0))


def points_by_hand(folder: str, *, skip_units: tuple[str, ...] = ()) -> dict[str, Decimal]:
    """The course's points, from course.yaml and the notebooks' nbgrader metadata: ``manual`` (solution cells a
    teacher grades), ``auto_notebook`` (autograded test cells) and ``questions`` (quizzes and question exams, as
    drawn: a pool's points times its draw; all graded automatically)."""
    out = {"manual": Decimal(0), "auto_notebook": Decimal(0), "questions": Decimal(0)}
    for unit in _manifest(folder)["units"]:
        if unit["slug"] in skip_units:
            continue
        for act in unit["activities"]:
            if act.get("questions"):
                for slot in act["questions"]:
                    if isinstance(slot, str):
                        out["questions"] += _question_points(folder, slot)
                    else:
                        out["questions"] += _question_points(folder, slot["pool"][0]) * int(slot.get("draw", 1))
            elif act.get("folder"):
                for nb in sorted((CONTENT / folder / act["folder"]).glob("*.ipynb")):
                    for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
                        meta = cell.get("metadata", {}).get("nbgrader") or {}
                        if not meta.get("grade"):
                            continue
                        key = "manual" if meta.get("solution") else "auto_notebook"
                        out[key] += Decimal(str(meta.get("points", 0)))
    return out


def _share(points: dict[str, Decimal]) -> tuple[float, float]:
    """(hand-graded share of all points, hand-graded share of notebook points)."""
    notebook = points["manual"] + points["auto_notebook"]
    return float(points["manual"] / (notebook + points["questions"])), float(points["manual"] / notebook)


# --- the figures -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("folder", list(COURSES))
def test_a_quarter_of_the_points_are_graded_by_hand(folder: str) -> None:
    manifest = _manifest(folder)
    before = points_by_hand(folder, skip_units=("exams",))
    after = points_by_hand(folder)
    b_all, b_nb = _share(before)
    a_all, a_nb = _share(after)
    units = [u["slug"] for u in manifest["units"]]
    print(
        f"{folder}: {len(units)} units ({', '.join(units)}); by hand without the Exams unit {before['manual']} of "
        f"{sum(before.values())} points = {b_all:.1%} ({b_nb:.1%} of notebook points); with it {after['manual']} of "
        f"{sum(after.values())} = {a_all:.1%} ({a_nb:.1%} of notebook points)"
    )
    assert a_all >= SHARE, f"{folder}: {a_all:.1%} of points graded by hand"
    # the Exams unit adds hand-graded work and takes nothing away
    assert after["manual"] > before["manual"] and after["auto_notebook"] >= before["auto_notebook"]


@pytest.mark.parametrize("folder", list(COURSES))
def test_exam_papers_have_model_answers_and_rubrics(folder: str) -> None:
    manifest = _manifest(folder)
    exams = next(u for u in manifest["units"] if u["slug"] == "exams")
    assert manifest["units"][-1]["slug"] == "exams", "the Exams unit closes the course"
    acts = {a["slug"]: a for a in exams["activities"]}
    assert set(acts) == {*ASSESSMENTS, *PAPERS}
    for slug in PAPERS:
        nb = next((CONTENT / folder / acts[slug]["folder"]).glob("*.ipynb"))
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        total = manual = Decimal(0)
        for cell in cells:
            meta = cell.get("metadata", {}).get("nbgrader") or {}
            if not meta.get("grade"):
                continue
            total += Decimal(str(meta["points"]))
            if meta.get("solution"):
                manual += Decimal(str(meta["points"]))
                text = "".join(cell["source"])
                assert cell["cell_type"] == "markdown", meta["grade_id"]
                assert "Model answer." in text and f"Rubric ({meta['points']} points)" in text, meta["grade_id"]
        assert total == Decimal(str(acts[slug]["points"])), (slug, total)
        assert manual >= Decimal("0.8") * total, (slug, manual, total)


# --- import, timing, and the questions' reference answers ---------------------------------------------------------


def _reference(part: dict[str, Any], variant: dict[str, Any], perm: list[int] | None) -> Any:
    """The correct answer to ``part`` as a student submits it (choice: positions in the student's shuffled order)."""
    pid = part["id"]
    if part["type"] == "choice":
        order = perm or list(range(len(variant["options_html"][pid])))
        shown = [order.index(c) for c in variant["correct"][pid]]
        return shown if part.get("multiple") else shown[0]
    if part["type"] == "numeric":
        return repr(variant["answers"].get(pid, part.get("answer")))
    if part["type"] == "circuit":
        target = variant["answers"].get(pid, part.get("target"))
        assert isinstance(target, dict), f"part {pid}: give a target circuit so that the test has a reference answer"
        return {"qubits": target.get("qubits", part.get("qubits")), "ops": target["ops"]}
    raise AssertionError(f"part {pid}: an exam part of type {part['type']!r} has no reference answer here")


@pytest.fixture
def imported(cast):  # type: ignore[no-untyped-def]
    from courses.importer import import_course

    def load(folder: str) -> Any:
        report = import_course(CONTENT / folder, teacher=cast.teacher)
        exam_warnings = [w for w in report.warnings if "exam" in w]
        assert not exam_warnings, exam_warnings
        return report.course

    return load


@pytest.mark.django_db
@pytest.mark.integration
@pytest.mark.parametrize("folder", list(COURSES))
def test_exams_import_timed_and_every_variant_grades_reference_full_and_blank_zero(folder: str, imported) -> None:  # type: ignore[no-untyped-def]
    from assessments.sandboxed import grade_items
    from assessments.services import _check_local, definition_of, variant_of
    from courses.models import Activity, Unit

    course = imported(folder)
    unit = Unit.objects.get(course=course, slug="exams")
    assert unit.title_zh == "考试"
    acts = {a.slug: a for a in Activity.objects.filter(unit=unit)}
    assert set(acts) == {*ASSESSMENTS, *PAPERS}
    for slug in PAPERS:
        version = acts[slug].current_version
        assert acts[slug].kind == "exam" and version is not None
        assert version.facts["max_points"] == float(acts[slug].points)
        kinds = [c["kind"] for nb in version.facts["notebooks"] for c in nb["cells"]]
        assert "manual" in kinds and "autograded_test" in kinds, (slug, kinds)

    circuits: list[dict[str, Any]] = []
    checked = 0
    for slug in ASSESSMENTS:
        definition = definition_of(acts[slug].current_version)
        assert definition is not None, slug
        if slug in TIMED:
            assert acts[slug].kind == "exam"
            assert definition["attempts"] == 1 and definition["time_limit_minutes"] in (45, 90), slug
        else:
            assert acts[slug].kind == "quiz" and definition["attempts"] == "unlimited"
        assert any(q["generated"] for q in definition["questions"].values()), slug
        for qid, q in definition["questions"].items():
            for seed in range(int(q["n_variants"])):
                variant = variant_of(definition, qid, seed)
                for part in q["parts"]:
                    answer = _reference(part, variant, None)
                    if part["type"] == "circuit":
                        target = variant["answers"].get(part["id"], part.get("target"))
                        item = {
                            "type": "circuit",
                            "target": target,
                            "target_state": part.get("target_state"),
                            "mode": part.get("mode", "unitary"),
                            "limits": {
                                "qubits": part.get("qubits"),
                                "depth": part.get("max_depth"),
                                "two_qubit_gates": part.get("max_two_qubit_gates"),
                                "gates": part.get("max_gates"),
                            },
                            "gates": part.get("gates"),
                        }
                        key = f"{slug}/{qid}/{seed}/{part['id']}"
                        circuits.append({**item, "id": key, "answer": answer})
                        circuits.append({**item, "id": key + "/blank", "answer": {"qubits": part["qubits"], "ops": []}})
                        continue
                    assert _check_local(part, variant, answer, None).fraction == 1.0, (slug, qid, seed, part["id"])
                    assert _check_local(part, variant, None, None).fraction == 0.0, (slug, qid, seed, part["id"])
                    assert _check_local(part, variant, "", None).fraction == 0.0, (slug, qid, seed, part["id"])
                    checked += 1
    results = grade_items(circuits)
    for item in circuits:
        ok = bool((results.get(item["id"]) or {}).get("ok"))
        assert ok is not item["id"].endswith("/blank"), (item["id"], results.get(item["id"]))
    print(f"{folder}: {checked} numeric/choice parts and {len(circuits) // 2} circuit parts checked, every variant")
    assert checked >= 20 and circuits


@pytest.mark.django_db
@pytest.mark.integration
@pytest.mark.parametrize("folder", list(COURSES))
def test_students_answering_with_the_reference_score_full_and_blank_scores_zero(
    folder: str,
    imported,
    cast,  # type: ignore[no-untyped-def]
) -> None:
    from accounts.models import User
    from assessments.models import AttemptStatus
    from assessments.services import (
        AssessmentError,
        answer_save,
        attempt_grade,
        attempt_start,
        attempt_submit,
        definition_of,
        variant_of,
    )
    from courses.enums import Role
    from courses.models import Activity, Enrollment

    course = imported(folder)
    students = [User.objects.create_user(username=f"sem-{folder}-{i}", password="x") for i in range(4)]
    for user in (*students, cast.alice):
        Enrollment.objects.create(course=course, user=user, role=Role.STUDENT)
    for slug in TIMED:
        exam = Activity.objects.get(course=course, slug=slug)
        version = exam.current_version
        assert version is not None
        definition = definition_of(version)
        assert definition is not None
        drawn = set()
        for user in students:
            attempt = attempt_start(activity=exam, user=user)
            for item in attempt.layout:
                drawn.add(item["qid"])
                q = definition["questions"][item["qid"]]
                variant = variant_of(definition, item["qid"], item["seed"])
                for part in q["parts"]:
                    value = _reference(part, variant, item["perm"].get(part["id"]))
                    answer_save(attempt=attempt, key=f"{item['qid']}.{part['id']}", value=value, seq=1)
            attempt_submit(attempt=attempt)
            attempt = attempt_grade(attempt_id=attempt.pk)
            assert attempt.status == AttemptStatus.GRADED, (slug, attempt.results)
            assert attempt.max_score == Decimal(str(version.facts["max_points"])) > 0
            assert attempt.score == attempt.max_score, (slug, user.username, attempt.results)
            with pytest.raises(AssessmentError):  # one attempt
                attempt_start(activity=exam, user=user)
        assert len(drawn) > len(attempt.layout)  # the students did not all draw the same questions
        blank = attempt_start(activity=exam, user=cast.alice)
        attempt_submit(attempt=blank)
        blank = attempt_grade(attempt_id=blank.pk)
        assert blank.status == AttemptStatus.GRADED and blank.score == 0, blank.results
