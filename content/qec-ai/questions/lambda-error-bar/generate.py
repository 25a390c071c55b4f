import math
import random


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    ea = rng.choice([2.0, 3.0, 4.0, 6.0])
    eb = round(ea / rng.choice([1.5, 2.0, 2.5, 3.0]), 2)
    ra, rb = rng.choice([0.03, 0.05]), rng.choice([0.05, 0.08, 0.1])
    sa, sb = round(ea * ra, 3), round(eb * rb, 3)
    lam = ea / eb
    return {"params": {"ea": ea, "sa": sa, "eb": eb, "sb": sb},
            "answers": {"lam": lam, "sigma": lam * math.hypot(sa / ea, sb / eb)}}
