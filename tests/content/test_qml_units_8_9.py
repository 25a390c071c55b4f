"""QML units 8 (data re-uploading) and 9 (an honest classical baseline): every number the two lessons quote, in
English and in Chinese, is the one tools/make_figures.py saved in lessons/figures/numbers.json; the two parts of the
script that measure them (``reupload``, ``baseline``: the practice notebooks' own cells) are re-run here to show
numbers.json and the figures are what they produce; the notebooks are what tools/build_notebooks.py writes; the
manifest places the units after unit 7; the quiz generators answer with the lessons' formulas.

The plausible wrong answers of the units' practice exercises live here (``WRONG``) and of their assignments
(``ASSIGNMENT_WRONG``); tests/content/test_practice_katas.py and tests/content/wrong_answers/qml.py add them to their
tables, so the shared tests (blank fails, reference passes, every wrong answer fails) run them too.
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
    "reupload-circuit": [
        # uploads only once, before W_1
        "def reupload_circuit(x, theta):\n    qc = QuantumCircuit(1)\n    for l, (a, b, c) in enumerate(theta):\n"
        "        if l == 1:\n            qc.ry(x, 0)\n        qc.rz(a, 0)\n        qc.ry(b, 0)\n        qc.rz(c, 0)\n"
        "    return qc\n",
        # the block's gates in the order they are written, R_Z(c) first
        "def reupload_circuit(x, theta):\n    qc = QuantumCircuit(1)\n    for l, (a, b, c) in enumerate(theta):\n"
        "        if l > 0:\n            qc.ry(x, 0)\n        qc.rz(c, 0)\n        qc.ry(b, 0)\n        qc.rz(a, 0)\n"
        "    return qc\n",
        # uploads with RX
        "def reupload_circuit(x, theta):\n    qc = QuantumCircuit(1)\n    for l, (a, b, c) in enumerate(theta):\n"
        "        if l > 0:\n            qc.rx(x, 0)\n        qc.rz(a, 0)\n        qc.ry(b, 0)\n        qc.rz(c, 0)\n"
        "    return qc\n",
    ],
    "max-frequency": [
        # the strongest frequency, not the largest
        "def max_frequency(values, tol=1e-9):\n    c = fourier_magnitudes(values)\n"
        "    return int(np.argmax(c[1:]) + 1) if (c[1:] > tol).any() else 0\n",
        # how many frequencies, not the largest
        "def max_frequency(values, tol=1e-9):\n    return int((fourier_magnitudes(values)[1:] > tol).sum())\n",
    ],
    "kernel-circuits": [
        # the whole matrix, diagonal and both triangles
        "def kernel_circuits(m_train, m_test):\n    return m_train ** 2 + m_test * m_train\n",
        # forgets the predictions
        "def kernel_circuits(m_train, m_test):\n    return m_train * (m_train - 1) // 2\n",
        # counts the known diagonal
        "def kernel_circuits(m_train, m_test):\n    return m_train * (m_train + 1) // 2 + m_test * m_train\n",
    ],
    "difference-se": [
        # divides by the variance, not the standard error
        "def standard_errors_apart(a, b, n):\n    return (b - a) / (a * (1 - a) / n + b * (1 - b) / n)\n",
        # only one model's standard error
        "import math\ndef standard_errors_apart(a, b, n):\n    return (b - a) / math.sqrt(a * (1 - a) / n)\n",
    ],
}

# One plausible wrong answer per assignment of units 8-9 (tests/content/wrong_answers/qml.py adds them to its table).
ASSIGNMENT_WRONG: dict[str, dict] = {
    "data-reuploading": {
        "why": "uploads with RY as in the practice, not RX as asked",
        "cells": {
            "reupload_z": "def reupload_z(x, theta):\n"
            "    def ry(t):\n"
            "        return np.array([[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]], dtype=complex)\n"
            "    def rz(t):\n"
            "        return np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])\n"
            "    out = []\n"
            "    for xi in np.asarray(x, dtype=float):\n"
            "        psi = np.array([1, 0], dtype=complex)\n"
            "        for l, (a, b, c) in enumerate(theta):\n"
            "            if l > 0:\n"
            "                psi = ry(xi) @ psi\n"
            "            psi = rz(c) @ ry(b) @ rz(a) @ psi\n"
            "        out.append(abs(psi[0]) ** 2 - abs(psi[1]) ** 2)\n"
            "    return np.array(out)\n",
        },
        "loses": ["test_reupload_z"],
    },
    "classical-baseline": {
        "why": "chooses the setting by its test accuracy",
        "cells": {
            "select_then_test": "def select_then_test(fit, settings, x, y, x_test, y_test, n_val):\n"
            "    best = None\n"
            "    for setting in settings:\n"
            "        decide = fit(setting, x[:-n_val], y[:-n_val])\n"
            "        score = accuracy(decide(x_test), y_test)\n"
            "        if best is None or score > best[0]:\n"
            "            best = (score, setting)\n"
            "    return best[1], best[0]\n",
        },
        "loses": ["test_select_then_test"],
    },
}


UNITS = unit_checks.Units(
    QML, {8: "data-reuploading", 9: "classical-baseline"}, WRONG, ASSIGNMENT_WRONG, markers=("Model answer", "Rubric")
)
_pm = unit_checks.pm


# --- unit 8 -------------------------------------------------------------------------------------------------------


def test_lesson_8_fourier_table_is_what_the_fit_printed() -> None:
    r = unit_checks.numbers(QML)["reupload"]
    for text in unit_checks.both(LESSONS / "08-data-reuploading.md"):
        for L, row in r["fourier"].items():
            assert unit_checks.row(text, f"| $L = {L}$ | $")[1:] == [
                unit_checks.tex(row["mse"], 1),
                f"${row['floor']:.4f}$",
                "$<10^{-15}$",  # round-off: its digits differ from machine to machine, its size does not
            ], L
        assert "60 " in text and "$[0, 2\\pi)$" in text
    printed = "\n".join(r["printed"])
    for L, row in r["fourier"].items():
        assert f"L = {L}: mean squared error {row['mse']:.1e}" in printed
    # the lesson's claims: L = 1, 2 reach the floor of the missing frequencies, L >= 3 fit, nothing above L
    f = r["fourier"]
    assert math.isclose(f["1"]["floor"], (0.3**2 + 0.2**2) / 2) and math.isclose(f["2"]["floor"], 0.2**2 / 2)
    assert all(abs(row["mse"] - row["floor"]) < 1e-6 for row in (f["1"], f["2"]))
    assert f["3"]["mse"] < 1e-5 and f["4"]["mse"] < 1e-5
    assert all(row["beyond_L"] < 1e-15 for row in f.values())


def test_lesson_8_disk_table_is_what_the_classifier_printed() -> None:
    d = unit_checks.numbers(QML)["reupload"]["disk"]
    for text in unit_checks.both(LESSONS / "08-data-reuploading.md"):
        for L, row in d["per_layers"].items():
            assert unit_checks.row(text, f"| $L = {L}$ | {row['parameters']} |")[2:] == [
                _pm(row["mean"], row["std"])
            ], L
        assert f"{d['train_points']} " in text and f"{d['test_points']} " in text
    means = [row["mean"] for row in d["per_layers"].values()]
    assert means == sorted(means) and means[0] < 0.8 < 0.9 < means[2]  # "three uploads draw a good circle"
    assert max(d["per_layers"].values(), key=lambda row: row["std"]) is d["per_layers"]["2"]  # the spread at L = 2


def test_make_figures_reupload_reproduces_numbers_json_and_the_figure(monkeypatch: MonkeyPatch, tmp_path: Path) -> None:
    unit_checks.check_make_figures_part(QML, "reupload", "data-reuploading.svg", monkeypatch, tmp_path)


# --- unit 9 -------------------------------------------------------------------------------------------------------

_LABELS = {
    "logistic regression": ("logistic regression", "逻辑回归"),
    "MLP 2-h-1 (tanh)": ("MLP 2-h-1 (tanh)", "多层感知机 2-h-1（tanh）"),
    "RBF kernel ridge": ("RBF kernel ridge", "RBF 核岭回归"),
    "VQC, 2 qubits (unit 3)": ("VQC, 2 qubits (unit 3)", "变分分类器，2 个量子比特（第 3 单元）"),
    "re-uploading, 1 qubit (unit 8)": ("re-uploading, 1 qubit (unit 8)", "重上传，1 个量子比特（第 8 单元）"),
    "ZZ quantum kernel (unit 6)": ("ZZ quantum kernel (unit 6)", "ZZ 量子核（第 6 单元）"),
}


def test_lesson_9_table_is_what_the_comparison_printed() -> None:
    b = unit_checks.numbers(QML)["baseline"]
    assert set(b["models"]) == set(_LABELS)
    for i, text in enumerate(unit_checks.both(LESSONS / "09-classical-baseline.md")):
        for name, m in b["models"].items():
            row = unit_checks.row(text, f"| {_LABELS[name][i]} |")
            assert row[1].endswith(", ".join(f"{s:g}" for s in m["settings"])), name
            params = sorted(set(m["parameters"]))
            assert row[2] == (str(params[0]) if len(params) == 1 else ", ".join(map(str, m["parameters"]))), name
            assert row[3] == _pm(m["mean"], m["std"]), name
        assert f"{len(b['seeds'])} " in text and f"{b['fit_points']} " in text and f"{b['test_points']} " in text
        non_linear = [m["mean"] for name, m in b["models"].items() if name != "logistic regression"]
        assert f"${min(non_linear):.3f}$" in text and f"${max(non_linear):.3f}$" in text
        assert f"${b['models']['logistic regression']['mean']:.3f}$" in text
    printed = "\n".join(b["printed"])
    for name, m in b["models"].items():
        assert f"{name}: test accuracy {m['mean']:.3f} ± {m['std']:.3f}" in printed
    # the claims: every non-linear model beats the linear one, the best is classical, the non-linear spread is a few
    # test points
    means = {name: m["mean"] for name, m in b["models"].items()}
    assert max(means, key=lambda name: means[name]) == "RBF kernel ridge"
    assert means["logistic regression"] + 0.05 < min(non_linear)
    spread_points = (max(non_linear) - min(non_linear)) * b["test_points"]
    assert 1 <= spread_points <= 3 + 1e-9


def test_lesson_9_costs_and_unit_4_numbers() -> None:
    n = unit_checks.numbers(QML)
    cost = n["baseline"]["cost"]
    assert cost["kernel_circuits_train"] == 150 * 149 // 2 and cost["kernel_circuits_test"] == 200 * 150
    assert cost["vqc_shift_circuits_training"] == 2 * cost["vqc_angles"] * 150 * cost["steps"]
    h = n["hybrid_practice"]
    for text in unit_checks.both(LESSONS / "09-classical-baseline.md"):
        for value in (cost["kernel_circuits_train"], cost["kernel_circuits_test"], cost["vqc_shift_circuits_training"]):
            assert f"{value:,}".replace(",", "\\,") in text, value
        assert f"{cost['steps']} " in text and f"{cost['vqc_angles']} " in text
        assert f"${h['rmse_hybrid_mean']:.3f}$" in text and f"${h['rmse_mlp_mean']:.3f}$" in text
        assert f"{h['parameters_hybrid']}" in text and f"{h['parameters_mlp']}" in text
    # the VQC's angles: 2 per layer for the 4 layers every seed chose (a and b are classical)
    assert n["baseline"]["models"]["VQC, 2 qubits (unit 3)"]["settings"] == [4, 4, 4]
    assert n["baseline"]["models"]["VQC, 2 qubits (unit 3)"]["parameters"][0] == cost["vqc_angles"] + 2


def test_quiz_reading_question_quotes_the_lessons_table() -> None:
    models = unit_checks.numbers(QML)["baseline"]["models"]
    for name in ("question.md", "question.zh.md"):
        text = (QML / "questions" / "baseline-reading" / name).read_text(encoding="utf-8")
        for m in models.values():
            assert _pm(m["mean"], m["std"]) in text


def test_make_figures_baseline_reproduces_numbers_json_and_the_figure(monkeypatch: MonkeyPatch, tmp_path: Path) -> None:
    unit_checks.check_make_figures_part(QML, "baseline", "classical-baseline.svg", monkeypatch, tmp_path)


# --- both ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "cells"), UNITS.notebooks())
def test_notebooks_are_what_the_builder_writes(path: str, cells: str, monkeypatch: MonkeyPatch, tmp_path: Path) -> None:
    UNITS.check_notebook(path, cells, monkeypatch, tmp_path)


def test_manifest_places_units_8_and_9_after_unit_7() -> None:
    units = UNITS.check_manifest(after="barren-plateaus")
    assert units["data-reuploading"]["title_zh"] == "数据重上传"
    assert units["classical-baseline"]["title_zh"] == "诚实的经典基线"


def _ry(t: float) -> np.ndarray:
    return np.array([[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]], dtype=complex)


def _rz(t: float) -> np.ndarray:
    return np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])


def test_quiz_generators_answer_with_the_lessons_formulas() -> None:
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Statevector

    rng = np.random.default_rng(0)
    grid = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    for seed in range(12):
        # the largest frequency of a random model with L uploads of RY(a x), read from its samples
        g = unit_checks.generator(QML, "reupload-frequency")(seed)
        uploads, a = g["params"]["L"], g["params"]["a"]
        blocks = [_rz(c) @ _ry(b) @ _rz(t) for t, b, c in rng.uniform(0, 2 * np.pi, (uploads + 1, 3))]
        values = []
        for x in grid:
            psi = blocks[0] @ np.array([1, 0], dtype=complex)
            for w in blocks[1:]:
                psi = w @ _ry(a * x) @ psi
            values.append(abs(psi[0]) ** 2 - abs(psi[1]) ** 2)
        c = np.abs(np.fft.rfft(values)) / len(grid)
        assert int(np.nonzero(c > 1e-9)[0].max()) == g["answers"]["k"]

        # the MSE floor: least squares on the frequencies up to L leaves exactly the missing terms
        g = unit_checks.generator(QML, "reupload-floor")(seed)
        p = g["params"]
        target = p["a1"] * np.cos(grid) + p["a2"] * np.sin(2 * grid) + p["a3"] * np.cos(3 * grid)
        basis = [np.ones_like(grid)] + [f(k * grid) for k in range(1, p["L"] + 1) for f in (np.cos, np.sin)]
        coef, *_ = np.linalg.lstsq(np.array(basis).T, target, rcond=None)
        assert math.isclose(np.mean((np.array(basis).T @ coef - target) ** 2), g["answers"]["m"], rel_tol=1e-9)

        # two uploads around R_Z: the practice's model with W_0 = W_2 = identity and W_1 = R_Z(t)
        g = unit_checks.generator(QML, "reupload-circuit")(seed)
        ops = g["answers"]["c"]["ops"]
        x, t = ops[0]["angle"], ops[1]["angle"]
        qc = QuantumCircuit(1)
        for op in sorted(ops, key=lambda op: op.get("step", 0)):
            getattr(qc, op["gate"])(op["angle"], 0)
        assert np.allclose(Statevector(qc).data, _ry(x) @ _rz(t) @ _ry(x) @ [1, 0], atol=1e-12)
        assert ops[0]["angle"] == ops[2]["angle"] and ops[0]["gate"] == ops[2]["gate"] == "ry"

        # circuits of a quantum kernel: count the distinct pairs
        g = unit_checks.generator(QML, "baseline-kernel-circuits")(seed)
        m, new = g["params"]["m"], g["params"]["t"]
        assert g["answers"]["n"] == len([(i, j) for i in range(m) for j in range(i + 1, m)]) + new * m


def test_vqc_layer_question_is_one_layer_of_unit_3s_model() -> None:
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Statevector

    source = (QML / "tools" / "build_notebooks.py").read_text()
    sim = source.split('SIM = r"""')[1].split('"""')[0]
    ns: dict = {}
    exec(sim, ns)  # noqa: S102 -- the course's own simulator, from this repository
    torch = ns["torch"]
    for seed in range(4):
        g = unit_checks.generator(QML, "baseline-vqc-layer")(seed)
        p = g["params"]
        x = torch.tensor([[float(p["x0"]), float(p["x1"])]], dtype=torch.float64)
        w = [eval(p[k].replace("\\pi", "math.pi"), {"math": math}) for k in ("w0", "w1")]  # noqa: S307 -- "\\pi/4"
        state = ns["zero_state"](2, 1)
        for q in range(2):
            state = ns["apply_ry"](state, math.pi / 2 * x[:, q], q)
        for q in range(2):
            state = ns["apply_ry"](state, w[q], q)
        state = ns["apply_cnot"](state, 0, 1)
        ours = ns["to_qiskit_order"](state)[0].numpy()
        qc = QuantumCircuit(2)
        for op in sorted(g["answers"]["c"]["ops"], key=lambda op: op.get("step", 0)):
            if op["gate"] == "ry":
                qc.ry(op["angle"], op["targets"][0])
            else:
                qc.cx(op["controls"][0], op["targets"][0])
        assert np.allclose(Statevector(qc).data, ours, atol=1e-12)
