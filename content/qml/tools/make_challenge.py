"""Generate the QML-challenge practice data (challenge_train.csv). Seeded and deterministic.

    .venv/bin/python content/qml/tools/make_challenge.py

Points uniform in [-1, 1]^2; label 1 inside the circle of radius 0.7, else 0; 3 % of labels flipped at random.
The hidden test set of the capstone assignment uses the same function with another seed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SEED = 7
N = 300


def circle_data(n: int, seed: int, radius: float = 0.7, flip: float = 0.03) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 2))
    y = (np.hypot(x[:, 0], x[:, 1]) < radius).astype(int)
    flipped = rng.random(n) < flip
    y[flipped] = 1 - y[flipped]
    return x, y


def main() -> None:
    here = Path(__file__).resolve().parent.parent
    x, y = circle_data(N, SEED)
    lines = ["x0,x1,label"] + [f"{a:.5f},{b:.5f},{c}" for (a, b), c in zip(x, y, strict=True)]
    for target in (here / "data" / "challenge_train.csv", here / "assignments" / "qml-challenge-prep" / "challenge_train.csv"):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines) + "\n")
        print("wrote", target)


if __name__ == "__main__":
    main()
