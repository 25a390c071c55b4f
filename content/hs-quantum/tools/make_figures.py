"""Draw the lesson figures of the high-school course (language-neutral: symbols only, one file for both languages).

    .venv/bin/python content/hs-quantum/tools/make_figures.py

Writes lessons/figures/*.svg. The readout data are the practice notebook's (same generator, same seed), and the
interference curve is the lesson's formula, marked at the phases the notebook prints.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

FIG = Path(__file__).resolve().parent.parent / "lessons" / "figures"
plt.rcParams.update({"font.size": 12, "svg.hashsalt": "liangzhi-hs", "svg.fonttype": "path"})


def save(fig: plt.Figure, name: str) -> None:
    FIG.mkdir(parents=True, exist_ok=True)
    fig.savefig(FIG / name, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)


def bloch() -> None:
    """The sphere seen slightly from above: |0> at the top, |1> at the bottom, |+> in front, one state at (theta, phi)."""
    fig, ax = plt.subplots(figsize=(4.6, 4.6))
    t = np.linspace(0, 2 * np.pi, 200)
    tilt = 0.3  # how flat the equator looks

    def project(x: float, y: float, z: float) -> tuple[float, float]:
        # x toward the viewer (down-left), y to the right, z up
        return y - 0.45 * x, z - tilt * 0.6 * x

    ax.plot(np.cos(t), np.sin(t), color="0.3", lw=1.2)
    ex, ey = zip(*(project(np.cos(a), np.sin(a), 0) for a in t), strict=True)
    ax.plot(ex, ey, color="0.5", lw=1, ls="--")
    for (x, y, z), label, offset in [
        ((0, 0, 1.25), "$z$", (0.05, 0.0)),
        ((1.5, 0, 0), "$x$", (-0.14, -0.02)),
        ((0, 1.25, 0), "$y$", (0.04, 0.03)),
    ]:
        px, py = project(x, y, z)
        ax.annotate("", xy=(px, py), xytext=(0, 0), arrowprops={"arrowstyle": "->", "color": "0.4", "lw": 1})
        ax.text(px + offset[0], py + offset[1], label)
    for (x, y, z), label, offset in [
        ((0, 0, 1), r"$|0\rangle$", (0.08, 0.04)),
        ((0, 0, -1), r"$|1\rangle$", (0.08, -0.12)),
        ((1, 0, 0), r"$|+\rangle$", (0.0, -0.24)),
    ]:
        px, py = project(x, y, z)
        ax.plot(px, py, "o", color="black", ms=5)
        ax.text(px + offset[0], py + offset[1], label)
    theta, phi = np.pi / 3, np.pi / 4
    state = (np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta))
    sx, sy = project(*state)
    ax.annotate("", xy=(sx, sy), xytext=(0, 0), arrowprops={"arrowstyle": "-|>", "color": "#c0392b", "lw": 2})
    ax.text(sx + 0.05, sy + 0.03, r"$|\psi\rangle$", color="#c0392b")
    arc = np.linspace(0, theta, 30)
    ax_, ay_ = zip(
        *(project(0.35 * np.sin(a) * np.cos(phi), 0.35 * np.sin(a) * np.sin(phi), 0.35 * np.cos(a)) for a in arc),
        strict=True,
    )
    ax.plot(ax_, ay_, color="#c0392b", lw=1)
    ax.text(ax_[15] + 0.03, ay_[15] + 0.05, r"$\theta$", color="#c0392b")
    fx, fy = project(*(state[0], state[1], 0))
    ax.plot([0, fx, sx], [0, fy, sy], color="#c0392b", lw=0.8, ls=":")
    arc = np.linspace(0, phi, 30)
    bx, by = zip(*(project(0.4 * np.cos(a), 0.4 * np.sin(a), 0) for a in arc), strict=True)
    ax.plot(bx, by, color="#2471a3", lw=1)
    ax.text(bx[15] - 0.02, by[15] - 0.17, r"$\varphi$", color="#2471a3")
    ax.set_xlim(-1.35, 1.45)
    ax.set_ylim(-1.3, 1.4)
    ax.set_aspect("equal")
    ax.axis("off")
    save(fig, "bloch.svg")


def interference() -> None:
    """P(0) of H P(phi) H against the phase, with the phases the lesson and notebook quote."""
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    phi = np.linspace(0, 2 * np.pi, 300)
    ax.plot(phi, np.cos(phi / 2) ** 2, color="#2471a3", lw=2)
    marks = [(0, "0"), (np.pi / 3, r"$\pi/3$"), (np.pi / 2, r"$\pi/2$"), (np.pi, r"$\pi$")]
    for value, _ in marks:
        ax.plot(value, np.cos(value / 2) ** 2, "o", color="#c0392b")
        ax.annotate(f"{np.cos(value / 2) ** 2:.2f}", (value, np.cos(value / 2) ** 2), textcoords="offset points",
                    xytext=(6, 4))
    ax.set_xticks([0, np.pi / 3, np.pi / 2, np.pi, 2 * np.pi], ["0", r"$\pi/3$", r"$\pi/2$", r"$\pi$", r"$2\pi$"])
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1])
    ax.set_xlabel(r"$\varphi$")
    ax.set_ylabel(r"$P(0)$")
    ax.grid(alpha=0.3)
    save(fig, "interference.svg")


def readout() -> None:
    """The practice notebook's training points (seed 7) and the two hand lines of the lesson."""
    rng = np.random.default_rng(7)
    centres = np.array([[-0.5, -1.0], [0.5, 1.0]])
    y = rng.integers(0, 2, 200)
    x = centres[y] + rng.normal(0, 0.5, (200, 2))
    fig, ax = plt.subplots(figsize=(4.8, 4.4))
    for label, marker, colour in [(0, "o", "#2471a3"), (1, "^", "#c0392b")]:
        pts = x[y == label]
        ax.scatter(pts[:, 0], pts[:, 1], s=14, marker=marker, color=colour, alpha=0.75,
                   label=rf"$|{label}\rangle$")
    grid = np.linspace(-3, 3, 2)
    ax.plot([0, 0], [-3, 3], color="0.4", ls="--", lw=1.2, label=r"$x_1 = 0$")
    ax.plot(grid, -grid, color="black", lw=1.5, label=r"$x_1 + x_2 = 0$")
    ax.set_xlim(-2.5, 2.5)
    ax.set_ylim(-3, 3)
    ax.set_xlabel(r"$x_1$")
    ax.set_ylabel(r"$x_2$")
    ax.legend(loc="upper left", fontsize=10)
    ax.set_aspect("equal")
    save(fig, "readout.svg")


if __name__ == "__main__":
    bloch()
    interference()
    readout()
    print("wrote", ", ".join(sorted(p.name for p in FIG.glob("*.svg"))))
