"""More plausible wrong answers for content/qml/assignments/data-reuploading (see test_wrong_answers_per_cell)."""

_Z = (
    "def reupload_z(x, theta):\n"
    "    def rx(t):\n"
    "        return np.array([[np.cos(t / 2), -1j * np.sin(t / 2)], [-1j * np.sin(t / 2), np.cos(t / 2)]])\n"
    "    def ry(t):\n"
    "        return np.array([[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]], dtype=complex)\n"
    "    def rz(t):\n"
    "        return np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])\n"
    "    out = []\n"
    "    for xi in np.asarray(x, dtype=float):\n"
    "        psi = np.array([1, 0], dtype=complex)\n"
    "        for l, (a, b, c) in enumerate(theta):\n"
    "            if {upload}:\n"
    "                psi = rx(xi) @ psi\n"
    "            psi = {gates} @ psi\n"
    "        out.append(abs(psi[0]) ** 2 - abs(psi[1]) ** 2)\n"
    "    return np.array(out)\n"
)
_FOURIER = (
    "def fourier_coefficients(f, L):\n"
    "    n = 2 * L + 1\n"
    "    x = 2 * np.pi * np.arange(n) / n\n"
    "    c = np.fft.fft(f(x)){scale}\n"
    "    return {ret}\n"
)

WRONG = [
    {
        "why": "uploads x before every layer, the first included: L + 1 uploads instead of L",
        "cells": {"reupload_z": _Z.format(upload="True", gates="rz(c) @ ry(b) @ rz(a)")},
        "loses": ["test_reupload_z"],
    },
    {
        "why": "writes the layer's matrices in circuit order, RZ(a) RY(b) RZ(c): the matrix product applies them "
        "right to left, so RZ(c) acts first",
        "cells": {"reupload_z": _Z.format(upload="l > 0", gates="rz(a) @ ry(b) @ rz(c)")},
        "loses": ["test_reupload_z"],
    },
    {
        "why": "returns the FFT in its own order (k = 0..L, then -L..-1) instead of k = -L..L",
        "cells": {"fourier_coefficients": _FOURIER.format(scale=" / n", ret="c")},
        "loses": ["test_fourier_coefficients"],
    },
    {
        "why": "forgets to divide the FFT by the number of samples",
        "cells": {"fourier_coefficients": _FOURIER.format(scale="", ret="np.concatenate([c[L + 1:], c[:L + 1]])")},
        "loses": ["test_fourier_coefficients"],
    },
    {
        "why": "lists the coefficients from k = L down to -L (reversed): right only for a function with c_k = c_-k",
        "cells": {
            "fourier_coefficients": _FOURIER.format(scale=" / n", ret="np.concatenate([c[L + 1:], c[:L + 1]])[::-1]")
        },
        "loses": ["test_fourier_coefficients"],
    },
]
