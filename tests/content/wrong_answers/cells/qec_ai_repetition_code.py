"""More plausible wrong answers for content/qec-ai/assignments/repetition-code (see test_wrong_answers_per_cell)."""

WRONG = [
    {
        "why": "majority vote by the mean of each column (axis=0): votes across shots, not across the d copies",
        "cells": {
            "majority_vote": (
                "def majority_vote(bits):\n"
                "    bits = np.asarray(bits).astype(int)\n"
                "    return bits.sum(axis=0) > bits.shape[0] // 2\n"
            ),
        },
        "loses": ["test_majority_vote"],
    },
    {
        "why": "the exact rate counts from k = d // 2 (a tie or one flip short already counts as a failure)",
        "cells": {
            "exact_rate": (
                "def logical_error_rate_exact(p, d):\n"
                "    return sum(comb(d, k) * p**k * (1 - p) ** (d - k) for k in range(d // 2, d + 1))\n"
            ),
        },
        "loses": ["test_exact_rate"],
    },
    {
        "why": "the exact rate forgets the binomial coefficient: the probability of one particular failing pattern",
        "cells": {
            "exact_rate": (
                "def logical_error_rate_exact(p, d):\n"
                "    return sum(p**k * (1 - p) ** (d - k) for k in range(d // 2 + 1, d + 1))\n"
            ),
        },
        "loses": ["test_exact_rate"],
    },
    {
        "why": "flips a bit when the random number is above p (probability 1 - p), not below it",
        "cells": {
            "simulate": (
                "def simulate_logical_error_rate(p, d, shots, seed):\n"
                "    rng = np.random.default_rng(seed)\n"
                "    flips = rng.random((shots, d)) > p\n"
                "    return float(np.mean(majority_vote(flips)))\n"
            ),
        },
        "loses": ["test_simulate"],
    },
    {
        "why": "draws the flips as a (d, shots) array: majority votes over shots, so it averages d numbers",
        "cells": {
            "simulate": (
                "def simulate_logical_error_rate(p, d, shots, seed):\n"
                "    rng = np.random.default_rng(seed)\n"
                "    flips = rng.random((d, shots)) < p\n"
                "    return float(np.mean(majority_vote(flips)))\n"
            ),
        },
        "loses": ["test_simulate"],
    },
]
