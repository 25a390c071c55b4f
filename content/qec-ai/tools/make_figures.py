"""Regenerate the lesson figures of the QEC course from real simulations (no network needed).

    .venv/bin/python content/qec-ai/tools/make_figures.py

Writes lessons/figures/*.svg and lessons/figures/numbers.json (the numbers quoted in the lessons).
Seeds are fixed, so a rerun reproduces the same figures. Takes about a minute on one core.
"""

from __future__ import annotations

import json
import sys
from math import comb
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
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


def main() -> None:
    FIG.mkdir(parents=True, exist_ok=True)
    numbers: dict = {}
    repetition(numbers)
    layout()
    threshold(numbers)
    neural(numbers)
    raw_flip(numbers)
    decoder_cup(numbers)
    (FIG / "numbers.json").write_text(json.dumps(numbers, indent=1) + "\n")
    print(json.dumps(numbers, indent=1))


if __name__ == "__main__":
    main()
