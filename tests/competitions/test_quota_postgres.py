"""The quota holds under concurrency: ten parallel submissions against a limit of five → exactly five."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tests.competitions.conftest import PYMATCHING_DECODER

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_parallel_submissions_against_a_limit_of_five(dev, cast):
    from competitions.models import Submission
    from competitions.services import SubmissionRefused, submission_receive

    dev.daily_limit, dev.max_running, dev.phase_limit = 5, 100, 100
    dev.save()
    barrier = threading.Barrier(10)
    accepted: list[int] = []
    refused: list[int] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            barrier.wait()
            sub = submission_receive(phase=dev, user=cast.alice, data=PYMATCHING_DECODER, filename="d.py")
            accepted.append(sub.pk)
        except SubmissionRefused as exc:
            refused.append(exc.status)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(accepted) == 5 and refused == [429] * 5
    assert Submission.objects.filter(phase=dev, user=cast.alice).count() == 5
