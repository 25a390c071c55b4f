"""More plausible wrong answers for content/qml/assignments/parameter-shift (see test_wrong_answers_per_cell)."""

WRONG = [
    {
        "why": "leaves out the CNOT: <Z> on qubit 1 is then cos(b), whatever a is",
        "cells": {
            "expectation": (
                "def expectation(a, b):\n"
                "    qc = QuantumCircuit(2)\n"
                "    qc.ry(a, 0)\n"
                "    qc.rx(b, 1)\n"
                "    return float(Statevector(qc).expectation_value(SparsePauliOp('ZI')).real)\n"
            ),
        },
        "loses": ["test_expectation"],
    },
    {
        "why": "swaps control and target of the CNOT (cx(1, 0)): Z on qubit 1 no longer picks up qubit 0",
        "cells": {
            "expectation": (
                "def expectation(a, b):\n"
                "    qc = QuantumCircuit(2)\n"
                "    qc.ry(a, 0)\n"
                "    qc.rx(b, 1)\n"
                "    qc.cx(1, 0)\n"
                "    return float(Statevector(qc).expectation_value(SparsePauliOp('ZI')).real)\n"
            ),
        },
        "loses": ["test_expectation"],
    },
    {
        "why": "shifts by pi instead of pi/2: f(theta + pi) and f(theta - pi) are equal here, so the gradient is 0",
        "cells": {
            "parameter_shift": (
                "def parameter_shift_grad(f, theta):\n"
                "    theta = np.asarray(theta, dtype=float)\n"
                "    grad = np.zeros_like(theta)\n"
                "    for j in range(theta.size):\n"
                "        shift = np.zeros_like(theta)\n"
                "        shift[j] = np.pi\n"
                "        grad[j] = (f(theta + shift) - f(theta - shift)) / 2\n"
                "    return grad\n"
            ),
        },
        "loses": ["test_parameter_shift"],
    },
    {
        "why": "forgets the factor 1/2 of the shift rule: every component comes out twice too large",
        "cells": {
            "parameter_shift": (
                "def parameter_shift_grad(f, theta):\n"
                "    theta = np.asarray(theta, dtype=float)\n"
                "    grad = np.zeros_like(theta)\n"
                "    for j in range(theta.size):\n"
                "        shift = np.zeros_like(theta)\n"
                "        shift[j] = np.pi / 2\n"
                "        grad[j] = f(theta + shift) - f(theta - shift)\n"
                "    return grad\n"
            ),
        },
        "loses": ["test_parameter_shift"],
    },
    {
        "why": "a forward difference (f(theta + h) - f(theta)) / h: its error falls only as h",
        "cells": {
            "finite_difference": (
                "def finite_difference_grad(f, theta, h):\n"
                "    theta = np.asarray(theta, dtype=float)\n"
                "    grad = np.zeros_like(theta)\n"
                "    for j in range(theta.size):\n"
                "        e = np.zeros_like(theta)\n"
                "        e[j] = h\n"
                "        grad[j] = (f(theta + e) - f(theta)) / h\n"
                "    return grad\n"
            ),
        },
        "loses": ["test_finite_difference"],
    },
    {
        "why": "a central difference divided by h instead of 2h: twice the gradient",
        "cells": {
            "finite_difference": (
                "def finite_difference_grad(f, theta, h):\n"
                "    theta = np.asarray(theta, dtype=float)\n"
                "    grad = np.zeros_like(theta)\n"
                "    for j in range(theta.size):\n"
                "        e = np.zeros_like(theta)\n"
                "        e[j] = h\n"
                "        grad[j] = (f(theta + e) - f(theta - e)) / h\n"
                "    return grad\n"
            ),
        },
        "loses": ["test_finite_difference"],
    },
]
