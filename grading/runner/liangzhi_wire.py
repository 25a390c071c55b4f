"""Plain data across the grading channel, in both directions; imported by the student's kernel and the trusted runner.

Django-free and importable without the site (the sandbox adds this folder to ``sys.path``).

A value crosses as JSON built from exact types only: None, bool, int, float, str, lists, and tagged
objects (``{"$": tag, ...}``) for tuple, dict, set, complex, bytes, numpy arrays and scalars (no object
dtype), torch tensors (as arrays), qiskit ``QuantumCircuit`` (QPY), ``Statevector``/``Operator``/
``DensityMatrix`` (arrays), stim ``Circuit``/``DetectorErrorModel`` (text) and plotly figures (JSON).
Anything else that is callable or an object becomes a *reference* (``{"$": "ref"}``: it stays in the
process that owns it and is used through requests), except values that must never stand for data:
subclasses of the plain types (``class F(float)``, an ``int`` with ``__eq__`` always true), generators and
modules, which are *refused* — the receiver gets a value that fails on any use with a readable message.

The encoder runs wherever the value lives (in the student's kernel it is untrusted: it can send
any JSON, which is only ever data). ``decode`` is the trusted side's gate: it rebuilds exact types from
JSON and refuses any tag it does not know.
"""

from __future__ import annotations

import base64
import json
import math
import sys
import types
from collections.abc import Callable
from typing import Any

MAX_DEPTH = 100
_ND_KINDS = set("biufcUSmM")  # bool, ints, floats, complex, str, bytes, timedelta, datetime: never object/void
_TORCH_DTYPES = (
    "float16",
    "float32",
    "float64",
    "complex64",
    "complex128",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "bool",
)


class RefusedValue(TypeError):
    """A value that may not stand for an answer (not plain data)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if type(text) is not str:
        raise RefusedValue("malformed value")
    return base64.b64decode(text.encode("ascii"), validate=True)


def refusal(value: Any) -> str | None:
    """Why ``value`` may not cross as data or as a reference (None: it may)."""
    kind = type(value)
    if isinstance(value, types.ModuleType):
        return f"a module ({getattr(value, '__name__', '?')})"
    if isinstance(value, (types.GeneratorType, types.AsyncGeneratorType, types.CoroutineType)):
        return "a generator (return a list instead)"
    for base in (bool, int, float, complex, str, bytes, list, tuple, dict, set, frozenset):
        if isinstance(value, base) and kind is not base:
            return f"an object of type {kind.__name__}, a subclass of {base.__name__} (return a plain {base.__name__})"
    return None


def _np() -> Any:
    return sys.modules.get("numpy")


def encode(value: Any, ref: Callable[[Any], dict[str, Any]], depth: int = 0) -> Any:
    """JSON-ready plain data for ``value``; ``ref(obj)`` makes a reference for what is not data."""
    if depth > MAX_DEPTH:
        return {"$": "refused", "why": "a value nested too deeply"}
    kind = type(value)
    if value is None or kind is bool or kind is int or kind is str:
        return value
    if kind is float:
        return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
    if kind is complex:
        return {"$": "complex", "re": encode(value.real, ref), "im": encode(value.imag, ref)}
    if kind is bytes:
        return {"$": "bytes", "b64": _b64(value)}
    if kind is list:
        return [encode(v, ref, depth + 1) for v in value]
    if kind is tuple:
        return {"$": "tuple", "items": [encode(v, ref, depth + 1) for v in value]}
    if kind is dict:
        return {
            "$": "dict",
            "items": [[encode(k, ref, depth + 1), encode(v, ref, depth + 1)] for k, v in value.items()],
        }
    if kind is set or kind is frozenset:
        return {"$": kind.__name__, "items": [encode(v, ref, depth + 1) for v in value]}
    np = _np()
    if np is not None:
        if kind is np.ndarray:
            if value.dtype.kind not in _ND_KINDS:
                return {"$": "refused", "why": f"a numpy array of dtype {value.dtype} (use numbers)"}
            arr = np.ascontiguousarray(value)
            return {"$": "nd", "dtype": arr.dtype.str, "shape": list(arr.shape), "b64": _b64(arr.tobytes())}
        if isinstance(value, np.generic) and kind.__module__ == "numpy":
            if value.dtype.kind not in _ND_KINDS:
                return {"$": "refused", "why": f"a numpy scalar of dtype {value.dtype}"}
            return {"$": "npscalar", "dtype": value.dtype.str, "b64": _b64(np.asarray(value).tobytes())}
    if kind.__name__ == "Counts" and kind.__module__.startswith("qiskit.result"):
        # qiskit's measurement counts: a dict of bit strings to ints, crossing as a plain dict
        return encode({str(k): int(v) for k, v in dict.items(value)}, ref, depth + 1)
    why = refusal(value)
    if why is not None:
        return {"$": "refused", "why": why}
    torch = sys.modules.get("torch")
    if torch is not None and kind in (torch.Tensor, torch.nn.Parameter):
        t = value.detach().cpu().contiguous()
        name = str(t.dtype).removeprefix("torch.")
        if name not in _TORCH_DTYPES:
            t, name = t.to(torch.float64), "float64"
        return {
            "$": "torch",
            "dtype": name,
            "requires_grad": bool(value.requires_grad),
            "array": encode(t.numpy(), ref, depth + 1),
        }
    module = kind.__module__ or ""
    if module.startswith("qiskit"):
        from qiskit import QuantumCircuit
        from qiskit.quantum_info import DensityMatrix, Operator, Statevector

        if kind is QuantumCircuit:
            import io

            from qiskit import qpy

            buf = io.BytesIO()
            qpy.dump(value, buf)
            return {"$": "qpy", "b64": _b64(buf.getvalue())}
        if kind is Statevector or kind is DensityMatrix:
            return {"$": kind.__name__, "data": encode(np.asarray(value.data), ref), "dims": list(value.dims())}
        if kind is Operator:
            return {
                "$": "Operator",
                "data": encode(np.asarray(value.data), ref),
                "input_dims": list(value.input_dims()),
                "output_dims": list(value.output_dims()),
            }
    if module.startswith("stim"):
        stim = sys.modules["stim"]
        if kind is stim.Circuit or kind is stim.DetectorErrorModel:
            return {"$": "stim." + kind.__name__, "text": str(value)}
    if module.startswith("plotly") and kind.__name__ == "Figure":
        import plotly.graph_objects as go

        if kind is go.Figure:
            return {"$": "plotly", "json": value.to_json()}
    return ref(value)


def decode(data: Any, resolve: Callable[[dict[str, Any]], Any], depth: int = 0) -> Any:
    """Rebuild a value from JSON produced by ``encode``; refs go to ``resolve``. Strict: unknown → RefusedValue."""
    if depth > MAX_DEPTH:
        raise RefusedValue("a value nested too deeply")
    kind = type(data)
    if data is None or kind is bool or kind is int or kind is float or kind is str:
        return data
    if kind is list:
        return [decode(v, resolve, depth + 1) for v in data]
    if kind is not dict:
        raise RefusedValue("malformed value")
    tag = data.get("$")
    if tag == "float":
        text = data.get("v")
        if text not in ("nan", "inf", "-inf"):
            raise RefusedValue("malformed float")
        return float(text)
    if tag == "complex":
        re, im = decode(data.get("re"), resolve), decode(data.get("im"), resolve)
        if type(re) not in (int, float) or type(im) not in (int, float):
            raise RefusedValue("malformed complex")
        return complex(re, im)
    if tag == "bytes":
        return _unb64(data.get("b64"))
    if tag in ("tuple", "set", "frozenset"):
        items = data.get("items")
        if type(items) is not list:
            raise RefusedValue("malformed value")
        values = [decode(v, resolve, depth + 1) for v in items]
        return {"tuple": tuple, "set": set, "frozenset": frozenset}[tag](values)
    if tag == "dict":
        items = data.get("items")
        if type(items) is not list or any(type(p) is not list or len(p) != 2 for p in items):
            raise RefusedValue("malformed value")
        return {decode(k, resolve, depth + 1): decode(v, resolve, depth + 1) for k, v in items}
    if tag == "nd":
        import numpy as np

        dtype = np.dtype(str(data.get("dtype")))
        shape = data.get("shape")
        if dtype.kind not in _ND_KINDS or dtype.fields is not None:
            raise RefusedValue(f"a numpy array of dtype {dtype}")
        if type(shape) is not list or any(type(n) is not int or n < 0 for n in shape):
            raise RefusedValue("malformed array")
        raw = _unb64(data.get("b64"))
        if len(raw) != math.prod(shape) * dtype.itemsize:
            raise RefusedValue("malformed array")
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if tag == "npscalar":
        import numpy as np

        dtype = np.dtype(str(data.get("dtype")))
        raw = _unb64(data.get("b64"))
        if dtype.kind not in _ND_KINDS or dtype.fields is not None or len(raw) != dtype.itemsize:
            raise RefusedValue("malformed numpy scalar")
        return np.frombuffer(raw, dtype=dtype)[0]
    if tag == "torch":
        import numpy as np
        import torch

        name = data.get("dtype")
        arr = decode(data.get("array"), resolve, depth + 1)
        if name not in _TORCH_DTYPES or type(arr) is not np.ndarray:
            raise RefusedValue("malformed tensor")
        tensor = torch.from_numpy(np.array(arr)).to(getattr(torch, name))
        if data.get("requires_grad") is True and tensor.is_floating_point():
            tensor.requires_grad_(True)
        return tensor
    if tag == "qpy":
        import io

        from qiskit import QuantumCircuit, qpy

        circuits = qpy.load(io.BytesIO(_unb64(data.get("b64"))))
        if len(circuits) != 1 or type(circuits[0]) is not QuantumCircuit:
            raise RefusedValue("malformed circuit")
        return circuits[0]
    if tag in ("Statevector", "DensityMatrix", "Operator"):
        import numpy as np
        from qiskit import quantum_info as qi

        arr = decode(data.get("data"), resolve, depth + 1)
        if type(arr) is not np.ndarray:
            raise RefusedValue("malformed state")
        if tag == "Operator":
            return qi.Operator(
                arr, input_dims=_dims(data.get("input_dims")), output_dims=_dims(data.get("output_dims"))
            )
        return getattr(qi, tag)(arr, dims=_dims(data.get("dims")))
    if tag in ("stim.Circuit", "stim.DetectorErrorModel"):
        import stim

        text = data.get("text")
        if type(text) is not str:
            raise RefusedValue("malformed stim value")
        return stim.Circuit(text) if tag == "stim.Circuit" else stim.DetectorErrorModel(text)
    if tag == "plotly":
        import plotly.io as pio

        text = data.get("json")
        if type(text) is not str:
            raise RefusedValue("malformed figure")
        return pio.from_json(text, skip_invalid=False)
    if tag in ("ref", "cb", "refused", "missing"):
        return resolve(data)
    raise RefusedValue(f"unknown value kind {str(tag)[:40]!r}")


def _dims(value: Any) -> tuple[int, ...] | None:
    if value is None:
        return None
    if type(value) is not list or any(type(n) is not int or n < 1 for n in value):
        raise RefusedValue("malformed dims")
    return tuple(value)


# ---------------------------------------------------------------------------------------------
# The student's side: requests served inside the kernel (answers are only ever data or references).

REFS: dict[int, Any] = {}
_LAST: list[str] = [""]
CB_PREFIX = "\x00liangzhi-cb:"
MAX_ITER = 100_000


def _student_ref(obj: Any) -> dict[str, Any]:
    key = len(REFS) + 1
    REFS[key] = obj
    return {"$": "ref", "id": key, "type": type(obj).__name__[:80], "callable": callable(obj)}


def _student_resolve(data: dict[str, Any]) -> Any:
    tag = data.get("$")
    if tag == "ref":
        return REFS[int(data["id"])]
    if tag == "cb":
        return _callback_stub(int(data["id"]), str(data.get("name", "function"))[:80])
    raise RefusedValue(str(tag))


def _callback_stub(key: int, name: str) -> Callable[..., Any]:
    """A test's own function handed to student code: calling it asks the trusted side, with plain data."""
    raw_input = _raw_input()

    def call(*args: Any, **kwargs: Any) -> Any:
        payload = json.dumps(
            {"cb": key, "args": encode(list(args), _student_ref), "kwargs": encode(kwargs, _student_ref)}
        )
        reply = json.loads(raw_input(CB_PREFIX + payload))
        if "error" in reply:
            raise RuntimeError(f"{name}: {reply['error']}")
        return decode(reply["ok"], _student_resolve)

    call.__name__ = call.__qualname__ = name
    return call


def _raw_input() -> Callable[[str], str]:
    from IPython import get_ipython

    kernel = get_ipython().kernel
    return kernel.raw_input  # type: ignore[no-any-return]


def serve(request_json: str) -> None:
    """Answer one request from the trusted side; the reply is read back with ``take()``."""
    try:
        reply = _serve(json.loads(request_json))
    except Exception as exc:  # the student's code raised: its name and message only
        reply = {"error": {"ename": type(exc).__name__, "evalue": str(exc)[:2000]}}
    _LAST[0] = json.dumps(reply)


def take() -> str:
    text, _LAST[0] = _LAST[0], ""
    return text


def _is_circuit(value: Any) -> bool:
    """A Qiskit QuantumCircuit (crosses as QPY; a call may change it in place)."""
    cls = type(value)
    return cls.__name__ == "QuantumCircuit" and cls.__module__.startswith("qiskit.")


def _serve(req: dict[str, Any]) -> dict[str, Any]:
    from IPython import get_ipython

    op = req.get("op")
    if op == "fetch":
        ns = get_ipython().user_ns
        items = [[name, encode(ns[name], _student_ref) if name in ns else {"$": "missing"}] for name in req["names"]]
        return {"ok": {"$": "dict", "items": items}}
    if op == "set":
        get_ipython().user_ns[str(req["name"])] = decode(req["value"], _student_resolve)
        return {"ok": None}
    if op == "del":
        get_ipython().user_ns.pop(str(req["name"]), None)
        return {"ok": None}
    obj = REFS[int(req["ref"])]
    if op == "call":
        args = decode(req["args"], _student_resolve)
        kwargs = decode(req["kwargs"], _student_resolve)
        value = obj(*args, **kwargs)
        # What the call did to its mutable arguments (nbgrader's tests may check an argument was not
        # changed, or rely on a function filling one in): their state after the call, as data.
        np = _np()
        mutable = (list, dict) if np is None else (list, dict, np.ndarray)
        after = [encode(a, _student_ref) if type(a) in mutable or _is_circuit(a) else None for a in args]
        return {"ok": encode(value, _student_ref), "args_after": after}
    elif op == "attr":
        name = str(req["name"])
        if name.startswith("__"):
            raise AttributeError(name)
        value = getattr(obj, name)
    elif op == "item":
        value = obj[decode(req["key"], _student_resolve)]
    elif op == "len":
        value = len(obj)
    elif op == "iter":
        value = []
        for item in obj:
            value.append(item)
            if len(value) > MAX_ITER:
                raise ValueError("too many items")
    else:
        raise ValueError(f"unknown request {op!r}")
    return {"ok": encode(value, _student_ref)}


# ---------------------------------------------------------------------------------------------
# Names: which a cell binds at top level, which it reads (both sides use the same rules).


def bound_names(source: str) -> set[str]:
    """Names a cell binds at its top level (assignments, imports, defs, loops, with), not inside functions."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            return
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def used_names(source: str) -> set[str]:
    """Every name a cell mentions anywhere (functions it defines included)."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
