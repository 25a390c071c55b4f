"""Trusted scoring: statistics, the Decoder Cup's data and scorer, the QML challenge's parser."""

from __future__ import annotations

import json

import numpy as np
import pytest

from competitions.scoring import classify, decoder
from competitions.scoring.stats import per_round, ratio_interval, separating_errors, wilson

pytestmark = pytest.mark.unit


def test_wilson_interval_contains_rate_and_narrows_with_shots():
    lo, hi = wilson(10, 1000)
    assert lo < 0.01 < hi
    lo2, hi2 = wilson(100, 10000)
    assert hi2 - lo2 < hi - lo
    assert wilson(0, 100)[0] == pytest.approx(0.0, abs=1e-12)


def test_separating_errors_is_the_documented_1459():
    assert separating_errors(0.10) == 1459
    e = separating_errors(0.10)
    lo, _ = wilson(e, 10_000_000)
    _, hi = wilson(int(0.9 * e), 10_000_000)
    assert hi < lo  # intervals of matching and of a 10%-better decoder do not overlap


def test_per_round_inverts_rounds():
    assert per_round(1 - (1 - 0.01) ** 5, 5) == pytest.approx(0.01)
    assert ratio_interval(90, 100)[0] < 0.9 < ratio_interval(90, 100)[1]


@pytest.fixture(scope="module")
def cup_data(tmp_path_factory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("cup")
    tasks = [
        {"name": "d3", "distance": 3, "p": 0.005, "shots": 4000},
        {"name": "d5", "distance": 5, "p": 0.005, "shots": 3000},
    ]
    manifest = decoder.generate(out=out, tasks=tasks, seed=7, public_fraction=0.4, scale=1.0, variation=False)
    return out, manifest


def test_decoder_inputs_hold_no_labels(cup_data):
    out, _ = cup_data
    names = sorted(p.name for p in (out / "inputs").iterdir())
    assert names == ["d3.det.npy", "d5.det.npy", "tasks.json"]
    listing = json.loads((out / "inputs" / "tasks.json").read_text())
    assert {t["num_detectors"] for t in listing} == {24, 120}
    allowed = {"name", "distance", "rounds", "p", "shots", "num_detectors", "num_observables", "circuit"}
    assert all(set(t) == allowed for t in listing)


def test_decoder_public_and_private_are_disjoint_and_cover_all_shots(cup_data):
    out, manifest = cup_data
    for task in manifest["tasks"]:
        h = np.load(out / "hidden" / f"{task['name']}.npz")
        public = h["public"]
        assert public.dtype == bool and len(public) == task["shots"]
        assert 0 < public.sum() < len(public)
    detail = decoder.score(data=out, outputs=out, predictions_of="matching")
    for pub, priv, task in zip(detail["public"]["tasks"], detail["private"]["tasks"], manifest["tasks"], strict=True):
        assert pub["shots"] + priv["shots"] == task["shots"]
        assert pub["shots"] == task["public_shots"]
    assert detail["public"]["ratio"] == pytest.approx(1.0)


def test_decoder_score_of_perfect_and_trivial_predictions(cup_data, tmp_path):
    out, _ = cup_data
    for task in json.loads((out / "inputs" / "tasks.json").read_text()):
        obs = np.load(out / "hidden" / f"{task['name']}.npz")["obs"]
        np.save(tmp_path / f"{task['name']}.npy", obs)
    perfect = decoder.score(data=out, outputs=tmp_path)
    assert perfect["private"]["errors"] == 0 and perfect["private"]["ratio"] < 0.01
    for task in json.loads((out / "inputs" / "tasks.json").read_text()):
        np.save(tmp_path / f"{task['name']}.npy", np.zeros((task["shots"], 1), bool))
    trivial = decoder.score(data=out, outputs=tmp_path)
    assert trivial["public"]["ratio"] > 1.0  # never-flip is worse than matching


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((5, 1), bool), "expected (4000, 1)"),
        (np.full((4000, 1), np.nan), "NaN"),
        (np.full((4000, 1), 2), "0/1"),
        (np.array(["x"] * 4000).reshape(-1, 1), "dtype"),
    ],
)
def test_decoder_bad_predictions_are_refused_with_a_reason(tmp_path, array, message):
    np.save(tmp_path / "d3.npy", array)
    with pytest.raises(decoder.ScoringError, match=message.replace("(", r"\(").replace(")", r"\)")):
        decoder.load_predictions(tmp_path / "d3.npy", 4000, 1)


def test_classify_csv_parser_names_the_problem():
    assert list(classify.parse_predictions_csv(b"id,label\n0,1\n1,0\n", 2)) == [1, 0]
    for raw, msg in [
        (b"label,id\n", "header"),
        (b"id,label\n0,1\n", "1 test ids have no prediction"),
        (b"id,label\n0,3\n1,0\n", "must be 0 or 1"),
        (b"id,label\n0,x\n", "expected two numbers"),
        (b"id,label\n7,1\n", "not a test id"),
    ]:
        with pytest.raises(decoder.ScoringError, match=msg):
            classify.parse_predictions_csv(raw, 2)


def test_classify_baseline_beats_chance_on_hidden_labels(tmp_path):
    classify.generate(out=tmp_path, seed=3, train=600, test=1000, public_fraction=0.4, noise=0.05)
    detail = classify.score(data=tmp_path, pred=classify.knn_baseline(tmp_path))
    assert 0.6 < detail["private"]["accuracy"] <= 1.0
    assert detail["public"]["n"] + detail["private"]["n"] == 1000
    assert "label" not in (tmp_path / "public" / "test.csv").read_text().splitlines()[0]
