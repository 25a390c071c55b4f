"""More plausible wrong answers for content/qml/assignments/barren-plateaus (see test_wrong_answers_per_cell)."""

_GRAD = (
    "def all_gradients(cost, thetas):\n"
    "    grads = np.zeros_like(thetas)\n"
    "    _, layers, n = thetas.shape\n"
    "    for layer in range(layers):\n"
    "        for q in range(n):\n"
    "            plus, minus = {copies}\n"
    "            plus[:, layer, q] += np.pi / 2\n"
    "            minus[:, layer, q] -= np.pi / 2\n"
    "            grads[:, layer, q] = (cost(hea_states(plus)) - cost(hea_states(minus))) {scale}\n"
    "    return grads\n"
)
_UNTIL = (
    "def qubits_until(ns, variances, target):\n"
    "    slope, intercept = np.polyfit(np.asarray(ns, dtype=float), {y}, 1)\n"
    "    n_star = ({t} - intercept) / slope\n"
    "    return {n}\n"
)

WRONG = [
    {
        "why": "forgets the 1/2 of the parameter-shift rule: every gradient comes out twice too large",
        "cells": {"all_gradients": _GRAD.format(copies="thetas.copy(), thetas.copy()", scale="")},
        "loses": ["test_all_gradients"],
    },
    {
        "why": "shifts without copying (plus = minus = thetas): both shifts hit the same array and cancel, so every "
        "gradient is zero (and thetas is left changed)",
        "cells": {"all_gradients": _GRAD.format(copies="thetas, thetas", scale="/ 2")},
        "loses": ["test_all_gradients"],
    },
    {
        "why": "rounds the crossing point to the nearest integer: 13.1 gives 13, where the variance is still above "
        "the target",
        "cells": {"qubits_until": _UNTIL.format(y="np.log(variances)", t="np.log(target)", n="int(round(n_star))")},
        "loses": ["test_qubits_until"],
    },
    {
        "why": "fits a straight line to the variances themselves, not to their logarithm (the decay is exponential)",
        "cells": {
            "qubits_until": _UNTIL.format(
                y="np.asarray(variances, dtype=float)", t="target", n="int(np.floor(n_star)) + 1"
            )
        },
        "loses": ["test_qubits_until"],
    },
    {
        "why": "fits log10 of the variances but compares with the natural log of the target",
        "cells": {
            "qubits_until": _UNTIL.format(y="np.log10(variances)", t="np.log(target)", n="int(np.floor(n_star)) + 1")
        },
        "loses": ["test_qubits_until"],
    },
]
