"""The one scoring rule (grading.scoring): rounding, penalty, override, counted attempt, notebooks.

The agreement test renders every page and CSV that shows a score for the same submissions
(rounding edges included) and checks they all print the same number.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from grading import scoring
from grading.scoring import Counting

D = Decimal

# ---------------------------------------------------------------------------------------
# the rule on plain values


def test_the_two_old_formulas_disagree_on_a_late_partial_score() -> None:
    """The bug this rule replaces: 4.25 points, 10 % late penalty (3.825 exactly)."""
    old_submission_page = ((D("4.25") + 0) * (1 - D("0.1"))).quantize(D("0.01"))  # banker's rounding
    old_dashboard = round((4.25 + 0) * (1.0 - 0.1), 2)  # binary float
    assert (str(old_submission_page), old_dashboard) == ("3.82", 3.83)


@pytest.mark.parametrize(
    ("auto", "manual", "penalty", "expected"),
    [
        ("4.25", {}, "0.1", "3.83"),  # 3.825: halves go up (banker's rounding said 3.82)
        ("4.75", {}, "0.3", "3.33"),  # 3.325: floats say 3.3249999… → 3.32
        ("1.15", {"q3": "1.5"}, "0.5", "1.33"),  # manual grade added before the penalty
        ("10", {}, "0", "10.00"),
        ("0.01", {}, "0.5", "0.01"),  # 0.005 rounds up, never to zero
    ],
)
def test_submission_score_rounds_once_half_up(auto: str, manual: dict[str, str], penalty: str, expected: str) -> None:
    result = scoring.submission_score(
        status="graded",
        auto_score=D(auto),
        max_score=D(10),
        penalty=D(penalty),
        manual={k: D(v) for k, v in manual.items()},
        override=None,
    )
    assert result.total == D(expected) and str(result.total) == expected


def test_override_replaces_everything_and_unscored_statuses_have_no_total() -> None:
    kwargs: dict[str, Any] = {"auto_score": D(4), "max_score": D(10), "penalty": D("0.5"), "manual": {}}
    assert scoring.submission_score(status="graded", override=D("9.5"), **kwargs).total == D("9.5")
    assert scoring.submission_score(status="graded", override=D("9.5"), **kwargs).overridden
    assert scoring.submission_score(status="running", override=None, **kwargs).total is None
    assert scoring.submission_score(status="error", override=None, **kwargs).total is None
    # a job that hit a limit keeps the points of the tests that ran
    assert scoring.submission_score(status="timed_out", override=None, **kwargs).total == D(2)


def test_manual_grades_of_task_cells_count_and_pending_is_named() -> None:
    cells = [
        {"grade_id": "t1", "kind": "autograded_test", "max_points": 3, "score": 3.0},
        {"grade_id": "m1", "kind": "manual", "max_points": 2, "score": None},
        {"grade_id": "task1", "kind": "task", "max_points": 5, "score": None},
    ]
    result = scoring.submission_score(
        status="graded",
        auto_score=D(3),
        max_score=D(10),
        penalty=D(0),
        manual={"task1": D(4)},
        override=None,
        cells=cells,
    )
    assert (result.total, result.manual, result.pending) == (D(7), D(4), ("m1",))
    assert scoring.effective_cell_score(cells[2], {"task1": D(4)}) == D(4)
    assert scoring.effective_cell_score(cells[0], {"t1": D(1)}) == D(3)


@pytest.mark.parametrize(
    ("value", "text"), [(D("3.80"), "3.8"), (D("10.00"), "10"), (D("0"), "0"), (3.825, "3.83"), (None, "")]
)
def test_format_score_prints_at_most_two_decimals(value: Any, text: str) -> None:
    assert scoring.format_score(value) == text


@dataclass
class _A:
    id: int
    received_at: datetime
    late_seconds: int
    total: Decimal | None


T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _attempts() -> list[_A]:
    return [
        _A(1, T0, 0, D(6)),
        _A(2, T0 + timedelta(hours=1), 0, D(4)),  # newest on time
        _A(3, T0 + timedelta(days=2), 3600, D("7.2")),  # late, best after its penalty
        _A(4, T0 + timedelta(days=3), 7200, None),  # newest, still grading
    ]


@pytest.mark.parametrize(
    ("counting", "expected"), [(Counting.LATEST_ON_TIME, 2), (Counting.BEST, 3), (Counting.LATEST, 4), ("bogus", 2)]
)
def test_counted_attempt_per_mode(counting: str, expected: int) -> None:
    chosen = scoring.counted_attempt(_attempts(), counting)
    assert chosen is not None and chosen.id == expected


def test_counted_attempt_edges() -> None:
    assert scoring.counted_attempt([], Counting.BEST) is None
    only_late = [_A(1, T0, 10, D(1)), _A(2, T0 + timedelta(hours=1), 20, D(0))]
    assert scoring.counted_attempt(only_late, Counting.LATEST_ON_TIME).id == 2  # type: ignore[union-attr]
    ties = [_A(1, T0, 0, D(5)), _A(2, T0 + timedelta(hours=1), 0, D(5))]
    assert scoring.counted_attempt(ties, Counting.BEST).id == 2  # type: ignore[union-attr]  # ties: the newest
    unscored = [_A(1, T0, 0, None), _A(2, T0 + timedelta(hours=1), 0, None)]
    assert scoring.counted_attempt(unscored, Counting.BEST).id == 2  # type: ignore[union-attr]


@dataclass
class _Part:
    total: Decimal | None
    maximum: Decimal | None


def test_activity_total_sums_notebooks_and_their_maxima() -> None:
    total = scoring.activity_total(
        {"problem1.ipynb": _Part(D("3.83"), D(6)), "problem2.ipynb": None},
        {"problem1.ipynb": D(6), "problem2.ipynb": D(4)},
    )
    assert (total.score, total.maximum) == (D("3.83"), D(10))
    total = scoring.activity_total(
        {"problem1.ipynb": _Part(D("3.83"), D(6)), "problem2.ipynb": _Part(D("2.5"), D(4))},
        {"problem1.ipynb": D(6), "problem2.ipynb": D(4)},
    )
    assert (total.score, total.maximum) == (D("6.33"), D(10))
    nothing_scored = scoring.activity_total({"a": _Part(None, D(6))}, {"a": D(6), "b": D(4)})
    assert (nothing_scored.score, nothing_scored.maximum) == (None, D(10))


# ---------------------------------------------------------------------------------------
# the rule through the database: counting modes, late policies, several notebooks


def _activity(
    world: Any,
    slug: str,
    *,
    notebooks: dict[str, int],
    counting: str = "latest_on_time",
    late_policy: dict[str, Any] | None = None,
    due: datetime | None = None,
) -> Any:
    from courses.enums import ActivityKind, FileKind
    from tests.factories import ActivityFactory, add_version

    act = ActivityFactory(
        unit=world.assignment.unit,
        slug=slug,
        title=f"Edge {slug}",
        kind=ActivityKind.ASSIGNMENT,
        points=sum(notebooks.values()),
        due_at=due or timezone.now() - timedelta(days=1),
        counting=counting,
        options={"late_policy": late_policy} if late_policy else {},
    )
    files = {}
    for name in notebooks:
        files[name] = (FileKind.NOTEBOOK, b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    version = add_version(act, files=files)
    version.facts = {
        "notebooks": [
            {
                "notebook": name,
                "cells": [
                    {"grade_id": f"{name}-q1", "points": pts - 2, "kind": "autograded_test"},
                    {"grade_id": f"{name}-q2", "points": 2, "kind": "manual"},
                ],
                "max_points": pts,
            }
            for name, pts in notebooks.items()
        ],
        "max_points": sum(notebooks.values()),
    }
    version.save(update_fields=["facts"])
    return act


def _sub(
    act: Any, user: Any, *, at: datetime, auto: str, maximum: int, notebook: str = "", status: str = "graded"
) -> Any:
    """A graded submission received at ``at``, late and penalised as the activity's policy says."""
    from grading.services import lateness_at
    from tests.dashboard.builders import submission

    late = lateness_at(activity=act, user=user, at=at)
    sub = submission(
        activity=act,
        user=user,
        received_at=at,
        status=status,
        auto_score=float(auto),
        max_score=maximum,
        late_seconds=late.late_seconds,
        penalty=str(late.penalty),
    )
    if notebook:
        type(sub).objects.filter(pk=sub.pk).update(filename=notebook)
    return sub


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("counting", "expected"),
    [("latest_on_time", "4"), ("best", "7.2"), ("latest", "3")],
)
def test_counting_modes_with_a_late_best_attempt_under_the_penalty_policy(
    world: Any, cast: Any, counting: str, expected: str
) -> None:
    """10 %/day: the late 8-point attempt competes as 7.2; the newest is 3.75 two days late (× 0.8 = 3)."""
    from grading.selectors import activity_result

    due = timezone.now() - timedelta(days=3)
    act = _activity(
        world,
        f"pen-{counting.replace('_', '-')}",
        notebooks={"hw.ipynb": 10},
        counting=counting,
        late_policy={"mode": "penalty", "per_day": 0.1},
        due=due,
    )
    _sub(act, cast.alice, at=due - timedelta(hours=5), auto="6", maximum=10)
    _sub(act, cast.alice, at=due - timedelta(hours=1), auto="4", maximum=10)
    _sub(act, cast.alice, at=due + timedelta(hours=2), auto="8", maximum=10)  # 1 day late: ×0.9
    last = _sub(act, cast.alice, at=due + timedelta(hours=30), auto="3.75", maximum=10)  # 2 days: ×0.8
    result = activity_result(activity=act, user=cast.alice)
    assert result is not None
    want = {"latest_on_time": D(4), "best": D("7.2"), "latest": D(3)}[counting]
    assert result.score == want and scoring.format_score(result.score) == expected
    if counting == "latest":
        assert result.id == last.pk and result.is_late


@pytest.mark.django_db
def test_best_under_the_accept_policy_counts_a_late_attempt_in_full(world: Any, cast: Any) -> None:
    from grading.selectors import activity_result

    due = timezone.now() - timedelta(days=3)
    act = _activity(world, "acc-best", notebooks={"hw.ipynb": 10}, counting="best", due=due)  # no policy: accept
    _sub(act, cast.alice, at=due - timedelta(hours=1), auto="6", maximum=10)
    late = _sub(act, cast.alice, at=due + timedelta(days=2), auto="9", maximum=10)
    assert late.penalty == 0 and late.late_seconds > 0
    result = activity_result(activity=act, user=cast.alice)
    assert result is not None and result.id == late.pk and result.score == D(9)


@pytest.mark.django_db
def test_best_under_the_cutoff_policy_never_sees_a_refused_late_attempt(world: Any, cast: Any, bell: Any) -> None:
    """Cutoff: the late attempt is refused at the door, so the best on-time one counts."""
    from grading.selectors import activity_result
    from grading.services import SubmissionRejected, submission_receive

    due = timezone.now() - timedelta(hours=1)
    act = _activity(
        world, "cut-best", notebooks={"hw.ipynb": 10}, counting="best", late_policy={"mode": "cutoff"}, due=due
    )
    _sub(act, cast.alice, at=due - timedelta(hours=2), auto="5", maximum=10)
    _sub(act, cast.alice, at=due - timedelta(hours=1), auto="3", maximum=10)
    with pytest.raises(SubmissionRejected):
        submission_receive(
            user=cast.alice, activity=act, data=bell["solved"].encode(), source="upload", idempotency_key="late"
        )
    result = activity_result(activity=act, user=cast.alice)
    assert result is not None and result.score == D(5) and not result.is_late


@pytest.mark.django_db
def test_several_notebooks_sum_their_counted_attempts(world: Any, cast: Any) -> None:
    from grading import analytics
    from grading.selectors import activity_result, gradebook_rows

    due = timezone.now() + timedelta(days=1)
    act = _activity(world, "ps1", notebooks={"problem1.ipynb": 6, "problem2.ipynb": 4}, counting="best", due=due)
    now = timezone.now()
    _sub(act, cast.alice, at=now - timedelta(hours=3), auto="5", maximum=6, notebook="problem1.ipynb")
    _sub(act, cast.alice, at=now - timedelta(hours=2), auto="2", maximum=6, notebook="problem1.ipynb")
    _sub(act, cast.alice, at=now - timedelta(hours=1), auto="3.5", maximum=4, notebook="problem2.ipynb")
    _sub(act, cast.bob, at=now - timedelta(hours=1), auto="4", maximum=4, notebook="problem2.ipynb")
    alice = activity_result(activity=act, user=cast.alice)
    bob = activity_result(activity=act, user=cast.bob)
    assert alice is not None and (alice.score, alice.max_score, len(alice.parts)) == (D("8.5"), D(10), 2)
    # bob handed in one notebook: it counts, the other adds its maximum
    assert bob is not None and (bob.score, bob.max_score) == (D(4), D(10))
    rows = {r.user.username: r for r in gradebook_rows(activity=act)}
    assert (rows["alice"].total, rows["bob"].total, rows["charlie"].total) == (D("8.5"), D(4), None)
    grades = analytics.course_grades(activity_ids=[act.pk])
    assert grades.counted(cast.alice.pk, act.pk).score == D("8.5")  # type: ignore[union-attr]


# ---------------------------------------------------------------------------------------
# every page and CSV agrees


_NUM = r"(\d+(?:\.\d+)?)"


def _csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200 and response.content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.django_db
def test_every_page_and_csv_shows_the_same_scores(client: Any, world: Any, cast: Any) -> None:
    """Rounding edges (late penalties on partial scores), a manual grade, an override, two notebooks."""
    from grading.models import ManualGrade, Override

    due = timezone.now() - timedelta(days=2)
    act = _activity(
        world, "edge", notebooks={"edge.ipynb": 10}, late_policy={"mode": "penalty", "per_day": 0.1}, due=due
    )
    # alice: 4.25 one day late (×0.9) = 3.825 → 3.83 (the old submission page said 3.82)
    a = _sub(act, cast.alice, at=due + timedelta(hours=1), auto="4.25", maximum=10)
    # bob: 4.75 three days late (×0.7) = 3.325 → 3.33 (floats and banker's rounding: 3.32)
    b = _sub(act, cast.bob, at=due + timedelta(days=2, hours=1), auto="4.75", maximum=10)
    # charlie: 1.15 + manual 1.5, five days late (×0.5) = 1.325 → 1.33; a second attempt overridden to 2.5
    c = _sub(act, cast.charlie, at=due + timedelta(days=4, hours=1), auto="1.15", maximum=10)
    ManualGrade.objects.create(submission=c, grade_id="edge.ipynb-q2", score=D("1.5"), graded_by=cast.teacher)
    assert (a.penalty, b.penalty, c.penalty) == (D("0.1"), D("0.3"), D("0.5"))
    expected = {"alice": "3.83", "bob": "3.33", "charlie": "1.33"}
    subs = {"alice": a, "bob": b, "charlie": c}

    client.force_login(cast.teacher)
    # 1. the submission page (staff and the student themself)
    for name, sub in subs.items():
        page = client.get(reverse("grading:submission", args=["qc101", sub.pk])).content.decode()
        assert re.search(rf'data-testid="score">{_NUM} / 10', page).group(1) == expected[name], name  # type: ignore[union-attr]
    # 2. the activity's gradebook, screen and CSV
    page = client.get(reverse("grading:gradebook", args=["qc101", "edge"])).content.decode()
    for name in subs:
        row = re.search(rf'data-student="{name}".*?data-testid="total">{_NUM} / 10', page, re.S)
        assert row is not None and row.group(1) == expected[name], name
    rows = {r["username"]: r for r in _csv(client.get(reverse("grading:gradebook_csv", args=["qc101", "edge"])))}
    assert {n: rows[n]["total"] for n in subs} == expected
    # 3. the course gradebook (dashboard), screen and CSV
    page = client.get(reverse("dashboard:gradebook", args=["qc101"])).content.decode()
    for name in subs:
        cell = re.search(rf'data-student="{name}".*?<td class="num" data-activity="edge">{_NUM}', page, re.S)
        assert cell is not None and cell.group(1) == expected[name], name
    rows = {r["username"]: r for r in _csv(client.get(reverse("dashboard:gradebook_csv", args=["qc101"])))}
    assert {n: rows[n]["edge"] for n in subs} == expected
    # 4. the progress page: the staff view of each student, and the student's own
    users = {"alice": cast.alice, "bob": cast.bob, "charlie": cast.charlie}
    for name, user in users.items():
        page = client.get(reverse("dashboard:progress", args=["qc101"]) + f"?student={user.pk}").content.decode()
        shown = re.search(rf'Edge edge</a>.*?<td class="num">{_NUM}/10', page, re.S)
        assert shown is not None and shown.group(1) == expected[name], name
    client.force_login(cast.alice)
    page = client.get(reverse("dashboard:progress", args=["qc101"])).content.decode()
    assert re.search(rf'Edge edge</a>.*?<td class="num">{_NUM}/10', page, re.S).group(1) == "3.83"  # type: ignore[union-attr]
    panel = client.get(reverse("grading:panel", args=["qc101", "edge"])).content.decode()
    assert re.search(rf'data-testid="attempt-score">{_NUM} / 10', panel).group(1) == "3.83"  # type: ignore[union-attr]

    # An override replaces the total everywhere.
    Override.objects.create(submission=c, score=D("2.5"), reason="regraded by hand", created_by=cast.teacher)
    client.force_login(cast.teacher)
    rows = {r["username"]: r for r in _csv(client.get(reverse("dashboard:gradebook_csv", args=["qc101"])))}
    grading_rows = {
        r["username"]: r for r in _csv(client.get(reverse("grading:gradebook_csv", args=["qc101", "edge"])))
    }
    assert rows["charlie"]["edge"] == grading_rows["charlie"]["total"] == grading_rows["charlie"]["override"] == "2.5"


@pytest.mark.django_db
def test_a_two_notebook_assignment_has_one_total_on_every_page(client: Any, world: Any, cast: Any) -> None:
    """problem1 (6 points) + problem2 (4 points): the counted attempt of each, summed, everywhere."""
    from courses.models import Activity

    due = timezone.now() + timedelta(days=1)
    act = _activity(world, "ps", notebooks={"problem1.ipynb": 6, "problem2.ipynb": 4}, due=due)
    Activity.objects.filter(pk=act.pk).update(concepts=["sums"])
    now = timezone.now()
    _sub(act, cast.alice, at=now - timedelta(hours=3), auto="5", maximum=6, notebook="problem1.ipynb")
    _sub(act, cast.alice, at=now - timedelta(hours=2), auto="4.08", maximum=6, notebook="problem1.ipynb")  # counts
    _sub(act, cast.alice, at=now - timedelta(hours=1), auto="2.25", maximum=4, notebook="problem2.ipynb")
    client.force_login(cast.teacher)
    page = client.get(reverse("grading:gradebook", args=["qc101", "ps"])).content.decode()
    assert re.search(r'data-student="alice".*?data-testid="total">([\d.]+) / 10', page, re.S).group(1) == "6.33"  # type: ignore[union-attr]
    assert "2 notebooks: the total adds the counted attempt of each" in page
    rows = {r["username"]: r for r in _csv(client.get(reverse("grading:gradebook_csv", args=["qc101", "ps"])))}
    assert (rows["alice"]["total"], rows["alice"]["max"], len(rows["alice"]["submissions"].split())) == (
        "6.33",
        "10",
        2,
    )
    assert (rows["bob"]["status"], rows["bob"]["total"], rows["bob"]["max"]) == ("missing", "", "10")
    page = client.get(reverse("dashboard:gradebook", args=["qc101"])).content.decode()
    cell = re.search(r'data-student="alice".*?<td class="num" data-activity="ps">([\d.]+)', page, re.S)
    assert cell is not None and cell.group(1) == "6.33"
    rows = {r["username"]: r for r in _csv(client.get(reverse("dashboard:gradebook_csv", args=["qc101"])))}
    assert rows["alice"]["ps"] == "6.33"
    client.force_login(cast.alice)
    page = client.get(reverse("dashboard:progress", args=["qc101"])).content.decode()
    mastery = re.search(r'data-concept="sums"><td>sums</td><td class="num">(\d+)%', page)
    assert mastery is not None and mastery.group(1) == "63"  # 6.33 of 10
    assert page.count("data-counts=") == 2  # the attempt history marks the counted attempt of each notebook
    panel = client.get(reverse("grading:panel", args=["qc101", "ps"])).content.decode()
    assert "Counted score: <strong>6.33 / 10</strong>" in " ".join(panel.split())
    assert panel.count('data-counts="1"') == 2  # one counted attempt per notebook
