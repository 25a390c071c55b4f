import random


def generate(seed):
    p = round(random.Random(seed).uniform(0.01, 0.2), 3)  # noqa: S311 (variants, not secrets)
    return {"params": {"p": p}, "answers": {"pl": 3 * p**2 - 2 * p**3}}
