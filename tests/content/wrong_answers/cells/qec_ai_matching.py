"""More plausible wrong answers for content/qec-ai/assignments/matching (see test_wrong_answers_per_cell)."""

WRONG = [
    {
        "why": "builds the circuit with only the two-qubit gate noise at p: no data, reset or measurement errors",
        "cells": {
            "matching_rate": (
                "def matching_logical_error_rate(d, p, shots, seed):\n"
                "    circuit = stim.Circuit.generated(\n"
                "        'surface_code:rotated_memory_z', distance=d, rounds=d, after_clifford_depolarization=p)\n"
                "    dem = circuit.detector_error_model(decompose_errors=True)\n"
                "    matcher = pymatching.Matching.from_detector_error_model(dem)\n"
                "    det, obs = circuit.compile_detector_sampler(seed=seed).sample(shots, separate_observables=True)\n"
                "    return float(np.mean(matcher.decode_batch(det)[:, 0] != obs[:, 0]))\n"
            ),
        },
        "loses": ["test_matching_rate"],
    },
    {
        "why": "compares with == instead of !=: the fraction of shots decoded correctly, not the logical error rate",
        "cells": {
            "matching_rate": (
                "def matching_logical_error_rate(d, p, shots, seed):\n"
                "    circuit = surface_code_circuit(d, p)\n"
                "    dem = circuit.detector_error_model(decompose_errors=True)\n"
                "    matcher = pymatching.Matching.from_detector_error_model(dem)\n"
                "    det, obs = circuit.compile_detector_sampler(seed=seed).sample(shots, separate_observables=True)\n"
                "    return float(np.mean(matcher.decode_batch(det)[:, 0] == obs[:, 0]))\n"
            ),
        },
        "loses": ["test_matching_rate", "test_figure"],
    },
    {
        "why": "interpolates the crossing linearly in p, not in log p (the curves are straight lines on log-log axes)",
        "cells": {
            "crossing": (
                "def crossing_point(ps, rates_small, rates_large):\n"
                "    diff = np.log(np.asarray(rates_large, float)) - np.log(np.asarray(rates_small, float))\n"
                "    for i in range(len(ps) - 1):\n"
                "        if diff[i] < 0 <= diff[i + 1]:\n"
                "            t = -diff[i] / (diff[i + 1] - diff[i])\n"
                "            return float(ps[i] + t * (ps[i + 1] - ps[i]))\n"
                "    return None\n"
            ),
        },
        "loses": ["test_crossing"],
    },
    {
        "why": "the sign test the wrong way round: looks for where the larger code turns from worse to better",
        "cells": {
            "crossing": (
                "def crossing_point(ps, rates_small, rates_large):\n"
                "    diff = np.log(np.asarray(rates_large, float)) - np.log(np.asarray(rates_small, float))\n"
                "    lp = np.log(np.asarray(ps, float))\n"
                "    for i in range(len(ps) - 1):\n"
                "        if diff[i] > 0 >= diff[i + 1]:\n"
                "            t = -diff[i] / (diff[i + 1] - diff[i])\n"
                "            return float(np.exp(lp[i] + t * (lp[i + 1] - lp[i])))\n"
                "    return None\n"
            ),
        },
        "loses": ["test_crossing"],
    },
    {
        "why": "leaves the axes linear: the threshold plot needs log-log axes",
        "cells": {
            "figure": (
                "def threshold_figure(ps, rates):\n"
                "    fig = go.Figure()\n"
                "    for d, r in sorted(rates.items()):\n"
                "        fig.add_scatter(x=list(ps), y=list(r), mode='lines+markers', name=f'd = {d}')\n"
                "    fig.update_layout(xaxis_title='physical error rate p', yaxis_title='logical error rate')\n"
                "    return fig\n"
            ),
        },
        "loses": ["test_figure"],
    },
    {
        "why": "swaps x and y: plots p against the logical error rate",
        "cells": {
            "figure": (
                "def threshold_figure(ps, rates):\n"
                "    fig = go.Figure()\n"
                "    for d, r in sorted(rates.items()):\n"
                "        fig.add_scatter(x=list(r), y=list(ps), mode='lines+markers', name=f'd = {d}')\n"
                "    fig.update_layout(xaxis_type='log', yaxis_type='log',\n"
                "                      xaxis_title='physical error rate p', yaxis_title='logical error rate')\n"
                "    return fig\n"
            ),
        },
        "loses": ["test_figure"],
    },
]
