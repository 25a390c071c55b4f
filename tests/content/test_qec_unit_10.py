"""QEC unit 10 (a recurrent decoder in the spirit of AlphaQubit): every number lesson 10 quotes is the one
tools/make_figures.py recurrent saved in lessons/figures/numbers.json (in both languages), the derived numbers
(binomial error bars, the paired McNemar statistic, the parameter count) are recomputed from the saved counts, the
cheap matching side of the experiment is re-run here, the practice's reference layout is the script's, the notebooks
are what tools/build_notebooks.py writes, and the manifest and quiz are complete.

The plausible wrong answers of the unit's practice exercises (``WRONG``) and of its assignment
(``ASSIGNMENT_WRONG``) live here; tests/content/test_practice_katas.py and tests/content/wrong_answers/qec_ai.py add
them to their tables.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from pytest import MonkeyPatch

from tests.content import unit_checks
from tests.content.nbgrading import CONTENT

QEC = CONTENT / "qec-ai"
LESSON = QEC / "lessons" / "10-recurrent-decoder.md"

_GRU_HEAD = (
    "class GRUDecoder(torch.nn.Module):\n"
    "    def __init__(self, n_stabilizers, hidden=64):\n"
    "        super().__init__()\n"
    "        self.gru = torch.nn.GRU(n_stabilizers, hidden, batch_first=True)\n"
    "        self.head = torch.nn.Linear(hidden, 1)\n\n"
    "    def forward(self, x):\n"
    "        h, _ = self.gru(x)\n"
)
WRONG: dict[str, list[str]] = {
    "recurrent-layout": [
        # eight detectors per round assumed: the first round has only the four Z-checks
        "def round_layout(circuit):\n    k = np.arange(circuit.num_detectors)\n    return k // 8, k % 8\n",
        # the step from the time coordinate, but the slot is the detector's place within its round
        "def round_layout(circuit):\n    coords = circuit.get_detector_coordinates()\n"
        "    ts = sorted({c[2] for c in coords.values()})\n"
        "    step = np.array([ts.index(coords[k][2]) for k in range(circuit.num_detectors)])\n"
        "    slot = np.array([int((step[:k] == step[k]).sum()) for k in range(circuit.num_detectors)])\n"
        "    return step, slot\n",
    ],
    "recurrent-forward": [
        _GRU_HEAD + "        return self.head(h[:, 0])\n",  # the state after the first round only
        _GRU_HEAD + "        return torch.sigmoid(self.head(h[:, -1]))\n",  # probabilities, not logits
        _GRU_HEAD + "        return self.head(h.mean(dim=1))\n",  # pooled over the steps
    ],
}

# One plausible wrong submission per graded cell (tests/content/wrong_answers/qec_ai.py adds it to its table).
ASSIGNMENT_WRONG: dict[str, dict[str, Any]] = {
    "recurrent-decoder": {
        "why": "events only from the changes (the first round dropped), and the hard bit instead of the posterior",
        "cells": {
            "events_from_measurements": (
                "def events_from_measurements(m):\n"
                "    m = np.asarray(m).astype(bool)\n"
                "    e = np.zeros_like(m)\n"
                "    e[:, 1:] = m[:, 1:] ^ m[:, :-1]\n"
                "    return e\n"
            ),
            "prob_one": "def prob_one(z, sigma):\n    return (np.asarray(z, dtype=float) > 0).astype(float)\n",
        },
        "loses": ["test_events_from_measurements", "test_prob_one"],
    },
}


UNITS = unit_checks.Units(QEC, {10: "recurrent-decoder"}, WRONG, ASSIGNMENT_WRONG, None, ("Rubric:",))
_n = unit_checks.spaced


def _saved() -> dict[str, Any]:
    return unit_checks.numbers(QEC)["recurrent"]  # type: ignore[no-any-return]


def _rate(x: dict[str, Any]) -> str:
    return f"| {_n(x['errors'])} | {x['p_L']:.4f} ± {x['sigma']:.4f} |"


# --- the lesson's numbers ------------------------------------------------------------------------------------------


def test_lesson_10_table_is_numbers_json_in_both_languages() -> None:
    saved = _saved()
    for lang, text in zip(("en", "zh"), unit_checks.both(LESSON), strict=True):
        rows = [line for line in text.splitlines() if re.search(r"\| \d\.\d{4} ± \d\.\d{4} \|$", line)]
        assert len(rows) == 2 + saved["epochs"], (lang, rows)
        assert rows[0].endswith(_rate(saved["never_flipped"])), (lang, rows[0])
        assert rows[1].startswith("| PyMatching ") and rows[1].endswith(_rate(saved["matching"])), (lang, rows[1])
        for epoch, (row, x) in enumerate(zip(rows[2:], saved["per_epoch"], strict=True), start=1):
            assert "GRU" in row and f" {epoch} " in row and row.endswith(_rate(x)), (lang, row)
        assert saved["gru"] == saved["per_epoch"][-1]


def test_lesson_10_prose_quotes_the_saved_run() -> None:
    s = _saved()
    gru, mwpm = s["gru"], s["matching"]
    b, c = s["only_matching_wrong"], s["only_gru_wrong"]
    quoted = [
        _n(s["parameters"]),
        _n(s["train_shots"]),
        _n(s["test_shots"]),
        f"{_n(gru['errors'])}",
        f"{_n(mwpm['errors'])}",
        f"{100 * (gru['p_L'] / mwpm['p_L'] - 1):.1f} %",
        f"{_n(s['per_epoch'][-2]['errors'])}",
        f"{_n(b)}",
        f"{_n(c)}",
        f"{_n(s['both_wrong'])}",
        f"{_n(b + c)}",
        f"{s['mcnemar_z']:.1f}",
        f"$4 + 8 \\cdot 4 + 4 = {s['detectors']}$",
        f"{s['steps']} ",
        f"{s['stabilizers']} ",
        f"$p = {s['p']}$",
        f"{s['lr']:g}",
        f"{s['batch']} ",
        f"{s['epochs']} ",
        f"{s['rounds']} ",
    ]
    for lang, text in zip(("en", "zh"), unit_checks.both(LESSON), strict=True):
        for q in quoted:
            assert q in text, (lang, q)
    en, zh = unit_checks.both(LESSON)
    assert f"is {s['mcnemar_z']:.1f}: far beyond chance" in en and f"为 {s['mcnemar_z']:.1f}：远超" in zh
    assert (
        f"{s['steps']} steps × {s['stabilizers']} slots" in en and f"{s['steps']} 步 × {s['stabilizers']} 个槽位" in zh
    )
    # "about a fifth of the errors of never correcting anything"
    assert 0.18 < gru["errors"] / s["never_flipped"]["errors"] < 0.22
    assert "about a fifth" in en and "五分之一" in zh
    # the honest reading: matching is better, by far more than chance; the curve has levelled off
    assert gru["p_L"] > mwpm["p_L"] and s["mcnemar_z"] > 3
    last, before = s["per_epoch"][-1], s["per_epoch"][-2]
    assert abs(last["p_L"] - before["p_L"]) < math.hypot(last["sigma"], before["sigma"])
    assert "does not beat matching" in en and "没有胜过匹配解码器" in zh
    for text in (en, zh):
        assert "Nature 635, 834–840 (2024)" in text and "Bausch" in text  # the citation


def test_lesson_10_derived_numbers_are_recomputed_from_the_saved_counts() -> None:
    s = _saved()
    n = s["test_shots"]
    for x in (s["never_flipped"], s["matching"], *s["per_epoch"]):
        assert x["p_L"] == x["errors"] / n
        assert math.isclose(x["sigma"], math.sqrt(x["p_L"] * (1 - x["p_L"]) / n), rel_tol=1e-12)
    b, c = s["only_matching_wrong"], s["only_gru_wrong"]
    assert b + s["both_wrong"] == s["matching"]["errors"] and c + s["both_wrong"] == s["gru"]["errors"]
    assert math.isclose(s["mcnemar_z"], (c - b) / math.sqrt(b + c), rel_tol=1e-12)
    h, k = s["hidden"], s["stabilizers"]
    assert s["parameters"] == 3 * (h * k + h * h + 2 * h) + h + 1  # torch.nn.GRU's three gates, then the head
    d, r = s["d"], s["rounds"]
    assert s["detectors"] == (d * d - 1) * r and s["steps"] == r + 1 and k == d * d - 1


def test_lesson_10_matching_side_is_rerun(monkeypatch: MonkeyPatch) -> None:
    """The test shots, matching and the never-flipped baseline, sampled again with the script's seeds (a second)."""
    import numpy as np
    import pymatching

    figs = unit_checks.tool(QEC, "make_figures", monkeypatch)
    s = _saved()
    circuit = figs.qec.surface_code_circuit(s["d"], s["p"], rounds=s["rounds"])
    det, obs = circuit.compile_detector_sampler(seed=2002).sample(s["test_shots"], separate_observables=True)
    matcher = pymatching.Matching.from_detector_error_model(circuit.detector_error_model(decompose_errors=True))
    assert int(np.any(matcher.decode_batch(det) != obs, axis=1).sum()) == s["matching"]["errors"]
    assert int(obs[:, 0].sum()) == s["never_flipped"]["errors"]
    step, slot = figs.round_layout(circuit)
    x = figs.as_sequence(det[:100], step, slot)
    assert x.shape == (100, s["steps"], s["stabilizers"]) and x.sum() == det[:100].sum()
    assert circuit.num_detectors == s["detectors"]
    assert figs.PARTS["recurrent"] is figs.recurrent


# --- notebooks, manifest and quiz ----------------------------------------------------------------------------------


def test_practice_reference_layout_is_the_scripts(monkeypatch: MonkeyPatch) -> None:
    import numpy as np

    figs = unit_checks.tool(QEC, "make_figures", monkeypatch)
    nb = json.loads((QEC / "practice" / "10-recurrent-decoder-practice.ipynb").read_text(encoding="utf-8"))
    answers = {
        c["metadata"]["liangzhi"]["exercise"]: c["metadata"]["liangzhi"]["solution"]
        for c in nb["cells"]
        if (c["metadata"].get("liangzhi") or {}).get("kata") == "answer"
    }
    namespace: dict[str, Any] = {"np": np}
    exec(answers["recurrent-layout"], namespace)  # noqa: S102 (our own reference solution)
    for d, rounds in ((3, 5), (5, 2)):
        circuit = figs.qec.surface_code_circuit(d, 0.005, rounds=rounds)
        mine, script = namespace["round_layout"](circuit), figs.round_layout(circuit)
        assert all((a == b).all() for a, b in zip(mine, script, strict=True))


@pytest.mark.parametrize(("path", "cells"), UNITS.notebooks())
def test_notebooks_are_what_the_builder_writes(path: str, cells: str, monkeypatch: MonkeyPatch, tmp_path: Path) -> None:
    UNITS.check_notebook(path, cells, monkeypatch, tmp_path)


def test_manifest_lists_unit_10_after_units_7_to_9_and_before_the_exams() -> None:
    unit = UNITS.check_manifest()["recurrent-decoder"]
    slugs = unit_checks.slugs(QEC)
    i = slugs.index("recurrent-decoder")
    assert slugs[i - 1] in ("neural-predecoder", "correlated-matching", "threshold-lambda")
    assert slugs.index("threshold-lambda") < i
    assert "exams" not in slugs or slugs.index("exams") > i
    quiz = next(a for a in unit["activities"] if a["kind"] == "quiz")
    assert all(isinstance(q, str) for q in quiz["questions"])  # no pools


def test_detector_count_question_answers_what_stim_builds() -> None:
    import stim

    generate = unit_checks.generator(QEC, "recurrent-detector-count")
    for seed in range(12):
        g = generate(seed)
        d, rounds = g["params"]["d"], g["params"]["rounds"]
        circuit = stim.Circuit.generated("surface_code:rotated_memory_z", distance=d, rounds=rounds)
        coords = circuit.get_detector_coordinates()
        assert g["answers"]["n"] == circuit.num_detectors
        assert g["answers"]["k"] == len({tuple(c[:2]) for c in coords.values()})


# Second plausible wrong answers for each graded cell, each alone in a submission: (cell, source, the test it loses).
SECOND_WRONG = [
    (
        "events_from_measurements",
        "def events_from_measurements(m):\n    m = np.asarray(m).astype(bool)\n    return m[:, 1:] ^ m[:, :-1]\n",
        "test_events_from_measurements",
    ),
    (
        "events_from_measurements",
        "def events_from_measurements(m):\n    return np.asarray(m).astype(bool)\n",  # the raw results, not changes
        "test_events_from_measurements",
    ),
    (
        "prob_one",  # sigma where the likelihood ratio has sigma squared: right only at sigma = 1
        "def prob_one(z, sigma):\n    return 1 / (1 + np.exp(-2 * np.asarray(z, dtype=float) / sigma))\n",
        "test_prob_one",
    ),
    (
        "prob_one",  # the factor 2 of the log-likelihood ratio forgotten
        "def prob_one(z, sigma):\n    return 1 / (1 + np.exp(-np.asarray(z, dtype=float) / sigma**2))\n",
        "test_prob_one",
    ),
]


@pytest.mark.integration
@pytest.mark.slow
def test_assignment_loses_points_on_more_plausible_wrong_answers(tmp_path: Path) -> None:
    """Beyond the one wrong submission of tests/content/test_courses.py: two more per graded cell, each losing
    exactly that cell's test and keeping the other's points."""
    from tests.content.nbgrading import filled_version, grade_submissions

    folder = QEC / "assignments" / "recurrent-decoder"
    source = next(folder.glob("*.ipynb"))
    submissions = {f"wrong{i}": filled_version(source, {cell: src}) for i, (cell, src, _) in enumerate(SECOND_WRONG)}
    submissions["reference"] = filled_version(source)
    result = grade_submissions(folder, submissions, tmp_path)
    ref = result["reference"]
    auto = {g for g, c in ref.items() if not c.manual and c.max_score > 0}
    assert auto == {"test_events_from_measurements", "test_prob_one"}
    assert all(ref[g].score == ref[g].max_score for g in auto)
    for i, (_, _, loses) in enumerate(SECOND_WRONG):
        got = {g: result[f"wrong{i}"][g].score for g in auto}
        assert got == {g: (0.0 if g == loses else ref[g].max_score) for g in auto}, (i, got)
