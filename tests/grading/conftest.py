"""Fixtures for the grading tests: the demo Bell-states assignment, and notebooks that answer it."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BELL = REPO / "content" / "demo" / "assignments" / "bell-states" / "bell-states.ipynb"


def solved(source_json: str, student_json: str, answers: dict[str, str] | None = None) -> str:
    """The student version with the reference solution (or ``answers`` by grade id) filled in."""
    import nbformat

    stu = nbformat.reads(student_json, as_version=4)
    src = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nbformat.reads(source_json, as_version=4).cells}
    for cell in stu.cells:
        meta = cell.metadata.get("nbgrader") or {}
        if meta.get("solution"):
            gid = meta["grade_id"]
            if answers and gid in answers:
                cell.source = answers[gid]
            elif not answers:
                cell.source = "\n".join(line for line in src[gid].source.splitlines() if "### " not in line)
    return nbformat.writes(stu)


def edit(nb_json: str, fn) -> str:  # type: ignore[no-untyped-def]
    import nbformat

    nb = nbformat.reads(nb_json, as_version=4)
    fn(nb)
    return nbformat.writes(nb)


@pytest.fixture(scope="session")
def bell() -> dict[str, str]:
    from grading.authoring import prepare_notebook

    source = BELL.read_text()
    student = prepare_notebook(source, name="bell-states.ipynb").student_json
    return {"source": source, "student": student, "solved": solved(source, student)}


@pytest.fixture
def bell_assignment(world, bell):  # type: ignore[no-untyped-def]
    """The demo assignment as course ``qc101`` activity ``bell`` (due in 3 days)."""
    from courses.enums import ActivityKind, FileKind
    from tests.factories import ActivityFactory, add_version, future

    act = ActivityFactory(
        unit=world.assignment.unit,
        slug="bell",
        title="Bell states",
        kind=ActivityKind.ASSIGNMENT,
        points=10,
        due_at=future(3),
    )
    version = add_version(
        act,
        files={
            "bell-states.ipynb": (FileKind.NOTEBOOK, bell["student"].encode()),
            "source/bell-states.ipynb": (FileKind.SOURCE, bell["source"].encode()),
        },
    )
    version.facts = {
        "notebooks": [
            {
                "notebook": "bell-states.ipynb",
                "cells": [
                    {"grade_id": "test_phi_plus", "points": 4, "kind": "autograded_test"},
                    {"grade_id": "test_psi_minus", "points": 4, "kind": "autograded_test"},
                    {"grade_id": "explain_entanglement", "points": 2, "kind": "manual"},
                ],
                "max_points": 10,
            }
        ],
        "max_points": 10,
    }
    version.save(update_fields=["facts"])
    return act


@pytest.fixture(autouse=True)
def _cold_by_default(settings):  # type: ignore[no-untyped-def]
    """No background warm sandboxes in the test process; test_autograde tests the pool itself."""
    settings.GRADING_WARM_POOL = 0


@pytest.fixture
def grading_settings(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path / "data"
    settings.GRADING_JOB_WALL_SECONDS = 60
    settings.GRADING_CELL_TIMEOUT = 20
    return settings
