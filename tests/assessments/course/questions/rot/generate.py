import math


def generate(seed):
    theta = [0.5, 1.0, 1.5, 2.0, 2.5][seed % 5]
    return {"params": {"theta": theta}, "answers": {"v": [math.cos(theta / 2), math.sin(theta / 2)]}}
