"""QEC units 6 (a Stim circuit by hand) and 7 (thresholds and Λ): every number the two lessons quote is the one
tools/make_figures.py saved in lessons/figures/numbers.json (in both languages), the cheap parts of the script are
re-run here to show numbers.json is what they produce, the derived numbers (per-round rates, Λ and its error bar,
the crossings) are recomputed from the saved counts, the lesson's hand-written circuit is Stim's generated one,
the practice notebooks are what tools/build_notebooks.py writes, and the manifest names the new activities.

The plausible wrong answers of the units' practice exercises live here (``WRONG``);
tests/content/test_practice_katas.py adds them to its own table, so the shared Katas tests (blank fails, reference
passes, every wrong answer fails) run them too.
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
LESSON_6 = QEC / "lessons" / "06-stim-by-hand.md"
LESSON_7 = QEC / "lessons" / "07-threshold-lambda.md"
SWEEP_PS = ("0.002", "0.003", "0.004", "0.005", "0.006", "0.008", "0.010", "0.012", "0.015")

# At least two plausible wrong answers per exercise (keyed by the exercise id in the notebook's metadata).
_REP_HEAD = (
    "def repetition_memory(d, rounds, p):\n"
    "    n = d - 1\n"
    "    data = ' '.join(str(q) for q in range(0, 2 * d - 1, 2))\n"
    "    anc = ' '.join(str(q) for q in range(1, 2 * d - 1, 2))\n"
    "    cx1 = ' '.join(f'{a - 1} {a}' for a in range(1, 2 * d - 1, 2))\n"
    "    cx2 = ' '.join(f'{a + 1} {a}' for a in range(1, 2 * d - 1, 2))\n"
    "    one = (f'DEPOLARIZE1({p}) {data}\\nCX {cx1}\\nDEPOLARIZE2({p}) {cx1}\\nCX {cx2}\\nDEPOLARIZE2({p}) {cx2}\\n'\n"
    "           f'X_ERROR({p}) {anc}\\nMR {anc}\\nX_ERROR({p}) {anc}\\n')\n"
    "    text = f'R {data} {anc}\\nX_ERROR({p}) {data} {anc}\\n' + one\n"
)
WRONG: dict[str, list[str]] = {
    "byhand-repetition-memory": [
        # the first round's detectors forgotten: (d - 1) rounds' worth too few, errors seen at one end only
        _REP_HEAD + "    for _ in range(rounds - 1):\n"
        "        text += one + ''.join(f'DETECTOR rec[{k - n}] rec[{k - 2 * n}]\\n' for k in range(n))\n"
        "    text += f'X_ERROR({p}) {data}\\nM {data}\\n'\n"
        "    text += ''.join(f'DETECTOR rec[{k - d}] rec[{k - d + 1}] rec[{k - d - n}]\\n' for k in range(n))\n"
        "    return stim.Circuit(text + 'OBSERVABLE_INCLUDE(0) rec[-1]\\n')\n",
        # closing detectors on the data parities alone, never compared with the last round
        _REP_HEAD + "    text += ''.join(f'DETECTOR rec[{k - n}]\\n' for k in range(n))\n"
        "    for _ in range(rounds - 1):\n"
        "        text += one + ''.join(f'DETECTOR rec[{k - n}] rec[{k - 2 * n}]\\n' for k in range(n))\n"
        "    text += f'X_ERROR({p}) {data}\\nM {data}\\n'\n"
        "    text += ''.join(f'DETECTOR rec[{k - d}] rec[{k - d + 1}]\\n' for k in range(n))\n"
        "    return stim.Circuit(text + 'OBSERVABLE_INCLUDE(0) rec[-1]\\n')\n",
        # every later round compared with the wrong measure qubit (rec[k - 2n + 1])
        _REP_HEAD + "    text += ''.join(f'DETECTOR rec[{k - n}]\\n' for k in range(n))\n"
        "    for _ in range(rounds - 1):\n"
        "        text += one + ''.join(f'DETECTOR rec[{k - n}] rec[{k - 2 * n + 1}]\\n' for k in range(n))\n"
        "    text += f'X_ERROR({p}) {data}\\nM {data}\\n'\n"
        "    text += ''.join(f'DETECTOR rec[{k - d}] rec[{k - d + 1}] rec[{k - d - n}]\\n' for k in range(n))\n"
        "    return stim.Circuit(text + 'OBSERVABLE_INCLUDE(0) rec[-1]\\n')\n",
    ],
    "byhand-z-score": [
        "def z_score(errors_a, shots_a, errors_b, shots_b):\n    pa, pb = errors_a / shots_a, errors_b / shots_b\n"
        "    return (pa - pb) / np.sqrt(pa * (1 - pa) / shots_a)\n",
        "def z_score(errors_a, shots_a, errors_b, shots_b):\n    pa, pb = errors_a / shots_a, errors_b / shots_b\n"
        "    return (pa - pb) / (pa * (1 - pa) / shots_a + pb * (1 - pb) / shots_b)\n",
        # the pooled variance: fine for equal shots, not what the lesson asks with unequal ones
        "def z_score(errors_a, shots_a, errors_b, shots_b):\n    pa, pb = errors_a / shots_a, errors_b / shots_b\n"
        "    q = (errors_a + errors_b) / (shots_a + shots_b)\n"
        "    return (pa - pb) / np.sqrt(q * (1 - q) * (1 / shots_a + 1 / shots_b))\n",
    ],
    "lambda-per-round": [
        "def per_round(P, rounds):\n    return np.asarray(P, dtype=float) / rounds\n",
        "def per_round(P, rounds):\n    return 1 - (1 - np.asarray(P, dtype=float)) ** (1 / rounds)\n",
    ],
    "lambda-with-error": [
        "def lambda_with_error(eps_a, sigma_a, eps_b, sigma_b):\n    lam = eps_a / eps_b\n"
        "    return lam, lam * (sigma_a / eps_a + sigma_b / eps_b)\n",
        "def lambda_with_error(eps_a, sigma_a, eps_b, sigma_b):\n"
        "    return eps_a / eps_b, np.hypot(sigma_a, sigma_b) / eps_b\n",
        "def lambda_with_error(eps_a, sigma_a, eps_b, sigma_b):\n"
        "    return eps_b / eps_a, (eps_b / eps_a) * np.hypot(sigma_a / eps_a, sigma_b / eps_b)\n",
    ],
    "lambda-crossing": [
        # linear interpolation in p and rate instead of log-log
        "def crossing(ps, rates_a, rates_b):\n    y = np.asarray(rates_b) - np.asarray(rates_a)\n"
        "    for i in range(len(ps) - 1):\n        if y[i] < 0 <= y[i + 1]:\n"
        "            return ps[i] + (ps[i + 1] - ps[i]) * (-y[i]) / (y[i + 1] - y[i])\n    return None\n",
        # the grid point after the sign change, no interpolation
        "def crossing(ps, rates_a, rates_b):\n"
        "    for i in range(len(ps) - 1):\n        if rates_b[i] < rates_a[i] and rates_b[i + 1] >= rates_a[i + 1]:\n"
        "            return ps[i + 1]\n    return None\n",
    ],
}


# One plausible wrong answer per assignment of units 6-7 (tests/content/wrong_answers/qec_ai.py adds them to its table).
ASSIGNMENT_WRONG: dict[str, dict[str, Any]] = {
    "stim-by-hand": {
        "why": "hands in the bit-flip memory: same logical error rate, but it is not the phase-flip code",
        "cells": {
            "phase_flip_memory": "def phase_flip_memory(d, rounds, p):\n    return generated_repetition(d, rounds, p)\n",
        },
        "loses": ["test_phase_flip_structure"],
    },
    "threshold-lambda": {
        "why": "an unweighted fit of ln(eps) against d: a point with a huge error bar pulls the line",
        "cells": {
            "fit_lambda": (
                "def fit_lambda(distances, eps, sigmas):\n"
                "    slope = np.polyfit(distances, np.log(eps), 1)[0]\n"
                "    lam = math.exp(-2 * slope)\n"
                "    rel = np.asarray(sigmas) / np.asarray(eps)\n"
                "    spread = np.sum((np.asarray(distances) - np.mean(distances)) ** 2)\n"
                "    return lam, 2 * lam * float(np.sqrt(np.mean(rel**2) / spread))\n"
            ),
        },
        "loses": ["test_fit_lambda"],
    },
}

# The assignments of units 6-7 have no rubric in their model answers yet: no marker is asked of them.
UNITS = unit_checks.Units(QEC, {6: "stim-by-hand", 7: "threshold-lambda"}, WRONG, ASSIGNMENT_WRONG, markers=())


# --- unit 6 -----------------------------------------------------------------------------------------------------


def test_lesson_6_circuit_is_the_generated_one_and_its_counts_are_stims() -> None:
    import stim

    text = LESSON_6.read_text(encoding="utf-8")
    block = re.search(r"^```stim\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    assert block, "lesson 06 shows its circuit in a ```stim block"
    hand = stim.Circuit(block.group(1))
    generated = stim.Circuit.generated(
        "repetition_code:memory",
        distance=3,
        rounds=3,
        after_clifford_depolarization=0.02,
        before_round_data_depolarization=0.02,
        before_measure_flip_probability=0.02,
        after_reset_flip_probability=0.02,
    )
    assert hand == generated
    assert hand.num_detectors == 8 and hand.num_observables == 1
    for zh_or_en in unit_checks.both(LESSON_6):
        assert block.group(1) in zh_or_en  # the same circuit in both languages


def test_lesson_6_quotes_what_make_figures_by_hand_measured(monkeypatch: MonkeyPatch) -> None:
    figs = unit_checks.tool(QEC, "make_figures", monkeypatch)
    saved = unit_checks.numbers(QEC)["by_hand"]
    fresh: dict[str, Any] = {}
    figs.by_hand(fresh)  # 4 x 200 000 shots of small repetition codes: a few seconds
    assert json.loads(json.dumps(fresh["by_hand"])) == saved
    shots = saved["shots"]
    for lang, text in zip(("en", "zh"), unit_checks.both(LESSON_6), strict=True):
        for d in (3, 5):
            row = saved[f"d={d}"]
            assert row["identical_circuit"] and row["detectors"] == row["detectors_generated"] == (d - 1) * (d + 1)
            assert row["graphlike_distance"] == d
            line = next(x for x in text.splitlines() if x.startswith(f"| $d = {d}$ |"))
            for who in ("hand", "generated"):
                rate = row[f"p_L_{who}"]
                assert f"{rate:.4f} ± {math.sqrt(rate * (1 - rate) / shots):.4f}" in line, (lang, line)
                assert f"{row[f'errors_{who}']} " in line, (lang, line)
            assert line.rstrip().endswith(f"| {row['z']:.2f} |"), (lang, line)
        three, five = saved["d=3"], saved["d=5"]
        assert f"{three['dem_errors']} error mechanisms" in text or f"列出 {three['dem_errors']} 个错误机制" in text, (
            lang
        )
        assert f"({five['dem_errors']} at $d = 5$)" in text or f"$d = 5$ 时 {five['dem_errors']} 个" in text, lang
        assert f"both have {three['detectors']} detectors" in text or f"都有 {three['detectors']} 个探测器" in text, (
            lang
        )
        assert unit_checks.spaced(shots) in text, lang
        surf = saved["surface_d3"]
        first = surf["first_round_detectors"]
        assert f"$4 + 8 + 8 + 4 = {surf['detectors']}$" in text and first == 4
        assert f"{first} for $d = 3$" in text or f"$d = 3$ 时 {first} 个" in text, lang


# --- unit 7 -----------------------------------------------------------------------------------------------------


def test_lesson_7_table_rows_are_the_sweep_in_numbers_json() -> None:
    saved = unit_checks.numbers(QEC)["suppression"]
    rates, lam = saved["rates"], saved["lambda"]
    for lang, text in zip(("en", "zh"), unit_checks.both(LESSON_7), strict=True):
        for p in SWEEP_PS:
            row = next(x for x in text.splitlines() if x.startswith(f"| {p} |"))
            cells = [c.strip() for c in row.strip("|").split("|")]
            assert cells[1:4] == [unit_checks.tex(rates[d][p]["eps"], 2) for d in ("3", "5", "7")], (lang, row)
            assert cells[4:6] == [f"{lam[k][p]['lambda']:.2f} ± {lam[k][p]['sigma']:.2f}" for k in ("3->5", "5->7")]
        cross = saved["crossings"]
        labels = {
            "per_experiment": ("| logical error per experiment", "| 每次实验"),
            "per_round": ("| logical error per round |", "| 每轮逻辑错误率 |"),
        }
        for kind, starts in labels.items():
            row = next(x for x in text.splitlines() if x.startswith(starts))
            assert f"| {100 * cross[f'{kind} 3-5']:.2f} % | {100 * cross[f'{kind} 5-7']:.2f} % |" in row, (lang, row)


def test_lesson_7_derived_numbers_are_recomputed_from_the_saved_counts(monkeypatch: MonkeyPatch) -> None:
    figs = unit_checks.tool(QEC, "make_figures", monkeypatch)
    saved = unit_checks.numbers(QEC)["suppression"]
    rates = saved["rates"]
    for d, row in rates.items():
        for r in row.values():
            rate = r["errors"] / r["shots"]
            assert r["p_L"] == rate
            assert r["shots"] <= saved["max_shots"] and (
                r["errors"] >= saved["max_errors"] or r["shots"] == saved["max_shots"]
            )
            assert math.isclose(r["eps"], figs.per_round(rate, int(d)), rel_tol=1e-12)
            # the per-round conversion inverts P = (1 - (1 - 2 eps)^r) / 2
            assert math.isclose((1 - (1 - 2 * r["eps"]) ** int(d)) / 2, rate, rel_tol=1e-9)
    for pair, row in saved["lambda"].items():
        a, b = pair.split("->")
        for p, x in row.items():
            ra, rb = rates[a][p], rates[b][p]
            assert math.isclose(x["lambda"], ra["eps"] / rb["eps"], rel_tol=1e-12)
            rel = math.hypot(ra["sigma_eps"] / ra["eps"], rb["sigma_eps"] / rb["eps"])
            assert math.isclose(x["sigma"], x["lambda"] * rel, rel_tol=1e-12)
    ps = [float(p) for p in SWEEP_PS]
    for key, value in saved["crossings"].items():
        kind, pair = key.split()
        a, b = pair.split("-")
        field = "p_L" if kind == "per_experiment" else "eps"
        fresh = figs._crossing(ps, [rates[a][p][field] for p in SWEEP_PS], [rates[b][p][field] for p in SWEEP_PS])
        assert fresh == value
    # one cheap point of the sweep, re-collected: the same errors in the same shots
    d, p = 3, 0.015
    errors, shots = figs.collect(
        figs.qec.surface_code_circuit(d, p),
        max_shots=saved["max_shots"],
        max_errors=saved["max_errors"],
        seed=700_000 + 1000 * d + round(p * 1e4),
    )
    assert (errors, shots) == (rates["3"]["0.015"]["errors"], rates["3"]["0.015"]["shots"])


def test_lesson_7_prose_numbers() -> None:
    saved = unit_checks.numbers(QEC)["suppression"]
    rates, lam = saved["rates"], saved["lambda"]
    short = sorted(
        (d, p, r["errors"]) for d, row in rates.items() for p, r in row.items() if r["errors"] < saved["max_errors"]
    )
    assert [(d, p) for d, p, _ in short] == [("5", "0.002"), ("7", "0.002"), ("7", "0.003")]
    en, zh = unit_checks.both(LESSON_7)
    assert (
        f"$d = 5$ at $p = 0.002$ ({short[0][2]} errors), $d = 7$ at $p = 0.002$\n({short[1][2]} errors) and "
        f"$d = 7$ at $p = 0.003$ ({short[2][2]} errors)"
    ) in en
    assert all(f"（{k} 次错误）" in zh for _, _, k in short)
    assert f"{100 / math.sqrt(saved['max_errors']):.1f} %" == "4.5 %" and "4.5 %" in en and "4.5 %" in zh
    assert (
        f"{100 * math.sqrt(2 / saved['max_errors']):.0f}" == "6"
        and "\\approx 6\\,\\%" in en
        and "\\approx 6\\,\\%" in zh
    )
    big = rates["7"]["0.015"]["p_L"]
    assert f"$P = {big:.2f}$" in en and f"$P = {big:.2f}$" in zh
    worst = lam["5->7"]["0.002"]
    assert f"{100 * worst['sigma'] / worst['lambda']:.0f} % error bar" in en
    assert f"{100 * worst['sigma'] / worst['lambda']:.0f} % 的误差棒" in zh
    shots_needed = 800 / rates["7"]["0.002"]["p_L"]
    assert f"{shots_needed / 1e6:.1f} million" in en and f"约 {round(shots_needed / 1e5) * 10} 万" in zh
    assert math.isclose(math.sqrt(2 / 800), 0.05)
    # "at seven of the nine p they differ by less than 1.6 combined standard errors; at 0.004 and 0.005 by 1.8 and 2.5"
    gaps = {}
    for p in SWEEP_PS:
        x, y = lam["3->5"][p], lam["5->7"][p]
        gaps[p] = abs(x["lambda"] - y["lambda"]) / math.hypot(x["sigma"], y["sigma"])
    assert [p for p, g in gaps.items() if g >= 1.6] == ["0.004", "0.005"]
    quoted = f"{gaps['0.004']:.1f} and {gaps['0.005']:.1f} standard errors"
    assert quoted in en and f"相差 {gaps['0.004']:.1f} 和 {gaps['0.005']:.1f} 个标准误差" in zh
    assert all(lam["3->5"][p]["lambda"] > lam["5->7"][p]["lambda"] for p in ("0.004", "0.005"))
    # "a factor of about five at p = 0.002, about two at p = 0.005"; Λ falls through 1 between 1 % and 1.5 %
    assert all(4.5 < lam[k]["0.002"]["lambda"] < 7 for k in lam) and all(
        1.7 < lam[k]["0.005"]["lambda"] < 2.4 for k in lam
    )
    assert all(lam[k]["0.010"]["lambda"] > 1 > lam[k]["0.015"]["lambda"] for k in lam)


def test_practice_7_anchors_are_the_lessons_sweep(monkeypatch: MonkeyPatch) -> None:
    build = unit_checks.tool(QEC, "build_notebooks", monkeypatch)
    rates = unit_checks.numbers(QEC)["suppression"]["rates"]
    for d, row in build.ANCHORS_7.items():
        for p, anchor in row.items():
            assert anchor == float(f"{rates[str(d)][f'{p:.3f}']['p_L']:.3g}"), (d, p)


# --- notebooks and manifest -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "cells"), UNITS.notebooks())
def test_notebooks_are_what_the_builder_writes(path: str, cells: str, monkeypatch: MonkeyPatch, tmp_path: Path) -> None:
    UNITS.check_notebook(path, cells, monkeypatch, tmp_path)


def test_manifest_lists_units_6_and_7_after_unit_5_with_lesson_practice_and_quiz() -> None:
    UNITS.check_manifest(after="decoder-cup-prep")


def test_quiz_generators_answer_with_the_lessons_formulas() -> None:
    for seed in range(20):
        g = unit_checks.generator(QEC, "byhand-detectors")(seed)
        d, rounds = g["params"]["d"], g["params"]["rounds"]
        assert g["answers"]["n"] == (d - 1) * (rounds + 1)
        g = unit_checks.generator(QEC, "lambda-per-round")(seed)
        big_p, r, eps = g["params"]["P"], g["params"]["r"], g["answers"]["eps"]
        assert math.isclose((1 - (1 - 2 * eps) ** r) / 2, big_p, rel_tol=1e-9) and eps > big_p / r
        g = unit_checks.generator(QEC, "lambda-error-bar")(seed)
        x = g["params"]
        assert math.isclose(g["answers"]["lam"], x["ea"] / x["eb"])
        linear = g["answers"]["lam"] * (x["sa"] / x["ea"] + x["sb"] / x["eb"])
        assert g["answers"]["sigma"] < linear * 0.97  # quadrature, and the 3 % tolerance does not accept the linear sum
    # the lookback answer is what Stim itself reads: a detector on rec[k - n] rec[x] compares the same measure qubit
    import stim

    for seed in range(20):
        g = unit_checks.generator(QEC, "byhand-lookback")(seed)
        n, k, back = g["params"]["n"], g["params"]["k"], g["answers"]["back"]
        circuit = stim.Circuit()
        for _ in range(2):
            circuit.append("X_ERROR", [k], 1.0)  # only measure qubit k flips, in both rounds
            circuit.append("MR", list(range(n)))
        circuit.append("DETECTOR", [stim.target_rec(k - n), stim.target_rec(back)])
        det = circuit.compile_detector_sampler(seed=seed).sample(1)
        assert not det.any()  # both records are qubit k: the flips cancel
