"""Plausible wrong answers for content/demo/assignments/bell-states (see test_wrong_answers_per_cell)."""

WRONG = [
    {
        "why": "a Hadamard on each qubit and no CNOT: |++>, a product state, not Phi+",
        "cells": {
            "phi_plus_answer": "def phi_plus():\n    qc = QuantumCircuit(2)\n    qc.h(0)\n    qc.h(1)\n    return qc\n",
        },
        "loses": ["test_phi_plus"],
    },
    {
        "why": "the CNOT before the Hadamard: the CNOT acts on |00> and does nothing",
        "cells": {
            "phi_plus_answer": "def phi_plus():\n    qc = QuantumCircuit(2)\n    qc.cx(0, 1)\n    qc.h(0)\n    return qc\n",
        },
        "loses": ["test_phi_plus"],
    },
    {
        "why": "measures at the end, as on a device: the circuit no longer prepares a state",
        "cells": {
            "phi_plus_answer": (
                "def phi_plus():\n    qc = QuantumCircuit(2)\n    qc.h(0)\n    qc.cx(0, 1)\n    qc.measure_all()\n"
                "    return qc\n"
            ),
        },
        "loses": ["test_phi_plus"],
    },
    {
        "why": "forgets the X on qubit 0: (|01> + |10>)/sqrt(2), Psi+ instead of Psi-",
        "cells": {
            "psi_minus_answer": (
                "def psi_minus():\n    qc = QuantumCircuit(2)\n    qc.x(1)\n    qc.h(0)\n    qc.cx(0, 1)\n    return qc\n"
            ),
        },
        "loses": ["test_psi_minus"],
    },
    {
        "why": "the X gates after the CNOT: flips both qubits of Phi+, which gives Phi+ again",
        "cells": {
            "psi_minus_answer": (
                "def psi_minus():\n    qc = QuantumCircuit(2)\n    qc.h(0)\n    qc.cx(0, 1)\n    qc.x(0)\n    qc.x(1)\n"
                "    return qc\n"
            ),
        },
        "loses": ["test_psi_minus"],
    },
]
