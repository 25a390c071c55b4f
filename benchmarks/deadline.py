"""Deadline benchmark: a class submits one assignment notebook in the last minute, over real HTTP.

N students (BENCH_DEADLINE_STUDENTS, default 300; BENCH_DEADLINE_SCALE multiplies both the class
and the window (BENCH_DEADLINE_WINDOW, default 60 s) for CI-size runs, so the submit rate stays the same) are signed in through the
login form, then submit within 60 s; 20 % of them submit a second time with the same
idempotency key (half as a double click, at the same moment, half as a retry 0.5–3 s later):
360 submits for 300 students. Every request goes to the production web server, gunicorn's ASGI
worker started by deploy/run-web.sh (2 processes), from concurrent client threads.

Measured per backend (BENCH_DEADLINE_BACKENDS, default "sqlite,postgres"):
- receipt latency p50/p95/max of the submit POST (201 with the JSON receipt);
- lost: a receipt acknowledged but no row with its id, user and key;
- duplicated: more than one row for one (student, key), or two receipts for one key naming two ids;
- time until every submission is graded by 2 Celery workers (``-Q grading``, one process each);
- then the same again (a second assignment) with one grading worker SIGKILLed halfway through the
  window: time from the kill until the job it held is claimed again (the job kernel's sweep on the
  ``celery`` queue, sent by beat as deployed, sees the dead worker by its missing heartbeats) and
  until everything is graded.

Baseline, in the same run and the same server: a plain Django form POST (CSRF token, session) to
a trivial view, ``django.views.i18n.set_language``; every student sends one at a random moment of
the same window, so it sees the same load.

The embedded default is SQLite for the database and for the broker (LIANGZHI_DATA_DIR in a temp
folder, nothing else set). PostgreSQL + Redis: BENCH_DEADLINE_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/liangzhi_deadline, dropped and created again) and
BENCH_DEADLINE_BROKER_URL (default redis://127.0.0.1:6379/5; only its queue keys are deleted).
BENCH_DEADLINE_GRADE=0 skips the workers (receipts only); BENCH_DEADLINE_KILL=0 skips the kill run.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PASSWORD = "deadline-bench-Pw-2026"  # noqa: S105 (benchmark users in a throw-away database)
RETRY_SHARE = 0.2
PG_URL = "postgres://postgres@127.0.0.1:5432/liangzhi_deadline"
REDIS_URL = "redis://127.0.0.1:6379/5"
DONE = ("graded", "error", "timed_out", "memory_limit", "needs_attention")

SOURCE_CODE = "def answer():\n    ### BEGIN SOLUTION\n    return 42\n    ### END SOLUTION"
TEST_CODE = "assert answer() == 42"


def progress(message: str) -> None:
    print(f"  .. {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def source_notebook() -> str:
    import nbformat

    def meta(gid: str, **kw: object) -> dict[str, object]:
        base = {"grade_id": gid, "schema_version": 3, "grade": False, "solution": False, "locked": False}
        return {"nbgrader": {**base, **kw}}

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(SOURCE_CODE, metadata=meta("answer", solution=True)),
        nbformat.v4.new_code_cell(TEST_CODE, metadata=meta("test_answer", grade=True, locked=True, points=1)),
    ]
    return nbformat.writes(nb)


def solved(student_json: str, student: int) -> bytes:
    import nbformat

    nb = nbformat.reads(student_json, as_version=4)
    for cell in nb.cells:
        if (cell.metadata.get("nbgrader") or {}).get("solution"):
            cell.source = f"def answer():\n    return 42  # student {student}"  # one notebook each
    return nbformat.writes(nb).encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------------------------------
# inside the child process (its own settings: the backend's database and broker)


class Lab:
    """The processes of one run: web server, 2 grading workers, a housekeeping worker, beat."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'platform'}"}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, argv: list[str], **env: str) -> None:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 (lives as long as the process)
        self.procs[name] = subprocess.Popen(
            argv, cwd=ROOT, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def worker(self, name: str, queue: str) -> None:
        self.start(
            name,
            [
                PY,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-n",
                f"{name}@deadline",
                "-Q",
                queue,
                "-c",
                "1",
                "-P",
                "prefork",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
            ],
        )

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop_all(self) -> None:
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
        self.procs.clear()


def reset_backend(backend: str) -> None:
    if backend != "postgres":
        return
    import psycopg
    import redis

    url = os.environ["DATABASE_URL"]
    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    # Our own Redis database: only the queues and the unacked bookkeeping of a previous run.
    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).delete(
        "grading", "celery", "unacked", "unacked_index", "unacked_mutex"
    )


def inner(backend: str, tmp: Path, n: int, window: float, grade: bool, kill: bool) -> dict[str, Any]:
    reset_backend(backend)
    import django

    django.setup()
    import requests
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.models import User
    from courses.enums import ActivityKind, FileKind, Role
    from grading.authoring import prepare_notebook
    from grading.models import Submission
    from tests.factories import ActivityFactory, CourseFactory, EnrollmentFactory, UnitFactory, UserFactory, add_version

    src = source_notebook()
    student_nb = prepare_notebook(src, name="answer.ipynb").student_json
    course = CourseFactory(slug="deadline")
    unit = UnitFactory(course=course)

    def assignment(slug: str) -> Any:
        act = ActivityFactory(unit=unit, slug=slug, kind=ActivityKind.ASSIGNMENT, points=1)
        version = add_version(
            act,
            files={
                "answer.ipynb": (FileKind.NOTEBOOK, student_nb.encode()),
                "source/answer.ipynb": (FileKind.SOURCE, src.encode()),
            },
        )
        version.facts = {
            "notebooks": [
                {
                    "notebook": "answer.ipynb",
                    "cells": [{"grade_id": "test_answer", "points": 1, "kind": "autograded_test"}],
                    "max_points": 1,
                }
            ]
        }
        version.save()
        return act

    acts = {"deadline": assignment("deadline"), "kill": assignment("deadline-kill"), "warm": assignment("warm-up")}
    users = []
    for i in range(n + 1):
        u = UserFactory(username=f"d{i:04d}")
        EnrollmentFactory(course=course, user=u, role=Role.STUDENT)
        users.append(u)
    # One hash for every account (hashing 300 passwords here would be minutes of set-up).
    User.objects.filter(pk__in=[u.pk for u in users]).update(password=make_password(PASSWORD))
    progress(f"{backend}: {n} students, database ready")

    lab = Lab(tmp)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    lab.start(
        "web",
        ["sh", str(ROOT / "deploy" / "run-web.sh")],
        PYTHON=PY,
        WEB_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        WEB_ACCESS_LOG=str(tmp / "access.log"),
        DJANGO_DEBUG="0",
    )
    out: dict[str, Any] = {"backend": backend, "n": n, "window": window}
    try:
        if grade:
            lab.worker("grading1", "grading")
            lab.worker("grading2", "grading")
            lab.worker("housekeeping", "celery")
            lab.start(
                "beat",
                [PY, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO", "-s", str(tmp / "beat-schedule")],
            )
        t0 = time.monotonic()
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() - t0 > 180:
                raise RuntimeError(
                    "web server did not answer /healthz in 180 s: " + (tmp / "web.log").read_text()[-2000:]
                )
            time.sleep(0.5)
        progress(f"web server up after {time.monotonic() - t0:.1f} s")

        # Sign-in: the login form, over HTTP, 8 at a time, before the deadline window.
        sessions: list[requests.Session] = [requests.Session() for _ in users]

        def login(i: int) -> float:
            s = sessions[i]
            t = time.perf_counter()
            s.get(f"{base}/accounts/login/", timeout=120)
            r = s.post(
                f"{base}/accounts/login/",
                data={
                    "username": users[i].username,
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": s.cookies["csrftoken"],
                },
                timeout=120,
                allow_redirects=False,
            )
            if r.status_code != 302 or "sessionid" not in s.cookies:
                raise RuntimeError(f"login of {users[i].username} failed: {r.status_code} {r.text[:300]}")
            return time.perf_counter() - t

        t0 = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            logins = list(pool.map(login, range(len(users))))
        out["login_total"] = time.perf_counter() - t0
        out["login_p50"] = pct(logins, 0.5)
        out["login_p95"] = pct(logins, 0.95)
        progress(f"{len(users)} logins in {out['login_total']:.1f} s (p95 {out['login_p95']:.2f} s)")

        def submit_url(act: Any) -> str:
            return f"{base}/grading/{course.slug}/a/{act.slug}/submit/"

        resent: list[str] = []  # submits sent again after the server closed a kept-alive connection
        resent_lock = threading.Lock()

        def post_submit(i: int, act: Any, key: str, data: bytes) -> tuple[float, int, int | None]:
            s = sessions[i]
            t = time.perf_counter()

            def send() -> requests.Response:
                return s.post(
                    submit_url(act),
                    files={"notebook": ("answer.ipynb", data, "application/x-ipynb+json")},
                    headers={
                        "Accept": "application/json",
                        "Idempotency-Key": key,
                        "X-CSRFToken": s.cookies["csrftoken"],
                    },
                    timeout=120,
                )

            try:
                try:
                    r = send()
                except requests.ConnectionError as exc:
                    # A kept-alive connection the server closed (its keep-alive timeout) just as the
                    # request went out: no byte of an answer came back. A browser sends such a request
                    # again on a new connection; so does this client, once, with the same idempotency
                    # key (a duplicate would show in the counts). The latency counts from the first try.
                    if "RemoteDisconnected" not in repr(exc) and "ConnectionResetError" not in repr(exc):
                        raise
                    progress(f"submit {key}: {type(exc).__name__} on a kept-alive connection; sent again")
                    with resent_lock:
                        resent.append(key)
                    r = send()
            except requests.RequestException as exc:  # no answer: counted as refused (code 0), never as acknowledged
                progress(f"submit {key}: {type(exc).__name__}: {exc}")
                return time.perf_counter() - t, 0, None
            took = time.perf_counter() - t
            sid = r.json().get("id") if r.status_code == 201 else None
            return took, r.status_code, sid

        # Warm-up: a server that has run for a while has served submits before; the first submit in
        # each web process imports the broker client (Celery, kombu, SQLAlchemy) and connects. Six
        # at once reach both processes; their latencies are reported as the cold first submit.
        warm_nb = solved(student_nb, 9999)
        with ThreadPoolExecutor(6) as pool:
            warm = list(pool.map(lambda k: post_submit(n, acts["warm"], f"warm-{k}", warm_nb), range(6)))
        if any(w[1] != 201 for w in warm):
            raise RuntimeError(f"warm-up submits refused: {[w[1] for w in warm]}")
        out["cold_submit_max"] = max(w[0] for w in warm)
        progress(f"warm-up submits: {[round(w[0], 2) for w in warm]} s")
        if grade:  # both grading workers up, their warm sandboxes started
            wait_graded(Submission, [w[2] for w in warm], timeout=600)
            progress("warm-up graded; 15 s for the warm sandboxes to refill")
            time.sleep(15)

        def deadline_run(act: Any, kill_worker: bool) -> dict[str, Any]:
            rng = random.Random(14 if not kill_worker else 15)
            tasks: list[tuple[float, str, int, str]] = []  # (at, kind, student, key)
            retried = set(rng.sample(range(n), round(n * RETRY_SHARE)))
            for i in range(n):
                at = rng.uniform(0, window)
                key = f"{act.slug}-{i}-{rng.getrandbits(32):08x}"
                tasks.append((at, "submit", i, key))
                if i in retried:
                    again = at if rng.random() < 0.5 else at + rng.uniform(0.5, 3.0)  # double click / retry
                    tasks.append((min(again, window), "submit", i, key))
                tasks.append((rng.uniform(0, window), "baseline", i, ""))
            tasks.sort()
            notebooks = {i: solved(student_nb, i) for i in range(n)}
            receipts: list[tuple[int, str, float, int, int | None]] = []
            baseline: list[tuple[float, int]] = []
            lag: list[float] = []
            lock = threading.Lock()
            start = time.monotonic()
            resent_before = len(resent)

            def run(task: tuple[float, str, int, str]) -> None:
                at, kind, i, key = task
                delay = start + at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                else:
                    with lock:
                        lag.append(-delay)
                if kind == "submit":
                    took, code, sid = post_submit(i, act, key, notebooks[i])
                    with lock:
                        receipts.append((i, key, took, code, sid))
                else:
                    s = sessions[i]
                    t = time.perf_counter()
                    try:
                        r = s.post(
                            f"{base}/i18n/setlang/",
                            data={"language": "en", "next": "/", "csrfmiddlewaretoken": s.cookies["csrftoken"]},
                            timeout=120,
                            allow_redirects=False,
                        )
                        code = r.status_code
                    except requests.RequestException:
                        code = 0
                    with lock:
                        baseline.append((time.perf_counter() - t, code))

            killed_at: float | None = None
            held: list[tuple[int, Any]] = []
            wall_start = time.time()
            with ThreadPoolExecutor(min(128, len(tasks))) as pool:
                futures = [pool.submit(run, t) for t in tasks]
                if kill_worker:
                    time.sleep(max(0.0, start + window / 2 - time.monotonic()))
                    # Wait (at most the window again) until both workers hold a job (one process each):
                    # then one of the running rows is the killed worker's; the other finishes as usual.
                    until = time.monotonic() + window
                    while time.monotonic() < until:
                        held = list(
                            Submission.objects.filter(activity=act, status="running").values_list("pk", "started_at")
                        )
                        if len(held) >= 2:
                            break
                        time.sleep(0.2)
                    lab.kill("grading1")
                    killed_at = time.time()
                    progress(
                        f"SIGKILL grading1 at {killed_at - wall_start:.1f} s into the window; running then: {len(held)}"
                    )
                for f in futures:
                    f.result()
            window_end = time.time()
            ok = [r for r in receipts if r[3] == 201]
            res: dict[str, Any] = {
                "submits": len(receipts),
                "acknowledged": len(ok),
                "refused": sorted({r[3] for r in receipts if r[3] != 201}),
                "refused_n": sum(r[3] != 201 for r in receipts),
                "resent": len(resent) - resent_before,
                "p50": pct([r[2] for r in ok], 0.5),
                "p95": pct([r[2] for r in ok], 0.95),
                "max": max((r[2] for r in ok), default=float("nan")),
                "base_p50": pct([b[0] for b in baseline if b[1] == 302], 0.5),
                "base_p95": pct([b[0] for b in baseline if b[1] == 302], 0.95),
                "base_max": max((b[0] for b in baseline if b[1] == 302), default=float("nan")),
                "base_failed": sum(b[1] != 302 for b in baseline),
                "client_lag_max": max(lag, default=0.0),
                "submit_span": window_end - wall_start,
            }
            rows = {
                pk: (uid, key)
                for pk, uid, key in Submission.objects.filter(activity=act).values_list(
                    "pk", "user_id", "idempotency_key"
                )
            }
            lost = 0
            ids_by_key: dict[str, set[int]] = {}
            for i, key, _took, _code, sid in ok:
                ids_by_key.setdefault(key, set()).add(int(sid or 0))
                if rows.get(int(sid or 0)) != (users[i].pk, key):
                    lost += 1
            per_key: dict[tuple[int, str], int] = {}
            for uid, key in rows.values():
                per_key[(uid, key)] = per_key.get((uid, key), 0) + 1
            res["lost"] = lost
            res["duplicated"] = sum(c - 1 for c in per_key.values() if c > 1) + sum(
                len(v) - 1 for v in ids_by_key.values() if len(v) > 1
            )
            res["rows"] = len(rows)
            progress(
                f"{act.slug}: {len(ok)}/{len(receipts)} acknowledged ({res['resent']} sent again), p95 {res['p95']:.2f} s, "
                f"baseline p95 {res['base_p95']:.2f} s, lost {lost}, duplicated {res['duplicated']}, rows {len(rows)}"
            )
            if grade:
                left = wait_graded(
                    Submission, list(rows), timeout=float(os.environ.get("BENCH_DEADLINE_GRADE_TIMEOUT", 1800))
                )
                done = list(
                    Submission.objects.filter(activity=act).values_list(
                        "pk", "status", "auto_score", "started_at", "graded_at"
                    )
                )
                last = max((g.timestamp() for _pk, st, _s, _st, g in done if g is not None), default=float("nan"))
                res["graded_left"] = left
                res["graded_ok"] = sum(st == "graded" and float(sc or 0) == 1.0 for _pk, st, sc, _st, _g in done)
                res["graded_other"] = sorted({st for _pk, st, _s, _st, _g in done if st != "graded"})
                res["graded_after_start"] = last - wall_start
                res["graded_after_window"] = last - window_end
                if killed_at is not None:
                    res["killed_after"] = killed_at - wall_start
                    by_pk = {pk: (st, started, g) for pk, st, _s, started, g in done}
                    resumed, regraded = [], []
                    for pk, started in held:
                        _st, started_now, graded_at = by_pk[pk]
                        if started_now is not None and started_now != started and started_now.timestamp() > killed_at:
                            resumed.append(started_now.timestamp() - killed_at)
                            if graded_at is not None:
                                regraded.append(graded_at.timestamp() - killed_at)
                    res["held"] = len(held)
                    res["resumed"] = len(resumed)
                    res["resume_after"] = max(resumed, default=float("nan"))
                    res["regraded_after"] = max(regraded, default=float("nan"))
                progress(
                    f"{act.slug}: graded {res['graded_ok']}/{len(rows)} {res['graded_after_start']:.1f} s after the window opened"
                )
            return res

        out["plain"] = deadline_run(acts["deadline"], kill_worker=False)
        if grade and kill:
            out["kill"] = deadline_run(acts["kill"], kill_worker=True)
    finally:
        lab.stop_all()
    return out


def wait_graded(model: Any, ids: list[Any], timeout: float) -> int:
    deadline = time.monotonic() + timeout
    left = len(ids)
    while time.monotonic() < deadline:
        left = model.objects.filter(pk__in=ids).exclude(status__in=DONE).count()
        if not left:
            return 0
        time.sleep(0.5)
    return left


# ------------------------------------------------------------------------------------------
# the parent: one child per backend, then the figures


def run_backend(backend: str, n: int, window: float, grade: bool, kill: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"bench-deadline-{backend}-", ignore_cleanup_errors=True) as d:
        tmp = Path(d)
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            LIANGZHI_DATA_DIR=str(tmp / "data"),
            CELERY_TASK_ALWAYS_EAGER="0",
            PYTHONPATH=f"{ROOT}:{ROOT / 'platform'}",
        )
        if backend == "postgres":
            env["DATABASE_URL"] = os.environ.get("BENCH_DEADLINE_DATABASE_URL", PG_URL)
            env["CELERY_BROKER_URL"] = os.environ.get("BENCH_DEADLINE_BROKER_URL", REDIS_URL)
        argv = [PY, __file__, "--inner", backend, str(tmp), str(n), str(window), str(int(grade)), str(int(kill))]
        out = subprocess.run(argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
        if out.returncode != 0:
            for log in sorted(tmp.glob("*.log")):
                print(f"--- {log.name}\n{log.read_text(errors='replace')[-1500:]}", file=sys.stderr)
            raise RuntimeError(f"deadline benchmark on {backend} failed: {out.stdout[-2000:]}")
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def bench(name: str, ours: float, baseline: float, unit: str) -> None:
    ratio = ours / baseline if baseline not in (0, 0.0) and baseline == baseline else float("nan")
    print(f"BENCH {name} ours={ours:.3f} baseline={baseline:.3f} ratio={ratio:.2f} unit={unit}")


def main() -> None:
    scale = float(os.environ.get("BENCH_DEADLINE_SCALE", "1"))
    n = max(2, round(int(os.environ.get("BENCH_DEADLINE_STUDENTS", "300")) * scale))
    window = max(2.0, float(os.environ.get("BENCH_DEADLINE_WINDOW", "60")) * scale)
    grade = os.environ.get("BENCH_DEADLINE_GRADE", "1") != "0"
    kill = os.environ.get("BENCH_DEADLINE_KILL", "1") != "0"
    backends = [b.strip() for b in os.environ.get("BENCH_DEADLINE_BACKENDS", "sqlite,postgres").split(",") if b.strip()]
    results = []
    for backend in backends:
        print(f"-- {backend}: load average at start {os.getloadavg()[0]:.2f}", flush=True)
        r = run_backend(backend, n, window, grade, kill)
        results.append(r)
        label = "SQLite database + SQLite broker (embedded default)" if backend == "sqlite" else "PostgreSQL + Redis"
        print(
            f"{label}: {n} students, {r['plain']['submits']} submits in {window:.0f} s, gunicorn ASGI (deploy/run-web.sh, 2 workers)"
        )
        print(
            f"  sign-in over HTTP (8 at a time, before the window): {r['login_total']:.1f} s, p95 {r['login_p95']:.2f} s"
        )
        print(
            f"  warm-up before the window: 6 submits at once, slowest {r['cold_submit_max']:.2f} s (first submit per web process: imports and connects the broker client)"
        )
        for phase in ("plain", "kill"):
            p = r.get(phase)
            if not p:
                continue
            print(
                f"  [{phase}] receipts {p['acknowledged']}/{p['submits']} acknowledged (refused {p['refused_n']}: {p['refused']}; "
                f"sent again after a closed kept-alive connection {p.get('resent', 0)}); "
                f"p50 {p['p50']:.3f} s, p95 {p['p95']:.3f} s, max {p['max']:.3f} s; rows {p['rows']}, lost {p['lost']}, duplicated {p['duplicated']}"
            )
            print(
                f"  [{phase}] baseline form POST (set_language): p50 {p['base_p50']:.3f} s, p95 {p['base_p95']:.3f} s, "
                f"max {p['base_max']:.3f} s, failed {p['base_failed']}; client scheduling lag max {p['client_lag_max']:.2f} s"
            )
            if "graded_after_start" in p:
                print(
                    f"  [{phase}] graded {p['graded_ok']}/{p['rows']} (left {p['graded_left']}, other states {p['graded_other']}): "
                    f"all done {p['graded_after_start']:.1f} s after the window opened ({p['graded_after_window']:.1f} s after it closed)"
                )
            if "killed_after" in p:
                print(
                    f"  [{phase}] grading1 SIGKILLed {p['killed_after']:.1f} s into the window holding {p['held']} job(s); "
                    f"claimed again: {p['resumed']} after {p['resume_after']:.1f} s, graded {p['regraded_after']:.1f} s after the kill"
                )
        print(f"-- {backend}: load average at end {os.getloadavg()[0]:.2f}", flush=True)
    for r in results:
        b, p = r["backend"], r["plain"]
        bench(f"deadline_receipt_p95_{b}", p["p95"], p["base_p95"], "s")
    worst = max(results, key=lambda r: r["plain"]["p95"])
    print(f"(deadline_receipt_p95: the worst backend, {worst['backend']}; lost/duplicated: summed over every run)")
    bench("deadline_receipt_p95", worst["plain"]["p95"], worst["plain"]["base_p95"], "s")
    bench("deadline_receipt_p50", worst["plain"]["p50"], worst["plain"]["base_p50"], "s")
    bench("deadline_receipt_max", worst["plain"]["max"], worst["plain"]["base_max"], "s")
    phases = [r[k] for r in results for k in ("plain", "kill") if r.get(k)]
    bench("deadline_lost", sum(p["lost"] for p in phases), 0, "submissions")
    bench("deadline_duplicated", sum(p["duplicated"] for p in phases), 0, "submissions")
    for r in results:
        b = r["backend"]
        p = r["plain"]
        if "graded_after_start" in p:
            # baseline: the window itself (all graded by the time the last submit was received)
            bench(f"deadline_graded_after_window_open_{b}", p["graded_after_start"], r["window"], "s")
        k = r.get("kill")
        if k and "graded_after_start" in k:
            bench(f"deadline_kill_graded_after_window_open_{b}", k["graded_after_start"], p["graded_after_start"], "s")
            # baseline: what the heartbeat check promises (3 missed beats, then the next sweep)
            promised = 3 * float(os.environ.get("WORKER_HEARTBEAT_SECONDS", 15)) + float(
                os.environ.get("GRADING_SWEEP_EVERY", 30)
            )
            bench(f"deadline_kill_resume_{b}", k["resume_after"], promised, "s")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--inner":
        sys.path[:0] = [str(ROOT), str(ROOT / "platform")]
        result = inner(
            sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6] == "1", sys.argv[7] == "1"
        )
        print(json.dumps(result, default=str))
    else:
        main()
