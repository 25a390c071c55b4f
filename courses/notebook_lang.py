"""A notebook in the student's language: one notebook carries both, the student gets one.

Course notebooks keep their Simplified Chinese text in each Markdown cell's own metadata,
``metadata.liangzhi.zh`` (written by the courses' ``tools/nbbuild.py``), so nbgrader's cell ids,
solutions and hidden tests exist once for both languages. What reaches a student's lab or a
download goes through :func:`notebook_for_language`:

* a Markdown cell with a translation shows it when the language is Chinese;
* code cells, cell ids, attachments and nbgrader metadata are left exactly as they are;
* ``metadata.liangzhi.zh`` and ``metadata.liangzhi.solution`` never reach the student (the other
  language's text is noise in their notebook; a solution kept in metadata is the teacher's).

Cells nbgrader checksums keep their source text in every language: an answer cell (``solution``)
scores "no response" only while its text still matches the checksum taken at release, and locked,
graded and task cells are compared with or restored from the source notebook, which is in the
source language. nbbuild therefore writes no translation on written-answer cells (it would also be
the model answer in the student's copy); should a notebook carry one anyway, it is ignored here.
"""

from __future__ import annotations

import copy
import json
from typing import Any

# Keys of ``metadata.liangzhi`` that are for the platform and the teacher, never for the student.
PRIVATE_KEYS = ("zh", "solution")
# nbgrader flags whose cells carry a checksum over their source (or are restored from the source).
_CHECKSUMMED = ("solution", "grade", "locked", "task")


def notebook_language(lang: str | None) -> str:
    """``"zh"`` for any Chinese language code (``zh-hans``, ``zh-Hans``, ``zh-cn``, ``zh``), else ``"en"``."""
    return "zh" if (lang or "").lower().startswith("zh") else "en"


def translatable(cell: dict[str, Any]) -> bool:
    """A Markdown cell that no nbgrader checksum covers (the only kind that may change language)."""
    meta = (cell.get("metadata") or {}).get("nbgrader") or {}
    return cell.get("cell_type") == "markdown" and not any(meta.get(flag) for flag in _CHECKSUMMED)


def notebook_for_language(nb: dict[str, Any], lang: str | None) -> dict[str, Any]:
    """A copy of the notebook (nbformat 4 JSON as a dict) as a student reading ``lang`` gets it.

    Markdown cells swap to their ``metadata.liangzhi.zh`` text for Chinese; everything else is
    kept; the private ``liangzhi`` keys are removed in every language.
    """
    out = copy.deepcopy(nb)
    chinese = notebook_language(lang) == "zh"
    for cell in out.get("cells") or []:
        meta = cell.get("metadata")
        if not isinstance(meta, dict):
            continue
        ours = meta.get("liangzhi")
        if not isinstance(ours, dict):
            continue
        text = ours.get("zh")
        if chinese and isinstance(text, str) and text.strip() and translatable(cell):
            # keep the stored shape: nbformat writes a list of lines, a hand-made notebook may hold a string
            cell["source"] = text.splitlines(keepends=True) if isinstance(cell.get("source"), list) else text
        for key in PRIVATE_KEYS:
            ours.pop(key, None)
        if not ours:
            del meta["liangzhi"]
    return out


def notebook_bytes_for_language(data: bytes, lang: str | None = None) -> bytes:
    """:func:`notebook_for_language` on a notebook file's bytes; ``lang`` defaults to the active
    language (the interface language of the request being served).

    Bytes that are not a notebook (the importer refuses them, so only a broken blob) come back as
    they are: placing or downloading it fails or succeeds exactly as it did before.
    """
    if lang is None:
        from django.utils.translation import get_language

        lang = get_language()
    try:
        nb = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return data
    if not isinstance(nb, dict):
        return data
    converted = notebook_for_language(nb, lang)
    if converted == nb:  # nothing to swap or strip: the file's own bytes, byte for byte
        return data
    return (json.dumps(converted, indent=1, ensure_ascii=False) + "\n").encode()
