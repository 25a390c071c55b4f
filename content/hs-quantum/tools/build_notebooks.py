"""Write the practice notebooks of the high-school course (numpy and qiskit only, seconds each).

    .venv/bin/python content/hs-quantum/tools/build_notebooks.py

The committed .ipynb files are this script's output: edit here, rerun, commit both. Every number a
lesson quotes is printed by one of these notebooks (tests/content/test_hs_course.py checks both).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from nbkit import code, kata, md, save  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PRACTICE = ROOT / "practice"


def title(en: str, zh: str) -> dict:
    return md(
        f"# {en}\n\nRun each cell with **Shift+Enter**, from the top. Cells marked *Exercise* are yours to write; "
        "the self-check under each prints ✓ when your code is right.",
        f"# {zh}\n\n用 **Shift+Enter** 从上到下逐个运行单元。标有*练习*的单元由你来写；每个练习下面的自检在代码正确时打印 ✓。",
    )


# --- 1 -----------------------------------------------------------------------------------------------------------

QUBIT = [
    title("Practice: measuring a qubit", "练习：测量一个量子比特"),
    md("## Experiments 1 and 2: $|0\\rangle$, and $H|0\\rangle$", "## 实验 1 和 2：$|0\\rangle$ 与 $H|0\\rangle$"),
    code(
        """
        from qiskit import QuantumCircuit
        from qiskit.quantum_info import Statevector
        import numpy as np

        def shots(circuit, n, seed):
            # n simulated measurements of the circuit's qubits (Statevector sampling, seeded)
            state = Statevector(circuit)
            state.seed(seed)
            return {str(k): int(v) for k, v in state.sample_counts(n).items()}

        zero = QuantumCircuit(1)
        plus = QuantumCircuit(1)
        plus.h(0)
        counts_zero = shots(zero, 1000, seed=1)
        counts_plus = shots(plus, 1000, seed=2)
        print("experiment 1 (|0>):  ", counts_zero)
        print("experiment 2 (H|0>): ", counts_plus)
        """
    ),
    code(
        """
        # How far from 500 may the number of 1s be? The standard deviation sigma = sqrt(N P (1 - P))
        N, P = 1000, 0.5
        sigma = np.sqrt(N * P * (1 - P))
        print(f"sigma = {sigma:.1f}")
        assert counts_zero == {"0": 1000}
        assert abs(counts_plus["1"] - 500) < 3 * sigma
        print("✓ |0> always gives 0; H|0> gives 1 in", counts_plus["1"], "of 1000 shots (within 3 sigma of 500)")
        """
    ),
    md("## Experiment 3: measure twice", "## 实验 3：连续测量两次"),
    code(
        """
        # Measure H|0> once, then measure the state it leaves behind again: 20 trials
        pairs = []
        for trial in range(20):
            state = Statevector(plus)
            state.seed(100 + trial)
            first, after = state.measure()
            second, _ = after.measure()
            pairs.append((str(first), str(second)))
        print(pairs)
        assert all(a == b for a, b in pairs)
        print("✓ the second measurement always repeats the first")
        """
    ),
    *kata(
        "hs-fraction-ones",
        1,
        title=("the fraction of ones", "1 所占的比例"),
        task=(
            "Write `fraction_of_ones(counts)`: the fraction of all shots that gave `1`. A counts dictionary "
            "such as `{'0': 491, '1': 509}` may lack a key when an outcome never happened.",
            "编写 `fraction_of_ones(counts)`：得到 `1` 的次数占全部测量次数的比例。计数字典形如 "
            "`{'0': 491, '1': 509}`；如果某个结果一次也没出现，字典里可能没有这个键。",
        ),
        hints=(
            ("`sum(counts.values())` is the number of shots.", "`sum(counts.values())` 就是测量的总次数。"),
            (
                "`counts.get('1', 0)` gives 0 when there is no key `'1'`.",
                "没有键 `'1'` 时，`counts.get('1', 0)` 返回 0。",
            ),
        ),
        stub='''
            def fraction_of_ones(counts):
                """The fraction of shots that gave 1."""
                # YOUR CODE HERE
                raise NotImplementedError
            ''',
        solution='''
            def fraction_of_ones(counts):
                """The fraction of shots that gave 1."""
                return counts.get("1", 0) / sum(counts.values())
            ''',
        test="""
            expect(abs(fraction_of_ones({"0": 3, "1": 1}) - 0.25) < 1e-12, "divide the 1s by ALL the shots",
                   "用 1 的次数除以全部次数")
            expect(fraction_of_ones({"0": 7}) == 0, "an outcome that never happened is missing from the dictionary",
                   "从未出现的结果不在字典里")
            expect(abs(fraction_of_ones({"1": 20, "0": 20}) - 0.5) < 1e-12, "the number of shots is not always 1000",
                   "测量次数不一定是 1000")
            expect(abs(fraction_of_ones(counts_plus) - counts_plus["1"] / 1000) < 1e-12,
                   "try your function on experiment 2", "用实验 2 的结果试试你的函数")
            """,
    ),
    *kata(
        "hs-make-one",
        2,
        title=("a qubit that always gives 1", "总是得到 1 的量子比特"),
        task=(
            "Write `make_one()`: return a one-qubit `QuantumCircuit` that starts in $|0\\rangle$ and whose "
            "measurement gives `1` in every shot.",
            "编写 `make_one()`：返回一个单量子比特的 `QuantumCircuit`，它从 $|0\\rangle$ 出发，每次测量都得到 `1`。",
        ),
        hints=(
            ("Which gate turns $|0\\rangle$ into $|1\\rangle$? It is the quantum NOT.", "哪个门把 $|0\\rangle$ 变成 $|1\\rangle$？它就是量子的“非”门。"),
            ("`qc = QuantumCircuit(1)`, then `qc.x(0)`, then `return qc`.", "`qc = QuantumCircuit(1)`，然后 `qc.x(0)`，再 `return qc`。"),
        ),
        stub='''
            def make_one():
                """A one-qubit circuit that always measures 1."""
                # YOUR CODE HERE
                raise NotImplementedError
            ''',
        solution='''
            def make_one():
                """A one-qubit circuit that always measures 1."""
                qc = QuantumCircuit(1)
                qc.x(0)
                return qc
            ''',
        test="""
            qc = make_one()
            expect(isinstance(qc, QuantumCircuit) and qc.num_qubits == 1, "return a QuantumCircuit with ONE qubit",
                   "返回只有一个量子比特的 QuantumCircuit")
            p1 = Statevector(qc).probabilities()[1]
            expect(p1 > 0.999, f"your circuit gives 1 with probability {p1:.2f}, not always",
                   f"你的电路得到 1 的概率是 {p1:.2f}，不是每次")
            """,
    ),
]

# --- 2 -----------------------------------------------------------------------------------------------------------

BLOCH = [
    title("Practice: the Bloch sphere", "练习：布洛赫球"),
    md(
        "## From a state to its point on the sphere\n\nFor a state $a|0\\rangle + b|1\\rangle$ the point is "
        "$x = 2\\,\\mathrm{Re}(\\bar{a} b)$, $y = 2\\,\\mathrm{Im}(\\bar{a} b)$, $z = |a|^2 - |b|^2$. "
        "The function below computes it from a circuit.",
        "## 从状态到球面上的点\n\n对于状态 $a|0\\rangle + b|1\\rangle$，对应的点是 "
        "$x = 2\\,\\mathrm{Re}(\\bar{a} b)$、$y = 2\\,\\mathrm{Im}(\\bar{a} b)$、$z = |a|^2 - |b|^2$。"
        "下面的函数由电路算出这个点。",
    ),
    code(
        """
        import numpy as np
        from qiskit import QuantumCircuit
        from qiskit.quantum_info import Statevector

        def bloch_of(qc):
            a, b = Statevector(qc).data
            return np.array([2 * (np.conj(a) * b).real, 2 * (np.conj(a) * b).imag, abs(a) ** 2 - abs(b) ** 2])

        def circuit(*gates):
            qc = QuantumCircuit(1)
            for name, *args in gates:
                getattr(qc, name)(*args, 0)
            return qc

        examples = {
            "|0>": circuit(),
            "X|0>": circuit(("x",)),
            "H|0>": circuit(("h",)),
            "Z H|0>": circuit(("h",), ("z",)),
            "Ry(pi/3)|0>": circuit(("ry", np.pi / 3)),
            "Ry(2pi/3)|0>": circuit(("ry", 2 * np.pi / 3)),
        }
        for name, qc in examples.items():
            x, y, z = bloch_of(qc)
            p = Statevector(qc).probabilities()
            print(f"{name:13s} point ({x:+.3f}, {y:+.3f}, {z:+.3f})   P(0) = {p[0]:.3f}   P(1) = {p[1]:.3f}")
        """
    ),
    code(
        """
        # The height alone gives the probability: P(0) = (1 + z) / 2, for every example
        for name, qc in examples.items():
            assert abs(Statevector(qc).probabilities()[0] - (1 + bloch_of(qc)[2]) / 2) < 1e-12, name
        print("✓ P(0) = (1 + z)/2 for every example")
        """
    ),
    *kata(
        "hs-bloch-point",
        1,
        title=("the point of two angles", "由两个角得到的点"),
        task=(
            "Write `bloch_point(theta, phi)`: the point $(x, y, z)$ of the state "
            "$\\cos\\frac{\\theta}{2}|0\\rangle + e^{i\\varphi}\\sin\\frac{\\theta}{2}|1\\rangle$, as three numbers. "
            "The self-check compares it with `bloch_of` for circuits $R_y(\\theta)$ then $P(\\varphi)$.",
            "编写 `bloch_point(theta, phi)`：返回状态 "
            "$\\cos\\frac{\\theta}{2}|0\\rangle + e^{i\\varphi}\\sin\\frac{\\theta}{2}|1\\rangle$ 对应的点 $(x, y, z)$（三个数）。"
            "自检会把它与 `bloch_of` 对电路“先 $R_y(\\theta)$ 再 $P(\\varphi)$”算出的结果比较。",
        ),
        hints=(
            ("The lesson's formula uses $\\theta$, not $\\theta/2$.", "课文中的公式用的是 $\\theta$，不是 $\\theta/2$。"),
            (
                "$x = \\sin\\theta\\cos\\varphi$, $y = \\sin\\theta\\sin\\varphi$, $z = \\cos\\theta$ (use `np.sin`, `np.cos`).",
                "$x = \\sin\\theta\\cos\\varphi$，$y = \\sin\\theta\\sin\\varphi$，$z = \\cos\\theta$（用 `np.sin`、`np.cos`）。",
            ),
        ),
        stub='''
            def bloch_point(theta, phi):
                """(x, y, z) on the Bloch sphere."""
                # YOUR CODE HERE
                raise NotImplementedError
            ''',
        solution='''
            def bloch_point(theta, phi):
                """(x, y, z) on the Bloch sphere."""
                return (np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta))
            ''',
        test="""
            for theta, phi in [(0.0, 0.0), (np.pi / 2, 0.0), (np.pi / 3, np.pi / 2), (2.0, 4.0), (np.pi, 1.0)]:
                got = np.asarray(bloch_point(theta, phi), dtype=float)
                want = bloch_of(circuit(("ry", theta), ("p", phi)))
                expect(got.shape == (3,), "return three numbers (x, y, z)", "返回三个数 (x, y, z)")
                expect(np.allclose(got, want, atol=1e-9),
                       f"at theta = {theta:.2f}, phi = {phi:.2f} the point is not on the right spot of the sphere",
                       f"theta = {theta:.2f}、phi = {phi:.2f} 时，点不在球面上正确的位置")
            """,
    ),
    *kata(
        "hs-p0-from-height",
        2,
        title=("probability from height", "由高度求概率"),
        task=(
            "Write `p0_from_z(z)`: the probability of measuring `0` for a state at height $z$ on the sphere.",
            "编写 `p0_from_z(z)`：位于球面高度 $z$ 处的状态测得 `0` 的概率。",
        ),
        hints=(
            (
                "At the north pole ($z = 1$) the answer is 1, at the south pole ($z = -1$) it is 0.",
                "在北极（$z = 1$）答案是 1，在南极（$z = -1$）是 0。",
            ),
            ("It is a straight line through those two points: half of $(1 + z)$.", "它是过这两点的直线：$(1 + z)$ 的一半。"),
        ),
        stub='''
            def p0_from_z(z):
                """P(0) for a state at height z."""
                # YOUR CODE HERE
                raise NotImplementedError
            ''',
        solution='''
            def p0_from_z(z):
                """P(0) for a state at height z."""
                return (1 + z) / 2
            ''',
        test="""
            expect(abs(p0_from_z(1.0) - 1) < 1e-12, "the north pole |0> always gives 0", "北极 |0> 总是得到 0")
            expect(abs(p0_from_z(-1.0)) < 1e-12, "the south pole |1> never gives 0", "南极 |1> 从不得到 0")
            for name, qc in examples.items():
                expect(abs(p0_from_z(bloch_of(qc)[2]) - Statevector(qc).probabilities()[0]) < 1e-9,
                       f"wrong for {name}: on the equator P(0) is one half", f"{name} 不对：赤道上 P(0) 是二分之一")
            """,
    ),
]

# --- 3 -----------------------------------------------------------------------------------------------------------

INTERFERENCE = [
    title("Practice: interference", "练习：干涉"),
    md("## H, then H again", "## 先 H，再 H"),
    code(
        """
        import numpy as np
        from qiskit import QuantumCircuit
        from qiskit.quantum_info import Operator, Statevector

        once = QuantumCircuit(1)
        once.h(0)
        twice = QuantumCircuit(1)
        twice.h(0)
        twice.h(0)
        print("H|0>   probabilities:", Statevector(once).probabilities().round(3))
        print("H H|0> probabilities:", Statevector(twice).probabilities().round(3))
        print("H H|0> amplitudes:   ", Statevector(twice).data.real.round(3))
        assert np.allclose(Statevector(twice).probabilities(), [1, 0])
        print("✓ the second H undoes the first: always 0")
        """
    ),
    md(
        "## A phase between the two H gates\n\n$H\\,P(\\varphi)\\,H$ gives $P(0) = \\cos^2(\\varphi/2)$; "
        "with $\\varphi = \\pi$ (the gate $Z$) the circuit is exactly $X$.",
        "## 两个 H 门之间的相位\n\n$H\\,P(\\varphi)\\,H$ 给出 $P(0) = \\cos^2(\\varphi/2)$；"
        "$\\varphi = \\pi$（即 $Z$ 门）时，这个电路恰好就是 $X$。",
    ),
    code(
        """
        for name, phi in [("0", 0.0), ("pi/3", np.pi / 3), ("pi/2", np.pi / 2), ("pi", np.pi)]:
            qc = QuantumCircuit(1)
            qc.h(0)
            qc.p(phi, 0)
            qc.h(0)
            p0 = Statevector(qc).probabilities()[0]
            print(f"phi = {name:5s} P(0) = {p0:.2f}   cos^2(phi/2) = {np.cos(phi / 2) ** 2:.2f}")
            assert abs(p0 - np.cos(phi / 2) ** 2) < 1e-12
        hzh = QuantumCircuit(1)
        hzh.h(0)
        hzh.z(0)
        hzh.h(0)
        x = QuantumCircuit(1)
        x.x(0)
        assert Operator(hzh).equiv(Operator(x))
        print("✓ P(0) = cos^2(phi/2), and H Z H = X")
        """
    ),
    *kata(
        "hs-interferometer",
        1,
        title=("build the interferometer", "搭建干涉仪"),
        task=(
            "Write `interferometer(phi)`: a one-qubit circuit $H$, then the phase gate $P(\\varphi)$ "
            "(`qc.p(phi, 0)`), then $H$ again. The self-check measures $P(0)$ for several phases.",
            "编写 `interferometer(phi)`：一个单量子比特电路，先 $H$，再相位门 $P(\\varphi)$（`qc.p(phi, 0)`），"
            "再一个 $H$。自检会对几个相位测量 $P(0)$。",
        ),
        hints=(
            (
                "The order matters: the phase must sit *between* the two $H$ gates.",
                "顺序很重要：相位门必须放在两个 $H$ 门*之间*。",
            ),
            ("`qc.h(0)`, `qc.p(phi, 0)`, `qc.h(0)`, then `return qc`.", "`qc.h(0)`、`qc.p(phi, 0)`、`qc.h(0)`，然后 `return qc`。"),
        ),
        stub='''
            def interferometer(phi):
                """H, P(phi), H on one qubit."""
                # YOUR CODE HERE
                raise NotImplementedError
            ''',
        solution='''
            def interferometer(phi):
                """H, P(phi), H on one qubit."""
                qc = QuantumCircuit(1)
                qc.h(0)
                qc.p(phi, 0)
                qc.h(0)
                return qc
            ''',
        test="""
            for phi in (0.0, 0.7, np.pi / 3, 2.0, np.pi):
                qc = interferometer(phi)
                expect(qc.num_qubits == 1, "one qubit is enough", "一个量子比特就够了")
                p0 = Statevector(qc).probabilities()[0]
                expect(abs(p0 - np.cos(phi / 2) ** 2) < 1e-9,
                       f"at phi = {phi:.2f} your P(0) is {p0:.3f}: is the phase between the two H gates?",
                       f"phi = {phi:.2f} 时你的 P(0) 是 {p0:.3f}：相位门在两个 H 门之间吗？")
            """,
    ),
    *kata(
        "hs-second-h",
        2,
        title=("add the paths", "把路径加起来"),
        task=(
            "Write `second_h(a0, a1)`: given the real amplitudes $(a_0, a_1)$ of a qubit, return the two amplitudes "
            "after one more $H$ gate. Use the lesson's rule: the path through `1` to the ending `1` has a minus sign.",
            "编写 `second_h(a0, a1)`：已知一个量子比特的实振幅 $(a_0, a_1)$，返回再作用一个 $H$ 门之后的两个振幅。"
            "用课文中的规则：经过 `1` 到达结果 `1` 的路径带负号。",
        ),
        hints=(
            (
                "Each path multiplies by $1/\\sqrt{2}$; paths that end in the same place add.",
                "每条路径都乘以 $1/\\sqrt{2}$；终点相同的路径相加。",
            ),
            (
                "New $a_0 = (a_0 + a_1)/\\sqrt{2}$, new $a_1 = (a_0 - a_1)/\\sqrt{2}$.",
                "新的 $a_0 = (a_0 + a_1)/\\sqrt{2}$，新的 $a_1 = (a_0 - a_1)/\\sqrt{2}$。",
            ),
        ),
        stub='''
            def second_h(a0, a1):
                """The amplitudes after one more H gate."""
                # YOUR CODE HERE
                raise NotImplementedError
            ''',
        solution='''
            def second_h(a0, a1):
                """The amplitudes after one more H gate."""
                return ((a0 + a1) / np.sqrt(2), (a0 - a1) / np.sqrt(2))
            ''',
        test="""
            for theta in (0.0, np.pi / 2, 1.0, 2.5, np.pi):
                qc = QuantumCircuit(1)
                qc.ry(theta, 0)
                a0, a1 = Statevector(qc).data.real
                qc.h(0)
                want = Statevector(qc).data.real
                got = np.asarray(second_h(a0, a1), dtype=float)
                expect(got.shape == (2,), "return two amplitudes", "返回两个振幅")
                expect(np.allclose(got, want, atol=1e-9),
                       "not what the H gate does: check the factor and which path carries the minus sign",
                       "这不是 H 门的作用：检查系数，以及哪条路径带负号")
            """,
    ),
]

# --- 4 -----------------------------------------------------------------------------------------------------------

CHSH = [
    title("Practice: entanglement and the CHSH game", "练习：纠缠与 CHSH 游戏"),
    md("## A Bell pair", "## 一对贝尔态量子比特"),
    code(
        """
        import itertools
        import numpy as np
        from qiskit import QuantumCircuit
        from qiskit.quantum_info import Statevector

        bell = QuantumCircuit(2)
        bell.h(0)
        bell.cx(0, 1)
        state = Statevector(bell)
        state.seed(4)
        counts = {str(k): int(v) for k, v in state.sample_counts(1000).items()}
        print(counts)
        assert set(counts) == {"00", "11"}
        print("✓ only 00 and 11: the two qubits always agree")
        """
    ),
    md(
        "## The quantum strategy, computed exactly\n\nMeasuring \"at angle $\\alpha$\" is the gate "
        "$R_y(-2\\alpha)$ followed by an ordinary measurement. For each question pair we compute the "
        "probability that the answers agree and whether agreeing wins.",
        "## 精确计算量子策略\n\n“按角度 $\\alpha$ 测量”就是先作用 $R_y(-2\\alpha)$ 门，再做普通的测量。"
        "对每一种问题组合，我们计算两人回答相同的概率，以及回答相同是否获胜。",
    ),
    code(
        """
        ALICE = {0: 0.0, 1: np.pi / 4}          # alpha for x = 0, 1
        BOB = {0: np.pi / 8, 1: -np.pi / 8}     # beta for y = 0, 1

        def p_agree(alpha, beta):
            qc = bell.copy()
            qc.ry(-2 * alpha, 0)
            qc.ry(-2 * beta, 1)
            p = Statevector(qc).probabilities_dict()
            return p.get("00", 0) + p.get("11", 0)

        quantum = []
        for x, y in itertools.product((0, 1), repeat=2):
            agree = p_agree(ALICE[x], BOB[y])
            win = 1 - agree if (x and y) else agree
            quantum.append(win)
            print(f"x={x} y={y}  P(agree) = {agree:.3f}  P(win) = {win:.3f}")
        print(f"quantum win probability = {np.mean(quantum):.3f};  cos^2(pi/8) = {np.cos(np.pi / 8) ** 2:.3f}")
        assert abs(np.mean(quantum) - (2 + np.sqrt(2)) / 4) < 1e-12
        # Bob alone sees a fair coin whatever Alice measures: no message can be sent
        for alpha in ALICE.values():
            qc = bell.copy()
            qc.ry(-2 * alpha, 0)
            assert np.allclose(Statevector(qc).probabilities([1]), [0.5, 0.5])
        print("✓ the quantum strategy wins with (2 + sqrt 2)/4, and Bob alone always sees 50/50")
        """
    ),
    *kata(
        "hs-chsh-wins",
        1,
        title=("the rule of the game", "游戏规则"),
        task=(
            "Write `wins(x, y, a, b)`: `True` when the answers $a, b$ win for the questions $x, y$ "
            "(all four are 0 or 1), that is when $a \\oplus b = x \\wedge y$.",
            "编写 `wins(x, y, a, b)`：当回答 $a, b$ 对问题 $x, y$ 获胜时返回 `True`（四个数都是 0 或 1），"
            "即 $a \\oplus b = x \\wedge y$ 时。",
        ),
        hints=(
            ("In Python `^` is XOR and `&` is AND on 0/1 numbers.", "在 Python 中，对 0/1 数，`^` 是异或，`&` 是与。"),
            ("Compare the two sides with `==`.", "用 `==` 比较两边。"),
        ),
        stub='''
            def wins(x, y, a, b):
                """Do the answers a, b win for the questions x, y?"""
                # YOUR CODE HERE
                raise NotImplementedError
            ''',
        solution='''
            def wins(x, y, a, b):
                """Do the answers a, b win for the questions x, y?"""
                return (a ^ b) == (x & y)
            ''',
        test="""
            for x, y, a, b in itertools.product((0, 1), repeat=4):
                both_one = x == 1 and y == 1
                right = (a != b) if both_one else (a == b)
                expect(bool(wins(x, y, a, b)) == right,
                       f"wrong for questions x={x}, y={y} and answers a={a}, b={b}",
                       f"问题 x={x}、y={y}，回答 a={a}、b={b} 时不对")
            """,
    ),
    *kata(
        "hs-chsh-classical",
        2,
        title=("the best classical plan", "最好的经典方案"),
        task=(
            "A classical plan is four bits: Alice's answer to $x = 0$ and to $x = 1$, Bob's answer to $y = 0$ "
            "and to $y = 1$. Write `best_classical()`: try all 16 plans and return the best **win probability** "
            "(the fraction of the four equally likely question pairs that the plan wins).",
            "一个经典方案就是四个比特：爱丽丝对 $x = 0$ 和 $x = 1$ 的回答，鲍勃对 $y = 0$ 和 $y = 1$ 的回答。"
            "编写 `best_classical()`：试遍全部 16 种方案，返回最大的**获胜概率**"
            "（方案在四种等可能的问题组合中获胜的比例）。",
        ),
        hints=(
            (
                "`itertools.product((0, 1), repeat=4)` gives every plan `(a0, a1, b0, b1)`.",
                "`itertools.product((0, 1), repeat=4)` 给出每一种方案 `(a0, a1, b0, b1)`。",
            ),
            (
                "For a plan, Alice answers `(a0, a1)[x]` and Bob `(b0, b1)[y]`; count the wins over the four `(x, y)`, "
                "divide by 4, and keep the largest.",
                "对一个方案，爱丽丝回答 `(a0, a1)[x]`，鲍勃回答 `(b0, b1)[y]`；数出四种 `(x, y)` 中获胜的次数，除以 4，取最大值。",
            ),
        ),
        stub='''
            def best_classical():
                """The best win probability of any classical plan."""
                # YOUR CODE HERE
                raise NotImplementedError
            ''',
        solution='''
            def best_classical():
                """The best win probability of any classical plan."""
                best = 0.0
                for a0, a1, b0, b1 in itertools.product((0, 1), repeat=4):
                    won = sum(((a0, a1)[x] ^ (b0, b1)[y]) == (x & y) for x in (0, 1) for y in (0, 1))
                    best = max(best, won / 4)
                return best
            ''',
        test="""
            value = best_classical()
            expect(isinstance(value, (int, float, np.floating)) and 0 <= value <= 1,
                   "return a probability: a number between 0 and 1", "返回一个概率：0 到 1 之间的数")
            expect(value > 0.6, "that is not the BEST plan: always answering 0 already does better",
                   "这不是最好的方案：总回答 0 就已经更好了")
            expect(abs(value - 0.75) < 1e-12, "not the best of the 16 plans", "不是 16 种方案中最好的")
            print(f"classical best {value:.2f} < quantum {np.mean(quantum):.3f}")
            """,
    ),
]

# --- 5 -----------------------------------------------------------------------------------------------------------

RANDOM = [
    title("Practice: randomness and a quantum coin", "练习：随机性与量子硬币"),
    md("## Pseudo-random numbers repeat with their seed", "## 伪随机数随种子重复"),
    code(
        """
        import numpy as np
        from qiskit import QuantumCircuit
        from qiskit.quantum_info import Statevector

        first = np.random.default_rng(seed=42).integers(0, 2, 20)
        again = np.random.default_rng(seed=42).integers(0, 2, 20)
        print(first)
        print(again)
        assert (first == again).all()
        print("✓ the same seed gives the same 'random' bits")
        """
    ),
    md("## A quantum coin and two simple tests", "## 一枚量子硬币和两个简单检验"),
    code(
        """
        def coin_bits(circuit, n, seed):
            # n measurement results of a one-qubit circuit, in order
            state = Statevector(circuit)
            state.seed(seed)
            return np.array([int(b) for b in state.sample_memory(n)])

        coin = QuantumCircuit(1)
        coin.h(0)
        bits = coin_bits(coin, 1000, seed=5)
        ones = int(bits.sum())
        pairs = {p: int(np.sum((bits[:-1] == int(p[0])) & (bits[1:] == int(p[1])))) for p in ("00", "01", "10", "11")}
        print("ones:", ones, "  neighbouring pairs:", pairs)
        assert abs(ones - 500) < 3 * 15.8
        assert all(abs(n - 999 / 4) < 4 * np.sqrt(999 / 4) for n in pairs.values())
        print("✓ the quantum coin passes both tests")
        """
    ),
    *kata(
        "hs-coin-angle",
        1,
        title=("a coin made to order", "按需定制的硬币"),
        task=(
            "Write `coin_angle(p)`: the angle $\\alpha$ for which $R_y(\\alpha)|0\\rangle$ gives `1` with "
            "probability $p$ (for $0 \\le p \\le 1$).",
            "编写 `coin_angle(p)`：使 $R_y(\\alpha)|0\\rangle$ 以概率 $p$ 得到 `1` 的角度 $\\alpha$（$0 \\le p \\le 1$）。",
        ),
        hints=(
            (
                "$P(1) = \\sin^2(\\alpha/2)$: undo the square, then the sine, then the half.",
                "$P(1) = \\sin^2(\\alpha/2)$：依次去掉平方、正弦和一半。",
            ),
            ("`2 * np.arcsin(np.sqrt(p))`", "`2 * np.arcsin(np.sqrt(p))`"),
        ),
        stub='''
            def coin_angle(p):
                """The Ry angle of a coin that shows 1 with probability p."""
                # YOUR CODE HERE
                raise NotImplementedError
            ''',
        solution='''
            def coin_angle(p):
                """The Ry angle of a coin that shows 1 with probability p."""
                return 2 * np.arcsin(np.sqrt(p))
            ''',
        test="""
            for p in (0.0, 0.1, 0.25, 0.5, 0.9, 1.0):
                qc = QuantumCircuit(1)
                qc.ry(float(coin_angle(p)), 0)
                got = Statevector(qc).probabilities()[1]
                expect(abs(got - p) < 1e-9, f"for p = {p} your coin shows 1 with probability {got:.3f}",
                       f"p = {p} 时你的硬币得到 1 的概率是 {got:.3f}")
            """,
    ),
    md(
        "## A biased coin: how many pairs does von Neumann's trick keep?\n\nA coin with $p = 0.25$: the "
        "fraction of pairs whose two bits differ should be $2p(1-p) = 0.375$.",
        "## 有偏的硬币：冯·诺依曼的方法保留多少对？\n\n$p = 0.25$ 的硬币：两个比特不同的分组所占比例应为 "
        "$2p(1-p) = 0.375$。",
    ),
    code(
        """
        biased = QuantumCircuit(1)
        biased.ry(np.pi / 3, 0)               # P(1) = sin^2(pi/6) = 0.25
        raw = coin_bits(biased, 20000, seed=8)
        differ = np.mean(raw[0::2] != raw[1::2])
        print(f"P(1) = {raw.mean():.3f};  pairs that differ: {differ:.3f}  (2p(1-p) = {2 * 0.25 * 0.75:.3f})")
        assert abs(differ - 0.375) < 5 * np.sqrt(0.375 * 0.625 / 10000)
        print("✓ about 0.375 of the pairs are kept")
        """
    ),
    *kata(
        "hs-von-neumann",
        2,
        title=("von Neumann's trick", "冯·诺依曼的方法"),
        task=(
            "Write `von_neumann(bits)`: read the bits in pairs (1st and 2nd, 3rd and 4th, …); for `01` output `0`, "
            "for `10` output `1`, skip `00` and `11`. Return the list of output bits. A last unpaired bit is ignored.",
            "编写 `von_neumann(bits)`：把比特两两分组（第 1 与第 2 个，第 3 与第 4 个，……）；遇到 `01` 输出 `0`，"
            "遇到 `10` 输出 `1`，跳过 `00` 和 `11`。返回输出比特的列表。最后落单的比特忽略。",
        ),
        hints=(
            (
                "Loop with `for i in range(0, len(bits) - 1, 2)` and look at `bits[i]` and `bits[i + 1]`.",
                "用 `for i in range(0, len(bits) - 1, 2)` 循环，看 `bits[i]` 和 `bits[i + 1]`。",
            ),
            (
                "When the two differ, the output is the first bit of the pair.",
                "两个比特不同时，输出就是这一对中的第一个比特。",
            ),
        ),
        stub='''
            def von_neumann(bits):
                """Fair bits from a biased coin's bits."""
                # YOUR CODE HERE
                raise NotImplementedError
            ''',
        solution='''
            def von_neumann(bits):
                """Fair bits from a biased coin's bits."""
                out = []
                for i in range(0, len(bits) - 1, 2):
                    if bits[i] != bits[i + 1]:
                        out.append(int(bits[i]))
                return out
            ''',
        test="""
            expect(list(von_neumann([0, 1, 1, 0, 0, 0, 1, 1])) == [0, 1], "01 gives 0, 10 gives 1, 00 and 11 give nothing",
                   "01 输出 0，10 输出 1，00 和 11 不输出")
            expect(list(von_neumann([1, 1, 0])) == [], "a last unpaired bit is ignored", "最后落单的比特要忽略")
            expect(list(von_neumann([0, 1, 1, 0, 1])) == [0, 1], "pairs do not overlap: (1st, 2nd), (3rd, 4th), ...",
                   "分组不重叠：（第 1、2 个）、（第 3、4 个）……")
            fair = np.asarray(von_neumann(raw), dtype=float)
            expect(abs(fair.mean() - 0.5) < 5 * np.sqrt(0.25 / len(fair)), "the output of the biased coin is not fair yet",
                   "有偏硬币的输出还不均匀")
            print(f"{len(fair)} fair bits from {len(raw)} biased ones; fraction of 1s = {fair.mean():.3f}")
            """,
    ),
]

# --- 6 -----------------------------------------------------------------------------------------------------------

CLASSIFIER = [
    title("Practice: a readout classifier", "练习：读出分类器"),
    md(
        "## The data: 200 training and 200 test points\n\nEach point $(x_1, x_2)$ is a simulated readout of a "
        "qubit; the label $y$ is the state it was prepared in.",
        "## 数据：200 个训练点和 200 个测试点\n\n每个点 $(x_1, x_2)$ 是一次模拟的量子比特读出；"
        "标签 $y$ 是它被制备成的状态。",
    ),
    code(
        """
        import numpy as np

        rng = np.random.default_rng(7)
        CENTRES = np.array([[-0.5, -1.0], [0.5, 1.0]])   # the clouds of |0> and |1>

        def make(n):
            y = rng.integers(0, 2, n)
            return CENTRES[y] + rng.normal(0, 0.5, (n, 2)), y

        X_train, y_train = make(200)
        X_test, y_test = make(200)

        def accuracy(guess, y):
            return float(np.mean(np.asarray(guess) == y))

        def line(w1, w2, b, X):
            # the lesson's rule: 1 where w1 x1 + w2 x2 + b > 0
            return (w1 * X[:, 0] + w2 * X[:, 1] + b > 0).astype(int)

        for w1, w2 in [(1, 0), (1, 1)]:
            print(f"hand line {w1} x1 + {w2} x2 > 0: test accuracy {100 * accuracy(line(w1, w2, 0, X_test), y_test):.1f} %")
        """
    ),
    *kata(
        "hs-predict",
        1,
        title=("the neuron's guess", "神经元的猜测"),
        task=(
            "Write `predict(w, b, X)`: for weights `w` (two numbers), bias `b` and points `X` (one row per point), "
            "return an array of guesses, `1` where $w_1 x_1 + w_2 x_2 + b > 0$ and `0` elsewhere (also `0` exactly on the line).",
            "编写 `predict(w, b, X)`：给定权重 `w`（两个数）、偏置 `b` 和点 `X`（每行一个点），返回猜测组成的数组："
            "$w_1 x_1 + w_2 x_2 + b > 0$ 处为 `1`，其余为 `0`（恰好在直线上也是 `0`）。",
        ),
        hints=(
            ("`X @ w` computes $w_1 x_1 + w_2 x_2$ for every row at once.", "`X @ w` 一次算出每一行的 $w_1 x_1 + w_2 x_2$。"),
            ("`(X @ np.asarray(w) + b > 0).astype(int)`", "`(X @ np.asarray(w) + b > 0).astype(int)`"),
        ),
        stub='''
            def predict(w, b, X):
                """1 where w . x + b > 0, else 0, for each row x of X."""
                # YOUR CODE HERE
                raise NotImplementedError
            ''',
        solution='''
            def predict(w, b, X):
                """1 where w . x + b > 0, else 0, for each row x of X."""
                return (X @ np.asarray(w, dtype=float) + b > 0).astype(int)
            ''',
        test="""
            pts = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.0], [0.0, 3.0]])
            expect(list(predict([1.0, 0.0], 0.0, pts)) == [1, 0, 0, 0], "a point exactly on the line gets 0",
                   "恰好在直线上的点得 0")
            expect(list(predict([0.0, 1.0], -2.0, pts)) == [0, 0, 0, 1], "the bias is ADDED: w . x + b",
                   "偏置是加上去的：w . x + b")
            expect(accuracy(predict([1.0, 1.0], 0.0, X_test), y_test) == accuracy(line(1, 1, 0, X_test), y_test),
                   "on the test points your guesses differ from the lesson's rule", "在测试点上你的猜测与课文的规则不同")
            """,
    ),
    *kata(
        "hs-perceptron-step",
        2,
        title=("one step of the perceptron rule", "感知机规则的一步"),
        task=(
            "Write `perceptron_step(w, b, x, y, eta=0.1)`: the neuron guesses $\\hat{y}$ for one point `x` "
            "(1 if $w \\cdot x + b > 0$, else 0) and returns the new `(w, b)` of the perceptron rule: "
            "$w_i + \\eta(y - \\hat{y})x_i$ and $b + \\eta(y - \\hat{y})$. Return a new array for `w`; do not change the one you were given.",
            "编写 `perceptron_step(w, b, x, y, eta=0.1)`：神经元对一个点 `x` 作出猜测 $\\hat{y}$"
            "（$w \\cdot x + b > 0$ 时为 1，否则为 0），并按感知机规则返回新的 `(w, b)`："
            "$w_i + \\eta(y - \\hat{y})x_i$ 和 $b + \\eta(y - \\hat{y})$。`w` 要返回一个新数组，不要修改传入的那个。",
        ),
        hints=(
            (
                "First compute the guess: `guess = int(x @ w + b > 0)`.",
                "先算出猜测：`guess = int(x @ w + b > 0)`。",
            ),
            (
                "`w + eta * (y - guess) * x` is a new array; the bias changes by `eta * (y - guess)`.",
                "`w + eta * (y - guess) * x` 是一个新数组；偏置改变 `eta * (y - guess)`。",
            ),
        ),
        stub='''
            def perceptron_step(w, b, x, y, eta=0.1):
                """The perceptron rule for one point: the new (w, b)."""
                # YOUR CODE HERE
                raise NotImplementedError
            ''',
        solution='''
            def perceptron_step(w, b, x, y, eta=0.1):
                """The perceptron rule for one point: the new (w, b)."""
                guess = int(x @ w + b > 0)
                return w + eta * (y - guess) * x, b + eta * (y - guess)
            ''',
        test="""
            w0 = np.zeros(2)
            w, b = perceptron_step(w0, 0.0, np.array([1.0, 2.0]), 1)
            expect(np.allclose(w, [0.1, 0.2]) and abs(b - 0.1) < 1e-12,
                   "a wrong guess of 0 for a point labelled 1 should move w toward x and raise b",
                   "把标签为 1 的点错猜成 0 时，w 应朝 x 移动，b 应增大")
            expect(np.allclose(w0, 0), "do not change the w you were given: return a new one", "不要修改传入的 w：返回一个新的")
            w, b = perceptron_step(np.array([1.0, 0.0]), 0.0, np.array([2.0, 1.0]), 1)
            expect(np.allclose(w, [1.0, 0.0]) and b == 0, "a right guess changes nothing", "猜对时什么都不变")
            w, b = perceptron_step(np.array([1.0, 0.0]), 0.5, np.array([2.0, 1.0]), 0)
            expect(np.allclose(w, [0.8, -0.1]) and abs(b - 0.4) < 1e-12,
                   "a wrong guess of 1 for a point labelled 0 should move w AWAY from x and lower b",
                   "把标签为 0 的点错猜成 1 时，w 应远离 x，b 应减小")
            """,
    ),
    md("## Training: two passes over the data", "## 训练：把数据过两遍"),
    code(
        """
        try:
            w, b = np.zeros(2), 0.0
            for sweep in range(2):
                mistakes = 0
                for x, y in zip(X_train, y_train):
                    mistakes += int(x @ w + b > 0) != y
                    w, b = perceptron_step(w, b, x, y)
                print(f"pass {sweep + 1}: {mistakes} mistakes")
            train_acc = accuracy(line(w[0], w[1], b, X_train), y_train)
            test_acc = accuracy(line(w[0], w[1], b, X_test), y_test)
            print(f"perceptron: training accuracy {100 * train_acc:.1f} %, test accuracy {100 * test_acc:.1f} %")
            print("weights", w.round(3), "bias", round(b, 3))
        except NotImplementedError:
            print("finish exercise 2 first, then run this cell again")
        """
    ),
    md(
        "## XOR: one line is not enough, two layers are",
        "## 异或：一条直线不够，两层就够了",
    ),
    code(
        """
        XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
        XOR_Y = np.array([0, 1, 1, 0])
        # every line on a fine grid of weights and biases: the best gets 3 of the 4 points
        grid = np.linspace(-2, 2, 41)
        best = max(int(np.sum(line(w1, w2, b, XOR_X) == XOR_Y)) for w1 in grid for w2 in grid for b in grid)
        print("best single line:", best, "of 4")
        # two neurons ("at least one is 1", "both are 1") and one neuron that combines them
        h_or = line(1, 1, -0.5, XOR_X)
        h_and = line(1, 1, -1.5, XOR_X)
        out = (h_or - h_and - 0.5 > 0).astype(int)
        print("two-layer network:", out, " target:", XOR_Y)
        assert best == 3 and (out == XOR_Y).all()
        print("✓ a tiny two-layer network solves XOR")
        """
    ),
]

# --- 7 -----------------------------------------------------------------------------------------------------------

QEC = [
    title("Practice: the repetition code", "练习：重复码"),
    md(
        "## The game, simulated 200 000 times\n\nEach of three bits flips with probability $p$; the majority "
        "vote is wrong when two or three flip. The formula is $p_L = 3p^2 - 2p^3$.",
        "## 把游戏模拟 200 000 次\n\n三个比特各以概率 $p$ 翻转；两个或三个翻转时，多数表决出错。"
        "公式是 $p_L = 3p^2 - 2p^3$。",
    ),
    code(
        """
        import numpy as np
        from qiskit import QuantumCircuit
        from qiskit.quantum_info import Statevector

        rng = np.random.default_rng(11)
        shots = 200_000
        for p in (0.1, 0.3):
            flips = rng.random((shots, 3)) < p
            simulated = np.mean(flips.sum(axis=1) >= 2)
            formula = 3 * p**2 - 2 * p**3
            print(f"p = {p}:  simulated p_L = {simulated:.4f}   formula 3p^2 - 2p^3 = {formula:.4f}")
            assert abs(simulated - formula) < 5 * np.sqrt(formula * (1 - formula) / shots)
        print(f"p = 0.01: formula 3p^2 - 2p^3 = {3 * 0.01**2 - 2 * 0.01**3:.4f}")
        print("✓ the simulation agrees with the formula")
        """
    ),
    *kata(
        "hs-locate",
        1,
        title=("read the syndrome", "读校验子"),
        task=(
            "The two parity checks are $s_1 = q_0 \\oplus q_1$ and $s_2 = q_1 \\oplus q_2$. Write `locate(s1, s2)`: "
            "the number (0, 1 or 2) of the qubit that flipped, or `None` when the syndrome says no qubit flipped. "
            "Assume at most one flip.",
            "两个奇偶校验是 $s_1 = q_0 \\oplus q_1$ 和 $s_2 = q_1 \\oplus q_2$。编写 `locate(s1, s2)`："
            "返回被翻转的量子比特的编号（0、1 或 2）；如果校验子表明没有翻转，返回 `None`。假设至多翻转一个。",
        ),
        hints=(
            (
                "Flip qubit 0 of `000` and compute both checks; do the same for qubits 1 and 2.",
                "把 `000` 的第 0 位翻转，算出两个校验值；对第 1、2 位也这样做。",
            ),
            (
                "Qubit 1 takes part in both checks, qubit 0 only in $s_1$, qubit 2 only in $s_2$.",
                "量子比特 1 参与两个校验，量子比特 0 只参与 $s_1$，量子比特 2 只参与 $s_2$。",
            ),
        ),
        stub='''
            def locate(s1, s2):
                """Which qubit flipped (0, 1, 2), or None."""
                # YOUR CODE HERE
                raise NotImplementedError
            ''',
        solution='''
            def locate(s1, s2):
                """Which qubit flipped (0, 1, 2), or None."""
                table = {(0, 0): None, (1, 0): 0, (1, 1): 1, (0, 1): 2}
                return table[(s1, s2)]
            ''',
        test="""
            expect(locate(0, 0) is None, "both checks satisfied: nothing flipped", "两个校验都满足：没有翻转")
            for flipped in range(3):
                q = [0, 0, 0]
                q[flipped] = 1
                s = (q[0] ^ q[1], q[1] ^ q[2])
                expect(locate(*s) == flipped, f"syndrome {s} is not read right", f"校验子 {s} 读得不对")
            """,
    ),
    *kata(
        "hs-encode",
        2,
        title=("spread, do not copy", "铺开，而不是复制"),
        task=(
            "Write `encode()`: a three-qubit circuit that turns $a|000\\rangle + b|100\\rangle$ "
            "(the state to protect on qubit 0, helpers 1 and 2 in $|0\\rangle$) into $a|000\\rangle + b|111\\rangle$. "
            "In Qiskit's bit order `|q2 q1 q0>` these are `'000'` and `'111'`.",
            "编写 `encode()`：一个三量子比特电路，把 $a|000\\rangle + b|100\\rangle$（要保护的状态在量子比特 0 上，"
            "辅助的 1 和 2 处于 $|0\\rangle$）变成 $a|000\\rangle + b|111\\rangle$。在 Qiskit 的比特顺序 `|q2 q1 q0>` 中，"
            "它们是 `'000'` 和 `'111'`。",
        ),
        hints=(
            (
                "A CNOT copies a *bit* (`0` or `1`) onto a qubit in $|0\\rangle$, and acts on a superposition branch by branch.",
                "CNOT 能把一个*比特*（`0` 或 `1`）复制到处于 $|0\\rangle$ 的量子比特上，并且对叠加态逐个分支地起作用。",
            ),
            ("Two CNOTs, both controlled by qubit 0: `qc.cx(0, 1)` and `qc.cx(0, 2)`.", "两个都以量子比特 0 为控制位的 CNOT：`qc.cx(0, 1)` 和 `qc.cx(0, 2)`。"),
        ),
        stub='''
            def encode():
                """a|0> + b|1> on qubit 0 -> a|000> + b|111>."""
                # YOUR CODE HERE
                raise NotImplementedError
            ''',
        solution='''
            def encode():
                """a|0> + b|1> on qubit 0 -> a|000> + b|111>."""
                qc = QuantumCircuit(3)
                qc.cx(0, 1)
                qc.cx(0, 2)
                return qc
            ''',
        test="""
            for theta in (0.0, 1.0, np.pi / 2, 2.5, np.pi):
                prep = QuantumCircuit(3)
                prep.ry(theta, 0)
                code = encode()
                expect(code.num_qubits == 3, "use three qubits", "用三个量子比特")
                probs = Statevector(prep.compose(code)).probabilities_dict()
                want = {"000": np.cos(theta / 2) ** 2, "111": np.sin(theta / 2) ** 2}
                got = {k: v for k, v in probs.items() if v > 1e-12}
                expect(set(got) <= {"000", "111"} and all(abs(got.get(k, 0) - v) < 1e-9 for k, v in want.items()),
                       "the result should contain only 000 and 111, with the amplitudes of the original qubit",
                       "结果应只含 000 和 111，并保持原来量子比特的振幅")
            """,
    ),
    md(
        "## The whole round: encode, an error, the syndrome, the repair",
        "## 完整的一轮：编码、出错、测校验子、修复",
    ),
    code(
        """
        # qubits 0-2 hold the code, qubits 3 and 4 measure the parities q0^q1 and q1^q2
        try:
            theta = 1.2
            for flipped in (None, 0, 1, 2):
                qc = QuantumCircuit(5)
                qc.ry(theta, 0)
                qc.compose(encode(), qubits=[0, 1, 2], inplace=True)
                if flipped is not None:
                    qc.x(flipped)
                qc.cx(0, 3)
                qc.cx(1, 3)
                qc.cx(1, 4)
                qc.cx(2, 4)
                outcome = Statevector(qc).probabilities_dict(qargs=[3, 4])
                key = max(outcome, key=outcome.get)          # one outcome has probability 1
                s1, s2 = int(key[1]), int(key[0])             # Qiskit writes qubit 4 first
                print(f"flipped {flipped}: syndrome ({s1}, {s2}) with probability {outcome[key]:.2f}; it does not depend on theta")
        except NotImplementedError:
            print("finish exercise 2 first, then run this cell again")
        """
    ),
]

# --- 8 -----------------------------------------------------------------------------------------------------------

REVIEW = [
    title("Practice: review projects", "练习：复习项目"),
    md(
        "## Longer codes, by brute force\n\nList all $2^n$ patterns of flips and add the probabilities of those in "
        "which more than half of the bits flipped.",
        "## 更长的码：穷举法\n\n列出全部 $2^n$ 种翻转模式，把其中超过一半比特翻转的模式的概率加起来。",
    ),
    code(
        """
        import itertools
        import math
        import numpy as np
        from qiskit import QuantumCircuit
        from qiskit.quantum_info import Statevector

        def brute_force(p, n):
            total = 0.0
            for pattern in itertools.product((0, 1), repeat=n):
                k = sum(pattern)
                if k > n // 2:
                    total += p**k * (1 - p) ** (n - k)
            return total

        for n in (1, 3, 5, 7):
            print(f"n = {n}:  p_L at p = 0.1 is {brute_force(0.1, n):.5f},  at p = 0.3 is {brute_force(0.3, n):.5f}")
        """
    ),
    *kata(
        "hs-logical-n",
        1,
        title=("the formula for any length", "任意长度的公式"),
        task=(
            "Write `p_logical_n(p, n)` with binomial coefficients (`math.comb`): the chance that more than half of "
            "$n$ bits flip ($n$ odd), each flipping with probability $p$. The self-check compares it with the brute force above.",
            "用组合数（`math.comb`）编写 `p_logical_n(p, n)`：$n$ 个比特（$n$ 为奇数）各以概率 $p$ 翻转时，"
            "超过一半比特翻转的概率。自检会把它与上面的穷举结果比较。",
        ),
        hints=(
            (
                "Exactly $k$ of $n$ bits flip with probability `math.comb(n, k) * p**k * (1 - p)**(n - k)`.",
                "$n$ 个比特中恰好 $k$ 个翻转的概率是 `math.comb(n, k) * p**k * (1 - p)**(n - k)`。",
            ),
            ("Add those terms for $k$ from $(n+1)/2$ up to and including $n$.", "把 $k$ 从 $(n+1)/2$ 到 $n$（含 $n$）的各项相加。"),
        ),
        stub='''
            def p_logical_n(p, n):
                """Majority vote of n bits fails: more than half of them flip."""
                # YOUR CODE HERE
                raise NotImplementedError
            ''',
        solution='''
            def p_logical_n(p, n):
                """Majority vote of n bits fails: more than half of them flip."""
                return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range((n + 1) // 2, n + 1))
            ''',
        test="""
            for n in (1, 3, 5, 7):
                for p in (0.01, 0.1, 0.3):
                    expect(abs(p_logical_n(p, n) - brute_force(p, n)) < 1e-12,
                           f"n = {n}, p = {p}: which numbers of flips defeat the vote? all of them up to n?",
                           f"n = {n}、p = {p}：翻转几个会让表决失败？一直到 n 个都算上了吗？")
            print(f"p_L(5) at p = 0.1: {p_logical_n(0.1, 5):.5f}")
            """,
    ),
    *kata(
        "hs-phase-for",
        2,
        title=("tune the interferometer", "调节干涉仪"),
        task=(
            "Write `phase_for(p0)`: the phase $\\varphi$ (between 0 and $\\pi$) for which $H\\,P(\\varphi)\\,H$ "
            "gives `0` with probability `p0`.",
            "编写 `phase_for(p0)`：使 $H\\,P(\\varphi)\\,H$ 以概率 `p0` 得到 `0` 的相位 $\\varphi$（在 0 与 $\\pi$ 之间）。",
        ),
        hints=(
            (
                "$P(0) = \\cos^2(\\varphi/2)$: undo the square, then the cosine, then the half.",
                "$P(0) = \\cos^2(\\varphi/2)$：依次去掉平方、余弦和一半。",
            ),
            ("`2 * np.arccos(np.sqrt(p0))`", "`2 * np.arccos(np.sqrt(p0))`"),
        ),
        stub='''
            def phase_for(p0):
                """The phase of H P(phi) H that gives 0 with probability p0."""
                # YOUR CODE HERE
                raise NotImplementedError
            ''',
        solution='''
            def phase_for(p0):
                """The phase of H P(phi) H that gives 0 with probability p0."""
                return 2 * np.arccos(np.sqrt(p0))
            ''',
        test="""
            for p0 in (1.0, 0.9, 0.75, 0.5, 0.2, 0.0):
                phi = float(phase_for(p0))
                qc = QuantumCircuit(1)
                qc.h(0)
                qc.p(phi, 0)
                qc.h(0)
                got = Statevector(qc).probabilities()[0]
                expect(abs(got - p0) < 1e-9, f"for P(0) = {p0} your phase gives {got:.3f}", f"P(0) = {p0} 时你的相位给出 {got:.3f}")
            expect(abs(float(phase_for(0.75)) - np.pi / 3) < 1e-9, "the phase must lie between 0 and pi",
                   "相位必须在 0 与 pi 之间")
            """,
    ),
]

NOTEBOOKS = {
    "01-qubit-practice.ipynb": QUBIT,
    "02-bloch-practice.ipynb": BLOCH,
    "03-interference-practice.ipynb": INTERFERENCE,
    "04-chsh-practice.ipynb": CHSH,
    "05-randomness-practice.ipynb": RANDOM,
    "06-classifier-practice.ipynb": CLASSIFIER,
    "07-repetition-practice.ipynb": QEC,
    "08-review-practice.ipynb": REVIEW,
}


if __name__ == "__main__":
    for name, cells in NOTEBOOKS.items():
        save(PRACTICE / name, cells)
        print("wrote", (PRACTICE / name).relative_to(ROOT))
