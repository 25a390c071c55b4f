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


# A grading job ends in one of these; anything else is still in flight.
FINAL_STATUSES = frozenset(
    {
        SubmissionStatus.GRADED,
        SubmissionStatus.TIMED_OUT,
        SubmissionStatus.MEMORY_LIMIT,
        SubmissionStatus.ERROR,
        SubmissionStatus.NEEDS_ATTENTION,
    }
)
IN_FLIGHT_STATUSES = frozenset({SubmissionStatus.RECEIVED, SubmissionStatus.QUEUED, SubmissionStatus.RUNNING})
# The attempt limit is settings.JOBS_MAX_ATTEMPTS, one for every queue (core.jobs).
