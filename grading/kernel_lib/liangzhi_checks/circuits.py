"""Circuits as plain data (the composer's JSON) to qiskit, and grading one against a target.

The circuit composer in the quiz page submits ``{"qubits": n, "ops": [...]}``, each op
``{"gate": "h", "targets": [0]}``, ``{"gate": "cx", "controls": [0], "targets": [1]}``,
``{"gate": "rx", "targets": [0], "angle": 1.5708}`` or ``{"gate": "measure", "targets": [0]}``,
optionally with ``"step"`` (the column it sits in; ops are applied in step order, then list
order). Only the gates below exist: anything else is refused with a message, never looked up
by name on qiskit (a name such as ``"__class__"`` must not reach ``getattr``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .quantum import circuit_resources, states_equal, unitaries_equal

ONE_QUBIT = ("h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx")
ROTATIONS = ("rx", "ry", "rz", "p")
TWO_QUBIT = ("cx", "cz", "swap", "cy")
GATES = (*ONE_QUBIT, *ROTATIONS, *TWO_QUBIT, "measure", "barrier")
MAX_QUBITS = 8
MAX_OPS = 400

__all__ = ["GATES", "CircuitError", "circuit_from_ops", "grade_circuit"]


class CircuitError(ValueError):
    """The JSON is not a circuit the composer can make; the message is for the student."""


def _angle(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CircuitError("a rotation needs a numeric angle")
    if not math.isfinite(value):
        raise CircuitError("the angle is not finite")
    return float(value)


def _qubits(op: Mapping[str, Any], key: str, n: int) -> list[int]:
    raw = op.get(key) or []
    if not isinstance(raw, list) or not all(isinstance(q, int) and not isinstance(q, bool) for q in raw):
        raise CircuitError(f"'{key}' must be a list of qubit numbers")
    if any(q < 0 or q >= n for q in raw):
        raise CircuitError(f"qubit out of range 0..{n - 1}")
    return list(raw)


def circuit_from_ops(data: Mapping[str, Any], *, keep_measure: bool = False) -> Any:
    """A ``QuantumCircuit`` from the composer's JSON; measurements dropped unless ``keep_measure``."""
    from qiskit import QuantumCircuit

    n = data.get("qubits")
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_QUBITS:
        raise CircuitError(f"the number of qubits must be 1..{MAX_QUBITS}")
    ops = data.get("ops")
    if not isinstance(ops, list) or len(ops) > MAX_OPS:
        raise CircuitError(f"'ops' must be a list of at most {MAX_OPS} gates")
    ordered = sorted(enumerate(ops), key=lambda p: (p[1].get("step", 0) if isinstance(p[1], dict) else 0, p[0]))
    qc = QuantumCircuit(n, n if keep_measure else 0)
    for _, op in ordered:
        if not isinstance(op, dict):
            raise CircuitError("each op must be an object")
        step = op.get("step", 0)
        if isinstance(step, bool) or not isinstance(step, int):
            raise CircuitError("'step' must be a whole number")
        gate = op.get("gate")
        if gate not in GATES:
            raise CircuitError(f"unknown gate {str(gate)[:20]!r}")
        targets = _qubits(op, "targets", n)
        controls = _qubits(op, "controls", n)
        if len(set(targets + controls)) != len(targets + controls):
            raise CircuitError(f"{gate}: a qubit is used twice")
        if gate in ONE_QUBIT or gate in ROTATIONS:
            if len(targets) != 1 or controls:
                raise CircuitError(f"{gate} acts on one qubit")
            if gate in ROTATIONS:
                getattr(qc, gate)(_angle(op.get("angle")), targets[0])
            else:
                getattr(qc, gate)(targets[0])
        elif gate in ("cx", "cz", "cy"):
            if len(targets) != 1 or len(controls) != 1:
                raise CircuitError(f"{gate} needs one control and one target")
            getattr(qc, gate)(controls[0], targets[0])
        elif gate == "swap":
            if len(targets) != 2 or controls:
                raise CircuitError("swap acts on two qubits")
            qc.swap(targets[0], targets[1])
        elif gate == "measure" and keep_measure:
            for q in targets:
                qc.measure(q, q)
        # barrier: layout only
    return qc


def grade_circuit(
    answer: Mapping[str, Any],
    *,
    target: Mapping[str, Any] | None = None,
    target_state: list[Any] | None = None,
    mode: str = "unitary",
    limits: Mapping[str, int | None] | None = None,
    allowed_gates: list[str] | None = None,
    atol: float = 1e-6,
) -> tuple[bool, str, dict[str, int]]:
    """(correct, message, resources used): the student's circuit against the target, up to global phase.

    ``mode="unitary"`` compares the whole operator with the target circuit's; ``mode="state"``
    compares the states both make from |0…0⟩ (or ``target_state``, a list of amplitudes,
    complex numbers as ``[re, im]``). Over a resource limit (qubits, depth, two_qubit_gates,
    gates) the answer is wrong whatever it computes, and the message says which limit.
    """
    import numpy as np

    qc = circuit_from_ops(answer)
    used = circuit_resources(qc)
    over = [
        f"{name.replace('_', '-')} {used[name]} > {limit}"
        for name, limit in (limits or {}).items()
        if limit is not None and name in used and used[name] > limit
    ]
    if allowed_gates is not None:
        bad = sorted({str(op.get("gate")) for op in answer.get("ops", []) if op.get("gate") not in allowed_gates})
        bad = [g for g in bad if g not in ("measure", "barrier")]
        if bad:
            return False, f"gates not allowed here: {', '.join(bad)}", used
    if over:
        return False, "over the resource limit: " + ", ".join(over), used
    if mode == "state":
        if target_state is not None:
            amps = [complex(a[0], a[1]) if isinstance(a, list) else complex(a) for a in target_state]
            expected: Any = np.asarray(amps, dtype=complex)
        elif target is not None:
            from qiskit.quantum_info import Statevector

            expected = Statevector(circuit_from_ops(target)).data
        else:
            raise CircuitError("the question names no target")
        from qiskit.quantum_info import Statevector

        got = Statevector(qc).data
        if got.shape != expected.shape:
            return False, f"the circuit must have {int(math.log2(expected.shape[0]))} qubits", used
        ok = states_equal(got, expected, atol=atol)
        return ok, "the circuit prepares the target state" if ok else "the circuit prepares another state", used
    if target is None:
        raise CircuitError("the question names no target circuit")
    want = circuit_from_ops(target)
    if want.num_qubits != qc.num_qubits:
        return False, f"the circuit must have {want.num_qubits} qubits", used
    from qiskit.quantum_info import Operator

    ok = unitaries_equal(Operator(qc).data, Operator(want).data, atol=atol)
    return ok, "the circuit implements the target unitary" if ok else "the circuit implements another unitary", used
