"""Regenerate the lesson figures of the QML course from simulations (no network needed).

    .venv/bin/python content/qml/tools/make_figures.py

Writes lessons/figures/*.svg and lessons/figures/numbers.json. Seeds are fixed. About half a minute on one core.
The torch simulator and models are the very code of the notebooks (imported from build_notebooks.py).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import build_notebooks as nb
import matplotlib.pyplot as plt
import numpy as np

HERE = Path(__file__).resolve().parent
FIG = HERE.parent / "lessons" / "figures"
plt.rcParams.update({"figure.figsize": (6, 4), "font.size": 11, "svg.hashsalt": "liangzhi", "axes.grid": True})


def save(fig, name: str) -> None:
    fig.tight_layout()
    fig.savefig(FIG / name, format="svg", metadata={"Date": None})
    plt.close(fig)


def born_rule() -> None:
    from qiskit import QuantumCircuit
    from qiskit_aer import AerSimulator

    thetas = np.linspace(0, 2 * np.pi, 25)
    shots = 500
    sim = AerSimulator()
    p1 = []
    for i, t in enumerate(thetas):
        qc = QuantumCircuit(1)
        qc.ry(t, 0)
        qc.measure_all()
        counts = sim.run(qc, shots=shots, seed_simulator=i).result().get_counts()
        p1.append(counts.get("1", 0) / shots)
    fine = np.linspace(0, 2 * np.pi, 200)
    q = np.sin(fine / 2) ** 2
    fig, ax = plt.subplots()
    ax.fill_between(fine, q - 2 * np.sqrt(q * (1 - q) / shots), q + 2 * np.sqrt(q * (1 - q) / shots), alpha=0.25,
                    label="±2 standard deviations")
    ax.plot(fine, q, label=r"Born rule $\sin^2(\theta/2)$")
    ax.plot(thetas, p1, "o", label=f"Aer, {shots} shots")
    ax.set_xlabel(r"$\theta$ in $R_Y(\theta)|0\rangle$")
    ax.set_ylabel("fraction of shots reading 1")
    ax.legend()
    save(fig, "born-rule.svg")


def gradients(numbers: dict) -> None:
    """Gradient errors measured on sampled shots, not drawn from formulas.

    The circuit is lesson 02's: RY(a) on qubit 0, RY(b) on qubit 1, measure Z0 Z1, f = cos a cos b. Each run of
    N = 1000 shots draws the number of +1 outcomes from the Born probability (1 + f)/2 (a seeded binomial draw is
    exactly the distribution of N independent measurements). For each step h the finite difference (2 runs) and
    the parameter shift (2 runs) are repeated REPEATS times; the plot shows the root-mean-square error against the
    exact derivative. The exact-simulator finite difference is computed in floating point. Dashed lines: the
    lesson's formulas h^2/6 |f'''| and sigma/(sqrt(2) h), for comparison.
    """
    a, b, shots, repeats = 0.7, -1.1, 1000, 400
    rng = np.random.default_rng(2024)
    exact = -np.sin(a) * np.cos(b)

    def f(theta: float) -> float:
        return float(np.cos(theta) * np.cos(b))

    def f_shots(theta: float, n: int) -> np.ndarray:
        plus = rng.binomial(shots, (1 + f(theta)) / 2, size=n)
        return (2 * plus - shots) / shots

    hs = np.logspace(-4, 0, 17)
    trunc = [abs((f(a + h) - f(a - h)) / (2 * h) - exact) for h in hs]
    fd_rms = [float(np.sqrt(np.mean(((f_shots(a + h, repeats) - f_shots(a - h, repeats)) / (2 * h) - exact) ** 2)))
              for h in hs]
    shift = (f_shots(a + np.pi / 2, repeats) - f_shots(a - np.pi / 2, repeats)) / 2
    shift_rms = float(np.sqrt(np.mean((shift - exact) ** 2)))
    shift_exact = abs((f(a + np.pi / 2) - f(a - np.pi / 2)) / 2 - exact)
    sigma = 1 / np.sqrt(shots)
    fig, ax = plt.subplots()
    ax.loglog(hs, trunc, "o-", ms=3, label="finite difference, exact simulator")
    ax.loglog(hs, fd_rms, "s-", ms=3, label=f"finite difference, {shots} sampled shots (rms of {repeats} runs)")
    ax.axhline(shift_rms, color="C2", label=f"parameter shift, {shots} sampled shots (rms of {repeats} runs)")
    ax.axhline(max(shift_exact, 1e-17), color="C3", ls=":", label="parameter shift, exact simulator (round-off)")
    ax.loglog(hs, hs**2 / 6 * abs(np.sin(a) * np.cos(b)), "k--", lw=0.7, label="the lesson's formulas")
    ax.loglog(hs, sigma / (np.sqrt(2) * hs), "k--", lw=0.7)
    ax.set_xlabel("finite-difference step h")
    ax.set_ylabel("gradient error")
    ax.set_ylim(1e-17, 1e3)
    ax.legend(fontsize=7)
    save(fig, "gradient-errors.svg")
    i = int(np.argmin(abs(hs - 1e-3)))
    numbers["gradients"] = {
        "shots": shots,
        "repeats": repeats,
        "sigma_1000_shots": sigma,
        "shift_rms_measured": shift_rms,
        "fd_h1e-3_rms_measured": fd_rms[i],
        "fd_h1e-3_truncation_exact": trunc[i],
    }


def vqc(numbers: dict) -> None:
    env: dict = {}
    exec(nb.SIM + nb.MOONS, env)  # noqa: S102 -- the notebooks' own code, from this repository
    torch, math = env["torch"], env["math"]
    torch.set_num_threads(1)
    x_train, y_train = env["two_moons"](200, seed=1)
    x_test, y_test = env["two_moons"](200, seed=2)

    class VQC(torch.nn.Module):
        def __init__(self, layers=3):
            super().__init__()
            self.w = torch.nn.Parameter(0.1 * torch.randn(layers, 2, dtype=torch.float64))
            self.a = torch.nn.Parameter(torch.tensor(3.0, dtype=torch.float64))
            self.b = torch.nn.Parameter(torch.tensor(0.0, dtype=torch.float64))

        def forward(self, x):
            state = env["zero_state"](2, x.shape[0])
            for layer in self.w:
                for q in range(2):
                    state = env["apply_ry"](state, math.pi / 2 * x[:, q], q)
                for q in range(2):
                    state = env["apply_ry"](state, layer[q], q)
                state = env["apply_cnot"](state, 0, 1)
            return self.a * env["expect_z"](state, 0) + self.b

    torch.manual_seed(0)
    model = VQC()
    x, y = torch.tensor(x_train), torch.tensor(y_train, dtype=torch.float64)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(150):
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    g = np.linspace(-1.6, 1.6, 80)
    gx, gy = np.meshgrid(g, g)
    with torch.no_grad():
        zz = torch.sigmoid(model(torch.tensor(np.c_[gx.ravel(), gy.ravel()]))).numpy().reshape(gx.shape)
        acc = float(((model(torch.tensor(x_test)) > 0).numpy() == y_test).mean())
    numbers["vqc_test_accuracy"] = acc
    numbers["vqc_parameters"] = sum(p.numel() for p in model.parameters())
    fig, ax = plt.subplots(figsize=(5, 4.4))
    ax.contourf(gx, gy, zz, levels=20, cmap="RdBu", alpha=0.6, rasterized=True)
    ax.contour(gx, gy, zz, levels=[0.5], colors="k")
    ax.scatter(x_test[:, 0], x_test[:, 1], c=y_test, cmap="RdBu", edgecolors="k", s=18)
    ax.set_title(f"2-qubit VQC, 3 layers: test accuracy {acc:.2f}")
    ax.set_xlabel("$x_0$")
    ax.set_ylabel("$x_1$")
    save(fig, "vqc-moons.svg")


def baselines(numbers: dict) -> None:
    """Classical models on the VQC's two-moons split (same data, same seeds style), for the lesson's comparison."""
    env: dict = {}
    exec(nb.SIM + nb.MOONS, env)  # noqa: S102 -- the notebooks' own code, from this repository
    torch = env["torch"]
    torch.set_num_threads(1)
    x_train, y_train = env["two_moons"](200, seed=1)
    x_test, y_test = env["two_moons"](200, seed=2)
    x, y = torch.tensor(x_train), torch.tensor(y_train, dtype=torch.float64)

    def fit(model, steps: int = 500) -> float:  # type: ignore[no-untyped-def]
        opt = torch.optim.Adam(model.parameters(), lr=0.05)
        for _ in range(steps):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x).squeeze(-1), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            return float(((model(torch.tensor(x_test)).squeeze(-1) > 0).numpy() == y_test).mean())

    torch.manual_seed(0)
    logistic = fit(torch.nn.Linear(2, 1, dtype=torch.float64))
    mlp = []
    for seed in range(5):
        torch.manual_seed(seed)
        net = torch.nn.Sequential(torch.nn.Linear(2, 8, dtype=torch.float64), torch.nn.Tanh(),
                                  torch.nn.Linear(8, 1, dtype=torch.float64))
        mlp.append(fit(net))
    numbers["moons_baselines"] = {"logistic_regression": logistic, "mlp_2_8_1_seeds_0_4": mlp,
                                  "mlp_2_8_1_parameters": 2 * 8 + 8 + 8 + 1}


def challenge_practice(numbers: dict) -> None:
    """Runs practice 05's own cells (the re-uploading baseline) and records what they print."""
    import contextlib
    import io
    import os
    import sys

    sys.path.insert(0, str(HERE.parents[2] / "grading" / "kernel_lib"))  # liangzhi_checks, as in the kernel
    cells = ["".join(c["source"]) for c in nb.PRACTICE_5 if c["cell_type"] == "code"]
    env: dict = {}
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(HERE.parent / "data")
    try:
        with contextlib.redirect_stdout(out):
            for src in cells:
                exec(src, env)  # noqa: S102 -- the practice notebook's own code, from this repository
    finally:
        os.chdir(cwd)
    model = env["final"]
    numbers["challenge_practice"] = {
        "parameters": sum(p.numel() for p in model.parameters()),
        "qubits": model.n_qubits,
        "fresh_accuracy": env["acc"],
        "fresh_points": len(env["y_new"]),
        "printed": [line for line in out.getvalue().splitlines() if "trained in" not in line],  # timing varies
    }


def hybrid_practice(numbers: dict) -> None:
    """Runs practice 04's own cells (linear, hybrid and MLP regressors) and records the test errors they print."""
    import contextlib
    import io
    import os
    import sys

    sys.path.insert(0, str(HERE.parents[2] / "grading" / "kernel_lib"))  # liangzhi_checks, as in the kernel
    cells = ["".join(c["source"]) for c in nb.PRACTICE_4 if c["cell_type"] == "code"]
    env: dict = {}
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(HERE.parent / "data")
    try:
        with contextlib.redirect_stdout(out):
            for src in cells:
                exec(src, env)  # noqa: S102 -- the practice notebook's own code, from this repository
    finally:
        os.chdir(cwd)
    numbers["hybrid_practice"] = {
        "rmse_linear": float(env["rmse_linear"]),
        "rmse_hybrid_mean": float(env["hyb"]),
        "rmse_mlp_mean": float(env["cla"]),
        "parameters_hybrid": int(env["n_h"]),
        "parameters_mlp": int(env["n_c"]),
    }


def permeability(numbers: dict) -> None:
    with (HERE.parent / "data" / "permeability.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    phi = np.array([float(r["porosity"]) for r in rows])
    vsh = np.array([float(r["vshale"]) for r in rows])
    logk = np.array([float(r["log10_perm_md"]) for r in rows])
    depth = np.array([float(r["depth_m"]) for r in rows])
    gr = np.array([float(r["GR_api"]) for r in rows])
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(8, 4.6), gridspec_kw={"width_ratios": [1, 1, 1.6]})
    ax1.plot(gr, depth, lw=0.7, color="C2")
    ax1.set_xlabel("GR (API)")
    ax1.set_ylabel("depth (m)")
    ax1.invert_yaxis()
    ax2.plot(logk, depth, lw=0.7, color="C1")
    ax2.set_xlabel("log10 k (mD)")
    ax2.invert_yaxis()
    ax2.set_yticklabels([])
    sc = ax3.scatter(phi, logk, c=vsh, s=8, cmap="viridis", rasterized=True)
    fig.colorbar(sc, ax=ax3, label="shale volume")
    ax3.set_xlabel("porosity")
    ax3.set_ylabel("log10 k (mD)")
    ax3.set_title("Kozeny–Carman + noise")
    save(fig, "permeability-data.svg")
    numbers["permeability"] = {"rows": len(rows), "log10k_min": float(logk.min()), "log10k_max": float(logk.max())}


def challenge() -> None:
    with (HERE.parent / "data" / "challenge_train.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    x = np.array([[float(r["x0"]), float(r["x1"])] for r in rows])
    y = np.array([int(r["label"]) for r in rows])
    fig, ax = plt.subplots(figsize=(4.6, 4.4))
    ax.scatter(x[:, 0], x[:, 1], c=y, cmap="RdBu", edgecolors="k", s=16)
    t = np.linspace(0, 2 * np.pi, 200)
    ax.plot(0.7 * np.cos(t), 0.7 * np.sin(t), "k--", lw=1, label="true boundary r = 0.7")
    ax.set_aspect("equal")
    ax.set_title("challenge_train.csv (3 % labels flipped)")
    ax.legend(loc="lower right", fontsize=8)
    save(fig, "challenge-data.svg")


def _run(src: str, env: dict) -> str:
    """Run notebook code (this repository's own, from build_notebooks.py) in ``env``; what it prints."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(src, env)  # noqa: S102 -- the practice notebook's own code, from this repository
    return out.getvalue()


def kernels(numbers: dict) -> None:
    """Unit 6: practice 06's own cells (ZZ kernel vs RBF kernel on the moons split, kernel concentration)."""
    import math

    env: dict = {}
    _run(nb.MOONS + nb.KERNELS, env)
    printed = _run(nb.KERNEL_COMPARE, env) + _run(nb.CONCENTRATION, env)
    per_scale = {}
    for s in env["quantum"]:
        _, lam, acc_val, acc_test = env["select"]({s: env["quantum"][s]})
        per_scale[str(s)] = {"lambda": lam, "validation": acc_val, "test": acc_test}
    conc = env["concentration"]
    numbers["kernels"] = {
        "per_scale": per_scale,
        "quantum": {"scale": env["q_scale"], "lambda": env["q_lam"], "validation": env["q_val"], "test": env["q_test"]},
        "rbf": {"gamma": env["c_gamma"], "lambda": env["c_lam"], "validation": env["c_val"], "test": env["c_test"]},
        "test_points": len(env["y_test"]),
        "concentration": {str(n): {"mean": m, "variance": v} for n, (m, v) in conc.items()},
        "variance_rate": float(env["kernel_rate"]),
        "shots_10pct_of_mean": {str(n): math.ceil((1 - m) / (0.1**2 * m)) for n, (m, _) in conc.items()},
        "printed": printed.splitlines(),
    }
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.8))
    scales = [float(s) for s in per_scale]
    ax1.plot(scales, [r["validation"] for r in per_scale.values()], "o-", label="ZZ kernel, validation (50 points)")
    ax1.plot(scales, [r["test"] for r in per_scale.values()], "s-", label="ZZ kernel, test (200 points)")
    ax1.axhline(env["c_test"], color="C2", ls="--", label=f"RBF kernel, test ({env['c_test']:.3f})")
    ax1.set_xscale("log", base=2)
    ax1.set_xlabel("input scale s (angles s·x)")
    ax1.set_ylabel("accuracy")
    ax1.set_title("two moons, kernel ridge classifier")
    ax1.legend(fontsize=7)
    ns = sorted(conc)
    ax2.semilogy(ns, [conc[n][0] for n in ns], "o-", label="mean of k(x, x')")
    ax2.semilogy(ns, [conc[n][1] for n in ns], "s-", label="variance of k(x, x')")
    ax2.semilogy(ns, [2.0**-n for n in ns], "k--", lw=0.8, label="$2^{-n}$")
    ax2.set_xlabel("qubits n (inputs uniform on $[0, 2\\pi)^n$)")
    ax2.set_title("kernel concentration (1770 pairs per n)")
    ax2.legend(fontsize=7)
    save(fig, "quantum-kernels.svg")


def barren(numbers: dict) -> None:
    """Unit 7: practice 07's own cells (gradient variance of a hardware-efficient ansatz, global vs local cost)."""
    import math

    env: dict = {}
    _run(nb.BARREN, env)
    printed = _run(nb.BARREN_EXPERIMENT, env)
    var, rate = env["variances"], env["rate"]
    numbers["barren"] = {
        "layers": env["LAYERS"],
        "samples": env["SAMPLES"],
        "variance": {name: {str(n): v for n, v in per_n.items()} for name, per_n in var.items()},
        "rate_global": float(rate["global"]),
        "rate_local": float(rate["local"]),
        "power_local": float(env["power"]),
        "shots_for_gradient_10_qubits": {name: math.ceil(1 / (8 * var[name][10])) for name in var},
        "printed": printed.splitlines(),
    }
    ns = np.arange(2, 11)
    fig, ax = plt.subplots()
    for name, color in (("global", "C3"), ("local", "C0")):
        ax.semilogy(ns, [var[name][n] for n in ns], "o", color=color, label=f"{name} cost ({env['SAMPLES']} samples)")
        slope, icpt = np.polyfit(ns, np.log([var[name][n] for n in ns]), 1)
        ax.semilogy(ns, np.exp(icpt + slope * ns), "-", color=color, lw=0.8,
                    label=f"fit: exp(-{-slope:.2f} n)")
    slope, icpt = np.polyfit(np.log(ns), np.log([var["local"][n] for n in ns]), 1)
    ax.loglog(ns, np.exp(icpt) * ns**slope, "--", color="C0", lw=0.8, label=f"fit: n^-{-slope:.1f} (local)")
    ax.set_xscale("linear")
    ax.set_xlabel("qubits n")
    ax.set_ylabel(r"Var $\partial C/\partial\theta_1$ over random initialisations")
    ax.set_title(f"hardware-efficient ansatz, {env['LAYERS']} layers")
    ax.legend(fontsize=8)
    save(fig, "barren-plateaus.svg")


def reupload(numbers: dict) -> None:
    """Unit 8: practice 08's own cells (Fourier fit with L = 1..4 uploads, accuracy against layers on a disk)."""
    env: dict = {}
    printed = _run(nb.REUPLOAD_1Q + nb.FOURIER, env) + _run(nb.CIRCLE, env)
    fourier, acc = env["fourier"], env["layers_accuracy"]
    numbers["reupload"] = {
        "target": "0.4 cos x + 0.3 sin 2x + 0.2 cos 3x",
        "grid_points": len(env["x_grid"]),
        "fourier": {str(L): {k: float(r[k]) for k in ("mse", "floor", "beyond_L")} for L, r in fourier.items()},
        "disk": {
            "train_points": len(env["y_train"]),
            "test_points": len(env["y_test"]),
            "per_layers": {
                str(L): {"accuracies": a, "mean": float(np.mean(a)), "std": float(np.std(a)), "parameters": 5 * L}
                for L, a in acc.items()
            },
        },
        "printed": printed.splitlines(),
    }
    torch = env["torch"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.8))
    fine = np.linspace(0, 2 * np.pi, 200)
    ax1.plot(fine, env["target"](fine), "k-", lw=2, label="target (frequencies 1, 2, 3)")
    with torch.no_grad():
        for L, r in fourier.items():
            ax1.plot(fine, r["model"](fine).numpy(), "--", lw=1, label=f"L = {L} (MSE {r['mse']:.1e})")
    ax1.set_xlabel("x")
    ax1.set_ylabel(r"$\langle Z\rangle$")
    ax1.set_title("one qubit, L uploads of RY(x)")
    ax1.legend(fontsize=7)
    ls = sorted(acc)
    ax2.errorbar(ls, [np.mean(acc[L]) for L in ls], yerr=[np.std(acc[L]) for L in ls], fmt="o-", capsize=3)
    ax2.set_xticks(ls)
    ax2.set_xlabel("layers L (uploads)")
    ax2.set_ylabel("test accuracy (500 points)")
    ax2.set_title("disk classifier, mean ± std of 3 starts")
    save(fig, "data-reuploading.svg")


def baseline(numbers: dict) -> None:
    """Unit 9: practice 09's own cells (six models, same data and budget, three seeds) and what training costs."""
    env: dict = {}
    printed = _run(nb.SIM + nb.MOONS + nb.KERNELS + nb.REUPLOAD_1Q + nb.BASELINE, env)
    results = env["results"]
    models = {}
    for name, rows in results.items():
        accs = [r[1] for r in rows]
        models[name] = {
            "settings": [r[0] for r in rows],
            "test": accs,
            "mean": float(np.mean(accs)),
            "std": float(np.std(accs)),
            "parameters": [r[2] for r in rows],
        }
    m_fit, m_test, steps = 150, 200, 100
    vqc_angles = 2 * 4  # unit 3's VQC with 4 layers: 2 trainable angles per layer (a and b are classical)
    numbers["baseline"] = {
        "seeds": list(env["SEEDS"]),
        "fit_points": m_fit,
        "validation_points": 50,
        "test_points": m_test,
        "models": models,
        "cost": {
            "kernel_circuits_train": m_fit * (m_fit - 1) // 2,
            "kernel_circuits_test": m_test * m_fit,
            "vqc_angles": vqc_angles,
            "vqc_shift_circuits_training": 2 * vqc_angles * m_fit * steps,
            "steps": steps,
        },
        "printed": printed.splitlines(),
    }
    names = list(models)
    fig, ax = plt.subplots(figsize=(8, 3.8))
    colors = ["C0"] * 3 + ["C3"] * 3
    ax.barh(range(len(names)), [models[n]["mean"] for n in names], xerr=[models[n]["std"] for n in names],
            color=colors, capsize=3)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0.8, 1.0)
    ax.set_xlabel("test accuracy, mean ± std over 3 seeds (200 points each)")
    ax.set_title("two moons: classical (blue) and quantum (red), same budget")
    save(fig, "classical-baseline.svg")


def noise(numbers: dict) -> None:
    """Unit 10: practice 10's own cells (transpiling, a hand-written noise model, readout mitigation, ZNE)."""
    env: dict = {}
    printed = _run(nb.SIM + nb.MOONS + nb.NOISE_SETUP, env)
    printed += _run(nb.NOISE_DEVICE, env) + _run(nb.NOISE_MODEL, env)
    printed += _run(nb.NOISE_MITIGATE, env) + _run(nb.NOISE_ZNE, env)
    classify, readout, zne = env["classify"], env["readout"], env["zne"]
    numbers["noise"] = {
        "exact_accuracy": env["exact_accuracy"],
        "transpiled": {k: {m: list(v) for m, v in d.items()} for k, d in env["transpiled"].items()},
        "device_ops": {k: v for k, v in env["device"].count_ops().items() if k not in ("measure", "barrier")},
        "rates": {"p1": env["P1"], "p2": env["P2"], "read01": env["P_READ"][0], "read10": env["P_READ"][1]},
        "shots": env["SHOTS"],
        "seeds": len(env["SEEDS"]),
        "accuracy": {str(s): list(v) for s, v in classify.items()},
        "readout_mitigated": {str(s): list(v) for s, v in readout.items()},
        "confusion": env["confusion"].tolist(),
        "zne": {
            "ideal": env["z_ideal"],
            "raw": zne[1]["raw"],
            "readout": zne[1]["readout"],
            "folded": {str(f): zne[f]["readout"] for f in zne},
            "linear": env["z_linear"],
            "richardson": env["z_richardson"],
            "shots": env["ZNE_SHOTS"],
        },
        "printed": printed.splitlines(),
    }
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.8))
    scales = [s for s in classify if s]
    ax1.axhline(classify[0][0], color="k", ls="--", lw=0.8, label=f"noiseless, {env['SHOTS']} shots")
    ax1.errorbar(scales, [classify[s][0] for s in scales], [classify[s][1] for s in scales], fmt="o-",
                 capsize=3, label="noise model × scale")
    ax1.errorbar(list(readout), [v[0] for v in readout.values()], [v[1] for v in readout.values()], fmt="s",
                 capsize=3, label="readout mitigated")
    ax1.set_xscale("log", base=2)
    ax1.set_xlabel("noise scale (all error rates × scale)")
    ax1.set_ylabel(f"test accuracy (mean ± s.e., {len(env['SEEDS'])} seeds)")
    ax1.set_title("unit 3's VQC on the simulated device")
    ax1.legend(fontsize=7)
    factors = sorted(zne)
    ax2.plot(factors, [zne[f]["readout"] for f in factors], "o", label="CNOTs folded, readout mitigated")
    line = np.linspace(0, 5, 50)
    ax2.plot(line, np.polyval(np.polyfit(factors, [zne[f]["readout"] for f in factors], 1), line), "-", lw=0.8,
             label=f"linear extrapolation: {env['z_linear']:.3f}")
    ax2.plot([1], [zne[1]["raw"]], "x", color="C3", label=f"measured: {zne[1]['raw']:.3f}")
    ax2.axhline(env["z_ideal"], color="k", ls="--", lw=0.8, label=f"noiseless: {env['z_ideal']:.3f}")
    ax2.set_xlabel("CNOT noise factor")
    ax2.set_ylabel(r"$\langle Z_0\rangle$, first test point")
    ax2.set_title("zero-noise extrapolation")
    ax2.legend(fontsize=7)
    save(fig, "noise.svg")


def main(parts: list[str]) -> None:
    """Everything, or only the named parts (``make_figures.py kernels barren``), merged into numbers.json."""
    FIG.mkdir(parents=True, exist_ok=True)
    if parts:
        numbers = json.loads((FIG / "numbers.json").read_text())
        for part in parts:
            {"kernels": kernels, "barren": barren, "reupload": reupload, "baseline": baseline, "noise": noise}[part](numbers)
        (FIG / "numbers.json").write_text(json.dumps(numbers, indent=1) + "\n")
        print(json.dumps({p: numbers[p] for p in parts}, indent=1))
        return
    numbers = {}
    born_rule()
    gradients(numbers)
    vqc(numbers)
    baselines(numbers)
    challenge_practice(numbers)
    hybrid_practice(numbers)
    permeability(numbers)
    challenge()
    kernels(numbers)
    barren(numbers)
    reupload(numbers)
    baseline(numbers)
    noise(numbers)
    (FIG / "numbers.json").write_text(json.dumps(numbers, indent=1) + "\n")
    print(json.dumps(numbers, indent=1))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
