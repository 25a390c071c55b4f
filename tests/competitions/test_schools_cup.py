"""The Decoder Cup run district-wide, ranking schools: real entries evaluated in the sandbox and scored
by the trusted scorer, two schools of one district, the schools ranking under both rules."""

from __future__ import annotations

import pytest
from django.http import Http404

from competitions.enums import SchoolRanking, SubmissionStatus
from competitions.selectors import competition_access, leaderboard, school_ranking
from orgs.enums import CompetitionScope
from tests.competitions.conftest import PYMATCHING_DECODER, SCALE
from tests.competitions.test_schools import make_district

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

# Matching, then every 200th shot's prediction flipped: worse than matching, deterministically.
DEGRADED = b"""
import pymatching

def make_decoder(circuit):
    m = pymatching.Matching.from_detector_error_model(circuit.detector_error_model(decompose_errors=True))
    def decode(det):
        out = m.decode_batch(det).astype(bool)
        out[::200] ^= True
        return out
    return decode
"""
NEVER_FLIP = b"import numpy as np\ndef decode(d):\n    return np.zeros((len(d), 1), dtype=bool)\n"


def test_district_decoder_cup_ranks_its_schools(evaluate):
    from competitions.definitions_loader import DEFINITIONS, load_definition

    d = make_district()
    cup = load_definition(DEFINITIONS / "decoder-cup", scale=SCALE, course_slug="no-such-course")
    cup.scope, cup.org = CompetitionScope.DISTRICT, d.north
    cup.school_ranking, cup.school_ranking_k = SchoolRanking.TOPK_MEAN, 2
    cup.save()
    with pytest.raises(Http404):
        competition_access(user=d.cat, slug=cup.slug)  # South's student does not see North's cup
    dev = cup.phases.get(slug="development")
    entries = {
        d.ann: PYMATCHING_DECODER,  # school A: matching...
        d.abe: NEVER_FLIP,  # ...and a decoder that never flips
        d.ben: DEGRADED,  # school B: two degraded matchings
        d.bea: DEGRADED,
    }
    score = {}
    for user, code in entries.items():
        sub = evaluate(dev, user, code)
        assert sub.status == SubmissionStatus.GRADED, sub.error
        score[user.username] = sub.public_score
    assert score["ann"] < score["ben"] == score["bea"] < score["abe"]  # lower is better

    board = leaderboard(phase=dev, split="public")
    assert [(r.name, r.school) for r in board if not r.is_baseline][:1] == [("Ann", "School A")]
    assert all(r.school == "" for r in board if r.is_baseline)

    # Top-2 mean: A = mean(matching, never-flip), B = mean(degraded, degraded).
    ranking = school_ranking(phase=dev, split="public")
    mean_a, mean_b = (score["ann"] + score["abe"]) / 2, score["ben"]
    assert {s.name: round(s.score, 9) for s in ranking} == {"School A": round(mean_a, 9), "School B": round(mean_b, 9)}
    assert [s.name for s in ranking] == ["School B", "School A"]  # the never-flip entry pulls A down
    assert all(s.counted == 2 and s.participants == 2 for s in ranking)

    # The host switches to the best entry: A's matching entry wins.
    cup.school_ranking = SchoolRanking.BEST
    cup.save()
    dev = cup.phases.get(slug="development")
    best = school_ranking(phase=dev, split="public")
    assert [(s.rank, s.name, s.counted) for s in best] == [(1, "School A", 1), (2, "School B", 1)]
    assert best[0].score == pytest.approx(score["ann"])


def test_load_competitions_opens_the_cup_to_a_district():
    from io import StringIO

    from django.core.management import call_command

    from competitions.models import Competition

    d = make_district()
    out = StringIO()
    call_command(
        "load_competitions", "--only", "decoder-cup", "--scale", str(SCALE), "--district", "north",
        "--school-k", "2", stdout=out,
    )  # fmt: skip
    cup = Competition.objects.get(slug="decoder-cup")
    assert (cup.scope, cup.org, cup.school_ranking, cup.school_ranking_k) == ("district", d.north, "topk_mean", 2)
    assert "The district's schools north" in out.getvalue()
