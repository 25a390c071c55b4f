import math
import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    b = rng.choice([91, 160, 613, 694])
    c = rng.choice([29, 77, 193, 312])
    return {"params": {"b": b, "c": c}, "answers": {"z": (b - c) / math.sqrt(b + c)}}
