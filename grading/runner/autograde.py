"""The trusted side of autograding: build the notebook to run, run it in the sandbox, score it.

Django-free. nbgrader's ``autograde`` semantics, without its gradebook in reach of the
student's code:

* **Restore** (nbgrader's OverwriteCells, from the *source* notebook held by the server):
  every locked or test cell of the submission is replaced by the source cell (hidden tests
  included); answer cells keep the student's text with the source's metadata; a graded
  cell the student deleted is put back where it belongs (so later cells still work) and
  scores 0; a duplicated grade id or a cell whose metadata was made up runs as a plain cell.
* **Execute** in the sandbox (``execute.py`` under ``sandbox_run``): own uid, no network,
  limits. Only the executed outputs come back, through a nonce-framed stdout.
* **Score** here with nbgrader's own ``determine_grade`` (same rules: an error or stderr
  output is 0, a single numeric result is partial credit, else full points; an unchanged
  answer cell is 0), plus two checks nbgrader lacks: a test cell whose execute reply was
  not ``ok`` (a suppressed traceback: ``showtraceback``/``set_custom_exc`` tricks) or that
  never ran scores 0, and a *canary* cell before each test cell (``assert <a> == <b>`` with
  random values) must fail with its own message, or the kernel's assertion machinery was
  tampered with (an input transformer stripping ``assert``) and all later tests score 0.
  The canary defeats those known attacks; code written to recognise the canary's shape
  could still get past it (a known limit: tests run in the student's kernel).
* **Feedback** cells are sanitised here: hidden-test source never leaves this module
  (test cells show the student version's source; outputs of cells with hidden tests are
  reduced to the error name; any hidden-test line echoed by student code is redacted).
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .pool import WarmPool, runner_start
from .sandbox import SandboxLimits

HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class CellSpec:
    grade_id: str
    kind: str  # "autograded_test" | "manual" | "task"
    max_points: float
    hidden: bool = False
    deleted: bool = False
    index: int = -1  # position in the graded notebook


@dataclass
class GradeOutcome:
    status: str  # "graded" | "timed_out" | "memory_limit" | "error"
    cells: list[dict[str, Any]] = field(default_factory=list)
    score: float = 0.0
    max_score: float = 0.0
    feedback: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""
    log: str = ""
    retryable: bool = False
    run_seconds: float = 0.0

    @classmethod
    def failure(cls, log: str, *, retryable: bool) -> GradeOutcome:
        return cls(status="error", message="Grading failed.", log=log, retryable=retryable)


def _meta(cell: Any) -> dict[str, Any]:
    return dict((cell.get("metadata") or {}).get("nbgrader") or {})


def _kind(meta: dict[str, Any], cell_type: str) -> str | None:
    if meta.get("task"):
        return "task"
    if not meta.get("grade"):
        return None
    if meta.get("solution") or cell_type != "code":
        return "manual"
    return "autograded_test"


def hidden_lines(source_nb: Any, public_text: str = "") -> list[str]:
    """Every non-trivial line between the hidden-test markers that the student version lacks."""
    public = {line.strip() for line in public_text.splitlines()}
    lines: list[str] = []
    for cell in source_nb.cells:
        inside = False
        for line in str(cell.source).splitlines():
            if HIDDEN_BEGIN in line:
                inside = True
                continue
            if HIDDEN_END in line:
                inside = False
                continue
            if inside and len(line.strip()) >= 6 and line.strip() not in public:
                lines.append(line.strip())
    return lines


def build_notebook(
    *, source_json: str, student_json: str, submission_json: str, nonce: str
) -> tuple[Any, list[CellSpec], dict[int, str]]:
    """The notebook to execute, the graded cells, and the canary cells (index → expected message)."""
    import nbformat

    source = nbformat.reads(source_json, as_version=4)
    student = nbformat.reads(student_json, as_version=4) if student_json else None
    submitted = nbformat.reads(submission_json, as_version=4)
    src_by_id: dict[str, Any] = {}
    src_order: list[str] = []
    for cell in source.cells:
        gid = _meta(cell).get("grade_id")
        if gid:
            src_by_id[gid] = cell
            src_order.append(gid)
    released_meta: dict[str, dict[str, Any]] = {}
    if student is not None:
        for cell in student.cells:
            gid = _meta(cell).get("grade_id")
            if gid in src_by_id:
                released_meta[gid] = _meta(cell)  # includes the checksum of the blank answer

    def restored(gid: str, answer: Any | None) -> Any:
        src = src_by_id[gid]
        meta = copy.deepcopy(released_meta.get(gid) or _meta(src))
        if _meta(src).get("solution") and answer is not None:
            cell = copy.deepcopy(answer)
            if cell.cell_type != src.cell_type:  # a student turned an answer cell into another type
                cell = copy.deepcopy(src)
                cell.source = answer.source
        elif _meta(src).get("solution"):
            # a deleted answer cell: the released blank, so that it scores as "no response"
            cell = copy.deepcopy(_released_cell(student, gid) or src)
        else:
            cell = copy.deepcopy(src)
        cell.metadata["nbgrader"] = meta
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        return cell

    out: list[Any] = []
    placed: dict[str, int] = {}
    for cell in submitted.cells:
        gid = _meta(cell).get("grade_id")
        if gid in src_by_id and gid not in placed:
            placed[gid] = len(out)
            out.append(restored(gid, cell))
            continue
        plain = copy.deepcopy(cell)
        plain.metadata.pop("nbgrader", None)
        if plain.cell_type == "code":
            plain.outputs = []
            plain.execution_count = None
        out.append(plain)
    deleted = [gid for gid in src_order if gid not in placed]
    for gid in deleted:
        # Put it back after the nearest earlier source cell that is present.
        pos = src_order.index(gid)
        after = next((placed[g] for g in reversed(src_order[:pos]) if g in placed), -1)
        out.insert(after + 1, restored(gid, None))
        placed = {g: (i + 1 if i > after else i) for g, i in placed.items()}
        placed[gid] = after + 1

    # Canaries: one failing assert before each test cell, with a message only we know.
    final: list[Any] = []
    canaries: dict[int, str] = {}
    for cell in out:
        meta = _meta(cell)
        if _kind(meta, cell.cell_type) == "autograded_test":
            a = secrets.randbelow(10**6) + 1
            b = a + secrets.randbelow(10**6) + 1
            message = secrets.token_hex(8)
            canaries[len(final)] = message
            final.append(nbformat.v4.new_code_cell(f"assert {a} == {b}, {message!r}"))
        final.append(cell)
    submitted.cells = final

    specs: list[CellSpec] = []
    for index, cell in enumerate(final):
        meta = _meta(cell)
        gid = meta.get("grade_id")
        if index in canaries or not gid:
            continue
        kind = _kind(_meta(src_by_id[gid]), src_by_id[gid].cell_type)
        if kind is None:
            continue
        specs.append(
            CellSpec(
                grade_id=gid,
                kind=kind,
                max_points=float(meta.get("points", 0) or 0),
                hidden=HIDDEN_BEGIN in str(src_by_id[gid].source),
                deleted=gid in deleted,
                index=index,
            )
        )
    return submitted, specs, canaries


def _released_cell(student: Any, gid: str) -> Any | None:
    if student is None:
        return None
    return next((c for c in student.cells if _meta(c).get("grade_id") == gid), None)


def source_imports(source_json: str, *, limit: int = 20) -> str:
    """Modules the source notebook imports, comma-separated, for warming the next sandboxes."""
    import ast
    import importlib.util

    import nbformat

    names: list[str] = []
    for cell in nbformat.reads(source_json, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(str(cell.source))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            found = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found = [node.module]
            for name in found:
                top = name.split(".")[0]
                if name not in names and importlib.util.find_spec(top) is not None:
                    names.append(name)
    return ",".join(names[:limit])


def _public_text(student_json: str) -> str:
    import nbformat

    if not student_json:
        return ""
    return "\n".join(str(c.source) for c in nbformat.reads(student_json, as_version=4).cells)


def _extract(stdout: str, nonce: str) -> dict[str, Any] | None:
    begin, end = f"{nonce}:BEGIN\n", f"\n{nonce}:END"
    start = stdout.rfind(begin)
    stop = stdout.rfind(end)
    if start < 0 or stop < start:
        return None
    try:
        data = json.loads(stdout[start + len(begin) : stop])
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def _canary_ok(cell_result: dict[str, Any] | None, message: str) -> bool:
    if not cell_result or cell_result.get("reply") != "error":
        return False
    return any(
        o.get("output_type") == "error" and o.get("ename") == "AssertionError" and str(o.get("evalue")) == message
        for o in cell_result.get("outputs", [])
    )


def score_cells(
    nb: Any, specs: list[CellSpec], results: list[dict[str, Any]], canaries: dict[int, str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Per-cell scores with nbgrader's rules plus our reply/canary checks; returns (cells, notes)."""
    import logging

    import nbformat
    from nbgrader import utils as nbutils

    notes: list[str] = []
    tampered_from: int | None = None
    for index, message in sorted(canaries.items()):
        if not _canary_ok(results[index] if index < len(results) else None, message):
            ran = index < len(results) and results[index].get("reply") is not None
            if ran:
                tampered_from = index
                notes.append("the kernel's assertion handling was tampered with; tests after that point score 0")
            break
    quiet = logging.getLogger("liangzhi.autograde")
    cells: list[dict[str, Any]] = []
    for spec in specs:
        cell = nb.cells[spec.index]
        result = results[spec.index] if spec.index < len(results) else {"outputs": [], "reply": None}
        entry: dict[str, Any] = {"grade_id": spec.grade_id, "kind": spec.kind, "max_points": spec.max_points}
        if spec.kind == "task":
            entry["score"] = None
            cells.append(entry)
            continue
        if cell.cell_type == "code":
            cell.outputs = [nbformat.from_dict(o) for o in result.get("outputs", [])]
        auto, _ = nbutils.determine_grade(cell, quiet)
        reason = ""
        if spec.kind == "autograded_test":
            if spec.deleted:
                auto, reason = 0.0, "deleted"
            elif result.get("reply") is None:
                auto, reason = 0.0, "not run"
            elif result.get("reply") != "ok":
                auto, reason = 0.0, "failed"
            elif tampered_from is not None and spec.index > tampered_from:
                auto, reason = 0.0, "tampered"
            elif auto is not None and auto < spec.max_points:
                reason = "failed" if auto == 0 else "partial"
        entry["score"] = None if auto is None else float(auto)
        entry["status"] = reason or (
            "passed" if spec.kind == "autograded_test" else ("no response" if auto == 0 else "needs grading")
        )
        cells.append(entry)
    return cells, notes


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _redact(text: str, lines: list[str]) -> str:
    for line in lines:
        if line in text:
            text = text.replace(line, "[hidden test]")
    return ANSI.sub("", text)


def feedback_cells(
    nb: Any,
    student_json: str,
    specs: list[CellSpec],
    results: list[dict[str, Any]],
    canaries: dict[int, str],
    scores: list[dict[str, Any]],
    secret_lines: list[str],
) -> list[dict[str, Any]]:
    """What the student may see: sources without hidden tests, outputs redacted, scores per cell."""
    import nbformat

    released: dict[str, str] = {}
    if student_json:
        for cell in nbformat.reads(student_json, as_version=4).cells:
            gid = _meta(cell).get("grade_id")
            if gid:
                released[gid] = str(cell.source)
    by_index = {s.index: (s, sc) for s, sc in zip(specs, scores, strict=True)}
    out: list[dict[str, Any]] = []
    for index, cell in enumerate(nb.cells):
        if index in canaries:
            continue
        spec_score = by_index.get(index)
        gid = _meta(cell).get("grade_id")
        locked = bool(_meta(cell).get("locked")) or (spec_score is not None and spec_score[0].kind == "autograded_test")
        source = released.get(gid, "") if (gid and locked) else str(cell.source)
        hidden = bool(spec_score and spec_score[0].hidden)
        outputs: list[dict[str, str]] = []
        result = results[index] if index < len(results) else {"outputs": []}
        for o in result.get("outputs", []) if cell.cell_type == "code" else []:
            kind = o.get("output_type")
            if kind == "error":
                if hidden:
                    outputs.append({"kind": "error", "text": f"{o.get('ename', 'Error')} (in a hidden test)"})
                else:
                    tb = "\n".join(_text(t) for t in o.get("traceback", [])) or f"{o.get('ename')}: {o.get('evalue')}"
                    outputs.append({"kind": "error", "text": _redact(tb, secret_lines)[-6000:]})
            elif hidden:
                continue
            elif kind == "stream":
                outputs.append({"kind": "stream", "text": _redact(_text(o.get("text", "")), secret_lines)[-20000:]})
            elif kind in ("execute_result", "display_data"):
                data = o.get("data", {})
                png = data.get("image/png")
                if isinstance(png, str) and re.fullmatch(r"[A-Za-z0-9+/=\s]+", png) and len(png) < 2_000_000:
                    outputs.append({"kind": "png", "text": png.replace("\n", "")})
                elif "text/plain" in data:
                    outputs.append({"kind": "text", "text": _redact(_text(data["text/plain"]), secret_lines)[-20000:]})
        entry: dict[str, Any] = {
            "cell_type": cell.cell_type,
            "source": _redact(source, secret_lines) if cell.cell_type == "code" else source,
            "outputs": outputs,
            "hidden_tests": hidden,
        }
        if spec_score is not None:
            entry["grade"] = spec_score[1]
        out.append(entry)
    return out


def _place_files(job_dir: Path, files: dict[str, bytes]) -> None:
    """Write data files into the job folder; a path that would leave it is refused."""
    root = Path(job_dir).resolve()
    for rel, data in files.items():
        target = (root / rel).resolve()
        if root not in target.parents:
            raise ValueError(f"data file outside the job folder: {rel!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        for folder in [target.parent, *target.parent.parents]:
            if folder == root or root not in folder.parents:
                break
            folder.chmod(0o755)
        target.write_bytes(data)
        target.chmod(0o644)


def grade(
    *,
    source_json: str,
    student_json: str,
    submission_json: str,
    limits: SandboxLimits,
    work_root: Path,
    cell_timeout: float = 30.0,
    keep_job: bool = False,
    pool: WarmPool | None = None,
    allow_unsafe: bool = False,
    files: dict[str, bytes] | None = None,
) -> GradeOutcome:
    """Grade one submission end to end; never raises for anything the student's code does.

    ``files`` are the assignment's data files (path relative to the notebook → bytes), put in
    the job folder beside the notebook before it runs, as they sit beside it in the lab.
    """
    import nbformat

    nonce = secrets.token_hex(16)
    nb, specs, canaries = build_notebook(
        source_json=source_json, student_json=student_json, submission_json=submission_json, nonce=nonce
    )
    request = {
        "nonce": nonce,
        "notebook": nbformat.writes(nb),
        "cell_timeout": cell_timeout,
        "max_cell_output": min(limits.max_output_bytes // 4, 512 * 1024),
        # The whole result must fit in what the sandbox lets through stdout (errors kept on top).
        "max_total_output": limits.max_output_bytes // 2,
    }
    if pool is not None:
        # The next warm sandboxes import what this assignment imports (the teacher's source: trusted).
        pool.preload = source_imports(source_json) or pool.preload
    runner = pool.take() if pool is not None else None
    if runner is None:
        runner = runner_start(limits=limits, work_root=Path(work_root), allow_unsafe=allow_unsafe)
    try:
        _place_files(runner.job_dir, files or {})
        result = runner.process.finish(json.dumps(request).encode())
    finally:
        if not keep_job:
            shutil.rmtree(runner.job_dir, ignore_errors=True)
    frame = _extract(result.stdout, nonce)
    log_lines = [
        f"sandbox ({'warm' if runner.warm else 'cold'}): {result.status} (exit {result.exit_code}) in {result.wall_seconds:.2f} s",
        *result.notes,
    ]
    if frame:
        log_lines.append(f"runner: {frame.get('status')}")
        if frame.get("log"):
            log_lines.append(str(frame["log"]))
    if not result.isolated:
        log_lines.append("UNSAFE: graded without a sandbox (GRADING_ALLOW_UNSAFE)")
    if result.stderr.strip():
        log_lines.append("stderr:\n" + result.stderr[-8000:])
    log = "\n".join(log_lines)

    if result.status == "memory_limit":
        status, message = "memory_limit", f"Your notebook used more than {limits.memory_mb} MiB of memory."
    elif result.status == "timed_out" or (frame and frame.get("status") == "timed_out"):
        status, message = (
            "timed_out",
            "Your notebook took too long to run (a cell or the whole job hit its time limit).",
        )
    elif frame is None or frame.get("status") in ("kernel_died", "error"):
        # os._exit in the kernel, a crashed runner: never a silent score; retried, then a teacher looks.
        return GradeOutcome(
            status="error", message="Grading failed.", log=log, retryable=True, run_seconds=result.wall_seconds
        )
    else:
        status, message = "graded", ""
    results = list(frame.get("cells", [])) if frame else []
    scores, notes = score_cells(nb, specs, results, canaries)
    if notes:
        message = (message + " " + " ".join(notes)).strip()
    feedback = feedback_cells(
        nb,
        student_json,
        specs,
        results,
        canaries,
        scores,
        hidden_lines(nbformat.reads(source_json, as_version=4), _public_text(student_json)),
    )
    total = sum(c["score"] or 0 for c in scores if c.get("score") is not None)
    max_total = sum(c["max_points"] for c in scores if c["kind"] != "task")
    return GradeOutcome(
        status=status,
        cells=scores,
        score=total,
        max_score=max_total,
        feedback=feedback,
        message=message,
        log=log,
        run_seconds=result.wall_seconds,
    )
