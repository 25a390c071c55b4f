def generate(seed):
    return {"params": {}, "answers": {"m": ["X", "Z"]}, "distractors": {"m": ["H", "S", "T"][: 1 + seed % 3]}}
