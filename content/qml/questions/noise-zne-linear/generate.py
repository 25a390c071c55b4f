import random


def generate(seed):
    rng = random.Random(seed)
    e1 = rng.choice([-0.68, -0.55, 0.42, 0.61, 0.73])  # noqa: S311 (variants) value with every CNOT once
    shrink = rng.choice([0.85, 0.88, 0.9])  # noqa: S311 (variants)
    e3 = round(e1 * shrink, 3)
    return {"params": {"e1": e1, "e3": e3}, "answers": {"e0": round((3 * e1 - e3) / 2, 6)}}
