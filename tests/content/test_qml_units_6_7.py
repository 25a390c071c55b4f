"""QML units 6 (quantum kernels) and 7 (barren plateaus): every number the two lessons quote, in English and in
Chinese, is the one tools/make_figures.py saved in lessons/figures/numbers.json; the two parts of the script that
measure them (``kernels``, ``barren``: the practice notebooks' own cells) are re-run here to show numbers.json and
the figures are what they produce; the practice notebooks are what tools/build_notebooks.py writes; the manifest
names the new activities, and the quiz generators answer with the lessons' formulas.

The plausible wrong answers of the units' practice exercises live here (``WRONG``);
tests/content/test_practice_katas.py adds them to its own table, so the shared Katas tests (blank fails, reference
passes, every wrong answer fails) run them too.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from pytest import MonkeyPatch

from tests.content import unit_checks
from tests.content.nbgrading import CONTENT

QML = CONTENT / "qml"
LESSONS = QML / "lessons"

# At least two plausible wrong answers per exercise (keyed by the exercise id in the notebook's metadata).
WRONG: dict[str, list[str]] = {
    "kernel-overlap-circuit": [
        # U(x') instead of its inverse
        "def overlap_circuit(x, xp):\n    n = len(x)\n    u_x = zz_feature_map(n, reps=2).assign_parameters(x)\n"
        "    return u_x.compose(zz_feature_map(n, reps=2).assign_parameters(xp))\n",
        # x twice: always reads all zeros
        "def overlap_circuit(x, xp):\n    u_x = zz_feature_map(len(x), reps=2).assign_parameters(x)\n"
        "    return u_x.compose(u_x.inverse())\n",
    ],
    "kernel-shots": [
        # forgets the (1 - k) of the binomial variance
        "import math\ndef shots_needed(k, rel):\n    return int(math.ceil(1 / (rel ** 2 * k)))\n",
        # rel not squared
        "import math\ndef shots_needed(k, rel):\n    return int(math.ceil((1 - k) / (rel * k)))\n",
        # rounds to the nearest instead of up
        "def shots_needed(k, rel):\n    return int(round((1 - k) / (rel ** 2 * k)))\n",
    ],
    "barren-product-variance": [
        # the mean of cos^4 taken as 1/2
        "def one_layer_variance(n):\n    return (1 / 8) * (1 / 2) ** (n - 1)\n",
        # every factor 3/8, the first one too
        "def one_layer_variance(n):\n    return (3 / 8) ** n\n",
    ],
    "barren-shots": [
        # forgets that the shift gradient halves the difference
        "import math\ndef shots_for_gradient(var):\n    return int(math.ceil(1 / (4 * var)))\n",
        "import math\ndef shots_for_gradient(var):\n    return int(math.ceil(1 / var))\n",
    ],
}


# One plausible wrong answer per assignment of units 6-7 (tests/content/wrong_answers/qml.py adds them to its table).
ASSIGNMENT_WRONG: dict[str, dict] = {
    "quantum-kernels": {
        "why": "the overlap instead of its square: |<phi|phi'>| is not the kernel",
        "cells": {
            "angle_kernel": "def angle_kernel(X1, X2):\n"
            "    X1, X2 = np.asarray(X1, dtype=float), np.asarray(X2, dtype=float)\n"
            "    return np.prod(np.cos((X1[:, None, :] - X2[None, :, :]) / 2), axis=-1)\n",
        },
        "loses": ["test_angle_kernel"],
    },
    "barren-plateaus": {
        "why": "a shift of pi/4 with the pi/2 rule's factor 1/2: not the derivative",
        "cells": {
            "all_gradients": "def all_gradients(cost, thetas):\n    grads = np.zeros_like(thetas)\n"
            "    for layer in range(thetas.shape[1]):\n        for q in range(thetas.shape[2]):\n"
            "            plus, minus = thetas.copy(), thetas.copy()\n"
            "            plus[:, layer, q] += np.pi / 4\n            minus[:, layer, q] -= np.pi / 4\n"
            "            grads[:, layer, q] = (cost(hea_states(plus)) - cost(hea_states(minus))) / 2\n"
            "    return grads\n",
        },
        "loses": ["test_all_gradients"],
    },
}


UNITS = unit_checks.Units(QML, {6: "quantum-kernels", 7: "barren-plateaus"}, WRONG, ASSIGNMENT_WRONG)


# --- unit 6 -------------------------------------------------------------------------------------------------------


def test_lesson_6_accuracy_table_is_what_the_kernel_comparison_printed() -> None:
    k = unit_checks.numbers(QML)["kernels"]
    for text in unit_checks.both(LESSONS / "06-quantum-kernels.md"):
        for s, r in k["per_scale"].items():
            assert unit_checks.row(text, f"| ZZ, $s = {float(s):g}$ |")[1:] == [
                f"${r['lambda']:g}$",
                f"${r['validation']:.2f}$",
                f"${r['test']:.3f}$",
            ], s
        rbf = k["rbf"]
        assert unit_checks.row(text, f"| RBF, $\\gamma = {rbf['gamma']:g}$ |")[1:] == [
            f"${rbf['lambda']:g}$",
            f"${rbf['validation']:.2f}$",
            f"${rbf['test']:.3f}$",
        ]
        # the chosen quantum kernel is the best validation row, and the prose quotes both test accuracies
        assert k["quantum"]["scale"] == 0.25 and k["per_scale"]["0.25"] == {
            key: k["quantum"][key] for key in ("lambda", "validation", "test")
        }
        assert f"$s = {k['quantum']['scale']:g}$" in text
        assert f"${k['quantum']['test']:.3f}$" in text and f"${rbf['test']:.3f}$" in text
        assert f"${unit_checks.numbers(QML)['vqc_test_accuracy']:.3f}$" in text  # unit 3's VQC on the same test set
    printed = "\n".join(k["printed"])
    assert f"chosen ZZ kernel: s = 0.25, lambda = 0.001: test accuracy {k['quantum']['test']:.3f}" in printed
    assert f"chosen RBF kernel: gamma = 0.5, lambda = 0.001: test accuracy {k['rbf']['test']:.3f}" in printed


def test_lesson_6_difference_in_test_points_and_standard_errors() -> None:
    k = unit_checks.numbers(QML)["kernels"]
    q, c, m = k["quantum"]["test"], k["rbf"]["test"], k["test_points"]
    points = round((c - q) * m)
    se = math.sqrt(q * (1 - q) / m + c * (1 - c) / m)
    en, zh = unit_checks.both(LESSONS / "06-quantum-kernels.md")
    assert f"{points} of the {m} test points, about {(c - q) / se:.1f} standard errors" in en
    # the quiz question that asks students to read this comparison quotes the same numbers
    question = (QML / "questions" / "kernel-comparison" / "question.md").read_text(encoding="utf-8")
    question_zh = (QML / "questions" / "kernel-comparison" / "question.zh.md").read_text(encoding="utf-8")
    assert (
        f"scores\n${q:.3f}$ and an RBF kernel ${c:.3f}$ (a difference of about {(c - q) / se:.1f} standard errors)"
        in (question)
    )
    assert f"${q:.3f}$" in question_zh and f"${c:.3f}$" in question_zh and f"约 {(c - q) / se:.1f} 个" in question_zh
    assert f"{m} 个测试点中的 {points} 个，\n约 {(c - q) / se:.1f} 个标准误差" in zh


def test_lesson_6_concentration_table_rate_and_shots() -> None:
    k = unit_checks.numbers(QML)["kernels"]
    conc = k["concentration"]
    for text, label in zip(
        unit_checks.both(LESSONS / "06-quantum-kernels.md"), ("mean $k$", "$k$ 的均值"), strict=True
    ):
        assert unit_checks.row(text, "| $n$ |")[1:] == list(conc)
        assert unit_checks.row(text, f"| {label} |")[1:] == [f"${v['mean']:.4f}$" for v in conc.values()]
        assert unit_checks.row(text, "| $2^{-n}$ |")[1:] == [f"${2.0 ** -int(n):.4f}$" for n in conc]
        variance = "| variance |" if label.startswith("mean") else "| 方差 |"
        assert unit_checks.row(text, variance)[1:] == [unit_checks.tex(v["variance"], 1) for v in conc.values()]
        assert f"$e^{{-{k['variance_rate']:.2f}\\,n}}$" in text
        assert f"${math.exp(k['variance_rate']):.1f}$" in text
        shots = k["shots_10pct_of_mean"]
        assert f"{shots['2']} " in text and unit_checks.spaced(shots["8"]) in text
        assert "60 " in text and "1770" in text and math.comb(60, 2) == 1770
    printed = "\n".join(k["printed"])
    assert f"variance of the kernel values ~ exp(-{k['variance_rate']:.2f} n)" in printed
    # shots for 10 % relative error at the mean: (1 - k) / (0.01 k), rounded up
    assert all(shots[n] == math.ceil((1 - conc[n]["mean"]) / (0.01 * conc[n]["mean"])) for n in conc)


def test_make_figures_kernels_reproduces_numbers_json_and_the_figure(monkeypatch: MonkeyPatch, tmp_path: Path) -> None:
    unit_checks.check_make_figures_part(QML, "kernels", "quantum-kernels.svg", monkeypatch, tmp_path)


# --- unit 7 -------------------------------------------------------------------------------------------------------


def test_lesson_7_variance_table_rates_and_shots() -> None:
    b = unit_checks.numbers(QML)["barren"]
    for text, names in zip(
        unit_checks.both(LESSONS / "07-barren-plateaus.md"), (("global", "local"), ("全局", "局部")), strict=True
    ):
        assert unit_checks.row(text, "| $n$ |")[1:] == list(b["variance"]["global"])
        for key, label in zip(("global", "local"), names, strict=True):
            assert unit_checks.row(text, f"| {label} |")[1:] == [
                unit_checks.tex(v, 1) for v in b["variance"][key].values()
            ], key
        assert f"$e^{{-{b['rate_global']:.2f}\\,n}}$" in text
        assert f"$e^{{-{b['rate_local']:.2f}\\,n}}$" in text
        assert f"$n^{{-{b['power_local']:.1f}}}$" in text
        assert text.count(f"${math.exp(b['rate_global']):.1f}$") == 2  # per qubit: variance and shot count
        assert f"$L = {b['layers']}$" in text and f"{b['samples']} " in text
        shots = b["shots_for_gradient_10_qubits"]
        assert unit_checks.spaced(shots["global"]) in text and f" {shots['local']}" in text
    printed = "\n".join(b["printed"])
    assert f"global cost: variance ~ exp(-{b['rate_global']:.2f} n)" in printed
    assert f"n^-{b['power_local']:.1f}" in printed
    # the claims the lesson makes of these numbers
    assert b["rate_global"] > 1 > b["rate_local"] and 1.5 < b["power_local"] < 3
    var = b["variance"]
    assert all(var["local"][n] > var["global"][n] for n in var["global"] if int(n) >= 4)
    assert all(shots[name] == math.ceil(1 / (8 * var[name]["10"])) for name in shots)


def test_make_figures_barren_reproduces_numbers_json_and_the_figure(monkeypatch: MonkeyPatch, tmp_path: Path) -> None:
    unit_checks.check_make_figures_part(QML, "barren", "barren-plateaus.svg", monkeypatch, tmp_path)


def test_one_layer_variance_of_the_exercise_is_exact() -> None:
    """Exercise 1 of practice 07: (1/8)(3/8)^(n-1), checked by exact quadrature of the factors."""
    u = np.linspace(0, 2 * np.pi, 64, endpoint=False) / 2  # the trapezoid rule is exact for these trigonometric means
    first, other = np.mean((np.sin(u) * np.cos(u)) ** 2), np.mean(np.cos(u) ** 4)
    assert math.isclose(first, 1 / 8) and math.isclose(other, 3 / 8)
    ns: dict = {}
    exec(WRONG["barren-product-variance"][0].replace("(1 / 2)", "(3 / 8)"), ns)  # noqa: S102 -- the reference formula
    assert all(math.isclose(ns["one_layer_variance"](n), first * other ** (n - 1)) for n in range(1, 8))


# --- both ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "cells"), UNITS.notebooks())
def test_notebooks_are_what_the_builder_writes(path: str, cells: str, monkeypatch: MonkeyPatch, tmp_path: Path) -> None:
    UNITS.check_notebook(path, cells, monkeypatch, tmp_path)


def test_practice_6_self_check_expects_the_lessons_accuracies() -> None:
    k = unit_checks.numbers(QML)["kernels"]
    source = (QML / "tools" / "build_notebooks.py").read_text()
    expected = (
        f"assert (q_scale, q_test) == ({k['quantum']['scale']:g}, {k['quantum']['test']:g}) and "
        f"(c_gamma, c_test) == ({k['rbf']['gamma']:g}, {k['rbf']['test']:g})"
    )
    assert expected in source


def test_manifest_lists_units_6_and_7_after_the_first_five_with_lesson_practice_and_quiz() -> None:
    units = UNITS.check_manifest(after="qml-challenge-prep")
    assert "贫瘠高原" in units["barren-plateaus"]["title_zh"]
    assert "量子核" in units["quantum-kernels"]["title_zh"]


_BUILD_BARREN = (QML / "tools" / "build_notebooks.py").read_text().split('BARREN = r"""')[1].split('"""')[0]


def test_quiz_generators_answer_with_the_lessons_formulas() -> None:
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Statevector

    for seed in range(20):
        g = unit_checks.generator(QML, "kernel-overlap")(seed)
        x, xp = g["params"]["x"], g["params"]["xp"]
        states = []
        for angle in (x, xp):
            qc = QuantumCircuit(1)
            qc.ry(angle, 0)
            states.append(Statevector(qc).data)
        assert math.isclose(g["answers"]["k"], abs(np.vdot(*states)) ** 2, abs_tol=1e-12)

        g = unit_checks.generator(QML, "bp-shots")(seed)
        var, n = g["params"]["var"], g["answers"]["n"]
        assert 1 / (8 * n) <= var < 1 / (8 * (n - 1))  # the fewest shots with noise variance <= var

        g = unit_checks.generator(QML, "bp-extrapolate")(seed)
        p = g["params"]
        assert math.isclose(g["answers"]["v"] / p["v0"], math.exp(-p["b"] * (p["n1"] - p["n0"])))

        g = unit_checks.generator(QML, "kernel-uncompute")(seed)
        x, xp = (eval(g["params"][k].replace("\\pi", "math.pi")) for k in ("xl", "xpl"))  # noqa: S307 -- "\\pi/4"
        qc = QuantumCircuit(1)
        for op in g["answers"]["c"]["ops"]:
            qc.ry(op["angle"], 0)
        assert math.isclose(Statevector(qc).probabilities()[0], math.cos((x - xp) / 2) ** 2, abs_tol=1e-12)

        g = unit_checks.generator(QML, "hea-layer")(seed)
        angle = eval(g["params"]["label"].replace("\\pi", "*math.pi").lstrip("*"))  # noqa: S307 -- "2\\pi/3"
        qc = QuantumCircuit(3)
        for op in sorted(g["answers"]["c"]["ops"], key=lambda op: op.get("step", 0)):
            if op["gate"] == "ry":
                qc.ry(op["angle"], op["targets"][0])
            else:
                qc.cz(op["controls"][0], op["targets"][0])
        assert all(op["angle"] == angle for op in g["answers"]["c"]["ops"] if op["gate"] == "ry")
        ns: dict = {}
        exec(_BUILD_BARREN, ns)  # noqa: S102 -- the practice notebook's ansatz, from this repository
        ours = ns["hea_states"](np.full((1, 1, 3), angle))[0]
        assert np.allclose(Statevector(qc.reverse_bits()).data, ours, atol=1e-12)  # the unit's ansatz, one layer
