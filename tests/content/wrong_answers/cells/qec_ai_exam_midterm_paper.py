"""More plausible wrong answers for content/qec-ai/assignments/exam-midterm-paper (see test_wrong_answers_per_cell)."""

WRONG = [
    {
        "why": "counts a tie of an even code as a certain failure instead of a coin toss (weight 1, not 1/2)",
        "cells": {
            "majority_failure": (
                "def majority_failure(p, d):\n"
                "    total = sum(math.comb(d, k) * p**k * (1 - p) ** (d - k) for k in range(d // 2 + 1, d + 1))\n"
                "    if d % 2 == 0:\n"
                "        total += math.comb(d, d // 2) * (p * (1 - p)) ** (d // 2)\n"
                "    return total\n"
            ),
        },
        "loses": ["test_majority_failure"],
    },
    {
        "why": "forgets the binomial coefficient: the probability of one failing pattern, not of all of them",
        "cells": {
            "majority_failure": (
                "def majority_failure(p, d):\n"
                "    total = sum(p**k * (1 - p) ** (d - k) for k in range(d // 2 + 1, d + 1))\n"
                "    if d % 2 == 0:\n"
                "        total += 0.5 * (p * (1 - p)) ** (d // 2)\n"
                "    return total\n"
            ),
        },
        "loses": ["test_majority_failure"],
    },
]
