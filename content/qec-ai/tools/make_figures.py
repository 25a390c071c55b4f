"""Regenerate the lesson figures of the QEC course from real simulations (no network needed).

    .venv/bin/python content/qec-ai/tools/make_figures.py

Writes lessons/figures/*.svg and lessons/figures/numbers.json (the numbers quoted in the lessons).
Seeds are fixed, so a rerun reproduces the same figures. Takes about two minutes on one core.
``make_figures.py by_hand suppression`` reruns only those parts (units 6 and 7, about a minute);
``make_figures.py correlated predecoder`` those of units 8 and 9 (about two minutes).
``make_figures.py recurrent`` that of unit 10 (a small GRU trained on one core, about a minute).
"""

from __future__ import annotations

import json
import sys
from math import comb
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np

HERE = Path(__file__).resolve().parent
FIG = HERE.parent / "lessons" / "figures"
sys.path.insert(0, str(HERE.parents[2] / "grading" / "kernel_lib"))
from liangzhi_checks import qec  # noqa: E402

plt.rcParams.update({"figure.figsize": (6, 4), "font.size": 11, "svg.hashsalt": "liangzhi", "axes.grid": True})


def save(fig, name: str) -> None:
    fig.tight_layout()
    fig.savefig(FIG / name, format="svg", metadata={"Date": None})
    plt.close(fig)


def exact(p: float, d: int) -> float:
    return sum(comb(d, k) * p**k * (1 - p) ** (d - k) for k in range(d // 2 + 1, d + 1))


def repetition(numbers: dict) -> None:
    rng = np.random.default_rng(2024)
    ps = np.linspace(0.02, 0.6, 30)
    fig, ax = plt.subplots()
    shots = 20_000
    numbers["repetition"] = {}
    for d, colour in zip((1, 3, 5, 7), ("grey", "C0", "C1", "C2"), strict=True):
        sim = [np.mean((rng.random((shots, d)) < p).sum(1) > d // 2) for p in ps]
        ax.plot(ps, [exact(p, d) for p in ps], color=colour, label=f"d = {d} (formula)")
        ax.plot(ps, sim, "o", color=colour, markersize=3)
        numbers["repetition"][d] = {"p=0.1": exact(0.1, d)}
    ax.axvline(0.5, color="k", lw=0.8, ls="--")
    ax.set_xlabel("physical bit-flip probability p")
    ax.set_ylabel("logical error rate $p_L$")
    ax.set_title("Repetition code: majority vote (dots: 20 000 simulated shots)")
    ax.legend()
    save(fig, "repetition-pl-vs-p.svg")


def threshold(numbers: dict) -> None:
    ps = [0.002, 0.003, 0.004, 0.005, 0.006, 0.007, 0.008, 0.009, 0.010, 0.012]
    results = {}
    for d in (3, 5, 7):
        rates = []
        for p in ps:
            circuit = qec.surface_code_circuit(d, p)
            shots = 200_000 if p < 0.005 else 50_000
            det, obs = circuit.compile_detector_sampler(seed=d * 1000 + int(p * 1e4)).sample(shots, separate_observables=True)
            rates.append((qec.logical_error_rate(qec.matching_decoder(circuit)(det), obs), shots))
        results[d] = rates
    numbers["threshold"] = {str(d): {f"{p:.3f}": r for p, (r, _) in zip(ps, rates, strict=True)} for d, rates in results.items()}
    # the low-noise anchor p = 0.001 (too rare at d = 7 to measure cheaply; d = 3 and 5 only, 10^6 shots)
    for d in (3, 5):
        circuit = qec.surface_code_circuit(d, 0.001)
        det, obs = circuit.compile_detector_sampler(seed=d).sample(1_000_000, separate_observables=True)
        numbers["threshold"][str(d)]["0.001"] = qec.logical_error_rate(qec.matching_decoder(circuit)(det), obs)
    fig, ax = plt.subplots()
    for d, rates in results.items():
        r = np.array([x for x, _ in rates])
        err = np.array([np.sqrt(x * (1 - x) / n) for x, n in rates])
        ax.errorbar(ps, r, yerr=err, marker="o", ms=4, capsize=2, label=f"d = {d}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("physical error rate p (circuit-level)")
    ax.set_ylabel("logical error rate per experiment (d rounds)")
    ax.set_title("Rotated surface code + PyMatching")
    ax.legend()
    save(fig, "threshold.svg")


def layout() -> None:
    circuit = qec.surface_code_circuit(3, 0.0)
    coords = circuit.get_final_qubit_coordinates()
    fig, ax = plt.subplots(figsize=(4.2, 4.2))
    first_cx: dict[int, str] = {}
    for inst in circuit.flattened():
        if inst.name == "H":
            for t in inst.targets_copy():
                first_cx[t.value] = "X"
        if inst.name == "MR":
            break
    for q, (x, y) in coords.items():
        if x % 2 == 1 and y % 2 == 1:
            ax.plot(x, y, "o", color="black", ms=12)
            ax.annotate(str(q), (x, y), color="white", ha="center", va="center", fontsize=7)
        else:
            kind = first_cx.get(q, "Z")
            ax.plot(x, y, "s", color="C3" if kind == "X" else "C0", ms=11)
    ax.plot([], [], "o", color="black", label="data qubit")
    ax.plot([], [], "s", color="C3", label="X-check (measure) qubit")
    ax.plot([], [], "s", color="C0", label="Z-check (measure) qubit")
    ax.set_aspect("equal")
    ax.invert_yaxis()
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("Rotated surface code, d = 3 (Stim's layout)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.02), fontsize=8, ncol=1)
    save(fig, "surface-code-d3.svg")


def neural(numbers: dict) -> None:
    import torch

    torch.set_num_threads(1)
    out = {}
    for label, pc in (("independent", 0.0), ("correlated pairs", 0.02)):
        nominal = qec.surface_code_circuit(3, 0.003)
        true = qec.add_correlated_pairs(nominal, pc) if pc else nominal
        xtr, ytr = true.compile_detector_sampler(seed=1).sample(100_000, separate_observables=True)
        xte, yte = true.compile_detector_sampler(seed=2).sample(100_000, separate_observables=True)
        torch.manual_seed(0)
        net = torch.nn.Sequential(
            torch.nn.Linear(24, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1)
        )
        opt = torch.optim.Adam(net.parameters(), 3e-3)
        x = torch.tensor(xtr, dtype=torch.float32)
        y = torch.tensor(ytr, dtype=torch.float32)
        for epoch in range(3):
            perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(epoch))
            for i in range(0, len(x), 256):
                idx = perm[i : i + 256]
                loss = torch.nn.functional.binary_cross_entropy_with_logits(net(x[idx]), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        with torch.no_grad():
            nn_pred = (net(torch.tensor(xte, dtype=torch.float32)) > 0).numpy()
        out[label] = {
            "neural network": qec.logical_error_rate(nn_pred, yte),
            "matching (nominal model)": qec.logical_error_rate(qec.matching_decoder(nominal)(xte), yte),
            "matching (true model)": qec.logical_error_rate(qec.matching_decoder(true)(xte), yte),
        }
    numbers["neural"] = out
    fig, ax = plt.subplots()
    names = list(next(iter(out.values())))
    width = 0.25
    for i, name in enumerate(names):
        vals = [out[label][name] for label in out]
        ax.bar(np.arange(len(out)) + (i - 1) * width, vals, width, label=name)
    ax.set_xticks(np.arange(len(out)), list(out))
    ax.set_ylabel("logical error rate (100 000 test shots)")
    ax.set_title("d = 3, p = 0.003: learned vs model-based decoding")
    ax.legend(fontsize=9)
    save(fig, "neural-vs-matching.svg")


def raw_flip(numbers: dict) -> None:
    """How often the observable flips at all: the error rate of the decoder that always answers 'not flipped'."""
    out = {}
    for d, p, seed in ((3, 0.003, 2), (3, 0.004, 2)):  # seed 2, 100 000 shots: the neural test shots
        _, obs = qec.surface_code_circuit(d, p).compile_detector_sampler(seed=seed).sample(
            100_000, separate_observables=True)
        out[f"d={d} p={p}"] = float(obs[:, 0].mean())
    numbers["raw_flip_rate"] = out


def decoder_cup(numbers: dict) -> None:
    """Matching errors the Decoder Cup's shot counts buy under the stated noise (rates from threshold())."""
    import yaml

    spec = yaml.safe_load((HERE.parents[2] / "competitions" / "definitions" / "decoder-cup" / "competition.yaml")
                          .read_text())
    final = next(ph for ph in spec["phases"] if ph["slug"] == "final")["config"]
    private = 1 - float(final["public_fraction"])
    rows = {}
    for task in spec["tasks"]:
        rate = numbers["threshold"][str(task["distance"])][f"{task['p']:.3f}"]
        errors = task["shots"] * rate
        rows[task["name"]] = {"shots": task["shots"], "matching_p_L": rate, "matching_errors": round(errors),
                              "private_errors": round(errors * private),
                              "relative_se_private": 1 / np.sqrt(errors * private)}
    pooled = sum(r["private_errors"] for r in rows.values())
    numbers["decoder_cup"] = {"private_fraction": private, "tasks": rows, "pooled_private_errors": pooled,
                              "pooled_relative_se": 1 / np.sqrt(pooled)}


# ---------------------------------------------------------------------------------------------------------------
# Unit 6: a repetition-code memory written by hand; unit 7: a sinter-style sweep and the suppression factor Λ
# ---------------------------------------------------------------------------------------------------------------

def repetition_by_hand(d: int, rounds: int, p: float):
    """The distance-d repetition-code memory of lesson 06, instruction by instruction (data qubits 0, 2, …,
    measure qubits 1, 3, …; X-basis noise knobs as in ``stim.Circuit.generated("repetition_code:memory")``)."""
    import stim

    data = " ".join(str(q) for q in range(0, 2 * d - 1, 2))
    anc = " ".join(str(q) for q in range(1, 2 * d - 1, 2))
    every = " ".join(str(q) for q in range(2 * d - 1))
    cx1 = " ".join(f"{a - 1} {a}" for a in range(1, 2 * d - 1, 2))
    cx2 = " ".join(f"{a + 1} {a}" for a in range(1, 2 * d - 1, 2))
    n = d - 1
    body = (f"DEPOLARIZE1({p}) {data}\nCX {cx1}\nDEPOLARIZE2({p}) {cx1}\nTICK\n"
            f"CX {cx2}\nDEPOLARIZE2({p}) {cx2}\nTICK\n"
            f"X_ERROR({p}) {anc}\nMR {anc}\nX_ERROR({p}) {anc}\n")
    text = f"R {every}\nX_ERROR({p}) {every}\nTICK\n" + body
    text += "".join(f"DETECTOR({2 * k + 1}, 0) rec[{k - n}]\n" for k in range(n))
    if rounds > 1:
        text += f"REPEAT {rounds - 1} {{\nTICK\n" + body + "SHIFT_COORDS(0, 1)\n"
        text += "".join(f"DETECTOR({2 * k + 1}, 0) rec[{k - n}] rec[{k - 2 * n}]\n" for k in range(n)) + "}\n"
    text += f"X_ERROR({p}) {data}\nM {data}\n"
    text += "".join(f"DETECTOR({2 * k + 1}, 1) rec[{k - d + 1}] rec[{k - d}] rec[{k - d - n}]\n" for k in range(n))
    text += "OBSERVABLE_INCLUDE(0) rec[-1]\n"
    return stim.Circuit(text)


def generated_repetition(d: int, rounds: int, p: float):
    import stim

    return stim.Circuit.generated("repetition_code:memory", distance=d, rounds=rounds,
                                  after_clifford_depolarization=p, before_round_data_depolarization=p,
                                  before_measure_flip_probability=p, after_reset_flip_probability=p)


def two_sample_z(errors_a: int, shots_a: int, errors_b: int, shots_b: int) -> float:
    pa, pb = errors_a / shots_a, errors_b / shots_b
    return (pa - pb) / np.sqrt(pa * (1 - pa) / shots_a + pb * (1 - pb) / shots_b)


def by_hand(numbers: dict) -> None:
    """Lesson 06: the hand-written circuit is Stim's generated one; same detectors, same detector error model,
    and the same logical error rate within statistical error (independent seeds)."""
    out: dict = {"p": 0.02, "shots": 200_000}
    for d in (3, 5):
        hand, gen = repetition_by_hand(d, d, 0.02), generated_repetition(d, d, 0.02)
        row = {"detectors": hand.num_detectors, "detectors_generated": gen.num_detectors,
               "identical_circuit": hand == gen,
               "dem_errors": hand.detector_error_model(decompose_errors=True).num_errors,
               "graphlike_distance": len(hand.shortest_graphlike_error())}
        counts = {}
        for label, circuit, seed in (("hand", hand, 61 + d), ("generated", gen, 71 + d)):
            det, obs = circuit.compile_detector_sampler(seed=seed).sample(out["shots"], separate_observables=True)
            pred = qec.matching_decoder(circuit)(det)
            counts[label] = int(np.any(pred != obs, axis=1).sum())
        row["errors_hand"], row["errors_generated"] = counts["hand"], counts["generated"]
        row["p_L_hand"], row["p_L_generated"] = counts["hand"] / out["shots"], counts["generated"] / out["shots"]
        row["z"] = float(two_sample_z(counts["hand"], out["shots"], counts["generated"], out["shots"]))
        out[f"d={d}"] = row
    # the surface code's first round: only the Z-checks are deterministic in a Z-basis memory
    import stim

    surf = qec.surface_code_circuit(3, 0.0)
    first = next(i for i, inst in enumerate(surf) if isinstance(inst, stim.CircuitRepeatBlock))
    out["surface_d3"] = {"detectors": surf.num_detectors,
                         "first_round_detectors": sum(1 for inst in surf[:first] if inst.name == "DETECTOR")}
    numbers["by_hand"] = out


SWEEP_PS = (0.002, 0.003, 0.004, 0.005, 0.006, 0.008, 0.010, 0.012, 0.015)
SWEEP_DS = (3, 5, 7)


def collect(circuit, *, max_shots: int, max_errors: int, seed: int, batch: int = 5_000) -> tuple[int, int]:
    """What sinter.collect does for one task, on one core: sample and decode in batches until max_errors
    logical errors or max_shots shots, whichever comes first."""
    sampler = circuit.compile_detector_sampler(seed=seed)
    decode = qec.matching_decoder(circuit)
    errors = shots = 0
    while shots < max_shots and errors < max_errors:
        n = min(batch, max_shots - shots)
        det, obs = sampler.sample(n, separate_observables=True)
        errors += int(np.any(decode(det) != obs, axis=1).sum())
        shots += n
    return errors, shots


def per_round(rate: float, rounds: int) -> float:
    """Logical error per round from the error of a whole experiment of ``rounds`` rounds (independent rounds)."""
    return (1 - (1 - 2 * rate) ** (1 / rounds)) / 2


def _crossing(ps, ra, rb) -> float | None:
    """Where log r_b - log r_a changes sign from negative to positive, interpolated in log p."""
    diff = np.log(np.asarray(rb)) - np.log(np.asarray(ra))
    for i in range(len(ps) - 1):
        if diff[i] < 0 <= diff[i + 1]:
            x0, x1 = np.log(ps[i]), np.log(ps[i + 1])
            return float(np.exp(x0 + (x1 - x0) * (-diff[i]) / (diff[i + 1] - diff[i])))
    return None


def suppression(numbers: dict) -> None:
    """Lesson 07: d = 3, 5, 7 swept over p, sinter-style (stop at 500 errors or 200 000 shots), rounds = d;
    per-round error rates, Λ = ε_d / ε_(d+2) with binomial (delta-method) error bars, and both crossings."""
    max_shots, max_errors = 200_000, 500
    table: dict = {}
    for d in SWEEP_DS:
        for p in SWEEP_PS:
            errors, shots = collect(qec.surface_code_circuit(d, p), max_shots=max_shots, max_errors=max_errors,
                                    seed=700_000 + 1000 * d + round(p * 1e4))
            rate = errors / shots
            sigma = np.sqrt(rate * (1 - rate) / shots)
            eps = per_round(rate, d)
            slope = (1 - 2 * rate) ** (1 / d - 1) / d  # d eps / d rate
            table.setdefault(str(d), {})[f"{p:.3f}"] = {
                "errors": errors, "shots": shots, "p_L": rate, "sigma": float(sigma),
                "eps": float(eps), "sigma_eps": float(sigma * slope)}
    lam: dict = {}
    for a, b in ((3, 5), (5, 7)):
        rows = {}
        for p in SWEEP_PS:
            ra, rb = table[str(a)][f"{p:.3f}"], table[str(b)][f"{p:.3f}"]
            value = ra["eps"] / rb["eps"]
            rel = np.hypot(ra["sigma_eps"] / ra["eps"], rb["sigma_eps"] / rb["eps"])
            rows[f"{p:.3f}"] = {"lambda": float(value), "sigma": float(value * rel)}
        lam[f"{a}->{b}"] = rows
    crossings = {}
    for a, b in ((3, 5), (5, 7)):
        for key, label in (("p_L", "per_experiment"), ("eps", "per_round")):
            ra = [table[str(a)][f"{p:.3f}"][key] for p in SWEEP_PS]
            rb = [table[str(b)][f"{p:.3f}"][key] for p in SWEEP_PS]
            crossings[f"{label} {a}-{b}"] = _crossing(SWEEP_PS, ra, rb)
    numbers["suppression"] = {"max_shots": max_shots, "max_errors": max_errors, "rates": table,
                              "lambda": lam, "crossings": crossings}
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for d in SWEEP_DS:
        rows = [table[str(d)][f"{p:.3f}"] for p in SWEEP_PS]
        ax1.errorbar(SWEEP_PS, [r["eps"] for r in rows], yerr=[r["sigma_eps"] for r in rows], marker="o", ms=4,
                     capsize=2, label=f"d = {d}")
    ax1.set_xscale("log")
    ax1.set_yscale("log")
    ax1.set_xlabel("physical error rate p")
    ax1.set_ylabel("logical error rate per round $\\varepsilon_d$")
    ax1.set_title("Per-round logical error (rounds = d)")
    ax1.legend()
    for (pair, rows), marker in zip(lam.items(), ("o", "s"), strict=True):
        ax2.errorbar(SWEEP_PS, [rows[f"{p:.3f}"]["lambda"] for p in SWEEP_PS],
                     yerr=[rows[f"{p:.3f}"]["sigma"] for p in SWEEP_PS], marker=marker, ms=4, capsize=2,
                     label=f"$\\Lambda$ = $\\varepsilon_{{{pair[0]}}} / \\varepsilon_{{{pair[-1]}}}$")
    ax2.axhline(1, color="k", lw=0.8, ls="--")
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_xlabel("physical error rate p")
    ax2.set_ylabel("error-suppression factor $\\Lambda$")
    ax2.set_title("$\\Lambda$ > 1: a larger code is better")
    for ax in (ax1, ax2):
        ax.set_xticks([0.002, 0.003, 0.005, 0.01, 0.015], labels=["0.002", "0.003", "0.005", "0.01", "0.015"])
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax2.set_yticks([1, 2, 3, 4, 6], labels=["1", "2", "3", "4", "6"])
    ax2.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax2.legend()
    save(fig, "lambda.svg")


# ---------------------------------------------------------------------------------------------------------------
# Unit 8: correlated matching as a stronger baseline; unit 9: a neural pre-decoder in front of PyMatching
# ---------------------------------------------------------------------------------------------------------------
CORR_DS = (3, 5, 7)
CORR_PS = (0.003, 0.005, 0.008)
CORR_SHOTS = 100_000


def correlated(numbers: dict) -> None:
    """Lesson 08: plain PyMatching and PyMatching 2.4's correlated (two-pass) matching on the same shots of the
    rotated surface code (rounds = d, uniform depolarising noise): logical error rates with binomial error bars and
    the paired (McNemar) comparison of the shots on which exactly one decoder fails."""
    import pymatching

    table: dict = {}
    for d in CORR_DS:
        for p in CORR_PS:
            circuit = qec.surface_code_circuit(d, p)
            dem = circuit.detector_error_model(decompose_errors=True)
            plain = pymatching.Matching.from_detector_error_model(dem)
            corr = pymatching.Matching.from_detector_error_model(dem, enable_correlations=True)
            det, obs = circuit.compile_detector_sampler(seed=800_000 + 1000 * d + round(p * 1e4)).sample(
                CORR_SHOTS, separate_observables=True)
            wrong_plain = np.any(plain.decode_batch(det) != obs, axis=1)
            wrong_corr = np.any(corr.decode_batch(det, enable_correlations=True) != obs, axis=1)
            row: dict = {"shots": CORR_SHOTS}
            for name, wrong in (("plain", wrong_plain), ("correlated", wrong_corr)):
                k = int(wrong.sum())
                rate = k / CORR_SHOTS
                row[name] = {"errors": k, "p_L": rate, "sigma": float(np.sqrt(rate * (1 - rate) / CORR_SHOTS))}
            b, c = int((wrong_plain & ~wrong_corr).sum()), int((wrong_corr & ~wrong_plain).sum())
            row["only_plain_wrong"], row["only_correlated_wrong"] = b, c
            row["mcnemar_z"] = float((b - c) / np.sqrt(b + c)) if b + c else 0.0
            row["ratio"] = row["plain"]["p_L"] / row["correlated"]["p_L"]
            table.setdefault(str(d), {})[f"{p:.3f}"] = row
    numbers["correlated"] = {"shots": CORR_SHOTS, "rates": table}
    fig, ax = plt.subplots()
    for (d, rows), colour in zip(table.items(), ("C0", "C1", "C2"), strict=True):
        for name, style in (("plain", "--"), ("correlated", "-")):
            ax.errorbar(CORR_PS, [rows[f"{p:.3f}"][name]["p_L"] for p in CORR_PS],
                        yerr=[rows[f"{p:.3f}"][name]["sigma"] for p in CORR_PS], color=colour, ls=style, marker="o",
                        ms=4, capsize=2, label=f"d = {d}, {name}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(list(CORR_PS), labels=[str(p) for p in CORR_PS])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("physical error rate p")
    ax.set_ylabel("logical error rate per experiment (d rounds)")
    ax.set_title("Plain vs correlated matching (same 100 000 shots)")
    ax.legend(fontsize=8, ncol=2)
    save(fig, "correlated-matching.svg")


def matching_edges(dem):
    """The graphlike edges of a decomposed detector error model, as the pre-decoder of lesson 09 sees them:
    ``keys`` (a tuple of one or two detectors per edge), ``observable`` (does the edge flip L0), ``probability``
    (its mechanisms combined as independent flips) and ``mechanism_to_edge`` (a sparse 0/1 matrix: which edges
    each error mechanism of the DEM flips, a hyperedge through its suggested decomposition)."""
    from scipy import sparse

    index: dict[tuple[int, ...], int] = {}
    observable: list[bool] = []
    rows, cols, probs = [], [], []
    mechanism = 0
    for inst in dem.flattened():
        if inst.type != "error":
            continue
        for group in inst.target_groups():
            key = tuple(sorted(t.val for t in group if t.is_relative_detector_id()))
            if not key:
                continue
            if key not in index:
                index[key] = len(index)
                observable.append(any(t.is_logical_observable_id() for t in group))
            rows.append(mechanism)
            cols.append(index[key])
        probs.append(inst.args_copy()[0])
        mechanism += 1
    probability = np.zeros(len(index))
    for r, c in zip(rows, cols, strict=True):
        probability[c] = probability[c] * (1 - probs[r]) + probs[r] * (1 - probability[c])
    to_edge = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(mechanism, len(index)))
    return list(index), np.array(observable), probability, to_edge


class PairPreDecoder:
    """Lesson 09's pre-decoder: candidates are the edges (u, v) of the matching graph whose two detectors both
    fired (a weight-one error explains them); features are the other lit neighbours of u and of v and the edge's
    weight; a tiny network (3 → 16 → 1) scores them; a pair is removed when its score is above ``threshold`` and
    neither detector belongs to another accepted pair. Boundary edges (one detector) are left to matching."""

    def __init__(self, dem, threshold: float = 0.5):
        from scipy import sparse

        self.keys, self.observable, probability, self.to_edge = matching_edges(dem)
        self.pairs = np.array([k for k in self.keys if len(k) == 2])
        pair_ids = [i for i, k in enumerate(self.keys) if len(k) == 2]
        self.pair_observable = self.observable[pair_ids]
        self.pair_ids = np.array(pair_ids)
        n_det = dem.num_detectors
        n_pairs = len(self.pairs)
        self.incidence = sparse.csr_matrix((np.ones(2 * n_pairs), (np.repeat(np.arange(n_pairs), 2),
                                            self.pairs.ravel())), shape=(n_pairs, n_det))
        every = sparse.csr_matrix((np.ones(sum(len(k) for k in self.keys)),
                                   ([i for i, k in enumerate(self.keys) for _ in k], [x for k in self.keys for x in k])),
                                  shape=(len(self.keys), n_det))
        adj = (every.T @ every).tolil()
        adj.setdiag(0)
        self.adjacency = (adj.tocsr() > 0).astype(np.float32)
        self.weight = np.log((1 - probability[self.pair_ids]) / probability[self.pair_ids]).astype(np.float32)
        self.threshold = threshold
        self.net: Any = None  # a torch module once fitted

    def candidates(self, det):
        """(shot, pair) indices of the lit pairs and their features."""
        from scipy import sparse

        lit = np.asarray(det, dtype=np.float32)
        neighbours = np.asarray((sparse.csr_matrix(lit) @ self.adjacency).todense())
        u, v = self.pairs[:, 0], self.pairs[:, 1]
        shot, pair = np.nonzero((lit[:, u] > 0) & (lit[:, v] > 0))
        features = np.stack([neighbours[shot, u[pair]] - 1, neighbours[shot, v[pair]] - 1,
                             self.weight[pair] / 10], axis=1).astype(np.float32)
        return shot, pair, features

    def fit(self, det, edge_flips, *, steps: int = 300, seed: int = 0) -> float:
        import torch

        shot, pair, features = self.candidates(det)
        labels = np.asarray(edge_flips)[shot, self.pair_ids[pair]].astype(np.float32)
        torch.manual_seed(seed)
        self.net = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
        opt = torch.optim.Adam(self.net.parameters(), 1e-2)
        x, y = torch.tensor(features), torch.tensor(labels)[:, None]
        gen = torch.Generator().manual_seed(seed)
        for _ in range(steps):
            idx = torch.randint(0, len(x), (4096,), generator=gen)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(self.net(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        return float(labels.mean())

    def scores(self, features):
        import torch

        with torch.no_grad():
            return torch.sigmoid(self.net(torch.tensor(features)))[:, 0].numpy()

    def apply(self, det, accept=None):
        """(remaining detection events, observable flips of the removed pairs, (shot, pair) of the removed)."""
        from scipy import sparse

        det = np.asarray(det, dtype=bool)
        shot, pair, features = self.candidates(det)
        ok = self.scores(features) > self.threshold if accept is None else accept(features)
        chosen = sparse.csr_matrix((ok.astype(np.float32), (shot, pair)), shape=(len(det), len(self.pairs)))
        per_detector = np.asarray((chosen @ self.incidence).todense())
        u, v = self.pairs[pair, 0], self.pairs[pair, 1]
        ok &= (per_detector[shot, u] == 1) & (per_detector[shot, v] == 1)
        removed = np.zeros(det.shape, dtype=bool)
        removed[shot[ok], u[ok]] = True
        removed[shot[ok], v[ok]] = True
        flips = np.zeros(len(det), dtype=np.int64)
        np.add.at(flips, shot[ok], self.pair_observable[pair[ok]].astype(np.int64))
        return det & ~removed, (flips % 2).astype(bool)[:, None], (shot[ok], pair[ok])


def predecoder(numbers: dict) -> None:
    """Lesson 09: train the pre-decoder on DEM samples (which edges really flipped) of the d = 5 surface code, then on
    fresh shots compare matching alone with pre-decoder + matching, and with the hand-written rule 'remove isolated
    pairs' (no other lit neighbour of u or v)."""
    import pymatching
    import torch
    from scipy import sparse

    torch.set_num_threads(1)
    out: dict = {"d": 5, "train_shots": 30_000, "test_shots": 100_000}
    for p in (0.003, 0.005):
        dem = qec.surface_code_circuit(5, p).detector_error_model(decompose_errors=True)
        pre = PairPreDecoder(dem)
        det, _, err = dem.compile_sampler(seed=91 + round(p * 1e4)).sample(out["train_shots"], return_errors=True)
        flips = (np.asarray((sparse.csr_matrix(err.astype(np.float32)) @ pre.to_edge).todense()).astype(np.int64) % 2)
        positive = pre.fit(det, flips.astype(bool))
        det, obs, err = dem.compile_sampler(seed=191 + round(p * 1e4)).sample(out["test_shots"], return_errors=True)
        flips = (np.asarray((sparse.csr_matrix(err.astype(np.float32)) @ pre.to_edge).todense()).astype(np.int64) % 2)
        matcher = pymatching.Matching.from_detector_error_model(dem)
        wrong_alone = np.any(matcher.decode_batch(det) != obs, axis=1)
        row: dict = {"candidate_true_fraction": positive, "detection_events": int(det.sum()),
                     "matching": {"errors": int(wrong_alone.sum())}}
        shot, pair, features = pre.candidates(det)
        scores = pre.scores(features)
        isolated = (features[:, 0] == 0) & (features[:, 1] == 0)
        one = (features[:, 0] + features[:, 1]) == 1
        row["mean_score"] = {"isolated": float(scores[isolated].mean()), "one lit neighbour": float(scores[one].mean())}
        for name, threshold, accept in (("pre-decoder 0.5", 0.5, None), ("pre-decoder 0.9", 0.9, None),
                                        ("isolated-pair rule", 0.5, lambda f: (f[:, 0] == 0) & (f[:, 1] == 0))):
            pre.threshold = threshold
            rest, pre_obs, (shot, pair) = pre.apply(det, accept)
            wrong = np.any((matcher.decode_batch(rest) ^ pre_obs) != obs, axis=1)
            row[name] = {"errors": int(wrong.sum()), "removed_fraction": 1 - rest.sum() / det.sum(),
                         "precision": float(flips[shot, pre.pair_ids[pair]].mean()),
                         "only_matching_wrong": int((wrong_alone & ~wrong).sum()),
                         "only_this_wrong": int((wrong & ~wrong_alone).sum())}
        for name in ("matching", "pre-decoder 0.5", "pre-decoder 0.9", "isolated-pair rule"):
            rate = row[name]["errors"] / out["test_shots"]
            row[name]["p_L"], row[name]["sigma"] = rate, float(np.sqrt(rate * (1 - rate) / out["test_shots"]))
        out[f"{p:.3f}"] = row
    numbers["predecoder"] = out


# ---------------------------------------------------------------------------------------------------------------
# Unit 10: a recurrent decoder in the spirit of AlphaQubit (a small GRU, CPU only)
# ---------------------------------------------------------------------------------------------------------------
REC: dict = {"d": 3, "rounds": 5, "p": 0.005, "train_shots": 200_000, "test_shots": 100_000, "epochs": 5, "hidden": 64,
       "batch": 500, "lr": 1e-2}


def round_layout(circuit):
    """(step, slot) of every detector: the round it belongs to (from its time coordinate) and which stabilizer it
    watches (its place among the distinct (x, y) detector coordinates), so detection events become a sequence."""
    coords = circuit.get_detector_coordinates()
    xy = sorted({tuple(v[:2]) for v in coords.values()})
    ts = sorted({v[2] for v in coords.values()})
    step = np.array([ts.index(coords[k][2]) for k in range(circuit.num_detectors)])
    slot = np.array([xy.index(tuple(coords[k][:2])) for k in range(circuit.num_detectors)])
    return step, slot


def as_sequence(det, step, slot):
    """Detection events (shots, detectors) as a float array (shots, steps, stabilizers), zeros where a
    stabilizer has no detector in that step (the X-checks in the first and the last step of a Z memory)."""
    x = np.zeros((len(det), step.max() + 1, slot.max() + 1), dtype=np.float32)
    x[:, step, slot] = det
    return x


def recurrent(numbers: dict) -> None:
    """Lesson 10: a GRU reads a d = 3 rotated surface-code memory's detection events round by round and predicts
    the logical flip; compared with PyMatching on the same test shots (binomial error bars, paired counts)."""
    import pymatching
    import torch

    torch.set_num_threads(1)
    c = REC
    circuit = qec.surface_code_circuit(c["d"], c["p"], rounds=c["rounds"])
    step, slot = round_layout(circuit)
    det, obs = circuit.compile_detector_sampler(seed=1001).sample(c["train_shots"], separate_observables=True)
    det_t, obs_t = circuit.compile_detector_sampler(seed=2002).sample(c["test_shots"], separate_observables=True)
    matcher = pymatching.Matching.from_detector_error_model(circuit.detector_error_model(decompose_errors=True))
    wrong_m = np.any(matcher.decode_batch(det_t) != obs_t, axis=1)

    class GRUDecoder(torch.nn.Module):
        def __init__(self, n_in: int, hidden: int):
            super().__init__()
            self.gru = torch.nn.GRU(n_in, hidden, batch_first=True)
            self.head = torch.nn.Linear(hidden, 1)

        def forward(self, x):
            h, _ = self.gru(x)
            return self.head(h[:, -1])

    torch.manual_seed(0)
    model = GRUDecoder(int(slot.max() + 1), c["hidden"])
    opt = torch.optim.Adam(model.parameters(), c["lr"])
    x, y = torch.tensor(as_sequence(det, step, slot)), torch.tensor(obs[:, :1].astype(np.float32))
    x_test = torch.tensor(as_sequence(det_t, step, slot))
    gen = torch.Generator().manual_seed(0)
    n = c["test_shots"]

    def scored(wrong) -> dict:
        k = int(wrong.sum())
        return {"errors": k, "p_L": k / n, "sigma": float(np.sqrt(k / n * (1 - k / n) / n))}

    per_epoch = []
    for _ in range(c["epochs"]):
        perm = torch.randperm(c["train_shots"], generator=gen)
        for i in range(0, c["train_shots"], c["batch"]):
            idx = perm[i:i + c["batch"]]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            wrong_g = np.any((model(x_test) > 0).numpy() != obs_t, axis=1)
        per_epoch.append(scored(wrong_g))
    b, k = int((wrong_m & ~wrong_g).sum()), int((wrong_g & ~wrong_m).sum())
    numbers["recurrent"] = {
        **c, "detectors": circuit.num_detectors, "steps": int(step.max() + 1), "stabilizers": int(slot.max() + 1),
        "parameters": sum(p.numel() for p in model.parameters()),
        "never_flipped": scored(obs_t[:, 0]), "matching": scored(wrong_m), "gru": per_epoch[-1], "per_epoch": per_epoch,
        "only_matching_wrong": b, "only_gru_wrong": k, "both_wrong": int((wrong_g & wrong_m).sum()),
        "mcnemar_z": float((k - b) / np.sqrt(b + k)),
    }
    fig, ax = plt.subplots()
    epochs = np.arange(1, c["epochs"] + 1)
    ax.errorbar(epochs, [e["p_L"] for e in per_epoch], yerr=[e["sigma"] for e in per_epoch], marker="o", capsize=3,
                label=f"GRU ({numbers['recurrent']['parameters']} parameters)")
    m = numbers["recurrent"]["matching"]
    ax.axhline(m["p_L"], color="C1", label="PyMatching")
    ax.axhspan(m["p_L"] - m["sigma"], m["p_L"] + m["sigma"], color="C1", alpha=0.3)
    ax.set_xticks(epochs)
    ax.set_xlabel("training epochs (200 000 shots each)")
    ax.set_ylabel("logical error rate (100 000 test shots)")
    ax.set_title(f"d = 3, {c['rounds']} rounds, p = {c['p']}: recurrent decoder vs matching")
    ax.legend()
    save(fig, "recurrent-decoder.svg")


PARTS = {"by_hand": by_hand, "suppression": suppression,  # units 6-7: runnable on their own
         "correlated": correlated, "predecoder": predecoder}  # units 8-9
PARTS["recurrent"] = recurrent  # unit 10


def main(argv: list[str] | None = None) -> None:
    """No arguments: every figure and number. ``make_figures.py by_hand suppression``: only those parts,
    merged into the numbers.json already there (the other figures are left as they are)."""
    FIG.mkdir(parents=True, exist_ok=True)
    parts = list(sys.argv[1:] if argv is None else argv)
    if parts:
        numbers = json.loads((FIG / "numbers.json").read_text())
        for name in parts:
            PARTS[name](numbers)
        (FIG / "numbers.json").write_text(json.dumps(numbers, indent=1) + "\n")
        print(json.dumps({name: numbers[name] for name in parts}, indent=1))
        return
    numbers: dict = {}
    repetition(numbers)
    layout()
    threshold(numbers)
    neural(numbers)
    raw_flip(numbers)
    decoder_cup(numbers)
    by_hand(numbers)
    suppression(numbers)
    correlated(numbers)
    predecoder(numbers)
    recurrent(numbers)
    (FIG / "numbers.json").write_text(json.dumps(numbers, indent=1) + "\n")
    print(json.dumps(numbers, indent=1))

if __name__ == "__main__":
    main()
