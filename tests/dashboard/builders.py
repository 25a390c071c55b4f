"""Rows for dashboard tests: submissions with results, written directly (no grading run)."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal
from typing import Any

from grading.models import Submission

_keys = itertools.count(1)


def cell(
    grade_id: str, kind: str, max_points: float, score: float | None, status: str = "", **extra: Any
) -> dict[str, Any]:
    out = {"grade_id": grade_id, "kind": kind, "max_points": max_points, "score": score}
    if status:
        out["status"] = status
    out.update(extra)
    return out


def submission(
    *,
    activity: Any,
    user: Any,
    received_at: datetime,
    status: str = "graded",
    cells: list[dict[str, Any]] | None = None,
    auto_score: float | None = None,
    max_score: float | None = None,
    late_seconds: int = 0,
    penalty: str = "0",
    graded_at: datetime | None = None,
) -> Submission:
    cells = cells or []
    if auto_score is None and cells and status == "graded":
        auto_score = sum(c["score"] or 0 for c in cells)
    if max_score is None and cells:
        max_score = sum(c["max_points"] for c in cells if c["kind"] != "task")
    return Submission.objects.create(
        activity=activity,
        version=activity.current_version,
        user=user,
        received_at=received_at,
        blob="0" * 64,
        size=100,
        source="upload",
        idempotency_key=f"k{next(_keys)}",
        status=status,
        cells=cells,
        auto_score=None if auto_score is None else Decimal(str(auto_score)),
        max_score=None if max_score is None else Decimal(str(max_score)),
        late_seconds=late_seconds,
        penalty=Decimal(penalty),
        graded_at=graded_at if graded_at is not None else (received_at if status == "graded" else None),
    )
