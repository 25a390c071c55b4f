"""More plausible wrong answers for content/qml/assignments/exam-final-paper (see test_wrong_answers_per_cell)."""

_ALIGN = (
    "def kernel_alignment(K, y):\n"
    "    K = np.asarray(K, dtype=float)\n"
    "    y = np.asarray(y, dtype=float)\n"
    "    if set(np.unique(y)) <= {{0.0, 1.0}}:\n"
    "        y = 2 * y - 1\n"
    "    Y = np.outer(y, y)\n"
    "    return float({value})\n"
)

WRONG = [
    {
        "why": "divides by the norm of K only: the alignment is a cosine, normalised by both ||K|| and ||y y^T||",
        "cells": {"kernel_alignment": _ALIGN.format(value="np.sum(K * Y) / np.linalg.norm(K)")},
        "loses": ["test_kernel_alignment"],
    },
    {
        "why": "takes the matrix product K @ Y instead of the element-wise (Frobenius) inner product",
        "cells": {"kernel_alignment": _ALIGN.format(value="np.sum(K @ Y) / (np.linalg.norm(K) * np.linalg.norm(Y))")},
        "loses": ["test_kernel_alignment"],
    },
    {
        "why": "normalises with the spectral norm (ord=2, the largest singular value) instead of the Frobenius norm",
        "cells": {
            "kernel_alignment": _ALIGN.format(value="np.sum(K * Y) / (np.linalg.norm(K, 2) * np.linalg.norm(Y, 2))")
        },
        "loses": ["test_kernel_alignment"],
    },
]
