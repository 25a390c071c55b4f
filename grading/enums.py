from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmissionStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    GRADED = "graded", _("Graded")
    TIMED_OUT = "timed_out", _("Timed out")
    MEMORY_LIMIT = "memory_limit", _("Memory limit")
    ERROR = "error", _("Error")
    NEEDS_ATTENTION = "needs_attention", _("Needs attention")


class SubmissionSource(models.TextChoices):
    LAB = "lab", _("From the lab")
    UPLOAD = "upload", _("Upload")
