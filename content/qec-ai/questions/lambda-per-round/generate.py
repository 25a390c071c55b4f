import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    big_p = rng.choice([0.02, 0.05, 0.1, 0.2, 0.3])
    rounds = rng.choice([3, 5, 7, 9])
    eps = (1 - (1 - 2 * big_p) ** (1 / rounds)) / 2
    return {"params": {"P": big_p, "r": rounds}, "answers": {"eps": eps}}
