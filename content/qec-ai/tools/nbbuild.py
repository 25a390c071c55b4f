"""This course's notebook builder: content/tools_common/nbbuild_shared.py (shared with the other generated course),
with ``save`` reading this folder's notebooks_zh.json. See nbbuild_shared for the cell helpers.
"""

from __future__ import annotations

import sys
from pathlib import Path

_SHARED = str(Path(__file__).resolve().parents[2] / "tools_common")
if _SHARED not in sys.path:
    sys.path.insert(0, _SHARED)

import nbbuild_shared  # noqa: E402
from nbbuild_shared import answer, code, locked, md, source_key, tests, written  # noqa: E402

TRANSLATIONS = Path(__file__).resolve().parent / "notebooks_zh.json"

__all__ = ["TRANSLATIONS", "answer", "code", "locked", "md", "save", "source_key", "tests", "written"]


def save(path: Path, cells: list[dict]) -> None:
    """Save a notebook with this course's Chinese Markdown (nbbuild_shared.save)."""
    nbbuild_shared.save(path, cells, TRANSLATIONS)
