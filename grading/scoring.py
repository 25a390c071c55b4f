"""The one scoring rule: a submission's score, the attempt that counts, an activity's total.

Django-free pure functions over plain values, so that every reader applies the same rule:
the submission page and the grading gradebook (one submission at a time, through
``grading.selectors``) and the dashboard, progress page, their CSVs and charts (whole
courses in a fixed number of queries, through ``grading.analytics``). Nothing else in the
project adds up points.

The rule, as nbgrader has it (``Grade.score`` is the manual score when there is one, else the
autograder's), for one submission:

* **points** = the autograder's total (``Submission.auto_score``, already at 2 decimals) plus
  the newest manual grade of each manually graded cell (manual answers and nbgrader *task*
  cells, whose autograder score is ``None`` or 0, so a manual grade adds to the total rather
  than replacing a non-zero score);
* **late penalty**: points × (1 − penalty), penalty a fraction fixed at receipt;
* **override**: the newest staff override with a score replaces all of that (an override
  row without a score clears earlier ones);
* a submission has a score only once it is graded, timed out or over its memory limit (the
  tests that ran count); in flight or failed it has none.

**Rounding happens once**, at the end (:func:`quantize`: to 0.01, ``ROUND_HALF_UP``, so
4.25 × 0.9 = 3.825 shows as 3.83 everywhere). Sums over attempts or notebooks add the
already-rounded submission totals, which are exact at two decimals, so nothing is rounded
twice.

**Which attempt counts** is a per-activity setting (:class:`Counting`): the newest on-time
attempt (default; without any, the newest late one), the best scored one (ties: the newest),
or simply the newest. A late attempt competes with its penalty applied.

**Several notebooks** in one assignment: the attempt that counts is chosen per notebook;
the activity's score is the sum over its notebooks, its maximum the sum of their maxima.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Protocol, TypeVar

CENT = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)

# Statuses whose cells carry scores (grading.enums.SubmissionStatus values, kept as plain
# strings: this module imports nothing from Django).
SCORED_STATUSES = frozenset({"graded", "timed_out", "memory_limit"})
# Cells a teacher grades by hand: nbgrader's manually graded answers and its task cells.
MANUAL_KINDS = frozenset({"manual", "task"})


class Counting(StrEnum):
    """Which of a student's attempts counts for an activity (per activity, from the manifest)."""

    LATEST_ON_TIME = "latest_on_time"
    BEST = "best"
    LATEST = "latest"


DEFAULT_COUNTING = Counting.LATEST_ON_TIME


def counting_of(value: object) -> Counting:
    """The activity's counting setting; anything unknown or empty is the default."""
    try:
        return Counting(str(value))
    except ValueError:
        return DEFAULT_COUNTING


def quantize(value: Decimal) -> Decimal:
    """The project's only rounding of a score: to 0.01, halves up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def as_decimal(value: object) -> Decimal | None:
    """A stored number (Decimal, float from JSON, int, str) as an exact Decimal; None stays None."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    # str() first: Decimal(0.1) would carry the float's binary error into the score.
    return Decimal(str(value))


@dataclass(frozen=True, slots=True)
class SubmissionScore:
    """One submission's score under the rule, and the parts it came from."""

    total: Decimal | None  # rounded once; None while not scored
    maximum: Decimal | None
    points: Decimal | None  # before the penalty, unrounded
    manual: Decimal  # sum of the manual grades that count
    penalty: Decimal
    override: Decimal | None  # the override in force, if any
    pending: tuple[str, ...] = ()  # manually graded cells still without a score

    @property
    def overridden(self) -> bool:
        return self.override is not None


def pending_cells(cells: Iterable[Mapping[str, object]] | None, manual: Mapping[str, object]) -> tuple[str, ...]:
    """Manually graded cells with neither an autograder score nor a manual grade."""
    return tuple(
        str(c.get("grade_id"))
        for c in cells or ()
        if c.get("kind") in MANUAL_KINDS and c.get("score") is None and str(c.get("grade_id")) not in manual
    )


def submission_score(
    *,
    status: str,
    auto_score: Decimal | float | None,
    max_score: Decimal | float | None,
    penalty: Decimal | float | None,
    manual: Mapping[str, Decimal],
    override: Decimal | None,
    cells: Sequence[Mapping[str, object]] | None = None,
) -> SubmissionScore:
    """A submission's score (see the module docstring).

    ``manual`` maps grade ids to the newest manual grade of each cell (grading's services
    accept manual grades for manually graded and task cells only); ``override`` is the
    score of the newest override row (None when there is none or it cleared the earlier).
    ``cells``, when loaded, only name the cells still pending: the total never depends on
    whether they were loaded, so the bulk path (no cells) and the one-submission path agree.
    """
    pen = as_decimal(penalty) or ZERO
    manual_sum = sum(manual.values(), ZERO)
    points: Decimal | None = None
    total: Decimal | None = None
    auto = as_decimal(auto_score)
    if status in SCORED_STATUSES:
        points = (auto or ZERO) + manual_sum
        total = quantize(points * (ONE - pen))
    if override is not None:
        total = quantize(override)
    return SubmissionScore(
        total=total,
        maximum=as_decimal(max_score),
        points=points,
        manual=manual_sum,
        penalty=pen,
        override=override,
        pending=pending_cells(cells, manual) if override is None else (),
    )


def effective_cell_score(cell: Mapping[str, object], manual: Mapping[str, Decimal]) -> Decimal | None:
    """One cell's score as it counts: its manual grade (manually graded cells), else the autograder's."""
    gid = str(cell.get("grade_id", ""))
    if cell.get("kind") in MANUAL_KINDS and gid in manual:
        return manual[gid]
    return as_decimal(cell.get("score"))


def format_score(value: Decimal | float | None) -> str:
    """A score as every page and CSV prints it: at most two decimals, no trailing zeros ("3.8", "10")."""
    number = as_decimal(value)
    if number is None:
        return ""
    text = f"{quantize(number):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# ---------------------------------------------------------------------------------------
# which attempt counts


class AttemptLike(Protocol):
    """What choosing the counted attempt needs to know of an attempt."""

    @property
    def received_at(self) -> datetime: ...
    @property
    def late_seconds(self) -> int: ...
    @property
    def id(self) -> int: ...
    @property
    def total(self) -> Decimal | None: ...


A = TypeVar("A", bound=AttemptLike)


def counted_attempt(attempts: Iterable[A], counting: Counting | str = DEFAULT_COUNTING) -> A | None:
    """The attempt that counts among one student's attempts at one notebook.

    * ``latest_on_time``: the newest on-time attempt; without any, the newest late one;
    * ``best``: the scored attempt with the highest total after its late penalty (ties: the
      newest); without a scored one, the newest (it shows as in flight or failed);
    * ``latest``: the newest, on time or not.
    """
    items = sorted(attempts, key=lambda a: (a.received_at, a.id), reverse=True)
    if not items:
        return None
    mode = counting_of(counting)
    if mode == Counting.LATEST:
        return items[0]
    if mode == Counting.BEST:
        scored = [a for a in items if a.total is not None]
        if not scored:
            return items[0]
        # max() keeps the first of equal keys, and items are newest first.
        return max(scored, key=lambda a: a.total or ZERO)
    return next((a for a in items if a.late_seconds == 0), items[0])


# ---------------------------------------------------------------------------------------
# an activity's total over its notebooks


class NotebookPart(Protocol):
    """What an activity's total needs of the attempt counted for one notebook."""

    @property
    def total(self) -> Decimal | None: ...
    @property
    def maximum(self) -> Decimal | None: ...


@dataclass(slots=True)
class ActivityTotal:
    """A student's counted score for one activity: the sum over its notebooks."""

    score: Decimal | None  # None when no notebook's counted attempt is scored yet
    maximum: Decimal
    parts: dict[str, object] = field(default_factory=dict)  # notebook -> counted attempt (None: none)


def activity_total(
    counted: Mapping[str, NotebookPart | None], notebook_max: Mapping[str, Decimal | float | None]
) -> ActivityTotal:
    """Sum the counted attempts of each notebook; the maximum sums every notebook's maximum.

    ``notebook_max`` lists the activity's notebooks with their maximum from the import (the
    attempt's own maximum wins when it has one: it was graded against its version). A
    notebook without an attempt adds 0 to a scored total and its maximum to the maximum.
    Submissions answering a notebook not in ``notebook_max`` (an older version) still count.
    """
    score: Decimal | None = None
    maximum = ZERO
    names = list(notebook_max) + [n for n in counted if n not in notebook_max]
    for name in names:
        part = counted.get(name)
        part_max = (part.maximum if part is not None else None) or as_decimal(notebook_max.get(name)) or ZERO
        maximum += part_max
        if part is not None and part.total is not None:
            score = (score or ZERO) + part.total
    return ActivityTotal(score=score, maximum=maximum, parts=dict(counted))
