"""Compete benchmarks (`make bench BENCH=compete`).

1. Decoder Cup scoring throughput: shots per second through the whole platform path (receive →
   job folder → grading sandbox → participant's decode with PyMatching → trusted scoring → row),
   beside PyMatching's own batch decode of the same shots in this process (the physical limit).
2. Leaderboard page with 10,000 submissions from 500 participants: server time p50/p95 through
   Django's test client and the number of SQL queries, beside the bare query of the rows it ranks.

Runs on a throw-away SQLite database and data folder under a temporary directory.
Environment: BENCH_COMPETE_SCALE (default 1.0: the final phase's 7.3 million shots), BENCH_COMPETE_REQUESTS (60).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

TMP = Path(tempfile.mkdtemp(prefix="bench-compete-"))
os.environ["LIANGZHI_DATA_DIR"] = str(TMP)
os.environ["DATABASE_URL"] = f"sqlite:///{TMP / 'bench.sqlite3'}"
os.environ["COMPETITIONS_DATA_DIR"] = str(TMP / "competitions")
os.environ["COMPETITIONS_JOB_DIR"] = str(TMP / "jobs")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["LOG_LEVEL"] = "WARNING"


def _setup() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def bench_scoring(scale: float) -> tuple[float, float, int]:
    import numpy as np
    import pymatching
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from competitions.definitions_loader import DEFINITIONS, load_definition
    from competitions.scoring.decoder import stated_circuit
    from competitions.services import submission_evaluate, submission_receive

    settings.CELERY_TASK_ALWAYS_EAGER = False
    t = time.perf_counter()
    comp = load_definition(DEFINITIONS / "decoder-cup", scale=scale)
    print(f"generated hidden data in {time.perf_counter() - t:.1f} s")
    phase = comp.phases.get(slug="final")
    phase.starts_at = phase.starts_at.replace(year=2000)
    phase.save()
    user = get_user_model().objects.create(username="bench-participant")
    code = (
        b"import pymatching\n"
        b"def make_decoder(circuit):\n"
        b"    m = pymatching.Matching.from_detector_error_model(circuit.detector_error_model(decompose_errors=True))\n"
        b"    return lambda det: m.decode_batch(det)\n"
    )
    data = Path(settings.COMPETITIONS_DATA_DIR) / comp.slug / phase.dataset
    import json

    tasks = json.loads((data / "inputs" / "tasks.json").read_text())
    shots = sum(t["shots"] for t in tasks)

    # Baseline: PyMatching's own batch decode of the same shots, given as the bool arrays of the
    # interface (unpacked beforehand, untimed): building each task's matching graph + decode_batch.
    unpacked = []
    for task in tasks:
        packed = np.load(data / "inputs" / f"{task['name']}.det.npy")
        unpacked.append(np.unpackbits(packed, axis=1, count=task["num_detectors"], bitorder="little").view(bool))
    t = time.perf_counter()
    for task, det in zip(tasks, unpacked, strict=True):
        m = pymatching.Matching.from_detector_error_model(
            stated_circuit(task["distance"], task["p"]).detector_error_model(decompose_errors=True)
        )
        m.decode_batch(det)
    baseline = time.perf_counter() - t
    del unpacked

    t = time.perf_counter()
    sub = submission_receive(phase=phase, user=user, data=code, filename="decoder.py")
    sub = submission_evaluate(submission_id=sub.pk)
    ours = time.perf_counter() - t
    assert sub.status == "graded", sub.error
    print(
        f"scoring path: {shots} shots in {ours:.2f} s ({shots / ours:,.0f} shots/s); "
        f"PyMatching alone {baseline:.2f} s ({shots / baseline:,.0f} shots/s); pooled ratio {sub.public_score:.4f}"
    )
    return ours, baseline, shots


def _count_queries(client, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Every SQL statement one request runs (execute_wrapper: immune to reset_queries)."""
    from django.db import connection

    seen: list[str] = []

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        client.get(url, HTTP_HX_REQUEST="true")
    return seen


def bench_leaderboard(requests: int) -> None:
    import random
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from competitions.models import Competition, Phase, Submission

    User = get_user_model()
    now = timezone.now()
    comp = Competition.objects.create(slug="bench-board", title="Bench board", task="classify", higher_is_better=True)
    phase = Phase.objects.create(
        competition=comp,
        slug="open",
        title="Open",
        starts_at=now - timedelta(days=10),
        ends_at=now + timedelta(days=10),
        submission_kind="predictions",
        dataset="none",
    )
    users = User.objects.bulk_create(
        [User(username=f"bench-{i:03d}", display_name=f"Participant {i}") for i in range(500)]
    )
    rng = random.Random(1)
    subs = []
    for i in range(10_000):
        u = users[i % 500]
        score = rng.random()
        subs.append(
            Submission(
                phase=phase,
                user=u,
                participant=f"u{u.pk}",
                received_at=now - timedelta(minutes=rng.randrange(14000)),
                kind="predictions",
                status="graded",
                public_score=score,
                public_tiebreak=score,
                private_score=rng.random(),
                private_tiebreak=0.5,
            )
        )
    Submission.objects.bulk_create(subs, batch_size=2000)
    client = Client()
    client.force_login(users[0])
    url = reverse("competitions:leaderboard", args=[comp.slug, phase.slug])
    client.get(url)  # warm
    times = []
    for _ in range(requests):
        t = time.perf_counter()
        resp = client.get(url, HTTP_HX_REQUEST="true")
        times.append((time.perf_counter() - t) * 1000)
        assert resp.status_code == 200
    # Worst case: a new score before every poll, so every request recomputes the ranking.
    from competitions.services import board_changed

    cold = []
    for _ in range(max(10, requests // 2)):
        board_changed(phase_id=phase.pk)
        t = time.perf_counter()
        client.get(url, HTTP_HX_REQUEST="true")
        cold.append((time.perf_counter() - t) * 1000)
    c50, c95 = statistics.median(cold), statistics.quantiles(cold, n=20)[18]
    board_changed(phase_id=phase.pk)
    qcold = _count_queries(client, url)
    q = _count_queries(client, url)
    floor = []
    for _ in range(requests):
        t = time.perf_counter()
        list(
            Submission.objects.filter(phase=phase, status="graded").values_list(
                "id",
                "participant",
                "received_at",
                "is_baseline",
                "label",
                "selected",
                "public_score",
                "public_tiebreak",
                "private_score",
                "private_tiebreak",
            )
        )
        floor.append((time.perf_counter() - t) * 1000)
    p50, p95 = statistics.median(times), statistics.quantiles(times, n=20)[18]
    f50, f95 = statistics.median(floor), statistics.quantiles(floor, n=20)[18]
    home = reverse("competitions:phase", args=[comp.slug, phase.slug])
    htimes = []
    for _ in range(max(10, requests // 3)):
        t = time.perf_counter()
        client.get(home)
        htimes.append((time.perf_counter() - t) * 1000)
    print(
        f"leaderboard partial, 10,000 submissions / 500 participants: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
        f"{len(q)} queries; bare row query p50 {f50:.1f} ms p95 {f95:.1f} ms; "
        f"full competition page (board + chart + quota) p50 {statistics.median(htimes):.1f} ms"
    )
    print(f"BENCH compete_leaderboard_p50 ours={p50:.2f} baseline={f50:.2f} ratio={p50 / f50:.2f} unit=ms")
    print(f"BENCH compete_leaderboard_p95 ours={p95:.2f} baseline={f95:.2f} ratio={p95 / f95:.2f} unit=ms")
    print(
        f"leaderboard after every score change (cache miss): p50 {c50:.1f} ms, p95 {c95:.1f} ms, {len(qcold)} queries"
    )
    print(f"BENCH compete_leaderboard_uncached_p95 ours={c95:.2f} baseline={f95:.2f} ratio={c95 / f95:.2f} unit=ms")
    print(f"BENCH compete_leaderboard_queries ours={len(qcold)} baseline=1 ratio={len(qcold):.2f} unit=queries")


def main() -> None:
    scale = float(os.environ.get("BENCH_COMPETE_SCALE", "1.0"))
    requests = int(os.environ.get("BENCH_COMPETE_REQUESTS", "60"))
    _setup()
    ours, baseline, shots = bench_scoring(scale)
    bench_leaderboard(requests)
    print(
        f"BENCH compete_scoring_throughput ours={shots / ours:.0f} baseline={shots / baseline:.0f} "
        f"ratio={baseline / ours:.3f} unit=shots/s"
    )
    print(f"BENCH compete_scoring_overhead ours={ours:.3f} baseline={baseline:.3f} ratio={ours / baseline:.3f} unit=s")


if __name__ == "__main__":
    for p in (str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[1] / "platform")):
        sys.path.insert(0, p)
    main()
