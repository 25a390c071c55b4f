"""Benchmark group ``quiz``: 300 students answering a 10-question quiz, autosaving on every answer.

Each student starts an attempt, answers every question (one to three changes each, every change
an autosave POST with a growing sequence number, as the page sends them; a save that fails is
retried as the page does from localStorage), then hands in (the handing in grades the attempt:
choice, numeric and matrix answers are graded in the web process). As the issue sets it, the class answers within one minute
(``--window 60``): each student's actions fall at sorted random moments of the window, so the load
is the class's, not a flood (``--window 0`` floods: every student as fast as possible). Requests
are served by ``--threads`` request threads (a threaded server's worth, each with a persistent
database connection) through Django's test client (routing, middleware, sessions, the view, the
database; no network); a request's time counts from its arrival, so waiting for a free server
thread is included. It runs once on SQLite (a fresh file, the embedded default: one server process, as
``runserver`` is) and once on PostgreSQL (a database created for the run, postgres://postgres@127.0.0.1:5432,
trust auth; skipped with a line if it is not there) with ``--processes`` server processes (default max(2, cores):
production's gunicorn workers, deploy/gunicorn.conf.py), the students spread over them as a load balancer spreads
connections, all starting at one common moment.

Figures: server p50/p95 per autosave and per hand-in (grading), a plain Django form post in
the same run as the baseline (``set_language``: parse a form, write the session, redirect),
and **lost** answers: the final answer the server holds differs from the last one the student
gave (it must be 0), plus refused saves.

    make bench BENCH=quiz
    python benchmarks/quiz.py --db sqlite --students 300
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PG_BASE = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
PG_DB = "liangzhi_bench_quiz"
QUESTIONS = 10


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def _setup_django() -> None:
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    for path in (str(ROOT), str(ROOT / "platform")):
        if path not in sys.path:
            sys.path.insert(0, path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _course_folder(root: Path) -> Path:
    """A course with one quiz of 10 questions (choice, numeric with units, a state vector): no generators,
    so the benchmark needs no sandbox to import."""
    folder = root / "course"
    lines = ["slug: bench-quiz", "title: Quiz benchmark", "units:", "  - slug: u", "    title: Unit", "    activities:"]
    lines += ["      - slug: quiz", "        kind: quiz", "        title: Ten questions"]
    lines.append("        questions: [" + ", ".join(f"q{i}" for i in range(QUESTIONS)) + "]")
    lines.append("        attempts: unlimited")
    folder.mkdir(parents=True)
    (folder / "course.yaml").write_text("\n".join(lines) + "\n")
    for i in range(QUESTIONS):
        q = folder / "questions" / f"q{i}"
        q.mkdir(parents=True)
        (q / "question.md").write_text(f"Question {i}: $x^{i}$\n")
        if i % 3 == 0:
            spec = 'title: c\nparts:\n  - id: a\n    type: choice\n    options: ["$|0\\\\rangle$", "$|1\\\\rangle$", "$|+\\\\rangle$", "$|-\\\\rangle$"]\n    answer: 2\n'
        elif i % 3 == 1:
            spec = "title: n\nparts:\n  - id: a\n    type: numeric\n    unit: ns\n    rtol: 0.01\n    answer: 125\n"
        else:
            spec = "title: m\nparts:\n  - id: a\n    type: matrix\n    global_phase: true\n    atol: 0.01\n    answer: [0.7071067811865476, 0.7071067811865476]\n"
        (q / "question.yaml").write_text(spec)
    return folder


def _answers(i: int, rng: random.Random) -> list[Any]:
    """One to three successive answers to question i (the last one is what the student leaves)."""
    n = rng.randint(1, 3)
    if i % 3 == 0:
        return [rng.randrange(4) for _ in range(n)]
    if i % 3 == 1:
        return [rng.choice(["125", "0.125 us", "120", "130 ns"]) for _ in range(n)]
    return [rng.choice(["1/sqrt(2), 1/sqrt(2)", "i/sqrt(2), i/sqrt(2)", "1, 0"]) for _ in range(n)]


def setup(students: int) -> dict[str, Any]:
    """The database for a run: migrated, one course with the quiz, `students` enrolled students."""
    _setup_django()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from courses.enums import Role
    from courses.importer import import_course
    from courses.models import Enrollment

    call_command("migrate", verbosity=0)
    User = get_user_model()
    teacher = User.objects.create_user(username="bench-teacher")
    with tempfile.TemporaryDirectory() as tmp:
        course = import_course(_course_folder(Path(tmp)), teacher=teacher).course
    User.objects.bulk_create(User(username=f"bench-s{i:03d}") for i in range(students))
    users = list(User.objects.filter(username__startswith="bench-s").order_by("username"))
    Enrollment.objects.bulk_create(Enrollment(course=course, user=u, role=Role.STUDENT) for u in users)
    return {"course": course.slug}


def shard_run(
    *, course_slug: str, students: int, shard: int, shards: int, threads: int, window: float, start_epoch: float
) -> dict[str, Any]:
    """One server process's share of the class: students shard, shard + shards, ... (as a load balancer spreads
    connections over worker processes), from the common moment `start_epoch`; then checks its own students' answers
    (no other process touches them)."""
    _setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from assessments.models import Answer, Attempt

    settings.ALLOWED_HOSTS = ["*"]
    User = get_user_model()
    everyone = list(User.objects.filter(username__startswith="bench-s").order_by("username"))[:students]
    users = everyone[shard::shards]
    base = f"/quiz/{course_slug}/quiz"

    lock = threading.Lock()
    saves: list[float] = []
    submits: list[float] = []
    forms: list[float] = []
    refused: list[str] = []
    final: dict[tuple[int, str], Any] = {}

    # The server: `threads` request threads (a threaded server's worth), each with its own
    # persistent database connection. A student's request waits in its queue like a request in a
    # server's accept queue: the latency counts from arrival to response.
    server = ThreadPoolExecutor(max_workers=threads)
    from django.db import connection

    ready = threading.Barrier(threads)

    def connect() -> None:  # every request thread opens its database connection before the class begins
        connection.ensure_connection()
        ready.wait()

    list(server.map(lambda _i: connect(), range(threads)))
    began = time.perf_counter() + (start_epoch - time.time())

    def timed(fn: Any) -> tuple[Any, float]:
        t0 = time.perf_counter()
        response = server.submit(fn).result()
        return response, (time.perf_counter() - t0) * 1000

    def student(user: Any) -> None:
        index = everyone.index(user)
        rng = random.Random(index)
        client = Client()
        server.submit(client.force_login, user).result()  # on a server thread: its database connection
        plan = [_answers(i, rng) for i in range(QUESTIONS)]
        middle = sum(len(p) for p in plan) + QUESTIONS // 5
        # the class answers within `window` seconds (the issue: one minute), each student at their
        # own pace: they open the quiz in the window's first tenth, answer at sorted random moments,
        # and hand in during its last tenth (0: as fast as possible)
        answering = sorted(rng.uniform(window / 10, window * 0.9) for _ in range(middle))
        moments = iter([rng.uniform(0, window / 10), *answering, rng.uniform(window * 0.9, window)])

        def wait_turn() -> None:
            delay = began + next(moments) - time.perf_counter()
            if delay > 0:
                time.sleep(delay)

        wait_turn()
        response, _ = timed(lambda: client.post(f"{base}/start/"))
        assert response.status_code == 302, response.status_code
        seq = 0
        for i in range(QUESTIONS):
            for value in plan[i]:
                seq += 1
                body = json.dumps({"key": f"q{i}.a", "value": value, "seq": seq})
                wait_turn()
                for _try in range(5):  # the page retries what the server did not confirm
                    try:
                        response, ms = timed(
                            lambda body=body: client.post(
                                f"{base}/attempt/1/save/", body, content_type="application/json"
                            )
                        )
                    except Exception as exc:  # a database error reaching the client: the page would retry
                        with lock:
                            refused.append(type(exc).__name__)
                        continue
                    with lock:
                        saves.append(ms)
                    if response.status_code == 200:
                        break
                    with lock:
                        refused.append(str(response.status_code))
                with lock:
                    final[(user.pk, f"q{i}.a")] = value
            if i % 5 == 4:  # a plain Django form post beside it, same clients, same moment
                wait_turn()
                response, ms = timed(lambda: client.post("/i18n/setlang/", {"language": "en", "next": "/"}))
                with lock:
                    forms.append(ms)
        wait_turn()
        response, ms = timed(lambda: client.post(f"{base}/attempt/1/submit/"))
        with lock:
            submits.append(ms)

    with ThreadPoolExecutor(max_workers=max(1, len(users))) as pool:
        list(pool.map(student, users))
    wall = time.perf_counter() - began
    server.shutdown()
    ids = [u.pk for u in users]
    stored = {
        (uid, key): value
        for uid, key, value in Answer.objects.filter(
            attempt__activity__course__slug=course_slug, attempt__user_id__in=ids
        ).values_list("attempt__user_id", "key", "value")
    }
    return {
        "saves": saves,
        "submits": submits,
        "forms": forms,
        "refused": refused,
        "wall_s": wall,
        "lost": sum(1 for k, v in final.items() if stored.get(k) != v),
        "graded": Attempt.objects.filter(activity__course__slug=course_slug, user_id__in=ids, status="graded").count(),
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def _child(env: dict[str, str], *args: str) -> dict[str, Any]:
    cmd = [sys.executable, __file__, *args]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _run_child(db: str, url: str, args: argparse.Namespace, processes: int) -> dict[str, Any] | None:
    """Set the database up, then run the class against `processes` server processes at once."""
    env = dict(os.environ)
    env["DATABASE_URL"] = url
    env.setdefault("DATABASE_CONN_MAX_AGE", "60")
    try:
        course = _child(env, "--setup", "--students", str(args.students))["course"]
        start = time.time() + args.lead  # every process imported and connected before the class begins
        common = ["--course", course, "--students", str(args.students), "--threads", str(args.threads)]
        common += ["--window", str(args.window), "--start", repr(start), "--shards", str(processes)]
        # each process's output goes to a file: a pipe that nobody reads while another process is awaited fills
        # up with the site's log lines and stops the process writing to it
        with tempfile.TemporaryDirectory() as logs:
            outs = [Path(logs) / f"{i}.out" for i in range(processes)]
            errs = [Path(logs) / f"{i}.err" for i in range(processes)]
            procs = []
            for i in range(processes):
                with outs[i].open("w") as out, errs[i].open("w") as err:
                    cmd = [sys.executable, __file__, "--shard", str(i), *common]
                    procs.append(subprocess.Popen(cmd, env=env, stdout=out, stderr=err, text=True))
            parts = []
            for i, proc in enumerate(procs):
                if proc.wait(timeout=3600) != 0:
                    raise RuntimeError(errs[i].read_text()[-3000:])
                parts.append(json.loads(outs[i].read_text().strip().splitlines()[-1]))
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"[{db}] failed:\n{exc}")
        return None
    saves = [x for p in parts for x in p["saves"]]
    submits = [x for p in parts for x in p["submits"]]
    forms = [x for p in parts for x in p["forms"]]
    refused = [x for p in parts for x in p["refused"]]
    return {
        "db": db,
        "students": args.students,
        "threads": args.threads,
        "processes": processes,
        "window": args.window,
        "saves": len(saves),
        "wall_s": max(p["wall_s"] for p in parts),
        "save_p50": _pct(saves, 0.5),
        "save_p95": _pct(saves, 0.95),
        "submit_p50": _pct(submits, 0.5),
        "submit_p95": _pct(submits, 0.95),
        "form_p50": _pct(forms, 0.5),
        "form_p95": _pct(forms, 0.95),
        "lost": sum(p["lost"] for p in parts),
        "refused": len(refused),
        "refused_kinds": sorted(set(refused))[:5],
        "graded": sum(p["graded"] for p in parts),
        "load": parts[-1]["load"],
    }


def _postgres(action: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}"')
            if action == "create":
                conn.execute(f'CREATE DATABASE "{PG_DB}"')
        return True
    except Exception as exc:  # no PostgreSQL here: say so, measure SQLite anyway
        print(f"PostgreSQL not available at {PG_BASE}: {exc}")
        return False


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--setup", action="store_true", help="(internal) prepare the run's database")
    parser.add_argument("--shard", type=int, default=None, help="(internal) one server process's share")
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument("--course", default="")
    parser.add_argument("--start", type=float, default=0.0)
    parser.add_argument(
        "--lead",
        type=float,
        default=15.0,
        help="seconds between setting up and the class's start, for the server processes to import and connect "
        "(one that is late serves its first students late, which the figures would show)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=int(os.environ.get("BENCH_QUIZ_PROCESSES", max(2, os.cpu_count() or 1))),
        help="server processes of the PostgreSQL run (production: gunicorn's workers, max(2, cores), "
        "deploy/gunicorn.conf.py); the embedded default (SQLite) runs one process, as runserver does",
    )
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--students", type=int, default=int(os.environ.get("BENCH_QUIZ_STUDENTS", 300)))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_QUIZ_THREADS", 8)))
    parser.add_argument(
        "--window",
        type=float,
        default=float(os.environ.get("BENCH_QUIZ_WINDOW", 60)),
        help="seconds within which the class answers (the issue's minute); 0: every student as fast as possible",
    )
    args = parser.parse_args(argv if argv is not None else [])
    if args.setup:
        print(json.dumps(setup(args.students)))
        return
    if args.shard is not None:
        run = shard_run(
            course_slug=args.course,
            students=args.students,
            shard=args.shard,
            shards=args.shards,
            threads=args.threads,
            window=args.window,
            start_epoch=args.start,
        )
        print(json.dumps(run))
        return
    results = []
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            res = _run_child("sqlite", f"sqlite:///{tmp}/bench.sqlite3", args, 1)
            if res:
                results.append(res)
    if args.db in ("postgres", "both") and _postgres("create"):
        try:
            res = _run_child("postgres", f"{PG_BASE}/{PG_DB}", args, args.processes)
            if res:
                results.append(res)
        finally:
            _postgres("drop")
    for r in results:
        db = r["db"]
        print(
            f"[{db}] {r['students']} students × {QUESTIONS} questions within {r['window']:.0f} s "
            f"(0: as fast as possible), {r['processes']} server process(es) of {r['threads']} request threads: "
            f"{r['saves']} autosaves "
            f"in {r['wall_s']:.1f} s ({r['saves'] / r['wall_s']:.0f}/s), {r['graded']} attempts graded"
        )
        print(f"[{db}] autosave   p50 {r['save_p50']:6.1f} ms  p95 {r['save_p95']:6.1f} ms")
        print(f"[{db}] hand in    p50 {r['submit_p50']:6.1f} ms  p95 {r['submit_p95']:6.1f} ms  (grades 10 questions)")
        print(f"[{db}] form post  p50 {r['form_p50']:6.1f} ms  p95 {r['form_p95']:6.1f} ms  (baseline: set_language)")
        print(f"[{db}] lost answers {r['lost']}, refused saves {r['refused']} {r['refused_kinds']}")
        print(
            f"[{db}] load average during the run: {r['load']} (wall times on a shared machine include waiting for a CPU)"
        )
    for r in results:
        db = r["db"]
        print(
            f"BENCH quiz_autosave_p95_{db} ours={r['save_p95']:.1f} baseline={r['form_p95']:.1f} "
            f"ratio={r['save_p95'] / r['form_p95']:.2f} unit=ms"
        )
        print(
            f"BENCH quiz_grading_p95_{db} ours={r['submit_p95']:.1f} baseline={r['form_p95']:.1f} "
            f"ratio={r['submit_p95'] / r['form_p95']:.2f} unit=ms"
        )
        print(
            f"BENCH quiz_lost_{db} ours={r['lost']} baseline=0 ratio={'1.00' if r['lost'] == 0 else 'inf'} unit=answers"
        )
    if results:
        worst = max(results, key=lambda r: r["save_p95"])
        print(
            f"BENCH quiz_autosave_p95 ours={worst['save_p95']:.1f} baseline={worst['form_p95']:.1f} "
            f"ratio={worst['save_p95'] / worst['form_p95']:.2f} unit=ms"
        )
        lost = sum(r["lost"] for r in results)
        print(f"BENCH quiz_lost ours={lost} baseline=0 ratio={'1.00' if lost == 0 else 'inf'} unit=answers")


if __name__ == "__main__":
    main(sys.argv[1:])
