"""More plausible wrong answers for content/qml/assignments/hybrid-regression (see test_wrong_answers_per_cell)."""


def _train(epochs: str, loss: str, steps: str) -> str:
    return (
        "def train_regressor(model, x, y, seed, epochs=300):\n"
        "    torch.manual_seed(seed)\n"
        "    opt = torch.optim.Adam(model.parameters(), lr=0.05)\n"
        f"    for _ in range({epochs}):\n"
        f"        loss = {loss}\n"
        f"{steps}"
        "    return model\n"
    )


_MSE = "((model(x).reshape(-1) - y) ** 2).mean()"
_STEPS = "        opt.zero_grad()\n        loss.backward()\n        opt.step()\n"

WRONG = [
    {
        "why": "standardises with the mean and standard deviation of train and test together (the test set leaks in)",
        "cells": {
            "standardize": (
                "def standardize(train, test):\n"
                "    both = np.concatenate([train, test])\n"
                "    mu, sd = both.mean(axis=0), both.std(axis=0)\n"
                "    return (train - mu) / sd, (test - mu) / sd\n"
            ),
        },
        "loses": ["test_standardize"],
    },
    {
        "why": "forgets axis=0: one mean and one standard deviation over all features at once",
        "cells": {
            "standardize": (
                "def standardize(train, test):\n"
                "    mu, sd = train.mean(), train.std()\n"
                "    return (train - mu) / sd, (test - mu) / sd\n"
            ),
        },
        "loses": ["test_standardize"],
    },
    {
        "why": "never calls opt.zero_grad(): the gradients of all earlier steps pile up",
        "cells": {"train_regressor": _train("epochs", _MSE, "        loss.backward()\n        opt.step()\n")},
        "loses": ["test_training"],
    },
    {
        "why": "trains for a fixed 300 steps and ignores the epochs argument",
        "cells": {"train_regressor": _train("300", _MSE, _STEPS)},
        "loses": ["test_training"],
    },
    {
        "why": "no reshape before subtracting: the MLP's (n, 1) output minus the (n,) targets broadcasts to (n, n)",
        "cells": {"train_regressor": _train("epochs", "((model(x) - y) ** 2).mean()", _STEPS)},
        "loses": ["test_training"],
    },
    {
        "why": "forgets the square root: returns the mean squared error",
        "cells": {"rmse": "def rmse(pred, y):\n    return float(np.mean((np.asarray(pred) - np.asarray(y)) ** 2))\n"},
        "loses": ["test_rmse"],
    },
    {
        "why": "the square root of the sum of squared errors, not of their mean",
        "cells": {
            "rmse": "def rmse(pred, y):\n    return float(np.sqrt(np.sum((np.asarray(pred) - np.asarray(y)) ** 2)))\n"
        },
        "loses": ["test_rmse", "test_training"],
    },
    {
        "why": "the mean absolute error instead of the root mean square error",
        "cells": {"rmse": "def rmse(pred, y):\n    return float(np.mean(np.abs(np.asarray(pred) - np.asarray(y))))\n"},
        "loses": ["test_rmse"],
    },
]
