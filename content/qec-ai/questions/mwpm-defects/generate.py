import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    n = rng.randint(5, 9)
    flips = sorted(rng.sample(range(n), rng.randint(1, 3)))
    bits = [1 if i in flips else 0 for i in range(n)]
    fired = sum(bits[i] ^ bits[i + 1] for i in range(n - 1))
    return {"params": {"n": n, "flips": ", ".join(f"q{i}" for i in flips)}, "answers": {"k": fired}}
