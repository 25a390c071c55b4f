"""More plausible wrong answers for content/qec-ai/assignments/neural-predecoder (see test_wrong_answers_per_cell)."""


def _edge_labels(key: str, label: str) -> str:
    """edge_labels as a student writes it, with the edge key and the label given."""
    return (
        "def edge_labels(dem, errors):\n"
        "    index, pieces = {}, []\n"
        "    for inst in dem.flattened():\n"
        "        if inst.type != 'error':\n"
        "            continue\n"
        "        mine = []\n"
        "        for group in inst.target_groups():\n"
        f"            key = {key}\n"
        "            if key:\n"
        "                index.setdefault(key, len(index))\n"
        "                mine.append(index[key])\n"
        "        pieces.append(mine)\n"
        "    errors = np.asarray(errors, dtype=bool)\n"
        "    counts = np.zeros((len(errors), len(index)), dtype=int)\n"
        "    for m, mine in enumerate(pieces):\n"
        "        for e in mine:\n"
        "            counts[:, e] += errors[:, m]\n"
        f"    return list(index), {label}\n"
    )


_SORTED = "tuple(sorted(t.val for t in group if t.is_relative_detector_id()))"

WRONG = [
    {
        "why": "labels an edge 'flipped' when any of its mechanisms fired (counts > 0): two flips of one edge cancel",
        "cells": {"edge_labels": _edge_labels(_SORTED, "counts > 0")},
        "loses": ["test_edge_labels"],
    },
    {
        "why": "keys an edge by its detectors in the order the model lists them: D1 D0 and D0 D1 become two edges",
        "cells": {
            "edge_labels": _edge_labels("tuple(t.val for t in group if t.is_relative_detector_id())", "counts % 2 == 1")
        },
        "loses": ["test_edge_labels"],
    },
    {
        "why": "ignores the decomposition (^): one edge for all the detectors of a mechanism, a hyperedge no "
        "matching graph has",
        "cells": {
            "edge_labels": (
                "def edge_labels(dem, errors):\n"
                "    index, pieces = {}, []\n"
                "    for inst in dem.flattened():\n"
                "        if inst.type != 'error':\n"
                "            continue\n"
                "        key = tuple(sorted(t.val for t in inst.targets_copy() if t.is_relative_detector_id()))\n"
                "        mine = []\n"
                "        if key:\n"
                "            index.setdefault(key, len(index))\n"
                "            mine.append(index[key])\n"
                "        pieces.append(mine)\n"
                "    errors = np.asarray(errors, dtype=bool)\n"
                "    counts = np.zeros((len(errors), len(index)), dtype=int)\n"
                "    for m, mine in enumerate(pieces):\n"
                "        for e in mine:\n"
                "            counts[:, e] += errors[:, m]\n"
                "    return list(index), counts % 2 == 1\n"
            ),
        },
        "loses": ["test_edge_labels"],
    },
    {
        "why": "the threshold with the fewest errors, not the one that removes most within 2 standard errors",
        "cells": {
            "pick_threshold": (
                "def pick_threshold(thresholds, errors, removed, baseline):\n"
                "    return min(zip(errors, thresholds))[1]\n"
            ),
        },
        "loses": ["test_pick_threshold"],
    },
    {
        "why": "a strict '<' on the tolerance: exactly 2 standard errors more than matching alone is refused",
        "cells": {
            "pick_threshold": (
                "def pick_threshold(thresholds, errors, removed, baseline):\n"
                "    best = None\n"
                "    for t, k, r in sorted(zip(thresholds, errors, removed)):\n"
                "        if k - baseline < 2 * math.sqrt(baseline) and (best is None or r > best[1]):\n"
                "            best = (t, r)\n"
                "    return None if best is None else best[0]\n"
            ),
        },
        "loses": ["test_pick_threshold"],
    },
    {
        "why": "one standard error of tolerance instead of two: sqrt(baseline) more errors already rejects a threshold",
        "cells": {
            "pick_threshold": (
                "def pick_threshold(thresholds, errors, removed, baseline):\n"
                "    best = None\n"
                "    for t, k, r in sorted(zip(thresholds, errors, removed)):\n"
                "        if k - baseline <= math.sqrt(baseline) and (best is None or r > best[1]):\n"
                "            best = (t, r)\n"
                "    return None if best is None else best[0]\n"
            ),
        },
        "loses": ["test_pick_threshold"],
    },
    {
        "why": "reads 'within 2 standard errors' as two-sided (|k - baseline|): a threshold with far fewer errors "
        "than matching alone is refused",
        "cells": {
            "pick_threshold": (
                "def pick_threshold(thresholds, errors, removed, baseline):\n"
                "    best = None\n"
                "    for t, k, r in sorted(zip(thresholds, errors, removed)):\n"
                "        if abs(k - baseline) <= 2 * math.sqrt(baseline) and (best is None or r > best[1]):\n"
                "            best = (t, r)\n"
                "    return None if best is None else best[0]\n"
            ),
        },
        "loses": ["test_pick_threshold"],
    },
]
