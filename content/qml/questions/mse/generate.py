import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    ys = [round(rng.uniform(-1, 1), 2) for _ in range(4)]
    ps = [round(y + rng.uniform(-0.3, 0.3), 2) for y in ys]
    mse = sum((p - y) ** 2 for p, y in zip(ps, ys, strict=True)) / len(ys)
    return {"params": {"preds": ", ".join(map(str, ps)), "targets": ", ".join(map(str, ys))}, "answers": {"e": mse}}
