"""Competitions, phases, teams and submissions.

A competition belongs to a course or stands site-wide. Each phase has its own hidden dataset
(under ``COMPETITIONS_DATA_DIR``, never in the database or the repository), its scoring program
(``Competition.task``) and its leaderboard. A submission carries two scores: the public one,
shown during the phase, and the private one, revealed at the close.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from orgs.enums import CompetitionScope

from .enums import EntryMode, SchoolRanking, SubmissionKind, SubmissionStatus, Task


def new_invite_code() -> str:
    return secrets.token_urlsafe(9)


class Competition(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(_("title"), max_length=200)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    summary_zh = models.TextField(_("summary (Chinese)"), blank=True)
    rules_html = models.TextField(_("rules"), blank=True)
    data_html = models.TextField(_("data description"), blank=True)
    rules_html_zh = models.TextField(_("rules (Chinese)"), blank=True)
    data_html_zh = models.TextField(_("data description (Chinese)"), blank=True)
    course = models.ForeignKey(
        "courses.Course", null=True, blank=True, on_delete=models.CASCADE, related_name="competitions"
    )
    hosts = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="hosted_competitions")
    task = models.CharField(max_length=16, choices=Task.choices)
    # Lower is better for the Decoder Cup (a ratio to matching), higher for accuracy.
    higher_is_better = models.BooleanField(default=True)
    entry_point = models.CharField(max_length=64, default="decode")
    final_selection_limit = models.PositiveSmallIntegerField(default=2)
    max_team_size = models.PositiveSmallIntegerField(default=3)
    team_freeze_at = models.DateTimeField(null=True, blank=True)
    # Optional course-grade mapping: {"points": 10, "top": 10, "floor": 4} (see selectors.grade_mapping).
    grade_mapping = models.JSONField(default=dict, blank=True)
    # Who may see and enter: everyone (site), the schools of one district, or one school. ``org``
    # is that district or school (empty for site-wide). Existing competitions are site-wide.
    scope = models.CharField(
        _("open to"), max_length=16, choices=CompetitionScope.choices, default=CompetitionScope.SITE
    )
    org = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="competitions",
        verbose_name=_("district or school"),
    )
    # Eligibility, checked at registration: empty means every school in scope / every grade.
    eligible_schools = models.ManyToManyField(
        "orgs.Organisation", blank=True, related_name="eligible_competitions", verbose_name=_("eligible schools")
    )
    eligible_grades = models.JSONField(
        _("eligible grades"), default=list, blank=True, help_text=_("A list of grades, e.g. [10, 11]; empty: all.")
    )
    entry_mode = models.CharField(_("entries"), max_length=16, choices=EntryMode.choices, default=EntryMode.EITHER)
    school_ranking = models.CharField(
        _("schools ranking"), max_length=16, choices=SchoolRanking.choices, default=SchoolRanking.BEST
    )
    school_ranking_k = models.PositiveSmallIntegerField(_("k (entries counted per school)"), default=3)
    # Every participant's phase opens and closes at the same instants, by the server's clock.
    synchronised = models.BooleanField(_("synchronised start"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("slug",)
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(scope=CompetitionScope.SITE) & models.Q(org__isnull=True))
                | (~models.Q(scope=CompetitionScope.SITE) & models.Q(org__isnull=False)),
                name="competition_scope_has_org",
            ),
            models.CheckConstraint(condition=models.Q(school_ranking_k__gte=1), name="competition_k_positive"),
        ]

    def __str__(self) -> str:
        return self.slug

    @property
    def local_title(self) -> str:
        return self.title_zh if self.title_zh and (get_language() or "").startswith("zh") else self.title

    @property
    def local_summary(self) -> str:
        return self.summary_zh if self.summary_zh and (get_language() or "").startswith("zh") else self.summary

    @property
    def local_rules_html(self) -> str:
        return self.rules_html_zh if self.rules_html_zh and (get_language() or "").startswith("zh") else self.rules_html

    @property
    def local_data_html(self) -> str:
        return self.data_html_zh if self.data_html_zh and (get_language() or "").startswith("zh") else self.data_html


class Phase(models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="phases")
    slug = models.SlugField()
    title = models.CharField(max_length=200)
    title_zh = models.CharField(max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    submission_kind = models.CharField(max_length=16, choices=SubmissionKind.choices, default=SubmissionKind.MODULE)
    daily_limit = models.PositiveSmallIntegerField(default=5)
    phase_limit = models.PositiveIntegerField(default=100)
    max_running = models.PositiveSmallIntegerField(default=2)
    # The hidden dataset's folder name under COMPETITIONS_DATA_DIR/<competition>/ and its parameters
    # (tasks, noise variation, time budget); the secret seed never appears here.
    dataset = models.CharField(max_length=64)
    config = models.JSONField(default=dict, blank=True)
    # Bumped whenever a score on this phase's board changes: cached rankings are keyed by it.
    board_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("competition", "order", "starts_at")
        constraints = [models.UniqueConstraint(fields=("competition", "slug"), name="phase_slug_unique")]

    def __str__(self) -> str:
        return f"{self.competition.slug}/{self.slug}"

    @property
    def local_title(self) -> str:
        return self.title_zh if self.title_zh and (get_language() or "").startswith("zh") else self.title

    def is_open(self, at=None) -> bool:  # type: ignore[no-untyped-def]
        at = at or timezone.now()
        return self.starts_at <= at < self.ends_at

    def is_closed(self, at=None) -> bool:  # type: ignore[no-untyped-def]
        return (at or timezone.now()) >= self.ends_at


class Team(models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=80)
    invite_code = models.CharField(max_length=20, default=new_invite_code, unique=True)
    # A school team: every member is of this school (empty: members without a school).
    school = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="competition_teams"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("competition", "name"), name="team_name_unique")]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # One team per person per competition.
        constraints = [models.UniqueConstraint(fields=("competition", "user"), name="one_team_per_competition")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class Registration(models.Model):
    """A person entered in a competition, with the school and grade they entered from.

    Made by :func:`services.registration_create` (explicitly, or at a first submission or team
    action) once eligibility holds; the school decides where the person's entries count in the
    schools ranking, fixed at registration (moving school later does not move past entries).
    """

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="competition_registrations"
    )
    school = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="competition_registrations"
    )
    grade = models.PositiveSmallIntegerField(null=True, blank=True)
    registered_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=("competition", "user"), name="one_registration_per_user")]
        indexes = [models.Index(fields=("competition", "school"), name="creg_comp_school")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.competition_id}"


class Submission(models.Model):
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="submissions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="competition_submissions")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="submissions")
    # "u<id>" or "t<id>": who the quota and the leaderboard row belong to (fixed at receipt).
    participant = models.CharField(max_length=24, db_index=True)
    received_at = models.DateTimeField(db_index=True)
    blob = models.CharField(max_length=64, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=SubmissionKind.choices)
    status = models.CharField(max_length=20, choices=SubmissionStatus.choices, default=SubmissionStatus.RECEIVED)
    is_baseline = models.BooleanField(default=False)
    label = models.CharField(max_length=120, blank=True, help_text=_("name shown for baseline rows"))
    public_score = models.FloatField(null=True, blank=True)
    public_tiebreak = models.FloatField(null=True, blank=True)
    private_score = models.FloatField(null=True, blank=True)
    private_tiebreak = models.FloatField(null=True, blank=True)
    public_detail = models.JSONField(default=dict, blank=True)
    private_detail = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    log = models.TextField(blank=True)
    selected = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("-received_at", "-id")
        indexes = [
            models.Index(fields=("phase", "status"), name="csub_phase_status"),
            models.Index(fields=("phase", "participant", "received_at"), name="csub_phase_participant"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.participant} {self.phase}"

    @property
    def is_scored(self) -> bool:
        return self.status == SubmissionStatus.GRADED and self.public_score is not None


class CompetitionGrade(models.Model):
    """Course points of a ``kind: competition`` activity, mapped from a competition's ranking.

    Written only by :func:`competitions.services.competition_grades_apply`, which replaces every
    row of the activity at once; ``rule`` records the ranking and mapping used (shown to staff).
    """

    activity = models.ForeignKey("courses.Activity", on_delete=models.CASCADE, related_name="competition_grades")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="competition_grades")
    points = models.FloatField()
    rank = models.PositiveIntegerField(null=True, blank=True)
    computed_at = models.DateTimeField()
    rule = models.CharField(max_length=200)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=("activity", "user"), name="competition_grade_unique")]

    def __str__(self) -> str:
        return f"{self.user} {self.activity}: {self.points:g}"
