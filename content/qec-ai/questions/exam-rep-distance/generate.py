import math
import random


def logical(p, d):
    return sum(math.comb(d, k) * p**k * (1 - p) ** (d - k) for k in range(d // 2 + 1, d + 1))


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    p = rng.choice([0.01, 0.02, 0.03, 0.05, 0.08, 0.1])
    exponent = rng.choice([4, 5, 6, 7])
    target = 10.0**-exponent
    d = 1
    while logical(p, d) >= target:
        d += 2
    return {"params": {"p": p, "target": f"10^{{-{exponent}}}"}, "answers": {"d": d}}
