"""Checks and small helpers for quantum-error-correction assignments (Stim + PyMatching).

Everything here runs in the student's kernel and in the grading sandbox: numpy, stim and
pymatching only, imported inside functions so that ``import liangzhi_checks.qec`` is cheap.
Rates are compared as binomial estimates: a correct answer sampled with other seeds still passes.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

__all__ = [
    "add_correlated_pairs",
    "assert_rate_close",
    "binomial_sigma",
    "check_decoder_output",
    "logical_error_rate",
    "matching_decoder",
    "surface_code_circuit",
]


def binomial_sigma(rate: float, shots: int) -> float:
    """Standard deviation of an error rate estimated from ``shots`` independent trials."""
    if shots <= 0:
        raise ValueError("shots must be positive")
    rate = min(max(rate, 1.0 / shots), 1.0 - 1.0 / shots)  # never a zero-width interval
    return math.sqrt(rate * (1.0 - rate) / shots)


def assert_rate_close(observed: float, expected: float, shots: int, *, sigmas: float = 5.0, what: str = "rate") -> None:
    """Fail unless ``observed`` is within ``sigmas`` binomial standard deviations of ``expected``."""
    observed = float(observed)
    if not math.isfinite(observed):
        raise AssertionError(f"{what} is {observed!r}, expected a number near {expected:.4g}")
    tol = sigmas * binomial_sigma(expected, shots)
    if abs(observed - expected) > tol:
        raise AssertionError(
            f"{what} = {observed:.4g}, expected {expected:.4g} ± {tol:.2g} ({sigmas:g} σ for {shots} shots)"
        )


def logical_error_rate(predictions: Any, observables: Any) -> float:
    """Fraction of shots whose predicted observable flips differ from the true ones in any observable."""
    import numpy as np

    pred = np.asarray(predictions).astype(bool)
    obs = np.asarray(observables).astype(bool)
    if pred.ndim == 1:
        pred = pred[:, None]
    if obs.ndim == 1:
        obs = obs[:, None]
    if pred.shape != obs.shape:
        raise AssertionError(f"predictions have shape {pred.shape}, observables {obs.shape}")
    return float(np.mean(np.any(pred != obs, axis=1)))


def check_decoder_output(predictions: Any, shots: int, num_observables: int) -> Any:
    """Return predictions as a (shots, num_observables) bool array, or fail with a message saying what is wrong."""
    import numpy as np

    pred = np.asarray(predictions)
    if pred.ndim == 1 and num_observables == 1:
        pred = pred[:, None]
    if pred.shape != (shots, num_observables):
        raise AssertionError(f"decoder returned shape {pred.shape}, expected ({shots}, {num_observables})")
    if pred.dtype != bool and not np.isin(pred, (0, 1)).all():
        raise AssertionError("decoder output must be booleans (or 0/1)")
    return pred.astype(bool)


def surface_code_circuit(distance: int, p: float, *, rounds: int | None = None, basis: str = "z") -> Any:
    """Stim's rotated surface-code memory experiment with uniform circuit-level noise of strength ``p``.

    All four noise knobs are set to ``p`` (two-qubit depolarising after each Clifford, data depolarising
    before each round, reset and measurement flips): the standard model of the course's lessons.
    """
    import stim

    return stim.Circuit.generated(
        f"surface_code:rotated_memory_{basis}",
        distance=distance,
        rounds=distance if rounds is None else rounds,
        after_clifford_depolarization=p,
        before_round_data_depolarization=p,
        before_measure_flip_probability=p,
        after_reset_flip_probability=p,
    )


def add_correlated_pairs(circuit: Any, pc: float) -> Any:
    """Return a copy of ``circuit`` where each round also flips neighbouring data-qubit pairs together.

    After every ``DEPOLARIZE1`` on the data qubits (one per round), every horizontally adjacent pair of
    data qubits suffers a joint X⊗X error with probability ``pc`` ("crosstalk"). A matching graph built
    from the original circuit does not know about these pairs: it is mis-specified.
    """
    import stim

    if not 0 <= pc <= 1:
        raise ValueError("pc is a probability")
    coords = circuit.get_final_qubit_coordinates()
    out = stim.Circuit()
    for inst in circuit.flattened():
        out.append(inst)
        if inst.name != "DEPOLARIZE1":
            continue
        qubits = [t.value for t in inst.targets_copy()]
        # Data qubits sit at odd (x, y) in Stim's layout; DEPOLARIZE1 after H on ancillas is skipped.
        if not all(coords[q][0] % 2 == 1 and coords[q][1] % 2 == 1 for q in qubits):
            continue
        rows: dict[float, list[tuple[float, int]]] = {}
        for q in qubits:
            x, y = coords[q][0], coords[q][1]
            rows.setdefault(y, []).append((x, q))
        for row in rows.values():
            row.sort()
            for (_, a), (_, b) in itertools.pairwise(row):
                out.append("CORRELATED_ERROR", [stim.target_x(a), stim.target_x(b)], pc)
    return out


def matching_decoder(circuit: Any) -> Callable[[Any], Any]:
    """A reference decoder: PyMatching on the circuit's own detector error model."""
    import pymatching

    matcher = pymatching.Matching.from_detector_error_model(circuit.detector_error_model(decompose_errors=True))
    return matcher.decode_batch
