import math

VARIANTS = [
    ("\\pi/3", math.pi / 3, "\\pi/2", math.pi / 2),
    ("\\pi/2", math.pi / 2, "\\pi", math.pi),
    ("\\pi/4", math.pi / 4, "-\\pi/2", -math.pi / 2),
    ("2\\pi/3", 2 * math.pi / 3, "\\pi/4", math.pi / 4),
]


def generate(seed):
    xl, x, tl, t = VARIANTS[seed % 4]
    ops = [
        {"gate": "ry", "targets": [0], "angle": x},
        {"gate": "rz", "targets": [0], "angle": t, "step": 1},
        {"gate": "ry", "targets": [0], "angle": x, "step": 2},
    ]
    return {"params": {"xl": xl, "tl": tl}, "answers": {"c": {"qubits": 1, "ops": ops}}}
