"""More plausible wrong answers for content/qml/assignments/noise (see test_wrong_answers_per_cell).

The unit's own test module keeps two wrong answers per graded cell (``ASSIGNMENT_CELL_WRONG``); the first for the
confusion matrix is the assignment's shared wrong answer, the others are run here one cell at a time.
"""

from tests.content.test_qml_unit_10 import ASSIGNMENT_CELL_WRONG as _CELL

WRONG = [
    {
        "why": "multiplies only the correct-read probabilities (the diagonals): no column is a probability distribution",
        "cells": {"tensored_confusion": _CELL["tensored_confusion"][1]},
        "loses": ["test_tensored_confusion"],
    },
    {
        "why": "folds with U U U instead of U U† U: the same gate count, but not the same operator",
        "cells": {"fold_global": _CELL["fold_global"][0]},
        "loses": ["test_fold_global"],
    },
    {
        "why": "folds once (U U† U) whatever the factor: right for 1 and 3, too short for 5 and 7",
        "cells": {"fold_global": _CELL["fold_global"][1]},
        "loses": ["test_fold_global"],
    },
    {
        "why": "adds (factor - 1) / 2 copies of U† only, forgetting to apply U again after each inverse",
        "cells": {
            "fold_global": (
                "def fold_global(circuit, factor):\n"
                "    folded = circuit.copy()\n"
                "    for _ in range((factor - 1) // 2):\n"
                "        folded = folded.compose(circuit.inverse())\n"
                "    return folded\n"
            ),
        },
        "loses": ["test_fold_global"],
    },
]
