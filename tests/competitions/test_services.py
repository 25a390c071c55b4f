"""Receiving and evaluating submissions: real sandbox ingestion, trusted scoring, quotas, close, teams."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from competitions.enums import SubmissionStatus
from competitions.models import Submission
from competitions.services import (
    SubmissionRefused,
    final_selection_set,
    submission_receive,
    team_create,
    team_join,
    team_leave,
)
from tests.competitions.conftest import PYMATCHING_DECODER

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def test_pymatching_submission_is_scored_like_the_baseline(dev, cast, evaluate):
    sub = evaluate(dev, cast.alice, PYMATCHING_DECODER)
    assert sub.status == SubmissionStatus.GRADED, sub.error
    base = Submission.objects.get(phase=dev, is_baseline=True)
    assert base.label.startswith("PyMatching")
    assert sub.public_score == pytest.approx(base.public_score)
    assert sub.private_score == pytest.approx(base.private_score)
    tasks = sub.public_detail["tasks"]
    assert {(t["distance"], t["p"]) for t in tasks} == {(d, p) for d in (3, 5) for p in (0.001, 0.003, 0.005)}
    for t in tasks:
        lo, hi = t["ler_round_ci"]
        assert lo <= t["ler_round"] <= hi
    assert sub.public_tiebreak > 0  # µs per shot, measured outside the sandbox


def test_plain_decode_entry_point_and_notebook_submission(dev, cast, evaluate):
    module = b"import numpy as np\ndef decode(detection_events):\n    return np.zeros((len(detection_events), 1), dtype=bool)\n"
    sub = evaluate(dev, cast.alice, module)
    assert sub.status == SubmissionStatus.GRADED, sub.error
    assert sub.public_score > 1.0  # never-flip is worse than matching
    nb = (
        b'{"cells": [{"cell_type": "code", "source": ["%matplotlib inline\\n", "import numpy as np\\n", '
        b'"def decode(d):\\n", "    return np.zeros((d.shape[0], 1), bool)"], "metadata": {}, "outputs": []}],'
        b' "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    )
    dev.submission_kind = "notebook"
    dev.save()
    sub2 = evaluate(dev, cast.bob, nb, "decoder.ipynb")
    assert sub2.status == SubmissionStatus.GRADED, sub2.error
    assert sub2.public_score == pytest.approx(sub.public_score)


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        (b"def decode(d):\n    return d[:3, :1]\n", SubmissionStatus.ERROR, "returned shape"),
        (
            b"import numpy as np\ndef decode(d):\n    return np.full((len(d), 1), np.nan)\n",
            SubmissionStatus.ERROR,
            "NaN",
        ),
        (b"def decode(d):\n    raise RuntimeError('my decoder broke')\n", SubmissionStatus.ERROR, "my decoder broke"),
        (b"import time\ndef decode(d):\n    time.sleep(60)\n", SubmissionStatus.TIMED_OUT, "Time limit exceeded"),
        (b"x = = 1\n", SubmissionStatus.ERROR, "SyntaxError"),
        (b"import os\ndef decode(d):\n    os._exit(3)\n", SubmissionStatus.ERROR, "stopped before producing output"),
        (b"def something_else():\n    pass\n", SubmissionStatus.ERROR, "neither decode"),
    ],
    ids=["shape", "nan", "crash", "timeout", "syntax", "exit", "no-entry-point"],
)
def test_bad_submissions_get_a_clear_error_and_no_score(dev, cast, evaluate, code, status, message):
    dev.config = {**dev.config, "startup_seconds": 4, "shot_budget_us": 1}
    dev.save()
    sub = evaluate(dev, cast.alice, code)
    assert sub.status == status
    assert message in sub.error
    assert sub.public_score is None and sub.private_score is None
    from competitions.selectors import leaderboard

    assert all(r.participant != sub.participant for r in leaderboard(phase=dev, split="public"))


def test_log_is_scrubbed_and_truncated(dev, cast, evaluate, settings):
    settings.COMPETITIONS_LOG_CHARS = 500
    code = (
        b"import numpy as np, sys\ndef decode(d):\n    np.set_printoptions(threshold=10**9)\n"
        b"    print(d.astype(int)); print('hello from the decoder'); print('x' * 5000, file=sys.stderr)\n"
        b"    return np.zeros((len(d), 1), bool)\n"
    )
    sub = evaluate(dev, cast.alice, code)
    assert sub.status == SubmissionStatus.GRADED, sub.error
    assert len(sub.log) <= 520
    assert "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0" not in sub.log


def test_submission_after_close_is_refused(dev, cast):
    dev.ends_at = timezone.now() - timedelta(minutes=1)
    dev.save()
    with pytest.raises(SubmissionRefused, match="closed") as exc:
        submission_receive(phase=dev, user=cast.alice, data=PYMATCHING_DECODER, filename="d.py")
    assert exc.value.status == 403
    assert not Submission.objects.filter(phase=dev, is_baseline=False).exists()


def test_daily_quota_gives_429_with_next_allowed_time(dev, cast):
    dev.daily_limit, dev.max_running = 2, 10
    dev.save()
    t0 = timezone.now() - timedelta(hours=3)
    first = submission_receive(phase=dev, user=cast.alice, data=PYMATCHING_DECODER, filename="d.py", at=t0)
    submission_receive(phase=dev, user=cast.alice, data=PYMATCHING_DECODER, filename="d.py", at=t0 + timedelta(hours=1))
    with pytest.raises(SubmissionRefused) as exc:
        submission_receive(phase=dev, user=cast.alice, data=PYMATCHING_DECODER, filename="d.py")
    assert exc.value.status == 429
    assert exc.value.retry_at == first.received_at + timedelta(days=1)
    # Another participant is unaffected.
    submission_receive(phase=dev, user=cast.bob, data=PYMATCHING_DECODER, filename="d.py")


def test_running_cap_and_bad_upload(dev, cast):
    dev.max_running = 1
    dev.save()
    submission_receive(phase=dev, user=cast.alice, data=PYMATCHING_DECODER, filename="d.py")
    with pytest.raises(SubmissionRefused, match="still being evaluated") as exc:
        submission_receive(phase=dev, user=cast.alice, data=PYMATCHING_DECODER, filename="d.py")
    assert exc.value.status == 429
    with pytest.raises(SubmissionRefused, match=r"\.py file"):
        submission_receive(phase=dev, user=cast.bob, data=b"x", filename="d.txt")
    with pytest.raises(SubmissionRefused, match="empty"):
        submission_receive(phase=dev, user=cast.bob, data=b"", filename="d.py")


def test_final_selection_decides_private_ranking(dev, cast, evaluate):
    from competitions.selectors import leaderboard

    zeros = b"import numpy as np\ndef decode(d):\n    return np.zeros((len(d), 1), bool)\n"
    good = evaluate(dev, cast.alice, PYMATCHING_DECODER)
    bad = evaluate(dev, cast.alice, zeros)
    # Default: best public ones -> matching's private score.
    row = next(r for r in leaderboard(phase=dev, split="private") if r.participant == good.participant)
    assert row.submission_id == good.pk
    final_selection_set(phase=dev, user=cast.alice, submission_ids=[bad.pk])
    row = next(r for r in leaderboard(phase=dev, split="private") if r.participant == good.participant)
    assert row.submission_id == bad.pk and row.score == pytest.approx(bad.private_score)
    with pytest.raises(SubmissionRefused):
        final_selection_set(phase=dev, user=cast.bob, submission_ids=[good.pk])  # not bob's
    with pytest.raises(SubmissionRefused):
        final_selection_set(phase=dev, user=cast.alice, submission_ids=[good.pk, bad.pk, 999])


def test_ties_go_to_the_earlier_submission(qml, cast):
    from competitions.selectors import leaderboard
    from competitions.services import submission_evaluate

    phase = qml.phases.get()
    phase.submission_kind = "predictions"  # the CSV kind of phase; the shipped one takes fit/predict modules
    phase.save()
    csv = b"id,label\n" + b"".join(f"{i},0\n".encode() for i in range(4000))
    t0 = timezone.now() - timedelta(hours=2)
    first = submission_receive(phase=phase, user=cast.bob, data=csv, filename="p.csv", at=t0)
    second = submission_receive(phase=phase, user=cast.alice, data=csv, filename="p.csv", at=t0 + timedelta(minutes=5))
    submission_evaluate(submission_id=second.pk)
    submission_evaluate(submission_id=first.pk)
    rows = [r for r in leaderboard(phase=phase, split="public") if not r.is_baseline]
    assert [r.name for r in rows] == ["Bob", "Alice"]
    assert rows[0].score == rows[1].score
    baseline = next(r for r in leaderboard(phase=phase, split="public") if r.is_baseline)
    assert baseline.score > rows[0].score  # k-NN beats all-zeros


def test_teams_share_one_row_and_one_quota(dev, cast):
    team = team_create(competition=dev.competition, user=cast.alice, name="Surface Tension")
    team_join(competition=dev.competition, user=cast.bob, code=team.invite_code)
    dev.daily_limit, dev.max_running = 1, 10
    dev.save()
    sub = submission_receive(phase=dev, user=cast.alice, data=PYMATCHING_DECODER, filename="d.py")
    assert sub.participant == f"t{team.pk}"
    with pytest.raises(SubmissionRefused) as exc:
        submission_receive(phase=dev, user=cast.bob, data=PYMATCHING_DECODER, filename="d.py")
    assert exc.value.status == 429
    with pytest.raises(SubmissionRefused, match="already submitted"):
        team_create(competition=dev.competition, user=cast.alice, name="Another team")
    team_leave(competition=dev.competition, user=cast.bob)
    comp = dev.competition
    comp.team_freeze_at = timezone.now() - timedelta(seconds=1)
    comp.save()
    with pytest.raises(SubmissionRefused, match="frozen"):
        team_join(competition=comp, user=cast.charlie, code=team.invite_code)


QML_MODULE = b"""
import numpy as np

def features(X):
    return np.column_stack([np.ones(len(X)), X[:, 0] ** 2 + X[:, 1] ** 2])

def fit(X, y):
    w = np.zeros(2)
    F = features(X)
    for _ in range(3000):  # logistic regression on the squared radius
        p = 1 / (1 + np.exp(-F @ w))
        w -= 0.5 * F.T @ (p - y) / len(y)
    return w

def predict(model, X):
    return (features(X) @ model > 0).astype(int)
"""


def test_qml_module_is_trained_and_scored_in_the_sandbox(qml, cast, evaluate):
    phase = qml.phases.get()
    sub = evaluate(phase, cast.alice, QML_MODULE, "entry.py")
    assert sub.status == SubmissionStatus.GRADED, sub.error
    assert sub.public_score > 0.9 and sub.private_score > 0.9  # the circle is learnable; 3% label noise
    assert 0 < sub.public_tiebreak <= 1
    assert sub.public_detail["n"] + sub.private_detail["n"] == 4000
    baseline = Submission.objects.get(phase=phase, is_baseline=True)
    assert baseline.label.startswith("k-NN") and 0.8 < baseline.public_score < 1.0
    broken = evaluate(phase, cast.bob, b"def fit(X, y):\n    return None\n", "entry.py")
    assert broken.status == SubmissionStatus.ERROR and "fit(X, y) and predict(model, X)" in broken.error


def test_memory_hog_is_stopped_with_a_clear_error(dev, cast, evaluate):
    dev.config = {**dev.config, "memory_mb": 256}
    dev.save()
    hog = b"import numpy as np\nBIG = np.ones(1024 * 1024 * 1024, dtype=np.uint8)\ndef decode(d):\n    return np.zeros((len(d), 1), bool)\n"
    sub = evaluate(dev, cast.alice, hog)
    assert sub.status == SubmissionStatus.MEMORY_LIMIT, (sub.status, sub.error)
    assert "Memory limit of 256 MiB exceeded" in sub.error
    assert sub.public_score is None
