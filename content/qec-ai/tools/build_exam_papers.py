"""Write the written papers (part B) of the QEC course's mid-term and final exams.

    .venv/bin/python content/qec-ai/tools/build_exam_papers.py

Each paper is an nbgrader source notebook: one autograded function (visible and hidden tests) and written
answers graded by the teacher, each with a model answer and a rubric in its solution cell (hidden from students).
The Chinese text of each Markdown cell is written here beside the English (metadata.liangzhi.zh).
The numbers quoted come from lessons/figures/numbers.json (matching sweep, neural decoders, Decoder Cup) or
were computed with Stim and PyMatching for the circuit shown in the final paper (see its model answer).
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

    Units 1–4: the repetition code, stabilizers and the surface code, matching and the threshold, neural decoders.
    Answer every question in this notebook during the exam session. Q1 is graded automatically (visible tests run
    when you execute the cell below your answer; hidden tests check more when you submit). Q2–Q4 are written answers
    graded by your teacher: write in full sentences, show each calculation, and give numbers with two significant
    figures. Points: 24 (3 autograded, 21 written).
    """, r"""
    # 期中考试 B 卷：笔试

    第 1–4 单元：重复码、稳定子与表面码、匹配译码与阈值、神经网络解码器。请在考试时间内在本笔记本中回答全部题目。
    Q1 自动评分（运行答案下方的单元会执行可见测试；提交后隐藏测试会检查更多内容）。Q2–Q4 是由教师评分的书面作答：
    请用完整的句子回答，写出每一步计算，数值保留两位有效数字。总分：24 分（3 分自动评分，21 分书面作答）。
    """),
    locked("midterm_imports", """
    import math
    """),
    bi(r"""
    **Q1 (3 points).** Majority voting on a repetition code of *even* distance $d$ can end in a tie ($d/2$ flips).
    Write `majority_failure(p, d)`: the logical error probability of majority voting for any $d \ge 1$, each bit
    flipping independently with probability $p$, when a tie is broken by a fair coin (so it fails half the time).
    The hidden tests also check what this means: an even code is no better than the odd code one bit shorter.
    """, r"""
    **Q1（3 分）。** 在*偶数*码距 $d$ 的重复码上做多数表决，可能出现平票（$d/2$ 个比特翻转）。请编写
    `majority_failure(p, d)`：每个比特以概率 $p$ 独立翻转、平票时掷一枚公平硬币决定（因此一半情况下失败）时，
    对任意 $d \ge 1$ 多数表决的逻辑错误概率。隐藏测试还会检查这意味着什么：偶数码距并不比短一位的奇数码距更好。
    """),
    answer("majority_failure", """
    def majority_failure(p, d):
        ### BEGIN SOLUTION
        total = sum(math.comb(d, k) * p**k * (1 - p) ** (d - k) for k in range(d // 2 + 1, d + 1))
        if d % 2 == 0:
            total += 0.5 * math.comb(d, d // 2) * (p * (1 - p)) ** (d // 2)
        return total
        ### END SOLUTION
    """),
    tests("test_majority_failure", 3, """
    assert abs(majority_failure(0.1, 1) - 0.1) < 1e-12
    assert abs(majority_failure(0.1, 3) - 0.028) < 1e-12
    ### BEGIN HIDDEN TESTS
    def _ref(p, d):
        strict = sum(math.comb(d, k) * p**k * (1 - p) ** (d - k) for k in range(d // 2 + 1, d + 1))
        tie = 0.5 * math.comb(d, d // 2) * (p * (1 - p)) ** (d // 2) if d % 2 == 0 else 0.0
        return strict + tie

    for p in (0.01, 0.1, 0.3, 0.5):
        for d in range(1, 12):
            assert abs(majority_failure(p, d) - _ref(p, d)) < 1e-12, (p, d)
        for d in (1, 3, 5, 7):
            assert abs(majority_failure(p, d + 1) - majority_failure(p, d)) < 1e-12, (p, d)
    ### END HIDDEN TESTS
    """),
    bi(r"""
    **Q2 (7 points, graded by your teacher).** In a rotated surface-code memory experiment that starts in $|0\rangle_L$
    and measures all stabilizers in each round: (a) why is a detector defined as the parity of a stabilizer's outcome
    with its outcome in the previous round, instead of the outcome itself? (b) Which stabilizers can have a detector in
    the first round, and why not the others? (c) Describe the detection events that one wrong ancilla measurement in
    the middle of the experiment produces, and those of one data-qubit $X$ error, and say how the matching graph
    tells the two apart.
    """, r"""
    **Q2（7 分，由教师评分）。** 在一个从 $|0\rangle_L$ 开始、每轮测量全部稳定子的旋转表面码存储实验中：(a) 为什么把探测器
    定义为某个稳定子本轮结果与上一轮结果的奇偶性，而不是结果本身？(b) 哪些稳定子在第一轮就可以有探测器，为什么其余的不行？
    (c) 描述实验中途一次辅助比特测量出错会产生哪些探测事件，一次数据比特 $X$ 错误又会产生哪些探测事件，并说明匹配图如何区分二者。
    """),
    written("detectors_explained", 7, r"""
    Model answer. (a) A stabilizer's outcome is not deterministic by itself once it has been measured: after the first
    round it is a random ±1 for X-type checks on |0>_L, and after any earlier error it stays flipped in every later
    round. What is deterministic in the absence of errors is that the outcome repeats, so the parity of two
    consecutive outcomes is 0 without errors and an error shows up once, at the round where it happened. (b) Starting
    from |0...0>, the Z-type stabilizers already have the deterministic value +1, so their first-round outcomes are
    detectors by themselves (compared with the known initial value); the X-type outcomes are random in round 1 (the
    product state is not an X-stabilizer eigenstate), so they get detectors only from round 2 on. At the end, the data
    qubits are measured in Z and each Z-type stabilizer is recomputed from them for one final detector each. (c) A
    wrong ancilla result in round t flips that stabilizer's detectors in rounds t and t+1 (the same check, two
    consecutive times: a time-like edge). A data-qubit X error between rounds flips the Z-type checks next to it
    (two checks, or one at the boundary) in the same round, and they stay flipped, so only one round's detectors fire
    (a space-like edge, or an edge to the boundary). In the matching graph the first is an edge between the same
    check at two times, the second an edge between neighbouring checks at one time (or to the boundary); only
    space-like chains that cross the code can flip the logical observable.

    Rubric (7 points): (a) 2 points: outcomes of checks are random or stay flipped, the parity with the previous
    round is deterministic and localises an error in time. (b) 2 points: Z-type checks in round 1 (deterministic on
    |0>), X-type only from round 2; 1 point if the final data readout detectors are missing. (c) 3 points: 1 for each
    pattern (two rounds of one check / neighbouring checks in one round), 1 for how the graph encodes them (time-like
    and space-like edges) and which chains flip the observable.
    """),
    bi(r"""
    **Q3 (7 points, graded by your teacher).** The course's matching sweep (lesson 3) measured these logical error
    rates per experiment:

    | $p$ | $d = 3$ | $d = 5$ | $d = 7$ |
    |---|---|---|---|
    | 0.004 | 0.01145 | 0.0077 | 0.004175 |
    | 0.006 | 0.02374 | 0.0229 | 0.02072 |
    | 0.007 | 0.03258 | 0.03668 | 0.03418 |
    | 0.008 | 0.03928 | 0.05098 | 0.05184 |

    (a) Between which physical error rates does each pair of curves ($d = 3$/$5$ and $d = 5$/$7$) cross, and what do
    you give as the threshold? (b) Compute $\varepsilon_3/\varepsilon_5$ and $\varepsilon_5/\varepsilon_7$ at $p = 0.004$ and say
    what they mean for a $d = 9$ code. (c) About how many shots does it take to measure $\varepsilon_7 \approx 2.6 \times 10^{-4}$
    (at $p = 0.002$) with a 10 % relative standard error?
    """, r"""
    **Q3（7 分，由教师评分）。** 本课程的匹配扫描（第 3 课）测得如下每次实验的逻辑错误率：

    | $p$ | $d = 3$ | $d = 5$ | $d = 7$ |
    |---|---|---|---|
    | 0.004 | 0.01145 | 0.0077 | 0.004175 |
    | 0.006 | 0.02374 | 0.0229 | 0.02072 |
    | 0.007 | 0.03258 | 0.03668 | 0.03418 |
    | 0.008 | 0.03928 | 0.05098 | 0.05184 |

    (a) 每一对曲线（$d = 3$/$5$ 与 $d = 5$/$7$）分别在哪两个物理错误率之间相交？你给出的阈值是多少？(b) 计算 $p = 0.004$ 处的
    $\varepsilon_3/\varepsilon_5$ 与 $\varepsilon_5/\varepsilon_7$，并说明它们对 $d = 9$ 的码意味着什么。(c) 以 10 % 的相对标准误差测量
    $\varepsilon_7 \approx 2.6 \times 10^{-4}$（$p = 0.002$ 处）大约需要多少次 shot？
    """),
    written("threshold_table", 7, r"""
    Model answer. (a) d = 3 and 5 cross between p = 0.006 (d = 5 lower: 0.0229 < 0.02374) and 0.007 (d = 3 lower:
    0.03258 < 0.03668); d = 5 and 7 cross between 0.007 (d = 7 lower) and 0.008 (d = 5 lower). The crossing moves up
    with distance, so the threshold of this noise model and decoder is about 0.007 (0.0065–0.0075 per experiment),
    with the larger pair the better estimate. (b) 0.01145/0.0077 ≈ 1.5 and 0.0077/0.004175 ≈ 1.8. Each step of two in
    distance divides the logical error rate by this factor Λ; it grows with d here (small codes are not yet in the
    asymptotic regime), so d = 9 should give roughly 0.0042/1.8 ≈ 2.3e-3 or a little less. Further below threshold
    the factor is larger (the same sweep at p = 0.002: 0.00281/0.000955 ≈ 2.9): close to threshold distance buys little. (c) The relative standard error of a rate from
    k errors is about 1/√k, so 10 % needs about 100 errors: N ≈ 100 / 2.6e-4 ≈ 4e5 shots.

    Rubric (7 points): (a) 3 points: each crossing interval read correctly (1 each), a threshold near 0.007 with the
    drift noted (1). (b) 2 points: both ratios (1), the meaning as the suppression per distance step and the
    extrapolation (1). (c) 2 points: 1/√k or √(p(1-p)/N) (1), about 4e5 shots (1; accept 3e5–5e5).
    """),
    bi(r"""
    **Q4 (7 points, graded by your teacher).** On distance-3 samples with correlated pairs of errors, the course
    measured these logical error rates: neural network 0.01349; matching with the nominal (independent) model
    0.02163; matching with the true model 0.00806. On independent noise: neural network 0.01125, matching 0.00682.
    (a) By how many percent does the network lower the logical error rate compared with the nominal matcher?
    (b) A student writes "neural decoders beat matching". Is that what these numbers show? (c) Name two things a
    comparison of decoders must do to be trusted.
    """, r"""
    **Q4（7 分，由教师评分）。** 在含成对关联错误的码距 3 样本上，本课程测得如下逻辑错误率：神经网络 0.01349；用名义（独立）
    模型的匹配 0.02163；用真实模型的匹配 0.00806。在独立噪声上：神经网络 0.01125，匹配 0.00682。(a) 与名义模型的匹配器相比，
    神经网络把逻辑错误率降低了百分之多少？(b) 一位学生写道：“神经网络解码器胜过匹配解码器”。这些数字说明了这一点吗？
    (c) 说出可信的解码器比较必须做到的两件事。
    """),
    written("neural_claim", 7, r"""
    Model answer. (a) (0.02163 - 0.01349) / 0.02163 ≈ 0.376: about 38 % lower (not "half"). (b) No. The network beats
    a matcher whose model is wrong (it ignores the correlated pairs); matching with the true model (0.00806) beats the
    network, and on independent noise matching (0.00682) beats it too. What the numbers show is that a learned
    decoder can repair a mis-specified noise model, which matters on hardware whose noise is not known exactly.
    (c) Any two of: evaluate every decoder on the same held-out samples, never on training data (a paired
    comparison); report binomial error bars (√(p(1-p)/N)) and enough shots that the difference is several standard
    errors; compare with the strongest fair baseline (matching with the best available model, correlated matching);
    fix the seeds and the data-generation settings so that the result can be reproduced.

    Rubric (7 points): (a) 2 points for ≈ 38 % (1 point for the ratio 0.62 without the conclusion). (b) 3 points: no
    (1), the true-model matcher as the reason (1), the independent-noise numbers or what the result does show (a
    learned decoder repairs a wrong noise model) (1). (c) 2 points: 1 per sound criterion.
    """),
]

# ----------------------------------------------------------------------------------------------------------------
# Final, part B (the whole course): 33 points, 3 autograded, 30 written
# ----------------------------------------------------------------------------------------------------------------
BUGGY = """R 0 1 2 3 4
X_ERROR(0.01) 0 2 4
CX 0 1 2 3
CX 2 1 4 3
MR 1 3
DETECTOR rec[-2]
DETECTOR rec[-1]
X_ERROR(0.01) 0 2 4
CX 0 1 2 3
CX 2 1 4 3
MR 1 3
DETECTOR rec[-2] rec[-3]
DETECTOR rec[-1] rec[-3]
X_ERROR(0.01) 0 2 4
M 0 2 4
DETECTOR rec[-3] rec[-2] rec[-5]
DETECTOR rec[-2] rec[-1] rec[-4]
OBSERVABLE_INCLUDE(0) rec[-1]"""

FINAL = [
    bi(r"""
    # Final exam, part B: written paper

    The whole course, with the Stim circuits written by hand, thresholds and $\Lambda$, and the Decoder Cup. Answer every
    question in this notebook during the exam session. Q1 is graded automatically (visible tests run when you execute
    the cell below your answer; hidden tests check more when you submit). Q2–Q4 are written answers graded by your
    teacher: write in full sentences and show each calculation. Points: 33 (3 autograded, 30 written).
    """, r"""
    # 期末考试 B 卷：笔试

    全部课程内容，包括手写 Stim 线路、阈值与 $\Lambda$，以及解码器杯。请在考试时间内在本笔记本中回答全部题目。Q1 自动评分
    （运行答案下方的单元会执行可见测试；提交后隐藏测试会检查更多内容）。Q2–Q4 是由教师评分的书面作答：请用完整的句子回答，
    并写出每一步计算。总分：33 分（3 分自动评分，30 分书面作答）。
    """),
    locked("final_imports", """
    import math
    """),
    bi(r"""
    **Q1 (3 points).** Below threshold, assume a constant suppression factor, so the logical error per round at odd
    distance $d$ is $\varepsilon_d = \varepsilon_3\,\Lambda^{-(d-3)/2}$. Write `distance_for_budget(eps3, lam, target)`: return
    the pair `(d, qubits)` where $d$ is the smallest odd distance $\ge 3$ with $\varepsilon_d \le$ `target`, and `qubits`
    the number of physical qubits of a rotated surface-code patch of that distance ($d^2$ data qubits and $d^2 - 1$
    measurement qubits).
    """, r"""
    **Q1（3 分）。** 在阈值以下，假定错误抑制因子为常数，于是奇数码距 $d$ 的每轮逻辑错误率为 $\varepsilon_d = \varepsilon_3\,\Lambda^{-(d-3)/2}$。
    请编写 `distance_for_budget(eps3, lam, target)`：返回二元组 `(d, qubits)`，其中 $d$ 是满足 $\varepsilon_d \le$ `target` 的最小奇数
    码距（$\ge 3$），`qubits` 是该码距的旋转表面码块所需的物理量子比特数（$d^2$ 个数据比特和 $d^2 - 1$ 个测量比特）。
    """),
    answer("distance_for_budget", """
    def distance_for_budget(eps3, lam, target):
        ### BEGIN SOLUTION
        d = 3
        while eps3 * lam ** (-(d - 3) / 2) > target:
            d += 2
        return d, 2 * d * d - 1
        ### END SOLUTION
    """),
    tests("test_distance_for_budget", 3, """
    assert distance_for_budget(1e-3, 10.0, 2e-3) == (3, 17)
    assert distance_for_budget(1e-3, 10.0, 2e-4) == (5, 49)
    ### BEGIN HIDDEN TESTS
    def _ref(eps3, lam, target):
        d = 3
        while eps3 * lam ** (-(d - 3) / 2) > target:
            d += 2
        return d, 2 * d * d - 1

    for eps3 in (3e-3, 1e-2):
        for lam in (1.5, 2.14, 4.0):
            for target in (1e-6, 1e-9, 1e-12):
                got = distance_for_budget(eps3, lam, target)
                assert tuple(got) == _ref(eps3, lam, target), (eps3, lam, target, got)
    ### END HIDDEN TESTS
    """),
    bi(r"""
    **Q2 (10 points, graded by your teacher).** A student wrote this distance-3 repetition-code memory by hand (data
    qubits 0, 2, 4; measurement qubits 1, 3; two rounds, then the data are read out):

    ```
    """ + BUGGY.replace("\n", "\n    ") + r"""
    ```

    (a) Say what each detector of round 2 should compare, find the wrong line and write it correctly. (b) For an $X$
    error on qubit 0, and for one on qubit 4, in the first `X_ERROR` layer, list the detectors (and the observable)
    that the error flips in the buggy circuit and in the corrected one. (c) With PyMatching, both circuits give about
    the same logical error rate at this $p$. Why does that not show that the circuit is right, and which checks from
    unit 6 would have caught the bug?
    """, r"""
    **Q2（10 分，由教师评分）。** 一位学生手写了这个码距 3 的重复码存储实验（数据比特 0、2、4；测量比特 1、3；两轮，之后读出数据比特）：

    ```
    """ + BUGGY.replace("\n", "\n    ") + r"""
    ```

    (a) 说明第二轮的每个探测器应当比较什么，找出错误的那一行并写出正确的版本。(b) 对第一层 `X_ERROR` 中量子比特 0 上的 $X$ 错误，
    以及量子比特 4 上的 $X$ 错误，分别列出它们在有错误的线路和改正后的线路中翻转的探测器（以及可观测量）。(c) 用 PyMatching 译码时，
    两条线路在这个 $p$ 下给出的逻辑错误率大致相同。为什么这并不能说明线路是对的？第 6 单元中的哪些检验能发现这个错误？
    """),
    written("stim_bug", 10, r"""
    Model answer. (a) After the second `MR 1 3` the record ends with qubit 1 (round 2) = rec[-2], qubit 3 (round 2) =
    rec[-1], qubit 1 (round 1) = rec[-4], qubit 3 (round 1) = rec[-3]. Each detector compares one measurement qubit with
    itself one round earlier: rec[-2] with rec[-4], and rec[-1] with rec[-3]. The line `DETECTOR rec[-2] rec[-3]`
    compares qubit 1 with qubit 3's previous result; it must be `DETECTOR rec[-2] rec[-4]`. (b) Detectors in order
    D0, D1 (round 1), D2, D3 (round 2), D4, D5 (final). Qubit 0: corrected D0 only (the flip is seen once; round 2
    agrees with round 1; the final parity agrees with round 2); buggy D0 D2 (D2 now compares qubit 1's flipped result
    with qubit 3's unflipped one). Qubit 4: corrected D1 and L0; buggy D1 D2 L0, three symptoms for one error, which a
    repetition code never has. (Computed with `circuit.detector_error_model()`.) (c) The wrong detector is still
    deterministic without noise, so Stim accepts the circuit, and `decompose_errors=True` splits the three-detector
    error into graph edges; the decoder still finds the likely errors (in 200 000 shots at p = 0.01 both circuits
    gave 9.1e-4), so the logical error rate cannot see the mistake. Unit 6's checks would: compare the detector error
    model with the one of the generated circuit (`stim.Circuit.generated("repetition_code:memory", ...)`): a
    different list of errors; require every single error to flip at most two detectors; the graph-like distance
    (`shortest_graphlike_error`) and the number of detectors; and detector coordinates that name qubit and round.

    Rubric (10 points): (a) 3 points: record positions explained (1), the wrong line found (1), the fix (1). (b) 4
    points: 1 for each of the four detector sets (the observable included for qubit 4). (c) 3 points: why the rate
    does not show it (1), two of the unit 6 checks (1 each).
    """),
    bi(r"""
    **Q3 (10 points, graded by your teacher).** In unit 7's sweep (rotated surface code, $d$ rounds, stop at 500 errors
    or 200 000 shots) at $p = 0.003$: $d = 3$ gave 504 errors in 75 000 shots, $d = 5$ 515 errors in 150 000 shots,
    $d = 7$ 282 errors in 200 000 shots. The per-round rates are $\varepsilon_3 = 2.25 \times 10^{-3}$,
    $\varepsilon_5 = 6.89 \times 10^{-4}$, $\varepsilon_7 = 2.02 \times 10^{-4}$. (a) Compute $\Lambda_{3/5} = \varepsilon_3/\varepsilon_5$ and
    $\Lambda_{5/7}$ with their standard errors (take the relative standard error of each rate as $1/\sqrt{k}$ for $k$
    errors). (b) Is the difference between the two values significant? What does the answer mean for quoting one
    $\Lambda$? (c) Why did the $d = 7$ point stop before 500 errors, and how would you plan the sweep to halve its
    error bar?
    """, r"""
    **Q3（10 分，由教师评分）。** 在第 7 单元的扫描中（旋转表面码，$d$ 轮，在 500 次错误或 200 000 次 shot 处停止），$p = 0.003$ 时：
    $d = 3$ 在 75 000 次 shot 中出现 504 次错误，$d = 5$ 在 150 000 次 shot 中出现 515 次，$d = 7$ 在 200 000 次 shot 中出现 282 次。
    每轮错误率为 $\varepsilon_3 = 2.25 \times 10^{-3}$，$\varepsilon_5 = 6.89 \times 10^{-4}$，$\varepsilon_7 = 2.02 \times 10^{-4}$。
    (a) 计算 $\Lambda_{3/5} = \varepsilon_3/\varepsilon_5$ 与 $\Lambda_{5/7}$ 及其标准误差（每个错误率的相对标准误差取 $1/\sqrt{k}$，$k$ 为错误次数）。
    (b) 两个值之间的差异显著吗？这对只报告一个 $\Lambda$ 意味着什么？(c) 为什么 $d = 7$ 的点在不到 500 次错误时就停止了？
    你会如何规划扫描，使它的误差棒减半？
    """),
    written("lambda_error_bars", 10, r"""
    Model answer. (a) Λ_{3/5} = 2.25e-3 / 6.89e-4 ≈ 3.27; relative error √(1/504 + 1/515) ≈ 0.063, so σ ≈ 0.20:
    Λ_{3/5} = 3.27 ± 0.20. Λ_{5/7} = 6.89e-4 / 2.02e-4 ≈ 3.41; relative error √(1/515 + 1/282) ≈ 0.074, σ ≈ 0.25:
    Λ_{5/7} = 3.41 ± 0.25. (The course's numbers.json has 3.27 ± 0.20 and 3.41 ± 0.25.) (b) The difference 0.14 has a
    standard error √(0.20² + 0.25²) ≈ 0.32: less than half a standard error, not significant. At this p the data are
    consistent with one Λ ≈ 3.3, so quoting a single value (e.g. a weighted mean, or a fit of log ε against d) with
    its error bar is justified here; at lower p (0.002: 5.0 ± 0.4 and 6.4 ± 1.1) one should check the same way and
    not assume it. (c) It hit max_shots = 200 000 first: with ε_7 per round small, 200 000 shots gave only 282 errors.
    Halving the error bar needs four times the errors, about 1 100, i.e. about 800 000 shots at this rate; raise
    max_shots for the low-rate points (sinter's max_errors then stops each point at equal precision) or spend the
    shots where the error bar of Λ is dominated (the d = 7 point).

    Rubric (10 points): (a) 4 points: each Λ (1 each) and each standard error with the propagation shown (1 each;
    accept 1/√k or √(p(1-p)/N) variants within 10 %). (b) 3 points: the combined error (1), "not significant" (1),
    the consequence for quoting Λ (1). (c) 3 points: max_shots reached (1), four times the errors (1), about 8e5
    shots with a plan for where to spend them (1).
    """),
    bi(r"""
    **Q4 (10 points, graded by your teacher).** The Decoder Cup scores an entry on a private split of each task. For
    the task $d = 3$, $p = 0.001$, the baseline (PyMatching) makes 1 877 errors on the private split. (a) What is the
    relative standard error of the baseline's private error count, and what is the smallest improvement you could
    honestly claim from one submission? (b) Propose a decoder that does more than the baseline call (for example a
    pre-decoder that removes local errors before matching, or matching with corrected weights), and say why it could
    help on this noise. (c) Describe how you would validate it on your own samples before submitting, so that the
    private score holds no surprise.
    """, r"""
    **Q4（10 分，由教师评分）。** 解码器杯在每个任务的私有划分上为参赛作品评分。对于 $d = 3$、$p = 0.001$ 的任务，基线（PyMatching）
    在私有划分上出现 1 877 次错误。(a) 基线私有错误次数的相对标准误差是多少？仅凭一次提交，你能诚实地声称的最小改进是多少？
    (b) 提出一个不只是调用基线的解码器（例如在匹配之前消除局部错误的预解码器，或修正了权重的匹配），并说明它为什么可能在这种噪声上有帮助。
    (c) 描述你在提交之前如何用自己的样本验证它，使私有分数不会带来意外。
    """),
    written("cup_plan", 10, r"""
    Model answer. (a) 1/√1877 ≈ 0.023: about 2.3 %. A difference between two error counts on the same samples is
    better judged paired (count the shots where only one decoder fails), but from the private score alone an
    improvement below about two to three standard errors, i.e. 5–7 % fewer errors, cannot be told from luck.
    (b) Example: a pre-decoder that looks at each pair of detection events that are neighbours in space or time,
    removes the ones a single likely error explains (flipping the observable when that error does), and passes the
    rest to PyMatching; it is fast and, trained or tuned on circuit-level samples, can account for correlations
    (hook errors, Y errors as X-Z pairs) that independent edge weights miss. Alternatives: correlated matching
    (PyMatching's `enable_correlations`), belief-matching, or re-weighting edges from measured detection-event
    statistics. (c) Generate training and validation samples with the task's own circuit and seeds different from
    the ones the competition uses; tune only on the training set; on a held-out validation set of at least as many
    shots as the private split, compare with the baseline shot by shot (the number of shots where only one decoder
    fails and a sign or McNemar test), report the logical error rate with its binomial error bar, and check run time
    against the limit. Submit once the improvement is several standard errors on held-out data.

    Rubric (10 points): (a) 2 points: ≈ 2.3 % (1), the smallest credible improvement as a few standard errors (1).
    (b) 4 points: a concrete design beyond the baseline call (2), a physical reason it can help (1), a named risk or
    an alternative (1). (c) 4 points: held-out data from the same circuit (1), a paired comparison (1), error bars
    (1), no tuning on the evaluation data and a time check (1).
    """),
]


def main() -> None:
    save(ROOT / "assignments" / "exam-midterm-paper" / "exam-midterm-paper.ipynb", MIDTERM)
    save(ROOT / "assignments" / "exam-final-paper" / "exam-final-paper.ipynb", FINAL)


if __name__ == "__main__":
    main()
