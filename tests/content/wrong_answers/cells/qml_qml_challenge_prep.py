"""More plausible wrong answers for content/qml/assignments/qml-challenge-prep (see test_wrong_answers_per_cell)."""


def _fit_predict(model: str, loss: str, steps: str, predict: str, before: str = "") -> str:
    return (
        f"{before}"
        "def fit(X, y):\n"
        "    torch.manual_seed(0)\n"
        f"    model = {model}\n"
        "    Xt, Yt = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)\n"
        "    opt = torch.optim.Adam(model.parameters(), lr=0.05)\n"
        "    for _ in range(300):\n"
        f"        loss = {loss}\n"
        f"{steps}"
        "    return model\n"
        "\n"
        "def predict(model, X):\n"
        "    with torch.no_grad():\n"
        f"        return {predict}\n"
    )


_MODEL = "ExampleReuploadClassifier(3)"
_BCE = "torch.nn.functional.binary_cross_entropy_with_logits(model(Xt), Yt)"
_STEPS = "        opt.zero_grad()\n        loss.backward()\n        opt.step()\n"
_PREDICT = "(model(torch.tensor(X, dtype=torch.float64)) > 0).numpy().astype(int)"
_SHORTCUT = (
    "class ShortcutClassifier(ExampleReuploadClassifier):\n"
    "    def __init__(self, layers=3):\n"
    "        super().__init__(layers)\n"
    "        self.w = torch.nn.Parameter(torch.tensor(-1.0, dtype=torch.float64))\n"
    "        self.c2 = torch.nn.Parameter(torch.tensor(0.0, dtype=torch.float64))\n"
    "\n"
    "    def forward(self, x):\n"
    "        # the squared radius the circle needs, added to the logit beside the quantum layer\n"
    "        return self.head(self.quantum_layer(x)) + self.w * (x ** 2).sum(1) + self.c2\n"
    "\n"
    "\n"
)

WRONG = [
    {
        "why": "predict returns the booleans of logits > 0 (no .astype(int)): labels must be integers 0/1",
        "cells": {"fit_predict": _fit_predict(_MODEL, _BCE, _STEPS, _PREDICT.replace(".astype(int)", ""))},
        "loses": ["test_interface_and_limits"],
    },
    {
        "why": "never calls opt.zero_grad(): the gradients of all earlier steps pile up and training goes nowhere",
        "cells": {"fit_predict": _fit_predict(_MODEL, _BCE, "        loss.backward()\n        opt.step()\n", _PREDICT)},
        "loses": ["test_validation_accuracy", "test_hidden_accuracy"],
    },
    {
        "why": "the squared error between the logits and the 0/1 labels instead of cross-entropy on logits",
        "cells": {"fit_predict": _fit_predict(_MODEL, "((model(Xt) - Yt) ** 2).mean()", _STEPS, _PREDICT)},
        "loses": ["test_validation_accuracy", "test_hidden_accuracy"],
    },
    {
        "why": "a classical bypass: the squared radius x0^2 + x1^2 goes straight into the logit beside the quantum layer",
        "cells": {"fit_predict": _fit_predict("ShortcutClassifier(3)", _BCE, _STEPS, _PREDICT, before=_SHORTCUT)},
        "loses": ["test_quantum_ablation"],
    },
]
