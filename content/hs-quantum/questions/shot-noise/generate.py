import math

SHOTS = [100, 400, 900, 1600, 2500, 10000]


def generate(seed):
    n = SHOTS[seed % len(SHOTS)]
    return {"params": {"n": n}, "answers": {"a": math.sqrt(n * 0.25)}}
