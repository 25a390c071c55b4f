"""Choices of the competitions app. Submission status is grading's (one status model for the platform)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from grading.enums import SubmissionStatus

__all__ = ["FAILED", "PENDING", "EntryMode", "SchoolRanking", "Split", "SubmissionKind", "SubmissionStatus", "Task"]


class Task(models.TextChoices):
    """Which trusted scoring program and data generator a competition uses."""

    DECODER = "decoder", _("Surface-code decoder (Decoder Cup)")
    CLASSIFY = "classify", _("Classification (QML challenge)")


class SubmissionKind(models.TextChoices):
    MODULE = "module", _("Python module with an entry point")
    NOTEBOOK = "notebook", _("Notebook defining the entry point")
    PREDICTIONS = "predictions", _("Predictions file (CSV)")


class Split(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")


# Statuses that still hold a running slot.
PENDING = (SubmissionStatus.RECEIVED, SubmissionStatus.QUEUED, SubmissionStatus.RUNNING)
FAILED = (
    SubmissionStatus.TIMED_OUT,
    SubmissionStatus.MEMORY_LIMIT,
    SubmissionStatus.ERROR,
    SubmissionStatus.NEEDS_ATTENTION,
)


class EntryMode(models.TextChoices):
    """Who enters: people on their own, school teams, or either (the default, as before)."""

    EITHER = "either", _("Individuals or school teams")
    INDIVIDUALS = "individuals", _("Individuals only")
    TEAMS = "teams", _("School teams only")


class SchoolRanking(models.TextChoices):
    """How the schools ranking scores a school from its participants' best scores."""

    BEST = "best", _("Best entry of the school")
    TOPK_MEAN = "topk_mean", _("Mean of the school's top k entries")
