"""Circuit answers against a target with liangzhi_checks (qiskit, in this test process; in the sandbox in production)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "grading" / "kernel_lib"))

from liangzhi_checks.circuits import CircuitError, grade_circuit

BELL = {"qubits": 2, "ops": [{"gate": "h", "targets": [0]}, {"gate": "cx", "controls": [0], "targets": [1]}]}


def test_same_circuit_is_correct() -> None:
    ok, message, used = grade_circuit(BELL, target=BELL, mode="unitary")
    assert ok and "target unitary" in message and used["two_qubit_gates"] == 1


def test_equivalent_circuit_with_different_gates_and_global_phase() -> None:
    # H = X·RY(π/2) (RY applied first), and CX = (I⊗H)·CZ·(I⊗H)
    other = {
        "qubits": 2,
        "ops": [
            {"gate": "ry", "targets": [0], "angle": math.pi / 2, "step": 0},
            {"gate": "x", "targets": [0], "step": 1},
            {"gate": "h", "targets": [1], "step": 2},
            {"gate": "cz", "controls": [0], "targets": [1], "step": 3},
            {"gate": "h", "targets": [1], "step": 4},
        ],
    }
    assert grade_circuit(other, target=BELL, mode="unitary")[0]
    # global phase: S·S·Z = Z·Z = I up to nothing; RZ(2π) = -I: a global phase only
    phase = {"qubits": 2, "ops": [*BELL["ops"], {"gate": "rz", "targets": [0], "angle": 2 * math.pi, "step": 9}]}
    assert grade_circuit(phase, target=BELL, mode="unitary")[0]


def test_wrong_circuit_and_state_mode() -> None:
    wrong = {"qubits": 2, "ops": [{"gate": "h", "targets": [0]}, {"gate": "h", "targets": [1]}]}
    assert not grade_circuit(wrong, target=BELL, mode="unitary")[0]
    assert not grade_circuit(wrong, target=BELL, mode="state")[0]
    # state mode: a circuit that differs as a unitary but makes the same state from |00> is right
    alt = {
        "qubits": 2,
        "ops": [
            {"gate": "h", "targets": [0]},
            {"gate": "cx", "controls": [0], "targets": [1]},
            {"gate": "cz", "controls": [0], "targets": [1], "step": 5},
            {"gate": "z", "targets": [0], "step": 6},
        ],
    }
    assert grade_circuit(alt, target=BELL, mode="state")[0]
    amps = [[1 / math.sqrt(2), 0], 0, 0, [1 / math.sqrt(2), 0]]
    assert grade_circuit(BELL, target_state=amps, mode="state")[0]


def test_over_resource_limit_is_wrong_even_if_equivalent() -> None:
    padded = {
        "qubits": 2,
        "ops": [
            *BELL["ops"],
            {"gate": "cx", "controls": [0], "targets": [1], "step": 5},
            {"gate": "cx", "controls": [0], "targets": [1], "step": 6},
        ],
    }
    ok, message, _used = grade_circuit(padded, target=BELL, mode="unitary", limits={"two_qubit_gates": 1})
    assert not ok and "two-qubit_gates 3 > 1" in message.replace("two-qubit-gates", "two-qubit_gates")
    ok, message, _ = grade_circuit(padded, target=BELL, mode="unitary", limits={"depth": 2})
    assert not ok and "depth" in message
    assert grade_circuit(padded, target=BELL, mode="unitary")[0]  # without the limit it is the same unitary


@pytest.mark.parametrize(
    "bad",
    [
        {"qubits": 2, "ops": [{"gate": "__class__", "targets": [0]}]},
        {"qubits": 2, "ops": [{"gate": "h", "targets": [5]}]},
        {"qubits": 2, "ops": [{"gate": "cx", "controls": [0], "targets": [0]}]},
        {"qubits": 99, "ops": []},
        {"qubits": 2, "ops": [{"gate": "rx", "targets": [0], "angle": "1; import os"}]},
    ],
)
def test_malformed_circuits_are_refused(bad: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(CircuitError):
        grade_circuit(bad, target=BELL)
