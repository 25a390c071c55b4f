"""Per-answer feedback is stored in English by the graders (they run without Django); it is put in
the reader's language when a page shows it, for the sentences the graders write."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _


def _known() -> dict[str, str]:
    return {
        "correct": _("correct"),
        "incorrect": _("incorrect"),
        "partly correct": _("partly correct"),
        "no answer": _("no answer"),
        "choose one option": _("choose one option"),
        "invalid choice": _("invalid choice"),
        "correct (up to a global phase)": _("correct (up to a global phase)"),
        "incorrect (check the normalisation)": _("incorrect (check the normalisation)"),
        "equivalent": _("equivalent"),
        "not equivalent": _("not equivalent"),
        "the circuit prepares the target state": _("the circuit prepares the target state"),
        "the circuit prepares another state": _("the circuit prepares another state"),
        "the circuit implements the target unitary": _("the circuit implements the target unitary"),
        "the circuit implements another unitary": _("the circuit implements another unitary"),
        "checking took too long": _("checking took too long"),
    }


def _prefixes() -> dict[str, str]:
    return {
        "cannot read the answer: ": _("cannot read the answer: "),
        "cannot read the expression: ": _("cannot read the expression: "),
        "over the resource limit: ": _("over the resource limit: "),
        "gates not allowed here: ": _("gates not allowed here: "),
        "your code fails: ": _("your code fails: "),
    }


TESTS = re.compile(r"^(\d+) of (\d+) tests pass$")


def feedback_local(text: str) -> str:
    """The grader's English sentence in the reader's language (unknown text is shown as written)."""
    known = _known()
    if text in known:
        return known[text]
    match = TESTS.match(text)
    if match:
        return _("%(passed)s of %(total)s tests pass") % {"passed": match.group(1), "total": match.group(2)}
    for prefix, local in _prefixes().items():
        if text.startswith(prefix):
            return local + text[len(prefix) :]
    return text
