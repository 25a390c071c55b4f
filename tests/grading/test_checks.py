"""liangzhi_checks: every check accepts a correct answer and rejects a wrong one."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.unit


def _bell():
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    return qc


def test_states_equal_accepts_global_phase_and_rejects_relative_phase():
    from liangzhi_checks import assert_states_equal, states_equal

    target = np.array([1, 0, 0, 1]) / np.sqrt(2)
    assert states_equal(_bell(), target * np.exp(1j * 0.7))
    assert_states_equal(_bell(), target)
    wrong = np.array([1, 0, 0, -1]) / np.sqrt(2)  # Phi-: a relative phase, not a global one
    assert not states_equal(_bell(), wrong)
    with pytest.raises(AssertionError, match=r"fidelity 0\.000000"):
        assert_states_equal(_bell(), wrong)


def test_states_equal_rejects_unnormalised_and_wrong_size():
    from liangzhi_checks import assert_states_equal, states_equal

    assert not states_equal(np.array([1, 0, 0, 1]), np.array([1, 0, 0, 1]) / np.sqrt(2))
    with pytest.raises(AssertionError, match="amplitudes"):
        assert_states_equal(np.array([1, 0]), np.array([1, 0, 0, 0]))


def test_unitaries_equal_up_to_phase():
    from liangzhi_checks import assert_unitaries_equal, unitaries_equal
    from qiskit import QuantumCircuit

    z = QuantumCircuit(1)
    z.z(0)
    hxh = QuantumCircuit(1)
    hxh.h(0)
    hxh.x(0)
    hxh.h(0)
    assert unitaries_equal(hxh, z)
    assert unitaries_equal(np.diag([1, -1]) * 1j, z)  # a global phase i
    assert_unitaries_equal(hxh, np.diag([1, -1]))
    s = np.diag([1, 1j])
    assert not unitaries_equal(s, z)
    with pytest.raises(AssertionError, match="global phase"):
        assert_unitaries_equal(s, z)


def test_counts_close_within_shot_noise():
    from liangzhi_checks import assert_counts_close, counts_close

    assert counts_close({"00": 507, "11": 517}, {"00": 0.5, "11": 0.5})
    assert counts_close({"0 0": 490, "1 1": 534}, {"00": 1, "11": 1})  # register spaces, counts as weights
    assert_counts_close({"00": 1024}, {"00": 1.0})
    assert not counts_close({"00": 700, "11": 324}, {"00": 0.5, "11": 0.5})
    with pytest.raises(AssertionError, match="outcome 01"):
        assert_counts_close({"00": 500, "01": 60, "11": 464}, {"00": 0.5, "11": 0.5})


def test_counts_close_on_a_real_simulation():
    from liangzhi_checks import counts_close
    from qiskit import transpile
    from qiskit_aer import AerSimulator

    qc = _bell()
    qc.measure_all()
    sim = AerSimulator(seed_simulator=11)
    counts = sim.run(transpile(qc, sim), shots=2000).result().get_counts()
    assert counts_close(counts, {"00": 0.5, "11": 0.5})
    assert not counts_close(counts, {"00": 0.25, "01": 0.25, "10": 0.25, "11": 0.25})


def test_circuit_resource_limits():
    from liangzhi_checks import assert_circuit_within, circuit_resources

    used = assert_circuit_within(_bell(), max_qubits=2, max_depth=2, max_two_qubit_gates=1)
    assert used == {"qubits": 2, "depth": 2, "two_qubit_gates": 1, "gates": 2}
    deep = _bell()
    deep.cx(0, 1)
    deep.cx(0, 1)
    assert circuit_resources(deep)["two_qubit_gates"] == 3
    with pytest.raises(AssertionError, match="two_qubit_gates 3 > 1"):
        assert_circuit_within(deep, max_two_qubit_gates=1)
    with pytest.raises(AssertionError, match="QuantumCircuit"):
        assert_circuit_within("not a circuit", max_qubits=1)
