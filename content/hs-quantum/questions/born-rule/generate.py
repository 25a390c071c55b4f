PAIRS = [(0.6, 0.8), (0.8, 0.6), (0.6, -0.8), (0.28, 0.96), (0.96, -0.28), (-0.8, 0.6), (0.0, 1.0), (1.0, 0.0)]


def generate(seed):
    a, b = PAIRS[seed % len(PAIRS)]
    return {"params": {"a": a, "b": b}, "answers": {"a": round(b * b, 6)}}
