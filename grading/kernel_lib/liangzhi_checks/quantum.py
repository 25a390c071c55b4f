"""Quantum-aware checks for test authors: states, unitaries, measurement counts, circuit resources.

Each ``assert_*`` raises ``AssertionError`` with a message a student can act on; each
``*_equal`` / ``*_close`` predicate returns a bool. numpy and qiskit are imported inside the
functions, so ``import liangzhi_checks`` costs nothing in a kernel that does not use them.
Inputs may be qiskit objects (QuantumCircuit, Statevector, Operator) or plain arrays.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = [
    "assert_circuit_within",
    "assert_counts_close",
    "assert_states_equal",
    "assert_unitaries_equal",
    "circuit_resources",
    "counts_close",
    "states_equal",
    "unitaries_equal",
]


def _is_circuit(obj: Any) -> bool:
    return type(obj).__name__ == "QuantumCircuit" and hasattr(obj, "num_qubits")


def _state_vector(obj: Any) -> Any:
    import numpy as np

    if _is_circuit(obj):
        from qiskit.quantum_info import Statevector

        obj = Statevector(obj)
    data = getattr(obj, "data", obj)
    vec = np.asarray(data, dtype=complex).reshape(-1)
    if vec.size == 0 or not np.all(np.isfinite(vec)):
        raise AssertionError("the state is empty or contains NaN/inf")
    return vec


def _matrix(obj: Any) -> Any:
    import numpy as np

    if _is_circuit(obj):
        from qiskit.quantum_info import Operator

        obj = Operator(obj)
    data = getattr(obj, "data", obj)
    mat = np.asarray(data, dtype=complex)
    if mat.ndim != 2 or mat.shape[0] != mat.shape[1]:
        raise AssertionError(f"expected a square matrix, got shape {mat.shape}")
    return mat


def states_equal(actual: Any, expected: Any, *, atol: float = 1e-8) -> bool:
    """True when the two pure states are equal up to a global phase (and both normalised)."""
    import numpy as np

    a, b = _state_vector(actual), _state_vector(expected)
    if a.shape != b.shape:
        return False
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if abs(na - 1) > 1e-6 or abs(nb - 1) > 1e-6:
        return False
    return bool(abs(abs(np.vdot(b, a)) - 1.0) <= atol)


def assert_states_equal(actual: Any, expected: Any, *, atol: float = 1e-8) -> None:
    import numpy as np

    a, b = _state_vector(actual), _state_vector(expected)
    if a.shape != b.shape:
        raise AssertionError(f"state has {a.size} amplitudes, expected {b.size}")
    if abs(np.linalg.norm(a) - 1) > 1e-6:
        raise AssertionError(f"state is not normalised (norm {np.linalg.norm(a):.6f})")
    if not states_equal(a, b, atol=atol):
        fidelity = abs(np.vdot(b, a)) ** 2
        raise AssertionError(f"states differ beyond a global phase (fidelity {fidelity:.6f})")


def unitaries_equal(actual: Any, expected: Any, *, atol: float = 1e-8) -> bool:
    """True when U_actual = e^{iφ} U_expected for some global phase φ."""
    import numpy as np

    a, b = _matrix(actual), _matrix(expected)
    if a.shape != b.shape:
        return False
    # Align the phase on the largest entry of b, then compare entrywise.
    index = np.unravel_index(np.argmax(np.abs(b)), b.shape)
    if abs(a[index]) < 1e-12:
        return False
    phase = a[index] / b[index]
    if abs(abs(phase) - 1) > 1e-6:
        return False
    return bool(np.allclose(a, phase * b, atol=atol, rtol=0))


def assert_unitaries_equal(actual: Any, expected: Any, *, atol: float = 1e-8) -> None:
    a, b = _matrix(actual), _matrix(expected)
    if a.shape != b.shape:
        raise AssertionError(f"unitary has shape {a.shape}, expected {b.shape}")
    if not unitaries_equal(a, b, atol=atol):
        raise AssertionError("unitaries differ beyond a global phase")


def _normalise_counts(counts: Mapping[Any, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in dict(counts).items():
        if isinstance(key, int):
            key = format(key, "b")
        k = str(key).replace(" ", "")
        if k.startswith("0x"):
            k = format(int(k, 16), "b")
        out[k] = out.get(k, 0.0) + float(value)
    width = max((len(k) for k in out), default=0)
    return {k.zfill(width): v for k, v in out.items()}


def counts_close(
    counts: Mapping[Any, Any],
    expected: Mapping[Any, float],
    *,
    shots: int | None = None,
    sigmas: float = 5.0,
) -> bool:
    """True when measured ``counts`` fit the ``expected`` probabilities within shot noise.

    Each outcome's frequency may differ from its probability by ``sigmas`` binomial standard
    deviations (plus one count, so that probability 0 or 1 still has a width); outcomes with
    probability 0 must be (nearly) absent. ``expected`` may be probabilities or counts.
    """
    return not _counts_problems(counts, expected, shots=shots, sigmas=sigmas)


def _counts_problems(
    counts: Mapping[Any, Any], expected: Mapping[Any, float], *, shots: int | None, sigmas: float
) -> list[str]:
    got = _normalise_counts(counts)
    want = _normalise_counts(expected)
    total = float(shots if shots is not None else sum(got.values()))
    if total <= 0:
        return ["no shots were measured"]
    norm = sum(want.values())
    if norm <= 0:
        return ["expected distribution is empty"]
    width = max([len(k) for k in got] + [len(k) for k in want])
    got = {k.zfill(width): v for k, v in got.items()}
    want = {k.zfill(width): v / norm for k, v in want.items()}
    problems = []
    for outcome in sorted(set(got) | set(want)):
        p = want.get(outcome, 0.0)
        freq = got.get(outcome, 0.0) / total
        tolerance = sigmas * math.sqrt(max(p * (1 - p), 0.0) / total) + 1.0 / total
        if abs(freq - p) > tolerance:
            problems.append(f"outcome {outcome}: measured {freq:.4f}, expected {p:.4f} ± {tolerance:.4f}")
    return problems


def assert_counts_close(
    counts: Mapping[Any, Any], expected: Mapping[Any, float], *, shots: int | None = None, sigmas: float = 5.0
) -> None:
    problems = _counts_problems(counts, expected, shots=shots, sigmas=sigmas)
    if problems:
        raise AssertionError("counts do not match within shot noise: " + "; ".join(problems[:5]))


def circuit_resources(circuit: Any) -> dict[str, int]:
    """Qubits, depth, two-qubit gates and total gates of a circuit (barriers and measurements not counted as gates)."""
    if not _is_circuit(circuit):
        raise AssertionError(f"expected a QuantumCircuit, got {type(circuit).__name__}")
    two_qubit = 0
    gates = 0
    for instruction in circuit.data:
        op = instruction.operation
        if op.name in ("barrier", "measure", "reset", "delay"):
            continue
        gates += 1
        if len(instruction.qubits) >= 2:
            two_qubit += 1
    return {
        "qubits": int(circuit.num_qubits),
        "depth": int(circuit.depth(filter_function=lambda i: i.operation.name != "barrier")),
        "two_qubit_gates": two_qubit,
        "gates": gates,
    }


def assert_circuit_within(
    circuit: Any,
    *,
    max_qubits: int | None = None,
    max_depth: int | None = None,
    max_two_qubit_gates: int | None = None,
    max_gates: int | None = None,
) -> dict[str, int]:
    """Fail when the circuit uses more than the given resources; returns what it uses."""
    used = circuit_resources(circuit)
    limits = {"qubits": max_qubits, "depth": max_depth, "two_qubit_gates": max_two_qubit_gates, "gates": max_gates}
    over = [
        f"{name} {used[name]} > {limit}" for name, limit in limits.items() if limit is not None and used[name] > limit
    ]
    if over:
        raise AssertionError("circuit uses too much: " + ", ".join(over))
    return used
