"""The Decoder Cup's trusted side: hidden data generation with Stim and scoring against the observables.

Django-free. Generation writes detection events (bit-packed) to ``inputs/`` and observables, the
public/private split and PyMatching's predictions on the same shots to ``hidden/``. Scoring reads
the participant's predictions (written by the sandboxed runner) and compares in this process.

Ranking score: the participant's logical errors divided by PyMatching's on the same shots, pooled
over the phase's tasks (lower is better, 1.0 = matching). Per task the page shows the logical
error rate per round with a 95% Wilson interval.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .stats import per_round, ratio_interval, separating_errors, wilson

MAX_PRED_BYTES = 256 * 1024 * 1024


class ScoringError(Exception):
    """The participant's output cannot be scored; the message is shown to them."""


def stated_circuit(distance: int, p: float):  # type: ignore[no-untyped-def]
    import stim

    return stim.Circuit.generated(
        "surface_code:rotated_memory_z",
        distance=distance,
        rounds=distance,
        after_clifford_depolarization=p,
        before_round_data_depolarization=p,
        before_measure_flip_probability=p,
        after_reset_flip_probability=p,
    )


def sampled_circuit(distance: int, p: float, variation: dict[str, float] | None):  # type: ignore[no-untyped-def]
    """The circuit the hidden shots come from: the stated one, or one with a hidden noise variation."""
    import stim

    if not variation:
        return stated_circuit(distance, p)
    return stim.Circuit.generated(
        "surface_code:rotated_memory_z",
        distance=distance,
        rounds=distance,
        after_clifford_depolarization=p,
        before_round_data_depolarization=p * variation["data"],
        before_measure_flip_probability=p * variation["measure"],
        after_reset_flip_probability=p,
    )


def task_shots(task: dict[str, Any], scale: float, minimum: int = 200) -> int:
    return max(minimum, int(task["shots"] * scale))


def generate(
    *, out: Path, tasks: list[dict[str, Any]], seed: int, public_fraction: float, scale: float, variation: bool
) -> dict[str, Any]:
    """Sample every task's shots from ``seed``; returns the manifest (also written to hidden/manifest.json)."""
    import pymatching

    inputs, hidden = out / "inputs", out / "hidden"
    inputs.mkdir(parents=True, exist_ok=True)
    hidden.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    listing, stats = [], []
    noise = None
    if variation:
        # Drawn from the secret seed: participants see only the stated noise model.
        noise = {"data": float(rng.uniform(1.5, 2.5)), "measure": float(rng.uniform(1.5, 3.0))}
    for task in tasks:
        d, p = int(task["distance"]), float(task["p"])
        shots = task_shots(task, scale)
        stated = stated_circuit(d, p)
        sampler = sampled_circuit(d, p, noise).compile_detector_sampler(seed=int(rng.integers(2**62)))
        det, obs = sampler.sample(shots, separate_observables=True, bit_packed=True)
        n_det, n_obs = stated.num_detectors, stated.num_observables
        matching = pymatching.Matching.from_detector_error_model(stated.detector_error_model(decompose_errors=True))
        pred = matching.decode_batch(det, bit_packed_shots=True, bit_packed_predictions=True)
        obs_b = np.unpackbits(obs, axis=1, count=n_obs, bitorder="little").astype(bool)
        pred_b = np.unpackbits(pred, axis=1, count=n_obs, bitorder="little").astype(bool)
        public = rng.random(shots) < public_fraction
        np.save(inputs / f"{task['name']}.det.npy", det)
        np.savez(hidden / f"{task['name']}.npz", obs=obs_b, public=public, matching=pred_b)
        listing.append(
            {
                "name": task["name"],
                "distance": d,
                "rounds": d,
                "p": p,
                "shots": shots,
                "num_detectors": n_det,
                "num_observables": n_obs,
                "circuit": str(stated),
            }
        )
        wrong = np.any(pred_b != obs_b, axis=1)
        stats.append(
            {
                "name": task["name"],
                "shots": shots,
                "public_shots": int(public.sum()),
                "matching_errors_public": int(wrong[public].sum()),
                "matching_errors_private": int(wrong[~public].sum()),
            }
        )
    (inputs / "tasks.json").write_text(json.dumps(listing, indent=1))
    private_errors = sum(s["matching_errors_private"] for s in stats)
    manifest = {
        "tasks": stats,
        "noise_variation": noise,
        "matching_errors_private": private_errors,
        "separating_errors_10pct": separating_errors(0.10),
        "separates_10pct": private_errors >= separating_errors(0.10),
    }
    (hidden / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def load_predictions(path: Path, shots: int, n_obs: int) -> np.ndarray:
    """The participant's predictions as a (shots, n_obs) bool array, or a ScoringError that says why not."""
    if not path.exists():
        raise ScoringError(f"no predictions were written for {path.stem}")
    if path.stat().st_size > MAX_PRED_BYTES:
        raise ScoringError(f"predictions for {path.stem} are too large")
    try:
        arr = np.load(path, allow_pickle=False)
    except Exception as exc:
        raise ScoringError(f"predictions for {path.stem} are not a numpy array ({type(exc).__name__})") from None
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ScoringError(f"predictions for {path.stem} contain NaN")
    if arr.ndim == 1 and n_obs == 1:
        arr = arr.reshape(-1, 1)
    if arr.shape != (shots, n_obs):
        raise ScoringError(f"decode() returned shape {arr.shape} for {path.stem}, expected ({shots}, {n_obs})")
    if arr.dtype.kind not in "biuf":
        raise ScoringError(f"predictions for {path.stem} have dtype {arr.dtype}, expected bool")
    if arr.dtype.kind != "b" and not np.isin(arr, (0, 1)).all():
        raise ScoringError(f"predictions for {path.stem} must be 0/1 or bool")
    return arr.astype(bool)


def _split_detail(rows: list[dict[str, Any]]) -> dict[str, Any]:
    k = sum(r["errors"] for r in rows)
    m = sum(r["matching_errors"] for r in rows)
    lo, hi = ratio_interval(k, m)
    # Half-count continuity correction: defined when matching makes no error on a small split.
    return {"tasks": rows, "errors": k, "matching_errors": m, "ratio": (k + 0.5) / (m + 0.5), "ratio_ci": [lo, hi]}


def score(*, data: Path, outputs: Path, predictions_of: str = "participant") -> dict[str, Any]:
    """Score predictions in ``outputs`` (``<task>.npy``) on both splits; ``predictions_of="matching"`` scores the baseline."""
    listing = json.loads((data / "inputs" / "tasks.json").read_text())
    splits: dict[str, list[dict[str, Any]]] = {"public": [], "private": []}
    for task in listing:
        hidden = np.load(data / "hidden" / f"{task['name']}.npz", allow_pickle=False)
        obs, public, matching = hidden["obs"], hidden["public"], hidden["matching"]
        if predictions_of == "matching":
            pred = matching
        else:
            pred = load_predictions(outputs / f"{task['name']}.npy", task["shots"], task["num_observables"])
        wrong = np.any(pred != obs, axis=1)
        m_wrong = np.any(matching != obs, axis=1)
        for split, mask in (("public", public), ("private", ~public)):
            n = int(mask.sum())
            k, m = int(wrong[mask].sum()), int(m_wrong[mask].sum())
            lo, hi = wilson(k, n)
            r = task["rounds"]
            splits[split].append(
                {
                    "name": task["name"],
                    "distance": task["distance"],
                    "p": task["p"],
                    "shots": n,
                    "errors": k,
                    "ler_round": per_round(k / n, r) if n else None,
                    "ler_round_ci": [per_round(lo, r), per_round(hi, r)],
                    "matching_errors": m,
                    "matching_ler_round": per_round(m / n, r) if n else None,
                    "ratio": (k / m) if m else None,
                }
            )
    return {split: _split_detail(rows) for split, rows in splits.items()}


def total_shots(data: Path) -> int:
    return sum(t["shots"] for t in json.loads((data / "inputs" / "tasks.json").read_text()))
