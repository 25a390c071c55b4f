import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    uploads = rng.randint(2, 6)
    a = rng.choice([2, 3])
    # each upload contributes an eigenvalue +-a/2 of aY/2; frequencies are differences of two sums: up to uploads * a
    return {"params": {"L": uploads, "a": a}, "answers": {"k": uploads * a}}
