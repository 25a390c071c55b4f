HEIGHTS = [0.6, -0.2, 0.5, -0.8, 0.0, 0.3, -0.5, 0.9]


def generate(seed):
    z = HEIGHTS[seed % len(HEIGHTS)]
    return {"params": {"z": z}, "answers": {"a": (1 + z) / 2}}
