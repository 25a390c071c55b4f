"""More plausible wrong answers for content/qec-ai/assignments/neural-decoder (see test_wrong_answers_per_cell)."""

_TRAIN = (
    "def train(model, x, y, seed):\n"
    "    torch.manual_seed(seed)\n"
    "    opt = torch.optim.Adam(model.parameters(), lr=3e-3)\n"
    "    for epoch in range(3):\n"
    "        order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed + epoch))\n"
    "        for i in range(0, len(x), 256):\n"
    "            idx = order[i:i + 256]\n"
    "{body}"
    "    return model\n"
)

WRONG = [
    {
        "why": "returns numpy arrays, not torch tensors: the network cannot take them",
        "cells": {
            "make_dataset": (
                "def make_dataset(circuit, shots, seed):\n"
                "    det, obs = circuit.compile_detector_sampler(seed=seed).sample(shots, separate_observables=True)\n"
                "    return det.astype(np.float32), obs.astype(np.float32)\n"
            ),
        },
        "loses": ["test_make_dataset", "test_train"],
    },
    {
        "why": "samples with append_observables=True and keeps the label as a 25th input column",
        "cells": {
            "make_dataset": (
                "def make_dataset(circuit, shots, seed):\n"
                "    s = circuit.compile_detector_sampler(seed=seed).sample(shots, append_observables=True)\n"
                "    x = torch.tensor(s, dtype=torch.float32)\n"
                "    return x, x[:, -1:]\n"
            ),
        },
        "loses": ["test_make_dataset", "test_train"],
    },
    {
        "why": "two output units (a two-class head) for a single observable: shape (n, 2) against labels (n, 1)",
        "cells": {
            "make_model": (
                "def make_model(n_inputs):\n"
                "    return torch.nn.Sequential(torch.nn.Linear(n_inputs, 64), torch.nn.ReLU(),\n"
                "                               torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))\n"
            ),
        },
        "loses": ["test_make_model", "test_train"],
    },
    {
        "why": "hard-codes 24 inputs (the d = 3 detector count) and ignores n_inputs",
        "cells": {
            "make_model": (
                "def make_model(n_inputs):\n"
                "    return torch.nn.Sequential(torch.nn.Linear(24, 64), torch.nn.ReLU(),\n"
                "                               torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))\n"
            ),
        },
        "loses": ["test_make_model"],
    },
    {
        "why": "ends the model with a Sigmoid while the loss (with logits) and the '> 0' decision expect logits",
        "cells": {
            "make_model": (
                "def make_model(n_inputs):\n"
                "    return torch.nn.Sequential(torch.nn.Linear(n_inputs, 64), torch.nn.ReLU(),\n"
                "                               torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1),\n"
                "                               torch.nn.Sigmoid())\n"
            ),
        },
        "loses": ["test_train"],
    },
    {
        "why": "forgets opt.step(): computes the gradients and never updates the weights",
        "cells": {
            "train": _TRAIN.format(
                body=(
                    "            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x[idx]), y[idx])\n"
                    "            opt.zero_grad()\n"
                    "            loss.backward()\n"
                )
            ),
        },
        "loses": ["test_train"],
    },
    {
        "why": "never calls opt.zero_grad(): the gradients of every batch so far pile up",
        "cells": {
            "train": _TRAIN.format(
                body=(
                    "            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x[idx]), y[idx])\n"
                    "            loss.backward()\n"
                    "            opt.step()\n"
                )
            ),
        },
        "loses": ["test_train"],
    },
    {
        "why": "shuffles the inputs but not the labels: each syndrome is trained against another shot's label",
        "cells": {
            "train": _TRAIN.format(
                body=(
                    "            loss = torch.nn.functional.binary_cross_entropy_with_logits(\n"
                    "                model(x[idx]), y[i:i + 256])\n"
                    "            opt.zero_grad()\n"
                    "            loss.backward()\n"
                    "            opt.step()\n"
                )
            ),
        },
        "loses": ["test_train"],
    },
]
