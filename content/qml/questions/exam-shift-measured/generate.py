import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    plus = round(rng.uniform(-1, 1), 3)
    minus = round(rng.uniform(-1, 1), 3)
    return {"params": {"plus": plus, "minus": minus}, "answers": {"g": (plus - minus) / 2}}
