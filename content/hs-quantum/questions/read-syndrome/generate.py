OUTCOMES = {
    (0, 0): "no qubit flipped / 没有量子比特翻转",
    (1, 0): "qubit 0 flipped / 量子比特 0 翻转了",
    (1, 1): "qubit 1 flipped / 量子比特 1 翻转了",
    (0, 1): "qubit 2 flipped / 量子比特 2 翻转了",
}


def generate(seed):
    key = list(OUTCOMES)[seed % 4]
    return {
        "params": {"s1": key[0], "s2": key[1]},
        "answers": {"a": OUTCOMES[key]},
        "distractors": {"a": [text for k, text in OUTCOMES.items() if k != key]},
    }
