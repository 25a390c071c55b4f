"""The shipped courses: a quiz in every unit and a timed exam, every question verified at import (generators in the sandbox)."""

from __future__ import annotations

from pathlib import Path

import pytest

CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.mark.parametrize("folder", ["demo", "qec-ai", "qml"])
def test_course_has_quizzes_per_unit_and_a_timed_exam(folder: str, cast) -> None:  # type: ignore[no-untyped-def]
    from assessments.services import definition_of
    from courses.importer import import_course
    from courses.models import Activity, Unit

    report = import_course(CONTENT / folder, teacher=cast.teacher)
    course = report.course
    quizzes = list(Activity.objects.filter(course=course, kind="quiz"))
    assert {q.unit_id for q in quizzes} == set(Unit.objects.filter(course=course).values_list("id", flat=True))
    exams = [
        a for a in Activity.objects.filter(course=course, kind="exam") if definition_of(a.current_version) is not None
    ]
    assert exams and all(definition_of(e.current_version)["time_limit_minutes"] for e in exams)
    circuit_units = set()
    for quiz in quizzes:
        definition = definition_of(quiz.current_version)
        assert definition is not None
        if any(p["type"] == "circuit" for q in definition["questions"].values() for p in q["parts"]):
            circuit_units.add(quiz.unit_id)
        assert any(q["generated"] for q in definition["questions"].values())
    if folder != "demo":
        assert circuit_units == {q.unit_id for q in quizzes}  # a circuit question in every QEC/QML unit


def test_reference_circuits_of_the_shipped_questions_grade_correct() -> None:
    """Every target a generator or question.yaml gives is itself graded right (no impossible question)."""
    import json
    import sys

    import yaml

    sys.path.insert(0, str(CONTENT.parent / "grading" / "kernel_lib"))
    from liangzhi_checks.circuits import grade_circuit

    checked = 0
    for spec_path in sorted(CONTENT.glob("*/questions/*/question.yaml")):
        spec = yaml.safe_load(spec_path.read_text())
        for part in spec["parts"]:
            if part["type"] != "circuit":
                continue
            targets = []
            gen = spec_path.parent / "generate.py"
            if gen.exists():
                ns: dict = {}  # type: ignore[type-arg]
                exec(compile(gen.read_text(), str(gen), "exec"), ns)  # noqa: S102 (our own shipped content, in a test)
                for seed in range(spec.get("variants", 20)):
                    answer = ns["generate"](seed)["answers"].get(part["id"])
                    if answer is not None:
                        targets.append(answer)
            if part.get("target"):
                targets.append(part["target"])
            for target in targets:
                ok, message, _ = grade_circuit(
                    json.loads(json.dumps(target)),
                    target=target if "target_state" not in part else None,
                    target_state=part.get("target_state"),
                    mode=part.get("mode", "unitary"),
                    limits={"two_qubit_gates": part.get("max_two_qubit_gates"), "depth": part.get("max_depth")},
                    allowed_gates=part.get("gates"),
                )
                assert ok, f"{spec_path}: {message}"
                checked += 1
    assert checked >= 20
