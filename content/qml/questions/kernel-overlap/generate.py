import math
import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    x = round(rng.uniform(-2.0, 2.0), 2)
    xp = round(rng.uniform(-2.0, 2.0), 2)
    # <phi(x)|phi(x')> = cos(x/2)cos(x'/2) + sin(x/2)sin(x'/2) = cos((x - x')/2)
    return {"params": {"x": x, "xp": xp}, "answers": {"k": math.cos((x - xp) / 2) ** 2}}
