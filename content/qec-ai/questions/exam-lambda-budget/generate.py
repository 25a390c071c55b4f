import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    eps3 = rng.choice([0.003, 0.005, 0.01, 0.02])
    lam = rng.choice([1.5, 2.0, 2.14, 3.0, 4.0])
    exponent = rng.choice([6, 8, 10, 12])
    target = 10.0**-exponent
    d = 3
    while eps3 * lam ** (-(d - 3) / 2) > target:
        d += 2
    return {"params": {"eps3": eps3, "lam": lam, "target": f"10^{{-{exponent}}}"}, "answers": {"d": d}}
