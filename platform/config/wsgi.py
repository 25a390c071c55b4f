"""WSGI entry point (gunicorn ``config.wsgi``) with ``platform/`` on the path."""

import os
import sys
from pathlib import Path

_root = Path(__file__).resolve().parent.parent.parent
for _p in (str(_root), str(_root / "platform")):
    if _p not in sys.path:
        sys.path.append(_p)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

# The apps' Celery tasks, registered before the first request (core.jobs.tasks_load says why).
from core.jobs import tasks_load  # noqa: E402

tasks_load()
