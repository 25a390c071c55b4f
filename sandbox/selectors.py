"""Reads of the lab: is the hub there, and what is the user's server doing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from .client import HubError, ServerStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LabStatus:
    available: bool
    server: ServerStatus | None = None
    message: str = ""


def lab_status(*, user: Any, timeout: float = 2.0) -> LabStatus:
    """The user's server state, or ``available=False`` with the reason logged (never raises)."""
    from .services import hub_client

    try:
        return LabStatus(available=True, server=hub_client(timeout=timeout).server_status(user.hub_name))
    except HubError as exc:
        log.warning("lab status for %s: hub unavailable: %s", user.hub_name, exc)
        return LabStatus(available=False, message=str(exc))
