"""More plausible wrong answers for content/qec-ai/assignments/surface-code (see test_wrong_answers_per_cell)."""

WRONG = [
    {
        "why": "the wrong memory basis (rotated_memory_x): same detector count, a different experiment and noise model",
        "cells": {
            "make_memory_circuit": (
                "def make_memory_circuit(d, p):\n"
                "    return stim.Circuit.generated(\n"
                "        'surface_code:rotated_memory_x', distance=d, rounds=d,\n"
                "        after_clifford_depolarization=p, before_round_data_depolarization=p,\n"
                "        before_measure_flip_probability=p, after_reset_flip_probability=p)\n"
            ),
        },
        "loses": ["test_make_memory_circuit"],
    },
    {
        "why": "forgets the measurement-flip noise (before_measure_flip_probability): only three of the four knobs at p",
        "cells": {
            "make_memory_circuit": (
                "def make_memory_circuit(d, p):\n"
                "    return stim.Circuit.generated(\n"
                "        'surface_code:rotated_memory_z', distance=d, rounds=d,\n"
                "        after_clifford_depolarization=p, before_round_data_depolarization=p,\n"
                "        after_reset_flip_probability=p)\n"
            ),
        },
        "loses": ["test_make_memory_circuit"],
    },
    {
        "why": "samples the raw measurements (compile_sampler), not detection events: random first-round X checks",
        "cells": {
            "detection_fraction": (
                "def detection_event_fraction(circuit, shots, seed):\n"
                "    m = circuit.compile_sampler(seed=seed).sample(shots)\n"
                "    return float(m.mean())\n"
            ),
        },
        "loses": ["test_detection_fraction"],
    },
    {
        "why": "forgets to divide by the number of detectors: detection events per shot, not the fraction",
        "cells": {
            "detection_fraction": (
                "def detection_event_fraction(circuit, shots, seed):\n"
                "    det = circuit.compile_detector_sampler(seed=seed).sample(shots)\n"
                "    return float(det.sum() / shots)\n"
            ),
        },
        "loses": ["test_detection_fraction"],
    },
    {
        "why": "builds the error model without decompose_errors=True: a different list (219 mechanisms, not 286, at d = 3)",
        "cells": {
            "dem_functions": (
                "def count_error_mechanisms(circuit):\n"
                "    dem = circuit.detector_error_model()\n"
                "    return sum(1 for inst in dem.flattened() if inst.type == 'error')\n"
                "\n"
                "def effective_distance(circuit):\n"
                "    return len(circuit.shortest_graphlike_error())\n"
            ),
        },
        "loses": ["test_dem_functions"],
    },
    {
        "why": "counts every line of the flattened model: detector and observable declarations as error mechanisms",
        "cells": {
            "dem_functions": (
                "def count_error_mechanisms(circuit):\n"
                "    return len(circuit.detector_error_model(decompose_errors=True).flattened())\n"
                "\n"
                "def effective_distance(circuit):\n"
                "    return len(circuit.shortest_graphlike_error())\n"
            ),
        },
        "loses": ["test_dem_functions"],
    },
]
