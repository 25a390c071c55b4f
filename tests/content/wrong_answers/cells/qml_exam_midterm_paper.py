"""More plausible wrong answers for content/qml/assignments/exam-midterm-paper (see test_wrong_answers_per_cell)."""

WRONG = [
    {
        "why": "multiplies the two single-qubit expectations <Z_i><Z_j>: that ignores the correlation, which is "
        "what <Z_i Z_j> measures",
        "cells": {
            "zz_expectation": (
                "def zz_expectation(counts, i, j):\n"
                "    total = sum(counts.values())\n"
                "    zi = sum(n if key[-1 - i] == '0' else -n for key, n in counts.items()) / total\n"
                "    zj = sum(n if key[-1 - j] == '0' else -n for key, n in counts.items()) / total\n"
                "    return zi * zj\n"
            ),
        },
        "loses": ["test_zz_expectation"],
    },
    {
        "why": "counts +1 only when both qubits read 0 (the projector onto |00>), not whenever they agree",
        "cells": {
            "zz_expectation": (
                "def zz_expectation(counts, i, j):\n"
                "    total = sum(counts.values())\n"
                "    return sum(n if key[-1 - i] == key[-1 - j] == '0' else -n for key, n in counts.items()) / total\n"
            ),
        },
        "loses": ["test_zz_expectation"],
    },
    {
        "why": "forgets to divide by the number of shots: returns a signed count, not an expectation",
        "cells": {
            "zz_expectation": (
                "def zz_expectation(counts, i, j):\n"
                "    return sum(n if key[-1 - i] == key[-1 - j] else -n for key, n in counts.items())\n"
            ),
        },
        "loses": ["test_zz_expectation"],
    },
]
