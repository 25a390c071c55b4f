"""More plausible wrong answers for content/qml/assignments/qiskit-basics (see test_wrong_answers_per_cell)."""

WRONG = [
    {
        "why": "forgets the Hadamard: the CNOT chain acts on |0...0> and leaves it there, no superposition",
        "cells": {
            "ghz": (
                "def ghz(n):\n"
                "    qc = QuantumCircuit(n)\n"
                "    for q in range(n - 1):\n"
                "        qc.cx(q, q + 1)\n"
                "    return qc\n"
            ),
        },
        "loses": ["test_ghz", "test_sample_counts"],
    },
    {
        "why": "puts a Hadamard on every qubit before the CNOT chain (a uniform superposition, not GHZ)",
        "cells": {
            "ghz": (
                "def ghz(n):\n"
                "    qc = QuantumCircuit(n)\n"
                "    qc.h(range(n))\n"
                "    for q in range(n - 1):\n"
                "        qc.cx(q, q + 1)\n"
                "    return qc\n"
            ),
        },
        "loses": ["test_ghz", "test_sample_counts"],
    },
    {
        "why": "measures the caller's circuit in place (measure_all on the argument, not on a copy)",
        "cells": {
            "sample_counts": (
                "def sample_counts(circuit, shots, seed):\n"
                "    circuit.measure_all()\n"
                "    return AerSimulator().run(circuit, shots=shots, seed_simulator=seed).result().get_counts()\n"
            ),
        },
        "loses": ["test_sample_counts"],
    },
    {
        "why": "reverses every count key 'so that qubit 0 is on the left': the keys no longer follow Qiskit's order",
        "cells": {
            "sample_counts": (
                "def sample_counts(circuit, shots, seed):\n"
                "    qc = circuit.copy()\n"
                "    qc.measure_all()\n"
                "    counts = AerSimulator().run(qc, shots=shots, seed_simulator=seed).result().get_counts()\n"
                "    return {key[::-1]: n for key, n in counts.items()}\n"
            ),
        },
        "loses": ["test_sample_counts", "test_expectation_from_counts"],
    },
    {
        "why": "runs the circuit without measuring it: the simulator has no counts to return",
        "cells": {
            "sample_counts": (
                "def sample_counts(circuit, shots, seed):\n"
                "    return AerSimulator().run(circuit, shots=shots, seed_simulator=seed).result().get_counts()\n"
            ),
        },
        "loses": ["test_sample_counts", "test_expectation_from_counts"],
    },
    {
        "why": "the sign is backwards: counts a measured 1 as +1 and a 0 as -1",
        "cells": {
            "expectation_from_counts": (
                "def expectation_z_from_counts(counts, qubit):\n"
                "    total = sum(counts.values())\n"
                "    return sum(n if key[-1 - qubit] == '1' else -n for key, n in counts.items()) / total\n"
            ),
        },
        "loses": ["test_expectation_from_counts"],
    },
    {
        "why": "returns P(qubit = 0) instead of <Z> = P(0) - P(1)",
        "cells": {
            "expectation_from_counts": (
                "def expectation_z_from_counts(counts, qubit):\n"
                "    total = sum(counts.values())\n"
                "    return sum(n for key, n in counts.items() if key[-1 - qubit] == '0') / total\n"
            ),
        },
        "loses": ["test_expectation_from_counts"],
    },
]
