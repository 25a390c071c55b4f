"""Benchmark group ``district``: 1 district, 40 schools, 1,200 classes, 40,000 students, 400,000 submissions.

Times, server-side (Django's test Client: routing, middleware, selectors, plotly figures,
templates; no network), the district dashboard, one school's dashboard and one class's
gradebook, p50/p95 over ``BENCH_DISTRICT_REPS`` requests each (20 by default), and counts
their queries. The district's per-class scores are a snapshot
(``DASHBOARD_DISTRICT_SNAPSHOT_SECONDS``): its p95 is over views that find the snapshot, and
the cost of taking one (a view that finds none) is timed and printed on its own line, beside
the same page computed on every view (snapshot off).

Baseline, measured in the same run on the same data: the per-row shape, one student at a
time through the same scoring rule (``grading.analytics.course_grades`` for one user: the
gradebook's own path for one student), summed into the same tallies. The district's
baseline walks ``BENCH_DISTRICT_BASELINE_SCHOOLS`` schools (1 by default, all of them with
``0``) and is scaled to the district by its number of students; the line says so.

Data: each class takes two district course templates of five assignments; every student
hands in ``submissions / students`` times, some activities skipped and others tried twice;
one assignment per template has a manually graded cell (half of those graded by hand), a few
overrides, late work with its penalty, lab starts over the last fortnight. Users, memberships
and enrolments go in with ``bulk_create``, submissions (and the rest) with PostgreSQL's COPY,
in batches. PostgreSQL: a database of its own (``liangzhi_bench_district`` at
``BENCH_POSTGRES_URL``, postgres://postgres@127.0.0.1:5432 by default), dropped at the end.

    make bench BENCH=district
    BENCH_DISTRICT_DB=sqlite BENCH_DISTRICT_SCHOOLS=2 ... python benchmarks/run.py district
"""

from __future__ import annotations

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
PG_DB = "liangzhi_bench_district"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _sizes() -> dict[str, int]:
    return {
        "schools": _env_int("BENCH_DISTRICT_SCHOOLS", 40),
        "classes": _env_int("BENCH_DISTRICT_CLASSES", 1200),
        "students": _env_int("BENCH_DISTRICT_STUDENTS", 40_000),
        "submissions": _env_int("BENCH_DISTRICT_SUBMISSIONS", 400_000),
        "reps": _env_int("BENCH_DISTRICT_REPS", 20),
        "baseline_schools": _env_int("BENCH_DISTRICT_BASELINE_SCHOOLS", 1),
    }


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


# ---------------------------------------------------------------------------------------
# inside one database (a child process with DATABASE_URL set)


def _setup_django() -> None:
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    for path in (str(ROOT), str(ROOT / "platform")):
        if path not in sys.path:
            sys.path.insert(0, path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _copy(model: Any, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Rows into the model's table: COPY on PostgreSQL, batched INSERTs elsewhere (the smoke test)."""
    from django.db import connection

    table = model._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor
            cols = ", ".join(f'"{c}"' for c in columns)
            with raw.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(columns))
    cols = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 2000):
            sql = f'INSERT INTO "{table}" ({cols}) VALUES ({marks})'  # noqa: S608 (names from the model; values bound)
            cursor.executemany(sql, rows[i : i + 2000])


def _generate(sizes: dict[str, int], seed: int = 7) -> dict[str, Any]:
    import random
    from datetime import date, timedelta
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from courses.enums import ActivityKind, Role
    from courses.models import Activity, ActivityVersion, Course, Enrollment, Unit
    from grading.models import ManualGrade, Override, Submission
    from orgs.enums import OrgKind, OrgRole
    from orgs.models import Membership, Offering, Organisation, SchoolClass, Term
    from sandbox.models import LabStart

    rng = random.Random(seed)
    now = timezone.now()
    User = get_user_model()
    n_schools, n_classes, n_students = sizes["schools"], sizes["classes"], sizes["students"]
    per_student = max(1, sizes["submissions"] // n_students)
    with transaction.atomic():
        district = Organisation.objects.create(kind=OrgKind.DISTRICT, name="Bench district", slug="bench-district")
        district_admin = User.objects.create_user(username="bench-district-admin")
        Membership.objects.create(org=district, user=district_admin, role=OrgRole.ADMIN)
        term = Term.objects.create(org=district, name="Autumn", starts_on=date.today() - timedelta(days=60))
        templates, acts = [], []
        for t in range(2):
            course = Course.objects.create(slug=f"bench-t{t}", title=f"Template {t + 1}")
            unit = Unit.objects.create(course=course, slug="u", title="Unit")
            templates.append(course)
            for i in range(5):
                manual = i == 2
                a = Activity.objects.create(
                    course=course,
                    unit=unit,
                    slug=f"a{i}",
                    title=f"Assignment {t + 1}.{i + 1}",
                    kind=ActivityKind.ASSIGNMENT,
                    order=i,
                    points=10,
                    release_at=now - timedelta(days=60 - 10 * i),
                    due_at=now - timedelta(days=50 - 10 * i),
                )
                cells = [{"grade_id": "q1", "kind": "autograded_test", "points": 5}]
                cells.append({"grade_id": "q2", "kind": "manual" if manual else "autograded_test", "points": 5})
                v = ActivityVersion.objects.create(
                    activity=a,
                    number=1,
                    digest=f"{t}{i:063d}",
                    facts={"max_points": 10, "notebooks": [{"notebook": "n.ipynb", "cells": cells, "max_points": 10}]},
                )
                a.current_version = v
                a.save(update_fields=["current_version"])
                acts.append((a, manual))
        schools = Organisation.objects.bulk_create(
            [
                Organisation(
                    kind=OrgKind.SCHOOL,
                    parent=district,
                    name=f"School {s + 1:02d}",
                    slug=f"bench-s{s:02d}",
                    username_prefix=f"bs{s:02d}",
                )
                for s in range(n_schools)
            ]
        )
        classes = SchoolClass.objects.bulk_create(
            [
                SchoolClass(school=schools[c % n_schools], name=f"Class {c // n_schools + 1}", grade=10 + c % 3)
                for c in range(n_classes)
            ],
            batch_size=2000,
        )
        admins = User.objects.bulk_create(
            [User(username=f"bs{s:02d}-admin") for s in range(n_schools)]
            + [User(username=f"bs{s:02d}-teacher") for s in range(n_schools)]
        )
        Membership.objects.bulk_create(
            [Membership(org=schools[s], user=admins[s], role=OrgRole.ADMIN) for s in range(n_schools)]
            + [Membership(org=schools[s], user=admins[n_schools + s], role=OrgRole.TEACHER) for s in range(n_schools)]
        )
        offerings = {}
        for s, school in enumerate(schools):
            for course in templates:
                offerings[(s, course.pk)] = Offering.objects.create(
                    course=course, school=school, term=term, created_by=admins[n_schools + s]
                )
        through = Offering.classes.through
        through.objects.bulk_create(
            [
                through(offering_id=offerings[(c % n_schools, course.pk)].pk, schoolclass_id=klass.pk)
                for c, klass in enumerate(classes)
                for course in templates
            ],
            batch_size=5000,
        )
        Enrollment.objects.bulk_create(
            [
                Enrollment(
                    course=course, user=admins[n_schools + s], role=Role.TEACHER, offering=offerings[(s, course.pk)]
                )
                for s in range(n_schools)
                for course in templates
            ]
        )
    users: list[Any] = []
    for start in range(0, n_students, 5000):
        batch = [
            User(username=f"bs{(i % n_classes) % n_schools:02d}-{i:06d}", display_name=f"Pupil {i:06d}")
            for i in range(start, min(n_students, start + 5000))
        ]
        users += User.objects.bulk_create(batch, batch_size=5000)
    student_class = [classes[i % n_classes] for i in range(n_students)]
    Membership.objects.bulk_create(
        [
            Membership(org_id=k.school_id, user=u, role=OrgRole.STUDENT, school_class=k, student_number=f"{i:06d}")
            for i, (u, k) in enumerate(zip(users, student_class, strict=True))
        ],
        batch_size=5000,
    )
    school_index = {school.pk: s for s, school in enumerate(schools)}
    Enrollment.objects.bulk_create(
        [
            Enrollment(
                course=course, user=u, role=Role.STUDENT, offering=offerings[(school_index[k.school_id], course.pk)]
            )
            for u, k in zip(users, student_class, strict=True)
            for course in templates
        ],
        batch_size=5000,
    )
    sub_cols = [
        "activity_id",
        "version_id",
        "user_id",
        "received_at",
        "blob",
        "size",
        "filename",
        "source",
        "idempotency_key",
        "status",
        "late_seconds",
        "penalty",
        "attempts",
        "graded_at",
        "auto_score",
        "max_score",
        "cells",
        "feedback_blob",
        "message",
        "log",
    ]
    manual_cells = json.dumps(
        [
            {"grade_id": "q1", "kind": "autograded_test", "max_points": 5, "score": 5.0, "status": "passed"},
            {"grade_id": "q2", "kind": "manual", "max_points": 5, "score": None, "status": "needs grading"},
        ]
    )
    auto_cells = json.dumps(
        [
            {"grade_id": "q1", "kind": "autograded_test", "max_points": 5, "score": 5.0, "status": "passed"},
            {"grade_id": "q2", "kind": "autograded_test", "max_points": 5, "score": 0.0, "status": "failed"},
        ]
    )
    rows: list[tuple[Any, ...]] = []
    total = 0
    for u in users:
        ability = rng.uniform(0.3, 1.0)
        counts = [per_student // len(acts)] * len(acts)
        for _ in range(per_student - sum(counts)):
            counts[rng.randrange(len(acts))] += 1
        if rng.random() < 0.3:  # skips one, tries another twice
            skip, again = rng.sample(range(len(acts)), 2)
            if counts[skip]:
                counts[skip] -= 1
                counts[again] += 1
        for (a, manual), k in zip(acts, counts, strict=True):
            assert a.release_at is not None and a.due_at is not None
            for attempt in range(k):
                at = a.release_at + timedelta(hours=rng.uniform(1, 24 * 12) + attempt * 24)
                if at > now:
                    at = now - timedelta(minutes=rng.uniform(1, 600))
                late = max(0, int((at - a.due_at).total_seconds()))
                recent = at > now - timedelta(hours=1)
                status = "queued" if recent and rng.random() < 0.5 else "graded"
                score = Decimal(round(10 * min(1.0, ability * rng.uniform(0.6, 1.2)), 2)).quantize(Decimal("0.01"))
                rows.append(
                    (
                        a.pk,
                        a.current_version_id,
                        u.pk,
                        at,
                        "0" * 64,
                        1000,
                        "n.ipynb",
                        "lab",
                        f"{a.pk}-{u.pk}-{attempt}",
                        status,
                        late,
                        Decimal("0.1") if late else Decimal(0),
                        1,
                        at + timedelta(seconds=20) if status == "graded" else None,
                        score if status == "graded" else None,
                        Decimal(10) if status == "graded" else None,
                        manual_cells if manual else auto_cells,
                        "",
                        "",
                        "",
                    )
                )
        if len(rows) >= 50_000:
            _copy(Submission, sub_cols, rows)
            total += len(rows)
            rows = []
    _copy(Submission, sub_cols, rows)
    total += len(rows)
    manual_ids = list(
        Submission.objects.filter(activity__in=[a for a, m in acts if m], status="graded").values_list("pk", flat=True)
    )
    teacher = admins[n_schools]
    graded = rng.sample(manual_ids, len(manual_ids) // 2)
    _copy(
        ManualGrade,
        ["submission_id", "grade_id", "score", "comment", "graded_by_id", "created_at", "rubric"],
        [(sid, "q2", Decimal(rng.choice((2, 3, 5))), "", teacher.pk, now, "[]") for sid in graded],
    )
    some = rng.sample(manual_ids, min(len(manual_ids), max(1, total // 400)))
    _copy(
        Override,
        ["submission_id", "score", "reason", "created_by_id", "created_at"],
        [(sid, Decimal(7), "bench", teacher.pk, now) for sid in some],
    )
    starts = rng.sample(users, min(len(users), n_students // 2))
    _copy(
        LabStart,
        [
            "user_id",
            "profile",
            "memory_mb",
            "reason",
            "priority",
            "state",
            "created_at",
            "error",
            "place_tries",
            "placed_lang",
        ],
        [
            (u.pk, "default", 1024, "click", 0, "ready", now - timedelta(days=rng.uniform(0, 14)), "", 0, "")
            for u in starts
        ],
    )
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    first_class = classes[0]
    return {
        "district": district,
        "district_admin": district_admin,
        "school": schools[0],
        "school_admin": admins[0],
        "klass": first_class,
        "teacher": admins[n_schools],
        "schools": schools,
        "templates": templates,
        "submissions": total,
        "students": len(users),
        "classes": len(classes),
    }


def _baseline(school_ids: list[int], class_id: int | None = None) -> tuple[int, int]:
    """The per-row shape: each enrolled student's results read on their own, through the same rule
    (``course_grades`` for one user), added into the same tallies. Returns (students, scored)."""
    from django.utils import timezone

    from dashboard import district as sel
    from grading import analytics as grading_analytics

    rows = sel._student_enrolments(school_ids=school_ids, school_class=class_id)
    acts = sel._graded_activities({c for _u, c, *_r in rows}, timezone.now())
    tallies: dict[tuple[int, int, int], sel.Tally] = {}
    scored = 0
    for user_id, course_id, school_id, _offering, klass in rows:
        course_acts = acts.get(course_id, [])
        grades = grading_analytics.course_grades(activity_ids=[a.pk for a in course_acts], user_ids=[user_id])
        one = sel.Tally(enrolled=1, expected=len(course_acts))
        for a in course_acts:
            counted = grades.counted(user_id, a.pk)
            if counted is None:
                continue
            one.handed_in += 1
            if counted.is_graded:
                p = sel.percent(counted.score, counted.max_score or sel.max_points(a))
                if p is not None:
                    one.score_sum += p
                    one.scored += 1
        one.participants = 1 if one.handed_in else 0
        tallies.setdefault((school_id, klass, course_id), sel.Tally()).add(one)
        scored += one.scored
    return len(rows), scored


def _time_pages(client: Any, url: str, reps: int, before: Any = None) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, cpu, queries = [], [], 0
    response = None
    for _ in range(reps):
        if before is not None:
            before()
        with CaptureQueriesContext(connection) as ctx:
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx.captured_queries)
    assert response is not None
    return {
        "p50": _pct(times, 0.5),
        "p95": _pct(times, 0.95),
        "max": max(times),
        "cpu_p95": _pct(cpu, 0.95),
        "n": reps,
        "queries": queries,
        "bytes": len(response.content),
    }


def _time_call(fn: Any, reps: int) -> dict[str, Any]:
    from django.db import connection

    counted = [0]

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        counted[0] += 1
        return execute(sql, params, many, context)

    times = []
    result: Any = None
    for _ in range(reps):
        counted[0] = 0
        with connection.execute_wrapper(count):
            t0 = time.perf_counter()
            result = fn()
            times.append((time.perf_counter() - t0) * 1000)
    return {"p50": _pct(times, 0.5), "p95": _pct(times, 0.95), "n": reps, "queries": counted[0], "result": result}


def child(sizes: dict[str, int], label: str) -> dict[str, Any]:
    _setup_django()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    data = _generate(sizes)
    gen_s = time.perf_counter() - started
    reps = sizes["reps"]
    district_client, school_client, teacher_client = Client(), Client(), Client()
    district_client.force_login(data["district_admin"])
    school_client.force_login(data["school_admin"])
    teacher_client.force_login(data["teacher"])
    district_url = f"/orgs/{data['district'].slug}/dashboard/"
    school_url = f"/orgs/{data['school'].slug}/dashboard/"
    class_url = f"/orgs/{data['school'].slug}/classes/{data['klass'].pk}/gradebook/"
    out: dict[str, Any] = {
        "db": label,
        "generate_s": gen_s,
        **{k: data[k] for k in ("submissions", "students", "classes")},
    }
    out["schools"] = len(data["schools"])
    settings.DASHBOARD_DISTRICT_SNAPSHOT_SECONDS = 300
    cache.clear()
    district_client.get(district_url)  # warm: imports, templates, the snapshot
    out["district"] = _time_pages(district_client, district_url, reps)
    # Taking the snapshot: a view that finds none (fewer repetitions: each reads every submission).
    cold_reps = max(2, min(3, reps // 4))
    out["district_cold"] = _time_pages(district_client, district_url, cold_reps, before=cache.clear)
    school_client.get(school_url)
    out["school"] = _time_pages(school_client, school_url, reps)
    out["school_cold"] = _time_pages(school_client, school_url, cold_reps, before=cache.clear)
    teacher_client.get(class_url)
    out["class"] = _time_pages(teacher_client, class_url, reps)
    # baselines: one student at a time
    school = data["school"]
    out["class_base"] = _time_call(lambda: _baseline([school.pk], data["klass"].pk), 3)
    out["school_base"] = _time_call(lambda: _baseline([school.pk]), 1)
    walked = data["schools"] if sizes["baseline_schools"] <= 0 else data["schools"][: sizes["baseline_schools"]]
    walk = _time_call(lambda: _baseline([s.pk for s in walked]), 1)
    scale = len(data["schools"]) / len(walked)
    out["district_base"] = {
        "p50": walk["p50"] * scale,
        "p95": walk["p95"] * scale,
        "measured_ms": walk["p95"],
        "walked_schools": len(walked),
        "queries": int(walk["queries"] * scale),
        "n": 1,
    }
    for key in ("class_base", "school_base"):
        out[key].pop("result", None)
    out["load"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return out


# ---------------------------------------------------------------------------------------
# the parent


def _run_child(label: str, url: str, sizes: dict[str, int]) -> dict[str, Any] | None:
    env = dict(os.environ)
    env["DATABASE_URL"] = url
    env.setdefault("HUB_URL", "http://127.0.0.1:9")
    env.setdefault("HUB_API_TOKEN", "bench")
    env.setdefault("DATABASE_CONN_MAX_AGE", "60")
    env["BENCH_DISTRICT_SIZES"] = json.dumps(sizes)
    proc = subprocess.run(
        [sys.executable, __file__, "--child", label], env=env, capture_output=True, text=True, timeout=3600, check=False
    )
    if proc.returncode != 0:
        print(f"[{label}] failed:\n{proc.stderr[-4000:]}")
        return None
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _postgres(action: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
            if action == "create":
                conn.execute(f'CREATE DATABASE "{PG_DB}"')
        return True
    except Exception as exc:
        print(f"PostgreSQL not available at {PG_BASE}: {exc}")
        return False


def _report(r: dict[str, Any]) -> None:
    db = r["db"]
    print(
        f"[{db}] {r['schools']} schools, {r['classes']} classes, {r['students']} students, "
        f"{r['submissions']} submissions (generated in {r['generate_s']:.1f} s)"
    )
    for key, name in (("district", "district dashboard"), ("school", "school dashboard"), ("class", "class gradebook")):
        p = r[key]
        print(
            f"[{db}] {name:19s} p50 {p['p50']:8.1f} ms  p95 {p['p95']:8.1f} ms  max {p['max']:8.1f} ms  "
            f"(web-process CPU p95 {p['cpu_p95']:.1f} ms; {p['n']} requests, {p['queries']} queries, "
            f"{p['bytes'] / 1024:.0f} KiB)"
        )
    for key, name in (("district_cold", "district dashboard"), ("school_cold", "school dashboard")):
        c = r[key]
        print(
            f"[{db}] {name} taking its snapshot (no snapshot cached): p50 {c['p50']:.1f} ms  p95 {c['p95']:.1f} ms "
            f"(web-process CPU p95 {c['cpu_p95']:.1f} ms; {c['n']} requests, {c['queries']} queries)"
        )
    for key, name in (("district_base", "district"), ("school_base", "school"), ("class_base", "class")):
        b = r[key]
        extra = (
            f" (measured {b['measured_ms']:.0f} ms over {b['walked_schools']} schools, scaled to all)"
            if key == "district_base"
            else f" ({b['n']} runs)"
        )
        print(f"[{db}] baseline per student, {name:8s} p95 {b['p95']:10.1f} ms  queries {b['queries']}{extra}")
    print(f"[{db}] load average at the end of the run: {r['load']} (2 shared cores: wall times include waiting)")


def main(argv: list[str] | None = None) -> None:
    args = list(argv if argv is not None else [])
    if args[:1] == ["--child"]:
        sizes = json.loads(os.environ["BENCH_DISTRICT_SIZES"])
        print(json.dumps(child(sizes, args[1]), default=str))
        return
    sizes = _sizes()
    backend = os.environ.get("BENCH_DISTRICT_DB", "postgres")
    result = None
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            result = _run_child("sqlite", f"sqlite:///{tmp}/bench.sqlite3", sizes)
    elif _postgres("create"):
        try:
            result = _run_child("postgres", f"{PG_BASE}/{PG_DB}", sizes)
        finally:
            if os.environ.get("BENCH_DISTRICT_KEEP") != "1":  # kept for a closer look when asked
                _postgres("drop")
    if result is None:
        raise RuntimeError("the district benchmark produced no figures")
    _report(result)
    for key, base, name in (
        ("district", "district_base", "district_dashboard"),
        ("school", "school_base", "school_dashboard"),
        ("class", "class_base", "class_gradebook"),
    ):
        ours, baseline = result[key]["p95"], result[base]["p95"]
        print(f"BENCH {name}_p95 ours={ours:.1f} baseline={baseline:.1f} ratio={ours / baseline:.4f} unit=ms")
    for key, base, name in (
        ("district", "district_base", "district_dashboard"),
        ("school", "school_base", "school_dashboard"),
        ("class", "class_base", "class_gradebook"),
    ):
        ours, baseline = result[key]["cpu_p95"], result[base]["p95"]
        print(f"BENCH {name}_cpu_p95 ours={ours:.1f} baseline={baseline:.1f} ratio={ours / baseline:.4f} unit=ms")
    for key, base, name in (("district_cold", "district_base", "district"), ("school_cold", "school_base", "school")):
        cold, baseline = result[key]["p95"], result[base]["p95"]
        print(
            f"BENCH {name}_dashboard_snapshot_p95 ours={cold:.1f} baseline={baseline:.1f} "
            f"ratio={cold / baseline:.4f} unit=ms"
        )
    for key, base, name in (
        ("district", "district_base", "district_dashboard"),
        ("school", "school_base", "school_dashboard"),
        ("class", "class_base", "class_gradebook"),
    ):
        ours_q, base_q = result[key]["queries"], result[base]["queries"]
        print(f"BENCH {name}_queries ours={ours_q} baseline={base_q} ratio={ours_q / max(base_q, 1):.5f} unit=queries")


if __name__ == "__main__":
    main(sys.argv[1:])
