import math

# (x0, x1, w0 label, w0, w1 label, w1): the angles pi/2 x_q are multiples of pi/4
VARIANTS = [
    ("1", "-0.5", "\\pi/4", math.pi / 4, "\\pi/2", math.pi / 2),
    ("0.5", "1", "\\pi/2", math.pi / 2, "-\\pi/4", -math.pi / 4),
    ("-1", "0.5", "\\pi", math.pi, "\\pi/4", math.pi / 4),
    ("2", "-1", "-\\pi/2", -math.pi / 2, "\\pi/2", math.pi / 2),
]


def generate(seed):
    x0, x1, w0l, w0, w1l, w1 = VARIANTS[seed % 4]
    ops = [
        {"gate": "ry", "targets": [0], "angle": math.pi / 2 * float(x0)},
        {"gate": "ry", "targets": [1], "angle": math.pi / 2 * float(x1)},
        {"gate": "ry", "targets": [0], "angle": w0, "step": 1},
        {"gate": "ry", "targets": [1], "angle": w1, "step": 1},
        {"gate": "cx", "controls": [0], "targets": [1], "step": 2},
    ]
    return {"params": {"x0": x0, "x1": x1, "w0": w0l, "w1": w1l}, "answers": {"c": {"qubits": 2, "ops": ops}}}
