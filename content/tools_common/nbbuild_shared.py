"""Tiny notebook builder shared by the courses whose notebooks are generated (qec-ai, qml): the notebooks are
written as Python lists of cells in each course's tools/build_notebooks.py, then saved as .ipynb.

Each course imports it through its own tools/nbbuild.py, which binds ``save`` to that course's notebooks_zh.json.
Keeping notebooks as code makes them reviewable in diffs; the committed .ipynb files are the builders' output.
Cells:
  md(text)                       a Markdown cell
  code(src)                      an ordinary code cell (practice notebooks, set-up)
  locked(gid, src)               an nbgrader read-only code cell (imports, helpers)
  answer(gid, src)               an nbgrader solution cell; mark the solution with ### BEGIN/END SOLUTION
  tests(gid, points, src)        an nbgrader autograded test cell; hidden part in ### BEGIN/END HIDDEN TESTS
  written(gid, points, text)     a manually graded Markdown answer (solution text = the model answer)
Markdown cells get their Simplified Chinese text from the course's notebooks_zh.json (key: source_key of the
English text).
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path


def _src(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def md(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": _src(text)}


def code(src: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "source": _src(src), "outputs": [], "execution_count": None}


def _nb(gid: str, *, grade: bool, solution: bool, locked: bool, points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": gid, "locked": locked, "schema_version": 3, "solution": solution}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def locked(gid: str, src: str) -> dict:
    cell = code(src)
    cell["metadata"] = _nb(gid, grade=False, solution=False, locked=True)
    return cell


def answer(gid: str, src: str) -> dict:
    cell = code(src)
    cell["metadata"] = _nb(gid, grade=False, solution=True, locked=False)
    return cell


def tests(gid: str, points: float, src: str) -> dict:
    cell = code(src)
    cell["metadata"] = _nb(gid, grade=True, solution=False, locked=True, points=points)
    return cell


def written(gid: str, points: float, text: str) -> dict:
    cell = md("### BEGIN SOLUTION\n" + _src(text) + "\n### END SOLUTION")
    cell["metadata"] = _nb(gid, grade=True, solution=True, locked=False, points=points)
    return cell


def source_key(text: str) -> str:
    """The key of a Markdown cell's English text in notebooks_zh.json: a changed English text loses its
    translation (and the content test that wants one fails) instead of keeping a stale one."""
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:12]


def _translations(translations: Path) -> dict[str, str]:
    if not translations.is_file():
        return {}
    return {key: entry["zh"] for key, entry in json.loads(translations.read_text(encoding="utf-8")).items()}


def _kata_cells(path: Path) -> dict[str | None, list[dict]]:
    """The practice exercises of the notebook already at ``path`` (cells marked ``metadata.liangzhi.kata``,
    written in the .ipynb itself, reference solutions in their metadata), keyed by the id of the cell they follow."""
    if not path.is_file():
        return {}
    carried: dict[str | None, list[dict]] = {}
    anchor = None
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if (cell.get("metadata", {}).get("liangzhi") or {}).get("kata"):
            carried.setdefault(anchor, []).append(cell)
        else:
            anchor = cell.get("id")
    return carried


def save(path: Path, cells: list[dict], translations: Path) -> None:
    """Write ``cells`` to ``path`` as a notebook, Markdown cells translated from ``translations`` (a
    notebooks_zh.json), exercises already in the notebook at ``path`` carried over."""
    zh = _translations(translations)
    out = []
    for i, cell in enumerate(cells):
        cell = dict(cell)
        cell["id"] = hashlib.sha1(f"{path.name}:{i}".encode(), usedforsecurity=False).hexdigest()[:8]
        # Translations ride in the cell's own metadata (metadata.liangzhi.zh): one notebook, one set of
        # nbgrader ids and hidden tests for both languages. Written answers (solution cells) stay as they are.
        key = source_key(cell["source"])
        if cell["cell_type"] == "markdown" and key in zh and not cell["metadata"].get("nbgrader", {}).get("solution"):
            cell["metadata"] = {**cell["metadata"], "liangzhi": {**cell["metadata"].get("liangzhi", {}), "zh": zh[key]}}
        lines = cell["source"].splitlines(keepends=True)
        cell["source"] = lines
        out.append(cell)
    carried = _kata_cells(path)  # exercises survive a rebuild, after the same cell as before
    if carried:
        out = [*carried.get(None, []), *(c for cell in out for c in (cell, *carried.get(cell["id"], [])))]
    nb = {
        "cells": out,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
