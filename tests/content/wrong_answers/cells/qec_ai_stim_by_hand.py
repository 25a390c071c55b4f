"""More plausible wrong answers for content/qec-ai/assignments/stim-by-hand (see test_wrong_answers_per_cell)."""

_PHASE_FLIP = (
    "def phase_flip_memory(d, rounds, p):\n"
    "    n = d - 1\n"
    "    data = ' '.join(str(q) for q in range(0, 2 * d - 1, 2))\n"
    "    anc = ' '.join(str(q) for q in range(1, 2 * d - 1, 2))\n"
    "    cx1 = ' '.join(f'{a} {a - 1}' for a in range(1, 2 * d - 1, 2))\n"
    "    cx2 = ' '.join(f'{a} {a + 1}' for a in range(1, 2 * d - 1, 2))\n"
    "    one_round = (f'DEPOLARIZE1({p}) {data}\\nCX {cx1}\\nDEPOLARIZE2({p}) {cx1}\\nTICK\\n'\n"
    "                 f'CX {cx2}\\nDEPOLARIZE2({p}) {cx2}\\nTICK\\n'\n"
    "                 f'Z_ERROR({p}) {anc}\\nMRX {anc}\\nZ_ERROR({p}) {anc}\\n')\n"
    "    text = f'RX {data} {anc}\\nZ_ERROR({p}) {data} {anc}\\nTICK\\n' + one_round\n"
    "    text += ''.join(f'DETECTOR rec[{k - n}]\\n' for k in range(n))\n"
    "    for _ in range(rounds - 1):\n"
    "        text += one_round + ''.join(f'DETECTOR rec[{k - n}] rec[{k - 2 * n}]\\n' for k in range(n))\n"
    "    text += f'Z_ERROR({p}) {data}\\nMX {data}\\n'\n"
    "    text += ''.join(f'DETECTOR rec[{k - d}] rec[{k - d + 1}] rec[{k - d - n}]\\n' for k in range(n))\n"
    "    text += 'OBSERVABLE_INCLUDE(0) rec[-1]\\n'\n"
    "    return stim.Circuit(text)\n"
)


def _phase_flip(old: str, new: str) -> str:
    """The reference phase_flip_memory with one mistake put in (``old`` must occur exactly once)."""
    assert _PHASE_FLIP.count(old) == 1, old
    return _PHASE_FLIP.replace(old, new)


WRONG = [
    {
        "why": "off by one in the rounds: the loop runs `rounds` more times after the first round (rounds + 1 in all)",
        "cells": {"phase_flip_memory": _phase_flip("range(rounds - 1)", "range(rounds)")},
        # one round more raises p_L by about a fifth: the rate test's 5-sigma band misses it only by chance
        "loses": ["test_phase_flip_structure"],
    },
    {
        "why": "the wrong basis: prepares and measures in Z (R, MR, M) as in the bit-flip code, so it protects "
        "against X errors and Z errors go unseen",
        "cells": {
            "phase_flip_memory": _phase_flip("MRX {anc}", "MR {anc}")
            .replace("'RX {data}", "'R {data}")
            .replace("MX {data}", "M {data}")
        },
        "loses": ["test_phase_flip_structure", "test_phase_flip_rate"],
    },
    {
        "why": "the last detectors point at the ancillas as if they were still the last records: rec[k - n] "
        "instead of rec[k - d - n], forgetting the d data measurements just appended",
        "cells": {"phase_flip_memory": _phase_flip("rec[{k - d - n}]", "rec[{k - n}]")},
        "loses": ["test_phase_flip_structure", "test_phase_flip_rate"],
    },
    {
        "why": "counts targets, not detectors: an error on one detector and the observable (D1 L0) becomes an edge",
        "cells": {
            "count_mechanisms": (
                "def count_mechanisms(dem):\n"
                "    out = {'boundary': 0, 'edge': 0, 'observable': 0}\n"
                "    for inst in dem.flattened():\n"
                "        if inst.type != 'error':\n"
                "            continue\n"
                "        targets = inst.targets_copy()\n"
                "        if len(targets) == 1:\n"
                "            out['boundary'] += 1\n"
                "        elif len(targets) == 2:\n"
                "            out['edge'] += 1\n"
                "        if any(t.is_logical_observable_id() and t.val == 0 for t in targets):\n"
                "            out['observable'] += 1\n"
                "    return out\n"
            ),
        },
        "loses": ["test_count_mechanisms"],
    },
    {
        "why": "loops over the model without flattening it: the mechanisms inside a repeat block are never counted",
        "cells": {
            "count_mechanisms": (
                "def count_mechanisms(dem):\n"
                "    out = {'boundary': 0, 'edge': 0, 'observable': 0}\n"
                "    for inst in dem:\n"
                "        if inst.type != 'error':\n"
                "            continue\n"
                "        targets = inst.targets_copy()\n"
                "        detectors = sum(1 for t in targets if t.is_relative_detector_id())\n"
                "        if detectors == 1:\n"
                "            out['boundary'] += 1\n"
                "        elif detectors == 2:\n"
                "            out['edge'] += 1\n"
                "        if any(t.is_logical_observable_id() and t.val == 0 for t in targets):\n"
                "            out['observable'] += 1\n"
                "    return out\n"
            ),
        },
        "loses": ["test_count_mechanisms"],
    },
    {
        "why": "counts an error that flips any logical observable, not only observable 0 (L1 counted too)",
        "cells": {
            "count_mechanisms": (
                "def count_mechanisms(dem):\n"
                "    out = {'boundary': 0, 'edge': 0, 'observable': 0}\n"
                "    for inst in dem.flattened():\n"
                "        if inst.type != 'error':\n"
                "            continue\n"
                "        targets = inst.targets_copy()\n"
                "        detectors = sum(1 for t in targets if t.is_relative_detector_id())\n"
                "        if detectors == 1:\n"
                "            out['boundary'] += 1\n"
                "        elif detectors == 2:\n"
                "            out['edge'] += 1\n"
                "        if any(t.is_logical_observable_id() for t in targets):\n"
                "            out['observable'] += 1\n"
                "    return out\n"
            ),
        },
        "loses": ["test_count_mechanisms"],
    },
]
