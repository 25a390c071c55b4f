"""Every graded answer cell of the flagship courses' assignments loses points on at least two plausible wrong answers.

The wrong answers live in ``tests/content/wrong_answers/cells/<course>_<assignment>.py`` (``WRONG``: a list of
``{"why", "cells": {answer grade_id: code}, "loses": [test grade_ids]}``), plus the one per assignment that
``test_courses.py`` grades through nbgrader itself. A wrong answer counts for a cell when it replaces that cell alone.
Each is run by ``tests.content.mutations`` in a live kernel of the instructor notebook: it must fail exactly the test
cells it names (those score zero under nbgrader) and no other test cell up to the last of them.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

from tests.content.mutations import live_notebook, notebook_cells
from tests.content.nbgrading import CONTENT
from tests.content.test_courses import _assignments, _wrong

pytestmark = [pytest.mark.integration, pytest.mark.slow]
PER_CELL = 2


def _module(course: str, name: str) -> str:
    return f"tests.content.wrong_answers.cells.{course.replace('-', '_')}_{name.replace('-', '_')}"


# the flagship courses' assignments, and the demo course's (it has no nbgrader-graded wrong answer table)
ASSIGNMENTS = [*_assignments(), ("demo", "bell-states")]


def wrong_answers(course: str, name: str) -> list[dict[str, Any]]:
    answers = [_wrong(course)[name]] if course != "demo" else []
    try:
        answers += importlib.import_module(_module(course, name)).WRONG
    except ModuleNotFoundError as exc:
        if exc.name != _module(course, name):
            raise
    return answers


def _notebook(course: str, name: str) -> Path:
    return next((CONTENT / course / "assignments" / name).glob("*.ipynb"))


@pytest.mark.parametrize(("course", "name"), ASSIGNMENTS, ids=lambda v: v)
def test_every_answer_cell_has_two_wrong_answers(course: str, name: str) -> None:
    cells = notebook_cells(_notebook(course, name))
    answers = wrong_answers(course, name)
    count = {c.grade_id: 0 for c in cells if c.answer}
    for w in answers:
        assert w["why"].strip() and w["loses"], w
        if len(w["cells"]) == 1:
            (gid,) = w["cells"]
            assert gid in count, f"{gid} is not an answer cell of {name}"
            count[gid] += 1
    short = {g: n for g, n in count.items() if n < PER_CELL}
    assert not short, f"answer cells with fewer than {PER_CELL} wrong answers: {short}"
    codes = [tuple(sorted(w["cells"].items())) for w in answers]
    assert len(codes) == len(set(codes)), "the same wrong answer twice"


@pytest.mark.parametrize(("course", "name"), ASSIGNMENTS, ids=lambda v: v)
def test_each_wrong_answer_fails_exactly_its_tests(course: str, name: str, tmp_path: Path) -> None:
    answers = wrong_answers(course, name)
    with live_notebook(_notebook(course, name).parent, tmp_path) as live:
        first = live.run_all()
        assert not first.failed, f"the reference fails {first.errors}"
        problems = []
        for w in answers:
            wrong, restored = live.try_wrong(w["cells"], w["loses"])
            if wrong.failed != set(w["loses"]):
                problems.append(
                    f"{w['why']}: failed {sorted(wrong.failed)}, should fail {sorted(w['loses'])} ({wrong.errors})"
                )
            assert not restored.failed, f"the reference put back after '{w['why']}' fails {restored.errors}"
        assert not problems, "\n".join(problems)
        print(f"{course}/{name}: {len(answers)} wrong answers, each failing its tests")


def test_the_harness_sees_a_wrong_answer_that_passes(tmp_path: Path) -> None:
    """The check can fail: a 'wrong' answer the tests do not catch, and one that breaks an unrelated test."""
    import json

    def cell(source: str, gid: str, **meta: Any) -> dict[str, Any]:
        nbgrader = {"grade_id": gid, "solution": False, "grade": False, **meta}
        return {"cell_type": "code", "source": source, "metadata": {"nbgrader": nbgrader}, "outputs": []}

    folder = tmp_path / "src" / "toy"
    folder.mkdir(parents=True)
    nb = {
        "cells": [
            cell(
                "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n",
                "double",
                solution=True,
            ),
            cell("assert double(2) == 4\n", "test_double", grade=True, points=1),
            cell("assert double(0) == 0\nassert 'half' not in dir()\n", "test_other", grade=True, points=1),
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (folder / "toy.ipynb").write_text(json.dumps(nb))
    with live_notebook(folder, tmp_path / "work") as live:
        assert not live.run_all().failed
        wrong, restored = live.try_wrong({"double": "def double(x):\n    return x + x\n"}, ["test_double"])
        assert wrong.failed == set() and wrong.passed == {"test_double"}  # not wrong at all; the stretch ends there
        assert not restored.failed
        wrong, _ = live.try_wrong({"double": "def double(x):\n    return x * x\n"}, ["test_double"])
        assert wrong.failed == set()  # 2*2 == 2**2: the visible test alone cannot tell
        wrong, _ = live.try_wrong({"double": "def double(x):\n    return 2 * x + 1\n"}, ["test_other"])
        assert wrong.failed == {"test_double", "test_other"}  # fails more than it names: the check reports it
        half = "half = 1\ndef double(x):\n    return 2 * x\n"
        wrong, restored = live.try_wrong({"double": half}, ["test_other"])
        assert wrong.failed == {"test_other"}
        assert restored.failed == {"test_other"}  # the kernel keeps `half`: a stretch runs in the live state
        with pytest.raises(KeyError):
            live.try_wrong({"test_double": "pass\n"}, ["test_other"])
