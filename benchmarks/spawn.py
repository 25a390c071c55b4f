"""Click-to-ready for the lab: ours (sandboxed) against stock JupyterHub, in the same run.

Click-to-ready = from the "open" request to the first ``execute_reply`` of
``import qiskit, qiskit_aer, torch`` in the student's kernel. For our hub the clock covers
what the site does on "open": ensure the hub user, start the server with a resource
profile, follow the progress stream, write the activity's notebook through the contents
API, then start a kernel and run the import. The baseline is plain JupyterHub 6.1.1 with
its stock local process spawner (SimpleLocalProcessSpawner: LocalProcessSpawner with a
home directory per user, ``--allow-root`` as root), same proxy, same Python environment,
same kernel code; it does no isolation and writes no notebook.

Every user is new (first start: our spawner also creates the Unix user). Singles run one
after another; the burst starts N students at the same moment.

A class (issue 14): N students click "Open in JupyterLab" within 10 s, through the site's own code
path on a throw-away SQLite database: ``sandbox.services.lab_start`` (the start queue), then what
the open view does (``lab_open``: a lab already running gets the activity's notebook at once and the
student goes straight in), else what the progress page does (``queue_wait_step`` polls while in line,
the hub's progress stream, ``start_finish_for`` + ``queue_pump`` when ready) and what "enter" does
(``lab_notebooks_place``: notebook placed, warm kernel bound); then the notebook's session kernel, as
JupyterLab finds it, and the import; per student from their click until the kernel answers. The
class opens a practice activity whose notebook is the import. Once without
a schedule (cold labs, admitted ``LAB_START_CONCURRENCY`` at a time), once with a lesson scheduled
``LAB_PREPARE_MINUTES_BEFORE`` ahead, naming the activity: ``lessons_due`` + the queue drive
(``tasks.queue_drive``, as the worker runs it) prepare the labs first (started, the activity's notebook
placed, the warm kernel bound to it and answering), then the class clicks. The baseline is stock
JupyterHub with the same class clicking within the same spread (no queue). Memory per lab: RSS
(and PSS) of the lab's processes (the single-user server and its descendants, the kernels),
read from /proc after the import ran.

Environment: BENCH_SPAWN_SINGLES (default 5), BENCH_SPAWN_BURST (default 10), BENCH_SPAWN_CLASS
(default 30; 0 skips the class), BENCH_SPAWN_CLASS_SPREAD (seconds, default 10),
BENCH_SPAWN_CLASS_STOCK (default 1; 0 skips the stock class, its failures then read 0),
BENCH_SPAWN_CLASS_PREPARED (default 1), BENCH_SPAWN_CLASS_QUEUE (default 1; 0 skips our class without a
schedule). Each class prints its clicks' phases (p50/p95): open (``lab_open`` of a lab already running, the
notebook placed with it), else queue (``lab_open`` asking for a start), progress (the line and the
hub's stream) and notebook (``lab_notebooks_place``); bind (the notebook's session kernel), import. The class is cut to what the free memory holds (said so).
"""

from __future__ import annotations

import json
import logging
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sandbox.client import HubClient  # noqa: E402  -- Django-free

VENV_BIN = Path(sys.prefix) / "bin"
CHP = ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
IMPORT = "import qiskit, qiskit_aer, torch"
NOTEBOOK = json.dumps(
    {
        "cells": [{"cell_type": "code", "source": IMPORT, "metadata": {}, "outputs": [], "execution_count": None}],
        "metadata": {"kernelspec": {"name": "quantum", "display_name": "quantum", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
).encode()


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RunningHub:
    def __init__(self, kind: str, state: Path) -> None:
        self.kind = kind
        self.state = state
        self.token = secrets.token_hex(24)
        self.url = f"http://127.0.0.1:{_port()}"
        env = {
            **os.environ,
            "PATH": f"{VENV_BIN}:{CHP.parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        }
        api_port, proxy_port = _port(), _port()
        if kind == "ours":
            secrets_file = state / "secrets.json"
            secrets_file.write_text(
                json.dumps(
                    {"client_secret": "unused", "service_token": self.token, "proxy_token": secrets.token_hex(24)}
                )
            )
            env |= {
                "LIANGZHI_HUB_URL": self.url,
                "LIANGZHI_HUB_API_PORT": str(api_port),
                "LIANGZHI_HUB_PROXY_API_PORT": str(proxy_port),
                "LIANGZHI_HUB_STATE_DIR": str(state),
                "LIANGZHI_HUB_SECRETS": str(secrets_file),
                "LIANGZHI_HUB_IDLE_TIMEOUT": "0",
                "LIANGZHI_HUB_START_TIMEOUT": "120",
            }
            config = ROOT / "sandbox" / "hub" / "jupyterhub_config.py"
        else:
            config = state / "stock_config.py"
            root_args = ["--allow-root"] if os.geteuid() == 0 else []
            config.write_text(
                f"""
c.JupyterHub.bind_url = {self.url!r}
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_port}"
c.ConfigurableHTTPProxy.command = [{str(CHP)!r}]
c.JupyterHub.db_url = "sqlite:///{state / "jupyterhub.sqlite"}"
c.JupyterHub.cookie_secret_file = {str(state / "cookie_secret")!r}
c.JupyterHub.pid_file = {str(state / "jupyterhub.pid")!r}
c.JupyterHub.authenticator_class = "dummy"
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = {str(state / "homes" / "{username}")!r}
c.Spawner.cmd = [{str(VENV_BIN / "jupyterhub-singleuser")!r}]
c.Spawner.args = {root_args!r}
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.JupyterHub.tornado_settings = {{"slow_spawn_timeout": 0}}
c.JupyterHub.services = [{{"name": "bench", "api_token": {self.token!r}}}]
c.JupyterHub.load_roles = [{{"name": "bench", "scopes": ["admin:users", "servers", "tokens"], "services": ["bench"]}}]
"""
            )
        self.log = open(state / "hub.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "jupyterhub"), "-f", str(config)],
            cwd=state,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{self.url}/hub/api/", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{kind} hub did not start; see {state / 'hub.log'}")
            time.sleep(0.2)
        self.client = HubClient(base_url=self.url, token=self.token, timeout=30)
        self.phases: list[tuple[float, float, float]] = []
        self.memory: list[tuple[int, int]] = []  # (RSS, PSS) bytes of labs measured after their import

    def click_to_ready(self, name: str) -> float:
        """One student's open → first execute_reply of the import; returns seconds."""
        client = HubClient(base_url=self.url, token=self.token, timeout=60)
        started = time.perf_counter()
        client.user_ensure(name)
        client.server_start(name, profile="cpu")
        client.server_wait_ready(name, timeout=180)
        ready = time.perf_counter()
        if self.kind == "ours":  # what the site does before redirecting into the lab
            client.contents_mkdir(name, "courses/bench/open")
            client.contents_put_notebook(name, "courses/bench/open/open.ipynb", NOTEBOOK)
            kernel = client.session_bind(name, "courses/bench/open/open.ipynb") or client.kernel_start(name)
        else:
            kernel = client.kernel_start(name)
        placed = time.perf_counter()
        result = client.kernel_execute(name, kernel, IMPORT, timeout=180)
        elapsed = time.perf_counter() - started
        self.phases.append((ready - started, placed - ready, started + elapsed - placed))
        if result.status != "ok":
            raise RuntimeError(f"{self.kind}: {name}: import failed: {result}")
        if not self.memory:  # one lab of each kind, its kernel holding the import
            rss, pss, _ = lab_memory(name)
            if rss:
                self.memory.append((rss, pss))
        return elapsed

    def stop_all(self, names: list[str], *, quiet: bool = False) -> None:
        threads = [threading.Thread(target=self._stop_one, args=(n, quiet)) for n in names]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def _stop_one(self, name: str, quiet: bool = False) -> None:
        try:
            self.client.server_stop(name)
        except Exception as exc:  # a benchmark reports, it does not stop
            if not quiet:
                print(f"  (stop {name}: {exc})")

    def close(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


# --- memory of a lab ------------------------------------------------------------------------------
def _proc_table() -> dict[int, int]:
    """pid -> parent pid of every process."""
    table: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            table[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return table


def _hub_user(pid: int) -> str | None:
    try:
        env = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None
    for item in env.split(b"\0"):
        if item.startswith(b"JUPYTERHUB_USER="):
            return item.split(b"=", 1)[1].decode(errors="replace")
    return None


def _status_kb(pid: int, field: str, file: str = "status") -> int:
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def lab_memory(name: str) -> tuple[int, int, int]:
    """(RSS, PSS, processes) of a lab: every process started for hub user ``name`` (its
    single-user server carries JUPYTERHUB_USER) and their descendants (the kernels).

    RSS counts shared library pages in each process; PSS shares them out, so PSS summed over
    labs is what they take together and RSS is an upper bound."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, ppid in table.items():
        children.setdefault(ppid, []).append(pid)
    roots = [pid for pid in table if _hub_user(pid) == name]
    seen: set[int] = set()
    todo = list(roots)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        todo.extend(children.get(pid, []))
    rss = sum(_status_kb(pid, "VmRSS") for pid in seen) * 1024
    pss = sum(_status_kb(pid, "Pss", "smaps_rollup") for pid in seen) * 1024
    return rss, pss, len(seen)


def _mem_available() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


def _burst(fn: Callable[[str], float], names: list[str]) -> list[float]:
    results: dict[str, float] = {}
    errors: list[str] = []
    gate = threading.Barrier(len(names))

    def one(name: str) -> None:
        gate.wait()
        try:
            results[name] = fn(name)
        except Exception as exc:  # reported below, after every thread is done
            errors.append(f"{name}: {exc}")

    threads = [threading.Thread(target=one, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError("; ".join(errors))
    return list(results.values())


def _spread(fn: Callable[[str], float], names: list[str], spread: float) -> tuple[dict[str, float], list[str]]:
    """Each name clicks once at a random moment within ``spread`` seconds; per name, seconds from
    its own click. Failures are collected, never raised."""
    results: dict[str, float] = {}
    errors: list[str] = []
    rng = random.Random(len(names))
    offsets = sorted(rng.uniform(0, spread) for _ in names)
    start = time.monotonic() + 0.5

    def one(name: str, offset: float) -> None:
        time.sleep(max(0.0, start + offset - time.monotonic()))
        try:
            results[name] = fn(name)
        except Exception as exc:  # counted as a failed start
            errors.append(f"{name}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=one, args=(n, o)) for n, o in zip(names, offsets, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


class Site:
    """The site's lab code (sandbox.services) on a throw-away SQLite database, wired to our hub."""

    def __init__(self, base: Path, hub: RunningHub) -> None:
        os.environ["LIANGZHI_DATA_DIR"] = str(base / "site")
        os.environ["DATABASE_URL"] = f"sqlite:///{base / 'site.sqlite3'}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        for path in (str(ROOT / "platform"),):
            if path not in sys.path:
                sys.path.insert(0, path)
        import django
        from django.apps import apps
        from django.conf import settings
        from django.core.management import call_command

        if apps.ready:  # another group set Django up first: its database serves (said so)
            print("  (Django was already set up by another group: the class uses its database)", flush=True)
        else:
            django.setup()
        call_command("migrate", verbosity=0)
        # 30 threads share the site's hub client (services.hub_client): should its pool overflow, urllib3
        # says so once a request, which would bury the figures; the requests themselves go through.
        logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
        settings.HUB_URL = hub.url
        settings.HUB_API_URL = f"{hub.url}/hub/api"
        settings.HUB_API_TOKEN = hub.token
        self.settings = settings
        self.hub = hub
        self.phases: list[dict[str, float]] = []  # per click: seconds in each phase (PHASES)
        self.activities: dict[int, Any] = {}  # course id -> its activity

    def students(self, tag: str, count: int) -> tuple[Any, list[Any]]:
        """A course with one practice activity (one notebook: the import) and ``count`` students."""
        from django.contrib.auth import get_user_model

        from core.blobs import blob_put
        from courses.enums import ActivityKind, FileKind, Role
        from courses.models import Activity, ActivityFile, ActivityVersion, Course, Enrollment, Unit

        course = Course.objects.create(slug=f"bench-{tag}", title=f"Bench {tag}")
        unit = Unit.objects.create(course=course, slug="bench", title="Bench")
        activity = Activity.objects.create(
            course=course, unit=unit, slug="open", title="Open", kind=ActivityKind.PRACTICE
        )
        version = ActivityVersion.objects.create(activity=activity, number=1, digest=f"{1:064d}")
        ActivityFile.objects.create(
            version=version, path="open.ipynb", kind=FileKind.NOTEBOOK, blob=blob_put(NOTEBOOK), size=len(NOTEBOOK)
        )
        activity.current_version = version
        activity.save(update_fields=["current_version"])
        self.activities[course.pk] = activity
        users = []
        for i in range(count):
            user = get_user_model().objects.create(username=f"c{tag}{i:02d}")
            user.refresh_from_db()
            Enrollment.objects.create(course=course, user=user, role=Role.STUDENT)
            users.append(user)
        return course, users

    def click_to_ready(self, user: Any, activity: Any) -> float:
        """One student's click on "Open in JupyterLab" → the first execute_reply of the import,
        through the site's code: the open view's ``lab_open`` (a running lab: notebooks placed at
        once, straight in), else the progress page's polls and stream and the "enter" view's
        ``lab_notebooks_place``; then what JupyterLab does with the notebook (its session's kernel)
        and the import."""
        from django.db import connection

        from sandbox import services
        from sandbox.client import HubError
        from sandbox.views import _failure_text, _queue_event

        settings = self.settings
        started = time.perf_counter()
        name = services.lab_name(user)
        marks: dict[str, float] = {}
        last = [started]

        def mark(phase: str) -> None:
            now = time.perf_counter()
            marks[phase] = marks.get(phase, 0.0) + now - last[0]
            last[0] = now

        try:
            opened = services.lab_open(user=user, activity=activity)
            client = services.hub_client()
            if opened.placed:
                mark("open")  # the open view started nothing and placed them (prepared: nothing to write)
            else:
                mark("queue")
                row_id: int | None = None
                while True:  # the progress page: first the line
                    step = services.queue_wait_step(user=user, row_id=row_id)
                    row_id = step.row_id
                    waiting = _queue_event(step)
                    if waiting is None:
                        break
                    if waiting.get("failed"):
                        raise RuntimeError(f"in line: {waiting['message']}")
                    time.sleep(settings.LAB_QUEUE_POLL_SECONDS)
                try:
                    for event in client.server_progress(name, timeout=settings.HUB_PROGRESS_TIMEOUT_SECONDS):
                        if event.failed:
                            services.start_finish_for(user=user, ok=False, error=_failure_text(event.message))
                            raise RuntimeError(f"spawn failed: {_failure_text(event.message)}")
                        if event.ready:
                            services.start_finish_for(user=user, ok=True)
                            services.queue_pump()
                            break
                    else:
                        raise RuntimeError("progress stream ended before ready")
                except HubError as exc:
                    services.start_finish_for(user=user, ok=False, error=str(exc))
                    raise
                mark("progress")
                opened = services.Opened(
                    outcome=opened.outcome, placed=services.lab_notebooks_place(user=user, activity=activity)
                )
                mark("notebook")
            assert opened.placed
            path = opened.placed[0].path
            # JupyterLab opens the notebook on its session's kernel (the warm one bound to it)
            kernel = client.session_kernel(name, path) or client.kernel_start(name)
            mark("bind")
            result = client.kernel_execute(name, kernel, IMPORT, timeout=180)
            mark("import")
            if result.status != "ok":
                raise RuntimeError(f"import failed: {result}")
            self.phases.append(marks)
            return time.perf_counter() - started
        finally:
            connection.close()

    def prepare(self, course: Any, users: list[Any]) -> tuple[float, int]:
        """A lesson scheduled ``LAB_PREPARE_MINUTES_BEFORE`` ahead: the housekeeping's
        ``lessons_due`` queues the labs, the worker's ``queue_drive`` follows the queue until
        they run. Returns (seconds until every lab is ready, labs not ready)."""
        from datetime import timedelta

        from django.utils import timezone

        from sandbox import services, tasks
        from sandbox.models import LabStart, ScheduledLesson, StartState

        lead = self.settings.LAB_PREPARE_MINUTES_BEFORE
        ScheduledLesson.objects.create(
            course=course, starts_at=timezone.now() + timedelta(minutes=lead), activity=self.activities[course.pk]
        )
        started = time.perf_counter()
        prepared = services.lessons_due()
        print(
            f"  lesson in {lead:g} min: "
            + ", ".join(f"{r.queued} queued, {r.skipped_budget} over budget" for r in prepared),
            flush=True,
        )
        tasks.queue_drive(seconds=900.0)  # until every lab runs with the activity placed in it
        elapsed = time.perf_counter() - started
        ready = LabStart.objects.filter(user__in=users, state=StartState.READY).count()
        placed = LabStart.objects.filter(user__in=users, state=StartState.READY, placed_at__isnull=False).count()
        print(f"  {placed}/{len(users)} labs with the lesson's notebook placed and the kernel ready", flush=True)
        return elapsed, len(users) - ready


def _kill_leftovers(names: set[str]) -> int:
    """SIGKILL any process still running for one of this run's hub users (a hub that died)."""
    killed = 0
    for pid in _proc_table():
        if _hub_user(pid) in names:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
    return killed


def _summary(label: str, times: list[float], errors: list[str], size: int) -> None:
    if times:
        print(
            f"{label}: {len(times)}/{size} kernels answered, p50 {_pct(times, 50):.2f} s, "
            f"p95 {_pct(times, 95):.2f} s, max {max(times):.2f} s; {len(errors)} failed",
            flush=True,
        )
    else:
        print(f"{label}: no kernel answered; {len(errors)} failed", flush=True)
    for error in errors[:5]:
        print(f"  failed: {error[:300]}", flush=True)


PHASES = ("open", "queue", "progress", "notebook", "bind", "import")


def _phase_summary(label: str, phases: list[dict[str, float]]) -> None:
    """p50/p95 of each phase of the clicks (a phase a click skipped counts 0 s)."""
    if not phases:
        return
    parts = []
    for phase in PHASES:
        values = [p.get(phase, 0.0) for p in phases]
        parts.append(f"{phase} {_pct(values, 50):.2f}/{_pct(values, 95):.2f}")
    print(f"{label} phases p50/p95 s: " + ", ".join(parts), flush=True)


def _bench(name: str, ours: float, baseline: float, unit: str) -> None:
    ratio = ours / baseline if baseline and baseline == baseline and ours == ours else float("nan")
    print(f"BENCH {name} ours={ours:.2f} baseline={baseline:.2f} ratio={ratio:.2f} unit={unit}", flush=True)


NAN = float("nan")
GIB = 1024**3


def run_class(
    hubs: dict[str, RunningHub], base: Path, tag: str, size: int, created: list[str], site_names: list[str]
) -> None:
    """A class clicking within the spread: stock, ours through the site's queue, ours prepared."""
    spread = float(os.environ.get("BENCH_SPAWN_CLASS_SPREAD", "10"))
    with_stock = os.environ.get("BENCH_SPAWN_CLASS_STOCK", "1") != "0"
    with_prepared = os.environ.get("BENCH_SPAWN_CLASS_PREPARED", "1") != "0"
    with_queue = os.environ.get("BENCH_SPAWN_CLASS_QUEUE", "1") != "0"
    known = [m[0] for h in hubs.values() for m in h.memory]
    per_lab = max(known) if known else int(1.5 * GIB)
    available = _mem_available()
    fits = int(available * 0.7 // per_lab) if available else size
    if fits < size:
        print(
            f"class cut from {size} to {max(1, fits)}: {available / GIB:.1f} GiB free now, "
            f"≈{per_lab / GIB:.2f} GiB a lab (kept 30 % free for the machine's other work)",
            flush=True,
        )
        size = max(1, fits)
    print(f"class of {size} clicking within {spread:g} s", flush=True)
    stock_times: list[float] = []
    stock_errors: list[str] = []
    stock_memory: list[int] = []
    if with_stock:
        names = [f"lzb{tag}sc{i}" for i in range(size)]
        created.extend(names)
        try:
            got, stock_errors = _spread(hubs["stock"].click_to_ready, names, spread)
            stock_times = list(got.values())
            stock_memory = [lab_memory(n)[0] for n in got]
        finally:
            hubs["stock"].stop_all(names, quiet=True)
        _summary(f"stock class of {size} (no queue)", stock_times, stock_errors, size)
    else:
        print("stock class not run (BENCH_SPAWN_CLASS_STOCK=0): its failures read 0 below", flush=True)

    site = Site(base, hubs["ours"])
    ours = hubs["ours"]
    print(
        f"site: LAB_START_CONCURRENCY={site.settings.LAB_START_CONCURRENCY}, "
        f"HUB_TIMEOUT_SECONDS={site.settings.HUB_TIMEOUT_SECONDS:g}, "
        f"LAB_PREPARE_MINUTES_BEFORE={site.settings.LAB_PREPARE_MINUTES_BEFORE:g}, "
        f"LAB_PREWARM_MEMORY_BUDGET_MB={site.settings.LAB_PREWARM_MEMORY_BUDGET_MB}",
        flush=True,
    )
    q_course, users = site.students(f"{tag}q", size)
    q_activity = site.activities[q_course.pk]
    by_name = {u.hub_name: u for u in users}
    site_names.extend(by_name)
    memory: list[tuple[int, int, int]] = []
    times: list[float] = []
    errors: list[str] = []
    if with_queue:
        try:
            got, errors = _spread(lambda n: site.click_to_ready(by_name[n], q_activity), list(by_name), spread)
            memory = [lab_memory(n) for n in got]
        finally:
            ours.stop_all(list(by_name), quiet=True)
        times = list(got.values())
        _summary(f"ours  class of {size} through the site's queue", times, errors, size)
        _phase_summary("ours  class through the queue,", site.phases)
    else:
        print("ours class without a schedule not run (BENCH_SPAWN_CLASS_QUEUE=0)", flush=True)
    site.phases = []

    p_times: list[float] = []
    p_errors: list[str] = []
    if with_prepared:
        from sandbox.services import profile_memory_mb

        # labs_prepare counts each lab at its profile's memory limit; the default budget (half the
        # machine) holds fewer than a class, so the teacher's admin sets it for one (env overrides)
        budget = site.settings.LAB_PREWARM_MEMORY_BUDGET_MB
        need = size * profile_memory_mb(site.settings.HUB_DEFAULT_PROFILE)
        if "LAB_PREWARM_MEMORY_BUDGET_MB" not in os.environ and budget < need:
            print(
                f"LAB_PREWARM_MEMORY_BUDGET_MB {budget} holds {budget // (need // size)} labs at the profile's "
                f"limit: set to {need} for the class (LAB_PREWARM_MEMORY_BUDGET_MB in the environment overrides)",
                flush=True,
            )
            site.settings.LAB_PREWARM_MEMORY_BUDGET_MB = need
        course, users = site.students(f"{tag}p", size)
        by_name = {u.hub_name: u for u in users}
        site_names.extend(by_name)
        try:
            took, not_ready = site.prepare(course, users)
            print(f"ours  prepared {size - not_ready}/{size} labs in {took:.1f} s before the lesson", flush=True)
            one, five, fifteen = os.getloadavg()
            print(f"  load average as the prepared class clicks: {one:.2f} {five:.2f} {fifteen:.2f}", flush=True)
            p_activity = site.activities[course.pk]
            got, p_errors = _spread(lambda n: site.click_to_ready(by_name[n], p_activity), list(by_name), spread)
            memory += [lab_memory(n) for n in got]
        finally:
            ours.stop_all(list(by_name), quiet=True)
        p_times = list(got.values())
        _summary(f"ours  class of {size} with the lesson's labs prepared", p_times, p_errors, size)
        _phase_summary("ours  prepared class,", site.phases)

    rss = [m[0] for m in memory if m[0]]
    pss = [m[1] for m in memory if m[1]]
    if rss:
        med_rss, med_pss = statistics.median(rss), statistics.median(pss) if pss else NAN
        print(
            f"memory per lab (server + kernels, after the import): RSS median {med_rss / 2**20:.0f} MiB, "
            f"max {max(rss) / 2**20:.0f} MiB; PSS median {med_pss / 2**20:.0f} MiB "
            f"(processes per lab: {statistics.median(m[2] for m in memory):.0f})",
            flush=True,
        )
        print(
            f"labs in 24 GiB: {int(24 * GIB // med_rss)} by RSS, {int(24 * GIB // med_pss) if pss else 0} by PSS "
            f"(nothing kept for the site, the hub or the OS)",
            flush=True,
        )
    stock_rss = (
        statistics.median(stock_memory)
        if stock_memory
        else (hubs["stock"].memory[0][0] if hubs["stock"].memory else NAN)
    )
    if stock_rss == stock_rss:
        print(f"stock lab RSS: {stock_rss / 2**20:.0f} MiB (its kernel holds the same import)", flush=True)

    stock_p95 = _pct(stock_times, 95) if stock_times else NAN
    ours_p95 = _pct(times, 95) if times else NAN
    _bench("spawn_class30_failures", len(errors), len(stock_errors), "starts")
    _bench("spawn_class30_p95", ours_p95, stock_p95, "s")
    if with_prepared:
        # baseline: the stock class when it ran, else our own class without a schedule (said above)
        _bench(
            "spawn_class30_prepared_p95",
            _pct(p_times, 95) if p_times else NAN,
            stock_p95 if with_stock else ours_p95,
            "s",
        )
        _bench("spawn_class30_prepared_failures", len(p_errors), len(stock_errors), "starts")
    if rss:
        _bench("spawn_lab_memory", statistics.median(rss) / 2**20, stock_rss / 2**20, "MiB")


def main() -> None:
    singles = int(os.environ.get("BENCH_SPAWN_SINGLES", "5"))
    burst = int(os.environ.get("BENCH_SPAWN_BURST", "10"))
    size = int(os.environ.get("BENCH_SPAWN_CLASS", "30"))
    tag = secrets.token_hex(2)
    base = Path(tempfile.mkdtemp(prefix="bench-spawn-"))
    base.chmod(0o755)
    figures: dict[str, dict[str, list[float]]] = {"single": {}, "burst": {}}
    created: list[str] = []  # hub users made by the benchmark directly
    site_names: list[str] = []  # hub users of the site's students (ours)
    hubs: dict[str, RunningHub] = {}
    try:
        for kind in ("stock", "ours"):
            state = base / kind
            state.mkdir()
            hubs[kind] = RunningHub(kind, state)
        # Singles alternate between the two hubs, so that the machine's other load hits both alike.
        for i in range(singles):
            for kind, hub in hubs.items():
                name = f"lzb{tag}{kind[0]}{i}"
                created.append(name)
                try:
                    figures["single"].setdefault(kind, []).append(hub.click_to_ready(name))
                finally:
                    hub.stop_all([name])
        for kind, hub in hubs.items():
            if not singles:
                break
            times = figures["single"][kind]
            print(f"{kind:5s} single: " + " ".join(f"{t:.2f}" for t in times) + " s", flush=True)
            medians = [statistics.median(p[i] for p in hub.phases) for i in range(3)]
            print(
                f"{kind:5s} single, median phases: server ready {medians[0]:.2f} s, "
                f"notebook + kernel {medians[1]:.2f} s, first import reply {medians[2]:.2f} s",
                flush=True,
            )
        for kind, hub in hubs.items():
            if not burst:
                break
            names = [f"lzb{tag}{kind[0]}b{i}" for i in range(burst)]
            created.extend(names)
            try:
                times = _burst(hub.click_to_ready, names)
            except RuntimeError as exc:  # reported; the class below still runs
                print(f"{kind:5s} burst of {burst} failed: {exc}", flush=True)
                continue
            finally:
                hub.stop_all(names)
            print(f"{kind:5s} burst of {burst}: " + " ".join(f"{t:.2f}" for t in sorted(times)) + " s", flush=True)
            figures["burst"][kind] = times
        for group in ("single", "burst"):
            if set(figures[group]) != {"ours", "stock"}:
                continue
            for q in (50, 95):
                ours = _pct(figures[group]["ours"], q)
                stock = _pct(figures[group]["stock"], q)
                _bench(f"spawn_{group}_p{q}", ours, stock, "s")
        if size > 0:
            run_class(hubs, base, tag, size, created, site_names)
    finally:
        # every lab and hub this run started goes, whatever failed above
        for kind, hub in hubs.items():
            hub.stop_all(created + site_names if kind == "ours" else created, quiet=True)
        for hub in hubs.values():
            hub.close()
        leftovers = _kill_leftovers(set(created + site_names))
        if leftovers:
            print(f"  (killed {leftovers} leftover lab processes)", flush=True)
        from sandbox.hub.spawner import remove_unix_user

        for name in created + site_names:
            try:
                remove_unix_user(name)
            except Exception as exc:  # cleanup goes on
                print(f"  (remove {name}: {exc})", flush=True)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
