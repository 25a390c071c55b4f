"""QML unit 10 (noise: a variational classifier on a simulated device): every number lesson 10 quotes, in English
and in Chinese, is the one tools/make_figures.py saved in lessons/figures/numbers.json under ``noise``; that part of
the script (practice 10's own cells) is re-run here to show numbers.json and the figure are what it produces; the
notebooks are what tools/build_notebooks.py writes; the manifest places the unit after units 1-9 and before the
Exams; the quiz generators answer with the lesson's formulas; the assignment's tests fail two plausible wrong answers
per graded cell.

The plausible wrong answers of the practice exercises live here (``WRONG``); tests/content/test_practice_katas.py adds
them to its table, and tests/content/wrong_answers/qml.py adds ``ASSIGNMENT_WRONG`` to the assignments' table.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from pytest import MonkeyPatch
import yaml

from tests.content import unit_checks
from tests.content.nbgrading import CONTENT

QML = CONTENT / "qml"
LESSONS = QML / "lessons"
ASSIGNMENT = "assignments/noise/noise.ipynb"

# At least two plausible wrong answers per exercise (keyed by the exercise id in the notebook's metadata).
WRONG: dict[str, list[str]] = {
    "noise-unfold-readout": [
        # applies the confusion matrix again instead of inverting it
        "def unfold(p_read, A):\n    return np.asarray(A) @ np.asarray(p_read)\n",
        # transposes A (rows taken as the prepared states)
        "def unfold(p_read, A):\n    return np.linalg.solve(np.asarray(A).T, np.asarray(p_read))\n",
    ],
    "noise-extrapolate": [
        # the line through the first and last points, whatever the degree
        "def extrapolate(factors, values, degree):\n    f, v = np.asarray(factors, float), np.asarray(values, float)\n"
        "    slope = (v[-1] - v[0]) / (f[-1] - f[0])\n    return float(v[0] - slope * f[0])\n",
        # evaluates the fit at factor 1 (the measured circuit) instead of 0
        "def extrapolate(factors, values, degree):\n"
        "    return float(np.polyval(np.polyfit(factors, values, degree), 1.0))\n",
        # the leading coefficient instead of the constant one
        "def extrapolate(factors, values, degree):\n    return float(np.polyfit(factors, values, degree)[0])\n",
    ],
}

# Two plausible wrong answers per graded cell of the assignment; the first of each goes to the shared table.
ASSIGNMENT_CELL_WRONG: dict[str, list[str]] = {
    "tensored_confusion": [
        # qubit 0 as the most significant bit: kron in list order
        "def tensored_confusion(matrices):\n    M = np.array([[1.0]])\n    for A in matrices:\n"
        "        M = np.kron(M, np.asarray(A, dtype=float))\n    return M\n",
        # only the diagonal (a correct read) multiplied: no column is a distribution
        "def tensored_confusion(matrices):\n    d = np.array([1.0])\n    for A in matrices:\n"
        "        d = np.kron(np.diag(np.asarray(A, dtype=float)), d)\n    return np.diag(d)\n",
    ],
    "fold_global": [
        # U three times instead of U U^dagger U
        "def fold_global(circuit, factor):\n    folded = circuit.copy()\n    for _ in range(factor - 1):\n"
        "        folded = folded.compose(circuit)\n    return folded\n",
        # folds once whatever the factor
        "def fold_global(circuit, factor):\n    if factor == 1:\n        return circuit.copy()\n"
        "    return circuit.compose(circuit.inverse()).compose(circuit)\n",
    ],
}
ASSIGNMENT_TESTS = {"tensored_confusion": "test_tensored_confusion", "fold_global": "test_fold_global"}

ASSIGNMENT_WRONG: dict[str, dict] = {
    "noise": {
        "why": "qubit 0 taken as the most significant bit of the tensored confusion matrix",
        "cells": {"tensored_confusion": ASSIGNMENT_CELL_WRONG["tensored_confusion"][0]},
        "loses": ["test_tensored_confusion"],
    },
}


UNITS = unit_checks.Units(QML, {10: "noise"}, WRONG, ASSIGNMENT_WRONG, exercises=None)


def _numbers() -> dict:
    return unit_checks.numbers(QML)["noise"]  # type: ignore[no-any-return]


def _pm(pair: list[float]) -> str:
    return unit_checks.pm(*pair)


def test_lesson_transpilation_table_and_gate_counts() -> None:
    n = _numbers()
    labels = (("| unit 3's", "| triangle", ""), ("| 第 3 单元", "| 三角形", "个 "))
    for text, (vqc, tri, unit) in zip(unit_checks.both(LESSONS / "10-noise.md"), labels, strict=True):
        for start, key in ((vqc, "vqc"), (tri, "triangle")):
            t = n["transpiled"][key]
            assert unit_checks.row(text, start)[1:] == [f"${v}$" for v in (*t["depth"], *t["two_qubit"])], key
        ops = n["device_ops"]
        assert f"${ops['rz']}$ {unit}`rz`" in text and f"${ops['sx']}$ {unit}`sx`" in text and ops["cx"] == 3
        assert f"${n['exact_accuracy']:.3f}$" in text
    # the claims the lesson makes of them: no SWAP for the classifier, one SWAP (3 CNOTs) for the triangle
    assert n["transpiled"]["vqc"]["two_qubit"] == [3, 3] and n["transpiled"]["triangle"]["two_qubit"] == [3, 6]
    assert n["exact_accuracy"] == json.loads((LESSONS / "figures" / "numbers.json").read_text())["vqc_test_accuracy"]


def test_lesson_noise_rates_and_accuracy_table() -> None:
    n = _numbers()
    r = n["rates"]
    for text, none_label in zip(unit_checks.both(LESSONS / "10-noise.md"), ("none", "无噪声"), strict=True):
        assert f"$p_1 = {r['p1']:g}$" in text and f"$p_2 = {r['p2']:g}$" in text
        assert f"${r['read01']:.2f}$" in text and f"${r['read10']:.2f}$" in text
        assert f"${n['shots']}$" in text and f"${n['seeds']}$" in text
        assert unit_checks.row(text, f"| {none_label}")[1] == _pm(n["accuracy"]["0"])
        for scale in ("1", "2", "4", "8"):
            assert unit_checks.row(text, f"| ×{scale} |")[1] == _pm(n["accuracy"][scale]), scale
        assert _pm(n["readout_mitigated"]["1"]) in text and _pm(n["readout_mitigated"]["4"]).strip("$") in text
    acc = n["accuracy"]
    assert acc["8"][0] < acc["1"][0] - 0.05 and abs(acc["1"][0] - acc["0"][0]) < 0.02  # "barely moves" / "collapses"
    printed = "\n".join(n["printed"])
    assert f"noise x1: test accuracy {acc['1'][0]:.3f} ± {acc['1'][1]:.3f}" in printed


def test_lesson_confusion_matrix_and_zero_noise_extrapolation() -> None:
    n = _numbers()
    z = n["zne"]
    (a, b), (c, d) = n["confusion"]
    for text, (factor_row, value_row) in zip(
        unit_checks.both(LESSONS / "10-noise.md"),
        (("| CNOT noise factor", "| $\\langle Z_0\\rangle$"), ("| CNOT 噪声倍数", "| $\\langle Z_0\\rangle$")),
        strict=True,
    ):
        assert f"{a:.4f} & {b:.4f} \\\\ {c:.4f} & {d:.4f}" in text
        assert unit_checks.row(text, factor_row)[1:] == ["$1$", "$3$", "$5$"]
        assert unit_checks.row(text, value_row)[1:] == [f"${z['folded'][f]:.3f}$" for f in ("1", "3", "5")]
        for key in ("ideal", "raw", "readout", "linear", "richardson"):
            assert f"${z[key]:.3f}$" in text, key
        errors = [abs(z[key] - z["ideal"]) for key in ("raw", "readout", "linear")]
        assert all(f"${e:.3f}$" in text for e in errors), errors
        assert "$100\\,000$" in text and z["shots"] == 100_000 and "$20\\,000$" in text
    # the extrapolations are what a least-squares fit of the saved points gives, and each step helps
    f = np.array([1.0, 3.0, 5.0])
    values = np.array([z["folded"][k] for k in ("1", "3", "5")])
    assert math.isclose(np.polyval(np.polyfit(f, values, 1), 0), z["linear"], abs_tol=1e-12)
    assert math.isclose(np.polyval(np.polyfit(f, values, 2), 0), z["richardson"], abs_tol=1e-9)
    assert abs(z["raw"] - z["ideal"]) > abs(z["readout"] - z["ideal"]) > abs(z["linear"] - z["ideal"])
    assert z["folded"]["1"] == z["readout"]


def test_make_figures_noise_reproduces_numbers_json_and_the_figure(monkeypatch: MonkeyPatch, tmp_path: Path) -> None:
    needs = ("matplotlib", "qiskit_aer")
    unit_checks.check_make_figures_part(QML, "noise", "noise.svg", monkeypatch, tmp_path, needs)


@pytest.mark.parametrize(("path", "cells"), UNITS.notebooks())
def test_notebooks_are_what_the_builder_writes(path: str, cells: str, monkeypatch: MonkeyPatch, tmp_path: Path) -> None:
    UNITS.check_notebook(path, cells, monkeypatch, tmp_path)


def test_model_answer_quotes_the_units_numbers() -> None:
    n = _numbers()
    nb = json.loads((QML / ASSIGNMENT).read_text(encoding="utf-8"))
    model = next(
        "".join(c["source"])
        for c in nb["cells"]
        if c["cell_type"] == "markdown" and c["metadata"].get("nbgrader", {}).get("grade")
    )
    acc, z = n["accuracy"], n["zne"]
    for pair in (acc["0"], acc["1"], n["readout_mitigated"]["1"]):
        assert f"{pair[0]:.3f} ± {pair[1]:.3f}" in model
    assert f"{acc['8'][0]:.3f}" in model
    for key in ("ideal", "raw", "readout", "linear"):
        assert f"{z[key]:.3f}".replace("-", "−") in model, key


def _cell_sources(nb: dict) -> dict[str, str]:
    return {
        c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in nb["cells"] if "nbgrader" in c["metadata"]
    }


def _passes(namespace_src: list[str], test_src: str) -> bool:
    ns: dict = {}
    for src in namespace_src:
        exec(src, ns)  # noqa: S102 -- this repository's own notebook cells
    try:
        exec(test_src.replace("### BEGIN HIDDEN TESTS", "").replace("### END HIDDEN TESTS", ""), ns)  # noqa: S102
    except AssertionError:
        return False
    return True


def test_assignment_tests_pass_the_reference_and_fail_two_wrong_answers_per_cell() -> None:
    pytest.importorskip("qiskit")
    nb = json.loads((QML / ASSIGNMENT).read_text(encoding="utf-8"))
    cells = _cell_sources(nb)
    imports = cells["noise_imports"]
    for answer_id, test_id in ASSIGNMENT_TESTS.items():
        assert "### BEGIN HIDDEN TESTS" in cells[test_id]
        reference = "\n".join(line for line in cells[answer_id].splitlines() if "### " not in line) + "\n"
        assert _passes([imports, reference], cells[test_id]), answer_id
        blank = (
            "\n".join(line for line in reference.splitlines() if line.startswith("def "))
            + "\n    raise NotImplementedError\n"
        )
        with pytest.raises(NotImplementedError):
            _passes([imports, blank], cells[test_id])
        for wrong in ASSIGNMENT_CELL_WRONG[answer_id]:
            assert not _passes([imports, wrong], cells[test_id]), (answer_id, wrong)


def test_manifest_places_unit_10_after_units_1_to_9_and_before_the_exams() -> None:
    unit = UNITS.check_manifest()["noise"]
    slugs = unit_checks.slugs(QML)
    previous = "classical-baseline" if "classical-baseline" in slugs else "barren-plateaus"
    assert slugs.index("noise") == slugs.index(previous) + 1
    if "exams" in slugs:
        assert slugs.index("exams") > slugs.index("noise")
    assert "噪声" in unit["title_zh"]


def test_quiz_answers_follow_the_lessons_formulas() -> None:
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Operator

    invert, zne = unit_checks.generator(QML, "noise-readout-invert"), unit_checks.generator(QML, "noise-zne-linear")
    for seed in range(20):
        g = invert(seed)
        p = g["params"]
        A = np.array([[1 - p["e01"], p["e10"]], [p["e01"], 1 - p["e10"]]])
        assert math.isclose(np.linalg.solve(A, [1 - p["f"], p["f"]])[1], g["answers"]["p"], abs_tol=1e-6)
        g = zne(seed)
        p = g["params"]
        assert math.isclose(np.polyval(np.polyfit([1, 3], [p["e1"], p["e3"]], 1), 0), g["answers"]["e0"], abs_tol=1e-6)
    assert len({json.dumps(zne(s)) for s in range(20)}) > 5  # variants differ
    spec = yaml.safe_load((QML / "questions" / "noise-basis-cz" / "question.yaml").read_text(encoding="utf-8"))
    part = spec["parts"][0]
    target = QuantumCircuit(2)
    for op in sorted(part["target"]["ops"], key=lambda op: op["step"]):
        assert op["gate"] in part["gates"]
        if op["gate"] == "cx":
            target.cx(op["controls"][0], op["targets"][0])
        elif op["gate"] == "rz":
            target.rz(op["angle"], op["targets"][0])
        else:
            target.sx(op["targets"][0])
    cz = QuantumCircuit(2)
    cz.cz(0, 1)
    assert Operator(target).equiv(Operator(cz)) and part["max_two_qubit_gates"] == 1
    # the choice question quotes the lesson's numbers
    n = _numbers()
    for name in ("question.md", "question.zh.md"):
        text = (QML / "questions" / "noise-sign-survives" / name).read_text(encoding="utf-8")
        assert _pm(n["accuracy"]["0"]) in text and _pm(n["accuracy"]["1"]) in text
        assert f"${n['zne']['ideal']:.3f}$" in text and f"${n['zne']['raw']:.3f}$" in text
