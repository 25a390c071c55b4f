"""The grading worker's side of autograding: build the notebooks to run, run them, score them.

Django-free. nbgrader's ``autograde`` semantics, without the student's code in reach of the tests:

* **Restore** (nbgrader's OverwriteCells, from the *source* notebook held by the server):
  every locked or test cell of the submission is replaced by the source cell (hidden tests
  included); answer cells keep the student's text with the source's metadata; a graded
  cell the student deleted is put back where it belongs (so later cells still work) and
  scores 0; a duplicated grade id or a cell whose metadata was made up runs as a plain cell.
* **Two interpreters.** The student's notebook runs in one sandbox (``execute.py``: own uid,
  no network, limits) with every *trusted* test cell removed: a checkpoint stands in its place,
  so no test source (hidden tests included) ever enters that sandbox. The test cells run in a
  second sandbox (``trusted.py``) that never runs student code: the teacher's locked cells and the
  tests, in notebook order, interleaved with the student's side. Names the tests take from the
  notebook cross a data-only channel (``liangzhi_wire``): plain data rebuilt with exact types,
  student functions as proxies called with plain data; builtins and names the teacher's cells
  bind are the trusted side's own. This worker relays the frames between the two and keeps
  every verdict as it arrives, so a job killed by its wall-clock limit keeps what already ran.
* A test cell marked ``trusted: false`` (cell metadata ``{"liangzhi": {"trusted": false}}``: nbgrader's own
  metadata schema allows no extra key; the teacher's choice, for a test
  that needs the student's live objects) runs in the student's kernel as before, behind a
  *canary* (``assert <a> == <b>`` with random values that must fail with its own message, or the
  assertion machinery was tampered with and later such tests score 0); its outcome says
  ``trusted: False``.
* **Score** here with nbgrader's own ``determine_grade`` (an error or stderr output is 0, a
  single numeric result is partial credit, else full points; an unchanged answer cell is 0); a
  test whose reply was not ``ok`` or that never ran scores 0. Task cells count toward the
  maximum and wait for a teacher (score None). Staff get each failing test's message and line
  (``cells[i]["staff_message"]``).
* **Feedback** cells are sanitised here: hidden-test source never leaves this module
  (test cells show the student version's source; outputs of cells with hidden tests are
  reduced to the error name; any hidden-test line echoed by student code is redacted).
"""

from __future__ import annotations

import copy
import json
import queue
import re
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .liangzhi_wire import bound_names
from .pool import TRUSTED, Runner, TrustedServer, WarmPool, runner_start
from .sandbox import SandboxLimits, SandboxResult

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
    trusted: bool = True  # a test cell runs on the trusted side unless the teacher marked it trusted: false


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
    stopped_at: str = ""  # timed out: the cell that was running (its grade_id, else its first line)

    @classmethod
    def failure(cls, log: str, *, retryable: bool) -> GradeOutcome:
        return cls(status="error", message="Grading failed.", log=log, retryable=retryable)


def _stopped_at(nb: Any, results: dict[int, Any], *, wall_hit: bool) -> str:
    """The cell that was running when time ran out: a timed-out cell reports itself last; at the
    job's wall time the one after the last reported cell was running."""
    index = max(results) if results else 0
    if wall_hit and results:
        index += 1
    if not 0 <= index < len(nb.cells):
        return ""
    cell = nb.cells[index]
    gid = _meta(cell).get("grade_id")
    if gid:
        return str(gid)
    first = next((line.strip() for line in str(cell.source).splitlines() if line.strip()), "")
    return f"the cell starting {first[:60]!r}" if first else f"cell {index + 1}"


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
        if _kind(meta, cell.cell_type) == "autograded_test" and not _is_trusted(
            src_by_id.get(str(meta.get("grade_id")))
        ):
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
                trusted=kind == "autograded_test" and _is_trusted(src_by_id[gid]),
            )
        )
    return submitted, specs, canaries


def _is_trusted(source_cell: Any | None) -> bool:
    """A test cell runs on the trusted side unless its source cell's metadata says
    ``"liangzhi": {"trusted": false}`` (beside ``nbgrader``, whose schema allows no extra keys)."""
    if source_cell is None:
        return True
    ours = (source_cell.get("metadata") or {}).get("liangzhi") or {}
    return not (isinstance(ours, dict) and ours.get("trusted") is False)


def _is_setup(cell: Any) -> bool:
    """A restored teacher cell that is neither an answer nor graded: it runs on both sides."""
    meta = _meta(cell)
    return (
        cell.cell_type == "code"
        and bool(meta.get("grade_id"))
        and not meta.get("solution")
        and not meta.get("grade")
        and not meta.get("task")
    )


def trusted_split(nb: Any, specs: list[CellSpec], source_json: str) -> tuple[Any, list[dict[str, Any]], list[str]]:
    """(the notebook for the student's sandbox, the trusted side's cells, the pinned names).

    Each trusted test cell is replaced by an empty checkpoint cell (indices stay aligned); a deleted
    one by an empty cell. The trusted side runs the teacher's locked cells and the trusted tests.
    Pinned: names the teacher's cells bind and no answer cell, plain cell or untrusted test binds."""
    import nbformat

    tests = {s.index: s for s in specs if s.kind == "autograded_test" and s.trusted}
    student = copy.deepcopy(nb)
    cells: list[dict[str, Any]] = []
    for index, cell in enumerate(nb.cells):
        spec = tests.get(index)
        if spec is not None:
            marker = {} if spec.deleted else {"liangzhi_checkpoint": True}
            student.cells[index] = nbformat.v4.new_code_cell("", metadata=marker)
            if not spec.deleted:
                cells.append({"i": index, "kind": "test", "source": str(cell.source), "grade_id": spec.grade_id})
        elif _is_setup(cell):
            cells.append({"i": index, "kind": "setup", "source": str(cell.source), "grade_id": _meta(cell)["grade_id"]})
    teacher: set[str] = set()
    other: set[str] = set()
    for cell in nbformat.reads(source_json, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        meta = _meta(cell)
        kind = _kind(meta, cell.cell_type)
        names = bound_names(str(cell.source))
        if (kind == "autograded_test" and _is_trusted(cell)) or _is_setup(cell):
            teacher |= names
        else:
            other |= names
    return student, cells, sorted(teacher - other)


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
        if spec.kind == "autograded_test":
            entry["trusted"] = spec.trusted
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
        if spec.kind == "autograded_test" and reason in ("failed", "partial", "not run", "tampered", "deleted"):
            entry["staff_message"] = _staff_message(result, reason)
        entry["status"] = reason or (
            "passed" if spec.kind == "autograded_test" else ("no response" if auto == 0 else "needs grading")
        )
        cells.append(entry)
    return cells, notes


def _staff_message(result: dict[str, Any], reason: str) -> str:
    """For teachers and TAs only (it may quote a hidden test): why the test did not give full points."""
    if result.get("staff"):
        return str(result["staff"])[:2000]
    for o in result.get("outputs", []):
        if o.get("output_type") == "error":
            return f"{o.get('ename')}: {o.get('evalue')}"[:2000]
        if o.get("output_type") == "stream" and o.get("name") == "stderr":
            return "wrote to stderr: " + _text(o.get("text", ""))[:500]
    return {"not run": "the test did not run", "tampered": "assertions were tampered with", "deleted": "deleted"}.get(
        reason, reason
    )


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
            # never the staff message: it may quote a hidden test
            entry["grade"] = {k: v for k, v in spec_score[1].items() if k != "staff_message"}
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


_COMPANIONS: dict[int, TrustedServer] = {}


def _trusted_server(pool: WarmPool | None) -> TrustedServer | None:
    """The warm trusted runner that goes with a worker's student pool (one per pool)."""
    if pool is None:
        return None
    server = _COMPANIONS.get(id(pool))
    if server is None:
        server = TrustedServer(limits=pool.limits, work_root=pool.work_root, preload=pool.preload)
        _COMPANIONS[id(pool)] = server
    return server


@dataclass
class _Job:
    results: dict[int, dict[str, Any]] = field(default_factory=dict)
    end: dict[str, Any] | None = None
    frames: int = 0
    wall_hit: bool = False
    trusted_ok: bool = True  # the trusted side answered every checkpoint (else it is not reused)
    trusted_log: list[str] = field(default_factory=list)


def _frame(line: bytes, nonce: str) -> dict[str, Any] | None:
    prefix = nonce.encode() + b":"
    if not line.startswith(prefix):
        return None
    try:
        frame = json.loads(line[len(prefix) :])
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return frame if isinstance(frame, dict) else None


def _send(runner: Runner | None, frame: dict[str, Any]) -> bool:
    return runner is not None and runner.process.write(json.dumps(frame).encode() + b"\n")


def _streams(outputs: Any) -> list[dict[str, Any]]:
    """Stream outputs the student's code printed during the trusted test's calls (nothing else)."""
    if not isinstance(outputs, list):
        return []
    return [
        {"output_type": "stream", "name": o["name"], "text": o["text"]}
        for o in outputs
        if isinstance(o, dict) and o.get("name") in ("stdout", "stderr") and isinstance(o.get("text"), str)
    ]


def _run_job(
    student: Runner,
    trusted: Runner | None,
    *,
    request: dict[str, Any],
    plan: dict[str, Any] | None,
    wall_seconds: float,
) -> _Job:
    """Relay frames between the two sandboxes until the notebook ends or the wall-clock limit hits."""
    events: queue.Queue[tuple[str, bytes | None]] = queue.Queue()
    student.process.interactive(lambda line: events.put(("s", line)))
    job = _Job()
    nonce, tnonce = request["nonce"], (plan or {}).get("nonce", "")
    deadline = time.monotonic() + wall_seconds
    trusted_alive = trusted is not None
    if trusted is not None:
        trusted.process.interactive(lambda line: events.put(("t", line)))
        trusted_alive = _send(trusted, plan or {})
    _send(student, request)
    current: int | None = None  # the checkpoint being served
    extra: list[dict[str, Any]] = []  # what the student's code printed during its calls
    outstanding = 0  # requests sent to the student's side and not answered yet
    done: dict[str, Any] | None = None  # the trusted verdict, held until those answers are in

    def release() -> None:
        nonlocal current, done, extra
        if current is not None:
            if done is None:
                job.trusted_ok = False
            verdict = done or {"outputs": [], "reply": None, "staff": "the test runner stopped"}
            job.results[current] = {
                "outputs": _streams(extra) + list(verdict.get("outputs") or []),
                "reply": verdict.get("reply"),
                "staff": verdict.get("staff", ""),
            }
            job.trusted_log += [str(x) for x in verdict.get("log") or []]
        current, done, extra = None, None, []
        _send(student, {"t": "continue"})

    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            job.wall_hit = True
            break
        try:
            source, line = events.get(timeout=remaining)
        except queue.Empty:
            continue
        if line is None:
            if source == "s":
                break
            trusted_alive = False
            if current is not None and outstanding == 0:
                release()
            continue
        frame = _frame(line, nonce if source == "s" else tnonce)
        if frame is None:
            continue
        kind = frame.get("t")
        if source == "s":
            job.frames += 1
            if kind == "cell" and isinstance(frame.get("i"), int):
                job.results[frame["i"]] = {"outputs": list(frame.get("outputs") or []), "reply": frame.get("reply")}
            elif kind == "checkpoint" and isinstance(frame.get("i"), int):
                current, extra, outstanding = frame["i"], [], 0
                if not (trusted_alive and _send(trusted, {"t": "run", "i": current})):
                    release()
            elif kind == "resp":
                outstanding = max(outstanding - 1, 0)
                extra += _streams(frame.get("outputs"))
                if done is None and trusted_alive:
                    _send(trusted, {"t": "resp", "id": frame.get("id"), "data": frame.get("data")})
                elif outstanding == 0 and current is not None:
                    release()
            elif kind == "cb":
                if done is None and trusted_alive:
                    _send(trusted, {"t": "cb", "data": frame.get("data")})
                else:
                    _send(student, {"t": "cbresp", "data": json.dumps({"error": "the test has finished"})})
            elif kind == "end":
                job.end = frame
                break
        else:
            if kind == "req" and current is not None:
                outstanding += 1
                _send(student, {"t": "req", "id": frame.get("id"), "data": frame.get("data")})
            elif kind == "cbresp":
                _send(student, {"t": "cbresp", "data": frame.get("data")})
            elif kind == "gone":  # this job's trusted child ended (after quit, or died mid-test)
                trusted_alive = False
                if current is not None and done is None:
                    job.trusted_ok = False
                    if outstanding == 0:
                        release()
            elif kind == "done" and frame.get("i") == current:
                done = frame
                if outstanding == 0:
                    release()
    return job


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
    trusted: bool = True,
    trusted_server: TrustedServer | None = None,
) -> GradeOutcome:
    """Grade one submission end to end; never raises for anything the student's code does.

    ``files`` are the assignment's data files (path relative to the notebook → bytes), put in
    the job folders beside the notebook before it runs, as they sit beside it in the lab.
    ``trusted=False`` runs every test in the student's kernel (the old way; import-time
    verification compares the two).
    """
    import nbformat

    nonce, tnonce = secrets.token_hex(16), secrets.token_hex(16)
    nb, specs, canaries = build_notebook(
        source_json=source_json, student_json=student_json, submission_json=submission_json, nonce=nonce
    )
    if not trusted:
        for spec in specs:
            spec.trusted = False
        nb, specs, canaries = _with_canaries(nb, specs, canaries)
    student_nb, plan_cells, pinned = trusted_split(nb, specs, source_json)
    request = {
        "nonce": nonce,
        "notebook": nbformat.writes(student_nb),
        "cell_timeout": cell_timeout,
        "max_cell_output": min(limits.max_output_bytes // 4, 512 * 1024),
        "max_total_output": limits.max_output_bytes // 2,
    }
    needs_trusted = any(c["kind"] == "test" for c in plan_cells)
    plan: dict[str, Any] = {
        "t": "plan",
        "nonce": tnonce,
        "cell_timeout": cell_timeout,
        "pinned": pinned,
        "cells": plan_cells,
    }
    preload = source_imports(source_json)
    if pool is not None:
        # The next warm sandboxes import what this assignment imports (the teacher's source: trusted).
        pool.preload = preload or pool.preload
    server = (trusted_server or _trusted_server(pool)) if needs_trusted else None
    started = time.monotonic()
    # The trusted side is taken first (it is the one waiting on the other), both before either is awaited.
    trusted_runner: Runner | None = None
    trusted_dir: Path | None = None
    if needs_trusted:
        if server is not None:
            trusted_runner = server.take(preload)
        else:
            trusted_runner = runner_start(
                limits=limits, work_root=Path(work_root), preload=preload, allow_unsafe=allow_unsafe, script=TRUSTED
            )
        trusted_dir = trusted_runner.job_dir / f"job-{tnonce}"
        trusted_dir.mkdir(mode=0o755)
        trusted_dir.chmod(0o755)
        plan["dir"] = str(trusted_dir)
    runner = pool.take() if pool is not None else None
    if runner is None:
        runner = runner_start(limits=limits, work_root=Path(work_root), allow_unsafe=allow_unsafe)
    result: SandboxResult
    try:
        _place_files(runner.job_dir, files or {})
        if trusted_dir is not None:
            _place_files(trusted_dir, files or {})
        job = _run_job(runner, trusted_runner, request=request, plan=plan, wall_seconds=limits.wall_seconds)
        if job.wall_hit:
            runner.process.kill()
        if trusted_runner is not None:
            _send(trusted_runner, {"t": "quit"})
            if server is not None and not job.wall_hit and job.trusted_ok and trusted_runner.process.alive():
                pass  # the warm parent stays for the next job; this job's child has quit
            else:
                if server is not None:
                    server.discard()
                else:
                    if job.wall_hit or not trusted_runner.process.alive():
                        trusted_runner.process.kill()
                    # every verdict is in (or the job is over): no need to wait for it to wind down
                    tresult = trusted_runner.process.finish(None, stop=True, keep_files=keep_job)
                    if tresult.stderr.strip():
                        job.trusted_log.append("trusted stderr:\n" + tresult.stderr[-4000:])
        # The runner's last frame is in: kill its sandbox now rather than wait for the kernel's
        # graceful shutdown; the job folder's content is only kept when asked for.
        result = runner.process.finish(None, stop=job.end is not None, keep_files=keep_job)
    finally:
        if not keep_job:
            shutil.rmtree(runner.job_dir, ignore_errors=True)
            if trusted_dir is not None:
                shutil.rmtree(trusted_dir, ignore_errors=True)
            if trusted_runner is not None and server is None:
                shutil.rmtree(trusted_runner.job_dir, ignore_errors=True)
    wall = time.monotonic() - started
    end = job.end or {}
    log_lines = [
        f"sandbox ({'warm' if runner.warm else 'cold'}): {result.status} (exit {result.exit_code}) in {wall:.2f} s",
        *result.notes,
    ]
    if runner.zygote is not None:
        log_lines.append("runner: forked from the kernel zygote")
    if trusted_runner is not None:
        if server is not None:
            reused = server.jobs > 1
            log_lines.append(f"trusted side: {'forked from the warm parent' if reused else 'started for this job'}")
        else:
            log_lines.append("trusted side: started for this job")
    if end:
        log_lines.append(f"runner: {end.get('status')}")
        if end.get("log"):
            log_lines.append(str(end["log"]))
    log_lines += job.trusted_log
    if not result.isolated:
        log_lines.append("UNSAFE: graded without a sandbox (GRADING_ALLOW_UNSAFE)")
    if result.stderr.strip():
        log_lines.append("stderr:\n" + result.stderr[-8000:])
    log = "\n".join(log_lines)

    message = ""
    if result.status == "memory_limit":
        status, message = "memory_limit", f"Your notebook used more than {limits.memory_mb} MiB of memory."
    elif result.status == "disk_limit":
        # The student's notebook filled its job folder's quota: final, scored from what ran (never retried).
        status = "graded"
        message = f"Your notebook wrote more than {limits.disk_mb} MiB of files; it was stopped there and cells from that point on score 0."
    elif job.wall_hit or result.status == "timed_out" or end.get("status") == "timed_out":
        status = "timed_out"
        message = "Your notebook took too long to run (a cell or the whole job hit its time limit); tests that ran before that keep their scores."
    elif end.get("status") == "kernel_died" or (not end and job.frames > 0):
        # os._exit, the kernel killing itself or its runner: the student's doing; what ran counts.
        status = "graded"
        message = "The notebook's Python kernel stopped (for example os._exit); cells from that point on score 0."
    elif not end or end.get("status") == "error":
        return GradeOutcome(status="error", message="Grading failed.", log=log, retryable=True, run_seconds=wall)
    else:
        status = "graded"
    results = [job.results.get(i, {"outputs": [], "reply": None}) for i in range(len(nb.cells))]
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
    max_total = sum(c["max_points"] for c in scores)  # task cells count toward the maximum, as in nbgrader
    return GradeOutcome(
        stopped_at=_stopped_at(nb, job.results, wall_hit=job.wall_hit) if status == "timed_out" else "",
        status=status,
        cells=scores,
        score=total,
        max_score=max_total,
        feedback=feedback,
        message=message,
        log=log,
        run_seconds=wall,
    )


def _with_canaries(
    nb: Any, specs: list[CellSpec], canaries: dict[int, str]
) -> tuple[Any, list[CellSpec], dict[int, str]]:
    """Put a canary before every test that lacks one (all tests in the student's kernel)."""
    import nbformat

    have = {i + 1 for i in canaries}
    tests = {s.index for s in specs if s.kind == "autograded_test"}
    cells: list[Any] = []
    new_canaries: dict[int, str] = {}
    moved: dict[int, int] = {}
    for index, cell in enumerate(nb.cells):
        if index in tests and index not in have:
            a = secrets.randbelow(10**6) + 1
            b = a + secrets.randbelow(10**6) + 1
            message = secrets.token_hex(8)
            new_canaries[len(cells)] = message
            cells.append(nbformat.v4.new_code_cell(f"assert {a} == {b}, {message!r}"))
        if index in canaries:
            new_canaries[len(cells)] = canaries[index]
        moved[index] = len(cells)
        cells.append(cell)
    nb.cells = cells
    for spec in specs:
        spec.index = moved[spec.index]
    return nb, specs, new_canaries
