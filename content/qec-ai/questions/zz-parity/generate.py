def generate(seed):
    a, b = (0, 1) if seed % 2 == 0 else (1, 0)
    ops = [{"gate": "cx", "controls": [a], "targets": [2], "step": 0}, {"gate": "cx", "controls": [b], "targets": [2], "step": 1}]
    return {"params": {"a": a, "b": b}, "answers": {"c": {"qubits": 3, "ops": ops}}}
