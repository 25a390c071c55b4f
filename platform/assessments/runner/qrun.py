"""The quiz program that runs *inside* the grading sandbox: one JSON request on stdin, one JSON answer on stdout.

Django-free; run as a script (``python qrun.py``) with ``liangzhi_checks`` on PYTHONPATH. Requests:

* ``{"op": "generate", "questions": [{"key", "source", "seeds": [...]}]}``: run each teacher
  generator's ``generate(seed)`` for each seed; each result is checked to be JSON data of the
  documented shape. One crashing seed never hides the others.
* ``{"op": "grade", "items": [{"id", "type": "symbolic" | "circuit", ...}]}``: answers that need
  sympy or qiskit. Student text reaches sympy only after a whitelist check of its tokens
  (``parse_expr`` evaluates), so no student input can run code here.
* ``{"op": "code", "source", "function", "calls": [[args...], ...]}``: the student's short
  code, alone in its own sandbox run; we return only what the function returned for each call.
  The expected values never enter this process: the trusted side compares.

The answer goes to stdout between markers, so anything a generator prints does not break it.
"""

from __future__ import annotations

import json
import re
import signal
import sys
import traceback
from typing import Any

BEGIN = "<<<QRUN-BEGIN>>>"
END = "<<<QRUN-END>>>"
CALL_SECONDS = 5


class _Timeout(Exception):
    pass


def _alarm(_signum: int, _frame: object) -> None:
    raise _Timeout


def _limited(fn: Any, *args: Any) -> Any:
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CALL_SECONDS)
    try:
        return fn(*args)
    finally:
        signal.alarm(0)


def _shape_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return f"returned {type(data).__name__}, expected a dict with 'params' and 'answers'"
    extra = set(data) - {"params", "answers", "distractors"}
    if extra:
        return f"returned unknown keys {sorted(extra)}"
    for key in ("params", "answers"):
        if not isinstance(data.get(key), dict):
            return f"'{key}' must be a dict"
    if "distractors" in data and not isinstance(data["distractors"], dict):
        return "'distractors' must be a dict of lists"
    try:
        text = json.dumps(data, allow_nan=False)
    except (TypeError, ValueError) as exc:
        return f"returned data that is not plain JSON: {exc}"
    if len(text) > 200_000:
        return "returned more than 200 kB"
    return None


def op_generate(req: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for q in req.get("questions", []):
        results: dict[str, Any] = {}
        namespace: dict[str, Any] = {"__name__": "generator"}
        try:
            _limited(exec, compile(q["source"], f"{q['key']}/generate.py", "exec"), namespace)
            fn = namespace.get("generate")
            if not callable(fn):
                raise TypeError("generate.py defines no function generate(seed)")
        except BaseException as exc:
            out[q["key"]] = {"error": f"generate.py fails to load: {type(exc).__name__}: {exc}"}
            continue
        for seed in q.get("seeds", []):
            try:
                data = _limited(fn, int(seed))
                problem = _shape_problem(data)
                results[str(seed)] = (
                    {"error": problem} if problem else {"data": json.loads(json.dumps(data, allow_nan=False))}
                )
            except _Timeout:
                results[str(seed)] = {"error": f"took longer than {CALL_SECONDS} s"}
            except BaseException as exc:
                last = traceback.extract_tb(exc.__traceback__)[-1:]
                where = f" (line {last[0].lineno})" if last else ""
                results[str(seed)] = {"error": f"{type(exc).__name__}: {exc}{where}"}
        out[q["key"]] = {"seeds": results}
    return {"questions": out}


_FUNCTIONS = {"sqrt", "exp", "log", "ln", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "abs"}
_CONSTANTS = {"pi", "E", "I", "e", "i"}
_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+)|([A-Za-z][A-Za-z0-9]*)|(\*\*|[-+*/^(),]))")


def _safe_math(text: str, variables: list[str]) -> str:
    """The text, if every token is a number, an operator, a bracket, a known function or a declared variable."""
    if len(text) > 300:
        raise ValueError("too long")
    pos = 0
    allowed = set(variables) | _FUNCTIONS | _CONSTANTS
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            if text[pos:].strip() == "":
                break
            raise ValueError(f"unexpected character {text[pos]!r}")
        name = match.group(2)
        if name is not None and name not in allowed:
            raise ValueError(f"unknown name {name!r}")
        pos = match.end()
    return text


def check_symbolic(answer: str, expected: str, variables: list[str]) -> tuple[bool, str]:
    import random

    import sympy
    from sympy.parsing.sympy_parser import (
        convert_xor,
        implicit_multiplication_application,
        parse_expr,
        standard_transformations,
    )

    symbols = {v: sympy.Symbol(v) for v in variables}
    local = {**symbols, "e": sympy.E, "i": sympy.I, "ln": sympy.log}
    transformations = (*standard_transformations, implicit_multiplication_application, convert_xor)

    def parse(text: str) -> Any:
        return parse_expr(_safe_math(text, variables), local_dict=local, transformations=transformations)

    try:
        want = parse(expected)
    except Exception as exc:
        return False, f"the question's answer cannot be read: {exc}"
    try:
        got = _limited(parse, answer)
    except Exception as exc:
        return False, f"cannot read the expression: {str(exc)[:120]}"
    try:
        if _limited(lambda: sympy.simplify(got - want)) == 0:
            return True, "equivalent"
    except _Timeout:
        pass
    # simplify can miss identities: compare at random points too (complex points avoid branch luck)
    rng = random.Random(12345)  # noqa: S311 (sample points, not secrets)
    for _ in range(6):
        point = {s: complex(rng.uniform(0.3, 1.7), rng.uniform(-0.5, 0.5)) for s in symbols.values()}
        try:
            a = complex(got.evalf(subs=point))
            b = complex(want.evalf(subs=point))
        except (TypeError, ValueError):
            return False, "not equivalent"
        if abs(a - b) > 1e-8 * max(1.0, abs(b)):
            return False, "not equivalent"
    return True, "equivalent"


def op_grade(req: dict[str, Any]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for item in req.get("items", []):
        try:
            if item["type"] == "symbolic":
                ok, message = check_symbolic(
                    str(item.get("answer") or ""), str(item["expected"]), item.get("variables", [])
                )
                results[item["id"]] = {"ok": ok, "message": message}
            elif item["type"] == "circuit":
                from liangzhi_checks.circuits import CircuitError, grade_circuit

                try:
                    ok, message, used = _limited(
                        lambda it=item: grade_circuit(
                            it.get("answer") or {},
                            target=it.get("target"),
                            target_state=it.get("target_state"),
                            mode=it.get("mode", "unitary"),
                            limits=it.get("limits"),
                            allowed_gates=it.get("gates"),
                        )
                    )
                    results[item["id"]] = {"ok": ok, "message": message, "resources": used}
                except CircuitError as exc:
                    results[item["id"]] = {"ok": False, "message": str(exc)}
            else:
                results[item["id"]] = {"ok": False, "message": f"unknown type {item['type']!r}"}
        except _Timeout:
            results[item["id"]] = {"ok": False, "message": "checking took too long"}
        except Exception as exc:
            results[item["id"]] = {"ok": False, "message": f"could not be checked: {type(exc).__name__}"}
    return {"results": results}


def op_code(req: dict[str, Any]) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "student"}
    try:
        _limited(exec, compile(str(req.get("source", "")), "answer.py", "exec"), namespace)
    except BaseException as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:300], "returns": []}
    fn = namespace.get(str(req.get("function")))
    if not callable(fn):
        return {"error": f"no function named {req.get('function')!r}", "returns": []}
    returns: list[Any] = []
    for args in req.get("calls", []):
        try:
            value = _limited(fn, *args)
            json.dumps(value, allow_nan=False)
            returns.append({"value": value})
        except BaseException as exc:
            returns.append({"error": f"{type(exc).__name__}: {exc}"[:200]})
    return {"returns": returns}


def main() -> None:
    req = json.loads(sys.stdin.read())
    handler = {"generate": op_generate, "grade": op_grade, "code": op_code}[req["op"]]
    answer = handler(req)
    sys.stdout.write("\n" + BEGIN + json.dumps(answer) + END + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
