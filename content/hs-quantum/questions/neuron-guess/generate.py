import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    while True:
        w1, w2, x1, x2 = (rng.randint(-3, 3) for _ in range(4))
        b = rng.choice([-1.5, -0.5, 0.5, 1.5])
        total = w1 * x1 + w2 * x2 + b
        if total != 0:
            break
    return {"params": {"w1": w1, "w2": w2, "b": b, "x1": x1, "x2": x2}, "answers": {"a": 1 if total > 0 else 0}}
