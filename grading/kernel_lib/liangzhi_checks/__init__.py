"""Quantum-aware checks for assignment tests (states up to phase, counts within shot noise, ...).

Importable in the student's kernel and in the grading sandbox; imports nothing from the site.
Submodules: ``quantum`` (re-exported here), and course-specific helpers (``qec``, ...).
"""

from .quantum import (
    assert_circuit_within,
    assert_counts_close,
    assert_states_equal,
    assert_unitaries_equal,
    circuit_resources,
    counts_close,
    states_equal,
    unitaries_equal,
)

__all__ = [
    "assert_circuit_within",
    "assert_counts_close",
    "assert_states_equal",
    "assert_unitaries_equal",
    "circuit_resources",
    "counts_close",
    "states_equal",
    "unitaries_equal",
]
