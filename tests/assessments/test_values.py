"""Answer checks that need no sandbox: choice, numeric with tolerance and units, matrix/state up to phase."""

from __future__ import annotations

import math

import pytest

from assessments.runner import values


def test_numeric_right_wrong_and_tolerance_border() -> None:
    assert values.check_numeric("0.5", 0.5, atol=0, rtol=0).fraction == 1
    assert values.check_numeric("0.51", 0.5, atol=0.01, rtol=0).fraction == 1  # on the border: inclusive
    assert values.check_numeric("0.5101", 0.5, atol=0.01, rtol=0).fraction == 0  # just past it
    assert values.check_numeric("101", 100, atol=0, rtol=0.01).fraction == 1
    assert values.check_numeric("101.2", 100, atol=0, rtol=0.01).fraction == 0
    assert values.check_numeric("1/sqrt(2)", math.sqrt(0.5), atol=1e-9, rtol=0).fraction == 1
    assert values.check_numeric("", 1, atol=0, rtol=0).feedback == "no answer"


def test_numeric_units_convert_and_refuse_wrong_dimension() -> None:
    assert values.check_numeric("0.2 us", 200, atol=0, rtol=1e-9, unit="ns").fraction == 1
    assert values.check_numeric("200", 200, atol=0, rtol=0, unit="ns").fraction == 1  # no unit: the expected one
    assert values.check_numeric("5 GHz", 5e9, atol=0, rtol=1e-9, unit="Hz").fraction == 1
    wrong = values.check_numeric("200 m", 200, atol=0, rtol=0, unit="ns")
    assert wrong.fraction == 0 and "not a unit of time" in wrong.feedback
    assert values.check_numeric("2*pi", 2 * math.pi, atol=1e-9, rtol=0, unit="rad").fraction == 1


def test_expressions_are_never_evaluated_as_python() -> None:
    for attack in ("__import__('os').system('id')", "().__class__", "9**9**9", "[1]*10**9", "x" * 500):
        with pytest.raises(values.ValueParseError):
            values.parse_number(attack)


def test_choice_single_and_multiple_partial_credit() -> None:
    assert values.check_choice(2, correct=[2], n_options=4, multiple=False).fraction == 1
    assert values.check_choice(1, correct=[2], n_options=4, multiple=False).fraction == 0
    assert values.check_choice(7, correct=[2], n_options=4, multiple=False).fraction == 0
    assert values.check_choice([0, 1], correct=[0, 1], n_options=4, multiple=True).fraction == 1
    assert values.check_choice([0], correct=[0, 1], n_options=4, multiple=True).fraction == 0.5
    assert values.check_choice([0, 2], correct=[0, 1], n_options=4, multiple=True).fraction == 0
    assert values.check_choice([0, 1, 2, 3], correct=[0, 1], n_options=4, multiple=True).fraction == 0


def test_state_vector_up_to_global_phase_only_when_asked() -> None:
    plus = [1 / math.sqrt(2), 1 / math.sqrt(2)]
    assert values.check_matrix("1/sqrt(2), 1/sqrt(2)", plus, atol=1e-6, global_phase=False).fraction == 1
    # i|+> is the same state up to a global phase
    assert values.check_matrix("i/sqrt(2), i/sqrt(2)", plus, atol=1e-6, global_phase=True).fraction == 1
    assert values.check_matrix("i/sqrt(2), i/sqrt(2)", plus, atol=1e-6, global_phase=False).fraction == 0
    # |-> differs by a relative phase: wrong either way
    assert values.check_matrix("1/sqrt(2), -1/sqrt(2)", plus, atol=1e-6, global_phase=True).fraction == 0
    assert values.check_matrix("1, 1", plus, atol=1e-6, global_phase=True).fraction == 0  # not normalised
    assert values.check_matrix("1, 0; 0, 1", [[1, 0], [0, 1]], atol=1e-9, global_phase=True).fraction == 1
    assert values.check_matrix("1, 0, 0", plus, atol=1e-6, global_phase=True).fraction == 0
