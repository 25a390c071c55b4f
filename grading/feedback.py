"""Feedback HTML for the student, rendered from cells the trusted runner already sanitised.

The stored HTML is language-neutral: labels (a test's outcome, "includes hidden tests",
"graded by your teacher") are written as codes in ``data-label`` attributes with the English
word as text, and ``feedback_localise`` puts the reader's words in at view time. Rows stored
before the codes existed carry the bare English word in the same spans; they are matched
by word, so they read in the viewer's language too.
"""

from __future__ import annotations

import re
from functools import partial
from html import unescape
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

# The runner's per-cell outcome codes (grading/runner/autograde.py), in the reader's language.
CELL_STATUS_LABELS = {
    "passed": _("passed"),
    "failed": _("failed"),
    "partial": _("partly passed"),
    "not run": _("not run"),
    "tampered": _("tampered with"),
    "deleted": _("deleted"),
    "no response": _("no response"),
    "needs grading": _("needs grading"),
}
CELL_KIND_LABELS = {
    "autograded_test": _("autograded test"),
    "autograded_answer": _("autograded answer"),
    "manual": _("written answer"),
    "task": _("task"),
}
_OTHER_LABELS = {
    "hidden-tests": _("includes hidden tests"),
    "teacher-graded": _("graded by your teacher"),
}
_ENGLISH_TO_CODE = {
    "includes hidden tests": "hidden-tests",
    "graded by your teacher": "teacher-graded",
}


def cell_status_label(code: object) -> str:
    """A cell's outcome code in the reader's language (an unknown code as it is)."""
    if code is None or code == "":
        return ""
    label = CELL_STATUS_LABELS.get(str(code))
    return str(label) if label is not None else str(code)


def cell_kind_label(code: object) -> str:
    if code is None or code == "":
        return ""
    label = CELL_KIND_LABELS.get(str(code))
    return str(label) if label is not None else str(code)


def label_for(code: str) -> str:
    if code.startswith("status:"):
        return cell_status_label(code.removeprefix("status:"))
    label = _OTHER_LABELS.get(code)
    return str(label) if label is not None else code


# The grading runner (Django-free, grading/runner/autograde.py) and the grading service store
# these English sentences in Submission.message; they are put in the reader's language when
# shown. A sentence not listed stays as it is.
_RUNNER_SENTENCES: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"Grading failed\."), _("Grading failed.")),
    (
        re.compile(r"Grading failed repeatedly; your teacher has been told\."),
        _("Grading failed repeatedly; your teacher has been told."),
    ),
    (re.compile(r"Grading hit a problem; trying again\."), _("Grading hit a problem; trying again.")),
    (
        re.compile(
            r"Queued: your school's grading quota for this hour is in use; grading starts in about (?P<minutes>\d+) min\."
        ),
        _("Queued: your school's grading quota for this hour is in use; grading starts in about %(minutes)s min."),
    ),
    (
        re.compile(r"Grading is paused: the grading sandbox is not available on this server\."),
        _("Grading is paused: the grading sandbox is not available on this server."),
    ),
    (
        re.compile(r"Your notebook used more than (?P<mb>\d+) MiB of memory\."),
        _("Your notebook used more than %(mb)s MiB of memory."),
    ),
    (
        re.compile(
            r"Your notebook took too long to run \(a cell or the whole job hit its time limit\); "
            r"tests that ran before that keep their scores\."
        ),
        _(
            "Your notebook took too long to run (a cell or the whole job hit its time limit); "
            "tests that ran before that keep their scores."
        ),
    ),
    (
        re.compile(
            r"The notebook's Python kernel stopped \(for example os\._exit\); cells from that point on score 0\."
        ),
        _("The notebook's Python kernel stopped (for example os._exit); cells from that point on score 0."),
    ),
    (
        re.compile(r"the kernel's assertion handling was tampered with; tests after that point score 0"),
        _("the kernel's assertion handling was tampered with; tests after that point score 0"),
    ),
]


def runner_message_localise(message: str) -> str:
    """A stored grading message with its known sentences in the active language."""
    if not message:
        return message
    for pattern, label in _RUNNER_SENTENCES:
        message = pattern.sub(partial(_sentence, label), message)
    return message


def _sentence(label: Any, match: re.Match[str]) -> str:
    groups = match.groupdict()
    return str(label) % groups if groups else str(label)


def feedback_render(*, cells: list[dict[str, Any]], message: str = "") -> str:
    """Static HTML: markdown through the site's sanitiser, everything else escaped by the template.

    Rendered in English whatever language the grading request had: the stored copy is read
    by readers of every language, through feedback_localise.
    """
    from courses.rendering import markdown_to_html

    prepared = []
    for cell in cells:
        item = dict(cell)
        if cell.get("cell_type") == "markdown":
            item["html"] = markdown_to_html(str(cell.get("source", "")))
        prepared.append(item)
    with translation.override("en"):
        return render_to_string("grading/_feedback_body.html", {"cells": prepared, "message": message})


_LABELLED = re.compile(r'(<span\b[^>]*\bdata-label="([a-z:\- ]+)"[^>]*>)([^<]*)(</span>)')
# Rows stored before data-label: the outcome was the only text of a "muted small" span, the two
# other labels had fixed English text.
_OLD_STATUS = re.compile(
    r'(<span class="muted small">)(' + "|".join(re.escape(k) for k in CELL_STATUS_LABELS) + r")(</span>)"
)
_OLD_OTHER = re.compile(r"(<span class=\"(?:badge badge-muted|muted)\">)(" + "|".join(_ENGLISH_TO_CODE) + r")")


_NOTICE = re.compile(r'(<p class="notice">)([^<]*)(</p>)')


def feedback_localise(html: str) -> str:
    """Stored feedback HTML with its labels in the active language."""
    if not html:
        return html
    html = _LABELLED.sub(lambda m: m.group(1) + escape(label_for(m.group(2))) + m.group(4), html)
    html = _NOTICE.sub(lambda m: m.group(1) + escape(runner_message_localise(unescape(m.group(2)))) + m.group(3), html)
    html = _OLD_STATUS.sub(lambda m: m.group(1) + escape(cell_status_label(m.group(2))) + m.group(3), html)
    return _OLD_OTHER.sub(lambda m: m.group(1) + escape(label_for(_ENGLISH_TO_CODE[m.group(2)])), html)
