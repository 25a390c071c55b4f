"""Every number the lessons quote (errata of issue #17) is the one the course's own scripts wrote to
lessons/figures/numbers.json, and the cheap parts of those scripts are re-run here to show numbers.json is
what they produce (seeded). The expensive parts (threshold sweeps, training) are covered by the practice
notebooks, which re-measure them within statistical error (tests/content/test_courses.py)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.content.nbgrading import CONTENT

QEC, QML = CONTENT / "qec-ai", CONTENT / "qml"


def _numbers(course: Path) -> dict:
    return json.loads((course / "lessons" / "figures" / "numbers.json").read_text())


def _lesson(course: Path, name: str) -> str:
    return (course / "lessons" / name).read_text()


def _tool(course: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(course / "tools"))
    spec = importlib.util.spec_from_file_location(
        f"_lesson_numbers_{course.name}_{name}", course / "tools" / f"{name}.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_decoder_cup_error_counts_are_recomputed_from_the_competition_and_the_threshold_rates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    figs = _tool(QEC, "make_figures", monkeypatch)
    saved = _numbers(QEC)
    fresh = {"threshold": saved["threshold"]}
    figs.decoder_cup(fresh)
    assert json.loads(json.dumps(fresh["decoder_cup"])) == saved["decoder_cup"]
    lesson = _lesson(QEC, "05-decoder-cup.md")
    for name, row in saved["decoder_cup"]["tasks"].items():
        d, p = name[1], name.split("-p")[1]
        line = next(x for x in lesson.splitlines() if x.startswith(f"| $d={d}$, $p={p}$ |"))
        assert f"{row['shots']:,}".replace(",", " ") in line, line
        assert f"| {row['private_errors']} |" in line, line
        assert f"{100 * row['relative_se_private']:.1f} %" in line, line
    assert f"about {saved['decoder_cup']['pooled_private_errors']} matching errors" in lesson
    assert f"{100 * saved['decoder_cup']['pooled_relative_se']:.1f} %" in lesson
    assert "1500" not in lesson  # the old, wrong claim


def test_raw_flip_rates_are_what_stim_samples_and_what_practice_and_lessons_quote(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    figs = _tool(QEC, "make_figures", monkeypatch)
    fresh: dict = {}
    figs.raw_flip(fresh)  # 2 x 100 000 stim shots at d = 3: well under a second
    saved = _numbers(QEC)["raw_flip_rate"]
    assert fresh["raw_flip_rate"] == saved
    assert f"{saved['d=3 p=0.003']:.3f}" in (QEC / "practice" / "04-neural-practice.ipynb").read_text()
    assert f"{saved['d=3 p=0.003']:.3f}" in (QEC / "tools" / "build_notebooks.py").read_text()
    x = saved["d=3 p=0.004"]
    assert "$8.6\\times10^{-2}$" in _lesson(QEC, "05-decoder-cup.md") and f"{x:.3f}".startswith("0.08")


def test_qec_lesson_percentages_and_rows() -> None:
    saved = _numbers(QEC)
    corr = saved["neural"]["correlated pairs"]
    cut = 1 - corr["neural network"] / corr["matching (nominal model)"]
    neural = _lesson(QEC, "04-neural-decoders.md")
    assert f"by {100 * cut:.0f} %" in neural and "halves" not in neural
    matching = _lesson(QEC, "03-matching.md")
    assert any(line.startswith("| 0.004 |") for line in matching.splitlines())  # cited by practice 05
    assert "p \\ge 0.002" not in matching
    assert "Clifford** family" in _lesson(QEC, "02-surface-code.md")
    assert "resets and measurements in the $Z$ basis are not gates" in _lesson(QEC, "02-surface-code.md")


def test_qml_gradient_figure_is_measured_on_sampled_shots(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    figs = _tool(QML, "make_figures", monkeypatch)
    monkeypatch.setattr(figs, "FIG", tmp_path)
    fresh: dict = {}
    figs.gradients(fresh)
    saved = _numbers(QML)["gradients"]
    assert json.loads(json.dumps(fresh["gradients"])) == saved
    assert (tmp_path / "gradient-errors.svg").read_text() == (
        QML / "lessons" / "figures" / "gradient-errors.svg"
    ).read_text()
    lesson = _lesson(QML, "02-parameter-shift.md")
    assert f"${saved['fd_h1e-3_rms_measured']:.1f}$" in lesson
    assert f"${saved['shift_rms_measured']:.3f}$" in lesson
    sys.modules.pop("build_notebooks", None)


def test_qml_lessons_quote_the_scripts_accuracies_and_parameter_counts() -> None:
    saved = _numbers(QML)
    vqc = _lesson(QML, "03-variational-classifier.md")
    assert f"**{saved['vqc_parameters']} trainable parameters**" in vqc
    assert f"${saved['vqc_test_accuracy']:.3f}$" in vqc
    base = saved["moons_baselines"]
    assert f"${base['logistic_regression']:.3f}$" in vqc
    mlps = sorted(base["mlp_2_8_1_seeds_0_4"])
    assert (f"${mlps[0]:.3f}$" if mlps[0] == mlps[-1] else f"${mlps[0]:.3f}$–${mlps[-1]:.3f}$") in vqc
    assert f"{base['mlp_2_8_1_parameters']} parameters" in vqc
    assert "about 20 parameters" not in vqc
    ch = saved["challenge_practice"]
    challenge = _lesson(QML, "05-qml-challenge.md")
    printed = "\n".join(ch["printed"])
    acc_line = next(line for line in ch["printed"] if line.startswith("accuracy on 2000 fresh points"))
    assert acc_line.split(": ")[1].replace("±", "\\pm") in challenge
    assert "3 layer(s): validation accuracy 0.960" in printed and "$0.960$" in challenge
    assert f"({ch['parameters']} parameters)" in challenge and ch["qubits"] == 2
    assert "96 % test accuracy" not in challenge
    hidden_bar = "assert_accuracy_at_least(predict(model, Xh), yh, 0.88"
    assert hidden_bar in (QML / "tools" / "build_notebooks.py").read_text() and "at least $0.88$" in challenge


def test_qml_hybrid_regression_table_is_what_practice_04_measured() -> None:
    h = _numbers(QML)["hybrid_practice"]
    lesson = _lesson(QML, "04-hybrid-regression.md")
    rows = {line.split("|")[1].strip(): line for line in lesson.splitlines() if line.startswith("| ")}
    assert f"| 5 | ≈ {h['rmse_linear']:.2f} |" in rows["linear regression"]
    assert f"| {h['parameters_mlp']} | ≈ {h['rmse_mlp_mean']:.2f} |" in rows["classical MLP 4→5→1"]
    assert f"| {h['parameters_hybrid']} | ≈ {h['rmse_hybrid_mean']:.2f} |" in rows["hybrid, 4 qubits"]


def test_qec_repetition_and_surface_code_counts() -> None:
    import stim

    rep = _numbers(QEC)["repetition"]
    row = next(line for line in _lesson(QEC, "01-repetition-code.md").splitlines() if line.startswith("| $p_L$ at"))
    assert [cell.strip() for cell in row.split("|")[2:6]] == [f"{rep[d]['p=0.1']:.3g}" for d in ("1", "3", "5", "7")]
    surface = _lesson(QEC, "02-surface-code.md")
    counts = []
    for d in (3, 5, 7):
        c = stim.Circuit.generated(
            "surface_code:rotated_memory_z", distance=d, rounds=d, after_clifford_depolarization=0.001
        )
        counts.append(c.num_detectors)
        assert c.num_detectors == (d * d - 1) * d
    assert "24 for $d=3$, 120 for $d=5$, 336 for $d=7$" in surface and counts == [24, 120, 336]
    assert "17 for $d = 3$" in surface  # 2 d^2 - 1 qubits in use
