"""Write the written papers (part B) of the QML course's mid-term and final exams.

    .venv/bin/python content/qml/tools/build_exam_papers.py

Each paper is an nbgrader source notebook: one autograded function (visible and hidden tests) and written
answers graded by the teacher, each with a model answer and a rubric in its solution cell (hidden from students).
The Chinese text of each Markdown cell is written here beside the English (metadata.liangzhi.zh).
Accuracies quoted are lesson 3's (tools/make_figures.py); the variance formula is practice 7's exercise 1.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from nbbuild import answer, locked, md, save, tests, written

ROOT = Path(__file__).resolve().parent.parent


def bi(en: str, zh: str) -> dict:
    """A Markdown cell with its Chinese text beside it."""
    cell = md(en)
    cell["metadata"] = {"liangzhi": {"zh": textwrap.dedent(zh).strip("\n")}}
    return cell


# ----------------------------------------------------------------------------------------------------------------
# Mid-term, part B (units 1-4): 24 points, 3 autograded, 21 written
# ----------------------------------------------------------------------------------------------------------------
MIDTERM = [
    bi(r"""
    # Mid-term exam, part B: written paper

    Units 1–4: qubits and measurement in Qiskit, the parameter-shift rule, variational classifiers, hybrid regression.
    Answer every question in this notebook during the exam session. Q1 is graded automatically (visible tests run
    when you execute the cell below your answer; hidden tests check more when you submit). Q2–Q4 are written answers
    graded by your teacher: write in full sentences, show each calculation, and give numbers with two significant
    figures. Points: 24 (3 autograded, 21 written).
    """, r"""
    # 期中考试 B 卷：笔试

    第 1–4 单元：Qiskit 中的量子比特与测量、参数平移规则、变分分类器、混合回归。请在考试时间内在本笔记本中回答全部题目。
    Q1 自动评分（运行答案下方的单元会执行可见测试；提交后隐藏测试会检查更多内容）。Q2–Q4 是由教师评分的书面作答：
    请用完整的句子回答，写出每一步计算，数值保留两位有效数字。总分：24 分（3 分自动评分，21 分书面作答）。
    """),
    locked("midterm_imports", """
    import math
    """),
    bi(r"""
    **Q1 (3 points).** Write `zz_expectation(counts, i, j)`: the estimate of $\langle Z_i Z_j \rangle$ from a Qiskit counts
    dictionary such as `{'0110': 37, ...}` (keys are bit strings of any length, in Qiskit's order: qubit 0 is the
    **right-most** character). Each shot contributes $+1$ when bits $i$ and $j$ agree and $-1$ when they differ.
    """, r"""
    **Q1（3 分）。** 请编写 `zz_expectation(counts, i, j)`：由 Qiskit 计数字典（如 `{'0110': 37, ...}`）估计 $\langle Z_i Z_j \rangle$
    （键是任意长度的比特串，按 Qiskit 的顺序：量子比特 0 是**最右边**的字符）。比特 $i$ 与 $j$ 相同时该次 shot 贡献 $+1$，不同时贡献 $-1$。
    """),
    answer("zz_expectation", """
    def zz_expectation(counts, i, j):
        ### BEGIN SOLUTION
        total = sum(counts.values())
        return sum(n if key[-1 - i] == key[-1 - j] else -n for key, n in counts.items()) / total
        ### END SOLUTION
    """),
    tests("test_zz_expectation", 3, """
    assert abs(zz_expectation({'00': 50, '11': 50}, 0, 1) - 1.0) < 1e-12
    assert abs(zz_expectation({'01': 30, '00': 10}, 0, 1) - (-0.5)) < 1e-12
    ### BEGIN HIDDEN TESTS
    counts = {'001': 40, '011': 25, '110': 20, '100': 15}
    assert abs(zz_expectation(counts, 0, 1) - (-40 + 25 - 20 + 15) / 100) < 1e-12
    assert abs(zz_expectation(counts, 1, 2) - (40 - 25 + 20 - 15) / 100) < 1e-12
    assert abs(zz_expectation(counts, 0, 2) - (-40 - 25 - 20 - 15) / 100) < 1e-12
    assert abs(zz_expectation({'0001': 7, '1000': 3}, 0, 1) - (-0.4)) < 1e-12
    ### END HIDDEN TESTS
    """),
    bi(r"""
    **Q2 (7 points, graded by your teacher).** A student prepares $R_Y(\pi/2)|0\rangle$, measures it 100 times and finds
    $\langle Z \rangle \approx 0.12$ instead of the exact $0$. (a) Is this evidence of a bug? Compute the standard error
    of the estimate and say how many standard errors away it is. (b) How many shots are needed for a standard error of
    $0.01$ on this state? (c) In general, for which true values of $\langle Z\rangle$ is the estimate noisiest, and why?
    """, r"""
    **Q2（7 分，由教师评分）。** 一位学生制备了 $R_Y(\pi/2)|0\rangle$，测量 100 次，得到 $\langle Z \rangle \approx 0.12$，而精确值为 $0$。
    (a) 这能说明程序有错吗？计算该估计的标准误差，并说明它偏离了几个标准误差。(b) 要在这个态上达到 $0.01$ 的标准误差需要多少次 shot？
    (c) 一般来说，$\langle Z\rangle$ 的真实值为多少时估计的噪声最大？为什么？
    """),
    written("shot_noise", 7, r"""
    Model answer. (a) Each shot gives ±1, so the variance of one shot is 1 - <Z>² = 1 here, and the standard error of
    the mean of N = 100 shots is √((1 - <Z>²)/N) = 0.1. The observed 0.12 is 1.2 standard errors from 0: entirely
    consistent with shot noise (about a quarter of runs deviate this much), so no evidence of a bug. (b) √(1/N) = 0.01
    gives N = 10 000 shots. (c) The variance 1 - <Z>² is largest at <Z> = 0 (outcomes equally likely) and vanishes at
    ±1 (the outcome is certain); equivalently the count of 0s is binomial with variance N p (1 - p), largest at p = 1/2.

    Rubric (7 points): (a) 3 points: the ±1 variance or binomial argument (1), standard error 0.1 (1), the conclusion
    "1.2 σ, not a bug" (1). (b) 2 points: the equation √(1/N) = 0.01 (1), 10 000 (1). (c) 2 points: at <Z> = 0 / p = 1/2 (1) with the reason (1).
    """),
    bi(r"""
    **Q3 (7 points, graded by your teacher).** For a gate $R_Y(\theta)$ the parameter-shift rule gives
    $\partial E/\partial\theta = \tfrac12\,[E(\theta + \pi/2) - E(\theta - \pi/2)]$, while a central finite difference uses
    $[E(\theta + h) - E(\theta - h)]/(2h)$ with a small $h$. (a) Why is the shift rule exact with a shift as large as
    $\pi/2$? (b) With $N$ shots per circuit, compare the shot-noise standard deviation of the two estimates (take the
    variance of each $E$ estimate as at most $1/N$) for $h = 0.01$. (c) Which would you use on a device, and what does
    the shift rule cost for a model with $P$ parameters?
    """, r"""
    **Q3（7 分，由教师评分）。** 对 $R_Y(\theta)$ 门，参数平移规则给出 $\partial E/\partial\theta = \tfrac12\,[E(\theta + \pi/2) - E(\theta - \pi/2)]$，
    而中心有限差分用 $[E(\theta + h) - E(\theta - h)]/(2h)$，$h$ 很小。(a) 为什么平移量大到 $\pi/2$ 时平移规则仍然是精确的？
    (b) 每条线路测量 $N$ 次 shot 时，比较两种估计的散粒噪声标准差（每个 $E$ 估计的方差取至多 $1/N$），取 $h = 0.01$。
    (c) 在设备上你会用哪一种？对有 $P$ 个参数的模型，平移规则的代价是多少？
    """),
    written("shift_vs_difference", 7, r"""
    Model answer. (a) The gate is exp(-iθY/2), generated by a Pauli with eigenvalues ±1/2, so the expectation value
    is a trigonometric polynomial of degree one in θ: E(θ) = a + b cos θ + c sin θ. For such a function
    [E(θ + π/2) - E(θ - π/2)]/2 = -b sin θ + c cos θ = E'(θ) exactly, for any θ; nothing is approximated. (b) The
    shift estimate has variance (1/N + 1/N)/4 = 1/(2N), standard deviation ≈ 0.71/√N. The finite difference has
    variance 2/N/(2h)² = 1/(2Nh²), standard deviation 0.71/(h√N): 1/h = 100 times larger for h = 0.01 (and it is also
    biased by O(h²)). To match the shift rule's noise it would need 10⁴ times the shots. (c) The parameter-shift rule:
    unbiased, and its noise does not grow as a step shrinks. It costs 2 circuit evaluations per parameter, 2P per
    gradient (for gates with a single Pauli generator), each with its N shots.

    Rubric (7 points): (a) 2 points: trigonometric form from the Pauli generator (1), exactness at any θ (1).
    (b) 3 points: both standard deviations (1 each), the factor 1/h = 100 or 10⁴ in shots (1). (c) 2 points: the choice
    with a reason (1), 2P evaluations (1).
    """),
    bi(r"""
    **Q4 (7 points, graded by your teacher).** On the same two-moons split (200 test points), lesson 3's 2-qubit,
    3-layer variational classifier (8 trainable parameters) reached a test accuracy of 0.895, logistic regression
    0.875, and a 2-8-1 classical network (33 parameters) 0.990 for each of five seeds. (a) What is the standard error
    of an accuracy measured on 200 points near 0.9, and is the difference between the VQC and logistic regression
    significant? (b) A poster says "our quantum classifier beats classical machine learning". What can honestly be
    said? (c) Describe a fair comparison of a quantum and a classical model in three or four points.
    """, r"""
    **Q4（7 分，由教师评分）。** 在同一个双月数据划分上（200 个测试点），第 3 课中 2 量子比特、3 层的变分分类器（8 个可训练参数）
    测试准确率为 0.895，逻辑回归为 0.875，2-8-1 经典网络（33 个参数）在五个随机种子下均为 0.990。(a) 在 200 个点上测得的、
    接近 0.9 的准确率的标准误差是多少？VQC 与逻辑回归之间的差异显著吗？(b) 一张海报写道：“我们的量子分类器胜过经典机器学习”。
    诚实地说，能得出什么结论？(c) 用三到四点描述量子模型与经典模型之间的公平比较。
    """),
    written("honest_comparison", 7, r"""
    Model answer. (a) √(0.9 · 0.1 / 200) ≈ 0.021. The VQC–logistic difference is 0.02, about one standard error (and
    the two are measured on the same points, so a paired test is the right tool; it would count the points where
    they disagree): not significant. (b) On this split the VQC is about as good as a linear model and clearly worse
    than a small classical network (0.990, more than four standard errors above): no advantage is shown; at most,
    "a model with 8 parameters reaches 0.895". (c) The same data split, preprocessing and tuning budget for every
    model; baselines of comparable size and the strongest reasonable classical model; several seeds with mean and
    spread, and a paired significance test; report parameters, training cost and (for hardware) shots; state the
    claim no stronger than the numbers.

    Rubric (7 points): (a) 3 points: ≈ 0.02 (1), not significant (1), the paired test on the same points (1).
    (b) 2 points: no advantage, with the MLP as the reason. (c) 2 points: at least three sound points (1 for two).
    """),
]

# ----------------------------------------------------------------------------------------------------------------
# Final, part B (the whole course): 33 points, 3 autograded, 30 written
# ----------------------------------------------------------------------------------------------------------------
FINAL = [
    bi(r"""
    # Final exam, part B: written paper

    The whole course, with quantum kernels, barren plateaus and data re-uploading. Answer every question in this notebook during the exam
    session. Q1 is graded automatically (visible tests run when you execute the cell below your answer; hidden tests
    check more when you submit). Q2–Q4 are written answers graded by your teacher: write in full sentences and show
    each calculation. Points: 33 (3 autograded, 30 written).
    """, r"""
    # 期末考试 B 卷：笔试

    全部课程内容，包括量子核方法、贫瘠高原与数据重上传。请在考试时间内在本笔记本中回答全部题目。Q1 自动评分（运行答案下方的单元会执行可见测试；
    提交后隐藏测试会检查更多内容）。Q2–Q4 是由教师评分的书面作答：请用完整的句子回答，并写出每一步计算。
    总分：33 分（3 分自动评分，30 分书面作答）。
    """),
    locked("final_imports", """
    import numpy as np
    """),
    bi(r"""
    **Q1 (3 points).** The *kernel–target alignment* of a Gram matrix $K$ with labels $y \in \{-1, +1\}^m$ is
    $A(K, y) = \langle K, yy^\top\rangle_F \,/\, (\lVert K\rVert_F\, \lVert yy^\top\rVert_F)$, where $\langle A, B\rangle_F = \sum_{ij} A_{ij}B_{ij}$.
    Write `kernel_alignment(K, y)`. Labels may be given as $0/1$: map them to $-1/+1$ first.
    """, r"""
    **Q1（3 分）。** Gram 矩阵 $K$ 与标签 $y \in \{-1, +1\}^m$ 的*核–目标对齐度*为
    $A(K, y) = \langle K, yy^\top\rangle_F \,/\, (\lVert K\rVert_F\, \lVert yy^\top\rVert_F)$，其中 $\langle A, B\rangle_F = \sum_{ij} A_{ij}B_{ij}$。
    请编写 `kernel_alignment(K, y)`。标签可能以 $0/1$ 给出：请先把它们映射为 $-1/+1$。
    """),
    answer("kernel_alignment", """
    def kernel_alignment(K, y):
        ### BEGIN SOLUTION
        K = np.asarray(K, dtype=float)
        y = np.asarray(y, dtype=float)
        if set(np.unique(y)) <= {0.0, 1.0}:
            y = 2 * y - 1
        Y = np.outer(y, y)
        return float(np.sum(K * Y) / (np.linalg.norm(K) * np.linalg.norm(Y)))
        ### END SOLUTION
    """),
    tests("test_kernel_alignment", 3, """
    y = np.array([1, -1, 1])
    assert abs(kernel_alignment(np.outer(y, y), y) - 1.0) < 1e-12
    assert abs(kernel_alignment(np.eye(3), y) - 3 / (np.sqrt(3) * 3)) < 1e-12
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(7)
    X = rng.normal(size=(12, 3))
    K = np.exp(-((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    labels = (X[:, 0] > 0).astype(int)
    s = 2.0 * labels - 1
    ref = float((K * np.outer(s, s)).sum() / (np.linalg.norm(K) * np.linalg.norm(np.outer(s, s))))
    assert abs(kernel_alignment(K, labels) - ref) < 1e-10
    assert abs(kernel_alignment(K, s) - ref) < 1e-10
    assert abs(kernel_alignment(2.5 * K, s) - ref) < 1e-10
    ### END HIDDEN TESTS
    """),
    bi(r"""
    **Q2 (10 points, graded by your teacher).** Practice 7 showed that for one layer of $R_Y$ gates (and CZ) on $n$
    qubits, with angles uniform on $[0, 2\pi)$, the global cost $C_G = 1 - P(0\cdots0)$ has
    $\mathrm{Var}[\partial C_G/\partial\theta_1] = \tfrac18 (3/8)^{n-1}$, and that a parameter-shift gradient from $N$ shots per
    circuit has shot-noise variance at most $1/(8N)$. (a) How many shots per circuit are needed, for $n = 10$ and
    $n = 20$, for the shot noise to be no larger than the typical gradient? (b) Explain what a barren plateau is
    and why this makes training hopeless for large $n$, even with a perfect simulator of the circuit's statistics.
    (c) Name two ways to avoid or delay a barren plateau, and the price or limit of each.
    """, r"""
    **Q2（10 分，由教师评分）。** 练习 7 表明：在 $n$ 个量子比特上作用一层 $R_Y$ 门（及 CZ），角度在 $[0, 2\pi)$ 上均匀分布时，全局代价函数
    $C_G = 1 - P(0\cdots0)$ 满足 $\mathrm{Var}[\partial C_G/\partial\theta_1] = \tfrac18 (3/8)^{n-1}$；每条线路 $N$ 次 shot 得到的参数平移梯度的散粒噪声方差
    至多为 $1/(8N)$。(a) 当 $n = 10$ 和 $n = 20$ 时，每条线路需要多少次 shot，才能使散粒噪声不大于典型梯度？(b) 解释什么是贫瘠高原，
    以及为什么即使能完美地模拟线路的统计量，它也会使大 $n$ 时的训练毫无希望。(c) 说出两种避免或推迟贫瘠高原的方法，以及各自的代价或局限。
    """),
    written("barren_shots", 10, r"""
    Model answer. (a) Shot noise ≤ typical gradient means 1/(8N) ≤ (1/8)(3/8)^(n-1), so N ≥ (8/3)^(n-1). For n = 10,
    (8/3)^9 ≈ 6.8e3 shots per circuit; for n = 20, (8/3)^19 ≈ 1.2e8 shots per circuit, and two circuits per
    parameter per step. (b) A barren plateau is a landscape in which the variance of the gradient over random
    initialisations decays exponentially with the number of qubits: almost everywhere the gradient is exponentially
    close to zero. An optimiser then has no direction to follow; on a device the number of shots needed to resolve
    the gradient grows exponentially, and even with exact expectation values the tiny gradients leave training
    stuck on a flat landscape (and precision limits make them indistinguishable from zero). (c) Any two, with the
    price: a local cost (a sum of one-qubit terms) for shallow circuits, whose variance decays only polynomially —
    but it is a different objective and the guarantee holds only for shallow circuits of local blocks; shallow or
    structured ansätze with few parameters or problem-inspired symmetry — less expressive, and often classically
    simulable; initialisation near the identity or layer-wise training — delays the plateau but does not remove it
    deep in training; fewer qubits — a smaller model.

    Rubric (10 points): (a) 3 points: the inequality (1), ≈ 7e3 (1), ≈ 1e8 (1). (b) 3 points: definition as
    exponentially vanishing gradient variance (2), why shots or flatness stop training (1). (c) 4 points: per
    method, 1 for the method and 1 for its price or limit.
    """),
    bi(r"""
    **Q3 (10 points, graded by your teacher).** A one-qubit model computes $f(x) = \langle Z\rangle$ after the circuit
    $W_L\, R_Y(x)\, W_{L-1} \cdots W_1\, R_Y(x)\, W_0$, where the $W_k$ are trainable rotations: the data are uploaded $L$
    times. (a) Show that $f$ is a trigonometric polynomial in $x$, and give its highest frequency. (b) With $L = 1$, on
    how many separate arcs of one period $[-\pi, \pi)$ can $f$ be positive at most? Can such a model classify points by
    the sign of $\cos 2x$, and what is the smallest $L$ that can? (c) A classmate adds more and more layers to reach 100 % training accuracy. What should they
    watch for, and how would you choose $L$?
    """, r"""
    **Q3（10 分，由教师评分）。** 单量子比特模型在线路 $W_L\, R_Y(x)\, W_{L-1} \cdots W_1\, R_Y(x)\, W_0$ 之后计算 $f(x) = \langle Z\rangle$，其中 $W_k$ 是
    可训练的旋转：数据被上传 $L$ 次。(a) 证明 $f$ 是 $x$ 的三角多项式，并给出它的最高频率。(b) 当 $L = 1$ 时，在一个周期 $[-\pi, \pi)$ 上，$f$ 至多能在几段
    互不相连的弧上为正？这样的模型能按 $\cos 2x$ 的符号对点分类吗？能做到这一点的最小 $L$ 是多少？(c) 一位同学不断增加层数以达到 100 % 的训练准确率。他应当注意什么？你会如何选择 $L$？
    """),
    written("reuploading", 10, r"""
    Model answer. (a) R_Y(x) = cos(x/2) I - i sin(x/2) Y. Each upload multiplies the state's amplitudes by cos(x/2)
    or sin(x/2), so after L uploads the amplitudes are polynomials of degree L in e^{±ix/2}, and <Z> (amplitude times
    conjugate amplitude) contains e^{ikx} with |k| ≤ L: f(x) = Σ_{k=-L..L} c_k e^{ikx}, a trigonometric polynomial of
    highest frequency L (the Pauli generator's eigenvalue gaps, 1 per upload). The trainable W_k set the c_k.
    (b) With L = 1, f(x) = a + b cos x + c sin x = a + R cos(x - φ): on one period it is positive on at most one arc
    (the set where cos(x - φ) > -a/R), and it changes sign at most twice. The sign of cos 2x is positive on two
    separate arcs (|x| < π/4 and |x| > 3π/4) and changes sign four times, so no single-upload model classifies it;
    L = 2 can (f = cos 2x itself is a frequency-2 polynomial, reachable with two uploads). (c) Overfitting: more layers
    add frequencies and parameters, training accuracy rises while validation accuracy falls; training also gets
    slower and, with depth, gradients smaller. Choose L by validation (a held-out split or k-fold cross-validation),
    taking the smallest L whose validation accuracy is within error of the best, and report the test accuracy once.

    Rubric (10 points): (a) 3 points: the expansion of R_Y(x) (1), degree L argument (1), frequency L (1).
    (b) 3 points: at most one arc / two sign changes for L = 1 (1), cos 2x needs two arcs (1), L = 2 with a circuit
    that reaches it (1). (c) 4 points: overfitting (1), validation-based choice (1), the smallest adequate L (1), a
    test set used once or the cost of depth (1).
    """),
    bi(r"""
    **Q4 (10 points, graded by your teacher).** The QML challenge allows at most 4 qubits and requires that the quantum
    circuit determine the predictions. (a) Why is a model attribute such as `self.n_qubits = 2` no evidence of either
    rule? (b) Design an ablation test that shows whether the quantum layer matters, and say what result would
    disqualify an entry. (c) An entry reaches 0.93 validation accuracy and the ablated model 0.91. What do you
    conclude, and what else would you report?
    """, r"""
    **Q4（10 分，由教师评分）。** 量子机器学习挑战赛规定至多使用 4 个量子比特，并要求量子线路决定预测结果。(a) 为什么像
    `self.n_qubits = 2` 这样的模型属性不能证明满足任一条规则？(b) 设计一个消融测试，说明量子层是否起作用，并说明什么结果会使参赛作品失去资格。
    (c) 某作品的验证准确率为 0.93，消融后的模型为 0.91。你得出什么结论？还应报告什么？
    """),
    written("challenge_rules", 10, r"""
    Model answer. (a) It is a number the author writes; nothing ties it to the computation. A purely classical
    network can set the attribute and never call a circuit. The rules have to be checked on what the model does:
    count the qubits of the circuits actually executed (or the dimension of the state the layer simulates), count the
    trainable parameters, and test whether predictions depend on the circuit. (b) Replace the quantum layer's output
    by a constant (its mean over the training data), or by the output for shuffled inputs, keep everything else, and
    measure accuracy on the same validation data: if the predictions are unchanged or the accuracy does not drop to
    about the majority-class rate, the classical parts decide and the entry violates the rule. Run it in the trusted
    grader, not on the entrant's word. (c) A drop of 0.02 on a validation split of at most 300 points (standard error
    at least ≈ 0.015 for each accuracy) is not significant: the quantum layer is not shown to matter, and most of the accuracy comes from the
    classical parts. Report the paired difference with its error, several seeds, the ablated and the full model's
    accuracy, qubit and parameter counts, and a classical baseline of the same size.

    Rubric (10 points): (a) 3 points: declared vs measured (1), a classical bypass as example (1), what to measure
    instead (1). (b) 4 points: a concrete ablation (1), the same data (1), a disqualifying result (1), trusted
    execution (1). (c) 3 points: significance (1), conclusion (1), what to report (1).
    """),
]


def main() -> None:
    save(ROOT / "assignments" / "exam-midterm-paper" / "exam-midterm-paper.ipynb", MIDTERM)
    save(ROOT / "assignments" / "exam-final-paper" / "exam-final-paper.ipynb", FINAL)


if __name__ == "__main__":
    main()
