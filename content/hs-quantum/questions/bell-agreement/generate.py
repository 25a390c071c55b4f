import math

PAIRS = [("0", 0.0, "\\pi/8", math.pi / 8), ("\\pi/4", math.pi / 4, "-\\pi/8", -math.pi / 8),
         ("0", 0.0, "\\pi/4", math.pi / 4), ("\\pi/4", math.pi / 4, "\\pi/8", math.pi / 8),
         ("0", 0.0, "\\pi/2", math.pi / 2), ("\\pi/3", math.pi / 3, "0", 0.0)]


def generate(seed):
    ta, a, tb, b = PAIRS[seed % len(PAIRS)]
    return {"params": {"alpha": ta, "beta": tb}, "answers": {"a": math.cos(a - b) ** 2}}
