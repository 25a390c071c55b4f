"""The district benchmark at a very small scale: 2 schools, 4 classes, 40 students, SQLite.

It runs the real thing (generation, the three pages through Django's test client, the
per-student baseline) and checks what it prints, never how fast: the sizes asked for, and
every BENCH line present with positive figures.
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


def test_district_benchmark_small_run_prints_its_figures() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_") and k != "DATABASE_URL"}
    env.update(
        BENCH_DISTRICT_DB="sqlite",
        BENCH_DISTRICT_SCHOOLS="2",
        BENCH_DISTRICT_CLASSES="4",
        BENCH_DISTRICT_STUDENTS="40",
        BENCH_DISTRICT_SUBMISSIONS="400",
        BENCH_DISTRICT_REPS="3",
        BENCH_DISTRICT_BASELINE_SCHOOLS="1",
    )
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "district"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    text = out.stdout
    assert out.returncode == 0, text[-3000:] + out.stderr[-3000:]
    assert "2 schools, 4 classes, 40 students, 400 submissions" in text, text
    assert "measured" in text and "over 1 schools, scaled to all" in text, text
    bench = dict(re.findall(r"^BENCH (\S+) ours=(\S+) baseline=\S+ ratio=\S+ unit=\S+$", text, re.M))
    wanted = {
        "district_dashboard_p95",
        "school_dashboard_p95",
        "class_gradebook_p95",
        "district_dashboard_snapshot_p95",
        "school_dashboard_snapshot_p95",
    }
    assert wanted <= set(bench), text
    assert all(float(bench[name]) > 0 for name in wanted), bench
    assert int(bench["district_dashboard_queries"]) > 0
    assert "load average at start" in text and "load average at end" in text
