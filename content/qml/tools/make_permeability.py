"""Generate the synthetic well-log permeability dataset (data/permeability.csv). Seeded and deterministic.

    .venv/bin/python content/qml/tools/make_permeability.py

The physical model (documented in lessons/04-hybrid-regression.md):

1. Geology, sampled every 0.5 m from 2000 m depth, 600 samples:
   - shale volume V_sh: a smooth random profile (sum of sinusoids + noise) squashed into [0, 0.6];
   - effective porosity phi = 0.30 - 0.25 V_sh - 0.00002 (depth - 2000) + N(0, 0.02), clipped to [0.03, 0.35];
   - grain size d (micrometres): log-normal, median 250 um in clean sand, finer with shale:
     ln d = ln 250 - 2.0 V_sh + N(0, 0.25).
2. Permeability from Kozeny-Carman, k = d^2 phi^3 / (180 (1 - phi)^2)  (k in m^2 for d in m),
   converted to millidarcy (1 mD = 9.869233e-16 m^2), times a log-normal "unmodelled" factor exp(N(0, 0.3)).
   Target: log10(k / mD).
3. Logs that a logging tool would record (the model's inputs), each with measurement noise:
   - GR (gamma ray, API) = 20 + 130 V_sh + N(0, 5);
   - RHOB (bulk density, g/cm^3) = phi * 1.0 + (1 - phi) * 2.65 + 0.05 V_sh + N(0, 0.02);
   - NPHI (neutron porosity, fraction) = phi + 0.25 V_sh + N(0, 0.015);
   - DT (sonic slowness, us/ft) from Wyllie's time average: phi * 189 + (1 - phi) * 55.5 + 15 V_sh + N(0, 2).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

SEED = 20240601
N = 600
COLUMNS = ["depth_m", "GR_api", "RHOB_gcc", "NPHI_frac", "DT_usft", "porosity", "vshale", "grain_um", "log10_perm_md"]
MD_IN_M2 = 9.869233e-16


def generate(seed: int = SEED, n: int = N) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    depth = 2000.0 + 0.5 * np.arange(n)
    z = (depth - depth[0]) / (depth[-1] - depth[0])
    profile = sum(rng.normal(0, 1) * np.sin(2 * np.pi * f * z + rng.uniform(0, 2 * np.pi)) for f in (1.3, 3.1, 7.7, 15.2))
    profile = profile + rng.normal(0, 0.3, n)
    vsh = 0.6 / (1.0 + np.exp(-1.5 * profile))  # logistic squash into (0, 0.6)
    phi = np.clip(0.30 - 0.25 * vsh - 0.00002 * (depth - 2000.0) + rng.normal(0, 0.02, n), 0.03, 0.35)
    grain_um = np.exp(np.log(250.0) - 2.0 * vsh + rng.normal(0, 0.25, n))
    d = grain_um * 1e-6
    k_m2 = d**2 * phi**3 / (180.0 * (1.0 - phi) ** 2)
    k_md = k_m2 / MD_IN_M2 * np.exp(rng.normal(0, 0.3, n))
    gr = 20.0 + 130.0 * vsh + rng.normal(0, 5.0, n)
    rhob = phi * 1.0 + (1 - phi) * 2.65 + 0.05 * vsh + rng.normal(0, 0.02, n)
    nphi = phi + 0.25 * vsh + rng.normal(0, 0.015, n)
    dt = phi * 189.0 + (1 - phi) * 55.5 + 15.0 * vsh + rng.normal(0, 2.0, n)
    cols = [depth, gr, rhob, nphi, dt, phi, vsh, grain_um, np.log10(k_md)]
    return [dict(zip(COLUMNS, (float(c[i]) for c in cols), strict=True)) for i in range(n)]


def write(path: Path, rows: list[dict[str, float]]) -> None:
    digits = {"depth_m": 1, "GR_api": 2, "RHOB_gcc": 4, "NPHI_frac": 4, "DT_usft": 2, "porosity": 4, "vshale": 4,
              "grain_um": 1, "log10_perm_md": 4}
    with path.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS)
        for row in rows:
            w.writerow([f"{row[c]:.{digits[c]}f}" for c in COLUMNS])


def main() -> None:
    here = Path(__file__).resolve().parent.parent
    rows = generate()
    for target in (here / "data" / "permeability.csv", here / "assignments" / "hybrid-regression" / "permeability.csv"):
        target.parent.mkdir(parents=True, exist_ok=True)
        write(target, rows)
        print("wrote", target)


if __name__ == "__main__":
    main()
