"""Wrong answers, one answer cell at a time, in one live kernel: the per-cell check of an assignment's tests.

``nbgrading.grade_submissions`` grades whole submissions with nbgrader (reference, blank, one wrong answer): that is
the faithful check of scores, and it costs a whole notebook run per submission. Checking *every* graded answer cell
against at least two plausible wrong answers that way would cost two notebook runs per cell. This harness does the
same check by mutation instead, with the meaning nbgrader gives it (a test cell that raises scores zero, cells that
raise do not stop the notebook):

1. It runs the instructor notebook (reference answers and hidden tests; nbgrader's markers are comments) top to
   bottom in one kernel, and every test cell must pass.
2. For each wrong answer, it runs the notebook again *from the first replaced answer cell to the last test cell
   the wrong answer must fail*, with the wrong code in place of the answer cells it names, exactly as the student's
   notebook would run there, and records which test cells in that stretch raise.
3. It then restores the stretch with the reference code (and checks every test cell in it passes again), so the
   next wrong answer starts from the reference state.

A wrong answer must fail exactly the tests it names among those in its stretch: it loses points there, and does
not take down a test it has nothing to do with.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CELL_TIMEOUT = 1800  # a guard against a hung kernel, not a speed check: a busy machine must never reach it


@dataclass
class Cell:
    index: int
    source: str
    grade_id: str | None
    answer: bool  # an nbgrader solution code cell
    test: bool  # an autograded test cell with points


@dataclass
class Outcome:
    failed: set[str] = field(default_factory=set)  # test cells that raised in the stretch
    passed: set[str] = field(default_factory=set)
    errors: dict[str, str] = field(default_factory=dict)  # test id -> the error's name and value


def notebook_cells(path: Path) -> list[Cell]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = []
    for i, c in enumerate(nb["cells"]):
        if c["cell_type"] != "code":
            continue
        meta = c.get("metadata", {}).get("nbgrader", {})
        src = c.get("source", "")
        cells.append(
            Cell(
                index=i,
                source="".join(src) if isinstance(src, list) else src,
                grade_id=meta.get("grade_id"),
                answer=bool(meta.get("solution")),
                test=bool(meta.get("grade")) and not meta.get("solution") and float(meta.get("points") or 0) > 0,
            )
        )
    return cells


class LiveNotebook:
    """The instructor notebook in one kernel, started in a copy of the assignment folder."""

    def __init__(self, kernel: Any, cells: list[Cell]) -> None:
        self.kernel = kernel
        self.cells = cells

    def run(self, source: str) -> tuple[bool, str]:
        """Run one cell; (True, "") if it finished, (False, "Error: value") if it raised."""
        errors: list[str] = []

        def hook(msg: dict[str, Any]) -> None:
            if msg["msg_type"] == "error":
                errors.append(f"{msg['content']['ename']}: {msg['content']['evalue']}"[:300])

        reply = self.kernel.execute_interactive(source, timeout=CELL_TIMEOUT, output_hook=hook, allow_stdin=False)
        ok = reply["content"]["status"] == "ok"
        return ok, "" if ok else (errors[0] if errors else reply["content"].get("ename", "error"))

    def run_all(self) -> Outcome:
        return self._stretch(self.cells, {})

    def _stretch(self, cells: list[Cell], replace: dict[str, str]) -> Outcome:
        out = Outcome()
        for cell in cells:
            source = replace.get(cell.grade_id or "", cell.source) if cell.answer else cell.source
            ok, err = self.run(source)
            if cell.test and cell.grade_id:
                if ok:
                    out.passed.add(cell.grade_id)
                else:
                    out.failed.add(cell.grade_id)
                    out.errors[cell.grade_id] = err
        return out

    def stretch_for(self, replace: dict[str, str], loses: list[str]) -> list[Cell]:
        ids = [c.grade_id for c in self.cells]
        missing = [g for g in [*replace, *loses] if g not in ids]
        if missing:
            raise KeyError(f"no cells named {missing}")
        for gid in replace:
            if not self.cells[ids.index(gid)].answer:
                raise KeyError(f"{gid} is not an answer cell")
        start = min(ids.index(g) for g in replace)
        end = max(ids.index(g) for g in loses)
        if end < start:
            raise ValueError("a wrong answer's lost tests must come after the answer cells it replaces")
        return self.cells[start : end + 1]

    def try_wrong(self, replace: dict[str, str], loses: list[str]) -> tuple[Outcome, Outcome]:
        """(what the wrong answer did in its stretch, what the reference did when put back)."""
        stretch = self.stretch_for(replace, loses)
        wrong = self._stretch(stretch, replace)
        restored = self._stretch(stretch, {})
        return wrong, restored


@contextmanager
def live_notebook(assignment_dir: Path, workdir: Path) -> Iterator[LiveNotebook]:
    from jupyter_client.manager import start_new_kernel

    notebooks = sorted(assignment_dir.glob("*.ipynb"))
    assert len(notebooks) == 1, f"{assignment_dir}: expected one notebook"
    work = workdir / assignment_dir.name
    shutil.copytree(assignment_dir, work)
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(PYTHONHASHSEED="0", OMP_NUM_THREADS="1", MPLBACKEND="Agg")  # as nbgrading runs nbgrader
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(work), env=env, startup_timeout=600)
    try:
        yield LiveNotebook(kc, notebook_cells(notebooks[0]))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
