"""Celery tasks of the lab (thin: they call sandbox.services)."""

from __future__ import annotations

import logging
import time

from celery import shared_task

log = logging.getLogger(__name__)

# A drive follows the queue at most this long; the housekeeping picks up whatever is left.
DRIVE_SECONDS = 600.0


@shared_task(name="sandbox.housekeeping", ignore_result=True)
def housekeeping() -> dict[str, int]:
    """Periodic: prepare the labs of lessons about to start, stop unused prepared labs, move the queue."""
    from . import services

    prepared = services.lessons_due()
    stopped = services.prepared_unused_stop()
    started = services.queue_pump(check_hub=True)
    if (services.queue_active() or services.prepared_placing()) and not services.drive_claimed():
        queue_drive_send()
    return {"lessons": len(prepared), "stopped": stopped, "started": len(started)}


@shared_task(name="sandbox.queue_drive", ignore_result=True)
def queue_drive(seconds: float = DRIVE_SECONDS) -> int:
    """Follow the start queue until it is empty (prepared labs have no page to move it), placing the
    lesson's activity in each prepared lab as it becomes ready (``services.prepared_place``)."""
    from . import services

    if not services.drive_claim(seconds=seconds + 60):
        return 0  # another worker follows it
    deadline = time.monotonic() + seconds
    started = 0
    try:
        while time.monotonic() < deadline:
            started += len(services.queue_pump(check_hub=True))
            services.prepared_place()
            if not services.queue_active() and not services.prepared_placing():
                break
            time.sleep(1.0)
    finally:
        services.drive_release()
    return started


def queue_drive_send() -> None:
    """Ask a worker to follow the queue; a broker that is down only leaves it to the housekeeping."""
    try:
        queue_drive.apply_async(retry=False)
    except Exception as exc:  # refused, frozen, unknown host: the periodic housekeeping moves it
        log.warning("lab queue drive not sent (%s: %s)", type(exc).__name__, exc)
