import math

ANGLES = [("\\pi/2", math.pi / 2), ("\\pi/4", math.pi / 4), ("\\pi/3", math.pi / 3), ("3\\pi/4", 3 * math.pi / 4)]


def generate(seed):
    label, angle = ANGLES[seed % 4]
    return {"params": {"label": label}, "answers": {"c": {"qubits": 1, "ops": [{"gate": "ry", "targets": [0], "angle": angle}]}}}
