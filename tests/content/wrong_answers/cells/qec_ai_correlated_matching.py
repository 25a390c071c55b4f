"""More plausible wrong answers for content/qec-ai/assignments/correlated-matching (see test_wrong_answers_per_cell)."""

WRONG = [
    {
        "why": "the share of mechanisms, not of probability: the number of hyperedges over the number of errors",
        "cells": {
            "hyperedge_share": (
                "def hyperedge_share(dem):\n"
                "    count, total = 0, 0\n"
                "    for inst in dem.flattened():\n"
                "        if inst.type != 'error':\n"
                "            continue\n"
                "        total += 1\n"
                "        if any(t.is_separator() for t in inst.targets_copy()):\n"
                "            count += 1\n"
                "    return count, count / total\n"
            ),
        },
        "loses": ["test_hyperedge_share"],
    },
    {
        "why": "loops over the model without flattening it: the mechanisms inside a repeat block are never seen",
        "cells": {
            "hyperedge_share": (
                "def hyperedge_share(dem):\n"
                "    count, hyper, total = 0, 0.0, 0.0\n"
                "    for inst in dem:\n"
                "        if inst.type != 'error':\n"
                "            continue\n"
                "        p = inst.args_copy()[0]\n"
                "        total += p\n"
                "        if any(t.is_separator() for t in inst.targets_copy()):\n"
                "            count += 1\n"
                "            hyper += p\n"
                "    return count, hyper / total\n"
            ),
        },
        "loses": ["test_hyperedge_share"],
    },
    {
        "why": "a one-sided sign test: the tail on one side only, without doubling it",
        "cells": {
            "sign_test_p": (
                "def sign_test_p(b, c):\n"
                "    n = b + c\n"
                "    if n == 0:\n"
                "        return 1.0\n"
                "    return sum(math.comb(n, k) for k in range(min(b, c) + 1)) / 2**n\n"
            ),
        },
        "loses": ["test_sign_test_p"],
    },
    {
        "why": "off by one in the tail: range(min(b, c)) leaves out the observed count itself",
        "cells": {
            "sign_test_p": (
                "def sign_test_p(b, c):\n"
                "    n = b + c\n"
                "    if n == 0:\n"
                "        return 1.0\n"
                "    tail = sum(math.comb(n, k) for k in range(min(b, c))) / 2**n\n"
                "    return min(1.0, 2 * tail)\n"
            ),
        },
        "loses": ["test_sign_test_p"],
    },
    {
        "why": "doubles the tail without capping it at 1: a balanced count (3 against 3) gets a p-value above 1",
        "cells": {
            "sign_test_p": (
                "def sign_test_p(b, c):\n"
                "    n = b + c\n"
                "    if n == 0:\n"
                "        return 1.0\n"
                "    return 2 * sum(math.comb(n, k) for k in range(min(b, c) + 1)) / 2**n\n"
            ),
        },
        "loses": ["test_sign_test_p"],
    },
]
