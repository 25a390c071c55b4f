"""QEC units 8 (correlated matching) and 9 (a neural pre-decoder): every number the two lessons quote is the one
tools/make_figures.py saved in lessons/figures/numbers.json (in both languages), derived numbers (error bars, McNemar's
z, ratios, the pipeline's error counts) are recomputed from the saved counts, the cheap part of the correlated sweep
(d = 3) is re-run, the pre-decoder's pieces are checked on fresh samples (labels reproduce the detection events,
removal only switches off lit pairs), the notebooks are what tools/build_notebooks.py writes, the manifest names the
new activities after unit 7, and the quiz generators answer correctly.

The plausible wrong answers of the units' practice exercises and assignments live here (``WRONG``,
``ASSIGNMENT_WRONG``); tests/content/test_practice_katas.py and tests/content/wrong_answers/qec_ai.py add them to
their tables.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pytest import MonkeyPatch

from tests.content import unit_checks
from tests.content.nbgrading import CONTENT

QEC = CONTENT / "qec-ai"
LESSON_8 = QEC / "lessons" / "08-correlated-matching.md"
LESSON_9 = QEC / "lessons" / "09-neural-predecoder.md"

WRONG: dict[str, list[str]] = {
    "correlated-mcnemar": [
        # unpaired: every wrong shot counts, not only the disagreements
        "def paired_counts(wrong_a, wrong_b):\n    b, c = int(np.sum(wrong_a)), int(np.sum(wrong_b))\n"
        "    return b, c, (b - c) / np.sqrt(b + c) if b + c else 0.0\n",
        # no square root
        "def paired_counts(wrong_a, wrong_b):\n    wrong_a, wrong_b = np.asarray(wrong_a), np.asarray(wrong_b)\n"
        "    b, c = int((wrong_a & ~wrong_b).sum()), int((wrong_b & ~wrong_a).sum())\n"
        "    return b, c, (b - c) / (b + c) if b + c else 0.0\n",
        # divides by zero for identical decoders
        "def paired_counts(wrong_a, wrong_b):\n    wrong_a, wrong_b = np.asarray(wrong_a), np.asarray(wrong_b)\n"
        "    b, c = int((wrong_a & ~wrong_b).sum()), int((wrong_b & ~wrong_a).sum())\n"
        "    return b, c, float((b - c) / np.sqrt(b + c))\n",
    ],
    "correlated-decode": [
        # correlations enabled when building, not when decoding: plain matching twice
        "def compare(circuit, shots, seed):\n    dem = circuit.detector_error_model(decompose_errors=True)\n"
        "    m = pymatching.Matching.from_detector_error_model(dem, enable_correlations=True)\n"
        "    det, obs = circuit.compile_detector_sampler(seed=seed).sample(shots, separate_observables=True)\n"
        "    w = np.any(m.decode_batch(det) != obs, axis=1)\n    return w, w.copy()\n",
        # the two decoders on different shots
        "def compare(circuit, shots, seed):\n    dem = circuit.detector_error_model(decompose_errors=True)\n"
        "    plain = pymatching.Matching.from_detector_error_model(dem)\n"
        "    corr = pymatching.Matching.from_detector_error_model(dem, enable_correlations=True)\n"
        "    sampler = circuit.compile_detector_sampler(seed=seed)\n"
        "    det, obs = sampler.sample(shots, separate_observables=True)\n"
        "    wp = np.any(plain.decode_batch(det) != obs, axis=1)\n"
        "    det, obs = sampler.sample(shots, separate_observables=True)\n"
        "    return wp, np.any(corr.decode_batch(det, enable_correlations=True) != obs, axis=1)\n",
    ],
    "predecoder-lit-pairs": [
        "def lit_pairs(det, pairs):\n    det = np.asarray(det, dtype=bool)\n"
        "    return det[:, pairs[:, 0]] | det[:, pairs[:, 1]]\n",
        "def lit_pairs(det, pairs):\n    det = np.asarray(det, dtype=bool)\n"
        "    return det[:, pairs[:, 0]] ^ det[:, pairs[:, 1]]\n",
    ],
    "predecoder-remove": [
        # no conflict rule: every accepted pair removed
        "def remove_pairs(det, pairs, pair_obs, accept):\n    det = np.asarray(det, dtype=bool).copy()\n"
        "    shot, pair = np.nonzero(accept)\n    det[shot, pairs[pair, 0]] = False\n"
        "    det[shot, pairs[pair, 1]] = False\n"
        "    return det, (np.asarray(accept) & pair_obs).sum(axis=1) % 2 == 1\n",
        # conflict rule right, but the observable flips ORed instead of added modulo 2
        "def remove_pairs(det, pairs, pair_obs, accept):\n    det = np.asarray(det, dtype=bool)\n"
        "    accept = np.asarray(accept, dtype=bool)\n    count = np.zeros(det.shape, dtype=int)\n"
        "    shot, pair = np.nonzero(accept)\n"
        "    for col in (0, 1):\n        np.add.at(count, (shot, pairs[pair, col]), 1)\n"
        "    ok = (count[shot, pairs[pair, 0]] == 1) & (count[shot, pairs[pair, 1]] == 1)\n"
        "    rest = det.copy()\n    rest[shot[ok], pairs[pair[ok], 0]] = False\n"
        "    rest[shot[ok], pairs[pair[ok], 1]] = False\n"
        "    keep = np.zeros(accept.shape, dtype=bool)\n    keep[shot[ok], pair[ok]] = True\n"
        "    return rest, (keep & pair_obs).any(axis=1)\n",
        # modifies the caller's array in place
        "def remove_pairs(det, pairs, pair_obs, accept):\n    accept = np.asarray(accept, dtype=bool)\n"
        "    count = np.zeros(det.shape, dtype=int)\n    shot, pair = np.nonzero(accept)\n"
        "    for col in (0, 1):\n        np.add.at(count, (shot, pairs[pair, col]), 1)\n"
        "    ok = (count[shot, pairs[pair, 0]] == 1) & (count[shot, pairs[pair, 1]] == 1)\n"
        "    det[shot[ok], pairs[pair[ok], 0]] = False\n    det[shot[ok], pairs[pair[ok], 1]] = False\n"
        "    keep = np.zeros(accept.shape, dtype=bool)\n    keep[shot[ok], pair[ok]] = True\n"
        "    return det, (keep & pair_obs).sum(axis=1) % 2 == 1\n",
    ],
}

ASSIGNMENT_WRONG: dict[str, dict[str, Any]] = {
    "correlated-matching": {
        "why": "hyperedges counted by their number of detectors, not by their decomposition; a one-sided sign test",
        "cells": {
            "hyperedge_share": (
                "def hyperedge_share(dem):\n    count, hyper, total = 0, 0.0, 0.0\n"
                "    for inst in dem.flattened():\n        if inst.type != 'error':\n            continue\n"
                "        p = inst.args_copy()[0]\n        total += p\n"
                "        if sum(t.is_relative_detector_id() for t in inst.targets_copy()) > 2:\n"
                "            count += 1\n            hyper += p\n    return count, hyper / total\n"
            ),
            # one-sided: the factor 2 of a two-sided test forgotten
            "sign_test_p": (
                "def sign_test_p(b, c):\n    n = b + c\n    if n == 0:\n        return 1.0\n"
                "    return sum(math.comb(n, k) for k in range(min(b, c) + 1)) / 2**n\n"
            ),
        },
        "loses": ["test_hyperedge_share", "test_sign_test_p"],
    },
    "neural-predecoder": {
        "why": "the threshold with the fewest errors, not the most removal within 2 s.e.; 'flipped at least once' labels",
        "cells": {
            "pick_threshold": (
                "def pick_threshold(thresholds, errors, removed, baseline):\n"
                "    return min(zip(errors, thresholds))[1]\n"
            ),
            # "flipped at least once" instead of an odd number of times
            "edge_labels": (
                "def edge_labels(dem, errors):\n    index, pieces = {}, []\n"
                "    for inst in dem.flattened():\n        if inst.type != 'error':\n            continue\n"
                "        mine = []\n        for group in inst.target_groups():\n"
                "            key = tuple(sorted(t.val for t in group if t.is_relative_detector_id()))\n"
                "            if key:\n                index.setdefault(key, len(index))\n"
                "                mine.append(index[key])\n        pieces.append(mine)\n"
                "    errors = np.asarray(errors, dtype=bool)\n"
                "    counts = np.zeros((len(errors), len(index)), dtype=int)\n"
                "    for m, mine in enumerate(pieces):\n        for e in mine:\n"
                "            counts[:, e] += errors[:, m]\n    return list(index), counts > 0\n"
            ),
        },
        "loses": ["test_pick_threshold", "test_edge_labels"],
    },
}

UNITS = unit_checks.Units(
    QEC, {8: "correlated-matching", 9: "neural-predecoder"}, WRONG, ASSIGNMENT_WRONG, range(2, 3), written_points=3
)


# --- unit 8 -----------------------------------------------------------------------------------------------------


def test_lesson_8_table_rows_are_numbers_json() -> None:
    saved = unit_checks.numbers(QEC)["correlated"]
    n = saved["shots"]
    for text in unit_checks.both(LESSON_8):
        rows = [
            line
            for line in text.splitlines()
            if line.startswith("| 3 |") or line.startswith("| 5 |") or line.startswith("| 7 |")
        ]
        assert len(rows) == 9
        for d, by_p in saved["rates"].items():
            for p, row in by_p.items():
                cells = [f"{row[k]['p_L']:.5f} ± {row[k]['sigma']:.5f}" for k in ("plain", "correlated")]
                expected = (
                    f"| {d} | {p} | {cells[0]} | {cells[1]} | {row['only_plain_wrong']} | "
                    f"{row['only_correlated_wrong']} | {row['mcnemar_z']:.1f} | {row['ratio']:.2f} |"
                )
                assert expected in rows, expected
                # derived numbers from the saved counts
                for k in ("plain", "correlated"):
                    rate = row[k]["errors"] / n
                    assert rate == row[k]["p_L"] and math.isclose(row[k]["sigma"], math.sqrt(rate * (1 - rate) / n))
                b, c = row["only_plain_wrong"], row["only_correlated_wrong"]
                assert row["plain"]["errors"] - row["correlated"]["errors"] == b - c
                assert math.isclose(row["mcnemar_z"], (b - c) / math.sqrt(b + c))
                assert math.isclose(row["ratio"], row["plain"]["p_L"] / row["correlated"]["p_L"])


def test_lesson_8_prose_numbers() -> None:
    rates = unit_checks.numbers(QEC)["correlated"]["rates"]
    ratios = [f"{rates[d]['0.005']['ratio']:.2f}" for d in ("3", "5", "7")]
    assert ratios == ["1.01", "1.34", "1.75"]
    z = f"{rates['3']['0.003']['mcnemar_z']:.1f}"
    assert z == "-2.5" and rates["3"]["0.003"]["ratio"] < 1  # correlated matching worse at d = 3, p = 0.003
    # the gain grows with distance at every p (the lesson's claim), significant at d >= 5
    for p in ("0.003", "0.005", "0.008"):
        assert rates["3"][p]["ratio"] < rates["5"][p]["ratio"] < rates["7"][p]["ratio"] or p == "0.008"
        assert rates["5"][p]["mcnemar_z"] > 5 and rates["7"][p]["mcnemar_z"] > 5
    en, zh = unit_checks.both(LESSON_8)
    assert "is 1.01 at $d = 3$, 1.34 at $d = 5$ and 1.75 at" in en.replace("\n  ", " ")
    assert "$d = 3$ 时为 1.01，$d = 5$ 时为 1.34，$d = 7$ 时为 1.75" in zh
    for text in (en, zh):
        assert f"$z = {z}$" in text
    # the "25 %" of assignment 8's written question is lesson 8's d = 5, p = 0.005 row
    row = rates["5"]["0.005"]
    assert round(100 * (1 - row["correlated"]["p_L"] / row["plain"]["p_L"])) in (25, 26)


def test_correlated_d3_rerun_reproduces_numbers_json(monkeypatch: MonkeyPatch) -> None:
    figs = unit_checks.tool(QEC, "make_figures", monkeypatch)
    monkeypatch.setattr(figs, "CORR_DS", (3,))

    class _NoFigure(Exception):
        pass

    def _stop(*args: Any, **kwargs: Any) -> None:
        raise _NoFigure  # the numbers are saved before the figure: stop there, leave the committed figure alone

    monkeypatch.setattr(figs.plt, "subplots", _stop)
    fresh: dict[str, Any] = {}
    with pytest.raises(_NoFigure):
        figs.correlated(fresh)
    assert (
        json.loads(json.dumps(fresh["correlated"]["rates"]["3"]))
        == unit_checks.numbers(QEC)["correlated"]["rates"]["3"]
    )


# --- unit 9 -----------------------------------------------------------------------------------------------------

_NAMES = {
    "matching": ("matching alone", "单独匹配"),
    "pre-decoder 0.5": ("pre-decoder, threshold 0.5", "预解码器，阈值 0.5"),
    "pre-decoder 0.9": ("pre-decoder, threshold 0.9", "预解码器，阈值 0.9"),
    "isolated-pair rule": ("rule: isolated pairs", "规则：孤立对"),
}


def test_lesson_9_table_rows_are_numbers_json() -> None:
    saved = unit_checks.numbers(QEC)["predecoder"]
    n = saved["test_shots"]
    for lang, text in enumerate(unit_checks.both(LESSON_9)):
        for p in ("0.003", "0.005"):
            row = saved[p]
            for key, names in _NAMES.items():
                x = row[key]
                cells = f"| {p} | {names[lang]} | {x['p_L']:.5f} ± {x['sigma']:.5f} |"
                if key == "matching":
                    expected = cells + " — | — | — |"
                else:
                    expected = (
                        cells + f" {100 * x['removed_fraction']:.1f} % | {x['only_matching_wrong']} | "
                        f"{x['only_this_wrong']} |"
                    )
                    # the paired counts agree with the totals
                    assert x["errors"] - row["matching"]["errors"] == x["only_this_wrong"] - x["only_matching_wrong"]
                assert expected in text, expected
                rate = x["errors"] / n
                assert rate == x["p_L"] and math.isclose(x["sigma"], math.sqrt(rate * (1 - rate) / n))


def test_lesson_9_prose_numbers() -> None:
    row = unit_checks.numbers(QEC)["predecoder"]["0.003"]
    worse = round(100 * (row["pre-decoder 0.5"]["errors"] / row["matching"]["errors"] - 1))
    assert worse == 57
    en, zh = unit_checks.both(LESSON_9)
    for text in (en, zh):
        assert f"{row['pre-decoder 0.9']['p_L']:.5f}" in text and f"{row['matching']['p_L']:.5f}" in text
        assert f"{100 * row['pre-decoder 0.9']['removed_fraction']:.1f} %" in text
        assert f"{worse} %" in text
        assert (
            f"{row['mean_score']['isolated']:.3f}" in text and f"{row['mean_score']['one lit neighbour']:.3f}" in text
        )
        assert f"{100 * row['isolated-pair rule']['removed_fraction']:.1f} %" in text
        rule = row["isolated-pair rule"]
        assert f"16 {'against' if text is en else '对'} 6" in text
        assert (rule["only_this_wrong"], rule["only_matching_wrong"]) == (16, 6)
        assert "81" in text
        assert f"{100 * row['pre-decoder 0.5']['precision']:.1f} %" in text  # removals at 0.5 that really flipped
    for question in ("question.md", "question.zh.md"):
        quiz = (QEC / "questions" / "pre-threshold" / question).read_text(encoding="utf-8")
        assert f"{100 * row['pre-decoder 0.5']['precision']:.1f} %" in quiz and f"{worse} %" in quiz
    torch = pytest.importorskip("torch")
    net = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
    assert sum(p.numel() for p in net.parameters()) == 81
    # threshold 0.9 leaves the logical error rate within one standard error of matching alone; 0.5 is far worse
    assert abs(row["pre-decoder 0.9"]["p_L"] - row["matching"]["p_L"]) < row["matching"]["sigma"]
    assert row["pre-decoder 0.5"]["p_L"] - row["matching"]["p_L"] > 5 * row["matching"]["sigma"]


def test_predecoder_labels_and_removal_on_fresh_samples(monkeypatch: MonkeyPatch) -> None:
    from scipy import sparse

    figs = unit_checks.tool(QEC, "make_figures", monkeypatch)
    dem = figs.qec.surface_code_circuit(3, 0.005).detector_error_model(decompose_errors=True)
    pre = figs.PairPreDecoder(dem)
    det, _, err = dem.compile_sampler(seed=5).sample(2_000, return_errors=True)
    flips = np.asarray((sparse.csr_matrix(err.astype(np.float32)) @ pre.to_edge).todense()).astype(np.int64) % 2
    incidence = np.zeros((len(pre.keys), dem.num_detectors), dtype=np.int64)
    for i, key in enumerate(pre.keys):
        incidence[i, list(key)] = 1
    assert np.array_equal((flips @ incidence) % 2 == 1, det)  # the edge labels explain every detection event
    pre.fit(det, flips.astype(bool), steps=30)
    rest, obs_flip, (shot, pair) = pre.apply(det)
    assert not (rest & ~det).any()  # removal only switches detection events off
    removed = det & ~rest
    assert removed.sum() == 2 * len(shot)  # two per removed pair, no detector shared between removals
    assert np.array_equal(removed[shot, pre.pairs[pair, 0]], np.ones(len(shot), dtype=bool))
    parity = np.zeros(len(det), dtype=np.int64)
    np.add.at(parity, shot, pre.pair_observable[pair].astype(np.int64))
    assert np.array_equal(obs_flip[:, 0], parity % 2 == 1)


# --- both units ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "cells"), UNITS.notebooks())
def test_notebooks_are_what_the_builder_writes(path: str, cells: str, monkeypatch: MonkeyPatch, tmp_path: Path) -> None:
    UNITS.check_notebook(path, cells, monkeypatch, tmp_path)


def test_manifest_lists_units_8_and_9_after_unit_7() -> None:
    UNITS.check_manifest(after="threshold-lambda")
    # the two lessons have the same headings, formulas and figures in both languages
    for lesson in (LESSON_8, LESSON_9):
        en, zh = unit_checks.both(lesson)
        assert en.count("\n#") == zh.count("\n#") and en.count("$$") == zh.count("$$")
        assert [x for x in en.split() if x.startswith("(figures/")] == [
            x for x in zh.split() if x.startswith("(figures/")
        ]


def test_quiz_generators_answer_correctly() -> None:
    torch = pytest.importorskip("torch")
    for seed in range(20):
        g = unit_checks.generator(QEC, "corr-mcnemar")(seed)
        b, c = g["params"]["b"], g["params"]["c"]
        assert math.isclose(g["answers"]["z"], (b - c) / math.sqrt(b + c))
        assert abs(g["answers"]["z"] - (b - c) / (b + c)) > 0.01 * abs(g["answers"]["z"])  # no sqrt: marked wrong
        g = unit_checks.generator(QEC, "pre-params")(seed)
        n, h = g["params"]["n"], g["params"]["h"]
        net = torch.nn.Sequential(torch.nn.Linear(n, h), torch.nn.ReLU(), torch.nn.Linear(h, 1))
        assert g["answers"]["params"] == sum(p.numel() for p in net.parameters())
