"""More plausible wrong answers for content/qec-ai/assignments/decoder-cup-prep (see test_wrong_answers_per_cell)."""

_ADAPTED = (
    "def make_adapted_decoder(circuit, detection_events, observable_flips):\n"
    "    detection_events = np.asarray(detection_events, dtype=bool)\n"
    "    observable_flips = np.asarray(observable_flips, dtype=bool)\n"
    "    best = None\n"
    "    for pc in (0.0, 0.0025, 0.005, 0.01, 0.02, 0.04):\n"
    "        model = add_correlated_pairs(circuit, pc) if pc else circuit\n"
    "        matcher = pymatching.Matching.from_detector_error_model(model.detector_error_model(decompose_errors=True))\n"
    "        errors = int(np.any(matcher.decode_batch(detection_events) != observable_flips, axis=1).sum())\n"
    "        if best is None or errors {cmp} best[0]:\n"
    "            best = (errors, matcher)\n"
    "    matcher = best[1]\n"
    "\n"
    "    def decode(detection_events):\n"
    "        return matcher.decode_batch(np.asarray(detection_events, dtype=bool)).astype(bool)\n"
    "\n"
    "    return decode\n"
)

WRONG = [
    {
        "why": "returns pymatching's uint8 predictions as they come: the interface asks for booleans",
        "cells": {
            "make_decoder": (
                "def make_decoder(circuit):\n"
                "    dem = circuit.detector_error_model(decompose_errors=True)\n"
                "    matcher = pymatching.Matching.from_detector_error_model(dem)\n"
                "\n"
                "    def decode(detection_events):\n"
                "        return matcher.decode_batch(np.asarray(detection_events, dtype=bool))\n"
                "\n"
                "    return decode\n"
            ),
        },
        "loses": ["test_interface"],
    },
    {
        "why": "a parity decoder: predicts a flip when an odd number of detectors fired (the repetition-code intuition)",
        "cells": {
            "make_decoder": (
                "def make_decoder(circuit):\n"
                "    def decode(detection_events):\n"
                "        return (np.asarray(detection_events, dtype=int).sum(axis=1, keepdims=True) % 2).astype(bool)\n"
                "\n"
                "    return decode\n"
            ),
        },
        "loses": ["test_d3_quality", "test_d5_and_correlated"],
    },
    {
        "why": "ignores the labelled samples: plain matching on the stated model, which knows nothing of the crosstalk",
        "cells": {
            "make_adapted_decoder": (
                "def make_adapted_decoder(circuit, detection_events, observable_flips):\n"
                "    dem = circuit.detector_error_model(decompose_errors=True)\n"
                "    matcher = pymatching.Matching.from_detector_error_model(dem)\n"
                "\n"
                "    def decode(detection_events):\n"
                "        return matcher.decode_batch(np.asarray(detection_events, dtype=bool)).astype(bool)\n"
                "\n"
                "    return decode\n"
            ),
        },
        "loses": ["test_adapted_decoder"],
    },
    {
        "why": "the model selection keeps the candidate with the most logical errors on the samples ('>' for '<')",
        "cells": {"make_adapted_decoder": _ADAPTED.format(cmp=">")},
        "loses": ["test_adapted_decoder"],
    },
    {
        "why": "assumes the worst case: always the strongest crosstalk model (0.04), whatever the samples say",
        "cells": {
            "make_adapted_decoder": (
                "def make_adapted_decoder(circuit, detection_events, observable_flips):\n"
                "    model = add_correlated_pairs(circuit, 0.04)\n"
                "    matcher = pymatching.Matching.from_detector_error_model(model.detector_error_model(decompose_errors=True))\n"
                "\n"
                "    def decode(detection_events):\n"
                "        return matcher.decode_batch(np.asarray(detection_events, dtype=bool)).astype(bool)\n"
                "\n"
                "    return decode\n"
            ),
        },
        "loses": ["test_adapted_decoder"],
    },
]
