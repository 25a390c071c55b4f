import math
import random


def generate(seed):
    theta = round(random.Random(seed).uniform(-3.0, 3.0), 2)  # noqa: S311 (variants, not secrets)
    return {"params": {"theta": theta}, "answers": {"g": -math.sin(theta)}}
