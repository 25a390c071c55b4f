import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    n = rng.choice([2, 3, 4, 6, 8])
    k = rng.randrange(n)
    return {"params": {"n": n, "k": k}, "answers": {"back": k - 2 * n}}
