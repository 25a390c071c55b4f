import math
import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    a1, a2, b1, b2 = (round(rng.uniform(-3, 3), 2) for _ in range(4))
    k = math.cos((a1 - b1) / 2) ** 2 * math.cos((a2 - b2) / 2) ** 2
    return {"params": {"a1": a1, "a2": a2, "b1": b1, "b2": b2}, "answers": {"k": k}}
