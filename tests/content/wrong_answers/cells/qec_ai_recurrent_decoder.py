"""More plausible wrong answers for content/qec-ai/assignments/recurrent-decoder (see test_wrong_answers_per_cell)."""

WRONG = [
    {
        "why": "events only from the changes between rounds: the first round, compared with the reset, is dropped",
        "cells": {
            "events_from_measurements": (
                "def events_from_measurements(m):\n"
                "    m = np.asarray(m).astype(bool)\n"
                "    e = np.zeros_like(m)\n"
                "    e[:, 1:] = m[:, 1:] ^ m[:, :-1]\n"
                "    return e\n"
            ),
        },
        "loses": ["test_events_from_measurements"],
    },
    {
        "why": "the wrong axis: compares neighbouring stabilizers within a round (axis 2), not each stabilizer with "
        "its previous round (axis 1)",
        "cells": {
            "events_from_measurements": (
                "def events_from_measurements(m):\n"
                "    m = np.asarray(m).astype(bool)\n"
                "    e = m.copy()\n"
                "    e[:, :, 1:] = m[:, :, 1:] ^ m[:, :, :-1]\n"
                "    return e\n"
            ),
        },
        "loses": ["test_events_from_measurements"],
    },
    {
        "why": "subtracts instead of XOR (np.diff with prepend=0): a stabilizer going from 1 back to 0 gives -1",
        "cells": {
            "events_from_measurements": (
                "def events_from_measurements(m):\n"
                "    m = np.asarray(m).astype(int)\n"
                "    return np.diff(m, axis=1, prepend=0)\n"
            ),
        },
        "loses": ["test_events_from_measurements"],
    },
    {
        "why": "the hard bit (z > 0) instead of the posterior probability: the readout's confidence is thrown away",
        "cells": {
            "prob_one": ("def prob_one(z, sigma):\n    return (np.asarray(z, dtype=float) > 0).astype(float)\n"),
        },
        "loses": ["test_prob_one"],
    },
    {
        "why": "drops the 2 of the log-likelihood ratio: (z + 1)² - (z - 1)² = 4z, over 2σ², is 2z/σ², not z/σ²",
        "cells": {
            "prob_one": (
                "def prob_one(z, sigma):\n"
                "    z = np.asarray(z, dtype=float)\n"
                "    return 1 / (1 + np.exp(-z / sigma**2))\n"
            ),
        },
        "loses": ["test_prob_one"],
    },
    {
        "why": "divides by σ instead of the variance σ²: right only when σ = 1",
        "cells": {
            "prob_one": (
                "def prob_one(z, sigma):\n"
                "    z = np.asarray(z, dtype=float)\n"
                "    return 1 / (1 + np.exp(-2 * z / sigma))\n"
            ),
        },
        "loses": ["test_prob_one"],
    },
]
