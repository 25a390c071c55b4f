"""The Celery application. Tasks stay thin: they take ids and call a service."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("liangzhi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
