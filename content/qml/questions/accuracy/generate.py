import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    n = rng.choice([50, 80, 100, 120, 200])
    right = rng.randint(n // 2, n)
    return {"params": {"n": n, "right": right}, "answers": {"a": right / n}}
