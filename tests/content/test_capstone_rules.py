"""The two capstones check their own rules, graded through the platform's trusted grader (issue #17, item 3).

QML challenge (content/qml/assignments/qml-challenge-prep): the hidden tests run in the trusted process and reach
the student's model only through the data-only channel. They run the circuits the model builds
(``model.circuit(x)`` crosses as a Qiskit circuit: its qubits are counted and its ⟨Z⟩ recomputed with Qiskit and
compared with ``model.quantum_layer(x)``), count the registered trainable parameters
(``state_dict(destination={}, keep_vars=True)`` crosses as a dict of tensors), and ablate the quantum layer:
``head`` fed a constant or shuffled quantum output must fall to chance accuracy. A classical MLP that declares
``n_qubits = 2`` and a model that ignores its circuit's output lose those points; a model over the parameter
limit loses the resource test.

Decoder Cup prep (content/qec-ai/assignments/decoder-cup-prep): ``make_adapted_decoder`` learns from labelled
samples of a device with crosstalk the stated circuit lacks and must beat PyMatching on the stated circuit on
hidden seeds, without being worse on a device without crosstalk. The bare baseline call and a guessed strength
that ignores the samples earn partial credit only.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.content.nbgrading import CONTENT, filled_version, student_version

pytestmark = [pytest.mark.integration, pytest.mark.slow]

QML = CONTENT / "qml" / "assignments" / "qml-challenge-prep"
QEC = CONTENT / "qec-ai" / "assignments" / "decoder-cup-prep"

_TRAIN = (
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
)

QML_WRONG = {
    "classical_mlp": {
        "why": "a purely classical 2-8-1 MLP that declares n_qubits = 2 (the issue's 10/10 loophole)",
        "fit_predict": (
            "class ClassicalNet(torch.nn.Module):\n"
            "    def __init__(self):\n"
            "        super().__init__()\n"
            "        self.n_qubits = 2\n"
            "        self.net = torch.nn.Sequential(\n"
            "            torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()\n"
            "\n"
            "    def forward(self, x):\n"
            "        return self.net(x).squeeze(-1)\n"
            "\n"
            "def fit(X, y):\n"
            "    torch.manual_seed(0)\n"
            "    model = ClassicalNet()\n" + _TRAIN
        ),
        "loses": {"test_quantum_resources", "test_quantum_ablation"},
    },
    "circuit_ignored": {
        "why": "the real circuit runs, but head() predicts from the stashed input with a classical MLP (+ 0 * z)",
        "fit_predict": (
            "class Shortcut(ExampleReuploadClassifier):\n"
            "    def __init__(self):\n"
            "        super().__init__(3)\n"
            "        self.net = torch.nn.Sequential(\n"
            "            torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()\n"
            "\n"
            "    def quantum_layer(self, x):\n"
            "        self._x = x\n"
            "        return super().quantum_layer(x)\n"
            "\n"
            "    def head(self, z):\n"
            "        return self.net(self._x).squeeze(-1) + 0.0 * z[:, 0]\n"
            "\n"
            "def fit(X, y):\n"
            "    torch.manual_seed(0)\n"
            "    model = Shortcut()\n" + _TRAIN
        ),
        "loses": {"test_quantum_ablation"},
    },
    "too_many_parameters": {
        "why": "the example circuit with a 1-24-1 classical head: 14 + 73 = 87 trainable parameters > 64",
        "fit_predict": (
            "class WideHead(ExampleReuploadClassifier):\n"
            "    def __init__(self):\n"
            "        super().__init__(3)\n"
            "        self.wide = torch.nn.Sequential(\n"
            "            torch.nn.Linear(1, 24), torch.nn.Tanh(), torch.nn.Linear(24, 1)).double()\n"
            "\n"
            "    def head(self, z):\n"
            "        return self.wide(z).squeeze(-1)\n"
            "\n"
            "def fit(X, y):\n"
            "    torch.manual_seed(0)\n"
            "    model = WideHead()\n" + _TRAIN
        ),
        # the kernel-side interface check counts parameters too; the trusted count is the one that cannot be skipped
        "loses": {"test_interface_and_limits", "test_quantum_resources"},
    },
}

QEC_WRONG = {
    "baseline_call": {
        "why": "the three-line PyMatching call on the stated circuit: the samples are ignored",
        "make_adapted_decoder": (
            "def make_adapted_decoder(circuit, detection_events, observable_flips):\n"
            "    matcher = pymatching.Matching.from_detector_error_model(\n"
            "        circuit.detector_error_model(decompose_errors=True))\n"
            "    return lambda det: matcher.decode_batch(np.asarray(det, dtype=bool)).astype(bool)\n"
        ),
        "loses": {"test_adapted_decoder"},
    },
    "guessed_strength": {
        "why": "a hard-coded crosstalk strength (0.01) that the samples are never asked about",
        "make_adapted_decoder": (
            "def make_adapted_decoder(circuit, detection_events, observable_flips):\n"
            "    model = add_correlated_pairs(circuit, 0.01)\n"
            "    matcher = pymatching.Matching.from_detector_error_model(\n"
            "        model.detector_error_model(decompose_errors=True))\n"
            "    return lambda det: matcher.decode_batch(np.asarray(det, dtype=bool)).astype(bool)\n"
        ),
        "loses": {"test_adapted_decoder"},
    },
}


def _grade(folder: Path, submissions: dict[str, str], tmp_path: Path) -> dict[str, dict[str, dict]]:
    """Grade each ``{label: submission JSON}`` with the trusted grader; ``{label: {grade_id: cell result}}``."""
    from grading.runner.autograde import grade
    from grading.runner.sandbox import SandboxLimits, sandbox_probe

    if not sandbox_probe()["isolated"]:
        pytest.skip("no working bubblewrap here")
    source_path = next(folder.glob("*.ipynb"))
    source = source_path.read_text(encoding="utf-8")
    student = json.dumps(student_version(source_path))
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p.suffix != ".ipynb"}
    results = {}
    for label, submission in submissions.items():
        out = grade(
            source_json=source,
            student_json=student,
            submission_json=submission,
            limits=SandboxLimits(wall_seconds=1200, memory_mb=3072, cpu_seconds=1200),
            work_root=tmp_path / label,
            cell_timeout=600,
            files=files,
        )
        assert out.status == "graded", (label, out.status, out.log[-3000:])
        results[label] = {c["grade_id"]: c for c in out.cells if c["kind"] == "autograded_test"}
    return results


def _check(folder: Path, answer_cell: str, wrong: dict[str, dict], tmp_path: Path, rule_tests: set[str]) -> None:
    source_path = next(folder.glob("*.ipynb"))
    subs = {
        "reference": json.dumps(filled_version(source_path)),
        "blank": json.dumps(student_version(source_path)),
    }
    for label, case in wrong.items():
        subs[label] = json.dumps(filled_version(source_path, {answer_cell: case[answer_cell]}))
    results = _grade(folder, subs, tmp_path)
    ref = results["reference"]
    messages = {label: {g: c.get("staff_message") for g, c in r.items()} for label, r in results.items()}
    assert rule_tests <= set(ref), sorted(ref)
    # the rule checks run in the trusted process, not in the student's kernel
    assert all(ref[g]["trusted"] for g in rule_tests), {g: ref[g]["trusted"] for g in rule_tests}
    assert {g: c["score"] for g, c in ref.items()} == {g: c["max_points"] for g, c in ref.items()}, messages
    assert {g: c["score"] for g, c in results["blank"].items()} == dict.fromkeys(ref, 0.0)
    full = sum(c["max_points"] for c in ref.values())
    for label, case in wrong.items():
        got = {g: c["score"] for g, c in results[label].items()}
        expected = {g: (0.0 if g in case["loses"] else c["max_points"]) for g, c in ref.items()}
        assert got == expected, (label, case["why"], messages[label])
        assert 0 < sum(got.values()) < full, (label, got)


def test_qml_challenge_checks_qubits_parameters_and_ablation(tmp_path: Path) -> None:
    _check(QML, "fit_predict", QML_WRONG, tmp_path, {"test_quantum_resources", "test_quantum_ablation"})


def test_decoder_cup_asks_for_more_than_the_baseline_call(tmp_path: Path) -> None:
    _check(QEC, "make_adapted_decoder", QEC_WRONG, tmp_path, {"test_adapted_decoder"})
