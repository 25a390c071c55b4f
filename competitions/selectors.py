"""Reads of the competitions app: who may see what, quotas, leaderboards, histories.

Ranking rules live here and only here: best score per participant (team or person), ties broken
by the earlier submission, host baselines shown as rows of their own. The private ranking is
computed from each participant's final selection (up to K; by default their best public ones)
and is visible to hosts at any time and to everyone else only once the phase has closed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils import timezone

from .enums import PENDING, SubmissionStatus
from .models import Competition, Phase, Submission, Team, TeamMembership

if TYPE_CHECKING:
    from accounts.models import User
    from courses.selectors import AnyUser

DAY = timedelta(days=1)


@dataclass(frozen=True)
class CompAccess:
    competition: Competition
    user: User
    is_host: bool
    can_participate: bool


def competition_access(*, user: AnyUser, slug: str) -> CompAccess:
    """The competition and what the user may do there; 404 for anyone who may not see it.

    A course's competition is visible to the course's members (students participate; teachers and
    site admins host); a site-wide one to every signed-in user. Named hosts always host.
    """
    comp = Competition.objects.select_related("course").filter(slug=slug).first()
    if comp is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise Http404("No such competition.")
    user = cast("User", user)  # an anonymous visitor got the 404 above
    is_admin = bool(user.is_superuser)
    named_host = comp.hosts.filter(pk=user.pk).exists()
    if comp.course_id is None:
        return CompAccess(comp, user, is_host=is_admin or named_host, can_participate=not (is_admin or named_host))
    from courses.enums import Role
    from courses.selectors import course_role

    assert comp.course is not None  # course_id was checked above
    role = course_role(user=user, course=comp.course)
    if role is None and not is_admin and not named_host:
        raise Http404("No such competition.")
    is_host = is_admin or named_host or role == Role.TEACHER
    return CompAccess(comp, user, is_host=is_host, can_participate=role == Role.STUDENT)


def competitions_for_user(*, user: AnyUser) -> list[Competition]:
    if not getattr(user, "is_authenticated", False):
        return []
    user = cast("User", user)  # signed in (checked above)
    from courses.models import Enrollment

    courses = Enrollment.objects.filter(user=user).values("course_id")
    qs = Competition.objects.filter(course__isnull=True) | Competition.objects.filter(course__in=courses)
    if user.is_superuser:
        qs = Competition.objects.all()
    return list(qs.distinct().order_by("slug"))


def phases_of(*, competition: Competition) -> list[Phase]:
    return list(competition.phases.order_by("order", "starts_at"))


def phase_current(*, competition: Competition, at: datetime | None = None) -> Phase | None:
    """The open phase, else the next one, else the last one."""
    at = at or timezone.now()
    phases = phases_of(competition=competition)
    for ph in phases:
        if ph.is_open(at):
            return ph
    upcoming = [ph for ph in phases if ph.starts_at > at]
    return upcoming[0] if upcoming else (phases[-1] if phases else None)


def phase_get(*, competition: Competition, slug: str) -> Phase:
    ph = competition.phases.filter(slug=slug).first()
    if ph is None:
        raise Http404("No such phase.")
    return ph


def team_of(*, competition: Competition, user: User) -> Team | None:
    m = TeamMembership.objects.filter(competition=competition, user=user).select_related("team").first()
    return m.team if m else None


def participant_key(*, competition: Competition, user: User) -> tuple[str, Team | None]:
    team = team_of(competition=competition, user=user)
    return (f"t{team.pk}" if team else f"u{user.pk}"), team


@dataclass(frozen=True)
class Quota:
    daily_limit: int
    used_today: int
    phase_limit: int
    used_phase: int
    running: int
    max_running: int
    next_allowed_at: datetime | None  # None: may submit now (or never again in this phase)
    reason: str = ""

    @property
    def left_today(self) -> int:
        return max(0, min(self.daily_limit - self.used_today, self.phase_limit - self.used_phase))

    @property
    def allowed(self) -> bool:
        return not self.reason


def quota_for(*, phase: Phase, participant: str, at: datetime | None = None) -> Quota:
    """Rolling 24-hour and per-phase limits and the running cap for one participant.

    Every received submission counts, failed ones included (otherwise errors would be free probes
    of the hidden data), except those the platform failed to evaluate ("needs attention"). ``next_allowed_at`` is when the oldest submission of the window expires.
    """
    from django.utils.translation import gettext as _

    at = at or timezone.now()
    # Platform failures ("needs attention") are not the participant's: they do not use quota.
    qs = Submission.objects.filter(phase=phase, participant=participant, is_baseline=False).exclude(
        status=SubmissionStatus.NEEDS_ATTENTION
    )
    used_phase = qs.count()
    window = list(qs.filter(received_at__gt=at - DAY).order_by("received_at").values_list("received_at", flat=True))
    running = qs.filter(status__in=PENDING).count()
    reason, next_at = "", None
    if used_phase >= phase.phase_limit:
        reason = _("You have used all %(n)d submissions of this phase.") % {"n": phase.phase_limit}
    elif len(window) >= phase.daily_limit:
        next_at = window[len(window) - phase.daily_limit] + DAY
        reason = _("Daily limit of %(n)d submissions reached.") % {"n": phase.daily_limit}
    elif running >= phase.max_running:
        reason = _("%(n)d of your submissions are still being evaluated; wait until one finishes.") % {"n": running}
        next_at = at + timedelta(seconds=30)
    return Quota(
        daily_limit=phase.daily_limit,
        used_today=len(window),
        phase_limit=phase.phase_limit,
        used_phase=used_phase,
        running=running,
        max_running=phase.max_running,
        next_allowed_at=next_at,
        reason=reason,
    )


@dataclass
class Row:
    rank: int | None
    participant: str
    name: str
    score: float | None
    tiebreak: float | None
    submission_id: int
    received_at: datetime
    is_baseline: bool
    entries: int = 0
    is_you: bool = False
    detail: dict[str, Any] = field(default_factory=dict)


def _names(keys: set[str]) -> dict[str, str]:
    users = {int(k[1:]) for k in keys if k.startswith("u")}
    teams = {int(k[1:]) for k in keys if k.startswith("t")}
    names: dict[str, str] = {}
    for pk, username, display in (
        get_user_model().objects.filter(pk__in=users).values_list("pk", "username", "display_name")
    ):
        names[f"u{pk}"] = display or username
    for pk, name in Team.objects.filter(pk__in=teams).values_list("pk", "name"):
        names[f"t{pk}"] = name
    return names


def private_visible(*, access: CompAccess, phase: Phase, at: datetime | None = None) -> bool:
    return access.is_host or phase.is_closed(at)


def _sort_key(higher: bool):  # type: ignore[no-untyped-def]
    def key(row: Row) -> tuple[float, float, datetime, int]:
        s = row.score if row.score is not None else float("inf") * (-1 if higher else 1)
        t = row.tiebreak if row.tiebreak is not None else (float("-inf") if higher else float("inf"))
        return ((-s if higher else s), (-t if higher else t), row.received_at, row.submission_id)

    return key


def leaderboard(*, phase: Phase, split: str, viewer: User | None = None) -> list[Row]:
    """Ranked rows, one per participant plus one per baseline; ties go to the earlier submission.

    ``split="public"``: each participant's best public score over all their graded submissions.
    ``split="private"``: the best private score among their final selection (callers check
    :func:`private_visible` first).
    """
    import copy

    from django.core.cache import cache

    # The version is read fresh (the caller's Phase may be stale); one indexed primary-key lookup.
    version = Phase.objects.filter(pk=phase.pk).values_list("board_version", flat=True).first()
    cache_key = f"cmp:board:{phase.pk}:{version}:{split}"
    cached = cache.get(cache_key)
    if isinstance(cached, list):
        ranked = [_row_load(r) for r in cached]
    else:
        ranked = _ranking(phase=phase, split=split)
        # The cache holds JSON only (core.cache: never pickles), so rows travel as dicts.
        cache.set(cache_key, [_row_dump(r) for r in ranked], 3600)
    rows = copy.deepcopy(ranked)
    if viewer is not None:
        me = f"u{getattr(viewer, 'pk', 0)}"
        team = team_of(competition=phase.competition, user=viewer)
        for r in rows:
            r.is_you = r.participant == me or (team is not None and r.participant == f"t{team.pk}")
    return rows


def _row_dump(row: Row) -> dict[str, Any]:
    data = asdict(row)
    data["received_at"] = row.received_at.isoformat()
    return data


def _row_load(data: dict[str, Any]) -> Row:
    return Row(**{**data, "received_at": datetime.fromisoformat(data["received_at"])})


def _ranking(*, phase: Phase, split: str) -> list[Row]:
    higher = phase.competition.higher_is_better
    key = _sort_key(higher)
    graded = Submission.objects.filter(phase=phase, status=SubmissionStatus.GRADED, public_score__isnull=False)
    baselines = [
        Row(
            None,
            "baseline",
            label,
            pub if split == "public" else priv,
            pub_t if split == "public" else priv_t,
            sid,
            at,
            True,
            1,
        )
        for sid, at, label, pub, pub_t, priv, priv_t in graded.filter(is_baseline=True).values_list(
            "id", "received_at", "label", "public_score", "public_tiebreak", "private_score", "private_tiebreak"
        )
    ]
    rows: list[Row] = []
    if split == "public":
        rows = _best_public(graded.filter(is_baseline=False), higher)
    else:
        fields = (
            "id",
            "participant",
            "received_at",
            "selected",
            "public_score",
            "public_tiebreak",
            "private_score",
            "private_tiebreak",
        )
        by_participant: dict[str, list[tuple]] = {}  # type: ignore[type-arg]
        for s in graded.filter(is_baseline=False).order_by("received_at", "id").values_list(*fields):
            by_participant.setdefault(s[1], []).append(s)
        limit = phase.competition.final_selection_limit
        for part, items in by_participant.items():
            pub_rows = sorted((Row(None, part, "", it[4], it[5], it[0], it[2], False) for it in items), key=key)
            chosen = {it[0] for it in items if it[3]} or {r.submission_id for r in pub_rows[:limit]}
            cands = sorted(
                (Row(None, part, "", it[6], it[7], it[0], it[2], False) for it in items if it[0] in chosen), key=key
            )
            best = cands[0]
            best.entries = len(items)
            rows.append(best)
    names = _names({r.participant for r in rows})
    for r in rows:
        r.name = names.get(r.participant, r.participant)
    rows.sort(key=key)
    for i, r in enumerate(rows, start=1):
        r.rank = i
    merged = rows + baselines
    merged.sort(key=key)
    return merged


def _best_public(qs, higher: bool) -> list[Row]:  # type: ignore[no-untyped-def]
    """One row per participant, their best public submission, ranked in the database (window
    functions: the web process never loads every submission of a large phase)."""
    from django.db.models import Count, F, Window
    from django.db.models.functions import RowNumber

    def order(name: str):  # type: ignore[no-untyped-def]
        return F(name).desc(nulls_last=True) if higher else F(name).asc(nulls_last=True)

    ordering = [order("public_score"), order("public_tiebreak"), F("received_at").asc(), F("id").asc()]
    ranked = qs.annotate(
        pos=Window(RowNumber(), partition_by=[F("participant")], order_by=ordering),
        entries=Window(Count("id"), partition_by=[F("participant")]),
    ).filter(pos=1)
    return [
        Row(None, part, "", score, tb, sid, at, False, entries)
        for sid, part, at, score, tb, entries in ranked.values_list(
            "id", "participant", "received_at", "public_score", "public_tiebreak", "entries"
        )
    ]


def my_submissions(*, phase: Phase, participant: str) -> list[Submission]:
    return list(
        Submission.objects.filter(phase=phase, participant=participant, is_baseline=False)
        .select_related("user")
        .order_by("-received_at", "-id")[:200]
    )


def recent_submissions(*, phase: Phase, limit: int = 50) -> list[Submission]:
    """For hosts: the latest submissions of everyone, with their state (to spot failures)."""
    return list(
        Submission.objects.filter(phase=phase, is_baseline=False)
        .select_related("user", "team")
        .defer("public_detail", "private_detail", "log")
        .order_by("-received_at", "-id")[:limit]
    )


def submission_for_viewer(*, access: CompAccess, pk: int) -> Submission:
    """A submission its participant (or a team-mate) or a host may see; 404 for everyone else."""
    sub = (
        Submission.objects.select_related("phase", "user").filter(pk=pk, phase__competition=access.competition).first()
    )
    if sub is None:
        raise Http404("No such submission.")
    if access.is_host:
        return sub
    key, _team = participant_key(competition=access.competition, user=access.user)
    if sub.is_baseline or (sub.participant != key and sub.user_id != access.user.pk):
        raise Http404("No such submission.")
    return sub


def score_history(*, phase: Phase, split: str = "public") -> dict[str, Any]:
    """Best score over time (the leaderboard's top) and every participant's submissions, for plotting."""
    higher = phase.competition.higher_is_better
    col = "public_score" if split == "public" else "private_score"
    subs = list(
        Submission.objects.filter(
            phase=phase, status=SubmissionStatus.GRADED, is_baseline=False, **{f"{col}__isnull": False}
        )
        .order_by("received_at", "id")
        .values_list("participant", "received_at", col)
    )
    best_t, best_y, cur = [], [], None
    per: dict[str, tuple[list[datetime], list[float]]] = {}
    for part, at, score in subs:
        if cur is None or (score > cur if higher else score < cur):
            cur = score
            best_t.append(at)
            best_y.append(score)
        per.setdefault(part, ([], []))
        per[part][0].append(at)
        per[part][1].append(score)
    names = _names(set(per))
    return {"best": (best_t, best_y), "participants": {names.get(k, k): v for k, v in per.items()}}


def grade_mapping(*, phase: Phase, split: str = "private", points: float | None = None) -> list[tuple[Row, float]]:
    """Course points per ranked participant from the competition's mapping (top ``top`` get full
    points, the rest decrease linearly to ``floor``; no score → 0). Based on the private ranking
    unless ``split="public"``. ``points`` rescales the mapping to another maximum (a course
    activity's points): the floor keeps its share of the maximum."""
    mapping = phase.competition.grade_mapping or {}
    base = float(mapping.get("points", 0))
    top = int(mapping.get("top", 1))
    floor = float(mapping.get("floor", 0))
    if points is not None:
        floor = min(float(points), floor * float(points) / base) if base > 0 else 0.0
        base = float(points)
    rows = [r for r in leaderboard(phase=phase, split=split) if not r.is_baseline]
    out = []
    n = len(rows)
    for r in rows:
        assert r.rank is not None
        if r.score is None:
            pts = 0.0
        elif r.rank <= top:
            pts = base
        else:
            frac = (r.rank - top) / max(1, n - top)
            pts = base - (base - floor) * frac
        out.append((r, round(pts, 2)))
    return out


def grade_phase(*, competition: Competition, at: datetime | None = None) -> tuple[Phase, str] | None:
    """The ranking a course grade is mapped from: the latest phase that has started, its final
    (private) ranking once it has closed, else its current public one; None before any phase."""
    at = at or timezone.now()
    started = [ph for ph in phases_of(competition=competition) if ph.starts_at <= at]
    if not started:
        return None
    phase = started[-1]
    return phase, ("private" if phase.is_closed(at) else "public")


def grade_activities(*, competition: Competition) -> list[Any]:
    """The course activities (``kind: competition``) whose points a ranking of this competition
    may fill: live activities of the competition's course that name it in ``options``."""
    if competition.course_id is None:
        return []
    from courses.enums import ActivityKind
    from courses.models import Activity

    return list(
        Activity.objects.filter(
            course_id=competition.course_id,
            kind=ActivityKind.COMPETITION,
            options__competition=competition.slug,
        )
        .live()
        .order_by("unit__order", "order", "pk")
    )


def competition_grades(*, activity_ids: list[int], user_ids: list[int] | None = None) -> dict[tuple[int, int], Any]:
    """Mapped course points, keyed ``(user_id, activity_id)``: one query whatever the number of
    students (the gradebook and the progress page read it). Values: ``CompetitionGrade`` rows."""
    if not activity_ids:
        return {}
    from .models import CompetitionGrade

    qs = CompetitionGrade.objects.filter(activity_id__in=activity_ids)
    if user_ids is not None:
        qs = qs.filter(user_id__in=user_ids)
    return {(g.user_id, g.activity_id): g for g in qs.defer("applied_by")}


def competition_for_activity(*, activity: Any) -> Competition | None:
    """The competition a course activity of kind ``competition`` points at (``options["competition"]``),
    if it exists and belongs to that course or stands site-wide; for the course pages to link to."""
    slug = (getattr(activity, "options", None) or {}).get("competition")
    if not slug:
        return None
    comp = Competition.objects.filter(slug=slug).first()
    if comp is None or (comp.course_id is not None and comp.course_id != activity.course_id):
        return None
    return comp


def competitions_of_course(*, course: Any) -> list[Competition]:
    """The competitions that belong to ``course``, for its home page's compete (赛) stage."""
    return list(Competition.objects.filter(course=course).order_by("slug"))
