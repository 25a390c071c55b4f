"""Checks for quantum-machine-learning assignments: gradients, trained-model outcomes, resource limits.

Runs in the student's kernel and in the grading sandbox (numpy; torch only when a model is passed).
Training outcomes are judged by thresholds on held-out data with fixed seeds, so every correct
approach passes, not just the reference one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

__all__ = [
    "accuracy",
    "assert_accuracy_at_least",
    "assert_gradient_close",
    "assert_model_within",
    "central_difference",
    "trainable_parameters",
]


def central_difference(f: Callable[[Any], float], theta: Any, *, h: float = 1e-6) -> Any:
    """Central finite-difference gradient of ``f`` at ``theta`` (a 1-D array); error of order h²."""
    import numpy as np

    theta = np.asarray(theta, dtype=float)
    grad = np.zeros_like(theta)
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = h
        grad[j] = (float(f(theta + e)) - float(f(theta - e))) / (2 * h)
    return grad


def assert_gradient_close(grad: Any, f: Callable[[Any], float], theta: Any, *, atol: float = 1e-6) -> None:
    """Fail unless ``grad`` equals the numerical gradient of ``f`` at ``theta`` within ``atol`` per entry."""
    import numpy as np

    got = np.asarray(grad, dtype=float).reshape(-1)
    want = central_difference(f, theta)
    if got.shape != want.shape:
        raise AssertionError(f"gradient has {got.size} entries, expected {want.size}")
    if not np.all(np.isfinite(got)):
        raise AssertionError("gradient contains NaN or inf")
    worst = float(np.max(np.abs(got - want)))
    if worst > atol:
        raise AssertionError(f"gradient differs from finite differences by {worst:.2e} (tolerance {atol:.0e})")


def accuracy(predictions: Any, labels: Any) -> float:
    """Fraction of correct labels; predictions must be one 0/1 integer label per example."""
    import numpy as np

    pred = np.asarray(predictions)
    lab = np.asarray(labels)
    if pred.shape != lab.shape:
        raise AssertionError(f"predictions have shape {pred.shape}, labels {lab.shape}")
    if pred.dtype.kind not in "biu":
        raise AssertionError(f"predictions must be integer labels, got dtype {pred.dtype}")
    return float(np.mean(pred == lab))


def assert_accuracy_at_least(predictions: Any, labels: Any, threshold: float, *, what: str = "accuracy") -> float:
    """Fail unless the accuracy reaches ``threshold``; returns it."""
    acc = accuracy(predictions, labels)
    n = len(labels)
    if acc < threshold:
        err = math.sqrt(max(acc * (1 - acc), 1.0 / n) / n)
        raise AssertionError(f"{what} {acc:.3f} ± {err:.3f} on {n} examples is below the required {threshold:.2f}")
    return acc


def trainable_parameters(module: Any) -> int:
    """Number of trainable scalars in a torch module."""
    return int(sum(p.numel() for p in module.parameters() if p.requires_grad))


def assert_model_within(
    module: Any, *, max_parameters: int | None = None, max_qubits: int | None = None
) -> dict[str, int]:
    """Fail when a hybrid model exceeds its resource limits; it must declare ``n_qubits``."""
    if not hasattr(module, "parameters"):
        raise AssertionError(f"expected a torch.nn.Module, got {type(module).__name__}")
    qubits = getattr(module, "n_qubits", None)
    if not isinstance(qubits, int) or qubits < 1:
        raise AssertionError("the model must declare its number of qubits as an integer attribute n_qubits")
    used = {"parameters": trainable_parameters(module), "qubits": qubits}
    over = []
    if max_parameters is not None and used["parameters"] > max_parameters:
        over.append(f"{used['parameters']} trainable parameters > {max_parameters}")
    if max_qubits is not None and qubits > max_qubits:
        over.append(f"{qubits} qubits > {max_qubits}")
    if over:
        raise AssertionError("model uses too much: " + ", ".join(over))
    return used
