PROBS = [0.1, 0.05, 0.2, 0.01, 0.3, 0.15]


def generate(seed):
    p = PROBS[seed % len(PROBS)]
    return {"params": {"p": p}, "answers": {"a": 3 * p**2 - 2 * p**3}}
