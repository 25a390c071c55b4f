"""The course-specific kernel checks (liangzhi_checks.qec, liangzhi_checks.qml): pass the right, fail the wrong."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "grading" / "kernel_lib"))
from liangzhi_checks import qec, qml

pytestmark = pytest.mark.unit


def test_rate_close_accepts_shot_noise_and_rejects_a_wrong_rate() -> None:
    for seed in range(20):  # a correct estimate with any seed passes
        observed = np.random.default_rng(seed).random(20_000) < 0.028
        qec.assert_rate_close(observed.mean(), 0.028, 20_000)
    with pytest.raises(AssertionError, match=r"expected 0\.028"):
        qec.assert_rate_close(0.04, 0.028, 20_000)
    with pytest.raises(AssertionError, match="nan"):
        qec.assert_rate_close(math.nan, 0.028, 20_000)


def test_logical_error_rate_and_decoder_output_shapes() -> None:
    obs = np.array([[True], [False], [False], [True]])
    assert qec.logical_error_rate(np.array([True, False, True, True]), obs) == 0.25
    assert qec.check_decoder_output(np.array([1, 0, 0, 1]), 4, 1).dtype == bool
    with pytest.raises(AssertionError, match="shape"):
        qec.check_decoder_output(np.zeros((5, 1)), 4, 1)
    with pytest.raises(AssertionError, match="booleans"):
        qec.check_decoder_output(np.full((4, 1), 0.5), 4, 1)


def test_surface_code_circuit_and_correlated_pairs() -> None:
    for d in (3, 5):
        circuit = qec.surface_code_circuit(d, 0.001)
        assert circuit.num_detectors == (d * d - 1) * d
        assert len(circuit.shortest_graphlike_error()) == d
    noisy = qec.add_correlated_pairs(qec.surface_code_circuit(3, 0.003), 0.02)
    pairs = [inst for inst in noisy.flattened() if inst.name == "E"]
    assert len(pairs) == 3 * 6  # 3 rounds, 3 rows of 3 data qubits -> 2 horizontal pairs per row
    with pytest.raises(ValueError):
        qec.add_correlated_pairs(qec.surface_code_circuit(3, 0.003), 1.5)


def test_matching_decoder_beats_doing_nothing() -> None:
    circuit = qec.surface_code_circuit(3, 0.004)
    det, obs = circuit.compile_detector_sampler(seed=1).sample(5000, separate_observables=True)
    assert qec.logical_error_rate(qec.matching_decoder(circuit)(det), obs) < 0.5 * obs.mean()


def test_gradient_check_accepts_exact_and_rejects_wrong_gradients() -> None:
    def f(t: np.ndarray) -> float:
        return float(np.cos(t[0]) * np.sin(t[1]))

    theta = np.array([0.3, 1.1])
    exact = np.array([-np.sin(0.3) * np.sin(1.1), np.cos(0.3) * np.cos(1.1)])
    qml.assert_gradient_close(exact, f, theta)
    with pytest.raises(AssertionError, match="differs"):
        qml.assert_gradient_close(exact * 1.01, f, theta)
    with pytest.raises(AssertionError, match="entries"):
        qml.assert_gradient_close(exact[:1], f, theta)


def test_accuracy_threshold_and_label_types() -> None:
    labels = np.array([0, 1, 1, 0])
    assert qml.assert_accuracy_at_least(np.array([0, 1, 1, 1]), labels, 0.75) == 0.75
    with pytest.raises(AssertionError, match="below the required"):
        qml.assert_accuracy_at_least(np.array([1, 0, 1, 1]), labels, 0.75)
    with pytest.raises(AssertionError, match="integer labels"):
        qml.accuracy(np.array([0.1, 0.9, 0.8, 0.2]), labels)


def test_model_limits() -> None:
    torch = pytest.importorskip("torch")

    class Tiny(torch.nn.Module):
        n_qubits = 2

        def __init__(self) -> None:
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(10))

    assert qml.assert_model_within(Tiny(), max_parameters=64, max_qubits=4) == {"parameters": 10, "qubits": 2}
    with pytest.raises(AssertionError, match="qubits"):
        qml.assert_model_within(Tiny(), max_qubits=1)
    with pytest.raises(AssertionError, match="n_qubits"):
        qml.assert_model_within(torch.nn.Linear(2, 1))
