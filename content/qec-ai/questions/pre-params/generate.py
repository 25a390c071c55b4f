import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    n_in = rng.choice([2, 3, 4, 6])
    hidden = rng.choice([8, 16, 32])
    return {"params": {"n": n_in, "h": hidden}, "answers": {"params": n_in * hidden + hidden + hidden + 1}}
