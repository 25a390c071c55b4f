"""Write the practice notebooks and the nbgrader source assignments of the QEC course.

    .venv/bin/python content/qec-ai/tools/build_notebooks.py

The committed .ipynb files are this script's output: edit here, rerun, commit both.
"""

from __future__ import annotations

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

# ----------------------------------------------------------------------------------------------------------------
# Unit 1: repetition code
# ----------------------------------------------------------------------------------------------------------------
PRACTICE_1 = [
    md(r"""
    # Practice: simulating the repetition code

    Run each cell with **Shift+Enter**. Cells starting with `# Self-check` print ✓ when your result
    agrees with the physics of the lesson; if one fails, read its message and look again.
    """),
    md(r"""
    ## 1. Bit-flip noise

    `rng.random((shots, d)) < p` is a table of booleans: `True` where a bit flipped. Each entry is
    `True` with probability $p$, independently.
    """),
    code(r"""
    import numpy as np
    from math import comb

    rng = np.random.default_rng(seed=1)
    p, d, shots = 0.1, 3, 20_000
    flips = rng.random((shots, d)) < p
    print(flips[:5].astype(int))
    print("fraction of flipped bits:", flips.mean())
    """),
    code(r"""
    # Self-check: about a fraction p of all bits flipped (5 standard errors of tolerance)
    from liangzhi_checks.qec import assert_rate_close
    assert_rate_close(flips.mean(), p, shots * d, what="flip fraction")
    print("✓ bits flip with probability p")
    """),
    md(r"""
    ## 2. Majority vote

    We encode logical $0$ as $000$. After noise, the decoder outputs $1$ when more than half of the bits
    are $1$. A logical error is any shot where the vote gives $1$.
    """),
    code(r"""
    def majority(bits):
        return bits.sum(axis=1) > bits.shape[1] // 2

    def exact(p, d):
        return sum(comb(d, k) * p**k * (1 - p) ** (d - k) for k in range(d // 2 + 1, d + 1))

    simulated = majority(flips).mean()
    print(f"simulated p_L = {simulated:.4f},  formula 3p²(1-p)+p³ = {exact(p, 3):.4f}")
    """),
    code(r"""
    # Self-check: simulation agrees with the formula within 5 standard errors
    assert_rate_close(simulated, exact(p, 3), shots, what="p_L(d=3)")
    print("✓ p_L(d=3, p=0.1) ≈ 0.028")
    """),
    md(r"""
    ## 3. Longer codes, and the crossing at p = 1/2

    Repeat for $d = 1, 3, 5, 7$ over a range of $p$, and compare with the formula. Change `ps` to
    explore; the plot is interactive (hover to read values).
    """),
    code(r"""
    import plotly.graph_objects as go

    ps = np.linspace(0.02, 0.7, 18)
    fig = go.Figure()
    table = {}
    for d in (1, 3, 5, 7):
        sim = [majority(rng.random((shots, d)) < q).mean() for q in ps]
        table[d] = sim
        fig.add_scatter(x=ps, y=sim, mode="markers", name=f"d={d} simulated")
        fig.add_scatter(x=ps, y=[exact(q, d) for q in ps], mode="lines", name=f"d={d} formula")
    fig.update_layout(xaxis_title="p", yaxis_title="logical error rate", width=700, height=420)
    fig.show()
    """),
    code(r"""
    # Self-check: every simulated point within 5 standard errors of the formula,
    # longer codes better below p = 1/2 and worse above it.
    for d, sim in table.items():
        for q, r in zip(ps, sim):
            assert_rate_close(r, exact(q, d), shots, what=f"p_L(d={d}, p={q:.2f})")
    below, above = 0.1, 0.7
    assert exact(below, 7) < exact(below, 5) < exact(below, 3) < below
    assert exact(above, 7) > exact(above, 5) > exact(above, 3) > 0.5
    print("✓ simulation matches the formula; the curves cross at p = 1/2")
    """),
    md(r"""
    ## 4. The anchors of the lesson

    The lesson quotes $p_L(0.1) = 0.028,\ 0.00856,\ 0.00273$ for $d = 3, 5, 7$.
    """),
    code(r"""
    for d, anchor in ((3, 0.028), (5, 0.00856), (7, 0.00273)):
        print(d, round(exact(0.1, d), 5), anchor)
        assert abs(exact(0.1, d) - anchor) < 5e-6
    print("✓ anchors reproduced")
    """),
    md(r"""
    ## 5. The syndrome of the three-qubit code

    Instead of reading the bits, read the parities $(b_1 \oplus b_2, b_2 \oplus b_3)$. The table in the
    lesson turns each syndrome into a correction. Check that syndrome decoding is the same as majority voting.
    """),
    code(r"""
    syndrome = np.stack([flips[:, 0] ^ flips[:, 1], flips[:, 1] ^ flips[:, 2]], axis=1)
    correction_for = {(0, 0): -1, (1, 0): 0, (1, 1): 1, (0, 1): 2}   # which bit to flip back (-1: none)
    corrected = flips.copy()
    for i, s in enumerate(map(tuple, syndrome.astype(int))):
        if correction_for[s] >= 0:
            corrected[i, correction_for[s]] ^= True
    # After correction all three bits agree; the logical value is any one of them
    assert (corrected[:, 0] == corrected[:, 1]).all() and (corrected[:, 1] == corrected[:, 2]).all()
    # Self-check: same logical errors as the majority vote
    assert (corrected[:, 0] == majority(flips)).all()
    print("✓ syndrome decoding = majority voting for d = 3")
    """),
]

A1 = [
    md(r"""
    # Assignment: majority voting and logical error rates

    Fill in every cell that says `YOUR CODE HERE` (delete the `raise NotImplementedError()` line).
    Visible tests run when you execute the cell below your answer; hidden tests check more when you
    submit. Use only `numpy` and the standard library. Points: 13 (10 autograded, 3 written).
    """),
    locked("rep_imports", r"""
    import numpy as np
    from math import comb
    from liangzhi_checks.qec import assert_rate_close
    """),
    md(r"""
    **Q1 (3 points).** Write `majority_vote(bits)`. `bits` is a 2-D numpy array of 0/1 (or booleans)
    with shape `(shots, d)`, `d` odd. Return a 1-D boolean array of length `shots`: `True` where more
    than half of the row's bits are 1.
    """),
    answer("majority_vote", r"""
    def majority_vote(bits):
        ### BEGIN SOLUTION
        bits = np.asarray(bits).astype(int)
        return bits.sum(axis=1) > bits.shape[1] // 2
        ### END SOLUTION
    """),
    tests("test_majority_vote", 3, r"""
    out = majority_vote(np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [1, 1, 1]]))
    assert out.shape == (4,), out.shape
    assert list(map(bool, out)) == [False, False, True, True], out
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(5)
    for d in (1, 3, 5, 7):
        bits = rng.integers(0, 2, size=(500, d))
        expected = bits.sum(axis=1) > d // 2
        assert (np.asarray(majority_vote(bits)).astype(bool) == expected).all(), d
        assert (np.asarray(majority_vote(bits.astype(bool))).astype(bool) == expected).all(), d
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q2 (3 points).** Write `logical_error_rate_exact(p, d)`: the exact probability that majority voting
    fails for the distance-`d` repetition code under independent bit flips with probability `p`
    (the binomial sum of the lesson).
    """),
    answer("exact_rate", r"""
    def logical_error_rate_exact(p, d):
        ### BEGIN SOLUTION
        return sum(comb(d, k) * p**k * (1 - p) ** (d - k) for k in range(d // 2 + 1, d + 1))
        ### END SOLUTION
    """),
    tests("test_exact_rate", 3, r"""
    assert abs(logical_error_rate_exact(0.1, 3) - 0.028) < 1e-9
    assert abs(logical_error_rate_exact(0.1, 1) - 0.1) < 1e-9
    ### BEGIN HIDDEN TESTS
    assert abs(logical_error_rate_exact(0.1, 5) - 0.00856) < 1e-9
    assert abs(logical_error_rate_exact(0.1, 7) - 0.002728) < 1e-9
    assert abs(logical_error_rate_exact(0.5, 9) - 0.5) < 1e-9
    for p in (0.01, 0.2, 0.35):
        assert abs(logical_error_rate_exact(p, 5) + logical_error_rate_exact(1 - p, 5) - 1) < 1e-9
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q3 (4 points).** Write `simulate_logical_error_rate(p, d, shots, seed)`: draw `shots` independent
    shots of `d` bits with `np.random.default_rng(seed)`, each bit flipped with probability `p`, decode each
    shot with `majority_vote` and return the fraction of shots decoded wrongly (logical $0$ was sent).
    """),
    answer("simulate", r"""
    def simulate_logical_error_rate(p, d, shots, seed):
        ### BEGIN SOLUTION
        rng = np.random.default_rng(seed)
        flips = rng.random((shots, d)) < p
        return float(np.mean(majority_vote(flips)))
        ### END SOLUTION
    """),
    tests("test_simulate", 4, r"""
    r = simulate_logical_error_rate(0.1, 3, 20_000, seed=1)
    assert_rate_close(r, 0.028, 20_000, what="p_L(d=3, p=0.1)")
    ### BEGIN HIDDEN TESTS
    for p, d, seed in ((0.2, 5, 7), (0.05, 7, 8), (0.3, 1, 9)):
        r = simulate_logical_error_rate(p, d, 20_000, seed=seed)
        exact = sum(comb(d, k) * p**k * (1 - p) ** (d - k) for k in range(d // 2 + 1, d + 1))
        assert_rate_close(r, exact, 20_000, what=f"p_L(d={d}, p={p})")
    assert simulate_logical_error_rate(0.2, 3, 1000, seed=3) == simulate_logical_error_rate(0.2, 3, 1000, seed=3)
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q4 (3 points, graded by your teacher).** In two to four sentences: why does a longer repetition
    code lower the logical error rate when $p < 1/2$ but raise it when $p > 1/2$? Then say what is still
    missing for a *quantum* memory, which must also survive phase flips and cannot simply read its qubits.
    """),
    written("why_threshold", 3, r"""
    Majority voting fails only when more than half of the d bits flip. For p < 1/2 a flip is less likely than no flip,
    so needing more flips (⌈d/2⌉ of them) makes failure rarer: p_L ~ C(d, (d+1)/2) p^((d+1)/2) falls with d. For p > 1/2
    the majority of bits is typically wrong, so adding bits makes the wrong majority more certain; at p = 1/2 the bits
    carry no information and p_L = 1/2 for every d (the crossing). A quantum memory must also correct phase (Z)
    errors, which a bit-flip repetition code cannot see, and it must learn about errors without measuring the data
    qubits: it measures parities (stabilizers) with extra qubits, whose measurements are themselves noisy.
    """),
]

# ----------------------------------------------------------------------------------------------------------------
# Unit 2: surface code with Stim
# ----------------------------------------------------------------------------------------------------------------
PRACTICE_2 = [
    md(r"""
    # Practice: a rotated surface-code memory in Stim

    We build the circuit of the lesson, count its parts, sample it, and read its detector error model.
    """),
    code(r"""
    import numpy as np
    import stim

    def memory_circuit(d, p):
        return stim.Circuit.generated(
            "surface_code:rotated_memory_z", distance=d, rounds=d,
            after_clifford_depolarization=p, before_round_data_depolarization=p,
            before_measure_flip_probability=p, after_reset_flip_probability=p)

    circuit = memory_circuit(3, 0.001)
    print(circuit.num_qubits, "qubits,", circuit.num_detectors, "detectors,", circuit.num_observables, "observable")
    """),
    md(r"""
    Stim numbers qubits by position on a grid and leaves gaps, so `num_qubits` counts the largest index + 1.
    The qubits actually used are those with coordinates:
    """),
    code(r"""
    used = circuit.get_final_qubit_coordinates()
    data = [q for q, (x, y) in used.items() if x % 2 == 1 and y % 2 == 1]
    print(len(used), "qubits used, of which", len(data), "data qubits")
    # Self-check: 2d²-1 qubits, d² data qubits, (d²-1)·d detectors for rounds = d
    for d in (3, 5, 7):
        c = memory_circuit(d, 0.001)
        coords = c.get_final_qubit_coordinates()
        assert len(coords) == 2 * d * d - 1
        assert sum(1 for x, y in coords.values() if x % 2 == 1 and y % 2 == 1) == d * d
        assert c.num_detectors == (d * d - 1) * d
    print("✓ 2d²-1 qubits, d² of them data, (d²-1)d detectors for d = 3, 5, 7")
    """),
    md(r"""
    ## Detectors are quiet without noise

    `circuit.without_noise()` removes every noise channel. A detector is, by definition, a parity that is
    always 0 in the noiseless circuit.
    """),
    code(r"""
    quiet, flips = circuit.without_noise().compile_detector_sampler(seed=1).sample(1000, separate_observables=True)
    # Self-check: no detection events and no observable flips without noise
    assert not quiet.any() and not flips.any()
    print("✓ the noiseless circuit never fires a detector")
    """),
    md(r"""
    ## With noise

    Sample 20 000 shots at $p = 0.001$ and look at how often detectors fire, per shot and per detector.
    """),
    code(r"""
    det, obs = circuit.compile_detector_sampler(seed=2).sample(20_000, separate_observables=True)
    print("detection events per shot (mean):", det.sum(axis=1).mean())
    print("fraction of detectors firing:", det.mean())
    print("raw observable flip rate (no decoding):", obs.mean())
    """),
    code(r"""
    # Self-check: the DEM predicts each detector's firing probability. For one detector, the probability
    # that an odd number of the independent mechanisms touching it fire is (1 - prod(1 - 2 p_e)) / 2.
    dem = circuit.detector_error_model(decompose_errors=True)
    prob = np.zeros(circuit.num_detectors)
    keep = np.ones(circuit.num_detectors)
    for inst in dem.flattened():
        if inst.type == "error":
            pe = inst.args_copy()[0]
            for t in inst.targets_copy():
                if t.is_relative_detector_id():
                    keep[t.val] *= 1 - 2 * pe
    prob = (1 - keep) / 2
    print("predicted fraction:", prob.mean(), " measured:", det.mean())
    sigma = np.sqrt(prob.mean() * (1 - prob.mean()) / 20_000)   # at least this uncertain
    assert abs(det.mean() - prob.mean()) < 5 * sigma, (det.mean(), prob.mean())
    print("✓ the detector error model predicts the detection-event rate")
    """),
    md(r"""
    ## Reading the detector error model

    Print the first lines. Each `error(probability) D.. L0` is one independent mechanism.
    """),
    code(r"""
    errors = [inst for inst in dem.flattened() if inst.type == "error"]
    print(len(errors), "error mechanisms; the first few:")
    for inst in errors[:6]:
        print(" ", inst)
    flips_observable = sum(any(t.is_logical_observable_id() for t in inst.targets_copy()) for inst in errors)
    print(flips_observable, "of them flip the logical observable")
    """),
    md(r"""
    ## The circuit's distance

    `shortest_graphlike_error()` finds the fewest mechanisms that flip the observable while leaving every
    detector quiet: an undetectable logical error.
    """),
    code(r"""
    for d in (3, 5):
        print(d, len(memory_circuit(d, 0.001).shortest_graphlike_error()))
        # Self-check: the effective distance equals d
        assert len(memory_circuit(d, 0.001).shortest_graphlike_error()) == d
    print("✓ distance-d circuits have effective distance d")
    """),
]

A2 = [
    md(r"""
    # Assignment: detectors and the detector error model

    Use `stim` and `numpy`. Points: 10, all autograded.
    """),
    locked("sc_imports", r"""
    import numpy as np
    import stim
    """),
    md(r"""
    **Q1 (3 points).** Write `make_memory_circuit(d, p)`: Stim's `"surface_code:rotated_memory_z"` circuit of
    distance `d` with `rounds = d`, and all four noise parameters of the lesson equal to `p`.
    """),
    answer("make_memory_circuit", r"""
    def make_memory_circuit(d, p):
        ### BEGIN SOLUTION
        return stim.Circuit.generated(
            "surface_code:rotated_memory_z", distance=d, rounds=d,
            after_clifford_depolarization=p, before_round_data_depolarization=p,
            before_measure_flip_probability=p, after_reset_flip_probability=p)
        ### END SOLUTION
    """),
    tests("test_make_memory_circuit", 3, r"""
    c = make_memory_circuit(3, 0.002)
    assert isinstance(c, stim.Circuit)
    assert c.num_detectors == 24, c.num_detectors
    assert c.num_observables == 1
    ### BEGIN HIDDEN TESTS
    for d, p in ((5, 0.001), (3, 0.004)):
        ref = stim.Circuit.generated(
            "surface_code:rotated_memory_z", distance=d, rounds=d,
            after_clifford_depolarization=p, before_round_data_depolarization=p,
            before_measure_flip_probability=p, after_reset_flip_probability=p)
        mine = make_memory_circuit(d, p)
        assert mine.num_detectors == ref.num_detectors
        assert mine.detector_error_model().approx_equals(ref.detector_error_model(), atol=1e-12), "noise model differs"
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q2 (3 points).** Write `detection_event_fraction(circuit, shots, seed)`: sample `shots` shots with
    `circuit.compile_detector_sampler(seed=seed)` and return the fraction of all (shot, detector) entries
    that are detection events, as a float.
    """),
    answer("detection_fraction", r"""
    def detection_event_fraction(circuit, shots, seed):
        ### BEGIN SOLUTION
        det = circuit.compile_detector_sampler(seed=seed).sample(shots)
        return float(det.mean())
        ### END SOLUTION
    """),
    tests("test_detection_fraction", 3, r"""
    c = stim.Circuit.generated("surface_code:rotated_memory_z", distance=3, rounds=3,
                               after_clifford_depolarization=0.003, before_round_data_depolarization=0.003,
                               before_measure_flip_probability=0.003, after_reset_flip_probability=0.003)
    f = detection_event_fraction(c, 5000, seed=1)
    assert isinstance(f, float)
    assert 0.0 < f < 0.2, f
    assert detection_event_fraction(c.without_noise(), 100, seed=1) == 0.0
    ### BEGIN HIDDEN TESTS
    ref = c.compile_detector_sampler(seed=12345).sample(50_000).mean()
    sigma = np.sqrt(ref * (1 - ref) / 5000)   # per-detector standard error; the average is no noisier
    assert abs(detection_event_fraction(c, 5000, seed=99) - ref) < 5 * sigma
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q3 (4 points).** Write two functions.
    `count_error_mechanisms(circuit)` returns the number of `error` instructions in the circuit's detector
    error model (use `decompose_errors=True` and `.flattened()`).
    `effective_distance(circuit)` returns the number of error mechanisms in the shortest undetectable logical
    error (`shortest_graphlike_error`).
    """),
    answer("dem_functions", r"""
    def count_error_mechanisms(circuit):
        ### BEGIN SOLUTION
        dem = circuit.detector_error_model(decompose_errors=True)
        return sum(1 for inst in dem.flattened() if inst.type == "error")
        ### END SOLUTION

    def effective_distance(circuit):
        ### BEGIN SOLUTION
        return len(circuit.shortest_graphlike_error())
        ### END SOLUTION
    """),
    tests("test_dem_functions", 4, r"""
    c3 = make_memory_circuit(3, 0.001)
    assert effective_distance(c3) == 3
    n = count_error_mechanisms(c3)
    assert isinstance(n, int) and n > 0
    ### BEGIN HIDDEN TESTS
    assert effective_distance(make_memory_circuit(5, 0.001)) == 5
    ref = sum(1 for inst in c3.detector_error_model(decompose_errors=True).flattened() if inst.type == "error")
    assert n == ref, (n, ref)
    c5 = stim.Circuit.generated("surface_code:rotated_memory_z", distance=5, rounds=5, after_clifford_depolarization=0.001)
    ref5 = sum(1 for inst in c5.detector_error_model(decompose_errors=True).flattened() if inst.type == "error")
    assert count_error_mechanisms(c5) == ref5
    ### END HIDDEN TESTS
    """),
]

# ----------------------------------------------------------------------------------------------------------------
# Unit 3: matching and the threshold
# ----------------------------------------------------------------------------------------------------------------
PRACTICE_3 = [
    md(r"""
    # Practice: a threshold plot with PyMatching and plotly

    We decode surface-code memories with PyMatching at distances 3, 5 and 7 and look for the threshold.
    The shot counts are small so that this runs in seconds; the lesson's figure used ten times more.
    """),
    code(r"""
    import numpy as np
    import pymatching
    import stim
    from liangzhi_checks.qec import assert_rate_close, surface_code_circuit

    def logical_error_rate(d, p, shots, seed):
        circuit = surface_code_circuit(d, p)          # all four noise parameters = p, rounds = d
        matcher = pymatching.Matching.from_detector_error_model(circuit.detector_error_model(decompose_errors=True))
        det, obs = circuit.compile_detector_sampler(seed=seed).sample(shots, separate_observables=True)
        pred = matcher.decode_batch(det)
        return float(np.mean(pred[:, 0] != obs[:, 0]))

    print(logical_error_rate(3, 0.003, 20_000, seed=1))
    """),
    md(r"""
    ## The anchors of the lesson

    The lesson's table (200 000 shots per point) gives, at $p = 0.003$: $6.6\times10^{-3}$, $3.3\times10^{-3}$,
    $1.5\times10^{-3}$ for $d = 3, 5, 7$. We reproduce them within statistical error with 40 000 shots.
    """),
    code(r"""
    anchors = {3: 0.00656, 5: 0.003265, 7: 0.00147}
    measured = {d: logical_error_rate(d, 0.003, 40_000, seed=10 + d) for d in anchors}
    for d in anchors:
        print(f"d={d}: measured {measured[d]:.5f}   lesson {anchors[d]:.5f}")
        # Self-check: within 5 standard errors of the lesson's value
        assert_rate_close(measured[d], anchors[d], 40_000, what=f"p_L(d={d}, p=0.003)")
    # Self-check: below threshold, larger distance is better
    assert measured[7] < measured[5] < measured[3]
    print("✓ anchors reproduced; p_L falls with distance at p = 0.003")
    """),
    md(r"""
    ## The low-noise anchor, p = 0.001

    The lesson gives $8.0\times10^{-4}$ ($d=3$) and $1.2\times10^{-4}$ ($d=5$) from $10^6$ shots. Errors are rare
    here, so we need more shots — still well under a second, because most shots have no detection event at all.
    """),
    code(r"""
    low3 = logical_error_rate(3, 0.001, 100_000, seed=21)
    low5 = logical_error_rate(5, 0.001, 300_000, seed=22)
    print(f"p = 0.001: d=3 {low3:.2e} (lesson 8.0e-4), d=5 {low5:.2e} (lesson 1.2e-4)")
    # Self-check: both within 5 standard errors of the lesson, and d = 5 several times better than d = 3
    assert_rate_close(low3, 0.000802, 100_000, what="p_L(d=3, p=0.001)")
    assert_rate_close(low5, 0.00012, 300_000, what="p_L(d=5, p=0.001)")
    assert low5 < low3 / 2
    print("✓ at p = 0.001 the distance-5 code is about 7 times better than distance 3")
    """),
    md(r"""
    ## The crossing

    Sweep $p$ from 0.003 to 0.012. Above threshold the order reverses.
    """),
    code(r"""
    ps = [0.003, 0.005, 0.007, 0.009, 0.012]
    rates = {d: [logical_error_rate(d, p, 8_000, seed=100 * d + i) for i, p in enumerate(ps)] for d in (3, 5, 7)}
    for d in rates:
        print(d, [f"{r:.4f}" for r in rates[d]])
    """),
    code(r"""
    import plotly.graph_objects as go

    fig = go.Figure()
    for d, r in rates.items():
        err = [np.sqrt(max(x, 1e-4) * (1 - x) / 8_000) for x in r]
        fig.add_scatter(x=ps, y=r, error_y=dict(array=err), mode="lines+markers", name=f"d = {d}")
    fig.update_layout(xaxis_type="log", yaxis_type="log", xaxis_title="physical error rate p",
                      yaxis_title="logical error rate", width=700, height=450)
    fig.show()
    """),
    code(r"""
    def crossing(ps, small, large):
        # log-log interpolation of the first sign change of log(large) - log(small)
        diff = np.log(large) - np.log(small)
        for i in range(len(ps) - 1):
            if diff[i] < 0 <= diff[i + 1]:
                t = -diff[i] / (diff[i + 1] - diff[i])
                return float(np.exp(np.log(ps[i]) + t * (np.log(ps[i + 1]) - np.log(ps[i]))))
        return None

    p_35 = crossing(ps, rates[3], rates[5])
    p_57 = crossing(ps, rates[5], rates[7])
    print("crossing d=3/5:", p_35, " crossing d=5/7:", p_57)
    # Self-check: the order reverses above threshold, and the crossings lie between 0.5 % and 1 %
    assert rates[7][-1] > rates[5][-1] > rates[3][-1]
    assert 0.005 < p_35 < 0.010 and 0.005 < p_57 < 0.010
    print("✓ threshold near 0.7 %, as in the lesson")
    """),
]

A3 = [
    md(r"""
    # Assignment: logical error rates and the threshold crossing

    Use `stim`, `pymatching`, `numpy` and `plotly`. Points: 12, all autograded. Keep shot counts as given:
    the whole notebook should run in well under a minute.
    """),
    locked("m_imports", r"""
    import numpy as np
    import plotly.graph_objects as go
    import pymatching
    import stim
    from liangzhi_checks.qec import assert_rate_close, surface_code_circuit
    # surface_code_circuit(d, p) is the rotated_memory_z circuit of the lessons (rounds = d, all noise = p).
    """),
    md(r"""
    **Q1 (4 points).** Write `matching_logical_error_rate(d, p, shots, seed)`: build `surface_code_circuit(d, p)`,
    build a PyMatching decoder from its detector error model, sample `shots` shots with
    `compile_detector_sampler(seed=seed)`, decode them and return the fraction of shots whose prediction is wrong.
    """),
    answer("matching_rate", r"""
    def matching_logical_error_rate(d, p, shots, seed):
        ### BEGIN SOLUTION
        circuit = surface_code_circuit(d, p)
        matcher = pymatching.Matching.from_detector_error_model(circuit.detector_error_model(decompose_errors=True))
        det, obs = circuit.compile_detector_sampler(seed=seed).sample(shots, separate_observables=True)
        return float(np.mean(matcher.decode_batch(det)[:, 0] != obs[:, 0]))
        ### END SOLUTION
    """),
    tests("test_matching_rate", 4, r"""
    r = matching_logical_error_rate(3, 0.003, 20_000, seed=1)
    assert_rate_close(r, 0.00656, 20_000, what="p_L(d=3, p=0.003)")   # the lesson's anchor
    ### BEGIN HIDDEN TESTS
    assert_rate_close(matching_logical_error_rate(5, 0.005, 20_000, seed=2), 0.01438, 20_000, what="p_L(d=5, p=0.005)")
    assert_rate_close(matching_logical_error_rate(3, 0.01, 10_000, seed=3), 0.05936, 10_000, what="p_L(d=3, p=0.01)")
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q2 (4 points).** Write `crossing_point(ps, rates_small, rates_large)`. The lists hold logical error rates of a
    smaller and a larger code at the increasing physical error rates `ps`. Return the first $p$ where
    `rates_large` stops being below `rates_small`, found by linear interpolation of
    $\log r_{\mathrm{large}} - \log r_{\mathrm{small}}$ against $\log p$ between the two grid points around the
    sign change. Return `None` if there is no sign change.
    """),
    answer("crossing", r"""
    def crossing_point(ps, rates_small, rates_large):
        ### BEGIN SOLUTION
        diff = np.log(np.asarray(rates_large, float)) - np.log(np.asarray(rates_small, float))
        lp = np.log(np.asarray(ps, float))
        for i in range(len(ps) - 1):
            if diff[i] < 0 <= diff[i + 1]:
                t = -diff[i] / (diff[i + 1] - diff[i])
                return float(np.exp(lp[i] + t * (lp[i + 1] - lp[i])))
        return None
        ### END SOLUTION
    """),
    tests("test_crossing", 4, r"""
    # Synthetic curves r = (p / 0.01)^k / 10 cross exactly at p = 0.01
    ps = [0.002, 0.005, 0.02, 0.05]
    small = [(p / 0.01) ** 2 / 10 for p in ps]
    large = [(p / 0.01) ** 3 / 10 for p in ps]
    assert abs(crossing_point(ps, small, large) - 0.01) < 1e-9
    assert crossing_point(ps, large, small) is None
    ### BEGIN HIDDEN TESTS
    # the lesson's table: d = 3 vs 5 crosses between 0.006 and 0.007
    ps = [0.005, 0.006, 0.007, 0.008]
    x = crossing_point(ps, [0.01696, 0.02374, 0.03258, 0.03928], [0.01438, 0.0229, 0.03668, 0.05098])
    assert 0.006 < x < 0.007, x
    ps = [1e-3, 2e-3, 4e-3, 8e-3]
    assert abs(crossing_point(ps, [1, 2, 4, 8], [0.5, 1, 8, 16]) - np.exp(np.log(2e-3) + 0.5 * np.log(2))) < 1e-12
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q3 (4 points).** Write `threshold_figure(ps, rates)` where `rates` maps a distance `d` to the list of
    logical error rates at `ps`. Return a plotly `go.Figure` with one line-and-marker trace per distance,
    named `"d = 3"` etc., both axes logarithmic, and axis titles. Then run the sweep cell below it.
    """),
    answer("figure", r"""
    def threshold_figure(ps, rates):
        ### BEGIN SOLUTION
        fig = go.Figure()
        for d, r in sorted(rates.items()):
            fig.add_scatter(x=list(ps), y=list(r), mode="lines+markers", name=f"d = {d}")
        fig.update_layout(xaxis_type="log", yaxis_type="log",
                          xaxis_title="physical error rate p", yaxis_title="logical error rate")
        return fig
        ### END SOLUTION
    """),
    tests("test_figure", 4, r"""
    ps = [0.004, 0.012]
    rates = {d: [matching_logical_error_rate(d, p, 6_000, seed=10 * d + i) for i, p in enumerate(ps)] for d in (3, 5, 7)}
    fig = threshold_figure(ps, rates)
    assert isinstance(fig, go.Figure)
    assert sorted(t.name for t in fig.data) == ["d = 3", "d = 5", "d = 7"]
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    ### BEGIN HIDDEN TESTS
    by_name = {t.name: list(t.y) for t in fig.data}
    assert all(len(v) == 2 for v in by_name.values())
    # below threshold the larger code is better, above it worse (6 000 shots separate these clearly)
    assert by_name["d = 7"][0] < by_name["d = 3"][0]
    assert by_name["d = 7"][1] > by_name["d = 5"][1] > by_name["d = 3"][1]
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    ### END HIDDEN TESTS
    """),
]

# ----------------------------------------------------------------------------------------------------------------
# Unit 4: neural decoders
# ----------------------------------------------------------------------------------------------------------------
PRACTICE_4 = [
    md(r"""
    # Practice: a neural decoder versus matching

    Distance 3, $p = 0.003$, 100 000 training shots, a network with two hidden layers of 64 units, three epochs.
    Everything is seeded, so your numbers match the lesson's table within statistical error.
    """),
    code(r"""
    import numpy as np
    import torch
    from liangzhi_checks.qec import add_correlated_pairs, logical_error_rate, matching_decoder, surface_code_circuit

    torch.set_num_threads(1)
    nominal = surface_code_circuit(3, 0.003)
    print(nominal.num_detectors, "detectors per shot")
    """),
    code(r"""
    def train_decoder(circuit, shots=100_000, epochs=3, seed=0):
        x, y = circuit.compile_detector_sampler(seed=seed + 1).sample(shots, separate_observables=True)
        x = torch.tensor(x, dtype=torch.float32)
        y = torch.tensor(y, dtype=torch.float32)
        torch.manual_seed(seed)
        net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 64), torch.nn.ReLU(),
                                  torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
        opt = torch.optim.Adam(net.parameters(), lr=3e-3)
        for epoch in range(epochs):
            order = torch.randperm(len(x), generator=torch.Generator().manual_seed(epoch))
            for i in range(0, len(x), 256):
                idx = order[i:i + 256]
                loss = torch.nn.functional.binary_cross_entropy_with_logits(net(x[idx]), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        return net

    def compare(true_circuit, net, shots=100_000):
        x, y = true_circuit.compile_detector_sampler(seed=2).sample(shots, separate_observables=True)
        with torch.no_grad():
            nn_pred = (net(torch.tensor(x, dtype=torch.float32)) > 0).numpy()
        return {
            "neural network": logical_error_rate(nn_pred, y),
            "matching (nominal model)": logical_error_rate(matching_decoder(nominal)(x), y),
            "matching (true model)": logical_error_rate(matching_decoder(true_circuit)(x), y),
        }
    """),
    md(r"""
    ## Independent noise

    The network is trained on samples of the nominal circuit and tested on fresh ones.
    """),
    code(r"""
    independent = compare(nominal, train_decoder(nominal))
    for k, v in independent.items():
        print(f"{k:28s} {v:.4f}")
    """),
    code(r"""
    # Self-check: matching beats this small network when the model is right, and the network learned something
    sigma = np.sqrt(2 * 0.01 / 100_000)
    assert independent["matching (nominal model)"] < independent["neural network"] - 2 * sigma
    assert independent["neural network"] < 0.03          # far better than guessing "no flip" (raw flip rate 0.066, tools/make_figures.py)
    print("✓ with independent noise, matching wins")
    """),
    md(r"""
    ## Correlated pairs (crosstalk)

    Now the true circuit also has joint $X\otimes X$ errors on horizontally adjacent data qubits, probability
    $p_c = 0.02$ per pair per round. The matcher still uses the nominal model.
    """),
    code(r"""
    correlated = add_correlated_pairs(nominal, 0.02)
    corr = compare(correlated, train_decoder(correlated))
    for k, v in corr.items():
        print(f"{k:28s} {v:.4f}")
    """),
    code(r"""
    # Self-check: the network beats the mis-specified matcher clearly, but matching with the true model wins
    assert corr["neural network"] < corr["matching (nominal model)"] - 5 * sigma
    assert corr["matching (true model)"] < corr["neural network"]
    print("✓ learning helps when the matcher's model is wrong; knowing the true model helps more")
    """),
    md(r"""
    ## Try it

    - Train for more epochs or on 300 000 shots: how close does the network get to matching under independent noise?
    - Increase $p_c$ to 0.04: what happens to each decoder?
    """),
]

A4 = [
    md(r"""
    # Assignment: train a decoder that beats a mis-specified matcher

    The samples come from a distance-3 memory with $p = 0.003$ **plus** correlated pair errors ($p_c = 0.02$),
    which the matcher below does not know about. Train a PyTorch network that beats it on the same test shots.
    Points: 12 (10 autograded, 2 written). The notebook must run in under a minute: keep the sizes given.
    """),
    locked("nd_setup", r"""
    import numpy as np
    import torch
    from liangzhi_checks.qec import add_correlated_pairs, logical_error_rate, matching_decoder, surface_code_circuit

    torch.set_num_threads(1)
    NOMINAL = surface_code_circuit(3, 0.003)
    TRUE = add_correlated_pairs(NOMINAL, 0.02)
    """),
    md(r"""
    **Q1 (2 points).** Write `make_dataset(circuit, shots, seed)`: sample `shots` shots of **detection events and
    observable flips** with `circuit.compile_detector_sampler(seed=seed)` and return `(x, y)` as float32 torch
    tensors of shapes `(shots, num_detectors)` and `(shots, 1)`.
    """),
    answer("make_dataset", r"""
    def make_dataset(circuit, shots, seed):
        ### BEGIN SOLUTION
        det, obs = circuit.compile_detector_sampler(seed=seed).sample(shots, separate_observables=True)
        return torch.tensor(det, dtype=torch.float32), torch.tensor(obs, dtype=torch.float32)
        ### END SOLUTION
    """),
    tests("test_make_dataset", 2, r"""
    x, y = make_dataset(TRUE, 1000, seed=3)
    assert x.shape == (1000, 24) and y.shape == (1000, 1), (x.shape, y.shape)
    assert x.dtype == torch.float32 and y.dtype == torch.float32
    ### BEGIN HIDDEN TESTS
    det, obs = TRUE.compile_detector_sampler(seed=3).sample(1000, separate_observables=True)
    assert (x.numpy() == det).all() and (y.numpy() == obs).all(), "not the detector sampler's output for this seed"
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q2 (2 points).** Write `make_model(n_inputs)`: a `torch.nn.Module` mapping a batch `(n, n_inputs)` to logits
    `(n, 1)`, with at most 20 000 parameters (two hidden layers of 64 units are plenty).
    """),
    answer("make_model", r"""
    def make_model(n_inputs):
        ### BEGIN SOLUTION
        return torch.nn.Sequential(torch.nn.Linear(n_inputs, 64), torch.nn.ReLU(),
                                   torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
        ### END SOLUTION
    """),
    untrusted(tests("test_make_model", 2, r"""
    torch.manual_seed(0)
    m = make_model(24)
    assert isinstance(m, torch.nn.Module)
    assert m(torch.zeros(5, 24)).shape == (5, 1)
    ### BEGIN HIDDEN TESTS
    assert sum(p.numel() for p in m.parameters()) <= 20_000
    assert make_model(8)(torch.zeros(2, 8)).shape == (2, 1)
    ### END HIDDEN TESTS
    """)),
    md(r"""
    **Q3 (6 points).** Write `train(model, x, y, seed)`: train `model` in place with binary cross-entropy on logits
    (`torch.nn.functional.binary_cross_entropy_with_logits`), Adam, mini-batches, at most 3 epochs, and return it.
    Seed everything from `seed`. The test trains on 100 000 shots and compares with the nominal matcher on
    100 000 fresh shots: your network must beat it by a clear margin.
    """),
    answer("train", r"""
    def train(model, x, y, seed):
        ### BEGIN SOLUTION
        torch.manual_seed(seed)
        opt = torch.optim.Adam(model.parameters(), lr=3e-3)
        for epoch in range(3):
            order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed + epoch))
            for i in range(0, len(x), 256):
                idx = order[i:i + 256]
                loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x[idx]), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        return model
        ### END SOLUTION
    """),
    tests("test_train", 6, r"""
    torch.manual_seed(0)
    x_train, y_train = make_dataset(TRUE, 100_000, seed=11)
    net = train(make_model(24), x_train, y_train, seed=0)
    det, obs = TRUE.compile_detector_sampler(seed=22).sample(100_000, separate_observables=True)
    with torch.no_grad():
        nn_rate = logical_error_rate((net(torch.tensor(det, dtype=torch.float32)) > 0).numpy(), obs)
    mwpm_rate = logical_error_rate(matching_decoder(NOMINAL)(det), obs)
    print(f"network {nn_rate:.4f}   matching with the nominal model {mwpm_rate:.4f}")
    assert nn_rate < 0.05, "the network has not learned to decode"
    ### BEGIN HIDDEN TESTS
    sigma = np.sqrt((nn_rate + mwpm_rate) / 100_000)
    assert nn_rate < mwpm_rate - 5 * sigma, (nn_rate, mwpm_rate)
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q4 (2 points, graded by your teacher).** Matching built from the *true* circuit (`matching_decoder(TRUE)`)
    beats your network. Explain in two to four sentences why, and name one situation on real hardware where a
    learned decoder is still worth having.
    """),
    written("why_matching_wins", 2, r"""
    Matching with the true detector error model knows the exact probability of every error mechanism, including the
    correlated pairs, and MWPM is close to optimal for such graph-like noise; the network only sees 100 000 samples,
    so rare syndromes are barely represented and it approximates the optimal decoder poorly. A learned decoder is
    worth having when the noise model is unknown or wrong — e.g. crosstalk, leakage or drifting error rates on a real
    chip — because it learns the actual statistics from measured data (or can learn corrections to the matcher's weights).
    """),
]

# ----------------------------------------------------------------------------------------------------------------
# Unit 5: Decoder Cup preparation
# ----------------------------------------------------------------------------------------------------------------
PRACTICE_5 = [
    md(r"""
    # Practice: a validation harness for your decoder

    A decoder for the Decoder Cup is a function `decode(detection_events) -> predicted observable flips`.
    Here we build a harness that checks the interface, measures the logical error rate with an error bar
    and times the decoder, then we run it on two baselines.
    """),
    code(r"""
    import time
    import numpy as np
    from liangzhi_checks.qec import check_decoder_output, logical_error_rate, matching_decoder, surface_code_circuit

    def evaluate(decode, circuit, shots=20_000, seed=7):
        det, obs = circuit.compile_detector_sampler(seed=seed).sample(shots, separate_observables=True)
        start = time.perf_counter()
        pred = check_decoder_output(decode(det), shots, circuit.num_observables)
        seconds = time.perf_counter() - start
        rate = logical_error_rate(pred, obs)
        return rate, np.sqrt(max(rate, 1 / shots) * (1 - rate) / shots), seconds
    """),
    code(r"""
    circuit = surface_code_circuit(3, 0.004)

    def never_flipped(det):
        return np.zeros((det.shape[0], 1), dtype=bool)

    for name, decoder in (("never flipped", never_flipped), ("matching", matching_decoder(circuit))):
        rate, err, sec = evaluate(decoder, circuit)
        print(f"{name:14s} p_L = {rate:.4f} ± {err:.4f}   ({sec * 1000:.0f} ms for 20 000 shots)")
    """),
    code(r"""
    # Self-check: matching reproduces the lesson's baseline (1.1e-2 at d = 3, p = 0.004) and beats "never flipped"
    from liangzhi_checks.qec import assert_rate_close
    base, _, _ = evaluate(matching_decoder(circuit), circuit)
    naive, _, _ = evaluate(never_flipped, circuit)
    assert_rate_close(base, 0.01145, 20_000, what="matching baseline")
    assert naive > 2 * base
    print("✓ baselines as in the lesson")
    """),
    md(r"""
    ## The competition's score

    The Decoder Cup scores a decoder by its logical errors divided by matching's on the same shots.
    """),
    code(r"""
    def cup_score(decode, circuit, shots=50_000, seed=11):
        det, obs = circuit.compile_detector_sampler(seed=seed).sample(shots, separate_observables=True)
        mine = int(np.any(check_decoder_output(decode(det), shots, circuit.num_observables) != obs, axis=1).sum())
        base = int(np.any(matching_decoder(circuit)(det) != obs, axis=1).sum())
        return mine / base, mine, base

    for name, decoder in (("matching", matching_decoder(circuit)), ("never flipped", never_flipped)):
        ratio, mine, base = cup_score(decoder, circuit)
        print(f"{name:14s} score {ratio:.2f}  ({mine} errors vs matching's {base}; relative error ≈ {1 / np.sqrt(base):.0%})")
    # Self-check: matching scores exactly 1 against itself; doing nothing is far worse
    assert cup_score(matching_decoder(circuit), circuit)[0] == 1.0
    assert cup_score(never_flipped, circuit)[0] > 2
    print("✓ score = error ratio to matching")
    """),
    md(r"""
    ## The harness catches interface mistakes

    A decoder that returns the wrong shape fails loudly instead of being scored wrongly.
    """),
    code(r"""
    try:
        evaluate(lambda det: np.zeros(det.shape[0] + 1, dtype=bool), circuit)
    except AssertionError as exc:
        print("caught:", exc)
    else:
        raise AssertionError("the harness should have rejected a wrong shape")
    print("✓ wrong shapes are rejected")
    """),
    md(r"""
    ## Distance 5

    The same harness at distance 5: matching improves on distance 3 below threshold.
    """),
    code(r"""
    c5 = surface_code_circuit(5, 0.004)
    r5, e5, s5 = evaluate(matching_decoder(c5), c5)
    print(f"d=5 matching p_L = {r5:.4f} ± {e5:.4f}")
    # Self-check: the lesson's table gives 7.7e-3 at d = 5, p = 0.004
    assert_rate_close(r5, 0.0077, 20_000, what="p_L(d=5, p=0.004)")
    assert r5 < base
    print("✓ d = 5 beats d = 3 at p = 0.004")
    """),
]

A5 = [
    md(r"""
    # Capstone assignment: a batch decoder for rotated surface-code samples

    Write `make_decoder(circuit)`: it receives a Stim rotated-memory circuit and returns a function
    `decode(detection_events)` that maps a bool array of shape `(shots, num_detectors)` to a bool array of shape
    `(shots, num_observables)` of predicted observable flips. This is the Decoder Cup's interface. The tests compare
    your decoder with PyMatching on the same samples. Then go beyond the baseline: `make_adapted_decoder` learns from
    labelled samples of a device whose noise the stated circuit does not fully describe, and must make clearly fewer
    logical errors than PyMatching on the stated circuit. Points: 12 (10 autograded, 2 written).
    """),
    locked("cup_setup", r"""
    import time
    import numpy as np
    import pymatching
    import stim
    from liangzhi_checks.qec import (add_correlated_pairs, check_decoder_output, logical_error_rate,
                                     surface_code_circuit)

    def run_decoder(decode, circuit, shots, seed):
        det, obs = circuit.compile_detector_sampler(seed=seed).sample(shots, separate_observables=True)
        pred = check_decoder_output(decode(det), shots, circuit.num_observables)
        return logical_error_rate(pred, obs), det, obs
    """),
    md(r"""
    **Q1 (4 points).** Write `make_decoder(circuit)`. A good start is PyMatching on the circuit's detector error
    model; anything at least as good is welcome (a neural network trained inside `make_decoder` is allowed if it
    trains in under 20 seconds).
    """),
    answer("make_decoder", r"""
    def make_decoder(circuit):
        ### BEGIN SOLUTION
        matcher = pymatching.Matching.from_detector_error_model(circuit.detector_error_model(decompose_errors=True))

        def decode(detection_events):
            return matcher.decode_batch(np.asarray(detection_events, dtype=bool)).astype(bool)

        return decode
        ### END SOLUTION
    """),
    tests("test_interface", 1, r"""
    c3 = surface_code_circuit(3, 0.004)
    decode = make_decoder(c3)
    det = c3.compile_detector_sampler(seed=1).sample(100)
    out = np.asarray(decode(det))
    assert out.shape == (100, 1), out.shape
    assert out.dtype == bool, out.dtype
    ### BEGIN HIDDEN TESTS
    assert np.asarray(decode(np.zeros((3, c3.num_detectors), dtype=bool))).astype(bool).sum() == 0, "no events, no flip"
    ### END HIDDEN TESTS
    """),
    tests("test_d3_quality", 1, r"""
    c3 = surface_code_circuit(3, 0.004)
    rate, det, obs = run_decoder(make_decoder(c3), c3, 20_000, seed=5)
    print(f"your decoder: p_L = {rate:.4f} (matching baseline ≈ 0.0115)")
    assert rate < 0.0115 + 5 * np.sqrt(0.0115 / 20_000), rate
    ### BEGIN HIDDEN TESTS
    ref = pymatching.Matching.from_detector_error_model(c3.detector_error_model(decompose_errors=True))
    base = logical_error_rate(ref.decode_batch(det), obs)
    assert rate <= base + 4 * np.sqrt(2 * base / 20_000), (rate, base)
    ### END HIDDEN TESTS
    """),
    tests("test_d5_and_correlated", 2, r"""
    c5 = surface_code_circuit(5, 0.004)
    start = time.perf_counter()
    decode5 = make_decoder(c5)
    rate5, det, obs = run_decoder(decode5, c5, 20_000, seed=6)
    print(f"d=5: p_L = {rate5:.4f} in {time.perf_counter() - start:.1f} s")
    assert rate5 < 0.0077 + 5 * np.sqrt(0.0077 / 20_000), rate5
    ### BEGIN HIDDEN TESTS
    # correlated pair noise: the circuit handed to make_decoder includes it, so a model-based decoder can use it
    cc = add_correlated_pairs(surface_code_circuit(3, 0.003), 0.02)
    rate_c, det, obs = run_decoder(make_decoder(cc), cc, 20_000, seed=8)
    nominal = pymatching.Matching.from_detector_error_model(
        surface_code_circuit(3, 0.003).detector_error_model(decompose_errors=True))
    assert rate_c < logical_error_rate(nominal.decode_batch(det), obs), "no better than ignoring the correlations"
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q2 (6 points): more than the baseline call.** A real device adds noise the stated circuit does not contain. Here
    it is crosstalk, as in unit 4: each round, neighbouring data qubits flip together (`add_correlated_pairs`) with a
    strength nobody tells you, possibly zero. Write `make_adapted_decoder(circuit, detection_events, observable_flips)`:
    it receives the **stated** circuit and 20 000 labelled shots sampled from the device (the two bool arrays of
    `run_device` below) and returns a `decode` function as in Q1.

    The tests sample fresh shots from devices with hidden seeds and strengths and count, on the same shots, your
    logical errors $n_{\text{you}}$ and those of PyMatching on the stated circuit $n_{\text{base}}$. With crosstalk you
    need $n_{\text{you}} \le 0.85\, n_{\text{base}}$ and an improvement of at least three standard errors,
    $n_{\text{base}} - n_{\text{you}} \ge 3 \sqrt{n_{\text{disc}}}$, where $n_{\text{disc}}$ counts the shots on which
    exactly one of the two decoders is wrong; on a device without crosstalk you may not be worse by more than three
    standard errors. The baseline call alone (which ignores the samples) scores no point here, nor does a guessed
    strength that the data do not support. Q1's `make_decoder` is not called by these tests.
    """),
    answer("make_adapted_decoder", r"""
    def make_adapted_decoder(circuit, detection_events, observable_flips):
        ### BEGIN SOLUTION
        # Model selection on the labelled samples: matching graphs for a range of crosstalk strengths (0 = the stated
        # model); keep the one with the fewest logical errors on the samples (ties: the weaker model).
        detection_events = np.asarray(detection_events, dtype=bool)
        observable_flips = np.asarray(observable_flips, dtype=bool)
        best = None
        for pc in (0.0, 0.0025, 0.005, 0.01, 0.02, 0.04):
            model = add_correlated_pairs(circuit, pc) if pc else circuit
            matcher = pymatching.Matching.from_detector_error_model(model.detector_error_model(decompose_errors=True))
            errors = int(np.any(matcher.decode_batch(detection_events) != observable_flips, axis=1).sum())
            if best is None or errors < best[0]:
                best = (errors, matcher)
        matcher = best[1]

        def decode(detection_events):
            return matcher.decode_batch(np.asarray(detection_events, dtype=bool)).astype(bool)

        return decode
        ### END SOLUTION
    """),
    tests("test_adapted_decoder", 6, r"""
    def run_device(stated, pc, train_seed, test_seed, shots):
        # the device: the stated circuit plus crosstalk of strength pc; 20 000 labelled shots to learn from
        device = add_correlated_pairs(stated, pc) if pc else stated
        train_det, train_obs = device.compile_detector_sampler(seed=train_seed).sample(20_000, separate_observables=True)
        decode = make_adapted_decoder(stated, train_det, train_obs)
        det, obs = device.compile_detector_sampler(seed=test_seed).sample(shots, separate_observables=True)
        yours = np.any(check_decoder_output(decode(det), shots, stated.num_observables) != obs, axis=1)
        matcher = pymatching.Matching.from_detector_error_model(stated.detector_error_model(decompose_errors=True))
        base = np.any(matcher.decode_batch(det) != obs, axis=1)
        n_you, n_base, n_disc = int(yours.sum()), int(base.sum()), int((yours != base).sum())
        print(f"pc = {pc}: {n_you} logical errors, stated-model matching {n_base} ({n_disc} shots differ)")
        return n_you, n_base, n_disc

    def assert_beats_baseline(n_you, n_base, n_disc):
        assert n_you <= 0.85 * n_base, f"{n_you} errors is not 15 % fewer than matching's {n_base}"
        assert n_base - n_you >= 3 * np.sqrt(max(n_disc, 1)), f"{n_base - n_you} fewer errors is under 3 standard errors"

    assert_beats_baseline(*run_device(surface_code_circuit(3, 0.003), 0.01, train_seed=21, test_seed=22, shots=20_000))
    ### BEGIN HIDDEN TESTS
    assert_beats_baseline(*run_device(surface_code_circuit(5, 0.003), 0.006, train_seed=31, test_seed=32, shots=20_000))
    n_you, n_base, n_disc = run_device(surface_code_circuit(3, 0.004), 0.0, train_seed=41, test_seed=42, shots=30_000)
    assert n_you - n_base <= 3 * np.sqrt(max(n_disc, 1)), f"no crosstalk: {n_you} errors against matching's {n_base}"
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q3 (2 points, graded by your teacher).** Describe your decoder in three to five sentences: what it knows about
    the noise, its validated logical error rate at $d = 3$ and $d = 5$ (with an error bar), and one idea you would try
    for the Decoder Cup if the organisers add noise that the stated circuit does not contain.
    """),
    written("describe_decoder", 2, r"""
    The decoder is PyMatching built from the detector error model of the circuit it is given, so it knows every
    independent error mechanism and its probability, including correlated pairs when the circuit contains them.
    Validated on 20 000 fresh shots at p = 0.004: p_L ≈ 0.0115 ± 0.0008 at d = 3 and ≈ 0.0077 ± 0.0006 at d = 5.
    If the organisers add unstated noise, I would estimate pairwise detector correlations from the training samples
    to re-weight (or add) edges of the matching graph, and/or train a small network on the detection events plus
    matching's prediction to correct its systematic mistakes, validating every choice on a held-out set.
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


# ----------------------------------------------------------------------------------------------------------------
# Unit 6: building a Stim circuit by hand
# ----------------------------------------------------------------------------------------------------------------
PRACTICE_6 = [
    md(r"""
    # Practice: a Stim circuit written by hand

    We write the repetition-code memory of the lesson instruction by instruction, check it against
    `stim.Circuit.generated`, then generalise it to any distance and number of rounds. Cells starting with
    `# Self-check` print ✓ when the result is right.
    """),
    code(r"""
    import numpy as np
    import stim
    from liangzhi_checks.qec import logical_error_rate, matching_decoder, surface_code_circuit

    P = 0.02   # every noise channel of the course's model at strength p

    def generated_repetition(d, rounds, p):
        return stim.Circuit.generated("repetition_code:memory", distance=d, rounds=rounds,
                                      after_clifford_depolarization=p, before_round_data_depolarization=p,
                                      before_measure_flip_probability=p, after_reset_flip_probability=p)
    """),
    md(r"""
    ## 1. The distance-3 memory, line by line

    Data qubits 0, 2, 4; measure qubits 1 (parity $Z_0Z_2$) and 3 (parity $Z_2Z_4$); three rounds. This is the
    circuit of the lesson, with the noise strength filled in from `P`. Change a lookback (for instance
    `rec[-4]` into `rec[-3]`) and run the cells again to see what breaks.
    """),
    code(r"""
    hand3 = stim.Circuit(f'''
        R 0 1 2 3 4
        X_ERROR({P}) 0 1 2 3 4
        TICK
        DEPOLARIZE1({P}) 0 2 4
        CX 0 1 2 3
        DEPOLARIZE2({P}) 0 1 2 3
        TICK
        CX 2 1 4 3
        DEPOLARIZE2({P}) 2 1 4 3
        TICK
        X_ERROR({P}) 1 3
        MR 1 3
        X_ERROR({P}) 1 3
        DETECTOR(1, 0) rec[-2]
        DETECTOR(3, 0) rec[-1]
        REPEAT 2 {{
            TICK
            DEPOLARIZE1({P}) 0 2 4
            CX 0 1 2 3
            DEPOLARIZE2({P}) 0 1 2 3
            TICK
            CX 2 1 4 3
            DEPOLARIZE2({P}) 2 1 4 3
            TICK
            X_ERROR({P}) 1 3
            MR 1 3
            X_ERROR({P}) 1 3
            SHIFT_COORDS(0, 1)
            DETECTOR(1, 0) rec[-2] rec[-4]
            DETECTOR(3, 0) rec[-1] rec[-3]
        }}
        X_ERROR({P}) 0 2 4
        M 0 2 4
        DETECTOR(1, 1) rec[-2] rec[-3] rec[-5]
        DETECTOR(3, 1) rec[-1] rec[-2] rec[-4]
        OBSERVABLE_INCLUDE(0) rec[-1]
    ''')
    gen3 = generated_repetition(3, 3, P)
    print("detectors:", hand3.num_detectors, "(by hand)", gen3.num_detectors, "(generated)")
    print("identical circuits:", hand3 == gen3)
    print(hand3.diagram("timeline-text"))
    """),
    code(r"""
    # Self-check: the hand-written circuit is Stim's generated one, with (d - 1)(rounds + 1) = 8 detectors
    assert hand3.num_detectors == gen3.num_detectors == 8
    assert hand3.num_observables == 1
    assert hand3 == gen3
    print("✓ 8 detectors, one observable, instruction for instruction the generated circuit")
    """),
    md(r"""
    ## 2. What the detector error model says

    `detector_error_model` fails unless every detector is deterministic without noise; each line it prints is
    one independent error mechanism, the detectors it flips and whether it flips the observable `L0`.
    `shortest_graphlike_error` finds the fewest such mechanisms that flip `L0` without any detection event.
    """),
    code(r"""
    dem = hand3.detector_error_model(decompose_errors=True)
    print(dem.num_errors, "error mechanisms; the first five:")
    print("\n".join(str(line) for line in list(dem.flattened())[:5]))
    print("circuit distance:", len(hand3.shortest_graphlike_error()))
    """),
    code(r"""
    # Self-check: the numbers of the lesson
    assert dem.num_errors == 27
    assert len(hand3.shortest_graphlike_error()) == 3
    print("✓ 27 error mechanisms, circuit distance 3")
    """),
    *kata(
        "byhand-repetition-memory",
        r"""
        ### Exercise 1: the repetition-code memory for any d and any number of rounds

        Write `repetition_memory(d, rounds, p)` returning a `stim.Circuit`: data qubits $0, 2, \dots, 2d-2$,
        measure qubits $1, 3, \dots, 2d-3$, the noise of section 1, `rounds` rounds of parity checks, a final
        measurement of the data, $(d-1)(\text{rounds}+1)$ detectors and observable 0 on the last data qubit.
        Detector coordinates, `TICK` and `REPEAT` are optional. The self-check compares your circuit with
        `stim.Circuit.generated` by its detectors, its circuit distance and its decoded logical error rate.

        Write your code in the cell below, then run the self-check after it.

        <details><summary>Hint 1</summary>

        Build the text of one round once (a string with `DEPOLARIZE1`, two layers of `CX` each followed by
        `DEPOLARIZE2`, then `X_ERROR`, `MR`, `X_ERROR` on the measure qubits), then add it `rounds` times, each
        followed by its detectors. With $n = d - 1$ measure qubits, measure qubit $k$ ($k = 0 \dots n-1$) was
        written at `rec[k - n]`, and one round earlier at `rec[k - 2n]`.

        <details><summary>Hint 2</summary>

        After `M` on the $d$ data qubits, data qubit $j$ is at `rec[j - d]` and the last result of measure qubit
        $k$ at `rec[k - d - n]`. The closing detector of check $k$ is `rec[k - d] rec[k - d + 1] rec[k - d - n]`;
        the observable is `OBSERVABLE_INCLUDE(0) rec[-1]`. The first round's detectors are `rec[k - n]` alone.

        </details>

        </details>
        """,
        r'''
        def repetition_memory(d, rounds, p):
            """The distance-d repetition-code memory: `rounds` rounds of noisy parity checks."""
            # YOUR CODE HERE
            raise NotImplementedError
        ''',
        r'''
        def repetition_memory(d, rounds, p):
            """The distance-d repetition-code memory: `rounds` rounds of noisy parity checks."""
            n = d - 1
            data = " ".join(str(q) for q in range(0, 2 * d - 1, 2))
            anc = " ".join(str(q) for q in range(1, 2 * d - 1, 2))
            cx1 = " ".join(f"{a - 1} {a}" for a in range(1, 2 * d - 1, 2))
            cx2 = " ".join(f"{a + 1} {a}" for a in range(1, 2 * d - 1, 2))
            one_round = (f"TICK\nDEPOLARIZE1({p}) {data}\nCX {cx1}\nDEPOLARIZE2({p}) {cx1}\nTICK\n"
                         f"CX {cx2}\nDEPOLARIZE2({p}) {cx2}\nTICK\n"
                         f"X_ERROR({p}) {anc}\nMR {anc}\nX_ERROR({p}) {anc}\n")
            text = f"R {data} {anc}\nX_ERROR({p}) {data} {anc}\n" + one_round
            text += "".join(f"DETECTOR rec[{k - n}]\n" for k in range(n))
            for _ in range(rounds - 1):
                text += one_round + "".join(f"DETECTOR rec[{k - n}] rec[{k - 2 * n}]\n" for k in range(n))
            text += f"X_ERROR({p}) {data}\nM {data}\n"
            text += "".join(f"DETECTOR rec[{k - d}] rec[{k - d + 1}] rec[{k - d - n}]\n" for k in range(n))
            text += "OBSERVABLE_INCLUDE(0) rec[-1]\n"
            return stim.Circuit(text)
        ''',
        r"""
        # Self-check (exercise 1)
        from liangzhi_checks.katas import check, expect

        def _test():
            for d, rounds in ((3, 3), (5, 5), (3, 1), (7, 2)):
                c = repetition_memory(d, rounds, P)
                expect(isinstance(c, stim.Circuit), "return a stim.Circuit", "请返回一个 stim.Circuit")
                expect(c.num_detectors == (d - 1) * (rounds + 1),
                       f"d = {d}, {rounds} round(s): expected (d - 1)(rounds + 1) detectors, got {c.num_detectors}",
                       f"d = {d}、{rounds} 轮：应有 (d - 1)(轮数 + 1) 个探测器，实际为 {c.num_detectors}")
                expect(c.num_observables == 1, "declare exactly one observable (number 0)", "只声明一个可观测量（0 号）")
                try:
                    c.detector_error_model(decompose_errors=True)
                except ValueError:
                    expect(False, f"d = {d}: a detector or the observable is not deterministic, or an error flips "
                           "more than two detectors: check the lookbacks",
                           f"d = {d}：有探测器或可观测量不确定，或某个错误翻转了两个以上的探测器：请检查回溯")
                expect(len(c.shortest_graphlike_error()) == d,
                       f"d = {d}: a circuit distance below d means some errors go unseen",
                       f"d = {d}：线路距离小于 d，说明有错误未被察觉")
            for d, seed in ((3, 11), (5, 12)):
                mine, ref = repetition_memory(d, d, P), generated_repetition(d, d, P)
                shots = 20_000
                rates = []
                for circuit, s in ((mine, seed), (ref, seed + 100)):
                    det, obs = circuit.compile_detector_sampler(seed=s).sample(shots, separate_observables=True)
                    rates.append(logical_error_rate(matching_decoder(circuit)(det), obs))
                se = np.sqrt(sum(r * (1 - r) / shots for r in rates))
                expect(abs(rates[0] - rates[1]) < 5 * se,
                       f"d = {d}: your circuit's decoded logical error rate differs from the generated one's by more "
                       "than 5 standard errors", f"d = {d}：你的线路解码后的逻辑错误率与生成线路相差超过 5 个标准误差")
                print(f"d = {d}: p_L = {rates[0]:.4f} (yours) vs {rates[1]:.4f} (generated)")

        check('Exercise 1 · repetition_memory', _test)
        """,
    ),
    *kata(
        "byhand-z-score",
        r"""
        ### Exercise 2: equal within statistical error?

        Write `z_score(errors_a, shots_a, errors_b, shots_b)`: the difference of the two estimated logical error
        rates divided by its standard error, each estimate with its **own** binomial variance, as in the lesson:

        $$ z = \frac{\hat p_a - \hat p_b}{\sqrt{\hat p_a(1-\hat p_a)/n_a + \hat p_b(1-\hat p_b)/n_b}} $$

        Write your code in the cell below, then run the self-check after it.

        <details><summary>Hint 1</summary>

        $\hat p_a$ is `errors_a / shots_a`. The variance of a difference of independent estimates is the sum of
        their variances.

        <details><summary>Hint 2</summary>

        `np.sqrt(pa * (1 - pa) / shots_a + pb * (1 - pb) / shots_b)` is the denominator; keep the sign of
        `pa - pb`.

        </details>

        </details>
        """,
        r'''
        def z_score(errors_a, shots_a, errors_b, shots_b):
            """How many standard errors apart two estimated error rates are."""
            # YOUR CODE HERE
            raise NotImplementedError
        ''',
        r'''
        def z_score(errors_a, shots_a, errors_b, shots_b):
            """How many standard errors apart two estimated error rates are."""
            pa, pb = errors_a / shots_a, errors_b / shots_b
            return float((pa - pb) / np.sqrt(pa * (1 - pa) / shots_a + pb * (1 - pb) / shots_b))
        ''',
        r"""
        # Self-check (exercise 2)
        from liangzhi_checks.katas import check, expect

        def _test():
            expect(abs(z_score(260, 10_000, 200, 10_000) - 2.8309) < 1e-3,
                   "260 vs 200 errors in 10 000 shots each are about 2.8 standard errors apart",
                   "各 10 000 次 shot 中 260 次与 200 次错误，相差约 2.8 个标准误差")
            expect(abs(z_score(200, 10_000, 260, 10_000) + z_score(260, 10_000, 200, 10_000)) < 1e-9,
                   "swapping the two samples flips the sign of z", "交换两个样本，z 应变号")
            expect(abs(z_score(50, 1_000, 500, 20_000) - 3.5817) < 1e-3,
                   "with different numbers of shots, give each estimate its own variance (not a pooled one)",
                   "两个样本的 shot 数不同时，每个估计值用它自己的方差（不要合并方差）")
            expect(abs(z_score(5249, 200_000, 5196, 200_000) - 0.5255) < 1e-3,
                   "the lesson's d = 3 comparison has z = 0.53", "课文中 d = 3 的比较 z = 0.53")

        check('Exercise 2 · z score', _test)
        """,
    ),
    md(r"""
    ## 3. The z test at work

    Run this after both exercises: your circuit against the generated one (they should agree), and a circuit
    with one wrong lookback (qubit 1 compared with qubit 3's previous result), which must not. A $z$ far from 0 in
    *either* direction means a bug: far *fewer* errors than the generated circuit usually means a detector that
    reads the logical value itself (for instance $b_0 \oplus b_2 \oplus b_4$ at the end), so the decoder is told the
    answer.
    """),
    code(r"""
    def decoded_errors(circuit, shots, seed):
        det, obs = circuit.compile_detector_sampler(seed=seed).sample(shots, separate_observables=True)
        return int(np.any(matching_decoder(circuit)(det) != obs, axis=1).sum())

    wrong_lookback = stim.Circuit(str(hand3).replace("DETECTOR(1, 0) rec[-2] rec[-4]", "DETECTOR(1, 0) rec[-2] rec[-3]"))
    shots = 20_000
    try:
        k_gen = decoded_errors(gen3, shots, seed=1)
        for name, circuit in (("your repetition_memory(3, 3, P)", repetition_memory(3, 3, P)),
                              ("one wrong lookback", wrong_lookback)):
            k = decoded_errors(circuit, shots, seed=2)
            print(f"{name}: {k} errors vs {k_gen} generated, z = {z_score(k, shots, k_gen, shots):+.1f}")
    except NotImplementedError:
        print("finish exercises 1 and 2 first")
    """),
    md(r"""
    ## 4. A surface-code patch with the same eyes

    In a $Z$-basis memory only the Z-checks are deterministic in the first round. Count the detectors written
    before the first `REPEAT` block of the course's $d = 3$ surface-code circuit.
    """),
    code(r"""
    surf = surface_code_circuit(3, 0.0)
    first_repeat = next(i for i, inst in enumerate(surf) if isinstance(inst, stim.CircuitRepeatBlock))
    first_round = sum(1 for inst in surf[:first_repeat] if inst.name == "DETECTOR")
    print("qubits:", surf.num_qubits, " detectors:", surf.num_detectors, " of them in the first round:", first_round)
    """),
    code(r"""
    # Self-check: 4 Z-check detectors in round 1, 8 in each of the 2 later rounds, 4 from the final data: 24
    assert first_round == 4 and surf.num_detectors == 4 + 8 * 2 + 4 == 24
    print("✓ 4 + 8 + 8 + 4 = 24 detectors")
    """),
]

# ----------------------------------------------------------------------------------------------------------------
# Unit 7: thresholds and the error-suppression factor Λ
# ----------------------------------------------------------------------------------------------------------------
# Per-experiment logical error rates of lesson 07 (tools/make_figures.py suppression(), 3 significant figures);
# tests/content/test_qec_units_6_7.py checks they are numbers.json's.
ANCHORS_7 = {
    3: {0.003: 0.00672, 0.005: 0.0181, 0.008: 0.0405, 0.012: 0.0821, 0.015: 0.108},
    5: {0.003: 0.00343, 0.005: 0.0134, 0.008: 0.0506, 0.012: 0.134, 0.015: 0.188},
    7: {0.003: 0.00141, 0.005: 0.0103, 0.008: 0.0518, 0.012: 0.165, 0.015: 0.272},
}

PRACTICE_7 = [
    md(r"""
    # Practice: a threshold sweep and the error-suppression factor Λ

    A small sinter-style sweep over $d = 3, 5, 7$ and five noise strengths, then the analysis an experiment
    reports: the logical error per round, $\Lambda$ with its error bar, and the crossing. The sweep stops each
    point at 200 errors or 20 000 shots, so it runs in seconds (the lesson's figure: 500 errors or 200 000 shots).
    """),
    code(r"""
    import numpy as np
    import plotly.graph_objects as go
    from liangzhi_checks.qec import assert_rate_close, matching_decoder, surface_code_circuit

    def collect(circuit, max_shots, max_errors, seed, batch=2_000):
        # what sinter.collect does for one task: sample and decode in batches until enough errors (or shots)
        sampler = circuit.compile_detector_sampler(seed=seed)
        decode = matching_decoder(circuit)
        errors = shots = 0
        while shots < max_shots and errors < max_errors:
            n = min(batch, max_shots - shots)
            det, obs = sampler.sample(n, separate_observables=True)
            errors += int(np.any(decode(det) != obs, axis=1).sum())
            shots += n
        return errors, shots
    """),
    md(r"""
    ## 1. The sweep

    `stats[d][p]` holds `(errors, shots)`. Points with a high logical error rate stop after a few batches; rare
    ones run to the shot limit.
    """),
    code(r"""
    DS, PS = (3, 5, 7), (0.003, 0.005, 0.008, 0.012, 0.015)
    stats = {d: {p: collect(surface_code_circuit(d, p), max_shots=20_000, max_errors=200, seed=100 * d + round(p * 1e4))
                 for p in PS} for d in DS}
    for d in DS:
        print(f"d = {d}: " + "  ".join(f"p={p}: {k}/{n} = {k / n:.4f}" for p, (k, n) in stats[d].items()))
    fig = go.Figure()
    for d in DS:
        rates = [k / n for k, n in stats[d].values()]
        errs = [np.sqrt(r * (1 - r) / n) for r, (_, n) in zip(rates, stats[d].values())]
        fig.add_scatter(x=PS, y=rates, error_y=dict(array=errs), mode="lines+markers", name=f"d = {d}")
    fig.update_layout(xaxis_type="log", yaxis_type="log", xaxis_title="p",
                      yaxis_title="logical error rate per experiment (d rounds)", width=700, height=420)
    fig.show()
    """),
    code(r"""
    # Self-check: every point agrees with the lesson's sweep (5 standard errors of this notebook's shots)
    ANCHORS = {d: {p: rate for p, rate in row.items()} for d, row in __ANCHORS__.items()}
    for d in DS:
        for p, (k, n) in stats[d].items():
            assert_rate_close(k / n, ANCHORS[d][p], n, what=f"p_L(d={d}, p={p})")
    print("✓ the sweep reproduces the lesson's logical error rates")
    """.replace("__ANCHORS__", repr(ANCHORS_7))),
    *kata(
        "lambda-per-round",
        r"""
        ### Exercise 1: logical error per round

        An experiment of $r$ rounds fails with probability $P$. If each round flips the logical qubit independently
        with probability $\varepsilon$, the experiment ends flipped when an odd number of rounds flipped. Write
        `per_round(P, rounds)` returning $\varepsilon$ (it should work on numbers and on numpy arrays).

        Write your code in the cell below, then run the self-check after it.

        <details><summary>Hint 1</summary>

        The probability of an odd number of flips in $r$ independent rounds is $\tfrac12\left(1-(1-2\varepsilon)^r\right)$.
        Solve that for $\varepsilon$. $P/r$ is only its small-$P$ approximation.

        <details><summary>Hint 2</summary>

        $1 - 2P = (1 - 2\varepsilon)^r$, so $\varepsilon = \tfrac12\left(1 - (1 - 2P)^{1/r}\right)$.

        </details>

        </details>
        """,
        r'''
        def per_round(P, rounds):
            """Logical error per round from the error P of a whole experiment of `rounds` rounds."""
            # YOUR CODE HERE
            raise NotImplementedError
        ''',
        r'''
        def per_round(P, rounds):
            """Logical error per round from the error P of a whole experiment of `rounds` rounds."""
            return (1 - (1 - 2 * np.asarray(P, dtype=float)) ** (1 / rounds)) / 2
        ''',
        r"""
        # Self-check (exercise 1)
        from liangzhi_checks.katas import check, expect

        def _test():
            expect(abs(float(per_round(0.01, 1)) - 0.01) < 1e-12, "one round: the rate per round is P itself",
                   "只有一轮时，每轮错误率就是 P 本身")
            expect(abs(float(per_round(0.272, 7)) - 0.053058) < 1e-5,
                   "for P = 0.272 over 7 rounds, ε is about 0.053: an odd number of flipped rounds flips the experiment",
                   "P = 0.272、7 轮时 ε 约为 0.053：奇数轮翻转才使整个实验翻转")
            eps = 0.004
            P5 = (1 - (1 - 2 * eps) ** 5) / 2
            expect(abs(float(per_round(P5, 5)) - eps) < 1e-12, "per_round must undo P = (1 - (1 - 2ε)^r) / 2",
                   "per_round 必须是 P = (1 - (1 - 2ε)^r) / 2 的反函数")
            arr = np.asarray(per_round(np.array([0.01, 0.02]), 3), dtype=float)
            expect(arr.shape == (2,), "it should work on a numpy array too", "它也应能作用于 numpy 数组")
            for d in DS:
                k, n = stats[d][0.005]
                print(f"d = {d}, p = 0.005: ε = {float(per_round(k / n, d)):.5f} per round")

        check('Exercise 1 · per_round', _test)
        """,
    ),
    *kata(
        "lambda-with-error",
        r"""
        ### Exercise 2: Λ with its error bar

        Write `lambda_with_error(eps_a, sigma_a, eps_b, sigma_b)` returning the pair $(\Lambda, \sigma_\Lambda)$ with
        $\Lambda = \varepsilon_a / \varepsilon_b$ (distance $d$ over distance $d + 2$) and the error bar of two
        independent measurements, as in the lesson:

        $$ \frac{\sigma_\Lambda}{\Lambda} = \sqrt{\left(\frac{\sigma_a}{\varepsilon_a}\right)^2 + \left(\frac{\sigma_b}{\varepsilon_b}\right)^2} $$

        Write your code in the cell below, then run the self-check after it.

        <details><summary>Hint 1</summary>

        For a ratio, *relative* errors combine, not absolute ones; independent errors add in quadrature, not
        linearly.

        <details><summary>Hint 2</summary>

        `lam = eps_a / eps_b` and `lam * np.hypot(sigma_a / eps_a, sigma_b / eps_b)`.

        </details>

        </details>
        """,
        r'''
        def lambda_with_error(eps_a, sigma_a, eps_b, sigma_b):
            """(Λ, σ_Λ) for Λ = eps_a / eps_b from two independent measurements."""
            # YOUR CODE HERE
            raise NotImplementedError
        ''',
        r'''
        def lambda_with_error(eps_a, sigma_a, eps_b, sigma_b):
            """(Λ, σ_Λ) for Λ = eps_a / eps_b from two independent measurements."""
            lam = eps_a / eps_b
            return float(lam), float(lam * np.hypot(sigma_a / eps_a, sigma_b / eps_b))
        ''',
        r"""
        # Self-check (exercise 2)
        from liangzhi_checks.katas import check, expect

        def _test():
            lam, sigma = lambda_with_error(0.01, 0.001, 0.002, 0.0002)
            expect(abs(lam - 5) < 1e-9, "Λ is the smaller distance's error over the larger distance's",
                   "Λ 是较小码距的错误率除以较大码距的错误率")
            expect(abs(sigma - 5 * np.sqrt(0.02)) < 1e-9,
                   "two 10 % relative errors give about 14 % on the ratio (quadrature), not 20 %",
                   "两个 10 % 的相对误差合成后比值的误差约为 14 %（平方和），而不是 20 %")
            lam, sigma = lambda_with_error(0.00611, 0.00026, 0.00270, 0.00012)
            expect(abs(lam - 2.263) < 1e-3 and abs(sigma - 0.1392) < 1e-3,
                   "the lesson's Λ(3→5) at p = 0.005 is 2.26 ± 0.14", "课文中 p = 0.005 处 Λ(3→5) 为 2.26 ± 0.14")

        check('Exercise 2 · Λ with its error bar', _test)
        """,
    ),
    *kata(
        "lambda-crossing",
        r"""
        ### Exercise 3: where the curves cross

        Write `crossing(ps, rates_a, rates_b)` for a smaller distance $a$ and a larger distance $b$ measured on the same
        increasing grid `ps`: find the first interval where $\log r_b - \log r_a$ goes from negative to $\ge 0$ and
        interpolate linearly **in $\log p$**; return `None` if the curves do not cross on the grid.

        Write your code in the cell below, then run the self-check after it.

        <details><summary>Hint 1</summary>

        Work with `x = np.log(ps)` and `y = np.log(rates_b) - np.log(rates_a)`. Power laws are straight lines in these
        variables, so the interpolation is exact for them.

        <details><summary>Hint 2</summary>

        For the first `i` with `y[i] < 0 <= y[i + 1]`: `x_c = x[i] + (x[i + 1] - x[i]) * (-y[i]) / (y[i + 1] - y[i])`,
        and return `np.exp(x_c)`.

        </details>

        </details>
        """,
        r'''
        def crossing(ps, rates_a, rates_b):
            """The p where the larger code stops being better, interpolated in log-log; None if no crossing."""
            # YOUR CODE HERE
            raise NotImplementedError
        ''',
        r'''
        def crossing(ps, rates_a, rates_b):
            """The p where the larger code stops being better, interpolated in log-log; None if no crossing."""
            x = np.log(np.asarray(ps, dtype=float))
            y = np.log(np.asarray(rates_b, dtype=float)) - np.log(np.asarray(rates_a, dtype=float))
            for i in range(len(x) - 1):
                if y[i] < 0 <= y[i + 1]:
                    return float(np.exp(x[i] + (x[i + 1] - x[i]) * (-y[i]) / (y[i + 1] - y[i])))
            return None
        ''',
        r"""
        # Self-check (exercise 3)
        from liangzhi_checks.katas import check, expect

        def _test():
            grid = np.array([0.004, 0.008, 0.016])
            c = crossing(grid, 10 * grid**2, 1000 * grid**3)   # equal at p = 0.01 exactly
            expect(c is not None and abs(c - 0.01) < 1e-12,
                   "power laws cross at p = 0.01 here; interpolate in log p and log rate",
                   "这里两条幂律在 p = 0.01 相交；请对 log p 与 log 错误率插值")
            expect(crossing(grid, 10 * grid**2, 0.1 * grid**2) is None, "no crossing on the grid: return None",
                   "网格上没有交点时返回 None")
            rates = {d: [k / n for k, n in stats[d].values()] for d in DS}
            c35 = crossing(PS, rates[3], rates[5])
            expect(c35 is not None and 0.005 < c35 < 0.008,
                   "on this sweep, d = 3 and 5 (per experiment) cross between p = 0.005 and 0.008",
                   "在本次扫描中，d = 3 与 5（按实验计）在 p = 0.005 与 0.008 之间相交")
            print(f"crossing of d = 3 and 5 per experiment: p = {100 * c35:.2f} %")

        check('Exercise 3 · crossing', _test)
        """,
    ),
    md(r"""
    ## 2. Your Λ from the sweep

    Run this after the exercises: $\Lambda$ per round for each step $d \to d + 2$ with its error bar, and the
    crossing of the per-round rates. Compare with the lesson's table (made with more errors per point).
    """),
    code(r"""
    try:
        for p in PS:
            eps = {d: float(per_round(stats[d][p][0] / stats[d][p][1], d)) for d in DS}
            row = []
            for a, b in ((3, 5), (5, 7)):
                (ka, na), (kb, nb) = stats[a][p], stats[b][p]
                sa = np.sqrt(ka / na * (1 - ka / na) / na) * eps[a] / (ka / na)   # relative error of P carries over
                sb = np.sqrt(kb / nb * (1 - kb / nb) / nb) * eps[b] / (kb / nb)
                lam, sigma = lambda_with_error(eps[a], sa, eps[b], sb)
                row.append(f"Λ({a}→{b}) = {lam:.2f} ± {sigma:.2f}")
            print(f"p = {p}: " + "   ".join(row))
        per_round_rates = {d: [float(per_round(k / n, d)) for k, n in stats[d].values()] for d in DS}
        for a, b in ((3, 5), (5, 7)):
            c = crossing(PS, per_round_rates[a], per_round_rates[b])
            print(f"per-round crossing of d = {a} and {b}:", f"p = {100 * c:.2f} %" if c else "none on this grid")
    except NotImplementedError:
        print("finish the exercises first")
    """),
]


# ----------------------------------------------------------------------------------------------------------------
# Assignments of units 6-7 (ask for what the practice did not show: the phase-flip code, reading a DEM, fitting Λ)
# ----------------------------------------------------------------------------------------------------------------
A6 = [
    md(r"""
    # Assignment: a phase-flip memory written by hand

    Fill in every cell that says `YOUR CODE HERE` (delete the `raise NotImplementedError()` line). Visible tests run
    when you execute the cell below your answer; hidden tests check more when you submit. Points: 10 (7 autograded,
    3 written).
    """),
    locked("byhand_imports", r"""
    import numpy as np
    import stim
    from liangzhi_checks.qec import logical_error_rate, matching_decoder

    def generated_repetition(d, rounds, p):
        return stim.Circuit.generated("repetition_code:memory", distance=d, rounds=rounds,
                                      after_clifford_depolarization=p, before_round_data_depolarization=p,
                                      before_measure_flip_probability=p, after_reset_flip_probability=p)
    """),
    md(r"""
    **Q1 (4 points).** The repetition code of the practice protects against bit flips. Write
    `phase_flip_memory(d, rounds, p)`: the same memory experiment for the **phase-flip** code, which protects against
    $Z$ errors. Data qubits $0, 2, \dots, 2d-2$ start in $\lvert +\rangle$ (`RX`); measure qubit $2k+1$ measures
    $X_{2k}X_{2k+2}$: prepare it in $\lvert +\rangle$, apply a CNOT *from* it to each neighbour, measure it in the $X$
    basis and reset it (`MRX`). At the end measure the data with `MX`. Noise: `Z_ERROR(p)` after every reset and before
    every measurement (an $X$-basis result flips under $Z$), `DEPOLARIZE1(p)` on the data before each round,
    `DEPOLARIZE2(p)` after each layer of CNOTs. $(d-1)(\text{rounds}+1)$ detectors; observable 0 on the last data
    qubit's final result.
    """),
    answer("phase_flip_memory", r"""
    def phase_flip_memory(d, rounds, p):
        ### BEGIN SOLUTION
        n = d - 1
        data = " ".join(str(q) for q in range(0, 2 * d - 1, 2))
        anc = " ".join(str(q) for q in range(1, 2 * d - 1, 2))
        cx1 = " ".join(f"{a} {a - 1}" for a in range(1, 2 * d - 1, 2))
        cx2 = " ".join(f"{a} {a + 1}" for a in range(1, 2 * d - 1, 2))
        one_round = (f"DEPOLARIZE1({p}) {data}\nCX {cx1}\nDEPOLARIZE2({p}) {cx1}\nTICK\n"
                     f"CX {cx2}\nDEPOLARIZE2({p}) {cx2}\nTICK\n"
                     f"Z_ERROR({p}) {anc}\nMRX {anc}\nZ_ERROR({p}) {anc}\n")
        text = f"RX {data} {anc}\nZ_ERROR({p}) {data} {anc}\nTICK\n" + one_round
        text += "".join(f"DETECTOR rec[{k - n}]\n" for k in range(n))
        for _ in range(rounds - 1):
            text += one_round + "".join(f"DETECTOR rec[{k - n}] rec[{k - 2 * n}]\n" for k in range(n))
        text += f"Z_ERROR({p}) {data}\nMX {data}\n"
        text += "".join(f"DETECTOR rec[{k - d}] rec[{k - d + 1}] rec[{k - d - n}]\n" for k in range(n))
        text += "OBSERVABLE_INCLUDE(0) rec[-1]\n"
        return stim.Circuit(text)
        ### END SOLUTION
    """),
    tests("test_phase_flip_structure", 2, r"""
    c = phase_flip_memory(3, 3, 0.02)
    assert c.num_detectors == 8, c.num_detectors
    assert c.num_observables == 1
    c.detector_error_model(decompose_errors=True)   # fails if a detector or the observable is not deterministic
    assert len(c.shortest_graphlike_error()) == 3
    ### BEGIN HIDDEN TESTS
    for d, rounds in ((5, 2), (7, 1), (3, 4)):
        c = phase_flip_memory(d, rounds, 0.01)
        assert c.num_detectors == (d - 1) * (rounds + 1), (d, rounds)
        assert len(c.shortest_graphlike_error()) == d, (d, rounds)
    # a phase-flip code ignores bit flips: X errors after every gate fire no detector and never flip the observable
    quiet = phase_flip_memory(3, 3, 0.0)
    hit = stim.Circuit()
    for inst in quiet.flattened():
        hit.append(inst)
        if inst.name in ("CX", "CNOT", "ZCX"):
            hit.append("X_ERROR", list(range(quiet.num_qubits)), 0.2)
    det, obs = hit.compile_detector_sampler(seed=3).sample(500, separate_observables=True)
    assert not det.any() and not obs.any(), "X errors should be invisible to the phase-flip code"
    ### END HIDDEN TESTS
    """),
    tests("test_phase_flip_rate", 2, r"""
    # Conjugating every qubit by H maps the bit-flip memory onto the phase-flip one: same logical error rate
    shots = 20_000
    mine = phase_flip_memory(3, 3, 0.02)
    det, obs = mine.compile_detector_sampler(seed=21).sample(shots, separate_observables=True)
    rate = logical_error_rate(matching_decoder(mine)(det), obs)
    ref = generated_repetition(3, 3, 0.02)
    det, obs = ref.compile_detector_sampler(seed=22).sample(shots, separate_observables=True)
    base = logical_error_rate(matching_decoder(ref)(det), obs)
    print(f"phase-flip memory: p_L = {rate:.4f}; bit-flip memory (generated): {base:.4f}")
    assert abs(rate - base) < 5 * np.sqrt(rate * (1 - rate) / shots + base * (1 - base) / shots)
    ### BEGIN HIDDEN TESTS
    mine = phase_flip_memory(5, 5, 0.02)
    det, obs = mine.compile_detector_sampler(seed=23).sample(shots, separate_observables=True)
    rate = logical_error_rate(matching_decoder(mine)(det), obs)
    ref = generated_repetition(5, 5, 0.02)
    det, obs = ref.compile_detector_sampler(seed=24).sample(shots, separate_observables=True)
    base = logical_error_rate(matching_decoder(ref)(det), obs)
    assert abs(rate - base) < 5 * np.sqrt(rate * (1 - rate) / shots + base * (1 - base) / shots), (rate, base)
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q2 (3 points).** Write `count_mechanisms(dem)` for a `stim.DetectorErrorModel` (not decomposed): return a dict
    with `"boundary"`, the number of error mechanisms that flip exactly one detector, `"edge"`, those that flip exactly
    two, and `"observable"`, those that flip logical observable 0. Lines that are not `error(...)` do not count.
    """),
    answer("count_mechanisms", r"""
    def count_mechanisms(dem):
        ### BEGIN SOLUTION
        out = {"boundary": 0, "edge": 0, "observable": 0}
        for inst in dem.flattened():
            if inst.type != "error":
                continue
            targets = inst.targets_copy()
            detectors = sum(1 for t in targets if t.is_relative_detector_id())
            if detectors == 1:
                out["boundary"] += 1
            elif detectors == 2:
                out["edge"] += 1
            if any(t.is_logical_observable_id() and t.val == 0 for t in targets):
                out["observable"] += 1
        return out
        ### END SOLUTION
    """),
    tests("test_count_mechanisms", 3, r"""
    toy = stim.DetectorErrorModel('''
        error(0.1) D0
        error(0.1) D0 D1
        error(0.2) D1 L0
        error(0.05) D2 D3 L0
        detector(1, 0) D0
    ''')
    assert count_mechanisms(toy) == {"boundary": 2, "edge": 2, "observable": 2}, count_mechanisms(toy)
    ### BEGIN HIDDEN TESTS
    toy = stim.DetectorErrorModel('''
        error(0.1) D0 D1 D2
        error(0.1) L0
        error(0.1) D4 L1
        repeat 2 {
            error(0.1) D0
            shift_detectors 1
        }
    ''')
    assert count_mechanisms(toy) == {"boundary": 3, "edge": 0, "observable": 1}, count_mechanisms(toy)
    dem = generated_repetition(5, 5, 0.02).detector_error_model()
    ref = {"boundary": 0, "edge": 0, "observable": 0}
    for inst in dem.flattened():
        if inst.type == "error":
            k = [t for t in inst.targets_copy() if t.is_relative_detector_id()]
            ref["boundary"] += len(k) == 1
            ref["edge"] += len(k) == 2
            ref["observable"] += any(t.is_logical_observable_id() for t in inst.targets_copy())
    assert count_mechanisms(dem) == ref, (count_mechanisms(dem), ref)
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q3 (3 points, graded by your teacher).** A classmate writes a distance-5 surface-code memory by hand. Decoded with
    PyMatching, it shows a logical error rate ten times *lower* than `stim.Circuit.generated` at the same $p$, with
    $z \approx -30$. Is this good news? Give two mistakes that produce it and, for each, a check (with Stim) that finds it.
    """),
    written("too_good", 3, r"""
    No: a hand-written circuit with the same noise model cannot beat the generated one by 30 standard errors; an
    unexpectedly *low* rate is a bug just as a high one is. (1) A detector that contains the logical observable (for
    example a closing detector over a whole row of data qubits, or the observable's records added to a detector): the
    decoder is then told the answer. Check: compare the detector definitions with the stabilizers; in the DEM, look for
    error mechanisms whose detectors and L0 differ from the generated circuit's; shortest_graphlike_error may fail or
    return an odd length. (2) Noise left out or too weak: a missing DEPOLARIZE2 after a CX layer, X_ERROR instead of a
    depolarising channel, noise placed after the measurement rather than before, or an observable that Z errors cannot
    flip. Check: compare dem.num_errors and the summed error probabilities with the generated circuit's DEM, and count
    detection events per round (they should match within statistics). Either way, equal counts of detectors and a
    z-test within a few sigma are the acceptance criteria.
    """),
]

A7 = [
    md(r"""
    # Assignment: fitting Λ and planning a sweep

    Fill in every cell that says `YOUR CODE HERE` (delete the `raise NotImplementedError()` line). Points: 10
    (7 autograded, 3 written).
    """),
    locked("lambda_imports", r"""
    import math

    import numpy as np
    """),
    md(r"""
    **Q1 (4 points).** With more than two distances, $\Lambda$ is fitted rather than taken from one ratio. Below
    threshold $\varepsilon_d \approx C\,\Lambda^{-(d+1)/2}$, so $\ln \varepsilon_d$ is a straight line in $d$ with slope
    $s = -\tfrac12 \ln \Lambda$. Write `fit_lambda(distances, eps, sigmas)`: a **weighted** least-squares line through
    $(d, \ln \varepsilon_d)$ where each point has standard error $\sigma_d/\varepsilon_d$ (weight
    $(\varepsilon_d/\sigma_d)^2$), returning `(Lambda, sigma_Lambda)` with $\Lambda = e^{-2s}$ and
    $\sigma_\Lambda = 2\Lambda\sigma_s$, $\sigma_s^2 = 1 / \sum_d w_d (d - \bar d_w)^2$ ($\bar d_w$ the weighted mean).
    """),
    answer("fit_lambda", r"""
    def fit_lambda(distances, eps, sigmas):
        ### BEGIN SOLUTION
        d = np.asarray(distances, dtype=float)
        y = np.log(np.asarray(eps, dtype=float))
        w = (np.asarray(eps, dtype=float) / np.asarray(sigmas, dtype=float)) ** 2
        dbar = np.sum(w * d) / np.sum(w)
        sxx = np.sum(w * (d - dbar) ** 2)
        slope = np.sum(w * (d - dbar) * y) / sxx
        lam = math.exp(-2 * slope)
        return lam, 2 * lam * math.sqrt(1 / sxx)
        ### END SOLUTION
    """),
    tests("test_fit_lambda", 4, r"""
    ds = [3, 5, 7]
    eps = [0.1 / 3 ** ((d + 1) / 2) for d in ds]
    lam, sigma = fit_lambda(ds, eps, [0.05 * e for e in eps])
    assert abs(lam - 3) < 1e-9, lam
    # two distances: the fit is the ratio, and its error bar is the quadrature rule of the lesson
    lam, sigma = fit_lambda([3, 5], [0.01, 0.002], [0.001, 0.0002])
    assert abs(lam - 5) < 1e-9 and abs(sigma - 5 * math.sqrt(0.02)) < 1e-9, (lam, sigma)
    ### BEGIN HIDDEN TESTS
    # a point with a huge error bar barely moves the fit; an unweighted fit would follow it
    lam, sigma = fit_lambda([3, 5, 7, 9], [0.01, 0.002, 0.0004, 0.0004], [1e-4, 2e-5, 4e-6, 4e-3])
    ref = np.polyfit([3, 5, 7, 9], np.log([0.01, 0.002, 0.0004, 0.0004]), 1, w=[100, 100, 100, 0.1])
    assert abs(lam - math.exp(-2 * ref[0])) < 1e-6 and abs(lam - 5) < 0.01, lam
    # the lesson's sweep at p = 0.003 (per-round rates and their standard errors)
    lam, sigma = fit_lambda([3, 5, 7], [2.25e-3, 6.89e-4, 2.02e-4], [1.0e-4, 3.0e-5, 1.2e-5])
    assert 3.1 < lam < 3.6 and 0.1 < sigma < 0.25, (lam, sigma)
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q2 (3 points).** Write `shots_for(p_L, rel)`: the smallest number of shots $n$ for which the binomial standard error
    of an estimated logical error rate $p_L$ is at most the fraction `rel` of $p_L$.
    """),
    answer("shots_for", r"""
    def shots_for(p_L, rel):
        ### BEGIN SOLUTION
        n = math.ceil((1 - p_L) / (p_L * rel**2))
        while n > 1 and math.sqrt(p_L * (1 - p_L) / (n - 1)) <= rel * p_L:
            n -= 1
        while math.sqrt(p_L * (1 - p_L) / n) > rel * p_L:
            n += 1
        return n
        ### END SOLUTION
    """),
    tests("test_shots_for", 3, r"""
    def rel_error(p, n):
        return math.sqrt(p * (1 - p) / n) / p

    n = shots_for(1e-3, 0.2)
    assert isinstance(n, (int, np.integer)), type(n)
    assert rel_error(1e-3, n) <= 0.2 + 1e-12 and rel_error(1e-3, n - 1) > 0.2 - 1e-12, n
    ### BEGIN HIDDEN TESTS
    for p, rel in ((2.2e-4, 0.05), (0.06, 0.1), (0.3, 0.02), (0.5, 0.5)):
        n = shots_for(p, rel)
        assert rel_error(p, n) <= rel + 1e-12, (p, rel, n)
        assert n == 1 or rel_error(p, n - 1) > rel - 1e-12, (p, rel, n)
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q3 (3 points, graded by your teacher).** A lab reports $\Lambda_{3\to5} = 2.3 \pm 0.2$ and $\Lambda_{5\to7} = 1.6 \pm 0.2$
    from per-round logical error rates. Are the two consistent? Give two physical or methodological reasons why $\Lambda$
    could fall with distance on a real device, and say which measurement you would add to tell them apart.
    """),
    written("lambda_drop", 3, r"""
    The difference is 0.7 with a combined standard error of about 0.28, i.e. 2.5 sigma: unlikely to be chance, so
    worth explaining. Reasons: (1) noise that is not local and independent, such as correlated errors from cosmic rays
    or crosstalk, or leakage out of the qubit subspace, which grows with the number of qubits and rounds and which a
    larger code does not suppress exponentially; (2) the larger code uses worse qubits or couplers (non-uniform error
    rates across the chip), so its effective p is higher; (3) methodological: different numbers of rounds, a per-round
    conversion applied near threshold, too few errors at d = 7, or a decoder whose model was calibrated on the small
    code. To tell them apart: measure detection-event rates per qubit and per round (non-uniformity, leakage shows as
    growing rates), repeat d = 5 on the qubits of the d = 7 patch, run more rounds and check that per-round rates do
    not depend on the number of rounds, and look for bursts of simultaneous detection events (correlated events).
    """),
]


# ----------------------------------------------------------------------------------------------------------------
# Unit 8: correlated matching as a stronger baseline
# ----------------------------------------------------------------------------------------------------------------
PRACTICE_8 = [
    md(r"""
    # Practice: plain versus correlated matching

    Both decoders see the **same** shots of the $d = 5$ surface code. You write the paired comparison and the
    decoding with PyMatching 2.4's correlated matching, then measure the gain yourself.
    """),
    code(r"""
    import numpy as np
    import pymatching
    from liangzhi_checks.qec import surface_code_circuit

    dem = surface_code_circuit(5, 0.005).detector_error_model(decompose_errors=True)
    hyper = [inst for inst in dem.flattened() if inst.type == "error" and len(inst.target_groups()) > 1]
    print(dem.num_errors, "error mechanisms, of which", len(hyper), "are hyperedges written as pieces, e.g.")
    print(hyper[0])
    """),
    code(r"""
    # Self-check: depolarising noise makes hyperedges (Y errors among them), each decomposed into graphlike pieces
    assert hyper and all(1 <= len(g) <= 2 for inst in hyper for g in inst.target_groups()
                         if any(t.is_relative_detector_id() for t in g))
    print("✓ the decomposed model has", len(hyper), "hyperedges for correlated matching to use")
    """),
    *kata(
        "correlated-mcnemar",
        r"""
        ### Exercise 1: the paired comparison

        `wrong_a` and `wrong_b` are boolean arrays, one entry per shot: did decoder A (resp. B) get that shot wrong?
        Write `paired_counts(wrong_a, wrong_b)` returning `(b, c, z)`: $b$ the shots only A gets wrong, $c$ those only B
        gets wrong, and McNemar's $z = (b - c)/\sqrt{b + c}$ (0 when $b + c = 0$).

        Write your code in the cell below, then run the self-check after it.

        <details><summary>Hint 1</summary>

        Shots that both decoders get right, or both get wrong, say nothing about which is better: only the
        disagreements count.

        <details><summary>Hint 2</summary>

        `b = int((wrong_a & ~wrong_b).sum())`, `c = int((wrong_b & ~wrong_a).sum())`.

        </details>

        </details>
        """,
        r'''
        def paired_counts(wrong_a, wrong_b):
            """(b, c, z): shots only A gets wrong, only B gets wrong, and McNemar's z."""
            # YOUR CODE HERE
            raise NotImplementedError
        ''',
        r'''
        def paired_counts(wrong_a, wrong_b):
            """(b, c, z): shots only A gets wrong, only B gets wrong, and McNemar's z."""
            wrong_a, wrong_b = np.asarray(wrong_a, dtype=bool), np.asarray(wrong_b, dtype=bool)
            b = int((wrong_a & ~wrong_b).sum())
            c = int((wrong_b & ~wrong_a).sum())
            return b, c, float((b - c) / np.sqrt(b + c)) if b + c else 0.0
        ''',
        r"""
        # Self-check (exercise 1)
        from liangzhi_checks.katas import check, expect

        def _test():
            a = np.array([1, 1, 0, 0, 1, 1, 0, 1], dtype=bool)
            b_ = np.array([1, 0, 0, 1, 0, 0, 0, 1], dtype=bool)
            b, c, z = paired_counts(a, b_)
            expect((b, c) == (3, 1), "count only the shots where exactly one decoder is wrong",
                   "只统计恰有一个解码器出错的样本")
            expect(abs(z - 1.0) < 1e-12, "z = (b - c) / √(b + c)", "z = (b - c) / √(b + c)")
            expect(paired_counts(b_, a)[2] < 0, "swapping A and B flips the sign of z", "交换 A 与 B，z 应变号")
            expect(paired_counts(a, a)[2] == 0, "identical decoders: z = 0 (no division by zero)",
                   "两个解码器完全相同时 z = 0（不要除以零）")
            b, c, z = paired_counts(np.arange(1000) < 160, (np.arange(1000) >= 950) | (np.arange(1000) < 83))
            expect((b, c) == (77, 50) and abs(z - 27 / np.sqrt(127)) < 1e-9,
                   "shots both decoders get wrong do not count", "两个解码器都出错的样本不计入")

        check('Exercise 1 · paired counts', _test)
        """,
    ),
    *kata(
        "correlated-decode",
        r"""
        ### Exercise 2: decode the same shots twice

        Write `compare(circuit, shots, seed)`: sample `shots` shots once (`circuit.compile_detector_sampler(seed=seed)`,
        `separate_observables=True`), decode them with plain PyMatching and with correlated matching built from the same
        decomposed detector error model, and return `(wrong_plain, wrong_correlated)`, two boolean arrays (one entry per
        shot: any observable predicted wrong).

        Write your code in the cell below, then run the self-check after it.

        <details><summary>Hint 1</summary>

        Correlated matching needs `enable_correlations=True` twice: in
        `pymatching.Matching.from_detector_error_model(dem, enable_correlations=True)` and in
        `decode_batch(det, enable_correlations=True)`.

        <details><summary>Hint 2</summary>

        Sample once and give the same `det` to both decoders; `np.any(pred != obs, axis=1)` is the wrong-shot mask.

        </details>

        </details>
        """,
        r'''
        def compare(circuit, shots, seed):
            """(wrong_plain, wrong_correlated) on the same shots."""
            # YOUR CODE HERE
            raise NotImplementedError
        ''',
        r'''
        def compare(circuit, shots, seed):
            """(wrong_plain, wrong_correlated) on the same shots."""
            dem = circuit.detector_error_model(decompose_errors=True)
            plain = pymatching.Matching.from_detector_error_model(dem)
            corr = pymatching.Matching.from_detector_error_model(dem, enable_correlations=True)
            det, obs = circuit.compile_detector_sampler(seed=seed).sample(shots, separate_observables=True)
            return (np.any(plain.decode_batch(det) != obs, axis=1),
                    np.any(corr.decode_batch(det, enable_correlations=True) != obs, axis=1))
        ''',
        r"""
        # Self-check (exercise 2)
        from liangzhi_checks.katas import check, expect

        def _test():
            circuit = surface_code_circuit(5, 0.005)
            wrong_plain, wrong_corr = compare(circuit, 4_000, seed=5)
            expect(len(wrong_plain) == len(wrong_corr) == 4_000, "one entry per shot for each decoder",
                   "每个解码器每个样本一项")
            dem = circuit.detector_error_model(decompose_errors=True)
            det, obs = circuit.compile_detector_sampler(seed=5).sample(4_000, separate_observables=True)
            ref_plain = np.any(pymatching.Matching.from_detector_error_model(dem).decode_batch(det) != obs, axis=1)
            corr = pymatching.Matching.from_detector_error_model(dem, enable_correlations=True)
            ref_corr = np.any(corr.decode_batch(det, enable_correlations=True) != obs, axis=1)
            expect(np.array_equal(np.asarray(wrong_plain, dtype=bool), ref_plain),
                   "the plain decoder's mistakes differ from PyMatching's on these shots (same seed, sampled once?)",
                   "普通解码器的出错样本与 PyMatching 在这些样本上的不同（是否用同一种子、只采样一次？）")
            expect(np.array_equal(np.asarray(wrong_corr, dtype=bool), ref_corr),
                   "correlated matching needs enable_correlations=True both when building and when decoding",
                   "关联匹配在构建和解码时都需要 enable_correlations=True")

        check('Exercise 2 · the same shots, two decoders', _test)
        """,
    ),
    md(r"""
    ## Your measurement

    Run this after both exercises: 20 000 shots at $d = 5$ and $d = 3$, $p = 0.005$. Compare with the lesson's table
    (100 000 shots each): the gain at $d = 5$ should be clear, the one at $d = 3$ within noise.
    """),
    code(r"""
    try:
        for d in (3, 5):
            wrong_plain, wrong_corr = compare(surface_code_circuit(d, 0.005), 20_000, seed=50 + d)
            b, c, z = paired_counts(wrong_plain, wrong_corr)
            print(f"d = {d}: plain {wrong_plain.mean():.4f}, correlated {wrong_corr.mean():.4f}; "
                  f"only plain wrong {b}, only correlated wrong {c}, z = {z:+.1f}")
    except NotImplementedError:
        print("finish exercises 1 and 2 first")
    """),
]

A8 = [
    md(r"""
    # Assignment: hyperedges and a fair comparison of decoders

    Fill in every cell that says `YOUR CODE HERE` (delete the `raise NotImplementedError()` line). Points: 10
    (7 autograded, 3 written).
    """),
    locked("correlated_imports", r"""
    import math

    import numpy as np
    import stim
    from liangzhi_checks.qec import surface_code_circuit
    """),
    md(r"""
    **Q1 (4 points).** Write `hyperedge_share(dem)` for a **decomposed** `stim.DetectorErrorModel`: return a pair
    `(count, share)`, where `count` is the number of `error(...)` mechanisms written as more than one graphlike piece
    (their targets contain a `^` separator) and `share` is their summed probability divided by the summed probability
    of all error mechanisms. These are the errors plain matching splits apart and correlated matching puts back together.
    """),
    answer("hyperedge_share", r"""
    def hyperedge_share(dem):
        ### BEGIN SOLUTION
        count, hyper, total = 0, 0.0, 0.0
        for inst in dem.flattened():
            if inst.type != "error":
                continue
            p = inst.args_copy()[0]
            total += p
            if any(t.is_separator() for t in inst.targets_copy()):
                count += 1
                hyper += p
        return count, hyper / total
        ### END SOLUTION
    """),
    tests("test_hyperedge_share", 4, r"""
    toy = stim.DetectorErrorModel('''
        error(0.1) D0 D1 ^ D2 D3
        error(0.3) D0 D1
        error(0.1) D2 L0
        detector(0, 0) D0
    ''')
    count, share = hyperedge_share(toy)
    assert count == 1 and abs(share - 0.2) < 1e-12, (count, share)
    ### BEGIN HIDDEN TESTS
    toy = stim.DetectorErrorModel('''
        repeat 3 {
            error(0.1) D0 ^ D1
            shift_detectors 2
        }
        error(0.2) D0 D1 L0
    ''')
    count, share = hyperedge_share(toy)
    assert count == 3 and abs(share - 0.6) < 1e-12, (count, share)
    dem = surface_code_circuit(3, 0.003).detector_error_model(decompose_errors=True)
    ref_count, ref_hyper, ref_total = 0, 0.0, 0.0
    for inst in dem.flattened():
        if inst.type == "error":
            groups = inst.target_groups()
            ref_total += inst.args_copy()[0]
            if len(groups) > 1:
                ref_count += 1
                ref_hyper += inst.args_copy()[0]
    count, share = hyperedge_share(dem)
    assert count == ref_count and abs(share - ref_hyper / ref_total) < 1e-9, (count, share)
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q2 (3 points).** With few disagreements the normal approximation of McNemar's $z$ is rough. Write
    `sign_test_p(b, c)`: the exact two-sided p-value of the sign test. Under "equally good decoders" each of the
    $n = b + c$ disagreements is equally likely to go either way, so $\min(b, c)$ is binomial$(n, \tfrac12)$; the p-value is
    $\min\!\left(1,\ 2\sum_{k=0}^{\min(b,c)} \binom{n}{k} 2^{-n}\right)$ (1 when $n = 0$).
    """),
    answer("sign_test_p", r"""
    def sign_test_p(b, c):
        ### BEGIN SOLUTION
        n = b + c
        if n == 0:
            return 1.0
        tail = sum(math.comb(n, k) for k in range(min(b, c) + 1)) / 2**n
        return min(1.0, 2 * tail)
        ### END SOLUTION
    """),
    tests("test_sign_test_p", 3, r"""
    assert abs(sign_test_p(5, 0) - 0.0625) < 1e-12, sign_test_p(5, 0)
    assert sign_test_p(3, 3) == 1.0
    assert abs(sign_test_p(0, 5) - sign_test_p(5, 0)) < 1e-15
    ### BEGIN HIDDEN TESTS
    assert sign_test_p(0, 0) == 1.0
    assert abs(sign_test_p(7, 2) - 0.1796875) < 1e-12, sign_test_p(7, 2)
    # the lesson's d = 7, p = 0.003 row: 91 against 29 disagreements
    p = sign_test_p(91, 29)
    assert 1e-9 < p < 1e-7, p
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q3 (3 points, graded by your teacher).** A preprint reports: "our neural decoder reduces the logical error rate
    of the $d = 5$ rotated surface code under circuit-level depolarising noise ($p = 0.005$) by 25 % compared with
    PyMatching; both rates are given with error bars that do not overlap." Using lesson 08's measurements, say what
    baseline the claim should have used and why it matters at this distance, and name two further things you would ask
    the authors before believing the comparison.
    """),
    written("baseline_claim", 3, r"""
    Model answer. At $d = 5$, $p = 0.005$ plain PyMatching has 0.01494 ± 0.00038 and correlated matching 0.01112 ±
    0.00033, already 25.6 % lower (ratio 1.34). Under depolarising noise the Y errors are hyperedges; plain matching
    splits them, correlated matching (PyMatching 2.4, enable_correlations=True) uses them. So a 25 % gain over plain
    matching is roughly what correlated matching gives for free: the neural decoder must be compared with correlated
    matching (or belief-matching), and the gain grows with distance (1.75 at d = 7), so the comparison should also be
    made at more than one distance. Further questions: were both decoders evaluated on the same test shots, with a paired
    test (McNemar / sign test) rather than overlapping error bars; was the test set disjoint from training and
    large enough (number of logical errors, not shots); does the network's noise model equal the one the matcher was
    given (a mis-specified DEM makes matching look bad); how many rounds, and is the rate per round or per experiment;
    what is the latency of the network compared with matching.
    Rubric (3 points): 1 point for naming correlated matching (or belief-matching) as the baseline; 1 point for the
    reason with numbers (hyperedges from Y errors; about 25 % at d = 5, larger at d = 7); 1 point for two sound further
    questions (same shots / paired test, disjoint test set, matched noise model, per-round convention, latency).
    """),
]

# ----------------------------------------------------------------------------------------------------------------
# Unit 9: a neural pre-decoder
# ----------------------------------------------------------------------------------------------------------------
PRACTICE_9 = [
    md(r"""
    # Practice: a neural pre-decoder in front of matching

    You write the two local steps of the lesson's pre-decoder: finding the lit pairs, and removing accepted pairs
    without conflicts. Then a tiny network scores the pairs and you measure what it removes and what it costs, on
    the $d = 5$ surface code at $p = 0.003$.
    """),
    code(r"""
    import numpy as np
    import pymatching
    import torch
    from liangzhi_checks.qec import surface_code_circuit

    torch.set_num_threads(1)
    dem = surface_code_circuit(5, 0.003).detector_error_model(decompose_errors=True)

    # The two-detector edges of the matching graph and whether each flips the observable L0; mechanism -> edge flips.
    index, observable, pieces = {}, [], []
    for inst in dem.flattened():
        if inst.type != "error":
            continue
        mine = []
        for group in inst.target_groups():
            key = tuple(sorted(t.val for t in group if t.is_relative_detector_id()))
            if len(key) == 2:
                if key not in index:
                    index[key] = len(index)
                    observable.append(any(t.is_logical_observable_id() for t in group))
                mine.append(index[key])
        pieces.append(mine)
    pairs = np.array(list(index))
    pair_obs = np.array(observable)
    print(dem.num_detectors, "detectors,", len(pairs), "two-detector edges")
    """),
    code(r"""
    # Self-check: every edge joins two different detectors; the observable runs along a boundary of the patch, so in
    # this circuit only boundary edges (one detector) cross it and no removed pair flips the prediction by itself
    assert pairs.shape[1] == 2 and (pairs[:, 0] < pairs[:, 1]).all() and pairs.max() < dem.num_detectors
    assert not pair_obs.any()
    print("✓", len(pairs), "two-detector edges, none of them flips the observable")
    """),
    *kata(
        "predecoder-lit-pairs",
        r"""
        ### Exercise 1: the candidates

        `det` is a boolean array `(shots, detectors)`; `pairs` an integer array `(edges, 2)` of detector indices. Write
        `lit_pairs(det, pairs)` returning a boolean array `(shots, edges)`: `True` where **both** detectors of the edge fired.

        Write your code in the cell below, then run the self-check after it.

        <details><summary>Hint 1</summary>

        `det[:, pairs[:, 0]]` is the state of every edge's first detector, shot by shot.

        <details><summary>Hint 2</summary>

        `det[:, pairs[:, 0]] & det[:, pairs[:, 1]]`.

        </details>

        </details>
        """,
        r'''
        def lit_pairs(det, pairs):
            """(shots, edges) booleans: both detectors of the edge fired."""
            # YOUR CODE HERE
            raise NotImplementedError
        ''',
        r'''
        def lit_pairs(det, pairs):
            """(shots, edges) booleans: both detectors of the edge fired."""
            det = np.asarray(det, dtype=bool)
            return det[:, pairs[:, 0]] & det[:, pairs[:, 1]]
        ''',
        r"""
        # Self-check (exercise 1)
        from liangzhi_checks.katas import check, expect

        def _test():
            toy_pairs = np.array([[0, 1], [1, 2], [0, 3]])
            toy = np.array([[1, 1, 0, 0], [0, 1, 1, 1], [1, 0, 0, 0]], dtype=bool)
            got = np.asarray(lit_pairs(toy, toy_pairs), dtype=bool)
            expect(got.shape == (3, 3), "one column per edge, one row per shot", "每条边一列，每个样本一行")
            expect(np.array_equal(got, [[True, False, False], [False, True, False], [False, False, False]]),
                   "both detectors must have fired, not just one of them", "两端探测器都必须被触发，而不是其中之一")
            sample = dem.compile_sampler(seed=3).sample(200)[0]
            expect(int(np.asarray(lit_pairs(sample, pairs)).sum()) == int((sample[:, pairs[:, 0]] & sample[:, pairs[:, 1]]).sum()),
                   "on real shots too", "在真实样本上也应如此")

        check('Exercise 1 · lit pairs', _test)
        """,
    ),
    *kata(
        "predecoder-remove",
        r"""
        ### Exercise 2: removing pairs without conflicts

        `accept` is a boolean array `(shots, edges)` of the pairs the network wants to remove (all of them lit). Write
        `remove_pairs(det, pairs, pair_obs, accept)` returning `(remaining, flips)`:

        - a pair is removed only if **neither** of its detectors belongs to another accepted pair of the same shot;
        - `remaining` is `det` with the detectors of the removed pairs switched off;
        - `flips` (one boolean per shot) is the parity of the observable flips `pair_obs` of the removed pairs.

        Write your code in the cell below, then run the self-check after it.

        <details><summary>Hint 1</summary>

        Count, per shot and detector, how many accepted pairs touch it: `np.add.at` on a zero array of `det`'s shape, or
        a loop over the two columns of `pairs`. Keep the pairs whose two detectors have a count of exactly 1.

        <details><summary>Hint 2</summary>

        With `keep` the kept pairs: `remaining = det.copy()`, then `remaining[shot, u] = False` for every kept
        `(shot, pair)`; `flips = (keep & pair_obs).sum(axis=1) % 2 == 1`.

        </details>

        </details>
        """,
        r'''
        def remove_pairs(det, pairs, pair_obs, accept):
            """(remaining detection events, observable flips of the removed pairs)."""
            # YOUR CODE HERE
            raise NotImplementedError
        ''',
        r'''
        def remove_pairs(det, pairs, pair_obs, accept):
            """(remaining detection events, observable flips of the removed pairs)."""
            det = np.asarray(det, dtype=bool)
            accept = np.asarray(accept, dtype=bool)
            count = np.zeros(det.shape, dtype=int)
            shot, pair = np.nonzero(accept)
            for column in (0, 1):
                np.add.at(count, (shot, pairs[pair, column]), 1)
            ok = (count[shot, pairs[pair, 0]] == 1) & (count[shot, pairs[pair, 1]] == 1)
            remaining = det.copy()
            remaining[shot[ok], pairs[pair[ok], 0]] = False
            remaining[shot[ok], pairs[pair[ok], 1]] = False
            keep = np.zeros(accept.shape, dtype=bool)
            keep[shot[ok], pair[ok]] = True
            return remaining, (keep & np.asarray(pair_obs, dtype=bool)).sum(axis=1) % 2 == 1
        ''',
        r"""
        # Self-check (exercise 2)
        from liangzhi_checks.katas import check, expect

        def _test():
            toy_pairs = np.array([[0, 1], [1, 2], [3, 4], [5, 6]])
            toy_obs = np.array([True, False, True, True])
            det = np.array([[1, 1, 1, 1, 1, 1, 1], [1, 1, 0, 1, 1, 0, 0]], dtype=bool)
            accept = np.array([[1, 1, 1, 1], [1, 0, 1, 0]], dtype=bool)
            remaining, flips = remove_pairs(det, toy_pairs, toy_obs, accept)
            remaining, flips = np.asarray(remaining, dtype=bool), np.asarray(flips, dtype=bool).ravel()
            expect(remaining[0, :3].all(), "two accepted pairs sharing detector 1: neither may be removed",
                   "两个被接受的对共用探测器 1：两者都不能去除")
            expect(not remaining[0, 3:].any() and not remaining[1].any(),
                   "pairs without a conflict are removed (their detectors switched off)",
                   "没有冲突的对要去除（其探测器置为未触发）")
            expect(list(flips) == [False, False],
                   "the observable flips of the removed pairs add modulo 2", "被去除的对的可观测量翻转按模 2 相加")
            expect(det[0].all(), "do not change the caller's array", "不要修改调用者传入的数组")

        check('Exercise 2 · conflict-free removal', _test)
        """,
    ),
    md(r"""
    ## Train the scorer and measure

    Run this after both exercises. Labels come from the simulator (which edges really flipped); the features of a lit
    pair are the numbers of other lit neighbours of its two detectors (the lesson also gives the edge weight). 10 000
    training shots, 20 000 test shots: a few seconds.
    """),
    code(r"""
    neighbours = [set() for _ in range(dem.num_detectors)]
    for u, v in pairs:
        neighbours[u].add(v)
        neighbours[v].add(u)
    adjacency = np.zeros((dem.num_detectors, dem.num_detectors), dtype=np.float32)
    for u, near in enumerate(neighbours):
        adjacency[u, list(near)] = 1

    def features(det, lit):
        lit_nb = np.asarray(det, dtype=np.float32) @ adjacency
        shot, pair = np.nonzero(lit)
        return shot, pair, np.stack([lit_nb[shot, pairs[pair, 0]] - 1, lit_nb[shot, pairs[pair, 1]] - 1], axis=1)

    try:
        det, obs, err = dem.compile_sampler(seed=1).sample(10_000, return_errors=True)
        flipped = np.zeros((len(det), len(pairs)), dtype=int)
        for m in np.nonzero(err.any(axis=0))[0]:
            for e in pieces[m]:
                flipped[err[:, m], e] += 1
        lit = lit_pairs(det, pairs)
        shot, pair, x = features(det, lit)
        y = torch.tensor((flipped[shot, pair] % 2).astype(np.float32))[:, None]
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
        opt = torch.optim.Adam(net.parameters(), 1e-2)
        x = torch.tensor(x)
        for step in range(200):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(net(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        det, obs = dem.compile_sampler(seed=2).sample(20_000)[:2]
        matcher = pymatching.Matching.from_detector_error_model(dem)
        alone = np.any(matcher.decode_batch(det) != obs, axis=1)
        print(f"matching alone: {alone.sum()} errors in {len(det)} shots")
        lit = lit_pairs(det, pairs)
        shot, pair, x = features(det, lit)
        with torch.no_grad():
            score = torch.sigmoid(net(torch.tensor(x)))[:, 0].numpy()
        for threshold in (0.5, 0.9):
            accept = np.zeros(lit.shape, dtype=bool)
            accept[shot[score > threshold], pair[score > threshold]] = True
            remaining, flips = remove_pairs(det, pairs, pair_obs, accept)
            wrong = np.any((matcher.decode_batch(remaining) ^ flips[:, None]) != obs, axis=1)
            print(f"threshold {threshold}: removed {1 - remaining.sum() / det.sum():.1%} of the detection events, "
                  f"{wrong.sum()} errors ({(wrong & ~alone).sum()} new, {(alone & ~wrong).sum()} fixed)")
    except NotImplementedError:
        print("finish exercises 1 and 2 first")
    """),
]

A9 = [
    md(r"""
    # Assignment: labels for a pre-decoder, and choosing its threshold

    Fill in every cell that says `YOUR CODE HERE` (delete the `raise NotImplementedError()` line). Points: 10
    (7 autograded, 3 written).
    """),
    locked("predecoder_imports", r"""
    import math

    import numpy as np
    import stim
    """),
    md(r"""
    **Q1 (4 points).** Write `edge_labels(dem, errors)`. `dem` is a decomposed `stim.DetectorErrorModel`; `errors` the
    boolean array `(shots, mechanisms)` returned by `dem.compile_sampler().sample(shots, return_errors=True)` (column $m$:
    did the $m$-th `error(...)` instruction of `dem.flattened()` fire). Return `(keys, flips)`: `keys` the list of edges
    (sorted tuples of one or two detector indices, in order of first appearance among the graphlike pieces of
    `dem.flattened()`), and `flips` a boolean array `(shots, len(keys))`, `True` where the edge flipped an **odd** number
    of times (a mechanism flips every piece of its decomposition; pieces without a detector are ignored).
    """),
    answer("edge_labels", r"""
    def edge_labels(dem, errors):
        ### BEGIN SOLUTION
        index, pieces = {}, []
        for inst in dem.flattened():
            if inst.type != "error":
                continue
            mine = []
            for group in inst.target_groups():
                key = tuple(sorted(t.val for t in group if t.is_relative_detector_id()))
                if key:
                    index.setdefault(key, len(index))
                    mine.append(index[key])
            pieces.append(mine)
        errors = np.asarray(errors, dtype=bool)
        counts = np.zeros((len(errors), len(index)), dtype=int)
        for m, mine in enumerate(pieces):
            for e in mine:
                counts[:, e] += errors[:, m]
        return list(index), counts % 2 == 1
        ### END SOLUTION
    """),
    tests("test_edge_labels", 4, r"""
    toy = stim.DetectorErrorModel('''
        error(0.1) D0 D1 ^ D2
        error(0.1) D1 D0
        error(0.1) L0
        error(0.1) D2 L0
    ''')
    keys, flips = edge_labels(toy, np.array([[1, 1, 0, 0], [1, 0, 1, 1], [0, 0, 0, 1]], dtype=bool))
    assert keys == [(0, 1), (2,)], keys
    assert np.array_equal(np.asarray(flips, dtype=bool), [[False, True], [True, False], [False, True]]), flips
    ### BEGIN HIDDEN TESTS
    import pymatching  # noqa: F401  (the platform's kernel has it; the check below needs only stim)
    dem = stim.Circuit.generated("surface_code:rotated_memory_z", distance=3, rounds=3,
                                 after_clifford_depolarization=0.01).detector_error_model(decompose_errors=True)
    det, obs, err = dem.compile_sampler(seed=4).sample(300, return_errors=True)
    keys, flips = edge_labels(dem, err)
    flips = np.asarray(flips, dtype=bool)
    incidence = np.zeros((len(keys), dem.num_detectors), dtype=int)
    for i, key in enumerate(keys):
        incidence[i, list(key)] = 1
    # the labelled edges reproduce the detection events exactly
    assert np.array_equal((flips.astype(int) @ incidence) % 2 == 1, det)
    assert len(set(keys)) == len(keys) and all(list(k) == sorted(k) for k in keys)
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q2 (3 points).** On validation shots you measured, for several thresholds, the number of logical errors of
    pre-decoder + matching and the fraction of detection events removed; matching alone made `baseline` errors. Write
    `pick_threshold(thresholds, errors, removed, baseline)`: among the thresholds whose errors exceed the baseline by at
    most $2\sqrt{\text{baseline}}$ (two standard errors of a count), return the one that removes the largest fraction
    (ties: the smaller threshold); `None` if there is none.
    """),
    answer("pick_threshold", r"""
    def pick_threshold(thresholds, errors, removed, baseline):
        ### BEGIN SOLUTION
        best = None
        for t, k, r in sorted(zip(thresholds, errors, removed)):
            if k - baseline <= 2 * math.sqrt(baseline) and (best is None or r > best[1]):
                best = (t, r)
        return None if best is None else best[0]
        ### END SOLUTION
    """),
    tests("test_pick_threshold", 3, r"""
    # the lesson's d = 5, p = 0.003 measurements: 352 errors for matching alone
    assert pick_threshold([0.5, 0.9], [554, 355], [0.683, 0.395], 352) == 0.9
    assert pick_threshold([0.5], [554], [0.683], 352) is None
    ### BEGIN HIDDEN TESTS
    assert pick_threshold([0.9, 0.8, 0.5], [355, 367, 554], [0.395, 0.569, 0.683], 352) == 0.8
    assert pick_threshold([0.7, 0.6], [100, 100], [0.5, 0.5], 100) == 0.6
    assert pick_threshold([0.9, 0.95], [70, 120], [0.3, 0.1], 100) == 0.9   # far fewer errors than baseline is fine
    assert pick_threshold([0.6, 0.7], [121, 120], [0.6, 0.5], 100) == 0.7   # 20 = 2√100 is allowed, 21 is not
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q3 (3 points, graded by your teacher).** In lesson 09, 90.6 % of the pairs the pre-decoder removes at threshold 0.5
    really flipped, yet at that threshold it makes the logical error rate 57 % worse, and with threshold 0.9 it only matches
    matching alone. Explain both facts, say what a pre-decoder is for if it cannot beat matching here, and propose one
    change to its training target or evaluation that would make it better.
    """),
    written("predecoder_costs", 3, r"""
    Model answer. The costs are asymmetric: a wrong removal hands matching a syndrome with a hole in it, and the
    correction built from it often flips the observable (a logical error), whereas a missed removal costs nothing,
    because matching still sees the pair and decodes it as it would have. The other 9 % of removals, mostly candidates
    with lit neighbours (score about 0.69), are therefore far too many; only the confident, isolated pairs (score about 0.92) are
    safe, and for those matching was already right, so the best case is "no change" (0.00355 vs 0.00352). The
    pre-decoder is for speed and bandwidth: it removed 39.5 % of detection events at no measurable cost, shrinking the
    problem a real-time global decoder must solve every round (and in hardware it can run locally, next to the qubits).
    Improvements: train on the pipeline's objective (does the final prediction, pre-decoder plus matching, flip the
    observable?) or weight false removals much more than missed ones; label up to stabilizer equivalence instead of
    "this exact edge flipped"; pick the threshold on a validation set by the logical error rate (Q2); give the network a
    larger window (several rounds, edge weights) so it can also remove weight-two chains.
    Rubric (3 points): 1 point for the asymmetric cost of false versus missed removals; 1 point for why the best case is
    "unchanged" (matching already handles isolated pairs) and that the gain is the fraction of events removed (speed,
    latency, bandwidth); 1 point for one concrete, sound change to the target or the evaluation.
    """),
]


def build_units_8_9() -> None:
    """``build_notebooks.py 8 9`` writes only the notebooks of units 8 and 9."""
    save_fresh(ROOT / "practice" / "08-correlated-matching-practice.ipynb", PRACTICE_8)
    save_fresh(ROOT / "practice" / "09-neural-predecoder-practice.ipynb", PRACTICE_9)
    save(ROOT / "assignments" / "correlated-matching" / "correlated-matching.ipynb", A8)
    save(ROOT / "assignments" / "neural-predecoder" / "neural-predecoder.ipynb", A9)


# ----------------------------------------------------------------------------------------------------------------
# Unit 10: a recurrent decoder in the spirit of AlphaQubit (exercises written here: saved fresh)
# ----------------------------------------------------------------------------------------------------------------
PRACTICE_10 = [
    md(r"""
    # Practice: a recurrent decoder versus matching

    A $d = 3$ rotated surface-code memory of 5 rounds at $p = 0.005$. You turn its detection events into a sequence
    of rounds, write the forward pass of a small GRU that reads them, train it for a few seconds and compare it with
    PyMatching on the same test shots. Cells starting with `# Self-check` print ✓ when the result is right.
    """),
    code(r"""
    import numpy as np
    import torch
    from liangzhi_checks.qec import logical_error_rate, matching_decoder, surface_code_circuit

    torch.set_num_threads(1)
    D, ROUNDS, P = 3, 5, 0.005
    circuit = surface_code_circuit(D, P, rounds=ROUNDS)
    coords = circuit.get_detector_coordinates()   # detector -> (x, y, t)
    print(circuit.num_detectors, "detectors; the first three:", [coords[k] for k in range(3)])
    """),
    code(r"""
    # Self-check: (d² - 1) · rounds = 8 · 5 = 40 detectors; the first and the last step hold the 4 Z-checks alone
    times = [c[2] for c in coords.values()]
    assert circuit.num_detectors == (D * D - 1) * ROUNDS == 40
    assert times.count(min(times)) == times.count(max(times)) == 4
    print("✓ 40 detectors: 4 + 8 · 4 + 4")
    """),
    *kata(
        "recurrent-layout",
        r"""
        ### Exercise 1: detection events as a sequence of rounds

        Write `round_layout(circuit)` returning two integer numpy arrays of length `circuit.num_detectors`:
        `step[k]`, the position of detector $k$'s time coordinate among the circuit's distinct time coordinates
        (sorted), and `slot[k]`, the position of its $(x, y)$ among the distinct $(x, y)$ pairs (sorted): which
        stabilizer it watches. With them, `as_sequence` below turns events of shape `(shots, detectors)` into
        `(shots, steps, stabilizers)`, with zeros where a stabilizer has no detector in a step.

        Write your code in the cell below, then run the self-check after it.

        <details><summary>Hint 1</summary>

        `circuit.get_detector_coordinates()` maps each detector to `[x, y, t]`. Collect the sets of `t` and of
        `(x, y)`, sort them, and look each detector up in the sorted lists.

        <details><summary>Hint 2</summary>

        `ts = sorted({c[2] for c in coords.values()})`, `xy = sorted({tuple(c[:2]) for c in coords.values()})`, then
        `ts.index(coords[k][2])` and `xy.index(tuple(coords[k][:2]))` for `k` in `range(circuit.num_detectors)`.
        Do not assume 8 detectors per round: the first and the last step have only the 4 $Z$-checks.

        </details>

        </details>
        """,
        r'''
        def round_layout(circuit):
            """(step, slot) of every detector: its round and its stabilizer."""
            # YOUR CODE HERE
            raise NotImplementedError
        ''',
        r'''
        def round_layout(circuit):
            """(step, slot) of every detector: its round and its stabilizer."""
            coords = circuit.get_detector_coordinates()
            ts = sorted({c[2] for c in coords.values()})
            xy = sorted({tuple(c[:2]) for c in coords.values()})
            step = np.array([ts.index(coords[k][2]) for k in range(circuit.num_detectors)])
            slot = np.array([xy.index(tuple(coords[k][:2])) for k in range(circuit.num_detectors)])
            return step, slot
        ''',
        r"""
        # Self-check (exercise 1)
        from liangzhi_checks.katas import check, expect

        def as_sequence(det, step, slot):
            x = np.zeros((len(det), step.max() + 1, slot.max() + 1), dtype=np.float32)
            x[:, step, slot] = det
            return x

        def _test():
            for d, rounds in ((3, 5), (3, 2), (5, 3)):
                c = surface_code_circuit(d, P, rounds=rounds)
                step, slot = (np.asarray(a) for a in round_layout(c))
                expect(step.shape == slot.shape == (c.num_detectors,), "one step and one slot per detector",
                       "每个探测器各有一个 step 和一个 slot")
                expect(step.max() + 1 == rounds + 1, f"d = {d}, {rounds} rounds: expected {rounds + 1} steps "
                       "(the rounds and the final data measurement)", f"d = {d}、{rounds} 轮：应有 {rounds + 1} 步"
                       "（各轮加上最后的数据测量）")
                expect(slot.max() + 1 == d * d - 1, f"d = {d}: expected d² - 1 stabilizers",
                       f"d = {d}：应有 d² - 1 个稳定子")
                expect(len(set(zip(step.tolist(), slot.tolist()))) == c.num_detectors,
                       "two detectors share a (step, slot): they would overwrite each other",
                       "有两个探测器共用一个 (step, slot)：它们会互相覆盖")
                expect(np.bincount(step).tolist() == [(d * d - 1) // 2] + [d * d - 1] * (rounds - 1) + [(d * d - 1) // 2],
                       "the first and the last step hold only the Z-checks", "第一步和最后一步只有 Z 校验")
                coords = c.get_detector_coordinates()
                same = [k for k in range(c.num_detectors) if slot[k] == slot[0]]
                expect(all(coords[k][:2] == coords[0][:2] for k in same), "a slot must be one stabilizer (one (x, y))",
                       "一个 slot 必须对应一个稳定子（一个 (x, y)）")
            c = surface_code_circuit(3, 0.0, rounds=5)
            step, slot = (np.asarray(a) for a in round_layout(c))
            x = as_sequence(np.ones((1, c.num_detectors), dtype=bool), step, slot)
            expect(x.shape == (1, 6, 8) and x.sum() == c.num_detectors, "as_sequence should give (1, 6, 8)",
                   "as_sequence 应得到 (1, 6, 8)")

        check('Exercise 1 · round_layout', _test)
        """,
    ),
    *kata(
        "recurrent-forward",
        r"""
        ### Exercise 2: the forward pass of a GRU decoder

        `GRUDecoder` below has a `torch.nn.GRU` (with `batch_first=True`: input `(batch, steps, stabilizers)`) and a
        linear `head` from the hidden state to one number. Write its `forward(x)`: run the GRU over the steps and apply
        `head` to the hidden state **after the last step**, returning logits of shape `(batch, 1)` (no sigmoid: the
        loss `binary_cross_entropy_with_logits` applies it).

        Write your code in the cell below, then run the self-check after it.

        <details><summary>Hint 1</summary>

        `self.gru(x)` returns a pair: the hidden states of every step, shape `(batch, steps, hidden)`, and the last
        hidden state of each layer, shape `(layers, batch, hidden)`.

        <details><summary>Hint 2</summary>

        `h, _ = self.gru(x)` then `return self.head(h[:, -1])`. `h[:, 0]` would read the first round only, and a
        sigmoid here would be applied twice by the loss.

        </details>

        </details>
        """,
        r'''
        class GRUDecoder(torch.nn.Module):
            def __init__(self, n_stabilizers, hidden=64):
                super().__init__()
                self.gru = torch.nn.GRU(n_stabilizers, hidden, batch_first=True)
                self.head = torch.nn.Linear(hidden, 1)

            def forward(self, x):
                # YOUR CODE HERE
                raise NotImplementedError
        ''',
        r'''
        class GRUDecoder(torch.nn.Module):
            def __init__(self, n_stabilizers, hidden=64):
                super().__init__()
                self.gru = torch.nn.GRU(n_stabilizers, hidden, batch_first=True)
                self.head = torch.nn.Linear(hidden, 1)

            def forward(self, x):
                h, _ = self.gru(x)
                return self.head(h[:, -1])
        ''',
        r"""
        # Self-check (exercise 2)
        from liangzhi_checks.katas import check, expect

        def _test():
            torch.manual_seed(1)
            model = GRUDecoder(8, hidden=16)
            x = torch.bernoulli(torch.full((5, 6, 8), 0.2))
            with torch.no_grad():
                out = model(x)
                expect(tuple(out.shape) == (5, 1), f"expected logits of shape (5, 1), got {tuple(out.shape)}",
                       f"logit 的形状应为 (5, 1)，实际为 {tuple(out.shape)}")
                _, h_n = model.gru(x)
                expect(torch.allclose(out, model.head(h_n[-1]), atol=1e-6),
                       "the head should read the GRU's hidden state after the last step, with no sigmoid",
                       "head 应读取 GRU 在最后一步之后的隐藏状态，且不要加 sigmoid")
                y = x.clone()
                y[:, -1] = 1 - y[:, -1]
                expect(not torch.allclose(model(y), out), "the last step's events must change the prediction",
                       "最后一步的探测事件必须能改变预测")
                short = model(x[:, :3])
                expect(tuple(short.shape) == (5, 1), "it should work for any number of steps",
                       "对任意步数都应能运行")

        check('Exercise 2 · GRUDecoder.forward', _test)
        """,
    ),
    md(r"""
    ## Train it and compare with matching on the same shots

    Run this after both exercises: 60 000 training shots, 4 epochs (a few seconds on one core), then
    20 000 test shots decoded by the GRU and by PyMatching. The lesson's run used 200 000 shots and 5 epochs; compare
    your numbers with its table, and with the error bars: is the gap larger than chance?
    """),
    code(r"""
    try:
        step, slot = (np.asarray(a) for a in round_layout(circuit))
        det, obs = circuit.compile_detector_sampler(seed=1).sample(60_000, separate_observables=True)
        det_t, obs_t = circuit.compile_detector_sampler(seed=2).sample(20_000, separate_observables=True)
        x, y = torch.tensor(as_sequence(det, step, slot)), torch.tensor(obs[:, :1].astype(np.float32))
        torch.manual_seed(0)
        model = GRUDecoder(int(slot.max() + 1))
        opt = torch.optim.Adam(model.parameters(), 1e-2)
        for epoch in range(4):
            perm = torch.randperm(len(x))
            for i in range(0, len(x), 500):
                idx = perm[i:i + 500]
                loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x[idx]), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        with torch.no_grad():
            gru = (model(torch.tensor(as_sequence(det_t, step, slot))) > 0).numpy()
        n = len(obs_t)
        for name, pred in (("GRU", gru), ("PyMatching", matching_decoder(circuit)(det_t)),
                           ("never flipped", np.zeros_like(obs_t))):
            r = logical_error_rate(pred, obs_t)
            print(f"{name:>13}: p_L = {r:.4f} ± {np.sqrt(r * (1 - r) / n):.4f}")
    except NotImplementedError:
        print("finish exercises 1 and 2 first")
    """),
]

A10 = [
    md(r"""
    # Assignment: what a recurrent decoder reads

    Fill in every cell that says `YOUR CODE HERE` (delete the `raise NotImplementedError()` line). Visible tests run
    when you execute the cell below your answer; hidden tests check more when you submit. Points: 10 (7 autograded,
    3 written).
    """),
    locked("recurrent_imports", r"""
    import math

    import numpy as np
    """),
    md(r"""
    **Q1 (3 points).** The practice fed the network *detection events*. A device reports the raw stabilizer
    measurements $m_{r,s}$ (round $r = 0 \dots R-1$, stabilizer $s$), and AlphaQubit reads both. Write
    `events_from_measurements(m)`: for an integer or boolean array of shape `(shots, rounds, stabilizers)` return the
    boolean array of the same shape with $e_{0,s} = m_{0,s}$ (the qubits start in a known state: a first result of 1 is
    already an event) and $e_{r,s} = m_{r,s} \oplus m_{r-1,s}$ for $r \ge 1$.
    """),
    answer("events_from_measurements", r"""
    def events_from_measurements(m):
        ### BEGIN SOLUTION
        m = np.asarray(m).astype(bool)
        e = m.copy()
        e[:, 1:] = m[:, 1:] ^ m[:, :-1]
        return e
        ### END SOLUTION
    """),
    tests("test_events_from_measurements", 3, r"""
    m = np.array([[[0, 1], [0, 1], [1, 1], [1, 0]]])
    e = events_from_measurements(m)
    assert np.asarray(e).shape == (1, 4, 2), np.asarray(e).shape
    assert np.asarray(e).astype(int).tolist() == [[[0, 1], [0, 0], [1, 0], [0, 1]]], np.asarray(e).astype(int).tolist()
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(5)
    m = rng.integers(0, 2, size=(50, 7, 8))
    e = np.asarray(events_from_measurements(m)).astype(bool)
    assert e.dtype == bool and e.shape == m.shape
    assert (e[:, 0] == m[:, 0].astype(bool)).all()
    assert (np.cumsum(e, axis=1) % 2 == m).all()   # the events integrate back to the measurements
    assert np.asarray(events_from_measurements(m.astype(bool))).astype(bool).tolist() == e.tolist()
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q2 (4 points).** AlphaQubit also reads **soft** measurements: the analogue signal $z$ of a readout, not only the
    bit. Model it as $z \sim \mathcal N(-1, \sigma^2)$ when the qubit was in $\lvert 0\rangle$ and
    $z \sim \mathcal N(+1, \sigma^2)$ when it was in $\lvert 1\rangle$, both equally likely a priori. Write
    `prob_one(z, sigma)`: the posterior probability that the qubit was in $\lvert 1\rangle$ given $z$ (it should work on
    numbers and on numpy arrays). The hard bit is `z > 0`; the network gets the probability instead, so it can trust a
    readout near $z = 0$ less.
    """),
    answer("prob_one", r"""
    def prob_one(z, sigma):
        ### BEGIN SOLUTION
        z = np.asarray(z, dtype=float)
        return 1 / (1 + np.exp(-2 * z / sigma**2))
        ### END SOLUTION
    """),
    tests("test_prob_one", 4, r"""
    assert abs(float(prob_one(0.0, 0.5)) - 0.5) < 1e-12
    assert abs(float(prob_one(0.3, 1.0)) - 1 / (1 + math.exp(-0.6))) < 1e-9
    ### BEGIN HIDDEN TESTS
    z = np.linspace(-3, 3, 13)
    for sigma in (0.3, 0.7, 1.5):
        p = np.asarray(prob_one(z, sigma), dtype=float)
        assert p.shape == z.shape
        # Bayes with the two Gaussian likelihoods
        l1, l0 = np.exp(-((z - 1) ** 2) / (2 * sigma**2)), np.exp(-((z + 1) ** 2) / (2 * sigma**2))
        assert np.allclose(p, l1 / (l0 + l1), atol=1e-9), (sigma, p)
    assert abs(float(prob_one(-0.2, 0.5)) + float(prob_one(0.2, 0.5)) - 1) < 1e-12
    assert 0.5 < float(prob_one(0.05, 2.0)) < 0.52   # a noisy readout near 0 is barely informative
    ### END HIDDEN TESTS
    """),
    md(r"""
    **Q3 (3 points, graded by your teacher).** In the lesson the small GRU loses to PyMatching on the same test shots.
    A classmate concludes that "neural decoders do not work". Give two reasons why this experiment cannot support that
    conclusion, and two things AlphaQubit does that this GRU does not, saying for each why it helps on a real device.
    """),
    written("recurrent_honest", 3, r"""
    Model answer. The experiment shows that *this* network, trained for well under a minute on 200 000 shots of a
    simulated device whose noise model matching knows exactly, is worse than matching; it does not show that neural
    decoders cannot win. (1) Matching is given the true detector error model here, so it is near-optimal for this
    noise; a learned decoder can only gain where the model is wrong or incomplete (correlations, leakage, drift), as in
    unit 4. (2) The network is tiny (about 14 000 parameters) and saw 200 000 shots for half a minute; its test error has
    levelled off for this size and data, while AlphaQubit-type models use far larger networks and training sets
    (hundreds of millions of simulated shots). (3) One
    distance, one p and one seed: no scan, no tuned hyper-parameters. What AlphaQubit adds: pretraining on large
    amounts of simulated data, then fine-tuning on a limited amount of the device's own data, so it learns the real
    noise that no model captures; soft readouts (posterior probabilities from the analogue signal) instead of hard
    bits, which carry the readout's confidence; leakage information as an extra input; a transformer-style recurrent
    core over the stabilizer layout, with an ensemble of models. Rubric: 1 point for two valid reasons the comparison
    does not support the conclusion (matching knows the true model; network size, data and training time); 1 point
    for two correct AlphaQubit ingredients; 1 point for saying why each helps on hardware (real noise is not the
    simulated model; soft and leakage information is lost in hard bits). No point for "the GRU needs more epochs"
    alone without the role of the noise model.
    """),
]


def build_unit_10() -> None:
    """``build_notebooks.py 10`` writes only the notebooks of unit 10."""
    save_fresh(ROOT / "practice" / "10-recurrent-decoder-practice.ipynb", PRACTICE_10)
    save(ROOT / "assignments" / "recurrent-decoder" / "recurrent-decoder.ipynb", A10)


def main() -> None:
    save(ROOT / "practice" / "01-repetition-practice.ipynb", PRACTICE_1)
    save(ROOT / "practice" / "02-surface-code-practice.ipynb", PRACTICE_2)
    save(ROOT / "practice" / "03-matching-practice.ipynb", PRACTICE_3)
    save(ROOT / "practice" / "04-neural-practice.ipynb", PRACTICE_4)
    save(ROOT / "practice" / "05-decoder-cup-practice.ipynb", PRACTICE_5)
    save(ROOT / "assignments" / "repetition-code" / "repetition-code.ipynb", A1)
    save(ROOT / "assignments" / "surface-code" / "surface-code.ipynb", A2)
    save(ROOT / "assignments" / "matching" / "matching.ipynb", A3)
    save(ROOT / "assignments" / "neural-decoder" / "neural-decoder.ipynb", A4)
    save(ROOT / "assignments" / "decoder-cup-prep" / "decoder-cup-prep.ipynb", A5)
    build_units_6_7()
    build_units_8_9()
    build_unit_10()


def build_units_6_7() -> None:
    """``build_notebooks.py 6 7`` writes only the notebooks of units 6 and 7."""
    save_fresh(ROOT / "practice" / "06-stim-by-hand-practice.ipynb", PRACTICE_6)
    save_fresh(ROOT / "practice" / "07-threshold-lambda-practice.ipynb", PRACTICE_7)
    save(ROOT / "assignments" / "stim-by-hand" / "stim-by-hand.ipynb", A6)
    save(ROOT / "assignments" / "threshold-lambda" / "threshold-lambda.ipynb", A7)


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["6", "7"]:
        build_units_6_7()
    elif sys.argv[1:] == ["8", "9"]:
        build_units_8_9()
    elif sys.argv[1:] == ["10"]:
        build_unit_10()
    else:
        main()
    if not sys.argv[1:] or sys.argv[1:] == ["exams"]:  # the Exams unit's written papers: tools/build_exam_papers.py
        import build_exam_papers

        build_exam_papers.main()
