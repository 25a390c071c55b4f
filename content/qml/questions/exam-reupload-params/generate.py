import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    n = rng.randint(2, 6)
    layers = rng.randint(1, 6)
    return {"params": {"n": n, "layers": layers}, "answers": {"n": 2 * n * layers + 2}}
