import math
import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    b = rng.choice([0.7, 0.9, 1.15, 1.3])
    n0 = rng.choice([6, 8, 10])
    n1 = n0 + rng.choice([2, 4, 6])
    v0 = rng.choice([0.0005, 0.0002, 0.00008])
    return {"params": {"b": b, "n0": n0, "n1": n1, "v0": v0}, "answers": {"v": v0 * math.exp(-b * (n1 - n0))}}
