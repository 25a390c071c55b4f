"""Authoring: turn an nbgrader *source* notebook into the student version, in process.

This is nbgrader's own ``generate_assignment`` pipeline, minus the steps that need its
gradebook database (``SaveCells``) or a running kernel (``InstantiateTests``): the
student notebook is byte-for-byte what ``nbgrader generate_assignment`` would release.
The source (solutions, hidden tests) stays on the server; only the result is served.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


class AuthoringError(ValueError):
    """The source notebook breaks nbgrader's rules; the message names the cell."""


@dataclass
class GradedCell:
    grade_id: str
    points: float
    kind: str  # "autograded_test" | "autograded_answer" | "manual" | "task"


@dataclass
class PreparedNotebook:
    student_json: str
    cells: list[GradedCell] = field(default_factory=list)

    @property
    def max_points(self) -> float:
        return sum(c.points for c in self.cells)


def _cell_kind(meta: dict[str, Any], cell_type: str) -> str | None:
    if meta.get("task"):
        return "task"
    if not meta.get("grade"):
        return None
    if meta.get("solution"):
        return "manual"
    return "autograded_test" if cell_type == "code" else "manual"


def prepare_notebook(source_json: str, *, name: str = "notebook.ipynb") -> PreparedNotebook:
    """Validate a source notebook and return the student version and its graded cells."""
    import nbformat
    from nbgrader import preprocessors as p
    from nbgrader.nbgraderformat import ValidationError as NbgraderValidationError
    from traitlets.config import Config

    try:
        nb = nbformat.reads(source_json, as_version=4)
        nbformat.validate(nb)
    except (json.JSONDecodeError, nbformat.ValidationError, ValueError) as exc:
        raise AuthoringError(f"{name}: not a valid notebook: {str(exc).splitlines()[0]}") from None

    cells: list[GradedCell] = []
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta:
            continue
        grade_id = meta.get("grade_id")
        if not grade_id:
            raise AuthoringError(f"{name}: cell {index + 1} has nbgrader metadata but no grade_id")
        if grade_id in seen:
            raise AuthoringError(f"{name}: duplicate grade_id {grade_id!r} (cell {index + 1})")
        seen.add(grade_id)
        kind = _cell_kind(meta, cell.cell_type)
        if kind:
            cells.append(GradedCell(grade_id=grade_id, points=float(meta.get("points", 0) or 0), kind=kind))

    config = Config()
    resources: dict[str, Any] = {"unique_key": name.rsplit(".", 1)[0], "metadata": {"path": "."}}
    pipeline = [
        p.IncludeHeaderFooter,
        p.LockCells,
        p.ClearSolutions,
        p.ClearOutput,
        p.CheckCellMetadata,
        p.ComputeChecksums,
        p.ClearHiddenTests,
        p.ClearMarkScheme,
        p.ComputeChecksums,
        p.CheckCellMetadata,
    ]
    try:
        for klass in pipeline:
            nb, resources = klass(config=config).preprocess(nb, resources)
    except (NbgraderValidationError, RuntimeError, ValueError) as exc:
        raise AuthoringError(f"{name}: {exc}") from None
    return PreparedNotebook(student_json=nbformat.writes(nb), cells=cells)
