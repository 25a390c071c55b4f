"""Request ids and JSON log lines.

:class:`RequestIdMiddleware` takes the ``X-Request-ID`` a proxy sent (when it looks like an id) or
makes one, keeps it for the request's log lines (a context variable, so threads and async views
each see their own) and returns it in the response. :class:`RequestIdFilter` puts it on every
record (``-`` outside a request); :class:`JsonFormatter` writes one JSON object a line
(``LOG_FORMAT=json``).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
_VALID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_request_id: ContextVar[str] = ContextVar("request_id", default="-")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        asked = request.META.get("HTTP_X_REQUEST_ID", "")
        # an id from outside is kept only when it cannot forge a log line (no spaces, quotes, newlines)
        rid = asked if _VALID.fullmatch(asked) else uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
        # Left set after the response: Django logs a 4xx/5xx after the middleware chain has
        # returned; request_finished puts it back to "-".
        _request_id.set(rid)
        if settings.SENTRY_DSN:  # an error report names the request, as the log lines do
            import sentry_sdk

            sentry_sdk.get_isolation_scope().set_tag("request_id", rid)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = rid
        return response


def _request_done(**_: object) -> None:
    _request_id.set("-")


request_finished.connect(_request_done, dispatch_uid="core.logging.request_done")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request = getattr(record, "request", None)  # django.request passes the request along
            record.request_id = getattr(request, "request_id", None) or _request_id.get()
        return True


_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id, and any
    ``extra=`` fields; the traceback as one string under ``exception``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", _request_id.get()),
            "process": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def task_started(task_id: str | None) -> None:
    """In a worker, log lines of a task carry ``task:<id>`` where a request's carry its id."""
    _request_id.set(f"task:{task_id}" if task_id else "-")


def task_finished() -> None:
    _request_id.set("-")
