import math

PROBS = [0.1, 0.2, 0.05, 0.3]


def generate(seed):
    p = PROBS[seed % len(PROBS)]
    return {"params": {"p": p}, "answers": {"a": sum(math.comb(5, k) * p**k * (1 - p) ** (5 - k) for k in range(3, 6))}}
