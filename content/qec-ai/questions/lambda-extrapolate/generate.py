import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    lam = rng.choice([1.5, 2.0, 2.5, 3.0, 4.0])
    eps7 = rng.choice([1.0, 1.4, 2.0, 3.0])
    steps = rng.choice([1, 2, 3])
    return {"params": {"lam": lam, "eps7": eps7, "d": 7 + 2 * steps},
            "answers": {"eps": eps7 * 1e-3 / lam**steps}}
