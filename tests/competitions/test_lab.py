"""A decoder submitted straight from the participant's JupyterLab (a real hub and single-user server)."""

from __future__ import annotations

import pytest

from competitions.enums import SubmissionStatus
from tests.competitions.conftest import PYMATCHING_DECODER
from tests.sandbox.conftest import hub, hub_client, lab, stop_quietly  # noqa: F401 -- the sandbox app's real-hub fixtures

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_decoder_submitted_from_the_lab_is_scored(lab, hub_client, cup, cast, settings):  # noqa: F811
    from competitions.services import SubmissionRefused, submission_from_lab
    from sandbox.services import lab_start

    settings.CELERY_TASK_ALWAYS_EAGER = True
    alice = cast.alice
    alice.refresh_from_db()
    dev = cup.phases.get(slug="development")
    path = "competitions/decoder-cup/entry.py"
    try:
        lab_start(user=alice)
        hub_client.server_wait_ready(alice.hub_name, timeout=90)
        with pytest.raises(SubmissionRefused, match="is not in your lab"):
            submission_from_lab(phase=dev, user=alice, path=path)
        # The participant saves their decoder in the lab (the Jupyter Server contents API).
        hub_client.contents_mkdir(alice.hub_name, "competitions/decoder-cup")
        hub_client.contents_put_file(alice.hub_name, path, PYMATCHING_DECODER)
        sub = submission_from_lab(phase=dev, user=alice, path=path)  # autocommit: evaluated on commit (eager)
        sub.refresh_from_db()
        assert sub.filename == "entry.py" and sub.size == len(PYMATCHING_DECODER)
        assert sub.status == SubmissionStatus.GRADED, sub.error
        assert sub.public_score == pytest.approx(1.0)
    finally:
        stop_quietly(hub_client, alice.hub_name)
