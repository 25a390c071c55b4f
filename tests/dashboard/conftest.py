"""A small, hand-computed course for the dashboard's numbers.

Scores are visible to students unless hidden (grading's rule): tests that need hidden scores
hide them with ``scores_release(release=False)``.

``hw0`` (10 points: q1 4 auto, q2 4 auto, q3 2 manual; released 10 days ago, due 3 days ago;
concepts qubits + measurement):

* alice: one attempt 2 h after release, q1 4, q2 4, q3 pending → manual grade 2 → **10 (100 %)**
* bob: only late work (penalty 10 %): attempt 1 (1 h late) q1 0 failed, q2 4; attempt 2 (1 day
  late) q1 4, q2 0 failed "AssertionError: not normalised", q3 pending. Without an on-time
  attempt the newest late one counts (grading's rule): (4+0)×0.9 = **3.6 (36 %)**, late,
  manual pending
* charlie: nothing → missing

``hw1`` (world's assignment, 10 points, due in 3 days): alice queued now; bob graded 10/10,
received 10 s ago and graded 8 s later (the only feedback today → median 8 s).

Expected hw0: submitted 2/3 (66.7 %), scores [100, 36] → mean 68, median 68; first
submission 2 h and 7 d 1 h (169 h) after release → median 85.5 h; 1 late; 1 pending; questions q1 mean 4
(100 %), q2 mean 2 (50 %, 1 failure), q3 mean 2 (100 %, from alice's manual grade only).
At risk: charlie only (missing 1); bob's latest (hw1, 100 %) is fine. Gradebook totals: alice 10/20, bob 13.6/20,
charlie 0/20.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tests.dashboard.builders import cell, submission


@pytest.fixture(autouse=True)
def _no_hub(settings):  # type: ignore[no-untyped-def]
    """No hub in these tests: a closed port makes lab usage "unavailable" quickly and for sure."""
    settings.HUB_URL = "http://127.0.0.1:9"
    settings.HUB_API_URL = "http://127.0.0.1:9/hub/api"
    settings.HUB_API_TOKEN = "test-token-not-a-hub"
    settings.DASHBOARD_HUB_TIMEOUT_SECONDS = 0.5


@dataclass
class Graded:
    world: Any
    cast: Any
    hw0: Any
    hw1: Any
    now: Any
    alice_hw0: Any
    bob_hw0_first: Any
    bob_hw0: Any


@pytest.fixture
def graded(world, cast):  # type: ignore[no-untyped-def]
    from courses.enums import ActivityKind
    from grading.models import ManualGrade
    from tests.factories import ActivityFactory, add_version

    now = timezone.now()
    unit = world.assignment.unit
    hw0 = ActivityFactory(
        unit=unit,
        slug="hw0",
        title="Homework zero",
        kind=ActivityKind.ASSIGNMENT,
        points=10,
        order=0,
        release_at=now - timedelta(days=10),
        due_at=now - timedelta(days=3),
        concepts=["qubits", "measurement"],
    )
    version = add_version(hw0)
    version.facts = {
        "max_points": 10,
        "notebooks": [
            {
                "notebook": "hw0.ipynb",
                "max_points": 10,
                "cells": [
                    {"grade_id": "q1", "points": 4, "kind": "autograded_test"},
                    {"grade_id": "q2", "points": 4, "kind": "autograded_test"},
                    {"grade_id": "q3", "points": 2, "kind": "manual"},
                ],
            }
        ],
    }
    version.save()
    hw0.refresh_from_db()
    released = hw0.release_at
    alice_hw0 = submission(
        activity=hw0,
        user=cast.alice,
        received_at=released + timedelta(hours=2),
        cells=[
            cell("q1", "autograded_test", 4, 4, "passed"),
            cell("q2", "autograded_test", 4, 4, "passed"),
            cell("q3", "manual", 2, None, "needs grading"),
        ],
    )
    ManualGrade.objects.create(
        submission=alice_hw0, grade_id="q3", score=Decimal("2"), comment="good", graded_by=cast.teacher
    )
    bob_first = submission(
        activity=hw0,
        user=cast.bob,
        received_at=hw0.due_at + timedelta(hours=1),
        late_seconds=3600,
        penalty="0.1",
        cells=[
            cell("q1", "autograded_test", 4, 0, "failed", message="AssertionError: wrong amplitude"),
            cell("q2", "autograded_test", 4, 4, "passed"),
            cell("q3", "manual", 2, None, "needs grading"),
        ],
    )
    bob_hw0 = submission(
        activity=hw0,
        user=cast.bob,
        received_at=hw0.due_at + timedelta(days=1),
        late_seconds=86400,
        penalty="0.1",
        cells=[
            cell("q1", "autograded_test", 4, 4, "passed"),
            cell("q2", "autograded_test", 4, 0, "failed", message="AssertionError: not normalised"),
            cell("q3", "manual", 2, None, "needs grading"),
        ],
    )
    hw1 = world.assignment
    submission(activity=hw1, user=cast.alice, received_at=now, status="queued")
    submission(
        activity=hw1,
        user=cast.bob,
        received_at=now - timedelta(seconds=10),
        cells=[cell("t1", "autograded_test", 10, 10, "passed")],
        graded_at=now - timedelta(seconds=2),
    )
    return Graded(world, cast, hw0, hw1, now, alice_hw0, bob_first, bob_hw0)
