"""One of the four Bell states per variant; the target is the circuit that prepares it from |00>."""

STATES = [
    ("\\Phi^+", "(|00\\rangle + |11\\rangle)/\\sqrt{2}", []),
    ("\\Phi^-", "(|00\\rangle - |11\\rangle)/\\sqrt{2}", [{"gate": "z", "targets": [0]}]),
    ("\\Psi^+", "(|01\\rangle + |10\\rangle)/\\sqrt{2}", [{"gate": "x", "targets": [1]}]),
    ("\\Psi^-", "(|01\\rangle - |10\\rangle)/\\sqrt{2}", [{"gate": "x", "targets": [1]}, {"gate": "z", "targets": [0]}]),
]


def generate(seed):
    name, ket, extra = STATES[seed % 4]
    ops = [{"gate": "h", "targets": [0]}, {"gate": "cx", "controls": [0], "targets": [1]}]
    ops += [dict(op, step=2 + i) for i, op in enumerate(extra)]
    return {"params": {"name": name, "ket": ket}, "answers": {"c": {"qubits": 2, "ops": ops}}}
