"""Regenerate the lesson figures of the QML course from real simulations (no network needed).

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
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import build_notebooks as nb  # noqa: E402

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
    a, b = 0.7, -1.1
    exact = -np.sin(a) * np.cos(b)
    hs = np.logspace(-4, 0, 17)
    trunc = [abs((np.cos(a + h) - np.cos(a - h)) / (2 * h) * np.cos(b) - exact) for h in hs]
    sigma = 1 / np.sqrt(1000)
    noise = sigma / (np.sqrt(2) * hs)
    fig, ax = plt.subplots()
    ax.loglog(hs, trunc, label="finite difference, exact simulator (truncation ≈ h²/6)")
    ax.loglog(hs, noise, label="finite difference, 1000 shots (noise ≈ σ/(√2 h))")
    ax.axhline(sigma / np.sqrt(2), color="C2", label="parameter shift, 1000 shots (σ/√2)")
    ax.axhline(1e-16, color="C3", ls=":", label="parameter shift, exact simulator (exact)")
    ax.set_xlabel("finite-difference step h")
    ax.set_ylabel("gradient error")
    ax.set_ylim(1e-17, 1e3)
    ax.legend(fontsize=8)
    save(fig, "gradient-errors.svg")
    numbers["gradients"] = {"sigma_1000_shots": sigma, "shift_error": sigma / np.sqrt(2), "fd_error_h1e-3": sigma / (np.sqrt(2) * 1e-3)}


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
    fig, ax = plt.subplots(figsize=(5, 4.4))
    ax.contourf(gx, gy, zz, levels=20, cmap="RdBu", alpha=0.6, rasterized=True)
    ax.contour(gx, gy, zz, levels=[0.5], colors="k")
    ax.scatter(x_test[:, 0], x_test[:, 1], c=y_test, cmap="RdBu", edgecolors="k", s=18)
    ax.set_title(f"2-qubit VQC, 3 layers: test accuracy {acc:.2f}")
    ax.set_xlabel("$x_0$")
    ax.set_ylabel("$x_1$")
    save(fig, "vqc-moons.svg")


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


def main() -> None:
    FIG.mkdir(parents=True, exist_ok=True)
    numbers: dict = {}
    born_rule()
    gradients(numbers)
    vqc(numbers)
    permeability(numbers)
    challenge()
    (FIG / "numbers.json").write_text(json.dumps(numbers, indent=1) + "\n")
    print(json.dumps(numbers, indent=1))


if __name__ == "__main__":
    main()
