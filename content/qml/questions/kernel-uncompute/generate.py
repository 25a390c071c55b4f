import math

PAIRS = [
    ("\\pi/2", math.pi / 2, "\\pi/4", math.pi / 4),
    ("\\pi/3", math.pi / 3, "-\\pi/3", -math.pi / 3),
    ("\\pi", math.pi, "\\pi/2", math.pi / 2),
    ("-\\pi/4", -math.pi / 4, "\\pi/2", math.pi / 2),
]


def generate(seed):
    xl, x, xpl, xp = PAIRS[seed % 4]
    ops = [{"gate": "ry", "targets": [0], "angle": x}, {"gate": "ry", "targets": [0], "angle": -xp, "step": 1}]
    return {"params": {"xl": xl, "xpl": xpl}, "answers": {"c": {"qubits": 1, "ops": ops}}}
