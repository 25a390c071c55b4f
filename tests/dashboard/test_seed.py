"""`load_demo` seeds a living class: submissions for the demo students, once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def test_load_demo_seeds_activity_once_and_the_dashboard_lives() -> None:
    from django.contrib.auth import get_user_model

    from grading.models import ManualGrade, Submission

    call_command("load_demo", only=["qec-ai"], stdout=io.StringIO())
    seeded = Submission.objects.filter(idempotency_key__startswith="demo-seed").count()
    assert seeded > 30
    assert Submission.objects.filter(user__username__in=["alice", "bob", "charlie"]).exists()
    assert ManualGrade.objects.exists()
    assert Submission.objects.filter(late_seconds__gt=0).exists()
    out = io.StringIO()
    call_command("load_demo", only=["qec-ai"], stdout=out)
    assert "already seeded" in out.getvalue()
    assert Submission.objects.filter(idempotency_key__startswith="demo-seed").count() == seeded
    teacher = get_user_model().objects.get(username="teacher")
    c = Client()
    c.force_login(teacher)
    page = c.get("/courses/ai-for-qec/dashboard/").content.decode()
    assert "Course dashboard" in page and 'data-plotly="fig-histogram"' in page
    assert "missing" in c.get("/courses/ai-for-qec/gradebook/").content.decode()
