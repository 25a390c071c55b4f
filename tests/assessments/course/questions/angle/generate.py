import random


def generate(seed):
    rng = random.Random(seed)
    freq = round(rng.uniform(1, 9), 2)
    return {"params": {"freq": freq}, "answers": {"t": 1 / freq}}
