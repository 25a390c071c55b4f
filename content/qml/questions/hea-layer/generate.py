import math

ANGLES = [("\\pi/2", math.pi / 2), ("\\pi/3", math.pi / 3), ("\\pi/4", math.pi / 4), ("2\\pi/3", 2 * math.pi / 3)]


def generate(seed):
    label, angle = ANGLES[seed % 4]
    ops = [{"gate": "ry", "targets": [q], "angle": angle} for q in range(3)]
    ops += [{"gate": "cz", "controls": [0], "targets": [1], "step": 1}, {"gate": "cz", "controls": [1], "targets": [2], "step": 2}]
    return {"params": {"label": label}, "answers": {"c": {"qubits": 3, "ops": ops}}}
