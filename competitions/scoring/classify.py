"""The QML challenge's trusted side: the course's circle task with hidden test labels, and scoring.

Django-free. The data follow content/qml (the capstone unit): points uniform in [-1, 1]^2, label 1
inside the circle of radius 0.7, a few labels flipped at random — drawn here from a secret seed.
Participants get a labelled training set; the test labels and the public/private split stay in
``hidden/``. Score: accuracy; tie-breaker: macro-F1.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from .decoder import ScoringError

N_FEATURES = 2
MAX_CSV_BYTES = 2 * 1024 * 1024


def circle_data(
    n: int, rng: np.random.Generator, radius: float = 0.7, flip: float = 0.03
) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-1, 1, (n, 2))
    y = (np.hypot(x[:, 0], x[:, 1]) < radius).astype(np.int64)
    flipped = rng.random(n) < flip
    y[flipped] = 1 - y[flipped]
    return x, y


def generate(*, out: Path, seed: int, train: int, test: int, public_fraction: float, noise: float) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    x, y = circle_data(train + test, rng, flip=noise)
    inputs, hidden, public_dir = out / "inputs", out / "hidden", out / "public"
    for d in (inputs, hidden, public_dir):
        d.mkdir(parents=True, exist_ok=True)
    x_train, y_train, x_test, y_test = x[:train], y[:train], x[train:], y[train:]
    # x_test goes into the sandbox for predict(); the test features are not a secret, the labels are.
    np.savez(inputs / "data.npz", x_train=x_train, y_train=y_train, x_test=x_test)
    cols = [f"x{i}" for i in range(N_FEATURES)]
    with open(public_dir / "train.csv", "w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["id", *cols, "label"])
        for i, (row, lab) in enumerate(zip(x_train, y_train, strict=True)):
            wr.writerow([i, *(f"{v:.6f}" for v in row), int(lab)])
    with open(public_dir / "test.csv", "w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["id", *cols])
        for i, row in enumerate(x_test):
            wr.writerow([i, *(f"{v:.6f}" for v in row)])
    public = rng.random(test) < public_fraction
    np.savez(hidden / "labels.npz", y=y_test, public=public)
    manifest = {"train": train, "test": test, "public": int(public.sum()), "noise": noise}
    (hidden / "manifest.json").write_text(json.dumps(manifest))
    (inputs / "tasks.json").write_text(json.dumps({"n_test": test, "n_features": N_FEATURES}))
    return manifest


def parse_predictions_csv(raw: bytes, n: int) -> np.ndarray:
    """``id,label`` rows for every test id, labels 0/1; a ScoringError names the first problem."""
    if len(raw) > MAX_CSV_BYTES:
        raise ScoringError("the predictions file is too large")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScoringError("the predictions file is not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or [h.strip().lower() for h in header[:2]] != ["id", "label"]:
        raise ScoringError("the first line must be the header: id,label")
    out = np.full(n, -1, dtype=np.int64)
    for line, row in enumerate(reader, start=2):
        if not row:
            continue
        try:
            i, lab = int(row[0]), int(float(row[1]))
        except (ValueError, IndexError):
            raise ScoringError(f"line {line}: expected two numbers, got {row[:2]!r}") from None
        if not 0 <= i < n:
            raise ScoringError(f"line {line}: id {i} is not a test id (0..{n - 1})")
        if lab not in (0, 1):
            raise ScoringError(f"line {line}: label must be 0 or 1")
        out[i] = lab
    missing = int((out < 0).sum())
    if missing:
        raise ScoringError(f"{missing} test ids have no prediction")
    return out


def load_predictions(path: Path, n: int) -> np.ndarray:
    if not path.exists():
        raise ScoringError("no predictions were written")
    try:
        arr = np.load(path, allow_pickle=False)
    except Exception as exc:
        raise ScoringError(f"predictions are not a numpy array ({type(exc).__name__})") from None
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ScoringError("predictions contain NaN")
    arr = arr.reshape(-1) if arr.ndim == 2 and arr.shape[1] == 1 else arr
    if arr.shape != (n,):
        raise ScoringError(f"predict() returned shape {arr.shape}, expected ({n},)")
    if arr.dtype.kind not in "biuf" or not np.isin(arr, (0, 1)).all():
        raise ScoringError("labels must be 0 or 1")
    return arr.astype(np.int64)


def _metrics(pred: np.ndarray, y: np.ndarray) -> dict[str, float]:
    acc = float((pred == y).mean()) if len(y) else 0.0
    f1s = []
    for c in (0, 1):
        tp = int(((pred == c) & (y == c)).sum())
        fp = int(((pred == c) & (y != c)).sum())
        fn = int(((pred != c) & (y == c)).sum())
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return {"accuracy": acc, "macro_f1": float(np.mean(f1s)), "n": len(y)}


def score(*, data: Path, pred: np.ndarray) -> dict[str, Any]:
    hidden = np.load(data / "hidden" / "labels.npz", allow_pickle=False)
    y, public = hidden["y"], hidden["public"]
    return {"public": _metrics(pred[public], y[public]), "private": _metrics(pred[~public], y[~public])}


def n_test(data: Path) -> int:
    return int(json.loads((data / "inputs" / "tasks.json").read_text())["n_test"])


def knn_baseline(data: Path, k: int = 15) -> np.ndarray:
    """The host's classical baseline: k-nearest neighbours (Euclidean)."""
    d = np.load(data / "inputs" / "data.npz", allow_pickle=False)
    xt, yt, xs = d["x_train"], d["y_train"], d["x_test"]
    dist = ((xs[:, None, :] - xt[None, :, :]) ** 2).sum(axis=2)
    idx = np.argpartition(dist, k, axis=1)[:, :k]
    return (yt[idx].mean(axis=1) > 0.5).astype(np.int64)
