import math

PROBS = [0.25, 0.5, 0.75, 0.1, 0.9, 0.2]


def generate(seed):
    p = PROBS[seed % len(PROBS)]
    return {"params": {"p": p}, "answers": {"a": 2 * math.asin(math.sqrt(p))}}
