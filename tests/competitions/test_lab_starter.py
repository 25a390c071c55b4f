"""The path "Submit from the lab" names exists in the lab: the starter is put there (a real hub)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from competitions.enums import SubmissionStatus
from tests.sandbox.conftest import hub, hub_client, lab, stop_quietly  # noqa: F401 -- the sandbox app's real-hub fixtures

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_starter_is_placed_at_the_offered_path_and_scores(lab, hub_client, cup, cast, settings):  # noqa: F811
    from competitions.services import lab_path_default, submission_from_lab
    from sandbox.services import lab_start

    settings.CELERY_TASK_ALWAYS_EAGER = True
    alice = cast.alice
    alice.refresh_from_db()
    dev = cup.phases.get(slug="development")
    client = Client()
    client.force_login(alice)
    page = client.get(reverse("competitions:home", args=[cup.slug])).content.decode()
    offered = lab_path_default(phase=dev)
    assert f'value="{offered}"' in page and 'data-testid="lab-starter"' in page
    starter = reverse("competitions:lab_starter", args=[cup.slug, dev.slug])
    try:
        # lab not running: told what to do, nothing else happens
        refused = client.post(starter, follow=True)
        assert "Your lab is not running" in refused.content.decode()
        lab_start(user=alice)
        hub_client.server_wait_ready(alice.hub_name, timeout=90)
        response = client.post(starter)
        assert response.status_code == 302 and response["Location"].endswith("/lab/tree/" + offered)
        assert hub_client.contents_get(alice.hub_name, offered) is not None
        sub = submission_from_lab(phase=dev, user=alice, path=offered)  # the form's default path works as is
        sub.refresh_from_db()
        assert sub.status == SubmissionStatus.GRADED, sub.error
        assert sub.public_score == pytest.approx(1.0)  # the starter is the matching baseline
        # the participant's edits are never overwritten by a second click
        hub_client.contents_put_file(alice.hub_name, offered, b"def decode(d):\n    return d[:, :1] * 0\n")
        client.post(starter)
        assert hub_client.contents_read_bytes(alice.hub_name, offered).startswith(b"def decode(d)")
    finally:
        stop_quietly(hub_client, alice.hub_name)
