"""Benchmark group ``dashboard``: a course of 500 students × 20 assignments.

Times the course dashboard, the gradebook (page 1 and the CSV of every row) and a student's
progress page server-side (Django's test client: URL routing, middleware, selectors,
plotly figures, templates; no network), p50/p95 over repeated requests, and counts the
queries of each. Runs once on SQLite (a fresh file) and once on PostgreSQL (a database
created for the run, postgres://postgres@127.0.0.1:5432 by default, trust auth; skipped
with a line if PostgreSQL is not there).

Baseline, measured in the same run on the same data: the straightforward gradebook that
asks the database once per student and activity for the latest submission (the N+1 shape
our selectors avoid), timed over fewer repetitions.

    make bench BENCH=dashboard            # both databases
    python benchmarks/dashboard.py --db sqlite --students 500 --activities 20
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PG_BASE = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
PG_DB = "liangzhi_bench_dashboard"


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


# ---------------------------------------------------------------------------------------
# inside one database (a child process with DATABASE_URL set)


def _setup_django() -> None:
    # This file is named like the Django app it measures: benchmarks/ must not shadow
    # platform/dashboard on the path of the child process.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    if getattr(sys.modules.get("dashboard"), "__file__", None) == __file__:
        del sys.modules["dashboard"]
    for path in (str(ROOT), str(ROOT / "platform")):
        if path not in sys.path:
            sys.path.insert(0, path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _generate(students: int, activities: int, seed: int = 1) -> dict[str, Any]:
    import random
    from datetime import timedelta
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from courses.enums import ActivityKind, Role
    from courses.models import Activity, ActivityVersion, Course, Enrollment, Unit
    from grading.models import Extension, ManualGrade, Override, ScoreRelease, Submission

    rng = random.Random(seed)
    now = timezone.now()
    User = get_user_model()
    teacher = User.objects.create_user(username="bench-teacher")
    course = Course.objects.create(slug="bench", title="Benchmark course")
    Enrollment.objects.create(course=course, user=teacher, role=Role.TEACHER)
    unit = Unit.objects.create(course=course, slug="u", title="Unit")
    acts = []
    for i in range(activities):
        a = Activity.objects.create(
            course=course,
            unit=unit,
            slug=f"a{i:02d}",
            title=f"Assignment {i + 1}",
            kind=ActivityKind.ASSIGNMENT,
            order=i,
            points=10,
            release_at=now - timedelta(days=7 * (activities - i) + 7),
            due_at=now - timedelta(days=7 * (activities - i) - 5),
            concepts=[f"c{i % 7}", f"c{(i + 3) % 7}"],
        )
        cells = [
            {"grade_id": f"q{j}", "points": 2, "kind": "manual" if j == 4 else "autograded_test"} for j in range(5)
        ]
        v = ActivityVersion.objects.create(
            activity=a,
            number=1,
            digest=f"{i:064d}",
            facts={"max_points": 10, "notebooks": [{"notebook": "n.ipynb", "cells": cells, "max_points": 10}]},
        )
        a.current_version = v
        a.save(update_fields=["current_version"])
        acts.append(a)
    users = User.objects.bulk_create([User(username=f"s{i:04d}", display_name=f"Student {i}") for i in range(students)])
    users = list(User.objects.filter(username__startswith="s").order_by("username"))
    Enrollment.objects.bulk_create([Enrollment(course=course, user=u, role=Role.STUDENT) for u in users])
    subs = []
    for u in users:
        ability = rng.uniform(0.2, 1.0)
        for a in acts:
            if rng.random() > 0.9:
                continue  # missing
            for attempt in range(2 if rng.random() < 0.3 else 1):
                cells = []
                for j in range(5):
                    if j == 4:
                        cells.append(
                            {
                                "grade_id": "q4",
                                "kind": "manual",
                                "max_points": 2,
                                "score": None,
                                "status": "needs grading",
                            }
                        )
                        continue
                    ok = rng.random() < ability
                    c = {
                        "grade_id": f"q{j}",
                        "kind": "autograded_test",
                        "max_points": 2,
                        "score": 2.0 if ok else 0.0,
                        "status": "passed" if ok else "failed",
                    }
                    if not ok:
                        c["message"] = f"AssertionError: check {j} failed"
                    cells.append(c)
                at = a.release_at + timedelta(hours=rng.uniform(1, 24 * 12))
                late = max(0, int((at - a.due_at).total_seconds()))
                subs.append(
                    Submission(
                        activity=a,
                        version=a.current_version,
                        user=u,
                        received_at=at,
                        blob="0" * 64,
                        size=1000,
                        source="lab",
                        idempotency_key=f"{a.pk}-{u.pk}-{attempt}",
                        status="graded",
                        late_seconds=late,
                        penalty=Decimal("0.1") if late else Decimal(0),
                        graded_at=at + timedelta(seconds=20),
                        auto_score=Decimal(str(sum(c["score"] or 0 for c in cells))),
                        max_score=Decimal(10),
                        cells=cells,
                    )
                )
    Submission.objects.bulk_create(subs, batch_size=2000)
    ids = list(Submission.objects.values_list("pk", flat=True))
    ManualGrade.objects.bulk_create(
        [
            ManualGrade(submission_id=sid, grade_id="q4", score=Decimal(1), graded_by=teacher)
            for sid in rng.sample(ids, len(ids) // 2)
        ],
        batch_size=2000,
    )
    Override.objects.bulk_create(
        [
            Override(submission_id=sid, score=Decimal(7), reason="bench", created_by=teacher)
            for sid in rng.sample(ids, 50)
        ]
    )
    Extension.objects.bulk_create(
        [
            Extension(activity=rng.choice(acts), user=u, due_at=now + timedelta(days=3), granted_by=teacher)
            for u in rng.sample(users, 40)
        ],
        ignore_conflicts=True,
    )
    ScoreRelease.objects.bulk_create(
        [ScoreRelease(activity=a, hidden=False, released_at=now, released_by=teacher) for a in acts[: activities // 2]]
    )
    return {
        "teacher": teacher,
        "student": users[0],
        "course": course,
        "activities": acts,
        "users": users,
        "submissions": len(subs),
    }


def _naive_gradebook(course: Any, acts: list[Any], users: list[Any]) -> int:
    """The N+1 shape: one query per student and activity (the baseline)."""
    from grading.models import Submission

    n = 0
    for u in users:
        for a in acts:
            s = (
                Submission.objects.filter(user=u, activity=a)
                .order_by("-received_at")
                .only("auto_score", "penalty")
                .first()
            )
            n += s is not None
    return n


def child(students: int, activities: int, reps: int, label: str) -> dict[str, Any]:
    _setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    data = _generate(students, activities)
    gen_s = time.perf_counter() - started
    teacher_client = Client()
    teacher_client.force_login(data["teacher"])
    student_client = Client()
    student_client.force_login(data["student"])
    pages = {
        "dashboard": (teacher_client, "/courses/bench/dashboard/"),
        "gradebook": (teacher_client, "/courses/bench/gradebook/"),
        "gradebook_csv": (teacher_client, "/courses/bench/gradebook.csv"),
        "progress": (student_client, "/courses/bench/progress/"),
    }
    out: dict[str, Any] = {
        "db": label,
        "students": students,
        "activities": activities,
        "submissions": data["submissions"],
        "generate_s": gen_s,
    }
    for name, (client, url) in pages.items():
        client.get(url)  # warm: plotly import, template compile
        times = []
        cpu = []
        for _ in range(reps):
            with CaptureQueriesContext(connection) as ctx:
                t0, c0 = time.perf_counter(), time.process_time()
                response = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        out[name] = {
            "p50": _pct(times, 0.5),
            "p95": _pct(times, 0.95),
            "cpu_p50": _pct(cpu, 0.5),
            "cpu_p95": _pct(cpu, 0.95),
            "queries": len(ctx.captured_queries),
            "bytes": len(response.content),
        }
    naive = []
    counted = [0]

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        counted[0] += 1
        return execute(sql, params, many, context)

    for _ in range(max(2, reps // 10)):
        counted[0] = 0
        with connection.execute_wrapper(count):
            t0 = time.perf_counter()
            _naive_gradebook(data["course"], data["activities"], data["users"])
            naive.append((time.perf_counter() - t0) * 1000)
    out["load"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    out["naive"] = {"p50": _pct(naive, 0.5), "p95": _pct(naive, 0.95), "queries": counted[0]}
    return out


# ---------------------------------------------------------------------------------------
# the parent: one child per database


def _run_child(db: str, url: str, args: argparse.Namespace) -> dict[str, Any] | None:
    env = dict(os.environ)
    env["DATABASE_URL"] = url
    # No hub in the benchmark: a closed port answers at once, the page shows "unavailable".
    env.setdefault("HUB_URL", "http://127.0.0.1:9")
    env.setdefault("HUB_API_TOKEN", "bench")
    # Persistent connections, as a deployment runs (DATABASE_CONN_MAX_AGE): otherwise every
    # request also pays for a new PostgreSQL connection, which is not the page's cost.
    env.setdefault("DATABASE_CONN_MAX_AGE", "60")
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--db",
        db,
        "--students",
        str(args.students),
        "--activities",
        str(args.activities),
        "--reps",
        str(args.reps),
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800, check=False)
    if proc.returncode != 0:
        print(f"[{db}] failed:\n{proc.stderr[-3000:]}")
        return None
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _postgres_ready() -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}"')
            conn.execute(f'CREATE DATABASE "{PG_DB}"')
        return True
    except Exception as exc:  # no PostgreSQL here: say so, measure SQLite anyway
        print(f"PostgreSQL not available at {PG_BASE}: {exc}")
        return False


def _drop_postgres() -> None:
    try:
        import psycopg

        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}"')
    except Exception as exc:
        print(f"could not drop {PG_DB}: {exc}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--students", type=int, default=int(os.environ.get("BENCH_DASHBOARD_STUDENTS", 500)))
    parser.add_argument("--activities", type=int, default=int(os.environ.get("BENCH_DASHBOARD_ACTIVITIES", 20)))
    parser.add_argument("--reps", type=int, default=int(os.environ.get("BENCH_DASHBOARD_REPS", 20)))
    args = parser.parse_args(argv if argv is not None else [])
    if args.child:
        print(json.dumps(child(args.students, args.activities, args.reps, args.db)))
        return
    results = []
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            res = _run_child("sqlite", f"sqlite:///{tmp}/bench.sqlite3", args)
            if res:
                results.append(res)
    if args.db in ("postgres", "both") and _postgres_ready():
        try:
            res = _run_child("postgres", f"{PG_BASE}/{PG_DB}", args)
            if res:
                results.append(res)
        finally:
            _drop_postgres()
    for r in results:
        db = r["db"]
        print(
            f"[{db}] {r['students']} students × {r['activities']} assignments, {r['submissions']} submissions (generated in {r['generate_s']:.1f} s)"
        )
        for page in ("dashboard", "gradebook", "gradebook_csv", "progress"):
            p = r[page]
            print(
                f"[{db}] {page:14s} p50 {p['p50']:7.1f} ms  p95 {p['p95']:7.1f} ms  "
                f"(web-process CPU p50 {p['cpu_p50']:6.1f} p95 {p['cpu_p95']:6.1f})  queries {p['queries']:3d}  {p['bytes'] / 1024:.0f} KiB"
            )
        n = r["naive"]
        print(f"[{db}] baseline (N+1 gradebook) p50 {n['p50']:.1f} ms  queries {n['queries']}")
        print(
            f"[{db}] load average during the run: {r.get('load', '?')} (wall times on a shared machine include waiting for a CPU)"
        )
    for r in results:
        db = r["db"]
        base = r["naive"]
        for page in ("dashboard", "gradebook", "gradebook_csv", "progress"):
            p = r[page]
            print(
                f"BENCH dashboard_{page}_p95_{db} ours={p['p95']:.1f} baseline={base['p95']:.1f} ratio={p['p95'] / base['p95']:.3f} unit=ms"
            )
            print(
                f"BENCH dashboard_{page}_p50_{db} ours={p['p50']:.1f} baseline={base['p50']:.1f} ratio={p['p50'] / base['p50']:.3f} unit=ms"
            )
            print(
                f"BENCH dashboard_{page}_cpu_p95_{db} ours={p['cpu_p95']:.1f} baseline={base['p95']:.1f} ratio={p['cpu_p95'] / base['p95']:.3f} unit=ms"
            )
            print(
                f"BENCH dashboard_{page}_queries_{db} ours={p['queries']} baseline={base['queries']} ratio={p['queries'] / base['queries']:.4f} unit=queries"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
