import math

TARGETS = [0.75, 0.5, 0.25, 0.9, 0.1]


def generate(seed):
    p0 = TARGETS[seed % len(TARGETS)]
    return {"params": {"p0": p0}, "answers": {"a": 2 * math.acos(math.sqrt(p0))}}
