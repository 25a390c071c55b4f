import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    ratio = rng.choice([0.1, 0.2, 0.25, 0.5])
    d1 = rng.choice([3, 5])
    d2 = d1 + 2
    factor = ratio ** (-(d2 - d1) / 2)
    return {"params": {"ratio": ratio, "d1": d1, "d2": d2}, "answers": {"f": factor}}
