import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    n, layers = rng.randint(2, 6), rng.randint(1, 5)
    return {"params": {"n": n, "layers": layers}, "answers": {"k": 2 * n * layers}}
