"""Grade course assignments with nbgrader itself: the reference the platform's sandboxed grader must match.

``grade_submissions`` builds a throw-away nbgrader course directory (source/, release/, submitted/),
runs ``nbgrader generate_assignment`` and ``nbgrader autograde`` from the venv's CLI (the venv's bin/ goes on
PATH because nbgrader runs alembic), and reads every cell's score back from the gradebook.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONTENT = REPO / "content"
BIN = Path(sys.executable).parent

_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


@dataclass
class CellScore:
    grade_id: str
    score: float
    max_score: float
    manual: bool


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def student_version(source_path: Path) -> dict:
    """The notebook a student receives (solutions and hidden tests stripped), via the platform's authoring code."""
    from grading.authoring import prepare_notebook

    return json.loads(prepare_notebook(source_path.read_text(encoding="utf-8"), name=source_path.name).student_json)


def filled_version(source_path: Path, replacements: dict[str, str] | None = None) -> dict:
    """The student version with every answer cell filled in: the reference solution, or ``replacements`` by grade_id."""
    replacements = dict(replacements or {})
    source = json.loads(source_path.read_text(encoding="utf-8"))
    answers = {}
    for cell in source["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            answers[meta["grade_id"]] = _MARKERS.sub("", _source(cell))
    nb = student_version(source_path)
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        gid = meta.get("grade_id")
        if meta.get("solution") and gid in answers:
            cell["source"] = replacements.pop(gid, answers[gid])
    if replacements:
        raise KeyError(f"no answer cells named {sorted(replacements)} in {source_path}")
    return nb


def grade_submissions(
    assignment_dir: Path, submissions: dict[str, dict], workdir: Path
) -> dict[str, dict[str, CellScore]]:
    """Autograde ``{student: notebook JSON}`` for the assignment folder; return ``{student: {grade_id: CellScore}}``."""
    name = assignment_dir.name
    notebooks = sorted(assignment_dir.glob("*.ipynb"))
    assert len(notebooks) == 1, f"{assignment_dir}: expected one notebook"
    nb_name = notebooks[0].name
    root = workdir / "course"
    shutil.copytree(assignment_dir, root / "source" / name)
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{root}/gradebook.db'\n"
        "c.Execute.timeout = 120\n"
        "c.Execute.kernel_name = 'python3'\n"
    )
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONHASHSEED"] = "0"
    env["OMP_NUM_THREADS"] = "1"

    def nbgrader(*args: str) -> None:
        proc = subprocess.run(
            [str(BIN / "nbgrader"), *args, "--force"], cwd=root, env=env, capture_output=True, text=True, timeout=900
        )
        if proc.returncode != 0:
            raise AssertionError(f"nbgrader {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")

    nbgrader("generate_assignment", name)
    for student, nb in submissions.items():
        target = root / "submitted" / student / name
        shutil.copytree(root / "release" / name, target)
        (target / nb_name).write_text(json.dumps(nb), encoding="utf-8")
    nbgrader("autograde", name)

    from nbgrader.api import Gradebook

    out: dict[str, dict[str, CellScore]] = {}
    with Gradebook(f"sqlite:///{root}/gradebook.db") as gb:
        for student in submissions:
            sub = gb.find_submission_notebook(nb_name.removesuffix(".ipynb"), name, student)
            out[student] = {
                g.name: CellScore(g.name, float(g.score or 0), float(g.max_score or 0), bool(g.needs_manual_grade))
                for g in sub.grades
            }
    return out
