def generate(seed):
    data = seed % 3
    others = [q for q in range(3) if q != data]
    ops = [{"gate": "cx", "controls": [data], "targets": [t], "step": i} for i, t in enumerate(others)]
    return {"params": {"data": data}, "answers": {"c": {"qubits": 3, "ops": ops}}}
