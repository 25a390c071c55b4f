"""Numbers, units and matrices typed by people, read without ``eval``; answer checks on plain data.

Django-free and dependency-free (no numpy, no sympy), so the web process can grade the
answer types that need no teacher code (choice, numeric, matrix/state) in microseconds and
the sandbox runner can import the same rules. Expressions are parsed with :mod:`ast` and
walked over a whitelist (numbers, + - * / **, unary signs, ``i``/``j``, ``pi``, ``e`` and a
few functions); anything else is refused. Powers are bounded so ``9**9**9`` cannot hang a
worker.
"""

from __future__ import annotations

import ast
import cmath
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

MAX_EXPR_CHARS = 200
MAX_EXPONENT = 64.0

_FUNCS: dict[str, Callable[[complex], complex]] = {
    "sqrt": cmath.sqrt,
    "exp": cmath.exp,
    "sin": cmath.sin,
    "cos": cmath.cos,
    "tan": cmath.tan,
    "log": cmath.log,
    "ln": cmath.log,
}
_CONSTS: dict[str, complex] = {"pi": math.pi, "e": math.e, "i": 1j, "j": 1j, "π": math.pi}


class ValueParseError(ValueError):
    """The text is not a number this module can read."""


def _eval(node: ast.AST) -> complex:
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float | complex)
        and not isinstance(node.value, bool)
    ):
        return complex(node.value)
    if isinstance(node, ast.Name) and node.id in _CONSTS:
        return _CONSTS[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _eval(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div | ast.Pow):
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            if right == 0:
                raise ValueParseError("division by zero")
            return left / right
        if abs(right) > MAX_EXPONENT or abs(left) > 1e12:
            raise ValueParseError("power too large")
        try:
            return left**right
        except (OverflowError, ZeroDivisionError) as exc:
            raise ValueParseError(str(exc)) from None
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCS
        and len(node.args) == 1
        and not node.keywords
    ):
        try:
            return _FUNCS[node.func.id](_eval(node.args[0]))
        except (ValueError, OverflowError) as exc:
            raise ValueParseError(str(exc)) from None
    raise ValueParseError("only numbers, + - * / ^, i, pi, e and sqrt/exp/sin/cos/tan/log are allowed")


def parse_number(text: object) -> complex:
    """A number typed by a person or written by a teacher: ``0.5``, ``1/sqrt(2)``, ``-i/2``, ``2e-3``, ``e^(i*pi/4)``."""
    if isinstance(text, bool):
        raise ValueParseError("not a number")
    if isinstance(text, int | float | complex):
        return complex(text)
    if isinstance(text, list | tuple) and len(text) == 2 and all(isinstance(v, int | float) for v in text):
        return complex(text[0], text[1])  # [re, im] from a generator's JSON
    if not isinstance(text, str):
        raise ValueParseError("not a number")
    src = text.strip().replace("^", "**").replace("−", "-").replace("×", "*").replace("√", "sqrt")
    if not src or len(src) > MAX_EXPR_CHARS:
        raise ValueParseError("empty or too long")
    # "2i", "3.5j" -> "2*i": people write imaginary numbers that way
    src = re.sub(r"(\d)\s*([ij])\b", r"\1*\2", src)
    try:
        tree = ast.parse(src, mode="eval")
    except SyntaxError:
        raise ValueParseError("cannot read this as a number") from None
    value = _eval(tree)
    if not (math.isfinite(value.real) and math.isfinite(value.imag)):
        raise ValueParseError("not a finite number")
    return value


def parse_real(text: object) -> float:
    value = parse_number(text)
    if abs(value.imag) > 1e-12 * max(1.0, abs(value.real)):
        raise ValueParseError("expected a real number")
    return value.real


# ---------------------------------------------------------------------------------------
# units: a small table (pint is not a dependency; quantum-course units are few)

_PREFIX = {
    "": 1.0,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "m": 1e-3,
    "u": 1e-6,
    "µ": 1e-6,
    "μ": 1e-6,
    "n": 1e-9,
    "p": 1e-12,
    "f": 1e-15,
}
# base unit -> (dimension, factor to the dimension's SI unit)
_BASE = {
    "s": ("time", 1.0),
    "Hz": ("frequency", 1.0),
    "m": ("length", 1.0),
    "eV": ("energy", 1.602176634e-19),
    "J": ("energy", 1.0),
    "K": ("temperature", 1.0),
    "T": ("magnetic field", 1.0),
    "rad": ("angle", 1.0),
    "deg": ("angle", math.pi / 180),
    "°": ("angle", math.pi / 180),
    "W": ("power", 1.0),
    "dB": ("ratio dB", 1.0),
    "%": ("fraction", 0.01),
}
_UNPREFIXED = {"deg", "°", "%", "dB", "rad"}


def unit_factor(unit: str) -> tuple[str, float]:
    """(dimension, SI factor) of a unit such as ``ns``, ``GHz``, ``µs``, ``meV``; ValueParseError if unknown."""
    unit = unit.strip()
    if not unit:
        return ("dimensionless", 1.0)
    if unit in _BASE:
        return _BASE[unit]
    for base, (dim, factor) in _BASE.items():
        if base in _UNPREFIXED:
            continue
        if unit.endswith(base) and unit[: -len(base)] in _PREFIX:
            return (dim, factor * _PREFIX[unit[: -len(base)]])
    raise ValueParseError(f"unknown unit {unit!r}")


_QUANTITY = re.compile(r"^\s*(?P<num>.*?)\s*(?P<unit>[A-Za-zµμ°%]+)?\s*$")


def parse_quantity(text: object, *, expected_unit: str) -> float:
    """A real number with an optional unit, converted to ``expected_unit``.

    No unit typed means the expected unit. A unit of another dimension is an error the
    student sees (``"5 m" where a time is asked``).
    """
    if not isinstance(text, str):
        return parse_real(text)
    match = _QUANTITY.match(text)
    num, unit = (match.group("num"), match.group("unit") or "") if match else (text, "")
    if unit in _CONSTS or unit in _FUNCS or (unit and num.endswith(("(", "*", "/"))):
        num, unit = text, ""  # "2*pi", "1/e": the letters belong to the number
    if not unit or not expected_unit:
        if unit and not expected_unit:
            raise ValueParseError("this answer takes no unit")
        return parse_real(num if unit else text)
    dim, factor = unit_factor(unit)
    want_dim, want_factor = unit_factor(expected_unit)
    if dim != want_dim:
        raise ValueParseError(f"{unit} is not a unit of {want_dim}")
    return parse_real(num) * factor / want_factor


# ---------------------------------------------------------------------------------------
# checks


@dataclass
class Check:
    """The outcome of one answer part: a fraction of its points, and feedback for the student."""

    fraction: float
    feedback: str
    detail: dict[str, Any] | None = None


def within_tolerance(value: float, expected: float, *, atol: float, rtol: float) -> bool:
    """``|value − expected| ≤ atol + rtol·|expected|`` (numpy's isclose rule), inclusive at the border.

    A relative epsilon absorbs binary rounding at the border (0.1 + 0.2 vs 0.3).
    """
    bound = atol + rtol * abs(expected)
    return abs(value - expected) <= bound * (1 + 1e-9) + 1e-15


def check_numeric(answer: object, expected: object, *, atol: float, rtol: float, unit: str = "") -> Check:
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return Check(0.0, "no answer")
    try:
        value = parse_quantity(answer, expected_unit=unit)
    except ValueParseError as exc:
        return Check(0.0, f"cannot read the answer: {exc}")
    want = parse_real(expected)
    if within_tolerance(value, want, atol=atol, rtol=rtol):
        return Check(1.0, "correct")
    return Check(0.0, "incorrect")


def check_choice(answer: object, *, correct: Sequence[int], n_options: int, multiple: bool) -> Check:
    """``answer``: the chosen option index (single) or list of indices (multiple), in the *shown* order.

    Multiple choice gives partial credit: (right picks − wrong picks) / number right, at least 0.
    """
    picks = answer if isinstance(answer, list) else ([] if answer is None or answer == "" else [answer])
    try:
        chosen = {int(p) for p in picks}  # type: ignore[call-overload, arg-type]
    except (TypeError, ValueError):
        return Check(0.0, "invalid choice")
    if any(c < 0 or c >= n_options for c in chosen):
        return Check(0.0, "invalid choice")
    want = set(correct)
    if not multiple:
        if len(chosen) != 1:
            return Check(0.0, "choose one option")
        return Check(1.0, "correct") if chosen == want else Check(0.0, "incorrect")
    right = len(chosen & want)
    wrong = len(chosen - want)
    fraction = max(0.0, (right - wrong) / len(want)) if want else (1.0 if not chosen else 0.0)
    return Check(fraction, "correct" if fraction == 1.0 else ("partly correct" if fraction > 0 else "incorrect"))


def parse_matrix(answer: object) -> list[list[complex]]:
    """A vector (one row or one column) or matrix as lists of numbers/expressions; a vector becomes one row."""
    if isinstance(answer, str):
        rows = [r for r in re.split(r"[;\n]", answer.strip()) if r.strip()]
        grid: list[list[object]] = [[c for c in re.split(r"[,\s]+", r.strip()) if c] for r in rows]
    elif isinstance(answer, list):
        grid = [r if isinstance(r, list) else [r] for r in answer]
    else:
        raise ValueParseError("expected a list of numbers")
    if len(grid) > 64 or any(len(r) > 64 for r in grid):
        raise ValueParseError("too large")
    out = [[parse_number(c) for c in row] for row in grid]
    if not out or any(len(r) != len(out[0]) for r in out):
        raise ValueParseError("rows of different lengths")
    if len(out[0]) == 1 and len(out) > 1:
        out = [[r[0] for r in out]]  # a column vector
    return out


def check_matrix(answer: object, expected: object, *, atol: float, global_phase: bool) -> Check:
    """Entry-wise within ``atol``; with ``global_phase`` any e^{iφ} multiple of the expected counts."""
    try:
        got = parse_matrix(answer)
    except ValueParseError as exc:
        return Check(0.0, f"cannot read the answer: {exc}")
    want = parse_matrix(expected)
    if len(got) != len(want) or len(got[0]) != len(want[0]):
        return Check(0.0, f"expected {len(want)}×{len(want[0])} entries")
    flat_got = [v for r in got for v in r]
    flat_want = [v for r in want for v in r]
    phase = 1 + 0j
    if global_phase:
        k = max(range(len(flat_want)), key=lambda i: abs(flat_want[i]))
        if abs(flat_got[k]) < 1e-12:
            return Check(0.0, "incorrect")
        phase = flat_got[k] / flat_want[k]
        if abs(abs(phase) - 1) > max(atol, 1e-9) * 4:
            return Check(0.0, "incorrect (check the normalisation)")
        phase /= abs(phase)
    if all(abs(g - phase * w) <= atol for g, w in zip(flat_got, flat_want, strict=True)):
        return Check(1.0, "correct (up to a global phase)" if global_phase and abs(phase - 1) > atol else "correct")
    return Check(0.0, "incorrect")
