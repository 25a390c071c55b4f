"""Ingestion: runs INSIDE the grading sandbox, next to the participant's code and the inputs only.

Django-free and standard library + numpy (+ stim for ``make_decoder``). Copied into the job folder
as ``ingest.py`` and started with the job folder as its working directory. It imports
``submission.py``, feeds it the inputs in batches and writes the outputs as ``.npy`` files under
``outputs/``; ``result.json`` says whether it got that far. Nothing here is trusted: the scorer
outside the sandbox checks every file again.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

JOB = Path.cwd()
BATCH = 100_000


def _fail(message: str) -> NoReturn:
    (JOB / "result.json").write_text(json.dumps({"ok": False, "error": message[:2000]}))
    sys.exit(0)


def _load_submission():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("submission", JOB / "submission.py")
    if spec is None or spec.loader is None:
        _fail("submission.py could not be loaded")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["submission"] = module
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    except Exception:
        _fail("importing your submission raised:\n" + traceback.format_exc(limit=-3))
    return module


def _as_array(value, what: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    try:
        return np.asarray(value)
    except Exception:
        _fail(f"{what} did not return an array")
        raise


def run_decoder(module, spec: dict) -> dict:  # type: ignore[no-untyped-def, type-arg]
    entry = spec.get("entry_point", "decode")
    tasks = json.loads((JOB / "inputs" / "tasks.json").read_text())
    make = getattr(module, "make_decoder", None)
    default = getattr(module, entry, None)
    if make is None and not callable(default):
        _fail(f"your submission defines neither {entry}(detection_events) nor make_decoder(circuit)")
    out = JOB / "outputs"
    out.mkdir(exist_ok=True)
    timings = {}
    for task in tasks:
        decode: Any = default
        if make is not None:
            import stim

            try:
                decode = make(stim.Circuit(task["circuit"]))
            except Exception:
                _fail(f"make_decoder() raised for {task['name']}:\n" + traceback.format_exc(limit=-3))
            if not callable(decode):
                _fail(f"make_decoder() must return a function for {task['name']}")
        packed = np.load(JOB / "inputs" / f"{task['name']}.det.npy", allow_pickle=False)
        parts = []
        start = time.perf_counter()
        for lo in range(0, len(packed), BATCH):
            # unpackbits gives 0/1 bytes: a bool view of them costs no copy.
            det = np.unpackbits(packed[lo : lo + BATCH], axis=1, count=task["num_detectors"], bitorder="little")
            det = det.view(bool)
            try:
                pred = _as_array(decode(det), "decode()")
            except SystemExit:
                raise
            except Exception:
                _fail(f"decode() raised on {task['name']}:\n" + traceback.format_exc(limit=-3))
            if pred.ndim == 1 and task["num_observables"] == 1:
                pred = pred.reshape(-1, 1)
            if pred.shape != (len(det), task["num_observables"]):
                _fail(
                    f"decode() returned shape {pred.shape} on {task['name']}, "
                    f"expected ({len(det)}, {task['num_observables']})"
                )
            if pred.dtype.kind == "f" and np.isnan(pred).any():
                _fail(f"decode() returned NaN on {task['name']}")
            if pred.dtype.kind not in "biuf":
                _fail(f"decode() returned dtype {pred.dtype} on {task['name']}, expected bool")
            if pred.dtype.kind in "iu" and pred.size and (pred.max() > 1 or pred.min() < 0):
                _fail(f"decode() returned values other than 0/1 on {task['name']}")
            parts.append(pred.astype(bool, copy=False) if pred.dtype.kind in "biu" else pred)
        timings[task["name"]] = time.perf_counter() - start
        result = np.concatenate(parts) if parts else np.zeros((0, task["num_observables"]), bool)
        np.save(out / f"{task['name']}.npy", result, allow_pickle=False)
    return {"ok": True, "seconds": timings}


def run_classifier(module, spec: dict) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """The QML challenge's interface: ``model = fit(X, y)``, then ``predict(model, X)`` -> labels."""
    fit, predict = getattr(module, "fit", None), getattr(module, "predict", None)
    if not callable(fit) or not callable(predict):
        _fail("your submission must define fit(X, y) and predict(model, X)")
    data = np.load(JOB / "inputs" / "data.npz", allow_pickle=False)
    start = time.perf_counter()
    try:
        model = fit(data["x_train"], data["y_train"])
    except SystemExit:
        raise
    except Exception:
        _fail("fit() raised:\n" + traceback.format_exc(limit=-3))
    trained = time.perf_counter()
    try:
        pred = _as_array(predict(model, data["x_test"]), "predict()")
    except SystemExit:
        raise
    except Exception:
        _fail("predict() raised:\n" + traceback.format_exc(limit=-3))
    if pred.dtype.kind == "f" and np.isnan(pred).any():
        _fail("predict() returned NaN")
    out = JOB / "outputs"
    out.mkdir(exist_ok=True)
    np.save(out / "predictions.npy", pred, allow_pickle=False)
    return {"ok": True, "seconds": {"fit": trained - start, "predict": time.perf_counter() - trained}}


def main() -> None:
    spec = json.loads((JOB / "spec.json").read_text())
    sys.path.insert(0, str(JOB))
    module = _load_submission()
    runner = run_decoder if spec["task"] == "decoder" else run_classifier
    result = runner(module, spec)
    (JOB / "result.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main()
