"""More plausible wrong answers for content/qec-ai/assignments/exam-final-paper (see test_wrong_answers_per_cell)."""

WRONG = [
    {
        "why": "counts only the d² data qubits of the rotated surface code, forgetting its d² - 1 measure qubits",
        "cells": {
            "distance_for_budget": (
                "def distance_for_budget(eps3, lam, target):\n"
                "    d = 3\n"
                "    while eps3 * lam ** (-(d - 3) / 2) > target:\n"
                "        d += 2\n"
                "    return d, d * d\n"
            ),
        },
        "loses": ["test_distance_for_budget"],
    },
    {
        "why": "off by one in the exponent: Λ^((d - 1)/2), as if eps3 were the error rate at distance 1",
        "cells": {
            "distance_for_budget": (
                "def distance_for_budget(eps3, lam, target):\n"
                "    d = 3\n"
                "    while eps3 * lam ** (-(d - 1) / 2) > target:\n"
                "        d += 2\n"
                "    return d, 2 * d * d - 1\n"
            ),
        },
        "loses": ["test_distance_for_budget"],
    },
]
