def generate(seed):
    return {"params": {"k": 2}, "answers": {}}
