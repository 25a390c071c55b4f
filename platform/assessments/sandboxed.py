"""Calls into the grading sandbox for quizzes: teacher generators, sympy/qiskit checks, short code.

Used by the import (generators for a range of seeds), by the worker (a variant's first
generation, grading an attempt) and never by a web request for anything slow: the web process
only reads cached variants. Each call is one fresh ``sandbox_run`` of ``runner/qrun.py``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings

RUNNER = Path(__file__).resolve().parent / "runner"
KERNEL_LIB = Path(settings.REPO_DIR) / "grading" / "kernel_lib"


class QuizSandboxError(RuntimeError):
    """The sandbox could not run or answered nothing readable (a platform problem, not the teacher's)."""


def sandbox_available() -> bool:
    from grading.runner.sandbox import sandbox_probe

    return bool(sandbox_probe()["isolated"]) or bool(settings.GRADING_ALLOW_UNSAFE)


def qrun(request: dict[str, Any], *, wall_seconds: float = 120.0) -> dict[str, Any]:
    """Run one request through ``qrun.py`` in a fresh sandbox and return its JSON answer."""
    import sys

    from grading.runner.sandbox import SandboxLimits, sandbox_run

    from .runner.qrun import BEGIN, END

    limits = SandboxLimits(memory_mb=1024, cpu_seconds=int(wall_seconds), wall_seconds=wall_seconds, cpu_cores=1.0)
    root = Path(settings.DATA_DIR) / "grading-jobs"
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="quiz-", dir=root) as tmp:
        job = Path(tmp)
        job.chmod(0o755)
        script = job / "qrun.py"
        script.write_text((RUNNER / "qrun.py").read_text(encoding="utf-8"), encoding="utf-8")
        result = sandbox_run(
            [sys.executable, str(script)],
            job_dir=job,
            limits=limits,
            env={"PYTHONPATH": str(KERNEL_LIB), "PYTHONDONTWRITEBYTECODE": "1"},
            ro_paths=[KERNEL_LIB],
            stdin=json.dumps(request).encode(),
            allow_unsafe=bool(settings.GRADING_ALLOW_UNSAFE),
        )
    out = result.stdout
    start = out.rfind(BEGIN)
    end = out.rfind(END)
    if result.status != "ok" or start < 0 or end < start:
        tail = (result.stderr or out)[-400:]
        raise QuizSandboxError(f"quiz sandbox {result.status} (exit {result.exit_code}): {tail}")
    data: dict[str, Any] = json.loads(out[start + len(BEGIN) : end])
    return data


def generate_variants(questions: list[dict[str, Any]]) -> dict[str, Any]:
    """``[{"key", "source", "seeds"}]`` -> ``{key: {"seeds": {seed: {"data"|"error"}}} | {"error"}}``."""
    if not questions:
        return {}
    return dict(qrun({"op": "generate", "questions": questions})["questions"])


def grade_items(items: list[dict[str, Any]]) -> dict[str, Any]:
    if not items:
        return {}
    return dict(qrun({"op": "grade", "items": items})["results"])


def run_code(*, source: str, function: str, calls: list[list[Any]]) -> dict[str, Any]:
    return qrun({"op": "code", "source": source, "function": function, "calls": calls}, wall_seconds=30.0)
