"""Small statistics used by the trusted scorers (no Django)."""

from __future__ import annotations

import math

Z95 = 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion k/n."""
    if n <= 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def per_round(rate: float, rounds: int) -> float:
    """Logical error rate per round from the per-shot rate: 1-(1-p)^(1/r), monotone so bounds map too."""
    rate = min(max(rate, 0.0), 1.0)
    if rate >= 1.0:
        return 1.0
    return 1.0 - (1.0 - rate) ** (1.0 / rounds)


def separating_errors(improvement: float = 0.10, z: float = Z95) -> int:
    """Logical errors matching must make so that 95% intervals of counts E and (1-i)E do not overlap.

    For Poisson-like counts the interval half-width is z*sqrt(E): we need
    z*(sqrt(E) + sqrt((1-i)E)) < i*E, i.e. E > (z*(1+sqrt(1-i))/i)^2  (= 1459 for i = 0.1).
    """
    return math.ceil((z * (1 + math.sqrt(1 - improvement)) / improvement) ** 2)


def ratio_interval(k: int, m: int, z: float = Z95) -> tuple[float, float]:
    """Approximate 95% interval for the ratio k/m of two counts on the same shots (log-normal)."""
    if k == 0 or m == 0:
        return (0.0, math.inf) if m == 0 else (0.0, (k + z * z) / m)
    se = math.sqrt(1 / k + 1 / m)
    r = k / m
    return (r * math.exp(-z * se), r * math.exp(z * se))
