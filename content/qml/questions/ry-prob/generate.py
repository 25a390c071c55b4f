import math
import random


def generate(seed):
    theta = round(random.Random(seed).uniform(0.2, 3.0), 3)  # noqa: S311 (variants, not secrets)
    return {"params": {"theta": theta}, "answers": {"p": math.sin(theta / 2) ** 2}}
