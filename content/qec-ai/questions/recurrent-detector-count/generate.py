import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    d = rng.choice([3, 5, 7, 9])
    rounds = rng.randint(2, 12)
    return {"params": {"d": d, "rounds": rounds}, "answers": {"k": d * d - 1, "n": (d * d - 1) * rounds}}
