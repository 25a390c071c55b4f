import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    n = rng.choice([1000, 2000, 5000, 10000])
    right = n - rng.randint(1, n // 20)
    return {"params": {"n": n, "right": right}, "answers": {"e": (n - right) / n}}
