"""The deadline benchmark at a very small scale: 5 students, SQLite, no grading workers, no kill.

It runs the real thing (gunicorn, logins and submits over HTTP) and checks what it prints, never
how fast: every submit acknowledged, none lost, none duplicated, and the BENCH lines present.
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


def test_deadline_benchmark_small_run_prints_its_figures_without_loss() -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("BENCH_") and k not in {"DATABASE_URL", "CELERY_BROKER_URL"}
    }
    env.update(
        BENCH_DEADLINE_STUDENTS="5",
        BENCH_DEADLINE_WINDOW="5",
        BENCH_DEADLINE_GRADE="0",
        BENCH_DEADLINE_KILL="0",
        BENCH_DEADLINE_BACKENDS="sqlite",
    )
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "deadline"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    text = out.stdout
    assert out.returncode == 0, text[-3000:] + out.stderr[-3000:]
    # 5 students, one of them (20 %) submits twice with the same key: 6 submits, 5 rows.
    assert "receipts 6/6 acknowledged" in text, text
    assert "rows 5, lost 0, duplicated 0" in text, text
    bench = dict(re.findall(r"^BENCH (\S+) ours=(\S+) baseline=\S+ ratio=\S+ unit=\S+$", text, re.M))
    assert {"deadline_receipt_p95", "deadline_lost", "deadline_duplicated"} <= set(bench), text
    assert float(bench["deadline_lost"]) == 0
    assert float(bench["deadline_duplicated"]) == 0
    assert float(bench["deadline_receipt_p95"]) > 0
    assert "load average at start" in text and "load average at end" in text
