"""The quiz benchmark at a very small scale: 4 students, SQLite (one server process) and, where PostgreSQL is
there, PostgreSQL with two server processes sharing the class.

It checks what the benchmark prints, never how fast: every student's attempt graded, no answer lost, no save
refused, and the BENCH lines the issue asks for present.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_quiz_benchmark_small_run_prints_its_figures_without_loss() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_") and k != "DATABASE_URL"}
    cmd = [sys.executable, str(ROOT / "benchmarks" / "quiz.py"), "--students", "4", "--window", "2", "--threads", "2"]
    out = subprocess.run(
        [*cmd, "--processes", "2", "--lead", "1"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800
    )
    assert out.returncode == 0, out.stderr[-3000:]
    text = out.stdout
    assert "failed" not in text, text
    runs = re.findall(r"^\[(\w+)\] 4 students .*?(\d) server process\(es\).*?, (\d+) attempts graded$", text, re.M)
    assert ("sqlite", "1", "4") in runs, text
    if os.environ.get("LIANGZHI_REQUIRE_POSTGRES") == "1":
        assert ("postgres", "2", "4") in runs, text
    assert re.findall(r"^\[\w+\] lost answers (\d+), refused saves (\d+)", text, re.M) == [("0", "0")] * len(runs)
    for name in ("quiz_autosave_p95", "quiz_lost", "quiz_grading_p95_sqlite"):
        assert re.search(rf"^BENCH {name} ours=\S+ baseline=\S+ ratio=\S+ unit=\S+$", text, re.M), name
    assert re.search(r"^BENCH quiz_lost ours=0 ", text, re.M), text
