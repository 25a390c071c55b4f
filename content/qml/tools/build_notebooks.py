"""Write the practice notebooks and the nbgrader source assignments of the QML course.

    .venv/bin/python content/qml/tools/build_notebooks.py

The committed .ipynb files are this script's output: edit here, rerun, commit both.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from nbbuild import answer, code, locked, md, save, tests, written


def untrusted(cell: dict) -> dict:
    """A test that needs the student's live objects (a torch module's parameters, autograd through it,
    isinstance on the student's class): graded in the student's kernel instead of the platform's trusted
    test runner. Liangzhi Lab reads ``metadata.liangzhi.trusted``; nbgrader ignores it."""
    cell["metadata"]["liangzhi"] = {"trusted": False}
    return cell


ROOT = Path(__file__).resolve().parent.parent

# The small torch state-vector simulator used from unit 3 on (RY and CNOT only: real amplitudes).
SIM = r"""
import math
import torch

def zero_state(n_qubits, batch):
    # |0...0> for a batch: a real tensor of shape (batch, 2, 2, ..., 2); axis q + 1 is qubit q
    state = torch.zeros(batch, 2 ** n_qubits, dtype=torch.float64)
    state[:, 0] = 1.0
    return state.reshape(batch, *([2] * n_qubits))

def apply_ry(state, theta, qubit):
    # RY(theta) = [[cos(theta/2), -sin(theta/2)], [sin(theta/2), cos(theta/2)]]; theta: a number or shape (batch,)
    theta = torch.as_tensor(theta, dtype=state.dtype)
    c, s = torch.cos(theta / 2), torch.sin(theta / 2)
    if c.dim():
        shape = [-1] + [1] * (state.dim() - 2)
        c, s = c.reshape(shape), s.reshape(shape)
    a0, a1 = state.select(qubit + 1, 0), state.select(qubit + 1, 1)
    return torch.stack([c * a0 - s * a1, s * a0 + c * a1], dim=qubit + 1)

def apply_cnot(state, control, target):
    # flip the target axis on the half of the state where the control qubit is 1
    ca, ta = control + 1, target + 1
    ones = state.select(ca, 1).flip(ta - 1 if ta > ca else ta)
    return torch.stack([state.select(ca, 0), ones], dim=ca)

def expect_z(state, qubit):
    # <Z_qubit> = P(qubit = 0) - P(qubit = 1), per batch element
    probs = state ** 2
    other = [d for d in range(1, state.dim()) if d != qubit + 1]
    marginal = probs.sum(dim=other) if other else probs
    return marginal[:, 0] - marginal[:, 1]

def to_qiskit_order(state):
    # (batch, 2, ..., 2) with qubit 0 first -> (batch, 2**n) in Qiskit's order (qubit 0 = least significant bit)
    n = state.dim() - 1
    return state.permute(0, *range(n, 0, -1)).reshape(state.shape[0], -1)
"""

MOONS = r"""
import numpy as np

def two_moons(n, seed, noise=0.15):
    # two interleaved half circles, scaled to about [-1, 1]^2
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, np.pi, n)
    label = rng.integers(0, 2, n)
    x = np.where(label == 0, np.cos(t), 1 - np.cos(t))
    y = np.where(label == 0, np.sin(t), 0.5 - np.sin(t))
    points = np.stack([x, y], axis=1) + rng.normal(0, noise, (n, 2))
    return (points - [0.5, 0.25]) / [1.0, 0.6], label
"""

# ----------------------------------------------------------------------------------------------------------------
# Unit 1: Qiskit basics
# ----------------------------------------------------------------------------------------------------------------
PRACTICE_1 = [
    md(r"""
    # Practice: qubits, gates and measurement on the Aer simulator

    Run each cell with **Shift+Enter**. `# Self-check` cells print ✓ when the result is what quantum mechanics predicts.
    """),
    code(r"""
    import numpy as np
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import SparsePauliOp, Statevector
    from qiskit_aer import AerSimulator

    qc = QuantumCircuit(1)
    qc.h(0)
    state = Statevector(qc)
    print(state)
    # Self-check: H|0> = (|0> + |1>)/sqrt(2)
    assert np.allclose(state.data, [1 / np.sqrt(2), 1 / np.sqrt(2)])
    print("✓ H makes an equal superposition")
    """),
    md(r"""
    ## RY rotations and the Born rule

    $R_Y(\theta)|0\rangle = \cos\frac\theta2|0\rangle + \sin\frac\theta2|1\rangle$, so $P(1) = \sin^2\frac\theta2$.
    """),
    code(r"""
    theta = 2 * np.pi / 3
    qc = QuantumCircuit(1)
    qc.ry(theta, 0)
    probs = Statevector(qc).probabilities()
    print("P(0), P(1) =", probs, " expected P(1) =", np.sin(theta / 2) ** 2)
    qc.measure_all()
    shots = 4000
    counts = AerSimulator().run(qc, shots=shots, seed_simulator=3).result().get_counts()
    print(counts)
    # Self-check: the count of '1' is within 5 standard deviations of N * P(1)
    q = np.sin(theta / 2) ** 2
    assert abs(counts.get("1", 0) - shots * q) < 5 * np.sqrt(shots * q * (1 - q))
    print("✓ counts agree with the Born rule within shot noise")
    """),
    md(r"""
    ## Global phase does not matter

    $Z$ then $X$ gives $XZ|0\rangle = |1\rangle$; $Y$ gives $Y|0\rangle = i|1\rangle$. Same state up to the global phase $i$.
    """),
    code(r"""
    a = QuantumCircuit(1); a.z(0); a.x(0)
    b = QuantumCircuit(1); b.y(0)
    sa, sb = Statevector(a), Statevector(b)
    print(sa.data, sb.data)
    overlap = abs(np.vdot(sa.data, sb.data))
    # Self-check: |<a|b>| = 1 means equal up to a global phase (though the vectors differ)
    assert not np.allclose(sa.data, sb.data) and abs(overlap - 1) < 1e-12
    assert sa.equiv(sb)
    print("✓ equal up to global phase")
    """),
    md(r"""
    ## Qiskit's bit order

    Put qubit 0 in $|1\rangle$ and leave qubit 1 in $|0\rangle$. The count key has qubit 0 on the **right**.
    """),
    code(r"""
    qc = QuantumCircuit(2)
    qc.x(0)
    qc.measure_all()
    counts = AerSimulator().run(qc, shots=100, seed_simulator=1).result().get_counts()
    print(counts)
    # Self-check
    assert counts == {"01": 100}
    print("✓ key '01': qubit 1 reads 0, qubit 0 reads 1")
    print("<Z> on qubit 1 (label 'ZI'):", Statevector(qc.remove_final_measurements(inplace=False)).expectation_value(SparsePauliOp("ZI")).real)
    """),
    md(r"""
    ## GHZ state

    $H$ on qubit 0 and CNOTs $0\to1\to2$ make $(|000\rangle + |111\rangle)/\sqrt2$.
    """),
    code(r"""
    ghz = QuantumCircuit(3)
    ghz.h(0)
    ghz.cx(0, 1)
    ghz.cx(1, 2)
    target = np.zeros(8); target[0] = target[7] = 1 / np.sqrt(2)
    assert abs(abs(np.vdot(target, Statevector(ghz).data)) - 1) < 1e-12
    ghz.measure_all()
    shots = 2000
    counts = AerSimulator().run(ghz, shots=shots, seed_simulator=5).result().get_counts()
    print(counts)
    # Self-check: only 000 and 111, each about half
    assert set(counts) <= {"000", "111"}
    assert abs(counts["000"] - shots / 2) < 5 * np.sqrt(shots / 4)
    print("✓ GHZ: all three qubits always agree")
    """),
]

A1 = [
    md(r"""
    # Assignment: circuits, counts and expectation values

    Use Qiskit and Aer. Points: 10, all autograded. Tests accept any correct answer: states are compared up to
    global phase, counts within shot-noise tolerance.
    """),
    locked("qb_imports", r"""
    import numpy as np
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Statevector
    from qiskit_aer import AerSimulator
    from liangzhi_checks import assert_counts_close, assert_states_equal
    """),
    md(r"""
    **Q1 (4 points).** Write `ghz(n)`: an `n`-qubit `QuantumCircuit` without measurements that prepares
    $(|0\cdots0\rangle + |1\cdots1\rangle)/\sqrt2$ from $|0\cdots0\rangle$.
    """),
    answer("ghz", r"""
    def ghz(n):
        ### BEGIN SOLUTION
        qc = QuantumCircuit(n)
        qc.h(0)
        for q in range(n - 1):
            qc.cx(q, q + 1)
        return qc
        ### END SOLUTION
    """),
    tests("test_ghz", 4, r"""
    target = np.zeros(8); target[0] = target[-1] = 1 / np.sqrt(2)
    assert ghz(3).num_qubits == 3
    assert_states_equal(ghz(3), target)          # equal up to a global phase
    ### BEGIN HIDDEN TESTS
    for n in (2, 5):
        t = np.zeros(2 ** n); t[0] = t[-1] = 1 / np.sqrt(2)
        assert_states_equal(ghz(n), t)
        assert not any(inst.operation.name == "measure" for inst in ghz(n).data)
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q2 (3 points).** Write `sample_counts(circuit, shots, seed)`: measure all qubits of a *copy* of `circuit`
    (leave the argument unchanged), run it on `AerSimulator` with `seed_simulator=seed`, and return the counts dict.
    """),
    answer("sample_counts", r"""
    def sample_counts(circuit, shots, seed):
        ### BEGIN SOLUTION
        qc = circuit.copy()
        qc.measure_all()
        return AerSimulator().run(qc, shots=shots, seed_simulator=seed).result().get_counts()
        ### END SOLUTION
    """),
    tests("test_sample_counts", 3, r"""
    c = ghz(3)
    counts = sample_counts(c, 2000, seed=1)
    assert_counts_close(counts, {"000": 0.5, "111": 0.5})     # within 5 standard deviations of shot noise
    assert not any(inst.operation.name == "measure" for inst in c.data), "the argument was modified"
    ### BEGIN HIDDEN TESTS
    qc = QuantumCircuit(2)
    qc.ry(2 * np.pi / 3, 1)           # P(qubit 1 = 1) = sin^2(pi/3) = 3/4
    assert_counts_close(sample_counts(qc, 4000, seed=9), {"00": 0.25, "10": 0.75})
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q3 (3 points).** Write `expectation_z_from_counts(counts, qubit)`: the estimate $(n_0 - n_1)/N$ of
    $\langle Z\rangle$ on qubit `qubit`, where $n_0$ ($n_1$) counts shots in which that qubit read 0 (1).
    Mind Qiskit's bit order.
    """),
    answer("expectation_from_counts", r"""
    def expectation_z_from_counts(counts, qubit):
        ### BEGIN SOLUTION
        total = sum(counts.values())
        value = 0
        for key, n in counts.items():
            bit = key.replace(" ", "")[-1 - qubit]
            value += n if bit == "0" else -n
        return value / total
        ### END SOLUTION
    """),
    tests("test_expectation_from_counts", 3, r"""
    counts = {"01": 30, "00": 70}
    assert abs(expectation_z_from_counts(counts, 0) - 0.4) < 1e-12
    assert abs(expectation_z_from_counts(counts, 1) - 1.0) < 1e-12
    ### BEGIN HIDDEN TESTS
    counts = {"001": 10, "110": 20, "100": 30, "111": 40}
    assert abs(expectation_z_from_counts(counts, 0) - (50 - 50) / 100) < 1e-12
    assert abs(expectation_z_from_counts(counts, 1) - (40 - 60) / 100) < 1e-12
    assert abs(expectation_z_from_counts(counts, 2) - (10 - 90) / 100) < 1e-12
    qc = QuantumCircuit(2); qc.ry(1.0, 0)
    est = expectation_z_from_counts(sample_counts(qc, 4000, seed=4), 0)
    assert abs(est - np.cos(1.0)) < 5 * np.sqrt((1 - np.cos(1.0) ** 2) / 4000)
    ### END HIDDEN TESTS
    """),
]

# ----------------------------------------------------------------------------------------------------------------
# Unit 2: parameter shift
# ----------------------------------------------------------------------------------------------------------------
PRACTICE_2 = [
    md(r"""
    # Practice: the parameter-shift rule against finite differences

    The circuit of the lesson: $R_Y(a)$ on qubit 0, $R_X(b)$ on qubit 1, CNOT $0\to1$, observable $Z$ on qubit 1.
    Its expectation value is $f(a,b) = \cos a\cos b$.
    """),
    code(r"""
    import numpy as np
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import SparsePauliOp, Statevector
    from qiskit_aer import AerSimulator

    def circuit(a, b):
        qc = QuantumCircuit(2)
        qc.ry(a, 0)
        qc.rx(b, 1)
        qc.cx(0, 1)
        return qc

    Z1 = SparsePauliOp("ZI")            # Z on qubit 1 (qubit 0 is the right-most letter)

    def f(theta):
        return Statevector(circuit(*theta)).expectation_value(Z1).real

    theta = np.array([0.7, -1.1])
    print(f(theta), np.cos(0.7) * np.cos(-1.1))
    # Self-check: f = cos a cos b
    assert abs(f(theta) - np.cos(0.7) * np.cos(-1.1)) < 1e-12
    print("✓ the circuit computes cos(a) cos(b)")
    """),
    code(r"""
    def parameter_shift(f, theta):
        grad = np.zeros(len(theta))
        for j in range(len(theta)):
            shift = np.zeros(len(theta)); shift[j] = np.pi / 2
            grad[j] = (f(theta + shift) - f(theta - shift)) / 2
        return grad

    def finite_difference(f, theta, h):
        grad = np.zeros(len(theta))
        for j in range(len(theta)):
            e = np.zeros(len(theta)); e[j] = h
            grad[j] = (f(theta + e) - f(theta - e)) / (2 * h)
        return grad

    exact = np.array([-np.sin(0.7) * np.cos(-1.1), -np.cos(0.7) * np.sin(-1.1)])
    ps = parameter_shift(f, theta)
    print("parameter shift:", ps, " exact:", exact)
    # Self-check: exact to machine precision
    assert np.allclose(ps, exact, atol=1e-12)
    print("✓ parameter shift is exact")
    """),
    md(r"""
    ## Finite differences converge as $h^2$
    """),
    code(r"""
    for h in (1e-1, 1e-2, 1e-3):
        err = np.abs(finite_difference(f, theta, h) - exact).max()
        print(f"h = {h:g}: error {err:.2e}   (h²/6 = {h * h / 6:.2e})")
    # Self-check: the error shrinks ~100x when h shrinks 10x, and stays below h²/6
    e1 = np.abs(finite_difference(f, theta, 1e-1) - exact).max()
    e2 = np.abs(finite_difference(f, theta, 1e-2) - exact).max()
    assert e1 < 1e-2 / 6 + 1e-12 and 50 < e1 / e2 < 150
    print("✓ truncation error of order h²")
    """),
    md(r"""
    ## With shot noise

    Now estimate $f$ from 1000 shots per evaluation on Aer: $\langle Z_1\rangle = (n_0 - n_1)/N$ for qubit 1.
    Repeat each gradient estimate 20 times and look at the spread.
    """),
    code(r"""
    sim = AerSimulator()

    def f_shots(theta, shots=1000, seed=None):
        qc = circuit(*theta)
        qc.measure_all()
        counts = sim.run(qc, shots=shots, seed_simulator=seed).result().get_counts()
        n0 = sum(n for key, n in counts.items() if key[-2] == "0")    # qubit 1 is the second bit from the right
        return (2 * n0 - shots) / shots

    rng = np.random.default_rng(0)
    def noisy(theta):
        return f_shots(theta, seed=int(rng.integers(1 << 30)))

    shift_estimates = np.array([parameter_shift(noisy, theta) for _ in range(20)])
    fd_estimates = np.array([finite_difference(noisy, theta, 1e-2) for _ in range(20)])
    print("parameter shift: spread", shift_estimates.std(axis=0), " mean error", np.abs(shift_estimates.mean(0) - exact))
    print("finite diff h=0.01: spread", fd_estimates.std(axis=0))
    """),
    code(r"""
    # Self-check: parameter shift's spread is about sigma/sqrt(2) <= 0.03; finite differences at h = 0.01 spread ~ sigma/(sqrt(2) h) > 1
    assert shift_estimates.std(axis=0).max() < 0.05
    assert np.abs(shift_estimates.mean(axis=0) - exact).max() < 0.03      # unbiased: 20 repeats average to the truth
    assert fd_estimates.std(axis=0).min() > 0.5
    print("✓ with shots, parameter shift is usable and small-h finite differences are not")
    """),
]

A2 = [
    md(r"""
    # Assignment: gradients of a parameterised circuit

    Points: 12 (9 autograded, 3 written by hand).
    """),
    locked("ps_imports", r"""
    import numpy as np
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import SparsePauliOp, Statevector
    """),
    md(r"""
    **Q1 (3 points).** Write `expectation(a, b)`: the exact expectation value of $Z$ **on qubit 1** after the circuit
    $R_Y(a)$ on qubit 0, $R_X(b)$ on qubit 1, CNOT from 0 to 1 (use `Statevector` and `SparsePauliOp`).
    """),
    answer("expectation", r"""
    def expectation(a, b):
        ### BEGIN SOLUTION
        qc = QuantumCircuit(2)
        qc.ry(a, 0)
        qc.rx(b, 1)
        qc.cx(0, 1)
        return float(Statevector(qc).expectation_value(SparsePauliOp("ZI")).real)
        ### END SOLUTION
    """),
    tests("test_expectation", 3, r"""
    assert abs(expectation(0.0, 0.0) - 1.0) < 1e-9
    assert abs(expectation(0.3, 0.9) - np.cos(0.3) * np.cos(0.9)) < 1e-9
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(3)
    for a, b in rng.uniform(-np.pi, np.pi, (5, 2)):
        assert abs(expectation(a, b) - np.cos(a) * np.cos(b)) < 1e-9, (a, b)
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q2 (3 points).** Write `parameter_shift_grad(f, theta)`: for a function `f` of a 1-D numpy array whose every
    entry enters one Pauli rotation, return the numpy array of partial derivatives by the parameter-shift rule.
    """),
    answer("parameter_shift", r"""
    def parameter_shift_grad(f, theta):
        ### BEGIN SOLUTION
        theta = np.asarray(theta, dtype=float)
        grad = np.zeros_like(theta)
        for j in range(theta.size):
            shift = np.zeros_like(theta)
            shift[j] = np.pi / 2
            grad[j] = (f(theta + shift) - f(theta - shift)) / 2
        return grad
        ### END SOLUTION
    """),
    tests("test_parameter_shift", 3, r"""
    f = lambda t: np.cos(t[0]) * np.cos(t[1])
    g = parameter_shift_grad(f, np.array([0.4, 1.2]))
    assert np.allclose(g, [-np.sin(0.4) * np.cos(1.2), -np.cos(0.4) * np.sin(1.2)], atol=1e-12)
    ### BEGIN HIDDEN TESTS
    def three(t):
        qc = QuantumCircuit(2)
        qc.ry(t[0], 0); qc.rx(t[1], 1); qc.cx(0, 1); qc.ry(t[2], 1)
        return Statevector(qc).expectation_value(SparsePauliOp("ZI")).real
    from liangzhi_checks.qml import assert_gradient_close
    t = np.array([0.3, -0.8, 1.9])
    assert_gradient_close(parameter_shift_grad(three, t), three, t, atol=1e-6)
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q3 (3 points).** Write `finite_difference_grad(f, theta, h)`: the central finite-difference gradient with step `h`.
    """),
    answer("finite_difference", r"""
    def finite_difference_grad(f, theta, h):
        ### BEGIN SOLUTION
        theta = np.asarray(theta, dtype=float)
        grad = np.zeros_like(theta)
        for j in range(theta.size):
            e = np.zeros_like(theta)
            e[j] = h
            grad[j] = (f(theta + e) - f(theta - e)) / (2 * h)
        return grad
        ### END SOLUTION
    """),
    tests("test_finite_difference", 3, r"""
    f = lambda t: np.cos(t[0]) * np.cos(t[1])
    exact = np.array([-np.sin(0.4) * np.cos(1.2), -np.cos(0.4) * np.sin(1.2)])
    assert np.abs(finite_difference_grad(f, np.array([0.4, 1.2]), 1e-3) - exact).max() < 1e-6
    ### BEGIN HIDDEN TESTS
    # central differences: the error falls as h^2 (a forward difference would fall only as h)
    e1 = np.abs(finite_difference_grad(f, np.array([0.4, 1.2]), 1e-1) - exact).max()
    e2 = np.abs(finite_difference_grad(f, np.array([0.4, 1.2]), 1e-2) - exact).max()
    assert 50 < e1 / e2 < 150, e1 / e2
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q4 (3 points, graded by your teacher).** On a quantum computer each value of $f$ is estimated from $N = 1000$
    shots, with standard error about $1/\sqrt N$. Compare the error of the parameter-shift gradient with that of the
    central finite difference with $h = 10^{-3}$ (give numbers), and explain why parameter shift is preferred.
    """),
    written("shot_noise", 3, r"""
    Each estimate of f has error σ ≈ 1/√1000 ≈ 0.032. Parameter shift: (f₊ − f₋)/2 has error √2σ/2 = σ/√2 ≈ 0.022,
    and no bias because the rule is exact. Central finite difference: (f₊ − f₋)/(2h) has error √2σ/(2h) = σ/(√2 h) ≈ 22
    for h = 10⁻³ — a thousand times larger than the gradient itself. Making h larger reduces the noise but adds a
    truncation bias of order h²; making N larger costs shots as 1/h². Parameter shift uses large shifts (±π/2) and is
    still exact, so it gives unbiased gradients with shot-limited error: that is why it is used on hardware.
    """),
]

# ----------------------------------------------------------------------------------------------------------------
# Unit 3: variational classifier
# ----------------------------------------------------------------------------------------------------------------
PRACTICE_3 = [
    md(r"""
    # Practice: a variational quantum classifier in PyTorch

    We write a tiny state-vector simulator in torch, check it against Qiskit, check its gradients against the
    parameter-shift rule, and train a classifier on the two-moons data.
    """),
    code(SIM),
    code(MOONS),
    md(r"""
    ## 1. Our simulator agrees with Qiskit
    """),
    code(r"""
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Statevector

    rng = np.random.default_rng(0)
    angles = rng.uniform(0, 2 * np.pi, 6)
    state = zero_state(3, 1)
    qc = QuantumCircuit(3)
    for q in range(3):
        state = apply_ry(state, angles[q], q); qc.ry(angles[q], q)
    state = apply_cnot(state, 0, 1); qc.cx(0, 1)
    state = apply_cnot(state, 2, 0); qc.cx(2, 0)
    for q in range(3):
        state = apply_ry(state, angles[3 + q], q); qc.ry(angles[3 + q], q)
    ours = to_qiskit_order(state)[0].numpy()
    # Self-check: same state up to global phase
    assert abs(abs(np.vdot(Statevector(qc).data, ours)) - 1) < 1e-12
    print("✓ torch simulator = Qiskit Statevector")
    """),
    md(r"""
    ## 2. The classifier

    Two qubits, three layers. In each layer: encode $R_Y(\frac\pi2 x_i)$ on qubit $i$ (data re-uploading), apply
    trainable $R_Y(w_{l,i})$, then CNOT $0\to1$. Logit $= a\langle Z_0\rangle + b$.
    """),
    code(r"""
    class VQC(torch.nn.Module):
        def __init__(self, layers=3):
            super().__init__()
            self.w = torch.nn.Parameter(0.1 * torch.randn(layers, 2, dtype=torch.float64))
            self.a = torch.nn.Parameter(torch.tensor(3.0, dtype=torch.float64))
            self.b = torch.nn.Parameter(torch.tensor(0.0, dtype=torch.float64))

        def expval(self, x):
            state = zero_state(2, x.shape[0])
            for layer in self.w:
                for q in range(2):
                    state = apply_ry(state, math.pi / 2 * x[:, q], q)
                for q in range(2):
                    state = apply_ry(state, layer[q], q)
                state = apply_cnot(state, 0, 1)
            return expect_z(state, 0)

        def forward(self, x):
            return self.a * self.expval(x) + self.b

    torch.manual_seed(0)
    model = VQC()
    print(sum(p.numel() for p in model.parameters()), "trainable parameters")
    """),
    md(r"""
    ## 3. Autograd equals parameter shift

    Each $w_{l,i}$ enters exactly one $R_Y$, so $\partial\langle Z_0\rangle/\partial w_{l,i}$ is given by the shift rule.
    """),
    code(r"""
    x = torch.tensor([[0.3, -0.6]], dtype=torch.float64)
    model.w.grad = None
    model.expval(x).sum().backward()
    autograd = model.w.grad.clone()
    shift = torch.zeros_like(model.w)
    with torch.no_grad():
        for l in range(model.w.shape[0]):
            for q in range(2):
                shift.zero_(); shift[l, q] = math.pi / 2
                model.w += shift; plus = model.expval(x)
                model.w -= 2 * shift; minus = model.expval(x)
                model.w += shift
                # Self-check for every parameter
                assert abs(float((plus - minus) / 2) - float(autograd[l, q])) < 1e-10
    print("✓ autograd gradients = parameter-shift gradients")
    """),
    md(r"""
    ## 3b. The same layer on "hardware": Qiskit forward, parameter-shift backward

    On a real device there is no autograd inside the circuit. A `torch.autograd.Function` can run the circuit in
    Qiskit in `forward` and compute the gradient with the parameter-shift rule in `backward` ($2P$ extra circuit runs
    for $P$ parameters). Here it runs on `Statevector`; swapping in a sampler with shots would make it a hardware layer.
    """),
    code(r"""
    from qiskit.quantum_info import SparsePauliOp

    def qiskit_expval(x_row, w):
        qc = QuantumCircuit(2)
        for layer in w:
            for q in range(2):
                qc.ry(math.pi / 2 * float(x_row[q]), q)
            for q in range(2):
                qc.ry(float(layer[q]), q)
            qc.cx(0, 1)
        return Statevector(qc).expectation_value(SparsePauliOp("IZ")).real      # Z on qubit 0

    class QiskitLayer(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, w):
            ctx.save_for_backward(x, w)
            return torch.tensor([qiskit_expval(row, w.detach()) for row in x], dtype=torch.float64)

        @staticmethod
        def backward(ctx, grad_out):
            x, w = ctx.saved_tensors
            grad_w = torch.zeros_like(w)
            for idx in np.ndindex(*w.shape):
                shift = torch.zeros_like(w); shift[idx] = math.pi / 2
                plus = torch.tensor([qiskit_expval(row, w + shift) for row in x], dtype=torch.float64)
                minus = torch.tensor([qiskit_expval(row, w - shift) for row in x], dtype=torch.float64)
                grad_w[idx] = (grad_out * (plus - minus) / 2).sum()
            return None, grad_w

    xb = torch.tensor([[0.3, -0.6], [-1.0, 0.4]], dtype=torch.float64)
    w = model.w.detach().clone().requires_grad_(True)
    QiskitLayer.apply(xb, w).sum().backward()
    model.w.grad = None
    model.expval(xb).sum().backward()
    # Self-check: same values and same gradients as the torch simulator
    assert torch.allclose(QiskitLayer.apply(xb, w.detach()), model.expval(xb).detach(), atol=1e-10)
    assert torch.allclose(w.grad, model.w.grad, atol=1e-10)
    print("✓ Qiskit + parameter shift = torch simulator + autograd")
    """),
    md(r"""
    ## 4. Training
    """),
    code(r"""
    x_train, y_train = two_moons(200, seed=1)
    x_test, y_test = two_moons(200, seed=2)
    X = torch.tensor(x_train); Y = torch.tensor(y_train, dtype=torch.float64)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for step in range(150):
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(X), Y)
        opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        train_acc = ((model(X) > 0).numpy() == y_train).mean()
        test_acc = ((model(torch.tensor(x_test)) > 0).numpy() == y_test).mean()
    print(f"loss {loss.item():.3f}  train accuracy {train_acc:.3f}  test accuracy {test_acc:.3f}")
    # Self-check: about 90 % on unseen points (sampling error ~2 %)
    assert test_acc >= 0.85
    print("✓ the VQC separates the moons")
    """),
    code(r"""
    import plotly.graph_objects as go
    g = np.linspace(-1.6, 1.6, 60)
    gx, gy = np.meshgrid(g, g)
    with torch.no_grad():
        zz = torch.sigmoid(model(torch.tensor(np.c_[gx.ravel(), gy.ravel()]))).numpy().reshape(gx.shape)
    fig = go.Figure(go.Contour(x=g, y=g, z=zz, colorscale="RdBu", opacity=0.6, showscale=False))
    fig.add_scatter(x=x_test[:, 0], y=x_test[:, 1], mode="markers", marker=dict(color=y_test, colorscale="RdBu", line=dict(width=1)))
    fig.update_layout(width=520, height=480, title="VQC decision function on the test set")
    fig.show()
    """),
]

A3 = [
    md(r"""
    # Assignment: a variational quantum classifier

    The simulator helpers below are those of the practice notebook. Points: 12, all autograded.
    """),
    locked("vqc_sim", SIM + "\nfrom liangzhi_checks import assert_states_equal\nfrom liangzhi_checks.qml import assert_accuracy_at_least\n"),
    locked("vqc_data", MOONS + "\nx_train, y_train = two_moons(200, seed=1)\nx_test, y_test = two_moons(200, seed=2)"),
    md(r"""
    **Q1 (4 points).** Write `circuit_state(x, weights)`. `x` is a tensor of shape `(batch, 2)`, `weights` of shape
    `(layers, 2)`. Start from $|00\rangle$; in each layer `l`: apply $R_Y(\frac\pi2 x_{:,q})$ to qubit `q` for q = 0, 1;
    then $R_Y(w_{l,q})$ to qubit `q`; then CNOT with control 0 and target 1. Return the final state tensor.
    """),
    answer("circuit_state", r"""
    def circuit_state(x, weights):
        ### BEGIN SOLUTION
        state = zero_state(2, x.shape[0])
        for layer in weights:
            for q in range(2):
                state = apply_ry(state, math.pi / 2 * x[:, q], q)
            for q in range(2):
                state = apply_ry(state, layer[q], q)
            state = apply_cnot(state, 0, 1)
        return state
        ### END SOLUTION
    """),
    tests("test_circuit_state", 4, r"""
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Statevector

    def reference(xs, w):
        qc = QuantumCircuit(2)
        for layer in w:
            for q in range(2):
                qc.ry(math.pi / 2 * xs[q], q)
            for q in range(2):
                qc.ry(layer[q], q)
            qc.cx(0, 1)
        return Statevector(qc).data

    w = torch.tensor([[0.1, -0.4], [0.7, 0.2]], dtype=torch.float64)
    x = torch.tensor([[0.5, -0.3]], dtype=torch.float64)
    ours = to_qiskit_order(circuit_state(x, w))[0].detach().numpy()
    assert_states_equal(ours, reference([0.5, -0.3], w.numpy()))
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(11)
    w = torch.tensor(rng.uniform(-3, 3, (3, 2)))
    xs = torch.tensor(rng.uniform(-1.5, 1.5, (4, 2)))
    states = to_qiskit_order(circuit_state(xs, w)).detach().numpy()
    for i in range(4):
        assert_states_equal(states[i], reference(xs[i].numpy(), w.numpy()))
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q2 (3 points).** Write the module `VQC(layers)`: trainable `weights` of shape `(layers, 2)` (small random
    initial values), trainable scale `a` (start at 3.0) and offset `b` (start at 0.0); `forward(x)` returns the
    logits $a\,\langle Z_0\rangle + b$ for a batch, shape `(batch,)`.
    """),
    answer("vqc_module", r"""
    class VQC(torch.nn.Module):
        def __init__(self, layers=3):
            super().__init__()
            ### BEGIN SOLUTION
            self.weights = torch.nn.Parameter(0.1 * torch.randn(layers, 2, dtype=torch.float64))
            self.a = torch.nn.Parameter(torch.tensor(3.0, dtype=torch.float64))
            self.b = torch.nn.Parameter(torch.tensor(0.0, dtype=torch.float64))
            ### END SOLUTION

        def forward(self, x):
            ### BEGIN SOLUTION
            return self.a * expect_z(circuit_state(x, self.weights), 0) + self.b
            ### END SOLUTION
    """),
    untrusted(tests("test_vqc_module", 3, r"""
    torch.manual_seed(0)
    m = VQC(3)
    out = m(torch.tensor(x_train[:5]))
    assert out.shape == (5,), out.shape
    assert tuple(m.weights.shape) == (3, 2)
    ### BEGIN HIDDEN TESTS
    # gradients by autograd equal the parameter-shift rule for <Z_0>
    x = torch.tensor(x_train[:1])
    m.weights.grad = None
    expect_z(circuit_state(x, m.weights), 0).sum().backward()
    with torch.no_grad():
        for l in range(3):
            for q in range(2):
                e = torch.zeros(3, 2, dtype=torch.float64); e[l, q] = math.pi / 2
                ps = (expect_z(circuit_state(x, m.weights + e), 0) - expect_z(circuit_state(x, m.weights - e), 0)) / 2
                assert abs(float(ps) - float(m.weights.grad[l, q])) < 1e-9
    # the logits are a <Z_0> + b (the readout qubit is 0), for any a and b
    with torch.no_grad():
        m.a.fill_(1.5)
        m.b.fill_(-0.25)
        xs = torch.tensor(x_train[:8])
        want = 1.5 * expect_z(circuit_state(xs, m.weights), 0) - 0.25
        assert torch.allclose(m(xs), want), "forward(x) must return a <Z_0> + b"
    with torch.no_grad():
        zero = VQC(2)
        zero.weights.zero_()
        assert torch.allclose(zero(torch.zeros(1, 2, dtype=torch.float64)), torch.tensor([3.0], dtype=torch.float64))
    ### END HIDDEN TESTS
    """)),
    md(r"""
    **Q3 (5 points).** Write `train_vqc(model, x, y, seed)`: full-batch training with binary cross-entropy on logits
    and Adam, at most 200 steps; seed torch with `seed`; return the model. The test trains `VQC(3)` on
    `x_train, y_train` and requires at least 85 % accuracy on `x_test`.
    """),
    answer("train_vqc", r"""
    def train_vqc(model, x, y, seed):
        ### BEGIN SOLUTION
        torch.manual_seed(seed)
        X = torch.as_tensor(x, dtype=torch.float64)
        Y = torch.as_tensor(y, dtype=torch.float64)
        opt = torch.optim.Adam(model.parameters(), lr=0.05)
        for _ in range(150):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(X), Y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return model
        ### END SOLUTION
    """),
    tests("test_train_vqc", 5, r"""
    torch.manual_seed(0)
    trained = train_vqc(VQC(3), x_train, y_train, seed=0)
    with torch.no_grad():
        predicted = (trained(torch.tensor(x_test)) > 0).numpy().astype(int)
    print(f"test accuracy {(predicted == y_test).mean():.3f}")
    _ = assert_accuracy_at_least(predicted, y_test, 0.85, what="test accuracy")
    ### BEGIN HIDDEN TESTS
    torch.manual_seed(1)
    again = train_vqc(VQC(3), x_train, y_train, seed=1)
    xs, ys = two_moons(400, seed=3)
    with torch.no_grad():
        _ = assert_accuracy_at_least((again(torch.tensor(xs)) > 0).numpy().astype(int), ys, 0.85)
    ### END HIDDEN TESTS
    """),
]

# ----------------------------------------------------------------------------------------------------------------
# Unit 4: hybrid regression on well logs
# ----------------------------------------------------------------------------------------------------------------
REG_SETUP = r"""
import csv
import numpy as np

FEATURES = ["GR_api", "RHOB_gcc", "NPHI_frac", "DT_usft"]
with open("permeability.csv") as fh:
    rows = list(csv.DictReader(fh))
X_all = np.array([[float(r[f]) for f in FEATURES] for r in rows])
y_all = np.array([float(r["log10_perm_md"]) for r in rows])
order = np.random.default_rng(0).permutation(len(rows))      # a fixed 70 % / 30 % split
train_idx, test_idx = order[:420], order[420:]
print(len(rows), "samples;", "target log10(k/mD) from", y_all.min().round(2), "to", y_all.max().round(2))
"""

HYBRID = r"""
class HybridRegressor(torch.nn.Module):
    # 4 logs -> linear (20) -> angles -> 4 qubits, 2 layers of CNOT ring + RY (8) -> <Z_i> -> linear (5): 33 parameters
    def __init__(self, n_qubits=4, layers=2):
        super().__init__()
        self.n_qubits = n_qubits
        self.inp = torch.nn.Linear(4, n_qubits, dtype=torch.float64)
        self.w = torch.nn.Parameter(0.1 * torch.randn(layers, n_qubits, dtype=torch.float64))
        self.out = torch.nn.Linear(n_qubits, 1, dtype=torch.float64)

    def forward(self, x):
        angles = math.pi / 2 * torch.tanh(self.inp(x))
        state = zero_state(self.n_qubits, x.shape[0])
        for q in range(self.n_qubits):
            state = apply_ry(state, angles[:, q] + math.pi / 2, q)
        for layer in self.w:
            for q in range(self.n_qubits):
                state = apply_cnot(state, q, (q + 1) % self.n_qubits)
            for q in range(self.n_qubits):
                state = apply_ry(state, layer[q], q)
        z = torch.stack([expect_z(state, q) for q in range(self.n_qubits)], dim=1)
        return self.out(z)[:, 0]
"""

PRACTICE_4 = [
    md(r"""
    # Practice: permeability from well logs, hybrid versus classical

    The data (`permeability.csv`) come from the seeded physical model of the lesson (`tools/make_permeability.py`).
    We train three models on the same split and compare their test errors honestly.
    """),
    code(REG_SETUP),
    code(r"""
    # Self-check: the file is the documented dataset (600 rows, the model's ranges)
    assert len(rows) == 600 and set(FEATURES) <= set(rows[0])
    phi = np.array([float(r["porosity"]) for r in rows])
    d = np.array([float(r["grain_um"]) for r in rows]) * 1e-6
    kc = np.log10(d**2 * phi**3 / (180 * (1 - phi) ** 2) / 9.869233e-16)
    # Kozeny-Carman from the hidden true porosity and grain size explains the target up to the exp(N(0, 0.3)) factor
    resid = y_all - kc
    assert abs(resid.mean()) < 0.05 and abs(resid.std() - 0.3 / np.log(10)) < 0.03
    print("✓ target = Kozeny-Carman + log-normal noise of 0.13 decades")
    """),
    code(r"""
    mu, sd = X_all[train_idx].mean(0), X_all[train_idx].std(0)       # statistics of the training set only
    Z = (X_all - mu) / sd
    y_mu, y_sd = y_all[train_idx].mean(), y_all[train_idx].std()
    """),
    md(r"""
    ## Linear regression (5 parameters)
    """),
    code(r"""
    A = np.c_[Z, np.ones(len(Z))]
    coef, *_ = np.linalg.lstsq(A[train_idx], y_all[train_idx], rcond=None)
    rmse_linear = np.sqrt(np.mean((A[test_idx] @ coef - y_all[test_idx]) ** 2))
    print(f"linear regression test RMSE: {rmse_linear:.3f} decades")
    """),
    md(r"""
    ## The hybrid model and a classical network of similar size
    """),
    code(SIM + "\ntorch.set_num_threads(1)\n" + HYBRID),
    code(r"""
    import time

    def fit(model, epochs=300, lr=0.05, seed=0):
        torch.manual_seed(seed)
        X = torch.tensor(Z[train_idx]); Y = torch.tensor((y_all[train_idx] - y_mu) / y_sd)
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        start = time.perf_counter()
        for _ in range(epochs):
            out = model(X).reshape(-1)
            loss = ((out - Y) ** 2).mean()
            opt.zero_grad(); loss.backward(); opt.step()
        seconds = time.perf_counter() - start
        with torch.no_grad():
            pred = model(torch.tensor(Z[test_idx])).reshape(-1).numpy() * y_sd + y_mu
        return float(np.sqrt(np.mean((pred - y_all[test_idx]) ** 2))), seconds

    results = {}
    for seed in (0, 1, 2):
        torch.manual_seed(seed)
        hybrid = HybridRegressor()
        torch.manual_seed(seed)
        mlp = torch.nn.Sequential(torch.nn.Linear(4, 5, dtype=torch.float64), torch.nn.Tanh(),
                                  torch.nn.Linear(5, 1, dtype=torch.float64))
        results[seed] = {"hybrid": fit(hybrid, seed=seed), "mlp": fit(mlp, seed=seed)}
    n_h = sum(p.numel() for p in hybrid.parameters()); n_c = sum(p.numel() for p in mlp.parameters())
    print(f"parameters: hybrid {n_h}, MLP {n_c}")
    for seed, r in results.items():
        print(f"seed {seed}: hybrid RMSE {r['hybrid'][0]:.3f} ({r['hybrid'][1]:.2f} s)   MLP RMSE {r['mlp'][0]:.3f} ({r['mlp'][1]:.2f} s)")
    """),
    code(r"""
    hyb = np.mean([r["hybrid"][0] for r in results.values()])
    cla = np.mean([r["mlp"][0] for r in results.values()])
    print(f"mean test RMSE: hybrid {hyb:.3f}, MLP {cla:.3f}, linear {rmse_linear:.3f}; noise floor ≈ 0.25; target std {y_all[test_idx].std():.2f}")
    # Self-check: every model learns (far below the target's spread) and all lie within 0.1 decades of each other:
    # the quantum layer brings no advantage on this problem — the lesson's honest conclusion.
    assert n_h <= 40 and n_c <= 40
    assert max(hyb, cla, rmse_linear) < 0.4 < y_all[test_idx].std()
    assert abs(hyb - cla) < 0.1
    print("✓ comparable accuracy; the classical models are as good or better, and far cheaper")
    """),
]

A4 = [
    md(r"""
    # Assignment: hybrid regression of permeability

    `permeability.csv` (beside this notebook) is the dataset of the lesson. Points: 13 (10 autograded, 3 written).
    """),
    locked("reg_setup", REG_SETUP),
    locked("reg_sim", SIM + "\ntorch.set_num_threads(1)\n" + HYBRID),
    md(r"""
    **Q1 (3 points).** Write `standardize(train, test)`: return `(train_z, test_z)` where each column is shifted and
    scaled by the **training set's** mean and standard deviation (the test set must not influence the scaling).
    """),
    answer("standardize", r"""
    def standardize(train, test):
        ### BEGIN SOLUTION
        mu, sd = train.mean(axis=0), train.std(axis=0)
        return (train - mu) / sd, (test - mu) / sd
        ### END SOLUTION
    """),
    tests("test_standardize", 3, r"""
    a = np.array([[1.0, 10.0], [3.0, 30.0]])
    tz, sz = standardize(a, np.array([[2.0, 20.0]]))
    assert np.allclose(tz, [[-1, -1], [1, 1]]) and np.allclose(sz, [[0, 0]])
    ### BEGIN HIDDEN TESTS
    tr, te = standardize(X_all[train_idx], X_all[test_idx])
    assert np.allclose(tr.mean(0), 0, atol=1e-9) and np.allclose(tr.std(0), 1)
    mu, sd = X_all[train_idx].mean(0), X_all[train_idx].std(0)
    assert np.allclose(te, (X_all[test_idx] - mu) / sd), "the test set must use the training statistics"
    ### END HIDDEN TESTS
    """),
    code(r"""
    Z_train, Z_test = standardize(X_all[train_idx], X_all[test_idx])
    y_mu, y_sd = y_all[train_idx].mean(), y_all[train_idx].std()
    """),
    md(r"""
    **Q2 (graded through the training test below).** Write `train_regressor(model, x, y, seed, epochs=300)`: full-batch Adam (learning rate 0.05)
    on the mean squared error between `model(x).reshape(-1)` and `y` (tensors), torch seeded with `seed`. Return the model.
    """),
    answer("train_regressor", r"""
    def train_regressor(model, x, y, seed, epochs=300):
        ### BEGIN SOLUTION
        torch.manual_seed(seed)
        opt = torch.optim.Adam(model.parameters(), lr=0.05)
        for _ in range(epochs):
            loss = ((model(x).reshape(-1) - y) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        return model
        ### END SOLUTION
    """),
    md(r"""
    **Q3 (1 point).** Write `rmse(pred, y)`: the root-mean-square error of two 1-D numpy arrays.
    """),
    answer("rmse", r"""
    def rmse(pred, y):
        ### BEGIN SOLUTION
        return float(np.sqrt(np.mean((np.asarray(pred) - np.asarray(y)) ** 2)))
        ### END SOLUTION
    """),
    tests("test_rmse", 1, r"""
    assert abs(rmse(np.array([1.0, 2.0]), np.array([1.0, 4.0])) - np.sqrt(2)) < 1e-12
    ### BEGIN HIDDEN TESTS
    assert rmse(np.zeros(3), np.zeros(3)) == 0.0
    ### END HIDDEN TESTS
    """),
    md(r"""
    The next cell trains the hybrid model and a classical MLP 4→5→1 of similar size with your functions and
    compares them on the test set.
    """),
    code(r"""
    def evaluate(model):
        with torch.no_grad():
            return rmse(model(torch.tensor(Z_test)).reshape(-1).numpy() * y_sd + y_mu, y_all[test_idx])

    Xt = torch.tensor(Z_train)
    Yt = torch.tensor((y_all[train_idx] - y_mu) / y_sd)
    torch.manual_seed(0)
    hybrid = train_regressor(HybridRegressor(), Xt, Yt, seed=0)
    torch.manual_seed(0)
    mlp = train_regressor(torch.nn.Sequential(torch.nn.Linear(4, 5, dtype=torch.float64), torch.nn.Tanh(),
                                              torch.nn.Linear(5, 1, dtype=torch.float64)), Xt, Yt, seed=0)
    rmse_hybrid, rmse_mlp = evaluate(hybrid), evaluate(mlp)
    print(f"test RMSE: hybrid {rmse_hybrid:.3f}, MLP {rmse_mlp:.3f}")
    """),
    md(r"""
    **(6 points)** Tests of the trained models: both must beat predicting the training mean by a wide margin.
    """),
    untrusted(tests("test_training", 6, r"""
    baseline = float(np.sqrt(np.mean((y_all[test_idx] - y_mu) ** 2)))
    print(f"predicting the mean: {baseline:.3f}")
    assert rmse_hybrid < 0.40 and rmse_mlp < 0.40, (rmse_hybrid, rmse_mlp)
    ### BEGIN HIDDEN TESTS
    assert rmse_hybrid < 0.6 * baseline and rmse_mlp < 0.6 * baseline
    # training must actually use the epochs: 3 epochs cannot fit
    torch.manual_seed(0)
    short = train_regressor(HybridRegressor(), Xt, Yt, seed=0, epochs=3)
    assert evaluate(short) > rmse_hybrid
    ### END HIDDEN TESTS
    """)),
    md(r"""
    **Q4 (3 points, graded by your teacher).** Which model wins on this dataset, by how much compared with the
    statistical noise floor of about 0.25 decades, and why? Give two reasons, one about the physics of the data and
    one about the cost of the quantum layer.
    """),
    written("which_wins", 3, r"""
    The classical MLP (and even linear regression) are as good or slightly better: test RMSE ≈ 0.29 against ≈ 0.30 for
    the hybrid, both only ~0.04–0.05 decades above the noise floor set by the unobserved grain-size variation and the
    log-normal factor. Physics: Kozeny–Carman is a product of powers, so log k is nearly a linear function of the logs;
    there is no structure left for a more exotic model to capture. Cost: simulating n qubits needs 2^n amplitudes and the
    hybrid trains ~10× slower here; on hardware each gradient needs 2 circuit runs per parameter with shot noise.
    Nothing suggests a quantum advantage for this small tabular task.
    """),
]

# ----------------------------------------------------------------------------------------------------------------
# Unit 5: QML challenge preparation
# ----------------------------------------------------------------------------------------------------------------
CHALLENGE_SETUP = r"""
import csv
import numpy as np

with open("challenge_train.csv") as fh:
    rows = list(csv.DictReader(fh))
X = np.array([[float(r["x0"]), float(r["x1"])] for r in rows])
y = np.array([int(r["label"]) for r in rows])
print(len(y), "training points,", y.mean().round(2), "of them in class 1")
"""

REUPLOAD = r"""
class ReuploadClassifier(torch.nn.Module):
    # 2 qubits; each layer: RY(a * x + b) per qubit (data re-uploading), then CNOT 0 -> 1; logit = s <Z_0> + c
    def __init__(self, layers=3):
        super().__init__()
        self.n_qubits = 2
        self.a = torch.nn.Parameter(torch.randn(layers, 2, dtype=torch.float64))
        self.b = torch.nn.Parameter(0.1 * torch.randn(layers, 2, dtype=torch.float64))
        self.s = torch.nn.Parameter(torch.tensor(2.0, dtype=torch.float64))
        self.c = torch.nn.Parameter(torch.tensor(0.0, dtype=torch.float64))

    def forward(self, x):
        state = zero_state(2, x.shape[0])
        for a, b in zip(self.a, self.b):
            for q in range(2):
                state = apply_ry(state, a[q] * x[:, q] + b[q], q)
            state = apply_cnot(state, 0, 1)
        return self.s * expect_z(state, 0) + self.c
"""

PRACTICE_5 = [
    md(r"""
    # Practice: a validated entry for the QML challenge

    Data: `challenge_train.csv` (circle of radius 0.7, 3 % label noise). Model: the data re-uploading classifier of
    the lesson. We choose the number of layers on a validation split, then check the resource limits.
    """),
    code(CHALLENGE_SETUP),
    code(SIM + "\ntorch.set_num_threads(1)\n" + REUPLOAD),
    code(r"""
    def train(model, X, y, steps=300, lr=0.05, seed=0):
        torch.manual_seed(seed)
        Xt, Yt = torch.tensor(X), torch.tensor(y, dtype=torch.float64)
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        for _ in range(steps):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(Xt), Yt)
            opt.zero_grad(); loss.backward(); opt.step()
        return model

    def accuracy(model, X, y):
        with torch.no_grad():
            return float(((model(torch.tensor(X)) > 0).numpy().astype(int) == y).mean())

    order = np.random.default_rng(1).permutation(len(y))
    tr, va = order[:225], order[225:]
    for layers in (1, 2, 3):
        torch.manual_seed(0)
        m = train(ReuploadClassifier(layers), X[tr], y[tr])
        print(f"{layers} layer(s): validation accuracy {accuracy(m, X[va], y[va]):.3f}")
    """),
    code(r"""
    # Retrain on everything with 3 layers and check the challenge's rules
    import time
    torch.manual_seed(0)
    start = time.perf_counter()
    final = train(ReuploadClassifier(3), X, y)
    seconds = time.perf_counter() - start
    n_params = sum(p.numel() for p in final.parameters())
    print(f"{final.n_qubits} qubits, {n_params} parameters, trained in {seconds:.2f} s")
    # Self-check: within the limits (≤ 4 qubits, ≤ 64 parameters, ≤ 20 s)
    from liangzhi_checks.qml import assert_model_within
    _ = assert_model_within(final, max_parameters=64, max_qubits=4)
    assert seconds < 20
    print("✓ within the resource limits")
    """),
    code(r"""
    # Fresh points from the same distribution stand in for the hidden set (the generator is tools/make_challenge.py)
    def circle_data(n, seed, radius=0.7, flip=0.03):
        rng = np.random.default_rng(seed)
        x = rng.uniform(-1, 1, (n, 2))
        lab = (np.hypot(x[:, 0], x[:, 1]) < radius).astype(int)
        flipped = rng.random(n) < flip
        lab[flipped] = 1 - lab[flipped]
        return x, lab

    X_new, y_new = circle_data(2000, seed=123)
    acc = accuracy(final, X_new, y_new)
    print(f"accuracy on 2000 fresh points: {acc:.3f} ± {np.sqrt(acc * (1 - acc) / 2000):.3f}")
    # Self-check: close to the 97 % ceiling set by the label noise
    assert acc > 0.9
    print("✓ ready for the challenge")
    """),
]

# The lesson's re-upload classifier with the challenge's interface (quantum_layer, head, circuit): the capstone's
# trusted tests count the qubits of circuit(x) with Qiskit and replace quantum_layer's output (ablation).
EXAMPLE_REUPLOAD = r"""
class ExampleReuploadClassifier(torch.nn.Module):
    # 2 qubits; each layer: RY(a * x + b) per qubit (data re-uploading), then CNOT 0 -> 1; logit = s <Z_0> + c
    # The challenge's interface: quantum_layer(x) -> <Z_q> of the circuit's qubits, shape (batch, m);
    # head(z) -> logits, shape (batch,); forward(x) = head(quantum_layer(x));
    # circuit(x_row) -> the circuit quantum_layer runs for one input, as a Qiskit QuantumCircuit.
    def __init__(self, layers=3):
        super().__init__()
        self.n_qubits = 2
        self.a = torch.nn.Parameter(torch.randn(layers, 2, dtype=torch.float64))
        self.b = torch.nn.Parameter(0.1 * torch.randn(layers, 2, dtype=torch.float64))
        self.s = torch.nn.Parameter(torch.tensor(2.0, dtype=torch.float64))
        self.c = torch.nn.Parameter(torch.tensor(0.0, dtype=torch.float64))

    def quantum_layer(self, x):
        state = zero_state(2, x.shape[0])
        for a, b in zip(self.a, self.b):
            for q in range(2):
                state = apply_ry(state, a[q] * x[:, q] + b[q], q)
            state = apply_cnot(state, 0, 1)
        return expect_z(state, 0).unsqueeze(1)

    def head(self, z):
        return self.s * z[:, 0] + self.c

    def forward(self, x):
        return self.head(self.quantum_layer(x))

    def circuit(self, x_row):
        qc = QuantumCircuit(2)
        for a, b in zip(self.a.detach(), self.b.detach()):
            for q in range(2):
                qc.ry(float(a[q] * float(x_row[q]) + b[q]), q)
            qc.cx(0, 1)
        return qc
"""

A5 = [
    md(r"""
    # Capstone assignment: your QML challenge entry

    Write `fit(X, y)` and `predict(model, X)` for `challenge_train.csv` under the challenge rules: a quantum layer of
    at most 4 qubits that the output passes through, at most 64 trainable parameters, training under 20 s.
    Hidden tests score fresh points from the same distribution, and the grader **checks the rules on what your model
    does**, not on what it declares: it runs the circuits your model builds, counts their qubits and your model's
    trainable parameters, and replaces the quantum layer's output by a constant (an *ablation*): the accuracy must
    then collapse to chance. Points: 10, all autograded.
    """),
    locked("ch_setup", CHALLENGE_SETUP),
    locked("ch_sim", SIM.replace("import torch\n", "import torch\nfrom qiskit import QuantumCircuit\n", 1) + "\ntorch.set_num_threads(1)\nfrom liangzhi_checks.qml import assert_accuracy_at_least, assert_model_within\n" + EXAMPLE_REUPLOAD),
    md(r"""
    The class `ExampleReuploadClassifier` above is the lesson's baseline; you may use it, change it or write your own.

    **Q1 (10 points).** Write `fit(X, y)` returning a trained `torch.nn.Module`, and `predict(model, X)` returning a
    numpy array of integer labels 0/1, one per row of `X`. Your model must offer the challenge's interface, as the
    example does:

    - `quantum_layer(x)`: for a `(batch, 2)` float64 tensor, the expectation values $\langle Z_q \rangle$ of qubits
      $q = 0, \dots, m - 1$ of its circuit, shape `(batch, m)`;
    - `head(z)`: the logits computed from those values only, shape `(batch,)`; `forward(x)` is
      `head(quantum_layer(x))` and `predict` labels a point 1 where that logit is positive;
    - `circuit(x_row)`: the circuit `quantum_layer` runs for one input (a numpy row), as a Qiskit `QuantumCircuit`
      with every angle bound and no measurements.

    What the tests check (points): the interface and the training time (1); accuracy on a validation split (2) and on
    hidden points (3); the **resources** (2): every circuit `circuit(x)` returns has at most 4 qubits, your
    `n_qubits` says how many, its $\langle Z_q \rangle$ computed by Qiskit equal `quantum_layer(x)`, and the model's
    trainable parameters (`state_dict(keep_vars=True)`, counted by the grader) number at most 64; the **ablation**
    (2): `predict` agrees with `head(quantum_layer(x))`, and feeding `head` a constant (the mean of
    `quantum_layer`'s output) or the outputs of other points makes the accuracy fall to chance.
    """),
    answer("fit_predict", r"""
    def fit(X, y):
        ### BEGIN SOLUTION
        torch.manual_seed(0)
        model = ExampleReuploadClassifier(3)
        Xt, Yt = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
        opt = torch.optim.Adam(model.parameters(), lr=0.05)
        for _ in range(300):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(Xt), Yt)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return model
        ### END SOLUTION

    def predict(model, X):
        ### BEGIN SOLUTION
        with torch.no_grad():
            return (model(torch.tensor(X, dtype=torch.float64)) > 0).numpy().astype(int)
        ### END SOLUTION
    """),
    untrusted(tests("test_interface_and_limits", 1, r"""
    import time
    start = time.perf_counter()
    model = fit(X, y)
    fit_seconds = time.perf_counter() - start
    labels = predict(model, X[:10])
    assert isinstance(labels, np.ndarray) and labels.shape == (10,), labels
    assert set(np.unique(labels)) <= {0, 1} and np.issubdtype(labels.dtype, np.integer), labels.dtype
    ### BEGIN HIDDEN TESTS
    _ = assert_model_within(model, max_parameters=64, max_qubits=4)
    assert fit_seconds < 20, fit_seconds
    ### END HIDDEN TESTS
    """)),
    tests("test_validation_accuracy", 2, r"""
    order = np.random.default_rng(1).permutation(len(y))
    held_out = order[225:]
    val_model = fit(X[order[:225]], y[order[:225]])
    val_acc = assert_accuracy_at_least(predict(val_model, X[held_out]), y[held_out], 0.85, what="validation accuracy")
    print(f"validation accuracy {val_acc:.3f}")
    """),
    tests("test_hidden_accuracy", 3, r"""
    # Hidden test: accuracy on fresh points from the challenge distribution
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(2024)
    Xh = rng.uniform(-1, 1, (1000, 2))
    yh = (np.hypot(Xh[:, 0], Xh[:, 1]) < 0.7).astype(int)
    flipped = rng.random(1000) < 0.03
    yh[flipped] = 1 - yh[flipped]
    _ = assert_accuracy_at_least(predict(model, Xh), yh, 0.88, what="hidden-set accuracy")
    ### END HIDDEN TESTS
    """),
    tests("test_quantum_resources", 2, r"""
    # The rules, measured on the circuits your model runs and on its registered parameters (not on n_qubits alone)
    from qiskit.quantum_info import Statevector

    def as_array(value):
        return value.detach().numpy() if isinstance(value, torch.Tensor) else np.asarray(value, dtype=float)

    def circuit_qubits(model, points, max_qubits=4):
        # runs model.circuit(x) with Qiskit for each point: its <Z_q> must be what quantum_layer(x) returns
        z = as_array(model.quantum_layer(torch.tensor(points, dtype=torch.float64)))
        assert z.ndim == 2 and z.shape[0] == len(points) and z.shape[1] >= 1, f"quantum_layer gave shape {z.shape}"
        widest = 0
        for row, z_row in zip(points, z):
            qc = model.circuit(row)
            assert type(qc) is QuantumCircuit, f"circuit(x) returned {type(qc).__name__}, not a QuantumCircuit"
            assert qc.num_parameters == 0 and qc.num_clbits == 0, "circuit(x): bind every angle, measure nothing"
            assert qc.num_qubits <= max_qubits, f"circuit(x) has {qc.num_qubits} qubits: the limit is {max_qubits}"
            assert z.shape[1] <= qc.num_qubits, f"quantum_layer returns {z.shape[1]} values for {qc.num_qubits} qubits"
            widest = max(widest, qc.num_qubits)
            state = Statevector(qc)
            want = np.array([state.probabilities([q]) @ np.array([1.0, -1.0]) for q in range(z.shape[1])])
            assert np.allclose(z_row, want, atol=1e-6), f"quantum_layer {z_row} but circuit(x) gives <Z> = {want}"
        return widest

    def trainable_count(model):
        params = model.state_dict(destination={}, keep_vars=True)
        return int(sum(t.numel() for t in params.values() if isinstance(t, torch.Tensor) and t.requires_grad))

    qubits = circuit_qubits(model, X[:5])
    print(f"{qubits} qubits, {trainable_count(model)} trainable parameters")
    ### BEGIN HIDDEN TESTS
    probe = np.random.default_rng(77).uniform(-1, 1, (16, 2))
    qubits = max(qubits, circuit_qubits(model, probe))
    declared = model.n_qubits
    assert type(declared) is int and declared == qubits, f"n_qubits = {declared!r}, its circuits use {qubits}"
    n_params = trainable_count(model)
    assert 0 < n_params <= 64, f"{n_params} trainable parameters: the limit is 64"
    ### END HIDDEN TESTS
    """),
    tests("test_quantum_ablation", 2, r"""
    # Ablation: with the quantum layer's output replaced, the predictions must no longer know the labels
    def ablation_accuracies(model, points, labels):
        z = model.quantum_layer(torch.tensor(points, dtype=torch.float64))
        logits = as_array(model.head(z)).reshape(-1)
        pred = np.asarray(predict(model, points))
        agree = float(np.mean((logits > 0).astype(int) == pred))
        assert agree >= 0.99, f"predict(model, X) agrees with head(quantum_layer(X)) > 0 on {agree:.1%} of points"
        z = torch.as_tensor(as_array(z))
        constant = z.mean(0, keepdim=True).repeat(len(points), 1)
        shuffled = z[torch.randperm(len(points), generator=torch.Generator().manual_seed(0))]
        acc = {"model": float(np.mean(pred == labels))}
        for name, fake in (("constant", constant), ("shuffled", shuffled)):
            acc[name] = float(np.mean((as_array(model.head(fake)).reshape(-1) > 0).astype(int) == labels))
        return acc

    chance = max(y.mean(), 1 - y.mean())
    acc = ablation_accuracies(model, X, y)
    print({k: round(v, 3) for k, v in acc.items()}, f"chance {chance:.3f}")
    assert acc["constant"] <= chance + 0.02, f"a constant quantum output still gives accuracy {acc['constant']:.3f}"
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4049)
    Xa = rng.uniform(-1, 1, (1000, 2))
    ya = (np.hypot(Xa[:, 0], Xa[:, 1]) < 0.7).astype(int)
    acc = ablation_accuracies(model, Xa, ya)
    chance = max(ya.mean(), 1 - ya.mean())
    assert acc["constant"] <= chance + 0.02, f"constant quantum output: accuracy {acc['constant']:.3f} (chance {chance:.3f})"
    assert acc["shuffled"] <= chance + 0.06, f"shuffled quantum output: accuracy {acc['shuffled']:.3f} (chance {chance:.3f})"
    ### END HIDDEN TESTS
    """),
]


# ----------------------------------------------------------------------------------------------------------------
# Units 6-7: exercises written here (not carried from the .ipynb), so these notebooks are saved fresh
# ----------------------------------------------------------------------------------------------------------------
def kata(exercise: str, task: str, template: str, solution: str, check_src: str) -> list[dict]:
    """A practice exercise in the Katas style: the task (Markdown, hints nested in <details>, Chinese text from
    notebooks_zh.json), the blank answer cell (reference solution in metadata.liangzhi.solution) and its
    self-check (liangzhi_checks.katas.check)."""
    cells = [md(task), code(template), code(check_src)]
    for cell, kind in zip(cells, ("task", "answer", "check"), strict=True):
        cell["metadata"] = {"liangzhi": {"kata": kind, "exercise": exercise}}
    cells[1]["metadata"]["liangzhi"]["solution"] = textwrap.dedent(solution).strip("\n") + "\n"
    return cells


def save_fresh(path: Path, cells: list[dict]) -> None:
    """Save a notebook whose exercises are written in this script: nbbuild.save would otherwise carry the
    exercises of the previous build over and duplicate them."""
    path.unlink(missing_ok=True)
    save(path, cells)


# The ZZ feature map of unit 6 as plain numpy state vectors (Qiskit's zz_feature_map, checked in the notebook).
KERNELS = r"""
import numpy as np

def basis_bits(n):
    # row z holds the bits of basis state z; column q is qubit q (Qiskit's order: qubit 0 = least significant bit)
    z = np.arange(2 ** n)
    return (z[:, None] >> np.arange(n)) & 1

def zz_diagonal(X):
    # one layer's diagonal gates, for each row x of X: exp(i [sum_i 2 x_i z_i + sum_{i<j} 2 (pi - x_i)(pi - x_j) (z_i xor z_j)])
    n = X.shape[1]
    z = basis_bits(n)
    phase = 2 * X @ z.T
    for i in range(n):
        for j in range(i + 1, n):
            phase = phase + 2 * np.outer((np.pi - X[:, i]) * (np.pi - X[:, j]), z[:, i] ^ z[:, j])
    return np.exp(1j * phase)

def hadamard_all(states):
    # H on every qubit of each row (a state vector of 2**n amplitudes)
    m, dim = states.shape
    n = dim.bit_length() - 1
    psi = states.reshape(m, *([2] * n))
    for axis in range(1, n + 1):
        a0, a1 = psi.take(0, axis=axis), psi.take(1, axis=axis)
        psi = np.stack([a0 + a1, a0 - a1], axis=axis) / np.sqrt(2)
    return psi.reshape(m, dim)

def feature_states(X, reps=2):
    # |phi(x)> = (U_Phi(x) H^n)^reps |0...0> for each row x of X: shape (points, 2**n), complex
    X = np.atleast_2d(np.asarray(X, dtype=float))
    states = np.zeros((X.shape[0], 2 ** X.shape[1]), dtype=complex)
    states[:, 0] = 1
    diagonal = zz_diagonal(X)
    for _ in range(reps):
        states = diagonal * hadamard_all(states)
    return states

def fidelity_gram(A, B):
    # K[i, j] = |<a_i|b_j>|^2 for the rows of A and B
    return np.abs(A.conj() @ B.T) ** 2

def rbf_kernel(X1, X2, gamma):
    # the classical baseline: exp(-gamma |x - x'|^2)
    return np.exp(-gamma * ((X1[:, None, :] - X2[None, :, :]) ** 2).sum(-1))

def kernel_ridge_fit(K, y, lam):
    # weights alpha of the decision function f(x) = sum_i alpha_i k(x, x_i); targets +1 / -1
    return np.linalg.solve(K + lam * np.eye(len(y)), 2 * np.asarray(y) - 1)

def accuracy(decision, y):
    return float(((np.asarray(decision) > 0).astype(int) == np.asarray(y)).mean())
"""

KERNEL_COMPARE = r"""
x_train, y_train = two_moons(200, seed=1)      # the split of unit 3
x_test, y_test = two_moons(200, seed=2)
fit, val = slice(0, 150), slice(150, 200)      # hyperparameters are chosen on the last 50 training points
LAMBDAS = [1e-3, 1e-2, 1e-1, 1.0]

def select(grams):
    # grams: {setting: (K_train, K_test)}; the best validation accuracy (the first on ties), refit on all 200
    best = None
    for setting, (k_tr, _) in grams.items():
        for lam in LAMBDAS:
            alpha = kernel_ridge_fit(k_tr[fit, fit], y_train[fit], lam)
            acc_val = accuracy(k_tr[val, fit] @ alpha, y_train[val])
            if best is None or acc_val > best[0]:
                best = (acc_val, setting, lam)
    acc_val, setting, lam = best
    k_tr, k_te = grams[setting]
    return setting, lam, acc_val, accuracy(k_te @ kernel_ridge_fit(k_tr, y_train, lam), y_test)

quantum = {}
for s in (0.25, 0.5, 1.0, 2.0):
    s_tr, s_te = feature_states(s * x_train), feature_states(s * x_test)
    quantum[s] = (fidelity_gram(s_tr, s_tr), fidelity_gram(s_te, s_tr))
classical = {g: (rbf_kernel(x_train, x_train, g), rbf_kernel(x_test, x_train, g)) for g in (0.5, 1, 2, 5, 10, 20)}
for s in quantum:
    _, lam, acc_val, acc_test = select({s: quantum[s]})
    print(f"ZZ kernel, scale s = {s}: validation {acc_val:.2f}, test {acc_test:.3f} (lambda = {lam:g})")
q_scale, q_lam, q_val, q_test = select(quantum)
c_gamma, c_lam, c_val, c_test = select(classical)
print(f"chosen ZZ kernel: s = {q_scale}, lambda = {q_lam:g}: test accuracy {q_test:.3f}")
print(f"chosen RBF kernel: gamma = {c_gamma}, lambda = {c_lam:g}: test accuracy {c_test:.3f}")
"""

CONCENTRATION = r"""
rng = np.random.default_rng(7)
concentration = {}
for n in range(2, 9):
    X = rng.uniform(0, 2 * np.pi, (60, n))      # 60 random inputs, 1770 pairs
    S = feature_states(X)
    off = fidelity_gram(S, S)[np.triu_indices(len(X), 1)]
    concentration[n] = (float(off.mean()), float(off.var()))
    print(f"{n} qubits: mean kernel value {off.mean():.4f} (2^-n = {2.0 ** -n:.4f}), variance {off.var():.1e}")
ns = np.array(sorted(concentration))
kernel_rate = -np.polyfit(ns, np.log([concentration[n][1] for n in ns]), 1)[0]
print(f"variance of the kernel values ~ exp(-{kernel_rate:.2f} n): {np.exp(kernel_rate):.1f} times smaller per qubit")
"""

PRACTICE_6 = [
    md(r"""
    # Practice: quantum kernels

    We build the ZZ feature map's states, check them against Qiskit, train a kernel classifier on the two moons of
    unit 3 with a quantum kernel and with a classical RBF kernel, and measure how kernel values concentrate as
    qubits are added. Cells starting with `# Self-check` print ✓ when the result is right.
    """),
    code(MOONS + KERNELS + r"""
from qiskit.circuit.library import zz_feature_map
from qiskit.quantum_info import Statevector
"""),
    md(r"""
    ## 1. The feature map's states, checked against Qiskit

    `feature_states` writes $|\phi(x)\rangle = \big(U_\Phi(x)H^{\otimes n}\big)^2|0\cdots0\rangle$ directly as vectors
    (the $ZZ$ layer is diagonal). Qiskit's `zz_feature_map(n, reps=2)` builds the same circuit from gates.
    """),
    code(r"""
    rng = np.random.default_rng(0)
    for n in (2, 3):
        x = rng.uniform(-2, 2, n)
        ours = feature_states(x)[0]
        theirs = Statevector(zz_feature_map(n, reps=2).assign_parameters(x)).data
        print(n, "qubits: largest difference", np.abs(ours - theirs).max())
        # Self-check: the same amplitudes (same qubit order, same phase)
        assert np.allclose(ours, theirs, atol=1e-12)
    print("✓ feature_states equals Qiskit's zz_feature_map")
    """),
    md(r"""
    ## 2. The kernel matrix

    $K_{ij} = |\langle\phi(x_i)|\phi(x_j)\rangle|^2$: ones on the diagonal, symmetric, every entry in $[0, 1]$.
    """),
    code(r"""
    x_small, _ = two_moons(6, seed=5)
    S = feature_states(0.5 * x_small)
    K = fidelity_gram(S, S)
    print(np.round(K, 3))
    # Self-check: a kernel (Gram) matrix is symmetric and positive semi-definite
    assert np.allclose(K, K.T) and np.allclose(np.diag(K), 1)
    assert np.linalg.eigvalsh(K).min() > -1e-12
    print("✓ symmetric, ones on the diagonal, no negative eigenvalue")
    """),
    md(r"""
    ## 3. Quantum kernel versus RBF kernel, same split, same selection

    Each kernel gets the same treatment: kernel ridge classification, its hyperparameters (the input scale $s$ or
    $\gamma$, and $\lambda$) chosen on 50 held-out training points, then refitted on all 200 and tested once.
    """),
    code(KERNEL_COMPARE),
    code(r"""
    # Self-check: the numbers of the lesson
    assert (q_scale, q_test) == (0.25, 0.97) and (c_gamma, c_test) == (0.5, 0.99)
    print("✓ ZZ kernel 0.970, RBF kernel 0.990 on the same 200 test points")
    """),
    md(r"""
    ## 4. Kernel values concentrate as qubits are added

    For inputs spread over $[0, 2\pi)^n$ the states are nearly orthogonal: the off-diagonal kernel values shrink
    towards $2^{-n}$ and vary less and less from pair to pair.
    """),
    code(CONCENTRATION),
    code(r"""
    # Self-check: the variance falls by more than a factor 2 per qubit
    assert kernel_rate > np.log(2)
    assert concentration[8][1] < concentration[2][1] / 1000
    print("✓ exponential concentration")
    """),
    *kata(
        "kernel-overlap-circuit",
        r"""
        ### Exercise 1: the kernel on a quantum computer

        A device cannot read amplitudes. It runs the feature map for $x$ followed by the **inverse** of the feature
        map for $x'$, and measures: the probability of reading all zeros is

        $$ P(0\cdots0) = |\langle 0|U(x')^\dagger U(x)|0\rangle|^2 = |\langle\phi(x')|\phi(x)\rangle|^2 = k(x, x') . $$

        Write `overlap_circuit(x, xp)`: a Qiskit circuit (no measurements) on `len(x)` qubits that does this with
        `zz_feature_map(len(x), reps=2)`.

        Write your code in the cell below, then run the self-check after it.

        <details><summary>Hint 1</summary>

        `zz_feature_map(n, reps=2).assign_parameters(x)` is $U(x)$; a circuit's `.inverse()` is its adjoint.

        <details><summary>Hint 2</summary>

        `circuit = U_x.compose(U_xp.inverse())` applies $U(x)$ first, then $U(x')^\dagger$.

        </details>

        </details>
        """,
        r'''
        def overlap_circuit(x, xp):
            """U(x') adjoint after U(x): P(all zeros) is the kernel value k(x, x')."""
            # YOUR CODE HERE
            raise NotImplementedError
        ''',
        r'''
        def overlap_circuit(x, xp):
            """U(x') adjoint after U(x): P(all zeros) is the kernel value k(x, x')."""
            n = len(x)
            u_x = zz_feature_map(n, reps=2).assign_parameters(x)
            u_xp = zz_feature_map(n, reps=2).assign_parameters(xp)
            return u_x.compose(u_xp.inverse())
        ''',
        r"""
        # Self-check (exercise 1)
        from liangzhi_checks.katas import check, expect

        def _test():
            rng = np.random.default_rng(11)
            for n in (2, 3):
                for _ in range(4):
                    x, xp = rng.uniform(-1.5, 1.5, n), rng.uniform(-1.5, 1.5, n)
                    circuit = overlap_circuit(x, xp)
                    expect(circuit.num_qubits == n, f"use {n} qubits for {n} features", f"{n} 个特征用 {n} 个量子比特")
                    p0 = Statevector(circuit).probabilities()[0]
                    k = fidelity_gram(feature_states(x), feature_states(xp))[0, 0]
                    expect(abs(p0 - k) < 1e-9, "P(all zeros) is not the kernel value |<phi(x')|phi(x)>|^2",
                           "全零的概率不等于核函数值 |<phi(x')|phi(x)>|^2")

        check('Exercise 1 · overlap_circuit', _test)
        """,
    ),
    *kata(
        "kernel-shots",
        r"""
        ### Exercise 2: how many shots does one kernel entry cost?

        On a device, $k$ is the fraction of $N$ shots that read all zeros, with standard error $\sqrt{k(1-k)/N}$.
        Write `shots_needed(k, rel)`: the **smallest** whole number $N$ for which the standard error is at most
        `rel` times $k$. With section 4's mean kernel values you will see what concentration costs.

        Write your code in the cell below, then run the self-check after it.

        <details><summary>Hint 1</summary>

        Solve $\sqrt{k(1-k)/N} \le \text{rel}\cdot k$ for $N$: square both sides.

        <details><summary>Hint 2</summary>

        $N \ge (1-k)/(\text{rel}^2\,k)$; round **up** with `math.ceil` and return an `int`.

        </details>

        </details>
        """,
        r'''
        def shots_needed(k, rel):
            """The fewest shots that estimate a kernel value k with standard error <= rel * k."""
            # YOUR CODE HERE
            raise NotImplementedError
        ''',
        r'''
        import math

        def shots_needed(k, rel):
            """The fewest shots that estimate a kernel value k with standard error <= rel * k."""
            return int(math.ceil((1 - k) / (rel ** 2 * k)))
        ''',
        r"""
        # Self-check (exercise 2)
        from liangzhi_checks.katas import check, expect

        def _test():
            for k in (0.3, 0.07, 0.004, 0.85):
                for rel in (0.1, 0.03):
                    n_shots = shots_needed(k, rel)
                    expect(isinstance(n_shots, (int, np.integer)), "return a whole number of shots", "请返回整数次 shot")
                    se = lambda m: np.sqrt(k * (1 - k) / m)
                    expect(se(n_shots) <= rel * k, f"k = {k}, rel = {rel}: the standard error is still above rel·k",
                           f"k = {k}、rel = {rel}：标准误差仍大于 rel·k")
                    expect(n_shots == 1 or se(n_shots - 1) > rel * k,
                           f"k = {k}, rel = {rel}: fewer shots would already do", f"k = {k}、rel = {rel}：更少的 shot 已经足够")
            for n in (2, 8):
                print(f"{n} qubits: {shots_needed(concentration[n][0], 0.1)} shots per entry for 10 % error")

        check('Exercise 2 · shots_needed', _test)
        """,
    ),
]


# The hardware-efficient ansatz of unit 7 (RY layers and a CZ chain: real amplitudes), in plain numpy.
BARREN = r"""
import numpy as np

def hea_states(thetas):
    # thetas: (batch, layers, n). Each layer: RY(theta) on every qubit, then CZ on (0,1), (1,2), ..., (n-2,n-1).
    # Returns (batch, 2**n) real amplitudes, qubit 0 = the first (most significant) index bit.
    batch, layers, n = thetas.shape
    z = (np.arange(2 ** n)[:, None] >> np.arange(n)[::-1]) & 1
    cz_chain = np.prod(np.where(z[:, :-1] & z[:, 1:], -1.0, 1.0), axis=1)
    state = np.zeros((batch, 2 ** n))
    state[:, 0] = 1.0
    shape = (batch,) + (1,) * (n - 1)
    for layer in range(layers):
        psi = state.reshape(batch, *([2] * n))
        for q in range(n):
            c = np.cos(thetas[:, layer, q] / 2).reshape(shape)
            s = np.sin(thetas[:, layer, q] / 2).reshape(shape)
            a0, a1 = psi.take(0, axis=q + 1), psi.take(1, axis=q + 1)
            psi = np.stack([c * a0 - s * a1, s * a0 + c * a1], axis=q + 1)
        state = psi.reshape(batch, -1) * cz_chain
    return state

def global_cost(states):
    # 1 - P(all qubits read 0)
    return 1 - states[:, 0] ** 2

def local_cost(states):
    # 1 - (1/n) sum_j P(qubit j reads 0)
    batch, dim = states.shape
    n = dim.bit_length() - 1
    probs = (states ** 2).reshape(batch, *([2] * n))
    return 1 - np.mean([probs.take(0, axis=q + 1).reshape(batch, -1).sum(1) for q in range(n)], axis=0)

def shift_gradient(cost, thetas, layer=0, qubit=0):
    # parameter-shift rule for one angle, for every row of the batch
    plus, minus = thetas.copy(), thetas.copy()
    plus[:, layer, qubit] += np.pi / 2
    minus[:, layer, qubit] -= np.pi / 2
    return (cost(hea_states(plus)) - cost(hea_states(minus))) / 2
"""

BARREN_EXPERIMENT = r"""
LAYERS, SAMPLES = 4, 500
rng = np.random.default_rng(0)
variances = {"global": {}, "local": {}}
for n in range(2, 11):
    thetas = rng.uniform(0, 2 * np.pi, (SAMPLES, LAYERS, n))   # random initialisations
    for name, cost in (("global", global_cost), ("local", local_cost)):
        variances[name][n] = float(shift_gradient(cost, thetas).var())
    print(f"n = {n:2d}: Var dC/dtheta_1  global {variances['global'][n]:.2e}   local {variances['local'][n]:.2e}")
ns = np.arange(2, 11)
rate = {name: -np.polyfit(ns, np.log([v[n] for n in ns]), 1)[0] for name, v in variances.items()}
power = -np.polyfit(np.log(ns), np.log([variances["local"][n] for n in ns]), 1)[0]
print(f"global cost: variance ~ exp(-{rate['global']:.2f} n)")
print(f"local cost:  variance ~ exp(-{rate['local']:.2f} n), or as a power law ~ n^-{power:.1f}")
"""

PRACTICE_7 = [
    md(r"""
    # Practice: barren plateaus

    We sample random initialisations of a hardware-efficient ansatz, compute one gradient component with the
    parameter-shift rule, and watch its variance shrink as qubits are added — exponentially for a global cost,
    slowly for a local one. Cells starting with `# Self-check` print ✓ when the result is right.
    """),
    code(BARREN + r"""
from qiskit import QuantumCircuit
from qiskit.quantum_info import Statevector
"""),
    md(r"""
    ## 1. The ansatz, checked against Qiskit

    One layer is $R_Y$ on every qubit followed by a chain of CZ gates. Qiskit puts qubit 0 last in the index, so we
    reverse its qubits (`reverse_bits`) before comparing.
    """),
    code(r"""
    rng = np.random.default_rng(1)
    n, layers = 3, 2
    thetas = rng.uniform(0, 2 * np.pi, (1, layers, n))
    qc = QuantumCircuit(n)
    for layer in range(layers):
        for q in range(n):
            qc.ry(thetas[0, layer, q], q)
        for q in range(n - 1):
            qc.cz(q, q + 1)
    theirs = Statevector(qc.reverse_bits()).data
    ours = hea_states(thetas)[0]
    print("largest difference:", np.abs(ours - theirs).max())
    # Self-check
    assert np.allclose(ours, theirs, atol=1e-12)
    print("✓ hea_states equals Qiskit's state vector")
    """),
    md(r"""
    ## 2. Parameter shift against a finite difference

    Both costs are expectation values of observables, so the parameter-shift rule is exact for them.
    """),
    code(r"""
    thetas = rng.uniform(0, 2 * np.pi, (5, 3, 4))
    h = 1e-6
    for cost in (global_cost, local_cost):
        plus, minus = thetas.copy(), thetas.copy()
        plus[:, 0, 0] += h
        minus[:, 0, 0] -= h
        fd = (cost(hea_states(plus)) - cost(hea_states(minus))) / (2 * h)
        print(cost.__name__, np.abs(shift_gradient(cost, thetas) - fd).max())
        # Self-check
        assert np.allclose(shift_gradient(cost, thetas), fd, atol=1e-8)
    print("✓ parameter shift equals the finite difference to 1e-8")
    """),
    md(r"""
    ## 3. Gradient variance against the number of qubits

    Four layers, 500 random initialisations per size, the derivative with respect to the first angle. The average
    gradient is zero; its variance says how far a typical starting point is from flat.
    """),
    code(BARREN_EXPERIMENT),
    code(r"""
    # Self-check: exponential decay for the global cost, much slower for the local one
    assert rate["global"] > 1.0 and rate["local"] < 0.5
    assert variances["local"][10] > 100 * variances["global"][10]
    print("✓ the global cost has a barren plateau; the local cost, at this depth, does not")
    """),
    *kata(
        "barren-product-variance",
        r"""
        ### Exercise 1: the variance for one layer, exactly

        With a single layer the CZ gates only change signs, so $P(0\cdots0) = \prod_j \cos^2(\theta_j/2)$ and
        the global cost's derivative with respect to $\theta_1$ is a product of independent factors. For
        independent angles, each uniform on $[0, 2\pi)$, the mean of a product is the product of the means.
        Write `one_layer_variance(n)`: the exact variance of $\partial C_G/\partial\theta_1$ for $n$ qubits
        (its mean is zero).

        Write your code in the cell below, then run the self-check after it.

        <details><summary>Hint 1</summary>

        $\partial C_G/\partial\theta_1 = \sin\frac{\theta_1}2\cos\frac{\theta_1}2\prod_{j\ge2}\cos^2\frac{\theta_j}2$,
        so its square is $\sin^2\frac{\theta_1}2\cos^2\frac{\theta_1}2\prod_{j\ge2}\cos^4\frac{\theta_j}2$.

        <details><summary>Hint 2</summary>

        Over a full period, $\overline{\sin^2 u\cos^2 u} = \overline{\sin^2 2u}/4 = 1/8$ and
        $\overline{\cos^4 u} = 3/8$: the variance is $\frac18\left(\frac38\right)^{n-1}$.

        </details>

        </details>
        """,
        r'''
        def one_layer_variance(n):
            """Var of dC_G/dtheta_1 for one layer of RY (and CZ) on n qubits, angles uniform on [0, 2 pi)."""
            # YOUR CODE HERE
            raise NotImplementedError
        ''',
        r'''
        def one_layer_variance(n):
            """Var of dC_G/dtheta_1 for one layer of RY (and CZ) on n qubits, angles uniform on [0, 2 pi)."""
            return (1 / 8) * (3 / 8) ** (n - 1)
        ''',
        r"""
        # Self-check (exercise 1): against 40 000 sampled initialisations per size
        from liangzhi_checks.katas import check, expect

        def _test():
            sampler = np.random.default_rng(5)
            for n in range(1, 6):
                thetas = sampler.uniform(0, 2 * np.pi, (40_000, 1, n))
                sampled = shift_gradient(global_cost, thetas).var()
                mine = float(one_layer_variance(n))
                expect(abs(mine / sampled - 1) < 0.1,
                       f"n = {n}: your variance is {mine / sampled:.2f} times the sampled one",
                       f"n = {n}：你的方差是抽样方差的 {mine / sampled:.2f} 倍")

        check('Exercise 1 · one_layer_variance', _test)
        """,
    ),
    *kata(
        "barren-shots",
        r"""
        ### Exercise 2: shots to see the slope

        On a device each cost value is a fraction of $N$ shots, with variance at most $1/(4N)$; the parameter-shift
        gradient is half the difference of two such estimates. Write `shots_for_gradient(var)`: the smallest whole
        $N$ for which this worst-case shot-noise variance of the gradient is at most `var`, the variance of the
        gradient over initialisations (so that noise is no larger than a typical gradient).

        Write your code in the cell below, then run the self-check after it.

        <details><summary>Hint 1</summary>

        $\mathrm{Var}\big[(\hat C_+ - \hat C_-)/2\big] = \big(\mathrm{Var}\,\hat C_+ + \mathrm{Var}\,\hat C_-\big)/4$ for
        independent runs.

        <details><summary>Hint 2</summary>

        That is at most $2/(4N)/4 = 1/(8N)$; solve $1/(8N) \le \text{var}$ and round up with `math.ceil`.

        </details>

        </details>
        """,
        r'''
        def shots_for_gradient(var):
            """The fewest shots per circuit for which the shot noise of a shift gradient is at most var."""
            # YOUR CODE HERE
            raise NotImplementedError
        ''',
        r'''
        import math

        def shots_for_gradient(var):
            """The fewest shots per circuit for which the shot noise of a shift gradient is at most var."""
            return int(math.ceil(1 / (8 * var)))
        ''',
        r"""
        # Self-check (exercise 2)
        from liangzhi_checks.katas import check, expect

        def _test():
            for var in (0.03, 1.3e-3, 7e-5, 3.3e-6):
                n_shots = shots_for_gradient(var)
                expect(isinstance(n_shots, (int, np.integer)), "return a whole number of shots", "请返回整数次 shot")
                noise = lambda m: 2 * (1 / (4 * m)) / 4
                expect(noise(n_shots) <= var, f"var = {var:g}: with that many shots the noise is still larger",
                       f"var = {var:g}：用这么多 shot，噪声仍然更大")
                expect(n_shots == 1 or noise(n_shots - 1) > var, f"var = {var:g}: fewer shots would already do",
                       f"var = {var:g}：更少的 shot 已经足够")
            for name in ("global", "local"):
                print(f"{name} cost, 10 qubits: {shots_for_gradient(variances[name][10])} shots per circuit")

        check('Exercise 2 · shots_for_gradient', _test)
        """,
    ),
]


A6 = [
    md(r"""
    # Assignment: a kernel of your own, and choosing its regularisation

    Fill in every cell that says `YOUR CODE HERE`. Visible tests run when you execute the cell below your answer;
    hidden tests check more when you submit. Points: 10 (7 autograded, 3 written).
    """),
    locked("kernels_imports", MOONS + r"""
from qiskit import QuantumCircuit
from qiskit.quantum_info import Statevector

def rbf_kernel(X1, X2, gamma):
    return np.exp(-gamma * ((X1[:, None, :] - X2[None, :, :]) ** 2).sum(-1))

def kernel_ridge_fit(K, y, lam):
    return np.linalg.solve(K + lam * np.eye(len(y)), 2 * np.asarray(y) - 1)

def accuracy(decision, y):
    return float(((np.asarray(decision) > 0).astype(int) == np.asarray(y)).mean())
"""),
    md(r"""
    **Q1 (4 points).** The **angle-encoding** feature map puts feature $i$ on qubit $i$ alone:
    $|\phi(x)\rangle = \bigotimes_i R_Y(x_i)|0\rangle$, with no entangling gates. Work out its kernel
    $k(x, x') = |\langle\phi(x)|\phi(x')\rangle|^2$ in closed form and write `angle_kernel(X1, X2)`: the matrix
    $K_{ij} = k(x_i, x'_j)$ for the rows of `X1` (shape $(m_1, n)$) and `X2` (shape $(m_2, n)$), without building any
    state vector.
    """),
    answer("angle_kernel", r"""
    def angle_kernel(X1, X2):
        ### BEGIN SOLUTION
        X1, X2 = np.asarray(X1, dtype=float), np.asarray(X2, dtype=float)
        return np.prod(np.cos((X1[:, None, :] - X2[None, :, :]) / 2) ** 2, axis=-1)
        ### END SOLUTION
    """),
    tests("test_angle_kernel", 4, r"""
    K = angle_kernel(np.array([[0.0, 0.0], [np.pi, 0.0]]), np.array([[0.0, 0.0], [0.0, np.pi / 2]]))
    assert K.shape == (2, 2), K.shape
    assert np.allclose(K, [[1.0, 0.5], [0.0, 0.0]]), K
    ### BEGIN HIDDEN TESTS
    def _state(x):
        qc = QuantumCircuit(len(x))
        for i, xi in enumerate(x):
            qc.ry(xi, i)
        return Statevector(qc).data
    rng = np.random.default_rng(17)
    A, B = rng.uniform(-3, 3, (4, 3)), rng.uniform(-3, 3, (5, 3))
    ref = np.array([[abs(np.vdot(_state(a), _state(b))) ** 2 for b in B] for a in A])
    assert np.allclose(angle_kernel(A, B), ref, atol=1e-12)
    assert np.allclose(angle_kernel(A, A), angle_kernel(A, A).T) and np.allclose(np.diag(angle_kernel(A, A)), 1)
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q2 (3 points).** Choose the regularisation by **k-fold cross-validation** instead of a single validation split.
    Write `select_lambda(K, y, lams, folds=5)`: split the indices into `folds` contiguous blocks with
    `np.array_split(np.arange(len(y)), folds)`; for each $\lambda$ in `lams` and each block, fit `kernel_ridge_fit` on
    the other blocks and score `accuracy` on the block; return the $\lambda$ with the highest mean accuracy (the
    **smallest** such $\lambda$ on ties).
    """),
    answer("select_lambda", r"""
    def select_lambda(K, y, lams, folds=5):
        ### BEGIN SOLUTION
        y = np.asarray(y)
        blocks = np.array_split(np.arange(len(y)), folds)
        best = None
        for lam in sorted(lams):
            scores = []
            for block in blocks:
                rest = np.setdiff1d(np.arange(len(y)), block)
                alpha = kernel_ridge_fit(K[np.ix_(rest, rest)], y[rest], lam)
                scores.append(accuracy(K[np.ix_(block, rest)] @ alpha, y[block]))
            if best is None or np.mean(scores) > best[0]:
                best = (np.mean(scores), lam)
        return best[1]
        ### END SOLUTION
    """),
    tests("test_select_lambda", 3, r"""
    x, y = two_moons(120, seed=4)
    lam = select_lambda(rbf_kernel(x, x, 2.0), y, [1e-3, 1e-1, 10.0, 1e3])
    assert lam in (1e-3, 1e-1, 10.0, 1e3), lam
    assert lam < 1e3, "a huge lambda flattens the decision function"
    ### BEGIN HIDDEN TESTS
    def _reference(K, y, lams, folds=5):
        blocks = np.array_split(np.arange(len(y)), folds)
        means = []
        for lam in sorted(lams):
            s = []
            for b in blocks:
                r = np.setdiff1d(np.arange(len(y)), b)
                s.append(accuracy(K[np.ix_(b, r)] @ kernel_ridge_fit(K[np.ix_(r, r)], y[r], lam), y[b]))
            means.append((-np.mean(s), lam))
        return min(means)[1]
    for seed, gamma, folds in ((5, 0.5, 5), (6, 20.0, 4), (7, 2.0, 3)):
        x, y = two_moons(90, seed=seed)
        K = rbf_kernel(x, x, gamma)
        lams = [3.0, 1e-2, 30.0, 1e-4, 0.3]
        assert select_lambda(K, y, lams, folds=folds) == _reference(K, y, lams, folds), (seed, gamma, folds)
    # ties go to the smallest lambda
    K = np.eye(10)
    assert select_lambda(K, np.arange(10) % 2, [1.0, 0.5, 2.0], folds=5) == 0.5
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q3 (3 points, graded by your teacher).** A report trains a 20-qubit quantum kernel on 500 points: training
    accuracy 100 %, test accuracy 52 % on a balanced binary task, and every off-diagonal kernel value is about
    $10^{-6}$. Explain what happened, estimate the shots a device needs to measure one such kernel value to 10 %
    relative error and the total for the training matrix, and propose two remedies with their price.
    """),
    written("concentrated_kernel", 3, r"""
    Model answer. The kernel has concentrated (unit 6): with nearly orthogonal feature states, K is the identity up
    to 1e-6, so kernel ridge interpolates every training label (100 %) while the decision function on a new point
    is a sum of ~1e-6 terms that carries no information (52 %, chance on a balanced task). Shots: the standard
    error of a fraction k from N shots is sqrt(k(1-k)/N); 10 % of k needs N = (1-k)/(0.01 k) ≈ 1e8 shots per
    entry; the training matrix has 500·499/2 ≈ 1.25e5 entries, about 1.2e13 shots in all. Remedies: (1) shrink the
    input scale / bandwidth (angles s·x with small s) so that nearby points keep overlapping, chosen by
    cross-validation; the price is that the kernel then behaves much like a classical smooth kernel. (2) Use fewer
    qubits or a less expressive (e.g. shallower, local or projected) feature map; the price again is expressivity,
    and such kernels are often classically simulable. Comparing with a classical kernel on the same split is part
    of any honest claim.

    Rubric (3 points): 1 point for identifying concentration and explaining both numbers (identity-like Gram
    matrix, memorisation, chance on test); 1 point for a correct shot estimate per entry (order 1e8) and in total
    (order 1e13; accept 1e12–1e14 with the method shown); 1 point for two sensible remedies, each with its price.
    """),
]

A7 = [
    md(r"""
    # Assignment: full gradients and how far a plateau lets you go

    Fill in every cell that says `YOUR CODE HERE`. Visible tests run when you execute the cell below your answer;
    hidden tests check more when you submit. Points: 10 (7 autograded, 3 written).
    """),
    locked("barren_imports", BARREN),
    md(r"""
    **Q1 (4 points).** The practice differentiated one angle. Write `all_gradients(cost, thetas)`: the gradient of
    `cost(hea_states(thetas))` with respect to **every** angle, by the parameter-shift rule, for a batch of
    parameter arrays `thetas` of shape (batch, layers, n); return an array of the same shape.
    """),
    answer("all_gradients", r"""
    def all_gradients(cost, thetas):
        ### BEGIN SOLUTION
        grads = np.zeros_like(thetas)
        _, layers, n = thetas.shape
        for layer in range(layers):
            for q in range(n):
                plus, minus = thetas.copy(), thetas.copy()
                plus[:, layer, q] += np.pi / 2
                minus[:, layer, q] -= np.pi / 2
                grads[:, layer, q] = (cost(hea_states(plus)) - cost(hea_states(minus))) / 2
        return grads
        ### END SOLUTION
    """),
    tests("test_all_gradients", 4, r"""
    rng = np.random.default_rng(8)
    thetas = rng.uniform(0, 2 * np.pi, (3, 2, 3))
    g = all_gradients(global_cost, thetas)
    assert np.shape(g) == thetas.shape, np.shape(g)
    assert np.allclose(g[:, 0, 0], shift_gradient(global_cost, thetas)), "the first angle differs from shift_gradient"
    ### BEGIN HIDDEN TESTS
    h = 1e-6
    for cost, shape in ((global_cost, (2, 3, 4)), (local_cost, (4, 2, 5))):
        thetas = rng.uniform(0, 2 * np.pi, shape)
        g = all_gradients(cost, thetas)
        for layer in range(shape[1]):
            for q in range(shape[2]):
                plus, minus = thetas.copy(), thetas.copy()
                plus[:, layer, q] += h
                minus[:, layer, q] -= h
                fd = (cost(hea_states(plus)) - cost(hea_states(minus))) / (2 * h)
                assert np.allclose(g[:, layer, q], fd, atol=1e-7), (cost.__name__, layer, q)
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q2 (3 points).** Write `qubits_until(ns, variances, target)`: fit $\mathrm{Var} \approx A\,e^{-bn}$ by least squares
    on $\ln \mathrm{Var}$ against $n$ (`np.polyfit` with degree 1), and return the smallest whole number of qubits
    $n$ at which the fitted variance is **below** `target`.
    """),
    answer("qubits_until", r"""
    def qubits_until(ns, variances, target):
        ### BEGIN SOLUTION
        slope, intercept = np.polyfit(np.asarray(ns, dtype=float), np.log(variances), 1)
        n_star = (np.log(target) - intercept) / slope
        n = int(np.floor(n_star)) + 1
        return n
        ### END SOLUTION
    """),
    tests("test_qubits_until", 3, r"""
    ns = np.arange(2, 9)
    exact = 0.5 * np.exp(-1.0 * ns)
    n = qubits_until(ns, exact, 1e-6)
    assert isinstance(n, (int, np.integer)), type(n)
    assert n == 14, n  # 0.5 e^-13 = 1.1e-6, 0.5 e^-14 = 4.2e-7
    ### BEGIN HIDDEN TESTS
    assert qubits_until(ns, 2.0 * np.exp(-0.5 * ns), 1e-3) == 16  # 2 e^-7.5 = 1.1e-3, 2 e^-8 = 6.7e-4
    assert qubits_until(ns, 0.1 * 3.0 ** (-ns.astype(float)), 1e-9) == 17  # 0.1 * 3^-17 = 7.8e-10
    noisy = 0.3 * np.exp(-1.2 * ns) * np.exp(np.random.default_rng(2).normal(0, 0.2, len(ns)))
    slope, icpt = np.polyfit(ns, np.log(noisy), 1)
    expected = int(np.floor((np.log(1e-8) - icpt) / slope)) + 1
    assert qubits_until(ns, noisy, 1e-8) == expected
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q3 (3 points, graded by your teacher).** A colleague trains a 30-qubit hardware-efficient ansatz with 30
    layers and the global cost $1 - P(0\cdots0)$; from every random start the optimiser stalls at once. Using this
    unit's measurements, explain why, estimate (order of magnitude) the shots per circuit needed to see a typical
    gradient, and propose two changes with what each costs.
    """),
    written("stalled_training", 3, r"""
    Model answer. A global cost on a random hardware-efficient circuit has a barren plateau: in the unit's
    simulation the gradient variance falls as exp(-1.15 n) (about 3.2 times per qubit) with 4 layers, and a deeper
    circuit only gets closer to the random-circuit limit, so at 30 qubits a typical gradient is tiny and the
    optimiser sees shot noise. Extrapolating the fit from 7.4e-6 at n = 10 by e^(-1.15·20) ≈ 1e-10 gives a variance
    of order 1e-15; the shot noise of a shift gradient is at most 1/(8N), so N ≈ 1/(8·1e-15) ≈ 1e14 shots per
    circuit, for each of the 900 parameters (times two circuits each). Changes: (1) a local cost (the average of
    single-qubit 0-probabilities), which keeps polynomial gradients for shallow circuits; its price is that the
    circuit must also be shallow (depth about log n), and a local cost has a different landscape that can have
    poor local minima. (2) Initialise near a known state or identity / train layer by layer, or use a
    problem-inspired ansatz with few parameters; the price is less expressivity, and circuits provably free of
    plateaus are often classically simulable (Cerezo et al. 2023).

    Rubric (3 points): 1 point for naming the barren plateau and tying it to the global cost and the unit's
    exponential rate; 1 point for a shot estimate of the right order (accept 1e12–1e16 with the method shown); 1
    point for two changes, each with its price.
    """),
]


# ----------------------------------------------------------------------------------------------------------------
# Units 8-9: data re-uploading and an honest classical baseline (exercises written here; saved fresh)
# ----------------------------------------------------------------------------------------------------------------
# Unit 8's one-qubit re-uploading model, a torch simulator of two complex amplitudes (also used by unit 9).
REUPLOAD_1Q = r"""
import math
import numpy as np
import torch

# One qubit as two complex amplitudes (a0, a1), one number per data point: gates are a few elementwise operations.
def ry(a0, a1, angle):
    c, s = torch.cos(angle / 2), torch.sin(angle / 2)
    return c * a0 - s * a1, s * a0 + c * a1

def rz(a0, a1, angle):
    phase = torch.exp(-0.5j * angle)
    return phase * a0, phase.conj() * a1

def rot(a0, a1, angles):
    # a general single-qubit rotation RZ(angles[2]) RY(angles[1]) RZ(angles[0]) (up to a global phase)
    a0, a1 = rz(a0, a1, angles[0])
    a0, a1 = ry(a0, a1, angles[1])
    return rz(a0, a1, angles[2])

class Reuploader(torch.nn.Module):
    # 1-D input: W_L RY(x) ... W_1 RY(x) W_0 |0>, each W_l a trainable rotation and x uploaded L times with
    # weight 1, so <Z> is a Fourier series in x with frequencies 0, 1, ..., L.
    # 2-D input (Perez-Salinas et al. 2020): layer l is RY(c_l) RZ(b_l + w_l1 x_1) RY(a_l + w_l0 x_0), weights w
    # trained too.
    def __init__(self, layers, features=1, seed=0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        blocks = layers + 1 if features == 1 else layers
        self.theta = torch.nn.Parameter(torch.rand(blocks, 3, generator=g, dtype=torch.float64) * 2 * math.pi)
        self.features = features
        if features == 2:
            self.w = torch.nn.Parameter(torch.ones(layers, 2, dtype=torch.float64))

    def forward(self, x):
        x = torch.as_tensor(x, dtype=torch.float64).reshape(len(x), -1)
        a0 = torch.ones(len(x), dtype=torch.complex128)
        a1 = torch.zeros(len(x), dtype=torch.complex128)
        if self.features == 1:
            a0, a1 = rot(a0, a1, self.theta[0])
            for angles in self.theta[1:]:
                a0, a1 = ry(a0, a1, x[:, 0])
                a0, a1 = rot(a0, a1, angles)
        else:
            for (a, b, c), w in zip(self.theta, self.w):
                a0, a1 = ry(a0, a1, a + w[0] * x[:, 0])
                a0, a1 = rz(a0, a1, b + w[1] * x[:, 1])
                a0, a1 = ry(a0, a1, c)
        return a0.abs() ** 2 - a1.abs() ** 2   # <Z>
"""

# Unit 8: a target with frequencies 1..3 fitted with L = 1..4 uploads; accuracy against layers on a disk.
FOURIER = r"""
def target(x):
    # frequencies 1, 2 and 3
    return 0.4 * np.cos(x) + 0.3 * np.sin(2 * x) + 0.2 * np.cos(3 * x)

def train(model, x, y, steps=300, lr=0.1):
    x, y = torch.as_tensor(x, dtype=torch.float64), torch.as_tensor(y, dtype=torch.float64)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        loss = ((model(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return float(loss.detach())

def fourier_magnitudes(values):
    # |c_k| for k = 0 .. len(values)//2 of samples on an evenly spaced grid over [0, 2 pi)
    return np.abs(np.fft.rfft(values)) / len(values)

torch.set_num_threads(1)
x_grid = np.linspace(0, 2 * np.pi, 60, endpoint=False)
fourier = {}
for L in (1, 2, 3, 4):
    fits = []
    for seed in range(2):   # two random starts; keep the best
        model = Reuploader(L, seed=seed)
        fits.append((train(model, x_grid, target(x_grid), steps=200), seed, model))
    mse, seed, model = min(fits, key=lambda t: t[0])
    with torch.no_grad():
        c = fourier_magnitudes(model(x_grid).numpy())
    floor = sum(a ** 2 / 2 for k, a in ((1, 0.4), (2, 0.3), (3, 0.2)) if k > L)
    fourier[L] = {"mse": mse, "floor": floor, "beyond_L": float(c[L + 1:].max()), "model": model}
    print(f"L = {L}: mean squared error {mse:.1e} (best possible with frequencies <= {L}: {floor:.4f}); "
          f"largest |c_k| above k = {L}: {c[L + 1:].max():.1e}")
"""
CIRCLE = r"""
def disk(n, seed):
    # points uniform on [-1, 1]^2, label 1 inside the circle of radius sqrt(2/pi) (half the square's area)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    return X, (np.hypot(X[:, 0], X[:, 1]) < math.sqrt(2 / math.pi)).astype(int)

def predict(model, X):
    with torch.no_grad():
        return (model(torch.as_tensor(X)) < 0).numpy().astype(int)   # <Z> < 0: class 1

X_train, y_train = disk(200, seed=1)
X_test, y_test = disk(500, seed=2)
layers_accuracy = {}
for L in (1, 2, 3, 4):
    accs = []
    for seed in range(3):
        model = Reuploader(L, features=2, seed=seed)
        train(model, X_train, 1 - 2 * y_train, steps=150)
        accs.append(float((predict(model, X_test) == y_test).mean()))
    layers_accuracy[L] = accs
    print(f"L = {L} ({5 * L} parameters): test accuracy {np.mean(accs):.3f} ± {np.std(accs):.3f} over 3 starts")
"""

# Unit 9: six models, the same data, the same budget of four settings, three seeds.
BASELINE = r"""
class VQC(torch.nn.Module):
    # unit 3's classifier: 2 qubits, data RY(pi/2 x_q) re-uploaded before each trainable RY layer and CNOT
    def __init__(self, layers=3):
        super().__init__()
        self.w = torch.nn.Parameter(0.1 * torch.randn(layers, 2, dtype=torch.float64))
        self.a = torch.nn.Parameter(torch.tensor(3.0, dtype=torch.float64))
        self.b = torch.nn.Parameter(torch.tensor(0.0, dtype=torch.float64))

    def forward(self, x):
        state = zero_state(2, x.shape[0])
        for layer in self.w:
            for q in range(2):
                state = apply_ry(state, math.pi / 2 * x[:, q], q)
            for q in range(2):
                state = apply_ry(state, layer[q], q)
            state = apply_cnot(state, 0, 1)
        return self.a * expect_z(state, 0) + self.b

class ReuploadLogit(torch.nn.Module):
    # unit 8's one-qubit re-uploading classifier, read out as a logit a <Z> + b
    def __init__(self, layers):
        super().__init__()
        self.q = Reuploader(layers, features=2, seed=int(torch.randint(0, 10 ** 6, ())))
        self.a = torch.nn.Parameter(torch.tensor(3.0, dtype=torch.float64))
        self.b = torch.nn.Parameter(torch.tensor(0.0, dtype=torch.float64))

    def forward(self, x):
        return self.a * self.q(x) + self.b

def mlp(hidden):
    return torch.nn.Sequential(torch.nn.Linear(2, hidden, dtype=torch.float64), torch.nn.Tanh(),
                               torch.nn.Linear(hidden, 1, dtype=torch.float64))

def fit_logits(model, x, y, steps=100, weight_decay=0.0):
    x, y = torch.as_tensor(x, dtype=torch.float64), torch.as_tensor(y, dtype=torch.float64)
    opt = torch.optim.Adam(model.parameters(), lr=0.1, weight_decay=weight_decay)
    for _ in range(steps):
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x).reshape(-1), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model

def trained(make, setting, x, y, seed):
    torch.manual_seed(seed)
    model = make(setting)
    fit_logits(model, x, y, weight_decay=setting if make is logistic else 0.0)

    def decide(X):
        with torch.no_grad():
            return model(torch.as_tensor(X, dtype=torch.float64)).reshape(-1).numpy()
    return decide, model

def logistic(weight_decay):
    return torch.nn.Linear(2, 1, dtype=torch.float64)

def kernel_model(kernel, lam=1e-3):
    # kernel ridge classification (unit 6): setting -> a function of (x, y) returning a decision function
    def fit(setting, x, y, seed):
        alpha = kernel_ridge_fit(kernel(x, x, setting), y, lam)
        return (lambda X: kernel(X, x, setting) @ alpha), None
    return fit

def zz_kernel(A, B, s):
    return fidelity_gram(feature_states(s * A), feature_states(s * B))

# every model gets the same budget: four settings, chosen on a validation split of the same data
MODELS = {
    "logistic regression": (lambda s, x, y, seed: trained(logistic, s, x, y, seed), [0.0, 1e-3, 1e-2, 1e-1]),
    "MLP 2-h-1 (tanh)": (lambda s, x, y, seed: trained(mlp, s, x, y, seed), [2, 4, 8, 16]),
    "RBF kernel ridge": (kernel_model(rbf_kernel), [0.5, 2.0, 5.0, 20.0]),
    "VQC, 2 qubits (unit 3)": (lambda s, x, y, seed: trained(VQC, s, x, y, seed), [1, 2, 3, 4]),
    "re-uploading, 1 qubit (unit 8)": (lambda s, x, y, seed: trained(ReuploadLogit, s, x, y, seed), [1, 2, 3, 4]),
    "ZZ quantum kernel (unit 6)": (kernel_model(zz_kernel), [0.25, 0.5, 1.0, 2.0]),
}

def n_parameters(name, setting, model):
    if model is None:    # kernel ridge keeps one weight per training point (and the training points themselves)
        return 150
    return sum(p.numel() for p in model.parameters())

torch.set_num_threads(1)
SEEDS = (0, 1, 2)
results = {name: [] for name in MODELS}
for seed in SEEDS:
    x_all, y_all = two_moons(200, seed=10 + seed)      # a fresh draw of the data for every seed
    x_test, y_test = two_moons(200, seed=20 + seed)
    fit, val = slice(0, 150), slice(150, 200)
    for name, (make, settings) in MODELS.items():
        best = None
        for setting in settings:
            decide, model = make(setting, x_all[fit], y_all[fit], seed)
            acc_val = accuracy(decide(x_all[val]), y_all[val])
            if best is None or acc_val > best[0]:
                best = (acc_val, setting, decide, model)
        acc_val, setting, decide, model = best
        results[name].append((setting, accuracy(decide(x_test), y_test), n_parameters(name, setting, model)))
for name, rows in results.items():
    accs = [r[1] for r in rows]
    print(f"{name}: test accuracy {np.mean(accs):.3f} ± {np.std(accs):.3f}; settings {[r[0] for r in rows]}, "
          f"parameters {[r[2] for r in rows]}")
"""

PRACTICE_8 = [
    md(r"""
    # Practice: data re-uploading

    One qubit, the data uploaded again in every layer. We check the model against Qiskit, fit a target with
    frequencies 1, 2 and 3 with $L = 1, \dots, 4$ layers, read the model's Fourier spectrum, and train the
    re-uploading classifier of Pérez-Salinas et al. on a disk. Cells starting with `# Self-check` print ✓ when the
    result is right.
    """),
    code(REUPLOAD_1Q + r"""
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp, Statevector
"""),
    md(r"""
    ## 1. The model is a circuit

    For a 1-D input the model is $W_L R_Y(x) \cdots W_1 R_Y(x) W_0|0\rangle$, read out as $\langle Z\rangle$; each $W_l$
    is $R_Z R_Y R_Z$ with trainable angles. The same circuit in Qiskit gives the same numbers.
    """),
    code(r"""
    model = Reuploader(2, seed=3)
    xs = np.array([-1.2, 0.4, 2.5])
    with torch.no_grad():
        ours = model(xs).numpy()
    theta = model.theta.detach().numpy()
    theirs = []
    for x in xs:
        qc = QuantumCircuit(1)
        for l, (a, b, c) in enumerate(theta):
            if l > 0:
                qc.ry(x, 0)
            qc.rz(a, 0)
            qc.ry(b, 0)
            qc.rz(c, 0)
        theirs.append(Statevector(qc).expectation_value(SparsePauliOp("Z")).real)
    print(np.round(ours, 6), np.round(theirs, 6))
    # Self-check: the same expectation values
    assert np.allclose(ours, theirs, atol=1e-12)
    print("✓ Reuploader equals the Qiskit circuit")
    """),
    md(r"""
    ## 2. Fitting a Fourier series

    The target $g(x) = 0.4\cos x + 0.3\sin 2x + 0.2\cos 3x$ has frequencies 1, 2 and 3. A model with $L$ uploads can
    only hold frequencies up to $L$; the best it can do leaves the higher terms out, a mean squared error of
    $\sum_{k > L} a_k^2/2$ for the amplitudes $a_k$.
    """),
    code(FOURIER),
    code(r"""
    # Self-check: L = 1 and 2 stop at the floor of the missing frequencies, L >= 3 fits; no model holds more than L
    for L, r in fourier.items():
        assert r["mse"] >= r["floor"] - 1e-9 and r["mse"] < r["floor"] + 1e-3, L
        assert r["beyond_L"] < 1e-12, L
    print("✓ frequencies up to L, and no higher")
    """),
    md(r"""
    ## 3. Accuracy against layers: a disk in the plane

    Points uniform on $[-1, 1]^2$, class 1 inside the circle of half the square's area. Each layer uploads $x_0$ in an
    $R_Y$ and $x_1$ in an $R_Z$ with trainable weights; class 1 when $\langle Z\rangle < 0$. Three random starts per $L$.
    """),
    code(CIRCLE),
    code(r"""
    # Self-check: one upload draws a poor boundary; three uploads do much better
    assert np.mean(layers_accuracy[1]) < 0.8 < 0.9 < np.mean(layers_accuracy[3])
    print("✓ accuracy grows with the number of uploads")
    """),
    *kata(
        "reupload-circuit",
        r"""
        ### Exercise 1: the re-uploading circuit in Qiskit

        Write `reupload_circuit(x, theta)`: the 1-D model as a one-qubit Qiskit circuit (no measurement), for a number
        `x` and an array `theta` of shape $(L + 1, 3)$: first $W_0$, then for each of the $L$ remaining rows an upload
        $R_Y(x)$ followed by $W_l = R_Z(c)\,R_Y(b)\,R_Z(a)$ (gates applied in the order `rz(a)`, `ry(b)`, `rz(c)`).

        Write your code in the cell below, then run the self-check after it.

        <details><summary>Hint 1</summary>

        Loop over the rows of `theta`; every row but the first starts with `qc.ry(x, 0)`.

        <details><summary>Hint 2</summary>

        `for l, (a, b, c) in enumerate(theta):` then `if l > 0: qc.ry(x, 0)`, then `qc.rz(a, 0)`, `qc.ry(b, 0)`,
        `qc.rz(c, 0)`.

        </details>

        </details>
        """,
        r'''
        def reupload_circuit(x, theta):
            """W_L RY(x) ... W_1 RY(x) W_0 on one qubit; theta has one row (a, b, c) per W."""
            # YOUR CODE HERE
            raise NotImplementedError
        ''',
        r'''
        def reupload_circuit(x, theta):
            """W_L RY(x) ... W_1 RY(x) W_0 on one qubit; theta has one row (a, b, c) per W."""
            qc = QuantumCircuit(1)
            for l, (a, b, c) in enumerate(theta):
                if l > 0:
                    qc.ry(x, 0)
                qc.rz(a, 0)
                qc.ry(b, 0)
                qc.rz(c, 0)
            return qc
        ''',
        r"""
        # Self-check (exercise 1)
        from liangzhi_checks.katas import check, expect

        def _test():
            for L in (1, 3):
                m = Reuploader(L, seed=5)
                theta = m.theta.detach().numpy()
                for x in (-0.7, 1.9):
                    qc = reupload_circuit(x, theta)
                    expect(qc.num_qubits == 1, "one qubit", "只用一个量子比特")
                    z = Statevector(qc).expectation_value(SparsePauliOp("Z")).real
                    with torch.no_grad():
                        want = float(m(np.array([x]))[0])
                    expect(abs(z - want) < 1e-9, f"L = {L}, x = {x}: <Z> differs from the model's",
                           f"L = {L}，x = {x}：<Z> 与模型的值不同")

        check('Exercise 1 · reupload_circuit', _test)
        """,
    ),
    *kata(
        "max-frequency",
        r"""
        ### Exercise 2: read the spectrum

        Write `max_frequency(values, tol=1e-9)`: for samples of a real function on an evenly spaced grid over
        $[0, 2\pi)$, the **largest** whole frequency $k \ge 1$ whose Fourier coefficient has magnitude above `tol`
        (use `fourier_magnitudes`), or 0 if there is none. A model with $L$ uploads must give at most $L$.

        Write your code in the cell below, then run the self-check after it.

        <details><summary>Hint 1</summary>

        `c = fourier_magnitudes(values)`; entry `k` of `c` belongs to frequency `k`; entry 0 is the constant term.

        <details><summary>Hint 2</summary>

        `ks = np.nonzero(c[1:] > tol)[0] + 1` and return `int(ks.max())` if `ks` is not empty.

        </details>

        </details>
        """,
        r'''
        def max_frequency(values, tol=1e-9):
            """The largest frequency k >= 1 with |c_k| > tol (0 if none)."""
            # YOUR CODE HERE
            raise NotImplementedError
        ''',
        r'''
        def max_frequency(values, tol=1e-9):
            """The largest frequency k >= 1 with |c_k| > tol (0 if none)."""
            c = fourier_magnitudes(values)
            ks = np.nonzero(c[1:] > tol)[0] + 1
            return int(ks.max()) if len(ks) else 0
        ''',
        r"""
        # Self-check (exercise 2)
        from liangzhi_checks.katas import check, expect

        def _test():
            expect(max_frequency(target(x_grid)) == 3, "the target has frequencies 1, 2 and 3",
                   "目标函数含频率 1、2、3")
            expect(max_frequency(0.5 + 0.1 * np.cos(2 * x_grid) + 0.4 * np.sin(x_grid)) == 2,
                   "0.5 + 0.1 cos 2x + 0.4 sin x: the largest frequency is 2, not the strongest",
                   "0.5 + 0.1 cos 2x + 0.4 sin x：最大频率是 2，而不是最强的那个")
            expect(max_frequency(np.cos(3 * x_grid)) == 3, "cos 3x alone: frequency 3", "只有 cos 3x：频率为 3")
            expect(max_frequency(np.full(60, 0.3)) == 0, "a constant has no frequency above 0", "常数没有大于 0 的频率")
            for L, r in fourier.items():
                with torch.no_grad():
                    got = max_frequency(r["model"](x_grid).numpy())
                expect(got == L, f"the fitted model with L = {L} holds frequency {L}", f"L = {L} 的拟合模型含频率 {L}")

        check('Exercise 2 · max_frequency', _test)
        """,
    ),
]

PRACTICE_9 = [
    md(r"""
    # Practice: an honest classical baseline

    Six models on the two moons: three classical (logistic regression, a small MLP, kernel ridge with an RBF kernel)
    and three from this course (unit 3's VQC, unit 8's re-uploading classifier, unit 6's ZZ quantum kernel). Each gets
    the same budget of four settings, chosen on the same validation split, on three fresh draws of the data.
    Cells starting with `# Self-check` print ✓ when the result is right.
    """),
    code(SIM + MOONS + KERNELS + REUPLOAD_1Q),
    md(r"""
    ## 1. Same data, same budget, several seeds

    For each seed: 200 training points (150 to fit, the last 50 to choose the setting) and 200 test points. A
    kernel model keeps one weight per training point, so its parameter count is 150.
    """),
    code(BASELINE),
    code(r"""
    # Self-check: the comparison the lesson reads
    mean = {name: np.mean([r[1] for r in rows]) for name, rows in results.items()}
    assert mean["logistic regression"] < 0.9 < min(m for name, m in mean.items() if name != "logistic regression")
    assert max(mean, key=mean.get) == "RBF kernel ridge"
    print("✓ every non-linear model beats the linear one; the RBF kernel is on top")
    """),
    *kata(
        "kernel-circuits",
        r"""
        ### Exercise 1: what a quantum kernel costs on a device

        Each kernel value $k(x, x')$ with $x \ne x'$ is one circuit (run for many shots; $k(x, x) = 1$ is known). Write
        `kernel_circuits(m_train, m_test)`: the number of distinct circuits to build the symmetric training matrix and
        to classify `m_test` new points.

        Write your code in the cell below, then run the self-check after it.

        <details><summary>Hint 1</summary>

        The training matrix is symmetric with a known diagonal: count the pairs $i < j$.

        <details><summary>Hint 2</summary>

        $m(m-1)/2$ for training, plus $m$ kernel values for each new point.

        </details>

        </details>
        """,
        r'''
        def kernel_circuits(m_train, m_test):
            """Distinct circuits for the training kernel matrix and for m_test predictions."""
            # YOUR CODE HERE
            raise NotImplementedError
        ''',
        r'''
        def kernel_circuits(m_train, m_test):
            """Distinct circuits for the training kernel matrix and for m_test predictions."""
            return m_train * (m_train - 1) // 2 + m_test * m_train
        ''',
        r"""
        # Self-check (exercise 1)
        from liangzhi_checks.katas import check, expect

        def _test():
            expect(kernel_circuits(2, 0) == 1, "two training points: one pair", "两个训练点：一对")
            expect(kernel_circuits(150, 0) == 11175, "150 training points: 150·149/2 pairs", "150 个训练点：150·149/2 对")
            expect(kernel_circuits(150, 200) == 11175 + 30000, "each test point needs one value per training point",
                   "每个测试点对每个训练点都需要一个核函数值")
            print(f"this practice's ZZ kernel, per seed: {kernel_circuits(150, 250)} circuits")

        check('Exercise 1 · kernel_circuits', _test)
        """,
    ),
    *kata(
        "difference-se",
        r"""
        ### Exercise 2: how many standard errors apart?

        Two models are tested on the same $n$ test points with accuracies $a$ and $b$. Write
        `standard_errors_apart(a, b, n)`: $(b - a)/\sqrt{a(1-a)/n + b(1-b)/n}$, the measure unit 6 used (it ignores the
        pairing of the test points, so it is cautious).

        Write your code in the cell below, then run the self-check after it.

        <details><summary>Hint 1</summary>

        The variance of an accuracy measured on $n$ points is $p(1-p)/n$; the variances of two independent estimates add.

        <details><summary>Hint 2</summary>

        `return (b - a) / math.sqrt(a * (1 - a) / n + b * (1 - b) / n)`

        </details>

        </details>
        """,
        r'''
        def standard_errors_apart(a, b, n):
            """(b - a) in units of the standard error of the difference of two accuracies on n points."""
            # YOUR CODE HERE
            raise NotImplementedError
        ''',
        r'''
        def standard_errors_apart(a, b, n):
            """(b - a) in units of the standard error of the difference of two accuracies on n points."""
            return (b - a) / math.sqrt(a * (1 - a) / n + b * (1 - b) / n)
        ''',
        r"""
        # Self-check (exercise 2)
        from liangzhi_checks.katas import check, expect

        def _test():
            expect(abs(standard_errors_apart(0.97, 0.99, 200) - 1.4322) < 1e-3, "0.97 against 0.99 on 200 points",
                   "200 个点上 0.97 对 0.99")
            expect(abs(standard_errors_apart(0.8, 0.9, 100) - 2.0) < 1e-9, "0.8 against 0.9 on 100 points",
                   "100 个点上 0.8 对 0.9")
            expect(standard_errors_apart(0.9, 0.8, 100) < 0, "the sign says which model is better",
                   "符号表示哪个模型更好")

        check('Exercise 2 · standard_errors_apart', _test)
        """,
    ),
]

A8 = [
    md(r"""
    # Assignment: a re-uploading model with another encoding, and its Fourier coefficients

    Fill in every cell that says `YOUR CODE HERE`. Visible tests run when you execute the cell below your answer;
    hidden tests check more when you submit. Points: 10 (7 autograded, 3 written).
    """),
    locked("reupload_imports", r"""
import numpy as np
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp, Statevector
"""),
    md(r"""
    **Q1 (4 points).** The practice uploaded $x$ with $R_Y(x)$ and simulated with torch. Here the data enters with
    $R_X(x)$: write `reupload_z(x, theta)` in plain numpy (2×2 complex matrices, no Qiskit, no torch): the expectation
    $\langle Z\rangle$ of $W_L R_X(x) \cdots W_1 R_X(x) W_0|0\rangle$ for every entry of the 1-D array `x`, where row $l$
    of `theta` (shape $(L + 1, 3)$) is $(a, b, c)$ and $W_l = R_Z(c)\,R_Y(b)\,R_Z(a)$. Return an array shaped like `x`.
    """),
    answer("reupload_z", r"""
    def reupload_z(x, theta):
        ### BEGIN SOLUTION
        def rx(t):
            return np.array([[np.cos(t / 2), -1j * np.sin(t / 2)], [-1j * np.sin(t / 2), np.cos(t / 2)]])

        def ry(t):
            return np.array([[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]], dtype=complex)

        def rz(t):
            return np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])

        out = []
        for xi in np.asarray(x, dtype=float):
            psi = np.array([1, 0], dtype=complex)
            for l, (a, b, c) in enumerate(theta):
                if l > 0:
                    psi = rx(xi) @ psi
                psi = rz(c) @ ry(b) @ rz(a) @ psi
            out.append(abs(psi[0]) ** 2 - abs(psi[1]) ** 2)
        return np.array(out)
        ### END SOLUTION
    """),
    tests("test_reupload_z", 4, r"""
    z = reupload_z(np.array([0.0, np.pi]), np.zeros((2, 3)))
    assert np.shape(z) == (2,), np.shape(z)
    assert np.allclose(z, [1.0, -1.0]), z  # RX(pi) flips |0> to |1>
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(21)
    for L in (1, 2, 4):
        theta = rng.uniform(0, 2 * np.pi, (L + 1, 3))
        xs = rng.uniform(-3, 3, 5)
        want = []
        for xi in xs:
            qc = QuantumCircuit(1)
            for l, (a, b, c) in enumerate(theta):
                if l > 0:
                    qc.rx(xi, 0)
                qc.rz(a, 0)
                qc.ry(b, 0)
                qc.rz(c, 0)
            want.append(Statevector(qc).expectation_value(SparsePauliOp("Z")).real)
        assert np.allclose(reupload_z(xs, theta), want, atol=1e-10), L
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q2 (3 points).** A model with $L$ uploads is a trigonometric polynomial $f(x) = \sum_{k=-L}^{L} c_k e^{ikx}$, so
    $2L + 1$ samples determine it. Write `fourier_coefficients(f, L)`: sample `f` (a function of a numpy array) at
    $x_j = 2\pi j/(2L + 1)$, $j = 0, \dots, 2L$, and return the complex array $(c_{-L}, \dots, c_0, \dots, c_L)$.
    """),
    answer("fourier_coefficients", r"""
    def fourier_coefficients(f, L):
        ### BEGIN SOLUTION
        n = 2 * L + 1
        x = 2 * np.pi * np.arange(n) / n
        c = np.fft.fft(f(x)) / n            # c[k] for k = 0..L, then k = -L..-1
        return np.concatenate([c[L + 1:], c[:L + 1]])
        ### END SOLUTION
    """),
    untrusted(tests("test_fourier_coefficients", 3, r"""
    c = fourier_coefficients(lambda x: 1 + np.cos(x), 1)
    assert np.shape(c) == (3,), np.shape(c)
    assert np.allclose(c, [0.5, 1.0, 0.5]), c
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(5)
    c = fourier_coefficients(lambda x: np.sin(2 * x), 2)
    assert np.allclose(c, [0.5j, 0, 0, 0, -0.5j]), c
    for L in (1, 3):
        theta = rng.uniform(0, 2 * np.pi, (L + 1, 3))
        c = fourier_coefficients(lambda x: reupload_z(x, theta), L)
        xs = rng.uniform(-4, 4, 7)
        rebuilt = sum(ck * np.exp(1j * k * xs) for k, ck in zip(range(-L, L + 1), c))
        assert np.allclose(rebuilt.real, reupload_z(xs, theta), atol=1e-9) and np.allclose(rebuilt.imag, 0, atol=1e-9)
        assert np.allclose(c, np.conj(c[::-1]))  # a real function
    ### END HIDDEN TESTS
    """)),
    md(r"""
    **Q3 (3 points, graded by your teacher).** A classmate fits a 1-D data set of 40 noisy points with one-qubit
    re-uploading models: $L = 2$ gives a training error of 0.05 and a test error of 0.06, $L = 10$ gives 0.001 and
    0.20. They conclude that "one qubit with enough layers is a universal approximator, so quantum models are more
    expressive than classical ones". Explain both results with the Fourier view of this unit and judge the conclusion.
    """),
    written("reupload_overfit", 3, r"""
    Model answer. With L uploads the model is a trigonometric polynomial of degree L (frequencies up to L, unit 8):
    2L + 1 Fourier coefficients. L = 2 has 5 degrees of freedom: not enough to follow the noise, so training and test
    errors are close. L = 10 has 21 coefficients for 40 noisy points: it fits the noise (training error 0.001) and
    oscillates between the points (test 0.20): overfitting, the classical bias-variance trade-off; the number of layers
    should be chosen on a validation split, like any model size. The universality statement is true (Pérez-Salinas et
    al. 2020; a Fourier series of growing degree approximates any smooth function) but it is not quantum: a classical
    Fourier series, a polynomial or an MLP is universal too, and a one-qubit model is simulated exactly with 2×2
    matrices on a laptop. Expressivity is not an advantage; what matters is generalisation at a given cost, compared
    with classical models on the same data (unit 9).

    Rubric (3 points): 1 point for tying L to the maximal frequency / number of coefficients and explaining the L = 2
    result; 1 point for naming overfitting at L = 10 (more coefficients than the noise allows) and choosing L by
    validation; 1 point for judging the conclusion: universality holds classically too and one qubit is trivially
    simulable, so it shows no quantum advantage.
    """),
]

A9 = [
    md(r"""
    # Assignment: a comparison you can defend

    Fill in every cell that says `YOUR CODE HERE`. Visible tests run when you execute the cell below your answer;
    hidden tests check more when you submit. Points: 10 (7 autograded, 3 written).
    """),
    locked("baseline_imports", MOONS + r"""
def rbf_kernel(X1, X2, gamma):
    return np.exp(-gamma * ((X1[:, None, :] - X2[None, :, :]) ** 2).sum(-1))

def kernel_ridge_fit(K, y, lam):
    return np.linalg.solve(K + lam * np.eye(len(y)), 2 * np.asarray(y) - 1)

def accuracy(decision, y):
    return float(((np.asarray(decision) > 0).astype(int) == np.asarray(y)).mean())
"""),
    md(r"""
    **Q1 (4 points).** Write `select_then_test(fit, settings, x, y, x_test, y_test, n_val)`: `fit(setting, x, y)` returns
    a decision function (positive means class 1). Fit each setting on all but the **last** `n_val` points of `x`, score
    it with `accuracy` on those last `n_val`, keep the best (the **first** in `settings` on ties), and return the pair
    (chosen setting, test accuracy of that fitted model on `x_test`). The test set must play no part in the choice.
    """),
    answer("select_then_test", r"""
    def select_then_test(fit, settings, x, y, x_test, y_test, n_val):
        ### BEGIN SOLUTION
        x_fit, y_fit, x_val, y_val = x[:-n_val], y[:-n_val], x[-n_val:], y[-n_val:]
        best = None
        for setting in settings:
            decide = fit(setting, x_fit, y_fit)
            score = accuracy(decide(x_val), y_val)
            if best is None or score > best[0]:
                best = (score, setting, decide)
        return best[1], accuracy(best[2](x_test), y_test)
        ### END SOLUTION
    """),
    tests("test_select_then_test", 4, r"""
    def rbf_fit(gamma, x, y):
        alpha = kernel_ridge_fit(rbf_kernel(x, x, gamma), y, 1e-3)
        return lambda X: rbf_kernel(X, x, gamma) @ alpha

    x, y = two_moons(120, seed=3)
    xt, yt = two_moons(100, seed=4)
    setting, acc = select_then_test(rbf_fit, [0.01, 1.0], x, y, xt, yt, 30)
    assert setting == 1.0 and 0.9 < acc <= 1.0, (setting, acc)
    ### BEGIN HIDDEN TESTS
    def reference(fit, settings, x, y, x_test, y_test, n_val):
        scores = [accuracy(fit(s, x[:-n_val], y[:-n_val])(x[-n_val:]), y[-n_val:]) for s in settings]
        i = int(np.argmax(scores))
        return settings[i], accuracy(fit(settings[i], x[:-n_val], y[:-n_val])(x_test), y_test)

    for seed, n_val in ((5, 20), (6, 40)):
        x, y = two_moons(100, seed=seed)
        xt, yt = two_moons(80, seed=seed + 50)
        settings = [0.05, 200.0, 2.0, 20.0, 0.5]
        assert select_then_test(rbf_fit, settings, x, y, xt, yt, n_val) == reference(rbf_fit, settings, x, y, xt, yt, n_val)
    # the test set plays no part: a setting that only shines on the test set is not chosen
    calls = []
    def spy(setting, x, y):
        calls.append(len(x))
        return lambda X: np.full(len(X), setting)
    x, y = np.zeros((10, 2)), np.array([0] * 7 + [1] * 3)
    chosen, acc = select_then_test(spy, [-1.0, 1.0], x, y, np.zeros((4, 2)), np.ones(4, int), 3)
    assert chosen == 1.0 and acc == 1.0 and set(calls) == {7}
    chosen, _ = select_then_test(spy, [-1.0, 1.0], x, np.array([1] * 7 + [0] * 3), np.zeros((4, 2)), np.ones(4, int), 3)
    assert chosen == -1.0  # validation says class 0, whatever the test set says
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q2 (3 points).** Accuracies over seeds are paired: seed $s$ gives both models the same data. Write
    `paired_difference(acc_a, acc_b)`: the mean of the differences $b_s - a_s$ and its standard error
    $\mathrm{sd}(b - a)/\sqrt{S}$ over the $S$ seeds (sample standard deviation, `ddof=1`), as a pair of floats.
    """),
    answer("paired_difference", r"""
    def paired_difference(acc_a, acc_b):
        ### BEGIN SOLUTION
        d = np.asarray(acc_b, dtype=float) - np.asarray(acc_a, dtype=float)
        return float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d)))
        ### END SOLUTION
    """),
    tests("test_paired_difference", 3, r"""
    mean, se = paired_difference([0.90, 0.92, 0.94], [0.91, 0.95, 0.95])
    assert abs(mean - 0.05 / 3) < 1e-12, mean
    ### BEGIN HIDDEN TESTS
    assert abs(se - np.std([0.01, 0.03, 0.01], ddof=1) / np.sqrt(3)) < 1e-12, se
    rng = np.random.default_rng(9)
    a = rng.uniform(0.8, 0.9, 7)
    b = a + rng.normal(0.01, 0.02, 7)
    mean, se = paired_difference(a, b)
    assert abs(mean - (b - a).mean()) < 1e-12 and abs(se - (b - a).std(ddof=1) / np.sqrt(7)) < 1e-12
    assert paired_difference(b, a)[0] == -mean
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q3 (3 points, graded by your teacher).** A preprint reports: "our 6-qubit variational classifier reaches 96 %
    test accuracy on a credit data set, compared with 91 % for logistic regression: evidence of quantum advantage". It
    was run on a state-vector simulator; no other baselines; one train/test split; the quantum model's depth was tuned
    on the test set. List what is missing for the claim and what you would ask for, using this unit's three tests of a
    quantum-advantage claim.
    """),
    written("advantage_claim", 3, r"""
    Model answer. (1) The comparison is not fair: tuning on the test set inflates the quantum model's score, and the
    only baseline is linear. Ask for hyperparameters of every model chosen on a validation split (or by cross-validation)
    with the same budget, strong non-linear baselines (an MLP, gradient-boosted trees, an RBF kernel machine), several
    seeds or splits with means and standard deviations (or paired differences with standard errors), and parameter
    counts. In unit 9 a linear model is beaten by every non-linear one, quantum or not. (2) Simulability: a 6-qubit
    circuit is a 64-dimensional state simulated on a laptop, so whatever it computes a classical computer computes too;
    the model is a classical model with a particular (Fourier-type) feature set, and could be dequantised, e.g. by
    random Fourier features or by fitting the same trigonometric features classically. (3) Cost: on hardware each
    prediction needs shots (the accuracy is estimated from a finite number of measurements) and training needs 2 circuits
    per parameter per point per step by the parameter-shift rule; the claim should state the shots and the wall-clock
    against the classical models. An advantage claim needs a task where the classical baselines provably or empirically
    fail at scale, not one small simulated data set.

    Rubric (3 points): 1 point for the evaluation protocol (test-set tuning, one split, a single weak baseline, and
    what to ask instead); 1 point for simulability / dequantisation (6 qubits are classically simulated, so no
    advantage can be shown this way); 1 point for the cost in shots and circuit runs on a device.
    """),
]


# ----------------------------------------------------------------------------------------------------------------
# Unit 10: noise, a variational classifier on a simulated device (exercises written here; saved fresh)
# ----------------------------------------------------------------------------------------------------------------
# Unit 3's classifier, trained as in make_figures.vqc (seed 0, 150 Adam steps): 0.895 on the 200 test points.
NOISE_SETUP = r"""
import math
import numpy as np
import torch
from qiskit import QuantumCircuit, transpile
from qiskit.circuit import ParameterVector
from qiskit.providers.fake_provider import GenericBackendV2
from qiskit_aer import AerSimulator
from qiskit_aer.noise import NoiseModel, ReadoutError, depolarizing_error

torch.set_num_threads(1)
x_train, y_train = two_moons(200, seed=1)
x_test, y_test = two_moons(200, seed=2)

class VQC(torch.nn.Module):
    # unit 3's classifier: 3 layers of RY(pi/2 x_q), RY(w_lq), CNOT(0, 1); the logit is a <Z_0> + b
    def __init__(self, layers=3):
        super().__init__()
        self.w = torch.nn.Parameter(0.1 * torch.randn(layers, 2, dtype=torch.float64))
        self.a = torch.nn.Parameter(torch.tensor(3.0, dtype=torch.float64))
        self.b = torch.nn.Parameter(torch.tensor(0.0, dtype=torch.float64))

    def forward(self, x):
        state = zero_state(2, x.shape[0])
        for layer in self.w:
            for q in range(2):
                state = apply_ry(state, math.pi / 2 * x[:, q], q)
            for q in range(2):
                state = apply_ry(state, layer[q], q)
            state = apply_cnot(state, 0, 1)
        return self.a * expect_z(state, 0) + self.b

torch.manual_seed(0)
model = VQC()
opt = torch.optim.Adam(model.parameters(), lr=0.05)
xt, yt = torch.tensor(x_train), torch.tensor(y_train, dtype=torch.float64)
for _ in range(150):
    loss = torch.nn.functional.binary_cross_entropy_with_logits(model(xt), yt)
    opt.zero_grad()
    loss.backward()
    opt.step()
weights, a, b = model.w.detach().numpy(), model.a.item(), model.b.item()
with torch.no_grad():
    exact_accuracy = float(((model(torch.tensor(x_test)) > 0).numpy() == y_test).mean())
print(f"trained as in unit 3: exact test accuracy {exact_accuracy:.3f}")
"""

# Transpilation to a 5-qubit line with IBM's basis gates (qiskit's GenericBackendV2: no real device's calibration).
NOISE_DEVICE = r"""
x_par = ParameterVector("x", 2)

def vqc_circuit(weights):
    # the same classifier as a Qiskit circuit with the input x as two parameters, measured at the end
    qc = QuantumCircuit(2)
    for layer in weights:
        for q in range(2):
            qc.ry(math.pi / 2 * x_par[q], q)
        for q in range(2):
            qc.ry(float(layer[q]), q)
        qc.cx(0, 1)
    qc.measure_all()
    return qc

def two_qubit_count(circuit):
    return sum(1 for inst in circuit.data if inst.operation.num_qubits == 2 and inst.operation.name != "barrier")

# a 5-qubit device on a line (0-1-2-3-4) with IBM's basis gates
backend = GenericBackendV2(num_qubits=5, basis_gates=["cx", "id", "rz", "sx", "x"],
                           coupling_map=[[i, i + 1] for i in range(4)] + [[i + 1, i] for i in range(4)], seed=0)
logical = vqc_circuit(weights)
device = transpile(logical, backend=backend, optimization_level=1, seed_transpiler=0)
triangle = QuantumCircuit(3)
triangle.h(0)
triangle.cx(0, 1)
triangle.cx(1, 2)
triangle.cx(0, 2)
triangle_device = transpile(triangle, backend=backend, optimization_level=1, seed_transpiler=0)
transpiled = {}
for name, before, after in (("vqc", logical, device), ("triangle", triangle, triangle_device)):
    transpiled[name] = {"depth": (before.depth(), after.depth()),
                        "two_qubit": (two_qubit_count(before), two_qubit_count(after))}
    print(f"{name}: depth {before.depth()} -> {after.depth()}, two-qubit gates "
          f"{two_qubit_count(before)} -> {two_qubit_count(after)}; gates on the device {dict(after.count_ops())}")
"""

# A hand-written noise model (depolarising gates, readout error) and the classifier's accuracy under it.
NOISE_MODEL = r"""
# Error rates of the order of today's superconducting devices, written by hand (see the lesson)
P1, P2 = 0.002, 0.02                   # depolarising probability per one-qubit gate (sx, x) and per CNOT
P_READ = (0.02, 0.05)                  # P(read 1 | prepared 0), P(read 0 | prepared 1)

def noise_model(scale=1.0):
    noise = NoiseModel(basis_gates=["cx", "id", "rz", "sx", "x"])
    noise.add_all_qubit_quantum_error(depolarizing_error(scale * P1, 1), ["sx", "x"])
    noise.add_all_qubit_quantum_error(depolarizing_error(scale * P2, 2), ["cx"])
    r01, r10 = scale * P_READ[0], scale * P_READ[1]
    noise.add_all_qubit_readout_error(ReadoutError([[1 - r01, r01], [r10, 1 - r10]]))
    return noise

def noisy_p1(x, scale=1.0):
    # P(qubit 0 reads 1) for every row of x, exactly: a batch of 4x4 density matrices (index 2 q0 + q1) with the
    # same channels as noise_model(scale). On the device each RY layer is rz/sx gates with two sx per qubit, and
    # depolarising noise commutes with every unitary, so each rotation is followed by two one-qubit channels.
    p1, p2, (r01, r10) = scale * P1, scale * P2, (scale * P_READ[0], scale * P_READ[1])
    rho = np.zeros((len(x), 4, 4))
    rho[:, 0, 0] = 1
    eye2 = np.eye(2)
    cnot = np.eye(4)[[0, 1, 3, 2]]
    def ry(t):
        c, s = np.cos(t / 2), np.sin(t / 2)
        return np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)
    def depolarise_one(rho, q, p):
        r = rho.reshape(-1, 2, 2, 2, 2)
        traced = np.einsum("nabcb->nac", r) if q == 1 else np.einsum("nabad->nbd", r)
        mixed = np.einsum("nac,bd->nabcd", traced, eye2 / 2) if q == 1 else np.einsum("bd,nac->nbadc", eye2 / 2, traced)
        return (1 - p) * rho + p * mixed.reshape(-1, 4, 4)
    for layer in weights:
        u0, u1 = ry(math.pi / 2 * x[:, 0] + layer[0]), ry(math.pi / 2 * x[:, 1] + layer[1])
        u = np.einsum("nac,nbd->nabcd", u0, u1).reshape(-1, 4, 4)
        rho = u @ rho @ u.transpose(0, 2, 1)
        for q in (0, 1):
            rho = depolarise_one(depolarise_one(rho, q, p1), q, p1)
        rho = cnot @ rho @ cnot.T
        rho = (1 - p2) * rho + p2 * np.eye(4) / 4
    p_one = rho[:, 2, 2] + rho[:, 3, 3]
    return p_one * (1 - r10) + (1 - p_one) * r01

SHOTS, SEEDS = 1000, range(5)

def accuracy(z):
    return float(((a * np.asarray(z) + b > 0) == y_test).mean())

def mean_and_error(values):
    values = np.asarray(values)
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(len(values)))

classify = {}
for scale in (0, 1, 2, 4, 8):
    p = noisy_p1(x_test, scale)
    accs = [accuracy(1 - 2 * np.random.default_rng(seed).binomial(SHOTS, p) / SHOTS) for seed in SEEDS]
    classify[scale] = mean_and_error(accs)
    label = "noiseless" if scale == 0 else f"noise x{scale}"
    print(f"{label:>10}: test accuracy {classify[scale][0]:.3f} ± {classify[scale][1]:.3f} "
          f"({SHOTS} shots, {len(SEEDS)} seeds)")
"""

NOISE_MITIGATE = r"""
# Readout calibration on the simulated device: prepare |0> and |1> on qubit 0, count what is read
device_sim = AerSimulator(method="density_matrix", noise_model=noise_model(1))
calibration = []
for bit in (0, 1):
    qc = QuantumCircuit(2)
    if bit:
        qc.x(0)
    qc.measure_all()
    counts = device_sim.run(transpile(qc, backend=backend, optimization_level=0), shots=20000,
                            seed_simulator=10 + bit).result().get_counts()
    ones = sum(n for bits, n in counts.items() if bits[-1] == "1") / 20000
    calibration.append([1 - ones, ones])
confusion = np.array(calibration).T           # column j: what is read when j was prepared
print("confusion matrix of qubit 0:\n", np.round(confusion, 4))

def mitigated_z(p_read):
    # invert the confusion matrix: read probabilities -> prepared probabilities, then <Z> = P(0) - P(1)
    prepared = np.linalg.solve(confusion, np.stack([1 - p_read, p_read]))
    return prepared[0] - prepared[1]

readout = {}
for scale in (1, 4):
    p = noisy_p1(x_test, scale)
    accs = [accuracy(mitigated_z(np.random.default_rng(seed).binomial(SHOTS, p) / SHOTS)) for seed in SEEDS]
    readout[scale] = mean_and_error(accs)
    print(f"noise x{scale}, readout mitigated: test accuracy {readout[scale][0]:.3f} ± {readout[scale][1]:.3f}")
"""

NOISE_ZNE = r"""
# Zero-noise extrapolation of one expectation value: <Z_0> for the first test point
point = {x_par[0]: x_test[0, 0], x_par[1]: x_test[0, 1]}
with torch.no_grad():
    z_ideal = float((model(torch.tensor(x_test[:1])) - b) / a)

def fold_cx(circuit, factor):
    # every CNOT G becomes G (G^dagger G)^((factor - 1) / 2): the same unitary, factor times the CNOT noise
    folded = circuit.copy_empty_like()
    for inst in circuit.data:
        repeats = factor if inst.operation.name == "cx" else 1
        for _ in range(repeats):
            folded.append(inst)
    return folded

ZNE_SHOTS = 100_000
zne = {}
for factor in (1, 3, 5):
    circuit = fold_cx(device.assign_parameters(point), factor)
    counts = device_sim.run(circuit, shots=ZNE_SHOTS, seed_simulator=20 + factor).result().get_counts()
    p_read = sum(n for bits, n in counts.items() if bits[-1] == "1") / ZNE_SHOTS
    zne[factor] = {"raw": 1 - 2 * p_read, "readout": float(mitigated_z(np.array(p_read)))}
factors = np.array([1, 3, 5])
values = np.array([zne[f]["readout"] for f in factors])
z_linear = float(np.polyval(np.polyfit(factors, values, 1), 0))
z_richardson = float(np.polyval(np.polyfit(factors, values, 2), 0))
print(f"<Z_0> noiseless {z_ideal:.3f}; measured {zne[1]['raw']:.3f}; readout mitigated {zne[1]['readout']:.3f}")
print("CNOT noise x1, x3, x5 (readout mitigated):", ", ".join(f"{v:.3f}" for v in values))
print(f"extrapolated to zero noise: linear {z_linear:.3f}, quadratic (Richardson) {z_richardson:.3f}")
"""

PRACTICE_10 = [
    md(r"""
    # Practice: a variational classifier on a simulated device

    We take unit 3's two-qubit classifier, transpile it for a small device, evaluate it with a noise model and a
    finite number of shots, and then undo part of the damage: readout-error mitigation with a confusion matrix, and
    zero-noise extrapolation by gate folding. Cells starting with `# Self-check` print ✓ when the result is right.
    """),
    code(SIM + MOONS + NOISE_SETUP),
    md(r"""
    ## 1. Transpiling for the device

    The device has five qubits on a line (0–1–2–3–4) and only the gates `rz`, `sx`, `x` and `cx`. Every `ry`
    becomes `rz`/`sx` gates; a CNOT between qubits that are not neighbours needs SWAPs, three CNOTs each.
    """),
    code(NOISE_DEVICE),
    code(r"""
    # Self-check: the classifier needs no SWAP; the triangle needs one (three more CNOTs)
    assert transpiled["vqc"]["two_qubit"] == (3, 3) and transpiled["vqc"]["depth"][1] > transpiled["vqc"]["depth"][0]
    assert transpiled["triangle"]["two_qubit"] == (3, 6)
    assert set(device.count_ops()) <= {"rz", "sx", "x", "cx", "measure", "barrier"}
    print("✓ only the device's gates; SWAPs only where the coupling map needs them")
    """),
    md(r"""
    ## 2. Noise and shots

    `noisy_p1` computes, for all 200 test points at once, the exact probability that qubit 0 reads 1 under the
    noise model; the shots are then drawn from it, five times with different seeds. `scale` multiplies every
    error rate. First we check `noisy_p1` against Aer running the transpiled circuit with the same noise model.
    """),
    code(NOISE_MODEL),
    code(r"""
    # Self-check: the fast model agrees with Aer on the device circuit (40 000 shots: standard error 0.0025)
    sim = AerSimulator(method="density_matrix", noise_model=noise_model(1))
    few = x_test[:4]
    circuits = [device.assign_parameters({x_par[0]: u, x_par[1]: v}) for u, v in few]
    counts = sim.run(circuits, shots=40_000, seed_simulator=1).result().get_counts()
    aer = np.array([sum(n for bits, n in c.items() if bits[-1] == "1") / 40_000 for c in counts])
    print("Aer:", np.round(aer, 4), " noisy_p1:", np.round(noisy_p1(few), 4))
    assert np.abs(aer - noisy_p1(few)).max() < 0.01
    assert classify[8][0] < classify[1][0] - 0.05
    print("✓ the same probabilities as Aer; eight times the noise costs more than 5 points of accuracy")
    """),
    md(r"""
    ## 3. Readout mitigation and zero-noise extrapolation

    The confusion matrix is measured on the device (prepare $|0\rangle$, then $|1\rangle$, count what is read);
    inverting it undoes the readout error on average. Zero-noise extrapolation runs the same expectation value with
    every CNOT folded into 1, 3 and 5 CNOTs and extrapolates the results to zero noise.
    """),
    code(NOISE_MITIGATE),
    code(NOISE_ZNE),
    code(r"""
    # Self-check: each step brings <Z_0> closer to the noiseless value
    errors = [abs(v - z_ideal) for v in (zne[1]["raw"], zne[1]["readout"], z_linear)]
    assert errors[0] > errors[1] > errors[2], errors
    print("✓ error of <Z_0>: measured {:.3f}, readout mitigated {:.3f}, extrapolated {:.3f}".format(*errors))
    """),
    *kata(
        "noise-unfold-readout",
        r"""
        ### Exercise 1: undo a readout error

        A confusion matrix $A$ has $A_{ij} = P(\text{read } i \mid \text{prepared } j)$, so the probabilities read are
        $p_{\text{read}} = A\,p_{\text{true}}$. Write `unfold(p_read, A)`: the estimate of $p_{\text{true}}$, for any
        number of outcomes (a 2×2 matrix for one qubit, 4×4 for two).

        Write your code in the cell below, then run the self-check after it.

        <details><summary>Hint 1</summary>

        Solve the linear system $A\,p = p_{\text{read}}$ for $p$.

        <details><summary>Hint 2</summary>

        `np.linalg.solve(A, p_read)` solves it; do not transpose $A$: its columns are the prepared states.

        </details>

        </details>
        """,
        r'''
        def unfold(p_read, A):
            """The true outcome probabilities, given those read and the confusion matrix A[read, prepared]."""
            # YOUR CODE HERE
            raise NotImplementedError
        ''',
        r'''
        def unfold(p_read, A):
            """The true outcome probabilities, given those read and the confusion matrix A[read, prepared]."""
            return np.linalg.solve(np.asarray(A, dtype=float), np.asarray(p_read, dtype=float))
        ''',
        r"""
        # Self-check (exercise 1)
        from liangzhi_checks.katas import check, expect

        def _test():
            rng = np.random.default_rng(3)
            for size in (2, 4):
                for _ in range(3):
                    A = np.eye(size) * 0.8 + rng.uniform(0, 0.2, (size, size)) * (1 - np.eye(size))
                    A = A / A.sum(axis=0)
                    p_true = rng.dirichlet(np.ones(size))
                    got = np.asarray(unfold(A @ p_true, A), dtype=float)
                    expect(got.shape == (size,), f"return {size} probabilities", f"请返回 {size} 个概率")
                    expect(np.allclose(got, p_true, atol=1e-9), "A applied to your answer is not what was read",
                           "把 A 作用于你的结果，得不到读出的概率")
            got = np.asarray(unfold(np.array([0.3, 0.7]), confusion))
            print("qubit 0 of the device, 70 % ones read:", np.round(got, 4))

        check('Exercise 1 · unfold', _test)
        """,
    ),
    *kata(
        "noise-extrapolate",
        r"""
        ### Exercise 2: extrapolate to zero noise

        Write `extrapolate(factors, values, degree)`: fit a polynomial of the given degree to the points
        (factor, value) by least squares and return its value at factor 0. With degree 1 and the factors 1, 3, 5
        above you get `z_linear`.

        Write your code in the cell below, then run the self-check after it.

        <details><summary>Hint 1</summary>

        `np.polyfit(x, y, degree)` returns the coefficients, highest power first.

        <details><summary>Hint 2</summary>

        The value at 0 is the last coefficient, or `np.polyval(coefficients, 0)`; return it as a float.

        </details>

        </details>
        """,
        r'''
        def extrapolate(factors, values, degree):
            """The least-squares polynomial of that degree through (factor, value), evaluated at factor 0."""
            # YOUR CODE HERE
            raise NotImplementedError
        ''',
        r'''
        def extrapolate(factors, values, degree):
            """The least-squares polynomial of that degree through (factor, value), evaluated at factor 0."""
            coefficients = np.polyfit(np.asarray(factors, dtype=float), np.asarray(values, dtype=float), degree)
            return float(np.polyval(coefficients, 0.0))
        ''',
        r"""
        # Self-check (exercise 2)
        from liangzhi_checks.katas import check, expect

        def _test():
            f = np.array([1.0, 3.0, 5.0])
            expect(abs(extrapolate(f, 0.8 - 0.05 * f, 1) - 0.8) < 1e-9, "a straight line 0.8 - 0.05 λ is 0.8 at λ = 0",
                   "直线 0.8 - 0.05 λ 在 λ = 0 处等于 0.8")
            expect(abs(extrapolate(f, 0.6 - 0.1 * f + 0.01 * f ** 2, 2) - 0.6) < 1e-9,
                   "degree 2 through three points is exact", "二次多项式恰好通过三个点")
            g = np.array([1.0, 2.0, 3.0, 4.0])
            y = 0.5 - 0.1 * g + np.array([0.01, -0.01, -0.01, 0.01])
            expect(abs(extrapolate(g, y, 1) - 0.5) < 1e-9, "with four points, fit by least squares",
                   "有四个点时，应使用最小二乘拟合")
            expect(abs(extrapolate(factors, values, 1) - z_linear) < 1e-9, "degree 1 on the device's values is z_linear",
                   "对设备上的测量值做一次拟合，结果应为 z_linear")

        check('Exercise 2 · extrapolate', _test)
        """,
    ),
]


A10 = [
    md(r"""
    # Assignment: the readout errors of several qubits, and folding a whole circuit

    Fill in every cell that says `YOUR CODE HERE`. Visible tests run when you execute the cell below your answer;
    hidden tests check more when you submit. Points: 10 (7 autograded, 3 written).
    """),
    locked("noise_imports", r"""
    import numpy as np
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Operator
    """),
    md(r"""
    **Q1 (3 points).** The practice inverted the confusion matrix of one qubit. When the readout errors of $n$
    qubits are independent, their $2^n \times 2^n$ confusion matrix follows from the $n$ one-qubit ones. Write
    `tensored_confusion(matrices)`: `matrices[q]` is the 2×2 matrix of qubit `q` (`A[read, prepared]`); return
    `M` with `M[r, p]` the probability of reading the bit string whose integer value is `r` when the one with
    value `p` was prepared, in Qiskit's convention (`int(bits, 2)`: qubit 0 is the least significant bit).
    """),
    answer("tensored_confusion", r"""
    def tensored_confusion(matrices):
        ### BEGIN SOLUTION
        M = np.array([[1.0]])
        for A in matrices:
            M = np.kron(np.asarray(A, dtype=float), M)
        return M
        ### END SOLUTION
    """),
    tests("test_tensored_confusion", 3, r"""
    A0 = [[0.98, 0.05], [0.02, 0.95]]
    A1 = [[0.90, 0.20], [0.10, 0.80]]
    M = np.asarray(tensored_confusion([A0, A1]))
    assert M.shape == (4, 4), M.shape
    assert np.allclose(M.sum(axis=0), 1), "each column (a prepared state) is a probability distribution"
    assert abs(M[0b01, 0b00] - 0.02 * 0.90) < 1e-12, "read '01' (qubit 0 reads 1) when '00' was prepared"
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(5)
    for n in (1, 3):
        mats = []
        for _ in range(n):
            e01, e10 = rng.uniform(0, 0.2, 2)
            mats.append(np.array([[1 - e01, e10], [e01, 1 - e10]]))
        M = np.asarray(tensored_confusion(mats))
        assert M.shape == (2 ** n, 2 ** n)
        for r in range(2 ** n):
            for prep in range(2 ** n):
                expected = np.prod([mats[q][(r >> q) & 1, (prep >> q) & 1] for q in range(n)])
                assert abs(M[r, prep] - expected) < 1e-12, (n, r, prep)
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q2 (4 points).** The practice folded each CNOT. Write `fold_global(circuit, factor)` for an odd `factor`
    $= 2k + 1$: the circuit $U\,(U^\dagger U)^k$ for the whole unitary $U$ of `circuit` (which has no
    measurements). It computes the same unitary, with `factor` times as many gates of every kind.
    """),
    answer("fold_global", r"""
    def fold_global(circuit, factor):
        ### BEGIN SOLUTION
        folded = circuit.copy()
        for _ in range((factor - 1) // 2):
            folded = folded.compose(circuit.inverse()).compose(circuit)
        return folded
        ### END SOLUTION
    """),
    tests("test_fold_global", 4, r"""
    qc = QuantumCircuit(2)
    qc.ry(0.3, 0)
    qc.cx(0, 1)
    qc.rz(1.1, 1)
    for factor in (1, 3):
        folded = fold_global(qc, factor)
        assert Operator(folded).equiv(Operator(qc)), factor
        assert folded.count_ops().get("cx", 0) == factor, folded.count_ops()
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(6)
    big = QuantumCircuit(3)
    for _ in range(4):
        big.rx(float(rng.uniform(0, 6)), int(rng.integers(0, 3)))
        big.cx(0, 2)
        big.ry(float(rng.uniform(0, 6)), 1)
        big.cx(2, 1)
    for factor in (1, 3, 5, 7):
        folded = fold_global(big, factor)
        assert Operator(folded).equiv(Operator(big)), factor
        assert folded.count_ops().get("cx", 0) == 8 * factor
        assert sum(folded.count_ops().values()) == factor * sum(big.count_ops().values())
    assert fold_global(big, 1).count_ops() == big.count_ops()
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q3 (3 points, graded by your teacher).** A team runs unit 3's classifier on a device and reports: "test
    accuracy 0.90, the same as the simulator, so noise does not matter for our model; next we will use the
    device's $\langle Z_0\rangle$ values as calibrated probabilities." Using this unit's measurements, say what is
    right and what is wrong in this, and what they should do before using the expectation values, with the cost of
    each step.
    """),
    written("noise_claims", 3, r"""
    Model answer. Right: the accuracy barely moves at realistic noise. In the unit, 0.904 ± 0.003 noiseless (1000
    shots, 5 seeds) against 0.898 ± 0.002 with the noise model: the classifier only needs the sign of
    a⟨Z₀⟩ + b, and depolarising noise mostly shrinks ⟨Z₀⟩ towards 0 and readout error shifts it a little, which moves
    few points across the threshold (at 8 times the noise the accuracy does fall, to 0.782). Wrong: the values
    themselves are biased. For the first test point ⟨Z₀⟩ is −0.735 noiseless but −0.605 measured, so using them as
    probabilities (or as a loss for training on the device) is off by far more than the shot noise. Steps:
    (1) readout mitigation: measure the confusion matrix (2 extra circuits for one qubit, 2^n for n qubits, each
    with many shots) and invert it: −0.684, and the accuracy 0.909 ± 0.004; the inverse amplifies shot noise and
    can give probabilities outside [0, 1]. (2) zero-noise extrapolation: fold the CNOTs (factors 1, 3, 5) and
    extrapolate: −0.722; the price is 3 times the circuits, longer circuits (more decoherence), and more shots,
    since the extrapolation amplifies the statistical error; it assumes the noise scales as folded, and here it
    leaves the unfolded one-qubit noise in. They should report accuracies with error bars over seeds/shots, and
    the transpiled depth and CNOT count.

    Rubric (3 points): 1 point for explaining why the accuracy survives (sign of the logit, error bars); 1 point
    for the bias of the expectation values with the unit's numbers; 1 point for readout mitigation and ZNE, each
    with a cost.
    """),
]


def main(units: list[str]) -> None:
    """Build every notebook, or only those of the units named (``build_notebooks.py 6 7``)."""
    if not units:
        save(ROOT / "practice" / "01-qiskit-basics-practice.ipynb", PRACTICE_1)
        save(ROOT / "practice" / "02-parameter-shift-practice.ipynb", PRACTICE_2)
        save(ROOT / "practice" / "03-vqc-practice.ipynb", PRACTICE_3)
        save(ROOT / "practice" / "04-hybrid-regression-practice.ipynb", PRACTICE_4)
        save(ROOT / "practice" / "05-qml-challenge-practice.ipynb", PRACTICE_5)
        save(ROOT / "assignments" / "qiskit-basics" / "qiskit-basics.ipynb", A1)
        save(ROOT / "assignments" / "parameter-shift" / "parameter-shift.ipynb", A2)
        save(ROOT / "assignments" / "variational-classifier" / "variational-classifier.ipynb", A3)
        save(ROOT / "assignments" / "hybrid-regression" / "hybrid-regression.ipynb", A4)
        save(ROOT / "assignments" / "qml-challenge-prep" / "qml-challenge-prep.ipynb", A5)
    if not units or "6" in units:
        save_fresh(ROOT / "practice" / "06-quantum-kernels-practice.ipynb", PRACTICE_6)
        save(ROOT / "assignments" / "quantum-kernels" / "quantum-kernels.ipynb", A6)
    if not units or "7" in units:
        save_fresh(ROOT / "practice" / "07-barren-plateaus-practice.ipynb", PRACTICE_7)
        save(ROOT / "assignments" / "barren-plateaus" / "barren-plateaus.ipynb", A7)
    if not units or "8" in units:
        save_fresh(ROOT / "practice" / "08-data-reuploading-practice.ipynb", PRACTICE_8)
        save(ROOT / "assignments" / "data-reuploading" / "data-reuploading.ipynb", A8)
    if not units or "9" in units:
        save_fresh(ROOT / "practice" / "09-classical-baseline-practice.ipynb", PRACTICE_9)
        save(ROOT / "assignments" / "classical-baseline" / "classical-baseline.ipynb", A9)
    if not units or "10" in units:
        save_fresh(ROOT / "practice" / "10-noise-practice.ipynb", PRACTICE_10)
        save(ROOT / "assignments" / "noise" / "noise.ipynb", A10)


if __name__ == "__main__":
    main(sys.argv[1:])
    if not sys.argv[1:] or "exams" in sys.argv[1:]:  # the Exams unit's written papers: tools/build_exam_papers.py
        import build_exam_papers

        build_exam_papers.main()
