"""More plausible wrong answers for content/qec-ai/assignments/threshold-lambda (see test_wrong_answers_per_cell)."""

WRONG = [
    {
        "why": "weights each point by 1/sigma² of eps itself, forgetting that the fit is of ln(eps), whose error "
        "bar is sigma/eps",
        "cells": {
            "fit_lambda": (
                "def fit_lambda(distances, eps, sigmas):\n"
                "    d = np.asarray(distances, dtype=float)\n"
                "    y = np.log(np.asarray(eps, dtype=float))\n"
                "    w = 1 / np.asarray(sigmas, dtype=float) ** 2\n"
                "    dbar = np.sum(w * d) / np.sum(w)\n"
                "    sxx = np.sum(w * (d - dbar) ** 2)\n"
                "    slope = np.sum(w * (d - dbar) * y) / sxx\n"
                "    lam = math.exp(-2 * slope)\n"
                "    return lam, 2 * lam * math.sqrt(1 / sxx)\n"
            ),
        },
        "loses": ["test_fit_lambda"],
    },
    {
        "why": "drops the factor 2: exp(-slope) is the suppression per unit of distance, but Λ is per step d → d + 2",
        "cells": {
            "fit_lambda": (
                "def fit_lambda(distances, eps, sigmas):\n"
                "    d = np.asarray(distances, dtype=float)\n"
                "    y = np.log(np.asarray(eps, dtype=float))\n"
                "    w = (np.asarray(eps, dtype=float) / np.asarray(sigmas, dtype=float)) ** 2\n"
                "    dbar = np.sum(w * d) / np.sum(w)\n"
                "    sxx = np.sum(w * (d - dbar) ** 2)\n"
                "    slope = np.sum(w * (d - dbar) * y) / sxx\n"
                "    lam = math.exp(-slope)\n"
                "    return lam, lam * math.sqrt(1 / sxx)\n"
            ),
        },
        "loses": ["test_fit_lambda"],
    },
    {
        "why": "the rare-event shortcut n = 1/(p_L rel²): forgets the (1 - p_L) of the binomial variance, so it asks "
        "for more shots than needed",
        "cells": {
            "shots_for": ("def shots_for(p_L, rel):\n    return math.ceil(1 / (p_L * rel**2))\n"),
        },
        "loses": ["test_shots_for"],
    },
    {
        "why": "returns np.ceil(...), a float, where a number of shots must be an integer",
        "cells": {
            "shots_for": ("def shots_for(p_L, rel):\n    return np.ceil((1 - p_L) / (p_L * rel**2))\n"),
        },
        "loses": ["test_shots_for"],
    },
    {
        "why": "forgets to square the relative error: the standard error falls as 1/√n, so n grows as 1/rel²",
        "cells": {
            "shots_for": ("def shots_for(p_L, rel):\n    return math.ceil((1 - p_L) / (p_L * rel))\n"),
        },
        "loses": ["test_shots_for"],
    },
]
