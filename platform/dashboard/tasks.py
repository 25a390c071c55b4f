"""Celery tasks of the dashboard app: thin wrappers that call its selectors."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="dashboard.snapshots_refresh", ignore_result=True)
def snapshots_refresh() -> int:
    """Periodic (housekeeping queue): keep the district and school dashboards' snapshots warm."""
    from .district import snapshots_refresh as refresh

    return refresh()
