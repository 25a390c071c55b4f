import math


def generate(seed):
    x = [0.5, 0.25, 0.75, 1.0][seed % 4]
    return {"params": {"x": x}, "answers": {"c": {"qubits": 1, "ops": [{"gate": "ry", "targets": [0], "angle": math.pi * x}]}}}
