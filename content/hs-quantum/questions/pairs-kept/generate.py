PROBS = [0.25, 0.1, 0.2, 0.3, 0.4, 0.5]


def generate(seed):
    p = PROBS[seed % len(PROBS)]
    return {"params": {"p": p}, "answers": {"a": 2 * p * (1 - p)}}
