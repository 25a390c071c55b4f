"""More plausible wrong answers for content/qml/assignments/quantum-kernels (see test_wrong_answers_per_cell)."""

_CV = (
    "def select_lambda(K, y, lams, folds=5):\n"
    "    y = np.asarray(y)\n"
    "    blocks = np.array_split(np.arange(len(y)), folds)\n"
    "    best = None\n"
    "    for lam in {order}:\n"
    "        scores = []\n"
    "        for block in blocks:\n"
    "            rest = np.setdiff1d(np.arange(len(y)), block)\n"
    "{fit}"
    "        if best is None or np.mean(scores) {cmp} best[0]:\n"
    "            best = (np.mean(scores), lam)\n"
    "    return best[1]\n"
)
_FIT = (
    "            alpha = kernel_ridge_fit(K[np.ix_(rest, rest)], y[rest], lam)\n"
    "            scores.append(accuracy(K[np.ix_(block, rest)] @ alpha, y[block]))\n"
)

WRONG = [
    {
        "why": "forgets the half angle: RY(x) rotates by x/2, so the overlap is cos((x - x')/2), not cos(x - x')",
        "cells": {
            "angle_kernel": (
                "def angle_kernel(X1, X2):\n"
                "    X1, X2 = np.asarray(X1, dtype=float), np.asarray(X2, dtype=float)\n"
                "    return np.prod(np.cos(X1[:, None, :] - X2[None, :, :]) ** 2, axis=-1)\n"
            ),
        },
        "loses": ["test_angle_kernel"],
    },
    {
        "why": "averages the one-qubit overlaps over the features: a product state's overlap is their product",
        "cells": {
            "angle_kernel": (
                "def angle_kernel(X1, X2):\n"
                "    X1, X2 = np.asarray(X1, dtype=float), np.asarray(X2, dtype=float)\n"
                "    return np.mean(np.cos((X1[:, None, :] - X2[None, :, :]) / 2) ** 2, axis=-1)\n"
            ),
        },
        "loses": ["test_angle_kernel"],
    },
    {
        "why": "scores each lambda on the rows it was fitted on (training accuracy): the smallest lambda always wins",
        "cells": {
            "select_lambda": _CV.format(
                order="sorted(lams)",
                fit=_FIT.replace("K[np.ix_(block, rest)] @ alpha, y[block]", "K[np.ix_(rest, rest)] @ alpha, y[rest]"),
                cmp=">",
            ),
        },
        "loses": ["test_select_lambda"],
    },
    {
        "why": "keeps the last of the tied lambdas (>=): a tie should go to the smallest lambda",
        "cells": {"select_lambda": _CV.format(order="sorted(lams)", fit=_FIT, cmp=">=")},
        "loses": ["test_select_lambda"],
    },
    {
        "why": "swaps the roles of the folds: fits on the held-out block and scores on the other four",
        "cells": {
            "select_lambda": _CV.format(
                order="sorted(lams)",
                fit=(
                    "            alpha = kernel_ridge_fit(K[np.ix_(block, block)], y[block], lam)\n"
                    "            scores.append(accuracy(K[np.ix_(rest, block)] @ alpha, y[rest]))\n"
                ),
                cmp=">",
            ),
        },
        "loses": ["test_select_lambda"],
    },
]
