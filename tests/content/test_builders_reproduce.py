"""Every notebook of the generated courses is exactly what ``tools/build_notebooks.py`` writes.

The QEC and QML notebooks are built from Python (tools/build_notebooks.py, tools/nbbuild.py, Chinese Markdown from
tools/notebooks_zh.json). A notebook edited by hand and not in its builder is silently reverted by the next
``build_notebooks.py`` a teacher runs: two capstones lost their rules that way. So each course's builder runs, with
no arguments as a teacher runs it, in a copy of the course folder (nothing is written into the repository), and
every notebook the manifest names must be among those it writes, byte for byte equal to the committed one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.content.nbgrading import CONTENT

BUILT_COURSES = ("qec-ai", "qml")
SHARED = "tools_common"  # helpers the courses' tools import (content/tools_common), copied beside the course


def manifest_notebooks(course: Path) -> list[str]:
    """The notebooks course.yaml names, read at test time: practice ``notebook`` files and every .ipynb of an
    assignment's or exam's ``folder``, as paths relative to the course."""
    manifest = yaml.safe_load((course / "course.yaml").read_text(encoding="utf-8"))
    found: list[str] = []
    for unit in manifest["units"]:
        for activity in unit.get("activities", []):
            if activity.get("notebook"):
                found.append(activity["notebook"])
            if activity.get("folder"):
                folder = course / activity["folder"]
                notebooks = sorted(p.relative_to(course).as_posix() for p in folder.glob("*.ipynb"))
                assert notebooks, f"{activity['slug']}: no notebook in {activity['folder']}"
                found.extend(notebooks)
    return found


def rebuild(course: Path, tmp_path: Path) -> tuple[Path, set[str]]:
    """Run the course's builder with no arguments in a copy of the course folder; return the copy and the
    notebooks (relative paths) the builder wrote."""
    copy = tmp_path / "content" / course.name
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")
    shutil.copytree(course, copy, ignore=ignore)
    if (course.parent / SHARED).is_dir():
        shutil.copytree(course.parent / SHARED, copy.parent / SHARED, ignore=ignore)
    for nb in copy.rglob("*.ipynb"):  # practice notebooks keep their exercises, so they stay; mark them unwritten
        os.utime(nb, ns=(0, 0))
    proc = subprocess.run(
        [sys.executable, str(copy / "tools" / "build_notebooks.py")],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    written = {nb.relative_to(copy).as_posix() for nb in copy.rglob("*.ipynb") if nb.stat().st_mtime_ns != 0}
    return copy, written


@pytest.mark.parametrize("name", BUILT_COURSES)
def test_builder_with_no_arguments_reproduces_every_committed_notebook(name: str, tmp_path: Path) -> None:
    course = CONTENT / name
    listed = manifest_notebooks(course)
    assert len(listed) >= 14, listed  # 7 units: a practice notebook and an assignment each, at least
    copy, written = rebuild(course, tmp_path)

    assert not set(listed) - written, (
        f"the manifest names notebooks the builder does not write: {sorted(set(listed) - written)}"
    )
    uncommitted = sorted(p for p in written if not (course / p).is_file())
    assert not uncommitted, f"the builder writes notebooks that are not committed: {uncommitted}"
    differ = sorted(p for p in written if (copy / p).read_bytes() != (course / p).read_bytes())
    assert not differ, f"committed notebooks that are not what build_notebooks.py writes (edit the builder): {differ}"
