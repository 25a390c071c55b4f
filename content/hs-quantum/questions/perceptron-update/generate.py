import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    w1 = rng.choice([-0.5, -0.2, 0.0, 0.3, 0.6])
    x1 = rng.choice([-2.0, -1.5, 1.0, 2.5, 3.0])
    y = rng.choice([0, 1])
    guess = rng.choice([0, 1]) if seed % 4 == 0 else 1 - y   # mostly a mistake, sometimes right
    return {"params": {"w1": w1, "x1": x1, "y": y, "guess": guess},
            "answers": {"a": round(w1 + 0.1 * (y - guess) * x1, 6)}}
