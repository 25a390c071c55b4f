import random


def generate(seed):
    rng = random.Random(seed)
    e01 = rng.choice([0.01, 0.02, 0.03, 0.04])  # noqa: S311 (variants) P(read 1 | 0)
    e10 = rng.choice([0.04, 0.05, 0.06, 0.08])  # noqa: S311 (variants) P(read 0 | 1)
    f = rng.choice([0.25, 0.4, 0.55, 0.7])  # noqa: S311 (variants) fraction of ones read
    p = (f - e01) / (1 - e01 - e10)
    return {"params": {"e01": e01, "e10": e10, "f": f}, "answers": {"p": round(p, 6)}}
