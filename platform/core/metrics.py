"""Prometheus metrics: django-prometheus's request/database metrics plus the platform's own.

The platform's figures come from the database (and the hub), not from counters in one process,
so every web replica reports the same values whatever process graded the work:

- ``liangzhi_queue_depth{queue}``: jobs waiting (received or queued) per job-kernel queue —
  the figure a HorizontalPodAutoscaler scales grading workers on;
- ``liangzhi_jobs{queue,status}``: jobs by status;
- ``liangzhi_grading_latency_seconds``: a histogram of received → graded over graded submissions;
- ``liangzhi_labs_running``: lab servers the hub reports running (``liangzhi_hub_up`` 0 when the
  hub did not answer: the gauge is then left out rather than reported as zero);
- ``liangzhi_workers_alive``: Celery workers with a fresh heartbeat.

They are computed at most every ``METRICS_CACHE_SECONDS`` per process. ``/metrics`` answers only
a bearer token equal to ``METRICS_TOKEN`` or, without one configured, a direct loopback request.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.utils import floatToGoString

from .health import token_matches

log = logging.getLogger(__name__)

# received → graded, seconds: a warm sandbox grades in seconds, a queue backlog takes minutes
LATENCY_BUCKETS = (1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600)
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


def _queue_rows() -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    from django.db.models import Count

    from .jobs import WAITING, registered_queues

    depth: dict[str, int] = {}
    by_status: dict[tuple[str, str], int] = {}
    for q in registered_queues():
        rows = q.model._default_manager.order_by().values("status").annotate(n=Count("pk"))
        depth[q.name] = 0
        for row in rows:
            by_status[(q.name, row["status"])] = row["n"]
            if row["status"] in WAITING:
                depth[q.name] += row["n"]
    return depth, by_status


def _grading_latency() -> tuple[list[tuple[str, int]], float]:
    """Cumulative bucket counts (Prometheus' ``le``) and the sum of latencies, in one query."""
    from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum

    from grading.models import Submission

    latency = ExpressionWrapper(F("graded_at") - F("received_at"), output_field=DurationField())
    graded = Submission.objects.filter(graded_at__isnull=False).order_by().annotate(latency=latency)
    aggregates: dict[str, Any] = {"total": Count("pk"), "sum": Sum("latency")}
    for i, bound in enumerate(LATENCY_BUCKETS):
        aggregates[f"b{i}"] = Count("pk", filter=Q(latency__lte=timedelta(seconds=bound)))
    row = graded.aggregate(**aggregates)
    buckets = [(floatToGoString(bound), int(row[f"b{i}"])) for i, bound in enumerate(LATENCY_BUCKETS)]
    buckets.append(("+Inf", int(row["total"])))
    total = row["sum"]
    seconds = total.total_seconds() if isinstance(total, timedelta) else float(total or 0) / 1e6
    return buckets, seconds


def _labs_running() -> int | None:
    try:
        from sandbox.services import hub_client

        users = hub_client(timeout=settings.DASHBOARD_HUB_TIMEOUT_SECONDS).users_active()
    except Exception as exc:  # the hub being down is a figure (hub_up 0), not a failed scrape
        log.info("metrics: the hub did not answer (%s)", exc)
        return None
    return sum(
        1
        for user in users
        for server in (user.get("servers") or {}).values()
        if server.get("ready") or server.get("started")
    )


class PlatformCollector:
    """Builds the platform's metric families; the figures are cached per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at = 0.0
        self._families: list[Metric] = []

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            if time.monotonic() - self._at >= settings.METRICS_CACHE_SECONDS or not self._families:
                self._families = self._build()
                self._at = time.monotonic()
            families = list(self._families)
        yield from families

    def invalidate(self) -> None:
        with self._lock:
            self._at = 0.0

    def _build(self) -> list[Metric]:
        from .health import workers_alive

        families: list[Metric] = []
        try:
            depth, by_status = _queue_rows()
            g = GaugeMetricFamily("liangzhi_queue_depth", "Jobs waiting (received or queued) per queue.", labels=["queue"])
            for name, n in sorted(depth.items()):
                g.add_metric([name], n)
            families.append(g)
            s = GaugeMetricFamily("liangzhi_jobs", "Jobs by queue and status.", labels=["queue", "status"])
            for (name, status), n in sorted(by_status.items()):
                s.add_metric([name, status], n)
            families.append(s)
            buckets, total = _grading_latency()
            h = HistogramMetricFamily(
                "liangzhi_grading_latency_seconds", "Submission received → graded, over graded submissions."
            )
            h.add_metric([], buckets, total)
            families.append(h)
            w = GaugeMetricFamily("liangzhi_workers_alive", "Celery workers with a fresh heartbeat.")
            w.add_metric([], len(workers_alive()))
            families.append(w)
        except Exception:
            log.exception("metrics: the database figures could not be read")
        labs = _labs_running()
        up = GaugeMetricFamily("liangzhi_hub_up", "1 when the hub answered the last metrics query.")
        up.add_metric([], 0 if labs is None else 1)
        families.append(up)
        if labs is not None:
            lab = GaugeMetricFamily("liangzhi_labs_running", "Lab servers running or starting on the hub.")
            lab.add_metric([], labs)
            families.append(lab)
        return families


COLLECTOR = PlatformCollector()
_registered = False
_register_lock = threading.Lock()


def collector_register() -> None:
    global _registered
    with _register_lock:
        if not _registered:
            REGISTRY.register(COLLECTOR)  # type: ignore[arg-type]
            _registered = True


def _direct_loopback(request: HttpRequest) -> bool:
    if any(request.META.get(h) for h in PROXY_HEADERS):
        return False  # a reverse proxy on this machine makes every visitor look local
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def metrics_allowed(request: HttpRequest) -> bool:
    if settings.METRICS_TOKEN:
        return token_matches(request, settings.METRICS_TOKEN)
    return _direct_loopback(request)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        response = HttpResponse("forbidden\n", status=403, content_type="text/plain")
        if settings.METRICS_TOKEN:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    collector_register()
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
