"""Authoring: turn an nbgrader *source* notebook into the student version, in process.

This is nbgrader's own ``generate_assignment`` pipeline, minus the steps that need its
gradebook database (``SaveCells``) or a running kernel (``InstantiateTests``): the
student notebook is byte-for-byte what ``nbgrader generate_assignment`` would release.
The source (solutions, hidden tests) stays on the server; only the result is served.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


class AuthoringError(ValueError):
    """The source notebook breaks nbgrader's rules; ``problems`` names each cell, one line each."""

    def __init__(self, message: str, problems: list[str] | None = None, warnings: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or [message]
        self.warnings = warnings or []


@dataclass
class GradedCell:
    grade_id: str
    points: float
    kind: str  # "autograded_test" | "autograded_answer" | "manual" | "task"


@dataclass
class PreparedNotebook:
    student_json: str
    cells: list[GradedCell] = field(default_factory=list)
    # Not errors: the import goes on and reports them (e.g. a question nbgrader will blank).
    warnings: list[str] = field(default_factory=list)

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


def _where(index: int, meta: dict[str, Any]) -> str:
    gid = meta.get("grade_id") if isinstance(meta, dict) else None
    return f"cell {index + 1} ('{gid}')" if gid else f"cell {index + 1}"


def _metadata_problems(nb: Any) -> list[str]:
    """Every cell that breaks nbgrader's metadata rules, with the cause nbgrader only logs.

    nbgrader's CheckCellMetadata stops at the first bad cell and raises "the nbgrader metadata
    may be corrupted", writing the real cause (``cell 'bell-test' does not have points``) to its
    log only: a worker's log nobody reads. Each cell is checked here on its own copy.
    """
    import copy

    from nbgrader.nbgraderformat import MetadataValidator, ValidationError
    from nbgrader.nbgraderformat.common import SchemaMismatchError

    validator = MetadataValidator()
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader")
        if not meta:
            continue
        if not isinstance(meta, dict):
            problems.append(f"cell {index + 1}: the nbgrader metadata is not a mapping")
            continue
        try:
            checked = validator.upgrade_cell_metadata(copy.deepcopy(cell))
            validator.validate_cell(checked)
        except (ValidationError, SchemaMismatchError, KeyError, TypeError, ValueError) as exc:
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if isinstance(exc, KeyError):
                text = f"the nbgrader metadata lacks {exc}"
            problems.append(f"{_where(index, meta)}: {text[:300]}")
            continue
        gid = meta.get("grade_id")
        if gid and (meta.get("grade") or meta.get("solution") or meta.get("locked")):
            if gid in seen:
                problems.append(f"{_where(index, meta)}: duplicate grade_id (first used by cell {seen[gid] + 1})")
            else:
                seen[gid] = index
    return problems


_SOLUTION_MARKERS = ("### BEGIN SOLUTION", "BEGIN SOLUTION")


def _blanked_question_warnings(nb: Any) -> list[str]:
    """Answer cells whose question text nbgrader would blank for students.

    Without BEGIN/END SOLUTION markers nbgrader replaces a whole answer cell with "YOUR
    CODE/ANSWER HERE": text written in that cell (a question, an instruction) never reaches
    the student. Markdown answer cells and commented code answer cells are the usual slip.
    """
    warnings: list[str] = []
    for index, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader") or {}
        if not isinstance(meta, dict) or not meta.get("solution"):
            continue
        source = str(cell.get("source", ""))
        if not source.strip() or any(marker in source for marker in _SOLUTION_MARKERS):
            continue
        if source.strip() in ("YOUR ANSWER HERE", "YOUR CODE HERE", 'raise NotImplementedError()'):
            continue  # nbgrader's own placeholder: nothing is lost
        if cell.cell_type == "markdown":
            text = source.strip().splitlines()[0]
        else:
            comments = [line.strip() for line in source.splitlines() if line.strip().startswith("#")]
            if not comments:
                continue
            text = comments[0]
        kind = "autograded answer" if not meta.get("grade") else "answer"
        warnings.append(
            f"{_where(index, meta)}: this {kind} cell has no BEGIN/END SOLUTION markers, so nbgrader blanks all "
            f"of it for students, including the text {text[:80]!r}: put the question in a cell of its own"
        )
    return warnings


def prepare_notebook(source_json: str, *, name: str = "notebook.ipynb") -> PreparedNotebook:
    """Validate a source notebook and return the student version and its graded cells.

    Every metadata problem is reported at once (``AuthoringError.problems``), one line per cell.
    """
    import nbformat
    from nbgrader import preprocessors as p
    from nbgrader.nbgraderformat import ValidationError as NbgraderValidationError
    from traitlets.config import Config

    try:
        nb = nbformat.reads(source_json, as_version=4)
        nbformat.validate(nb)
    except (json.JSONDecodeError, nbformat.ValidationError, ValueError) as exc:
        raise AuthoringError(f"{name}: not a valid notebook: {str(exc).splitlines()[0]}") from None

    problems = _metadata_problems(nb)
    cells: list[GradedCell] = []
    for index, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta or not isinstance(meta, dict):
            continue
        grade_id = meta.get("grade_id")
        if not grade_id:
            if not any(line.startswith(f"cell {index + 1}") for line in problems):
                problems.append(f"cell {index + 1}: has nbgrader metadata but no grade_id")
            continue
        kind = _cell_kind(meta, cell.cell_type)
        if kind:
            try:
                points = float(meta.get("points", 0) or 0)
            except (TypeError, ValueError):
                problems.append(f"{_where(index, meta)}: points {meta.get('points')!r} is not a number")
                continue
            cells.append(GradedCell(grade_id=grade_id, points=points, kind=kind))
    warnings = [f"{name}: {line}" for line in _blanked_question_warnings(nb)]
    if problems:
        lines = [f"{name}: {line}" for line in problems]
        raise AuthoringError("\n".join(lines), lines, warnings)

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
    return PreparedNotebook(student_json=nbformat.writes(nb), cells=cells, warnings=warnings)


def reference_submission(source_json: str, student_json: str) -> str:
    """The student version with every answer cell filled from the source's solution (markers dropped)."""
    import nbformat

    source = {
        (c.metadata.get("nbgrader") or {}).get("grade_id"): c for c in nbformat.reads(source_json, as_version=4).cells
    }
    student = nbformat.reads(student_json, as_version=4)
    markers = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
    for cell in student.cells:
        meta = cell.metadata.get("nbgrader") or {}
        src = source.get(meta.get("grade_id"))
        if meta.get("solution") and src is not None:
            lines = [line for line in str(src.source).splitlines() if line.strip() not in markers]
            cell.source = "\n".join(lines)
    return nbformat.writes(student)


def assignment_verify(
    *,
    source_json: str,
    name: str,
    limits: Any,
    work_root: Any,
    files: dict[str, bytes] | None = None,
    cell_timeout: float = 30.0,
) -> list[str]:
    """Problems with an assignment, naming the cells: [] when it is sound.

    Runs the reference solution (every autograded test must give full marks) and the blank
    student version (every autograded test must give 0) through the sandboxed autograder, with
    the grading limits students get (``cell_timeout``: the grading cell timeout; ``limits``: the
    job's wall time and the rest). A run that times out, or that the platform failed, is run
    once more in a fresh sandbox before the assignment is refused: a busy machine must not
    refuse a sound assignment. Meant for import time; it costs two sandboxed runs (four at most).
    """
    from .runner.autograde import grade

    prepared = prepare_notebook(source_json, name=name)
    problems: list[str] = []
    runs = {
        "reference solution": reference_submission(source_json, prepared.student_json),
        "blank student version": prepared.student_json,
    }
    for label, submission in runs.items():
        for run in (1, 2):
            out = grade(
                source_json=source_json,
                student_json=prepared.student_json,
                submission_json=submission,
                limits=limits,
                work_root=work_root,
                files=files,
                cell_timeout=cell_timeout,
            )
            log.info("verify %s: %s, run %d: %s", name, label, run, out.status)
            if out.status != "timed_out" and not out.retryable:
                break
        if out.status == "timed_out":
            where = f" in {out.stopped_at}" if getattr(out, "stopped_at", "") else ""
            problems.append(
                f"{name}: the {label} timed out{where} in both of two runs (each cell may take "
                f"{cell_timeout:g} s, the whole notebook {float(limits.wall_seconds):g} s): make it faster "
                "or raise GRADING_CELL_TIMEOUT / GRADING_JOB_WALL_SECONDS"
            )
            continue
        if out.status != "graded":
            last = out.log.strip().splitlines()[-1][:200] if out.log.strip() else out.message
            problems.append(f"{name}: the {label} did not run to the end ({out.status}): {last}")
            continue
        short = {
            c["grade_id"]: c
            for c in out.cells
            if c["kind"] == "autograded_test"
            and c["score"] != (c["max_points"] if label == "reference solution" else 0.0)
        }
        if label == "reference solution" and any(c.get("trusted") for c in short.values()):
            # A test the reference fails on the trusted side but passes in the student's kernel
            # needs the student's live objects: the teacher may mark it trusted: false.
            legacy = grade(
                source_json=source_json,
                student_json=prepared.student_json,
                submission_json=submission,
                limits=limits,
                work_root=work_root,
                files=files,
                cell_timeout=cell_timeout,
                trusted=False,
            )
            passes = {c["grade_id"] for c in legacy.cells if c["score"] == c["max_points"]}
            for gid, cell in list(short.items()):
                if cell.get("trusted") and gid in passes:
                    reason = str(cell.get("staff_message") or cell.get("status") or "")[:300]
                    problems.append(
                        f"{name}: cell '{gid}' needs the student's live objects in trusted mode ({reason}); "
                        "mark it trusted: false"
                    )
                    del short[gid]
        for gid, cell in short.items():
            want = cell["max_points"] if label == "reference solution" else 0.0
            problems.append(
                f"{name}: cell {gid}: the {label} scores {cell['score']:g} of {cell['max_points']:g} (expected {want:g})"
            )
    return problems
