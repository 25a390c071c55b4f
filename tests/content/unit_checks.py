"""What the per-unit content test modules (tests/content/test_qec_units_6_7.py, test_qec_units_8_9.py,
test_qec_unit_10.py and the three test_qml_unit*.py) check the same way for every unit, written once.

The functions take the course folder (``content/<course>``) and what is the unit's own (numbers, slugs, paths,
expected values); ``Units`` holds what a module's units have in common (their numbers and slugs, their plausible
wrong answers, what their notebooks must have). The modules keep their test functions, and so their test ids, and
call these for the parts that are the same in every unit: reading numbers.json and the two languages of a lesson,
loading a course tool, re-running a part of tools/make_figures.py, a notebook against its builder, a unit's entry in
course.yaml and a quiz generator.

Unit ``n`` with slug ``s`` has its lesson at ``lessons/{n:02d}-{s}.md`` (and ``.zh.md``), its practice at
``practice/{n:02d}-{s}-practice.ipynb`` (cells ``PRACTICE_{n}`` of tools/build_notebooks.py) and its assignment at
``assignments/{s}/{s}.ipynb`` (cells ``A{n}``).
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

QUESTION_TYPES = {"numeric", "choice", "circuit"}


# --- reading --------------------------------------------------------------------------------------------------------


def numbers(course: Path) -> dict[str, Any]:
    """lessons/figures/numbers.json: what tools/make_figures.py measured."""
    return json.loads((course / "lessons" / "figures" / "numbers.json").read_text())  # type: ignore[no-any-return]


def both(lesson: Path) -> list[str]:
    """The lesson in English (``x.md``) and in Chinese (``x.zh.md``), in that order."""
    return [lesson.read_text(encoding="utf-8"), lesson.with_name(lesson.stem + ".zh.md").read_text(encoding="utf-8")]


def row(text: str, start: str) -> list[str]:
    """The cells of the first table row of ``text`` that starts with ``start``."""
    line = next(x for x in text.splitlines() if x.startswith(start))
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def tex(x: float, digits: int) -> str:
    """0.00101 -> ``$1.01\\times10^{-3}$`` (digits=2): a small number as the lessons write it."""
    exp = math.floor(math.log10(x))
    return f"${x / 10**exp:.{digits}f}\\times10^{{{exp}}}$"


def spaced(k: int) -> str:
    """14867 -> ``14 867``: a count as the lessons write it."""
    return f"{k:,}".replace(",", " ")


def pm(mean: float, std: float) -> str:
    """``$0.862 \\pm 0.075$``: a mean and its spread as the lessons' tables write them."""
    return f"${mean:.3f} \\pm {std:.3f}$"


# --- the course's tools ---------------------------------------------------------------------------------------------


def tool(course: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """content/<course>/tools/<name>.py, loaded afresh with tools/ on sys.path.

    The tools import each other by bare name (``build_notebooks``, ``nbbuild``), and both courses have modules of
    those names: every one is taken out of sys.modules for the test and put back as it was when the test ends, so a
    test never sees the other course's (or a stale) copy.
    """
    tools = course / "tools"
    monkeypatch.syspath_prepend(str(tools))
    for sibling in sorted(p.stem for p in tools.glob("*.py")):
        monkeypatch.setitem(sys.modules, sibling, None)  # type: ignore[arg-type]  # records what to put back
        monkeypatch.delitem(sys.modules, sibling)
    spec = importlib.util.spec_from_file_location(f"_{course.name}_tools_{name}", tools / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_make_figures_part(
    course: Path,
    part: str,
    svg: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    needs: Iterable[str] = ("matplotlib",),
) -> None:
    """``make_figures.<part>`` run again writes numbers.json's entry ``part`` and lessons/figures/<svg>.

    Numbers must agree to round-off (:func:`same_to_roundoff`): a linear-algebra library may sum in another order
    on another machine (a 1e-17 Fourier coefficient, the last digit of an exact expectation value); every printed
    digit a lesson quotes is far above that."""
    for package in needs:
        pytest.importorskip(package)
    figs = tool(course, "make_figures", monkeypatch)
    monkeypatch.setattr(figs, "FIG", tmp_path)
    fresh: dict[str, Any] = {}
    getattr(figs, part)(fresh)
    assert same_to_roundoff(json.loads(json.dumps(fresh[part])), numbers(course)[part]), part
    assert (tmp_path / svg).read_text() == (course / "lessons" / "figures" / svg).read_text()


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def same_to_roundoff(a: Any, b: Any, rel: float = 1e-9, absolute: float = 1e-12) -> bool:
    """Equal JSON values, numbers (also those printed inside strings) within round-off."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_to_roundoff(a[k], b[k], rel, absolute) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_to_roundoff(x, y, rel, absolute) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=rel, abs_tol=absolute)
    if isinstance(a, str) and isinstance(b, str):
        if _NUMBER.sub("#", a) != _NUMBER.sub("#", b):
            return False
        xs, ys = _NUMBER.findall(a), _NUMBER.findall(b)
        # a printed number agrees when it is the same text, or both are round-off (below `absolute`)
        return all(
            x == y or (abs(float(x)) < absolute and abs(float(y)) < absolute) for x, y in zip(xs, ys, strict=True)
        )
    return bool(a == b)


def generator(course: Path, question: str) -> Callable[[int], dict[str, Any]]:
    """The ``generate(seed)`` of questions/<question>/generate.py."""
    path = course / "questions" / question / "generate.py"
    namespace: dict[str, Any] = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102 -- our own shipped content, in a test
    return namespace["generate"]  # type: ignore[no-any-return]


# --- the units of one test module: notebooks and manifest -----------------------------------------------------------


def manifest(course: Path) -> dict[str, Any]:
    return yaml.safe_load((course / "course.yaml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def slugs(course: Path) -> list[str]:
    return [u["slug"] for u in manifest(course)["units"]]


@dataclass(frozen=True)
class Units:
    """The units one test module covers, and what their notebooks must have.

    ``wrong``: the plausible wrong answers of the practice exercises, at least two each; ``exercises``: how many
    exercises a practice notebook has (``None``: exactly those of ``wrong``). ``assignment_wrong``: one plausible
    wrong submission per assignment, by slug. ``markers``: what every written answer's model answer shows the teacher
    (the rubric); ``written_points``: the points of the written answers, if fixed (else at least a quarter).
    """

    course: Path
    units: dict[int, str]  # number: slug
    wrong: dict[str, list[str]]
    assignment_wrong: dict[str, dict[str, Any]]
    exercises: range | None = range(2, 4)
    markers: tuple[str, ...] = ("Rubric",)
    written_points: int | None = None

    def notebooks(self) -> list[tuple[str, str]]:
        """(path, builder cells) of the units' practice notebooks, then of their assignments."""
        practice = [(f"practice/{n:02d}-{slug}-practice.ipynb", f"PRACTICE_{n}") for n, slug in self.units.items()]
        return practice + [(f"assignments/{slug}/{slug}.ipynb", f"A{n}") for n, slug in self.units.items()]

    def check_notebook(self, path: str, cells: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        """The notebook at ``path`` is what tools/build_notebooks.py writes from ``cells``, byte for byte; every
        Markdown cell a student reads has its Chinese text; then the practice's or the assignment's own checks."""
        build = tool(self.course, "build_notebooks", monkeypatch)
        out = tmp_path / Path(path).name
        build.save_fresh(out, getattr(build, cells))
        assert out.read_text(encoding="utf-8") == (self.course / path).read_text(encoding="utf-8")
        nb = json.loads(out.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown" and not cell["metadata"].get("nbgrader", {}).get("solution"):
                assert (cell["metadata"].get("liangzhi") or {}).get("zh", "").strip(), "".join(cell["source"])[:60]
        if path.startswith("practice/"):
            self._check_practice(nb)
        else:
            self._check_assignment(nb, Path(path).parent.name)

    def _check_practice(self, nb: dict[str, Any]) -> None:
        katas = [c["metadata"]["liangzhi"] for c in nb["cells"] if (c["metadata"].get("liangzhi") or {}).get("kata")]
        found = {k["exercise"] for k in katas}
        assert found <= set(self.wrong) and all(len(self.wrong[ex]) >= 2 for ex in found), found
        if self.exercises is None:
            assert found == set(self.wrong)
        else:
            assert len(found) in self.exercises, found

    def _check_assignment(self, nb: dict[str, Any], slug: str) -> None:
        """10 points, a quarter of them (or ``written_points``) in written answers graded by a teacher, each with its
        rubric; the plausible wrong submission replaces graded answer cells."""
        graders = [c["metadata"]["nbgrader"] for c in nb["cells"] if "nbgrader" in c["metadata"]]
        assert sum(g.get("points", 0) for g in graders) == sum(g["points"] for g in graders if g.get("grade")) == 10
        markdown = [c for c in nb["cells"] if c["cell_type"] == "markdown" and "nbgrader" in c["metadata"]]
        written = [c for c in markdown if c["metadata"]["nbgrader"].get("grade")]
        assert written and written == [c for c in markdown if c["metadata"]["nbgrader"].get("solution")]
        points = sum(c["metadata"]["nbgrader"]["points"] for c in written)
        assert points / 10 >= 0.25  # a quarter of the points read by a teacher
        if self.written_points is not None:
            assert points == self.written_points
        for marker in self.markers:
            assert all(marker in "".join(c["source"]) for c in written), marker
        assert slug in self.assignment_wrong
        answers = {g["grade_id"] for g in graders if g.get("solution")}
        assert set(self.assignment_wrong[slug]["cells"]) <= answers, answers

    def check_manifest(self, after: str | None = None) -> dict[str, dict[str, Any]]:
        """course.yaml lists the units in order, right after ``after`` if given; each has a lesson, a practice, an
        assignment worth 10 points and a quiz of 3 or 4 questions (or pools), all named in Chinese too; every question
        has its English and Chinese text, parts of the kinds the quiz player knows and choices in both languages; each
        unit's quiz has a circuit to build and a generated question. Returns the units by slug."""
        order = slugs(self.course)
        if after is not None:
            chain = [after, *self.units.values()]
            assert order[order.index(after) : order.index(after) + len(chain)] == chain
        found = {}
        for n, slug in self.units.items():
            unit = next(u for u in manifest(self.course)["units"] if u["slug"] == slug)
            assert unit["title_zh"] and unit["summary_zh"] and all(a["title_zh"] for a in unit["activities"]), slug
            acts = {a["kind"]: a for a in unit["activities"]}
            assert sorted(acts) == ["assignment", "lesson", "practice", "quiz"], slug
            assert acts["assignment"]["folder"] == f"assignments/{slug}" and acts["assignment"]["points"] == 10
            assert acts["lesson"]["file"] == f"lessons/{n:02d}-{slug}.md"
            assert acts["practice"]["notebook"] == f"practice/{n:02d}-{slug}-practice.ipynb"
            questions = acts["quiz"]["questions"]
            assert 3 <= len(questions) <= 4, slug
            names = [q for item in questions for q in (item["pool"] if isinstance(item, dict) else [item])]
            types = {kind for q in names for kind in self._question_types(q)}
            generated = [q for q in names if (self.course / "questions" / q / "generate.py").is_file()]
            assert "circuit" in types and types <= QUESTION_TYPES and generated, (slug, types, generated)
            found[slug] = unit
        return found

    def _question_types(self, name: str) -> set[str]:
        folder = self.course / "questions" / name
        spec = yaml.safe_load((folder / "question.yaml").read_text(encoding="utf-8"))
        assert spec["title_zh"] and (folder / "question.md").is_file() and (folder / "question.zh.md").is_file(), name
        for part in spec["parts"]:
            for option in part.get("options", []):
                assert " / " in option and any("\u4e00" <= ch <= "\u9fff" for ch in option), (name, option)
        return {p["type"] for p in spec["parts"]}
