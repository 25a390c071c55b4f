import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    amps = [round(rng.uniform(0.1, 0.3), 2) for _ in range(3)]
    uploads = rng.choice([1, 2])
    # frequencies up to L: the terms above L are left out, each costing amplitude^2 / 2 of mean squared error
    floor = sum(a**2 / 2 for k, a in enumerate(amps, start=1) if k > uploads)
    return {"params": {"a1": amps[0], "a2": amps[1], "a3": amps[2], "L": uploads}, "answers": {"m": floor}}
