import cmath
import math

ANGLES = [("\\pi/2", math.pi / 2), ("\\pi/4", math.pi / 4), ("\\pi", math.pi), ("3\\pi/4", 3 * math.pi / 4), ("\\pi/3", math.pi / 3)]


def generate(seed):
    text, phi = ANGLES[seed % len(ANGLES)]
    a = cmath.exp(-0.5j * phi) / math.sqrt(2)
    b = cmath.exp(0.5j * phi) / math.sqrt(2)
    return {"params": {"phi": text}, "answers": {"v": [[a.real, a.imag], [b.real, b.imag]]}}
