"""More plausible wrong answers for content/qml/assignments/classical-baseline (see test_wrong_answers_per_cell)."""

_SELECT = (
    "def select_then_test(fit, settings, x, y, x_test, y_test, n_val):\n"
    "    x_fit, y_fit, x_val, y_val = {split}\n"
    "    best = None\n"
    "    for setting in settings:\n"
    "        decide = fit(setting, x_fit, y_fit)\n"
    "        score = accuracy(decide(x_val), y_val)\n"
    "        if best is None or score > best[0]:\n"
    "            best = (score, setting, decide)\n"
    "    return {ret}\n"
)
_SPLIT = "x[:-n_val], y[:-n_val], x[-n_val:], y[-n_val:]"
_PAIRED = (
    "def paired_difference(acc_a, acc_b):\n"
    "    a, b = np.asarray(acc_a, dtype=float), np.asarray(acc_b, dtype=float)\n"
    "    d = b - a\n"
    "    return float(d.mean()), float({se})\n"
)

WRONG = [
    {
        "why": "reports the best validation accuracy as the final score: the score used to choose is biased upwards",
        "cells": {"select_then_test": _SELECT.format(split=_SPLIT, ret="best[1], best[0]")},
        "loses": ["test_select_then_test"],
    },
    {
        "why": "fits every setting on all the training rows, the validation rows included, then validates on them",
        "cells": {
            "select_then_test": _SELECT.format(
                split="x, y, x[-n_val:], y[-n_val:]", ret="best[1], accuracy(best[2](x_test), y_test)"
            )
        },
        "loses": ["test_select_then_test"],
    },
    {
        "why": "unpaired standard error, sqrt(var_a / n + var_b / n): ignores that both models ran on the same splits",
        "cells": {"paired_difference": _PAIRED.format(se="np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / len(d))")},
        "loses": ["test_paired_difference"],
    },
    {
        "why": "the population variance (ddof=0) of the differences: too small a standard error for a few splits",
        "cells": {"paired_difference": _PAIRED.format(se="d.std() / np.sqrt(len(d))")},
        "loses": ["test_paired_difference"],
    },
    {
        "why": "returns the standard deviation of the differences, not the standard error of their mean",
        "cells": {"paired_difference": _PAIRED.format(se="d.std(ddof=1)")},
        "loses": ["test_paired_difference"],
    },
]
