"""One plausible wrong answer per assignment of content/qec-ai, and the test cells it must fail.

Each entry: the answer cells replaced (by grade_id) with a mistake students really make, and the
autograded test cells that must then score zero; every other test cell must keep its full points.
"""

WRONG = {
    "repetition-code": {
        "why": "majority vote with '>= d // 2': one flipped bit out of three already counts as a logical error",
        "cells": {
            "majority_vote": (
                "def majority_vote(bits):\n"
                "    bits = np.asarray(bits).astype(int)\n"
                "    return bits.sum(axis=1) >= bits.shape[1] // 2\n"
            ),
        },
        "loses": ["test_majority_vote", "test_simulate"],
    },
    "surface-code": {
        "why": "forgets rounds=d: a single round of stabilizer measurements",
        "cells": {
            "make_memory_circuit": (
                "def make_memory_circuit(d, p):\n"
                "    return stim.Circuit.generated(\n"
                "        'surface_code:rotated_memory_z', distance=d, rounds=1,\n"
                "        after_clifford_depolarization=p, before_round_data_depolarization=p,\n"
                "        before_measure_flip_probability=p, after_reset_flip_probability=p)\n"
            ),
        },
        "loses": ["test_make_memory_circuit"],
    },
    "matching": {
        "why": "reports the raw observable flip rate: samples but never decodes",
        "cells": {
            "matching_rate": (
                "def matching_logical_error_rate(d, p, shots, seed):\n"
                "    circuit = surface_code_circuit(d, p)\n"
                "    det, obs = circuit.compile_detector_sampler(seed=seed).sample(shots, separate_observables=True)\n"
                "    return float(np.mean(obs[:, 0]))\n"
            ),
        },
        "loses": ["test_matching_rate", "test_figure"],
    },
    "neural-decoder": {
        "why": "samples raw measurements (compile_sampler) instead of detection events, last bit as the label",
        "cells": {
            "make_dataset": (
                "def make_dataset(circuit, shots, seed):\n"
                "    m = circuit.compile_sampler(seed=seed).sample(shots)\n"
                "    return torch.tensor(m[:, :-1], dtype=torch.float32), torch.tensor(m[:, -1:], dtype=torch.float32)\n"
            ),
        },
        "loses": ["test_make_dataset", "test_train"],
    },
    "decoder-cup-prep": {
        "why": "the 'never flipped' baseline: right interface, no decoding",
        "cells": {
            "make_decoder": (
                "def make_decoder(circuit):\n"
                "    def decode(detection_events):\n"
                "        return np.zeros((len(detection_events), circuit.num_observables), dtype=bool)\n"
                "    return decode\n"
            ),
        },
        "loses": ["test_d3_quality", "test_d5_and_correlated"],
    },
}

# Units 6-7 keep their assignments' wrong answers beside their own tests (tests/content/test_qec_units_6_7.py).
from tests.content.test_qec_units_6_7 import ASSIGNMENT_WRONG as _UNITS_6_7  # noqa: E402

WRONG.update(_UNITS_6_7)

# The Exams unit's written papers keep their wrong answers beside their tests (tests/content/test_semester.py).
from tests.content.test_semester import EXAM_WRONG as _EXAMS  # noqa: E402

WRONG.update(_EXAMS["qec-ai"])

# Units 8-9 likewise (tests/content/test_qec_units_8_9.py).
from tests.content.test_qec_units_8_9 import ASSIGNMENT_WRONG as _UNITS_8_9  # noqa: E402

WRONG.update(_UNITS_8_9)

# Unit 10 keeps its assignment's wrong answers beside its own tests (tests/content/test_qec_unit_10.py).
from tests.content.test_qec_unit_10 import ASSIGNMENT_WRONG as _UNIT_10  # noqa: E402

WRONG.update(_UNIT_10)
