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
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from orgs.enums import CompetitionScope, OrgKind, OrgRole
from orgs.models import Membership, Organisation
from orgs.selectors import org_is_admin

from .enums import PENDING, SchoolRanking, SubmissionStatus
from .models import Competition, Phase, Registration, Submission, Team, TeamMembership

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


def _scope_memberships(*, competition: Competition, user: User) -> QuerySet[Membership]:
    """The user's live memberships that put them inside the competition's scope (any role).

    District scope: the district itself or any of its schools; school scope: that school.
    Site scope is not a membership question (everyone is inside): callers check it first.
    """
    qs = Membership.objects.filter(user=user, archived=False)
    if competition.scope == CompetitionScope.DISTRICT:
        return qs.filter(Q(org_id=competition.org_id) | Q(org__parent_id=competition.org_id))
    return qs.filter(org_id=competition.org_id)


def entrant_membership(*, competition: Competition, user: User) -> Membership | None:
    """The student membership a person enters from: a school inside the scope (any school for a
    site-wide competition), with its class; None for someone who is no school's student."""
    qs = Membership.objects.filter(
        user=user, archived=False, role=OrgRole.STUDENT, org__kind=OrgKind.SCHOOL
    ).select_related("org", "school_class")
    if competition.scope == CompetitionScope.DISTRICT:
        qs = qs.filter(org__parent_id=competition.org_id)
    elif competition.scope == CompetitionScope.SCHOOL:
        qs = qs.filter(org_id=competition.org_id)
    return qs.order_by("pk").first()


def competition_access(*, user: AnyUser, slug: str) -> CompAccess:
    """The competition and what the user may do there; 404 for anyone who may not see it.

    A course's competition is visible to the course's members (students participate; teachers and
    site admins host); a site-wide one to every signed-in user. Named hosts always host; so do the
    admins of a district- or school-wide competition's organisation. Outside a course, a district
    or school competition is visible to that district's or school's members only (404 for the
    rest, a student of another district included) and entered by its students; a course's
    competition with a narrower scope also needs the student to be inside it.
    """
    comp = Competition.objects.select_related("course", "org").filter(slug=slug).first()
    if comp is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise Http404("No such competition.")
    user = cast("User", user)  # an anonymous visitor got the 404 above
    is_admin = bool(user.is_superuser)
    named_host = comp.hosts.filter(pk=user.pk).exists()
    org_admin = comp.org is not None and org_is_admin(user=user, org=comp.org)
    site_wide = comp.scope == CompetitionScope.SITE
    in_scope = site_wide or _scope_memberships(competition=comp, user=user).exists()
    student_in_scope = site_wide or entrant_membership(competition=comp, user=user) is not None
    if comp.course_id is None:
        host = is_admin or named_host or org_admin
        if not (host or in_scope):
            raise Http404("No such competition.")
        return CompAccess(comp, user, is_host=host, can_participate=not host and student_in_scope)
    from courses.enums import Role
    from courses.selectors import course_role

    assert comp.course is not None  # course_id was checked above
    role = course_role(user=user, course=comp.course)
    is_host = is_admin or named_host or org_admin or role == Role.TEACHER
    if not is_host and (role is None or not in_scope):
        raise Http404("No such competition.")
    return CompAccess(comp, user, is_host=is_host, can_participate=role == Role.STUDENT and student_in_scope)


def competitions_for_user(*, user: AnyUser) -> list[Competition]:
    if not getattr(user, "is_authenticated", False):
        return []
    user = cast("User", user)  # signed in (checked above)
    from courses.models import Enrollment

    if user.is_superuser:
        return list(Competition.objects.select_related("course", "org").order_by("slug"))
    courses = Enrollment.objects.filter(user=user).values("course_id")
    qs = Competition.objects.filter(Q(course__isnull=True) | Q(course__in=courses))
    # Scope: the organisations the user belongs to, their districts, and the schools of the
    # districts they administer (a district admin sees its schools' competitions).
    mine = list(Membership.objects.filter(user=user, archived=False).values_list("org_id", "org__parent_id", "role"))
    orgs = {org for org, _parent, _role in mine} | {parent for _org, parent, _role in mine if parent}
    admin_of = [org for org, _parent, role in mine if role == OrgRole.ADMIN]
    orgs |= set(Organisation.objects.filter(parent_id__in=admin_of).values_list("pk", flat=True))
    qs = qs.filter(Q(scope=CompetitionScope.SITE) | Q(org_id__in=orgs)) | Competition.objects.filter(hosts=user)
    return list(qs.select_related("course", "org").distinct().order_by("slug"))


@dataclass(frozen=True)
class Eligibility:
    """Whether a person may register, and the school and grade they would enter from."""

    school: Organisation | None
    grade: int | None
    reason: str = ""  # translated; empty: eligible

    @property
    def ok(self) -> bool:
        return not self.reason


def eligibility(*, competition: Competition, user: User) -> Eligibility:
    """Registration's check: inside the scope as a student, one of the eligible schools (none
    listed: every school in scope), one of the eligible grades (the grade of the student's class
    in that school; none listed: every grade)."""
    from django.utils.translation import gettext as _

    m = entrant_membership(competition=competition, user=user)
    school = m.org if m is not None else None
    grade = m.school_class.grade if m is not None and m.school_class is not None else None
    if competition.scope != CompetitionScope.SITE and m is None:
        assert competition.org is not None
        return Eligibility(
            None, None, _("Only students of %(org)s may register.") % {"org": competition.org.local_name}
        )
    allowed = list(competition.eligible_schools.all())
    if allowed and (school is None or school.pk not in {o.pk for o in allowed}):
        names = ", ".join(o.local_name for o in allowed)
        return Eligibility(
            school, grade, _("This competition is open to students of these schools only: %(schools)s.") % {"schools": names}
        )
    grades = sorted({int(g) for g in (competition.eligible_grades or [])})
    if grades:
        listed = ", ".join(str(g) for g in grades)
        if grade is None:
            return Eligibility(
                school,
                None,
                _(
                    "This competition is open to grades %(grades)s, and your class has no grade on record; "
                    "ask your school's administrator."
                )
                % {"grades": listed},
            )
        if grade not in grades:
            return Eligibility(
                school,
                grade,
                _("This competition is open to grades %(grades)s; your class is in grade %(grade)d.")
                % {"grades": listed, "grade": grade},
            )
    return Eligibility(school, grade)


def schools_in_scope(*, competition: Competition) -> QuerySet[Organisation]:
    """The schools a competition is open to: every school (site), the district's, or the one school."""
    qs = Organisation.objects.filter(kind=OrgKind.SCHOOL)
    if competition.scope == CompetitionScope.DISTRICT:
        return qs.filter(parent_id=competition.org_id)
    if competition.scope == CompetitionScope.SCHOOL:
        return qs.filter(pk=competition.org_id or 0)
    return qs


def registration_of(*, competition: Competition, user: User) -> Registration | None:
    return Registration.objects.filter(competition=competition, user=user).select_related("school").first()


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
    school_id: int | None = None  # the team's school, or the person's at registration
    school: str = ""  # its name in the viewer's language (filled per request, not cached)


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


def leaderboard(
    *, phase: Phase, split: str, viewer: User | None = None, school_id: int | None = None
) -> list[Row]:
    """Ranked rows, one per participant plus one per baseline; ties go to the earlier submission.

    ``split="public"``: each participant's best public score over all their graded submissions.
    ``split="private"``: the best private score among their final selection (callers check
    :func:`private_visible` first). ``school_id`` keeps that school's participants (and the
    baselines), each with their rank in the whole competition.
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
    if school_id is not None:
        rows = [r for r in rows if r.is_baseline or r.school_id == school_id]
    names = _school_names({r.school_id for r in rows if r.school_id})
    for r in rows:
        r.school = names.get(r.school_id or 0, "")
    if viewer is not None:
        me = f"u{getattr(viewer, 'pk', 0)}"
        team = team_of(competition=phase.competition, user=viewer)
        for r in rows:
            r.is_you = r.participant == me or (team is not None and r.participant == f"t{team.pk}")
    return rows


def _school_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {o.pk: o.local_name for o in Organisation.objects.filter(pk__in=ids).only("pk", "name", "name_zh")}


def _schools_of(*, competition_id: int, keys: set[str]) -> dict[str, int | None]:
    """Each participant's school: a team's own, a person's at registration. Two queries by
    competition (no IN list of every participant: a large board stays within SQLite's limits)."""
    out: dict[str, int | None] = {}
    for uid, sid in Registration.objects.filter(competition_id=competition_id).values_list("user_id", "school_id"):
        out[f"u{uid}"] = sid
    for tid, sid in Team.objects.filter(competition_id=competition_id).values_list("pk", "school_id"):
        out[f"t{tid}"] = sid
    return {k: out.get(k) for k in keys}


@dataclass(frozen=True)
class SchoolRow:
    """One school on the schools ranking."""

    rank: int
    school_id: int
    name: str
    score: float
    counted: int  # entries whose scores make the school's score (1 for "best"; up to k)
    participants: int  # the school's participants with a score on the board
    last_at: datetime  # receipt time of the latest counted entry (a tie-break)


def school_ranking(*, phase: Phase, split: str) -> list[SchoolRow]:
    """The schools ranking of a phase: the one place that scores and orders schools.

    Built from the participant ranking of :func:`leaderboard` (each participant's best score:
    a person's, or a school team's), without baselines or participants without a school.

    * ``best``: a school scores its best participant's score; schools are ordered as those
      participants are on the board (so ties follow the board's rule: tie-break value, then the
      earlier submission).
    * ``topk_mean``: a school scores the mean of its top ``k`` participants' scores. A school with
      fewer than ``k`` scored participants is scored on **the mean of those it has** (missing
      entries are not counted as zeros or as the worst score). Equal means go to the school with
      more counted entries, then to the one whose latest counted entry came in earlier, then by
      name.
    """
    import math

    comp = phase.competition
    higher = comp.higher_is_better
    rows = [
        r
        for r in leaderboard(phase=phase, split=split)
        if not r.is_baseline and r.score is not None and r.school_id is not None
    ]
    by_school: dict[int, list[tuple[int, Row]]] = {}
    for pos, r in enumerate(rows):  # rows are in ranked order
        assert r.school_id is not None
        by_school.setdefault(r.school_id, []).append((pos, r))
    k = comp.school_ranking_k if comp.school_ranking == SchoolRanking.TOPK_MEAN else 1
    scored: list[tuple[tuple[Any, ...], SchoolRow]] = []
    for sid, items in by_school.items():
        top = items[: max(1, k)]
        scores = [r.score for _pos, r in top if r.score is not None]
        mean = math.fsum(scores) / len(scores)  # fsum: the same mean whatever the order
        last_at = max(r.received_at for _pos, r in top)
        row = SchoolRow(0, sid, items[0][1].school, mean, len(top), len(items), last_at)
        if comp.school_ranking == SchoolRanking.TOPK_MEAN:
            key: tuple[Any, ...] = ((-mean if higher else mean), -len(top), last_at, row.name, sid)
        else:
            key = (top[0][0],)
        scored.append((key, row))
    scored.sort(key=lambda item: item[0])
    return [
        SchoolRow(i, r.school_id, r.name, r.score, r.counted, r.participants, r.last_at)
        for i, (_key, r) in enumerate(scored, start=1)
    ]


def board_schools(*, phase: Phase, split: str) -> list[tuple[int, str]]:
    """The schools with participants on a phase's board, for the leaderboard's school filter."""
    ids = {r.school_id for r in leaderboard(phase=phase, split=split) if r.school_id}
    return sorted(_school_names(ids).items(), key=lambda item: item[1])


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
    schools = _schools_of(competition_id=phase.competition_id, keys={r.participant for r in rows})
    for r in rows:
        r.name = names.get(r.participant, r.participant)
        r.school_id = schools.get(r.participant)
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
