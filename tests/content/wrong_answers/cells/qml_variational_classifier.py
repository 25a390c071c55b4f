"""More plausible wrong answers for content/qml/assignments/variational-classifier (see test_wrong_answers_per_cell)."""


def _circuit_state(encode: str, cnot: str) -> str:
    return (
        "def circuit_state(x, weights):\n"
        "    state = zero_state(2, x.shape[0])\n"
        "    for layer in weights:\n"
        "        for q in range(2):\n"
        f"            state = apply_ry(state, {encode}, q)\n"
        "        for q in range(2):\n"
        "            state = apply_ry(state, layer[q], q)\n"
        f"        state = apply_cnot(state, {cnot})\n"
        "    return state\n"
    )


def _module(weights: str, forward: str) -> str:
    return (
        "class VQC(torch.nn.Module):\n"
        "    def __init__(self, layers=3):\n"
        "        super().__init__()\n"
        f"        self.weights = {weights}\n"
        "        self.a = torch.nn.Parameter(torch.tensor(3.0, dtype=torch.float64))\n"
        "        self.b = torch.nn.Parameter(torch.tensor(0.0, dtype=torch.float64))\n"
        "\n"
        "    def forward(self, x):\n"
        f"        return {forward}\n"
    )


def _train(loss: str, steps: str) -> str:
    return (
        "def train_vqc(model, x, y, seed):\n"
        "    torch.manual_seed(seed)\n"
        "    X = torch.as_tensor(x, dtype=torch.float64)\n"
        "    Y = torch.as_tensor(y, dtype=torch.float64)\n"
        "    opt = torch.optim.Adam(model.parameters(), lr=0.05)\n"
        "    for _ in range(150):\n"
        f"        loss = {loss}\n"
        f"{steps}"
        "    return model\n"
    )


_PARAMETER = "torch.nn.Parameter(0.1 * torch.randn(layers, 2, dtype=torch.float64))"
_LOGITS = "self.a * expect_z(circuit_state(x, self.weights), 0) + self.b"
_BCE = "torch.nn.functional.binary_cross_entropy_with_logits(model(X), Y)"
_STEPS = "        opt.zero_grad()\n        loss.backward()\n        opt.step()\n"

WRONG = [
    {
        "why": "encodes the data as RY(x) instead of RY(pi/2 x): the scale factor of the specification is lost",
        "cells": {"circuit_state": _circuit_state("x[:, q]", "0, 1")},
        "loses": ["test_circuit_state"],
    },
    {
        "why": "swaps control and target of the CNOT (apply_cnot(state, 1, 0))",
        "cells": {"circuit_state": _circuit_state("math.pi / 2 * x[:, q]", "1, 0")},
        "loses": ["test_circuit_state"],
    },
    {
        "why": "stores the weights as a plain tensor, not an nn.Parameter: autograd and the optimizer never see them",
        "cells": {"vqc_module": _module("0.1 * torch.randn(layers, 2, dtype=torch.float64)", _LOGITS)},
        "loses": ["test_vqc_module", "test_train_vqc"],
    },
    {
        "why": "forward returns <Z_0> itself, without the trainable scale a and offset b",
        "cells": {"vqc_module": _module(_PARAMETER, "expect_z(circuit_state(x, self.weights), 0)")},
        "loses": ["test_vqc_module", "test_train_vqc"],
    },
    {
        "why": "reads out qubit 1 instead of qubit 0: the logits are a <Z_1> + b",
        "cells": {"vqc_module": _module(_PARAMETER, _LOGITS.replace(", 0)", ", 1)"))},
        "loses": ["test_vqc_module"],
    },
    {
        "why": "forward applies a sigmoid (probabilities, not logits), then training applies one again",
        "cells": {"vqc_module": _module(_PARAMETER, f"torch.sigmoid({_LOGITS})")},
        "loses": ["test_vqc_module", "test_train_vqc"],
    },
    {
        "why": "never calls opt.zero_grad(): the gradients of all earlier steps pile up",
        "cells": {"train_vqc": _train(_BCE, "        loss.backward()\n        opt.step()\n")},
        "loses": ["test_train_vqc"],
    },
    {
        "why": "binary_cross_entropy (on probabilities) applied to the logits",
        "cells": {"train_vqc": _train(_BCE.replace("_with_logits", ""), _STEPS)},
        "loses": ["test_train_vqc"],
    },
    {
        "why": "the squared error between the logits and the 0/1 labels instead of cross-entropy on logits",
        "cells": {"train_vqc": _train("((model(X) - Y) ** 2).mean()", _STEPS)},
        "loses": ["test_train_vqc"],
    },
]
