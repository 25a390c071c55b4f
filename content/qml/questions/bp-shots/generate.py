import math
import random


def generate(seed):
    var = random.Random(seed).choice([0.003, 0.0007, 0.00021, 0.000045, 0.0000073])  # noqa: S311 (variants)
    return {"params": {"var": var}, "answers": {"n": math.ceil(1 / (8 * var))}}
