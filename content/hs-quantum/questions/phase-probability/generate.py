import math

PHASES = [("\\pi/3", math.pi / 3), ("2\\pi/3", 2 * math.pi / 3), ("\\pi/2", math.pi / 2),
          ("\\pi/4", math.pi / 4), ("3\\pi/4", 3 * math.pi / 4), ("\\pi", math.pi)]


def generate(seed):
    text, phi = PHASES[seed % len(PHASES)]
    return {"params": {"phi": text}, "answers": {"a": math.cos(phi / 2) ** 2}}
