STATES = [
    ("+", [{"gate": "h", "targets": [0]}]),
    ("-", [{"gate": "x", "targets": [0]}, {"gate": "h", "targets": [0], "step": 1}]),
    ("1", [{"gate": "x", "targets": [0]}]),
    ("i", [{"gate": "h", "targets": [0]}, {"gate": "s", "targets": [0], "step": 1}]),
]


def generate(seed):
    name, ops = STATES[seed % 4]
    return {"params": {"name": name}, "answers": {"c": {"qubits": 1, "ops": ops}}}
