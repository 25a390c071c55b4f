"""A course's two languages, and a notebook in the student's language (one notebook carries both).

The course's ``language`` (course.yaml) is the language of its unsuffixed files, its *source
language*; the other language is the optional translation. :func:`translation_language`,
:func:`translation_path` and :data:`BODY_FIELDS` are the one rule every part of the platform uses
(the course importer, the question importer, the activity and attempt pages, the notebook a student
gets):

==================  =========================  ==========================
course ``language``  en (the default)          zh-hans (any ``zh`` code)
==================  =========================  ==========================
lesson              ``x.md`` English,          ``x.md`` Chinese,
                    ``x.zh.md`` Chinese        ``x.en.md`` English
notebook Markdown   source English,            source Chinese,
                    ``metadata.liangzhi.zh``   ``metadata.liangzhi.en``
quiz question       ``question.md`` English,   ``question.md`` Chinese,
                    ``question.zh.md``         ``question.en.md``
==================  =========================  ==========================

The rendered text is stored by language, not by role: ``body_html`` is the English, ``body_html_zh``
the Chinese, whichever of them is the source.

Course notebooks keep the translation of each Markdown cell in the cell's own metadata,
``metadata.liangzhi.<translation language>`` (written by the courses' builders), so nbgrader's cell
ids, solutions and hidden tests exist once for both languages. What reaches a student's lab or a
download goes through :func:`notebook_for_language`:

* a Markdown cell with a text in the reader's language (``metadata.liangzhi.en`` or ``.zh``) shows
  it; without one it keeps its source text (the course's language);
* code cells, cell ids, attachments and nbgrader metadata are left exactly as they are;
* ``metadata.liangzhi.zh``, ``metadata.liangzhi.en`` and ``metadata.liangzhi.solution`` never
  reach the student (the other language's text is noise in their notebook; a solution kept in
  metadata is the teacher's).

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

# The two content languages, by their short codes (also the keys of ``metadata.liangzhi`` and the
# suffixes of translated lessons: ``x.zh.md``, ``x.en.md``).
LANGUAGES = ("en", "zh")
# Where an activity version keeps its rendered text in each language (whichever is the source).
BODY_FIELDS = {"en": "body_html", "zh": "body_html_zh"}
# Keys of ``metadata.liangzhi`` that are for the platform and the teacher, never for the student.
PRIVATE_KEYS = (*LANGUAGES, "solution")
# nbgrader flags whose cells carry a checksum over their source (or are restored from the source).
_CHECKSUMMED = ("solution", "grade", "locked", "task")


def notebook_language(lang: str | None) -> str:
    """``"zh"`` for any Chinese language code (``zh-hans``, ``zh-Hans``, ``zh-cn``, ``zh``), else ``"en"``."""
    return "zh" if (lang or "").lower().startswith("zh") else "en"


def translation_language(course_language: str | None) -> str:
    """The language of a course's translations: the one its ``language`` (the source files') is not."""
    return "en" if notebook_language(course_language) == "zh" else "zh"


def translation_path(rel: str, course_language: str | None) -> str:
    """Where a lesson's translation sits: ``lessons/intro.md`` -> ``lessons/intro.zh.md`` in an English
    course, ``lessons/intro.en.md`` in a Chinese one."""
    return language_path(rel, translation_language(course_language))


def language_path(rel: str, lang: str) -> str:
    """``lessons/intro.md`` with the language suffix ``lang`` (``"en"`` or ``"zh"``) before its extension."""
    stem, dot, ext = rel.rpartition(".")
    return f"{stem}.{lang}.{ext}" if dot else f"{rel}.{lang}"


def content_fields(course_language: str | None, reader_language: str | None) -> tuple[str, str]:
    """The version field holding the text in the reader's language, and the one holding the course's
    own (source) text, shown with a "no translation" note where the first is empty."""
    return BODY_FIELDS[notebook_language(reader_language)], BODY_FIELDS[notebook_language(course_language)]


def translatable(cell: dict[str, Any]) -> bool:
    """A Markdown cell that no nbgrader checksum covers (the only kind that may change language)."""
    meta = (cell.get("metadata") or {}).get("nbgrader") or {}
    return cell.get("cell_type") == "markdown" and not any(meta.get(flag) for flag in _CHECKSUMMED)


def notebook_for_language(nb: dict[str, Any], lang: str | None) -> dict[str, Any]:
    """A copy of the notebook (nbformat 4 JSON as a dict) as a student reading ``lang`` gets it.

    Markdown cells swap to their text in the reader's language (``metadata.liangzhi.zh`` for
    Chinese, ``metadata.liangzhi.en`` for English) where they have one: a translation is kept under
    its own language, so the rule needs no course language (the source text is the course's, and a
    cell with no text in the reader's language keeps it). Everything else is kept; the private
    ``liangzhi`` keys are removed in every language.
    """
    out = copy.deepcopy(nb)
    wanted = notebook_language(lang)
    for cell in out.get("cells") or []:
        meta = cell.get("metadata")
        if not isinstance(meta, dict):
            continue
        ours = meta.get("liangzhi")
        if not isinstance(ours, dict):
            continue
        text = ours.get(wanted)
        if isinstance(text, str) and text.strip() and translatable(cell):
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
