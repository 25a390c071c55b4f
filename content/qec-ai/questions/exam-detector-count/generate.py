import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    d = rng.choice([3, 5, 7, 9])
    r = rng.randint(1, 12)
    # (d^2-1)/2 Z checks in round 1, d^2-1 checks in rounds 2..r, (d^2-1)/2 at the final readout: r (d^2 - 1)
    return {"params": {"d": d, "r": r}, "answers": {"n": r * (d * d - 1)}}
