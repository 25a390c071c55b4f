"""One plausible wrong answer per assignment of content/qml, and the test cells it must fail.

Each entry: the answer cells replaced (by grade_id) with a mistake students really make, and the
autograded test cells that must then score zero; every other test cell must keep its full points.
"""

WRONG = {
    "qiskit-basics": {
        "why": "reads the count key left to right: qubit 0 taken as the left-most bit (Qiskit puts it on the right)",
        "cells": {
            "expectation_from_counts": (
                "def expectation_z_from_counts(counts, qubit):\n"
                "    total = sum(counts.values())\n"
                "    return sum(n if key[qubit] == '0' else -n for key, n in counts.items()) / total\n"
            ),
        },
        "loses": ["test_expectation_from_counts"],
    },
    "parameter-shift": {
        "why": "measures Z on qubit 0 ('IZ') instead of qubit 1 ('ZI')",
        "cells": {
            "expectation": (
                "def expectation(a, b):\n"
                "    qc = QuantumCircuit(2)\n"
                "    qc.ry(a, 0)\n"
                "    qc.rx(b, 1)\n"
                "    qc.cx(0, 1)\n"
                "    return float(Statevector(qc).expectation_value(SparsePauliOp('IZ')).real)\n"
            ),
        },
        "loses": ["test_expectation"],
    },
    "variational-classifier": {
        "why": "uploads the data only once, in the first layer (the specification re-uploads it in every layer)",
        "cells": {
            "circuit_state": (
                "def circuit_state(x, weights):\n"
                "    state = zero_state(2, x.shape[0])\n"
                "    for q in range(2):\n"
                "        state = apply_ry(state, math.pi / 2 * x[:, q], q)\n"
                "    for layer in weights:\n"
                "        for q in range(2):\n"
                "            state = apply_ry(state, layer[q], q)\n"
                "        state = apply_cnot(state, 0, 1)\n"
                "    return state\n"
            ),
        },
        "loses": ["test_circuit_state", "test_train_vqc"],
    },
    "hybrid-regression": {
        "why": "standardises the test set with its own mean and standard deviation (information leak)",
        "cells": {
            "standardize": (
                "def standardize(train, test):\n"
                "    return (train - train.mean(0)) / train.std(0), (test - test.mean(0)) / test.std(0)\n"
            ),
        },
        "loses": ["test_standardize"],
    },
    "qml-challenge-prep": {
        "why": "one layer without re-uploading: <Z_0> depends on x0 only, so a circle cannot be learned",
        "cells": {
            "fit_predict": (
                "def fit(X, y):\n"
                "    torch.manual_seed(0)\n"
                "    model = ExampleReuploadClassifier(1)\n"
                "    Xt, Yt = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)\n"
                "    opt = torch.optim.Adam(model.parameters(), lr=0.05)\n"
                "    for _ in range(300):\n"
                "        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(Xt), Yt)\n"
                "        opt.zero_grad()\n"
                "        loss.backward()\n"
                "        opt.step()\n"
                "    return model\n"
                "\n"
                "def predict(model, X):\n"
                "    with torch.no_grad():\n"
                "        return (model(torch.tensor(X, dtype=torch.float64)) > 0).numpy().astype(int)\n"
            ),
        },
        "loses": ["test_validation_accuracy", "test_hidden_accuracy"],
    },
}

# Units 6-7 keep their assignments' wrong answers beside their own tests (tests/content/test_qml_units_6_7.py).
from tests.content.test_qml_units_6_7 import ASSIGNMENT_WRONG as _UNITS_6_7  # noqa: E402

WRONG.update(_UNITS_6_7)

# Units 8-9 likewise (tests/content/test_qml_units_8_9.py).
from tests.content.test_qml_units_8_9 import ASSIGNMENT_WRONG as _UNITS_8_9  # noqa: E402

WRONG.update(_UNITS_8_9)

# Unit 10 likewise (tests/content/test_qml_unit_10.py).
from tests.content.test_qml_unit_10 import ASSIGNMENT_WRONG as _UNIT_10  # noqa: E402

WRONG.update(_UNIT_10)

# The Exams unit's written papers keep their wrong answers beside their tests (tests/content/test_semester.py).
from tests.content.test_semester import EXAM_WRONG as _EXAMS  # noqa: E402

WRONG.update(_EXAMS["qml"])
