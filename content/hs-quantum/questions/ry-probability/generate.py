import math

ANGLES = [("\\pi/3", math.pi / 3), ("\\pi/2", math.pi / 2), ("2\\pi/3", 2 * math.pi / 3),
          ("\\pi/4", math.pi / 4), ("\\pi", math.pi), ("3\\pi/4", 3 * math.pi / 4)]


def generate(seed):
    text, alpha = ANGLES[seed % len(ANGLES)]
    return {"params": {"angle": text}, "answers": {"a": math.sin(alpha / 2) ** 2}}
