import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    m = rng.choice([50, 80, 100, 150, 200, 300])
    t = rng.choice([10, 20, 50, 100])
    # m(m-1)/2 pairs for the training matrix, m values per new point
    return {"params": {"m": m, "t": t}, "answers": {"n": m * (m - 1) // 2 + t * m}}
