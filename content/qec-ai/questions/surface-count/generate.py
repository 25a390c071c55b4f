def generate(seed):
    d = [3, 5, 7, 9, 11][seed % 5]
    return {"params": {"d": d}, "answers": {"data": d * d, "stab": d * d - 1}}
