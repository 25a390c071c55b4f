"""Reads behind the dashboard pages, composed from other apps' selectors.

No model of another app is queried here: courses, grading (``grading.analytics``), the lab
(``sandbox``) and competitions are reached through their selectors/clients. Each builder
runs a fixed number of queries whatever the number of students (tests assert the bound).
"""

from __future__ import annotations

import logging
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import selectors as course_selectors
from courses.enums import GRADED_KINDS, ActivityKind
from courses.models import Activity
from courses.selectors import Access
from grading import analytics as grading_analytics
from grading import scoring
from grading.analytics import Attempt, Counted, CourseGrades

log = logging.getLogger(__name__)

FAIL_STATUSES = frozenset({"failed", "partial", "not run", "deleted", "tampered", "no response"})


# ---------------------------------------------------------------------------------------
# shared pieces


@dataclass
class Student:
    id: int
    username: str
    name: str
    hub_name: str
    enrolled_at: datetime


def students_of(*, access: Access) -> list[Student]:
    """The course's students the viewer may see (their offering's: ``courses.selectors.students_in_scope``),
    by username (one query, rows not model instances)."""
    rows = course_selectors.students_in_scope(access=access).values_list(
        "user_id", "user__username", "user__display_name", "user__hub_name", "created_at"
    )
    return [
        Student(id=uid, username=username, name=display or username, hub_name=hub or "", enrolled_at=created)
        for uid, username, display, hub, created in rows
    ]


def gradable_activities(*, access: Access) -> list[Activity]:
    """Assignments and exams the viewer may see, in course order (one query)."""
    return [a for a in course_selectors.activities_visible(access=access) if a.kind in GRADED_KINDS]


def max_points(activity: Activity, attempt: Attempt | Counted | None = None) -> Decimal:
    """The activity's maximum: the counted result's (summed over notebooks), else the import's."""
    if attempt is not None and attempt.max_score:
        return attempt.max_score
    version = activity.current_version
    facts = (version.facts or {}) if version is not None else {}
    return scoring.as_decimal(facts.get("max_points") or activity.points or 0) or Decimal(0)


def percent(score: Decimal | float | None, maximum: Decimal | float) -> float | None:
    """A derived percentage for charts and at-risk rules (scores themselves stay Decimal)."""
    if score is None or not maximum:
        return None
    return round(100.0 * float(score) / float(maximum), 1)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 1) if values else None


def due_in_force(grades: CourseGrades, activity: Activity, user_id: int) -> datetime | None:
    """The due time in force by the one rule (``courses.selectors.due_pick``) from the loaded grades."""
    key = (user_id, activity.pk)
    return course_selectors.due_pick(
        extension=grades.extensions.get(key), offering_due=grades.offering_dues.get(key), activity_due=activity.due_at
    )


# ---------------------------------------------------------------------------------------
# lab usage (the hub may be down: never raise)


@dataclass
class LabUsage:
    available: bool
    message: str = ""
    servers: list[dict[str, Any]] = field(default_factory=list)  # name, started, last_activity, memory_mb
    last_activity: dict[str, datetime] = field(default_factory=dict)  # hub name -> last activity

    @property
    def active(self) -> int:
        return len(self.servers)

    @property
    def memory_mb(self) -> float | None:
        known = [s["memory_mb"] for s in self.servers if s.get("memory_mb") is not None]
        return round(sum(known), 1) if known else None


def _parse_ts(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _memory_by_user() -> dict[str, float]:
    """RSS (MiB) of local processes per Unix user: the embedded spawner runs one user per student."""
    try:
        import psutil
    except ImportError:
        return {}
    totals: dict[str, float] = defaultdict(float)
    for proc in psutil.process_iter(["username", "memory_info"]):
        info = proc.info
        if info.get("username") and info.get("memory_info") is not None:
            totals[info["username"]] += info["memory_info"].rss / 2**20
    return dict(totals)


def lab_usage(*, names: set[str] | None = None, timeout: float | None = None) -> LabUsage:
    """Running lab servers (optionally only these hub names) with their memory, from the hub.

    The hub being down, unconfigured or slow gives ``available=False`` and a message.
    """
    timeout = timeout if timeout is not None else settings.DASHBOARD_HUB_TIMEOUT_SECONDS
    try:
        from sandbox.client import HubError
        from sandbox.services import hub_client
    except ImportError as exc:  # the lab app is optional in a bare checkout
        return LabUsage(available=False, message=str(exc))
    try:
        client = hub_client(timeout=timeout)
        users = client.users_active()
    except HubError as exc:
        return LabUsage(available=False, message=str(exc))
    except Exception as exc:  # a broken answer is "unavailable", never a 500 on the dashboard
        log.warning("lab usage: %s", exc)
        return LabUsage(available=False, message=str(exc))
    memory = _memory_by_user() if settings.DASHBOARD_LAB_MEMORY_FROM_PROCESSES else {}
    usage = LabUsage(available=True)
    for user in users:
        name = str(user.get("name", ""))
        if names is not None and name not in names:
            continue
        last = _parse_ts(user.get("last_activity"))
        if last:
            usage.last_activity[name] = last
        for server_name, server in (user.get("servers") or {}).items():
            if not server.get("ready") and not server.get("pending"):
                continue
            usage.servers.append(
                {
                    "name": name + (f"/{server_name}" if server_name else ""),
                    "started": _parse_ts(server.get("started")),
                    "last_activity": _parse_ts(server.get("last_activity")),
                    "ready": bool(server.get("ready")),
                    "memory_mb": round(memory[name], 1) if name in memory else None,
                }
            )
    return usage


# ---------------------------------------------------------------------------------------
# course dashboard


@dataclass
class ActivityStats:
    activity: Activity
    submitted: int
    students: int
    rate: float | None
    scores: list[float]  # percent, counted attempts that are graded
    mean: float | None
    median: float | None
    median_hours_to_submit: float | None
    late: int
    pending: int


@dataclass
class Question:
    grade_id: str
    kind: str
    max_points: float
    graded: int
    mean: float | None  # mean effective score
    mean_percent: float | None
    failures: int


@dataclass
class AtRisk:
    student: Student
    reasons: list[str]
    missing: int
    latest_percent: float | None


@dataclass
class CourseDashboard:
    students: list[Student]
    activities: list[Activity]
    stats: list[ActivityStats]
    selected: Activity | None
    questions: list[Question]
    failure_groups: list[dict[str, Any]]
    timeline: list[dict[str, Any]]  # first submissions of the selected activity
    weekly: list[dict[str, Any]]
    at_risk: list[AtRisk]
    health: dict[str, Any]
    lab: LabUsage
    inactive_days: int


def _week(at: datetime) -> datetime:
    local = timezone.localtime(at)
    start = local - timedelta(days=local.weekday())
    return start.replace(hour=0, minute=0, second=0, microsecond=0)


def activity_stats(*, activity: Activity, grades: CourseGrades, students: list[Student]) -> ActivityStats:
    submitted = late = pending = 0
    scores: list[float] = []
    hours: list[float] = []
    for s in students:
        items = grades.attempts.get((s.id, activity.pk))
        if not items:
            continue
        submitted += 1
        first = items[-1]
        start = activity.release_at
        if start is not None:
            hours.append((first.received_at - start).total_seconds() / 3600)
        counted = grades.counted(s.id, activity.pk)
        assert counted is not None
        late += counted.is_late
        pending += counted.manual_pending
        if counted.is_graded:
            p = percent(counted.score, max_points(activity, counted))
            if p is not None:
                scores.append(p)
    n = len(students)
    return ActivityStats(
        activity=activity,
        submitted=submitted,
        students=n,
        rate=round(100.0 * submitted / n, 1) if n else None,
        scores=scores,
        mean=_mean(scores),
        median=_median(scores),
        median_hours_to_submit=_median(hours),
        late=late,
        pending=pending,
    )


def question_difficulty(
    *, activity: Activity, grades: CourseGrades, students: list[Student]
) -> tuple[list[Question], list[dict[str, Any]]]:
    """Mean score per graded cell, and the failing outcomes grouped (cell, outcome, message)."""
    version = activity.current_version
    facts = (version.facts or {}) if version is not None else {}
    order: dict[str, tuple[str, float]] = {}
    for nb in facts.get("notebooks") or []:
        for cell in nb.get("cells") or []:
            order.setdefault(str(cell.get("grade_id")), (str(cell.get("kind", "")), float(cell.get("points") or 0)))
    sums: dict[str, list[float]] = defaultdict(list)
    fails: Counter[tuple[str, str, str]] = Counter()
    failures_per_cell: Counter[str] = Counter()
    for s in students:
        counted = grades.counted(s.id, activity.pk)
        if counted is None or not counted.is_graded:
            continue
        for cell in counted.cells or []:
            gid = str(cell.get("grade_id", ""))
            if gid not in order:
                order[gid] = (str(cell.get("kind", "")), float(cell.get("max_points") or 0))
            if cell.get("effective") is not None:
                sums[gid].append(float(cell["effective"]))
            status = str(cell.get("status", ""))
            if status in FAIL_STATUSES:
                # staff_message: the trusted runner's reason, hidden tests included (staff pages only)
                message = (
                    str(cell.get("staff_message") or cell.get("error") or cell.get("message") or "")
                    .strip()
                    .splitlines()
                )
                fails[(gid, status, message[-1][:160] if message else "")] += 1
                failures_per_cell[gid] += 1
    questions = []
    for gid, (kind, pts) in order.items():
        values = sums.get(gid, [])
        mean = round(statistics.fmean(values), 2) if values else None
        questions.append(
            Question(
                grade_id=gid,
                kind=kind,
                max_points=pts,
                graded=len(values),
                mean=mean,
                mean_percent=round(100 * mean / pts, 1) if mean is not None and pts else None,
                failures=failures_per_cell[gid],
            )
        )
    groups = [
        {"grade_id": gid, "outcome": status, "message": message, "count": n}
        for (gid, status, message), n in fails.most_common(12)
    ]
    return questions, groups


def _pick_selected(activities: list[Activity], slug: str | None, now: datetime) -> Activity | None:
    if slug:
        found = next((a for a in activities if a.slug == slug), None)
        if found:
            return found
    past_due = [a for a in activities if a.due_at and a.due_at <= now]
    if past_due:
        return max(past_due, key=lambda a: a.due_at)  # type: ignore[arg-type, return-value]
    return activities[0] if activities else None


def at_risk(
    *,
    students: list[Student],
    activities: list[Activity],
    grades: CourseGrades,
    lab: LabUsage,
    now: datetime,
    inactive_days: int,
) -> list[AtRisk]:
    """Students with missing work, falling scores or no activity for ``inactive_days``, with reasons."""
    out = []
    for s in students:
        reasons = []
        missing = 0
        graded: list[tuple[datetime, float]] = []
        last_seen: datetime | None = lab.last_activity.get(s.hub_name)
        for a in activities:
            items = grades.attempts.get((s.id, a.pk))
            due = due_in_force(grades, a, s.id)
            if not items:
                if due is not None and due < now:
                    missing += 1
                continue
            last_seen = max(last_seen, items[0].received_at) if last_seen else items[0].received_at
            counted = grades.counted(s.id, a.pk)
            if counted is not None and counted.is_graded:
                p = percent(counted.score, max_points(a, counted))
                if p is not None:
                    graded.append((a.due_at or counted.received_at, p))
        if missing:
            reasons.append(_("missing %(n)d past-due") % {"n": missing})
        graded.sort(key=lambda item: item[0])
        latest = graded[-1][1] if graded else None
        falling = False
        if len(graded) >= 2:
            earlier = statistics.fmean(p for _, p in graded[:-1])
            if latest is not None and latest < earlier - 20:
                falling = True
                reasons.append(
                    _("scores falling (%(earlier)s%% → %(latest)s%%)")
                    % {"earlier": f"{earlier:.0f}", "latest": f"{latest:.0f}"}
                )
        if latest is not None and latest < 50 and not falling:
            reasons.append(_("latest score %(p)s%%") % {"p": f"{latest:.0f}"})
        cutoff = now - timedelta(days=inactive_days)
        seen = last_seen or s.enrolled_at
        if seen < cutoff:
            days = (now - seen).days
            reasons.append(
                _("no activity for %(days)d days") % {"days": days}
                if last_seen
                else _("no activity since enrolling (%(days)d days)") % {"days": days}
            )
        if reasons:
            out.append(AtRisk(student=s, reasons=reasons, missing=missing, latest_percent=latest))
    out.sort(key=lambda r: (-len(r.reasons), -r.missing, r.latest_percent if r.latest_percent is not None else 101))
    return out


def weekly_activity(
    *, students: list[Student], grades: CourseGrades, weeks: int = 12, now: datetime
) -> list[dict[str, Any]]:
    """Per week (local Monday): enrolled by its end, submissions received, distinct students submitting.

    Buckets by arithmetic from this week's Monday (one local-time conversion, not one per
    submission: at 10k submissions the per-row conversion was a fifth of the page).
    """
    import bisect

    student_ids = {s.id for s in students}
    this_week = _week(now)
    span = 7 * 86400.0
    subs = [0] * weeks
    active: list[set[int]] = [set() for _ in range(weeks)]
    for a in grades.all_attempts():
        if a.user_id not in student_ids:
            continue
        i = weeks - 1 + int((a.received_at - this_week).total_seconds() // span)
        if 0 <= i < weeks:
            subs[i] += 1
            active[i].add(a.user_id)
    enrolled = sorted(s.enrolled_at for s in students)
    rows = []
    for i in range(weeks):
        start = this_week - timedelta(weeks=weeks - 1 - i)
        rows.append(
            {
                "week": start.date(),
                "enrolled": bisect.bisect_left(enrolled, start + timedelta(weeks=1)),
                "submissions": subs[i],
                "active": len(active[i]),
            }
        )
    return rows


def course_dashboard(
    *, access: Access, selected_slug: str | None = None, now: datetime | None = None
) -> CourseDashboard:
    now = now or timezone.now()
    students = students_of(access=access)
    activities = gradable_activities(access=access)
    selected = _pick_selected(activities, selected_slug, now)
    grades = grading_analytics.course_grades(
        activity_ids=[a.pk for a in activities], cells_for=[selected.pk] if selected else None
    )
    stats = [activity_stats(activity=a, grades=grades, students=students) for a in activities]
    questions, groups = (
        question_difficulty(activity=selected, grades=grades, students=students) if selected else ([], [])
    )
    timeline: list[dict[str, Any]] = []
    if selected is not None:
        for s in students:
            items = grades.attempts.get((s.id, selected.pk))
            if items:
                first = items[-1].received_at
                due = due_in_force(grades, selected, s.id)
                timeline.append(
                    {
                        "student": s.name,
                        "at": first,
                        "hours_to_due": (due - first).total_seconds() / 3600 if due else None,
                    }
                )
        timeline.sort(key=lambda r: r["at"])  # type: ignore[no-any-return]
    inactive_days = settings.DASHBOARD_INACTIVE_DAYS
    lab = lab_usage(names={s.hub_name for s in students if s.hub_name})
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return CourseDashboard(
        students=students,
        activities=activities,
        stats=stats,
        selected=selected,
        questions=questions,
        failure_groups=groups,
        timeline=timeline,
        weekly=weekly_activity(students=students, grades=grades, now=now),
        at_risk=at_risk(
            students=students, activities=activities, grades=grades, lab=lab, now=now, inactive_days=inactive_days
        ),
        health=grading_analytics.grading_health(
            activity_ids=[a.pk for a in activities], since=day_start, grades=grades
        ),
        lab=lab,
        inactive_days=inactive_days,
    )


# ---------------------------------------------------------------------------------------
# gradebook

SORTS = ("name", "total", "missing")


@dataclass(slots=True)
class GradeCell:
    activity: Activity
    attempt: Counted | None
    score: Decimal | None
    maximum: Decimal
    percent: float | None
    attempts: int
    late: bool
    extension: datetime | None
    pending: bool
    missing: bool  # past due (in force) and nothing handed in
    status: str

    @property
    def text(self) -> str:
        if self.attempt is None:
            return "missing" if self.missing else ""
        if self.score is None:
            return self.status
        return scoring.format_score(self.score)


@dataclass
class GradeRow:
    student: Student
    total: Decimal
    maximum: Decimal
    percent: float | None
    missing: int
    late: int
    pending: int
    scores: list[Decimal | None]  # per activity, for sorting by a column
    has_extension: bool
    make_cells: Any = field(repr=False, default=None)
    # Points of the ``kind: competition`` activities (None: not mapped yet), in Gradebook order.
    competition: list[Decimal | None] = field(default_factory=list)
    _cells: list[GradeCell] | None = field(repr=False, default=None)

    @property
    def cells(self) -> list[GradeCell]:
        """The row's cells, built on first use: a page shows 100 rows, the totals need all 500."""
        if self._cells is None:
            self._cells = self.make_cells(self.student)
        return self._cells


@dataclass
class Gradebook:
    activities: list[Activity]
    released: dict[int, bool]
    rows: list[GradeRow]
    total_students: int
    filters: dict[str, str]
    # Activities of kind competition whose points a teacher mapped from a ranking (competitions app).
    competition_activities: list[Activity] = field(default_factory=list)
    # Every column the activity filter may pick (graded then competition activities).
    choices: list[Activity] = field(default_factory=list)


def gradebook(
    *,
    access: Access,
    q: str = "",
    flag: str = "",
    activity_slug: str = "",
    sort: str = "name",
    desc: bool = False,
    now: datetime | None = None,
) -> Gradebook:
    """Students × gradable activities, filtered (name, flag late|missing|pending|extension) and sorted.

    ``sort`` is ``name``, ``total``, ``missing`` or an activity slug (that column's score).
    Competition activities are columns too, fed by ``competitions.selectors.competition_grades``
    (one query); their points count in the total, their ``points`` in the maximum.
    """
    from competitions import selectors as comp_selectors

    now = now or timezone.now()
    students = students_of(access=access)
    visible = list(course_selectors.activities_visible(access=access))
    activities = [a for a in visible if a.kind in GRADED_KINDS]
    comp_activities = [a for a in visible if a.kind == ActivityKind.COMPETITION]
    choices = activities + comp_activities
    if activity_slug:
        picked = [a for a in activities if a.slug == activity_slug]
        picked_comp = [a for a in comp_activities if a.slug == activity_slug]
        if picked or picked_comp:
            activities, comp_activities = picked, picked_comp
    comp_points = {
        key: scoring.as_decimal(g.points)
        for key, g in comp_selectors.competition_grades(activity_ids=[a.pk for a in comp_activities]).items()
    }
    comp_max = sum((scoring.as_decimal(a.points) or Decimal(0) for a in comp_activities), Decimal(0))
    grades = grading_analytics.course_grades(activity_ids=[a.pk for a in activities])
    default_max = {a.pk: max_points(a) for a in activities}
    attempts_map, extensions, counted_map = grades.attempts, grades.extensions, grades.counted_by_key

    def make_cells(s: Student) -> list[GradeCell]:
        cells = []
        for a in activities:
            items = attempts_map.get((s.id, a.pk))
            extension = extensions.get((s.id, a.pk))
            if items:
                counted = counted_map[(s.id, a.pk)]
                mx = counted.max_score or default_max[a.pk]
                score = counted.score if counted.is_graded else None
                cells.append(
                    GradeCell(
                        activity=a,
                        attempt=counted,
                        score=score,
                        maximum=mx,
                        percent=percent(score, mx),
                        attempts=len(items),
                        late=counted.late_seconds > 0,
                        extension=extension,
                        pending=counted.manual_pending,
                        missing=False,
                        status=counted.status,
                    )
                )
            else:
                due = due_in_force(grades, a, s.id)
                missing = due is not None and due < now
                cells.append(GradeCell(a, None, None, default_max[a.pk], None, 0, False, extension, False, missing, ""))
        return cells

    # One light pass for totals, flags and sort keys; cells are built only for rows shown.
    rows = []
    for s in students:
        total = maximum = Decimal(0)
        missing = late = pending = 0
        has_extension = False
        scores: list[Decimal | None] = []
        for a in activities:
            key = (s.id, a.pk)
            items = attempts_map.get(key)
            extension = extensions.get(key)
            has_extension = has_extension or extension is not None
            if items:
                counted = counted_map[key]
                maximum += counted.max_score or default_max[a.pk]
                score = counted.score if counted.is_graded else None
                scores.append(score)
                total += score or 0
                late += counted.late_seconds > 0
                pending += counted.manual_pending
            else:
                maximum += default_max[a.pk]
                scores.append(None)
                due = due_in_force(grades, a, s.id)
                missing += due is not None and due < now
        mapped = [comp_points.get((s.id, a.pk)) for a in comp_activities]
        total += sum((p or Decimal(0) for p in mapped), Decimal(0))
        maximum += comp_max
        rows.append(
            GradeRow(
                student=s,
                total=total,  # a sum of scores already rounded by the rule: exact
                maximum=maximum,
                percent=percent(total, maximum),
                missing=missing,
                late=late,
                pending=pending,
                scores=scores,
                has_extension=has_extension,
                make_cells=make_cells,
                competition=mapped,
            )
        )
    needle = q.strip().lower()
    if needle:
        rows = [r for r in rows if needle in r.student.username.lower() or needle in r.student.name.lower()]
    if flag == "missing":
        rows = [r for r in rows if r.missing]
    elif flag == "late":
        rows = [r for r in rows if r.late]
    elif flag == "pending":
        rows = [r for r in rows if r.pending]
    elif flag == "extension":
        rows = [r for r in rows if r.has_extension]
    column = next((i for i, a in enumerate(activities) if a.slug == sort), None)
    comp_column = next((i for i, a in enumerate(comp_activities) if a.slug == sort), None)
    if column is not None:
        rows.sort(key=lambda r: (r.scores[column] is None, r.scores[column] or 0, r.student.username))
    elif comp_column is not None:
        rows.sort(
            key=lambda r: (r.competition[comp_column] is None, r.competition[comp_column] or 0, r.student.username)
        )
    elif sort == "total":
        rows.sort(key=lambda r: (r.total, r.student.username))
    elif sort == "missing":
        rows.sort(key=lambda r: (r.missing, r.student.username))
    else:
        sort = "name"
        rows.sort(key=lambda r: r.student.name.lower())
    if desc:
        rows.reverse()
    return Gradebook(
        activities=activities,
        released=grades.released,
        rows=rows,
        total_students=len(students),
        filters={"q": q, "flag": flag, "activity": activity_slug, "sort": sort, "desc": "1" if desc else ""},
        competition_activities=comp_activities,
        choices=choices,
    )


def gradebook_csv_rows(book: Gradebook) -> list[list[str]]:
    """The gradebook as CSV rows: the same students, order and values as the screen."""
    head = ["username", "name"]
    for a in book.activities:
        head += [f"{a.slug}", f"{a.slug} flags"]
    head += [a.slug for a in book.competition_activities]
    head += ["total", "max", "percent"]
    out = [head]
    for r in book.rows:
        line = [r.student.username, r.student.name]
        for c in r.cells:
            flags = [
                n
                for n, on in (
                    ("late", c.late),
                    ("extension", c.extension),
                    ("pending", c.pending),
                    ("missing", c.missing),
                )
                if on
            ]
            line += [c.text, " ".join(flags)]
        line += ["" if p is None else scoring.format_score(p) for p in r.competition]
        line += [
            scoring.format_score(r.total),
            scoring.format_score(r.maximum),
            "" if r.percent is None else f"{r.percent:g}",
        ]
        out.append(line)
    return out


# ---------------------------------------------------------------------------------------
# student progress


@dataclass
class Mastery:
    concept: str
    percent: float | None  # mean of released scores of gradable activities with this tag
    scored: int
    activities: list[Activity]
    graded: int = 0  # assignments and exams with this tag
    attempted: bool = False  # the student handed in at least one of them


@dataclass
class Progress:
    student: Student | None
    mastery: list[Mastery]
    practise_next: list[dict[str, Any]]
    attempts: list[tuple[Activity, Attempt, bool]]  # activity, attempt, score visible
    competitions: list[dict[str, Any]]
    competitions_available: bool
    # The attempts that count (per activity and notebook, under each activity's counting setting).
    counted_ids: set[int] = field(default_factory=set)


def student_progress(*, access: Access, user_id: int, show_unreleased: bool, now: datetime | None = None) -> Progress:
    """One student's mastery per concept, what to practise next, attempts, competition standings.

    Scores of activities whose scores are not released count only when ``show_unreleased``
    (staff looking at a student).
    """
    now = now or timezone.now()
    # What the student sees: released activities only, even when staff look at them.
    visible = [
        a
        for a in course_selectors.activities_visible(access=access, at=now)
        if a.release_at is None or a.release_at <= now
    ]
    gradable = [a for a in visible if a.kind in GRADED_KINDS]
    grades = grading_analytics.course_grades(activity_ids=[a.pk for a in gradable], user_ids=[user_id])
    by_concept: dict[str, list[Activity]] = defaultdict(list)
    for a in visible:
        for c in a.concepts or []:
            by_concept[str(c)].append(a)
    mastery = []
    for concept, acts in sorted(by_concept.items()):
        values = []
        graded_acts = [a for a in acts if a.kind in GRADED_KINDS]
        attempted = any((user_id, a.pk) in grades.attempts for a in graded_acts)
        for a in graded_acts:
            if not (show_unreleased or grades.released.get(a.pk)):
                continue
            counted = grades.counted(user_id, a.pk)
            if counted is not None and counted.is_graded:
                p = percent(counted.score, max_points(a, counted))
                if p is not None:
                    values.append(p)
            elif (due := due_in_force(grades, a, user_id)) is not None and due < now and counted is None:
                values.append(0.0)  # missed work counts as not mastered
        mastery.append(
            Mastery(
                concept=concept,
                percent=_mean(values),
                scored=len(values),
                activities=acts,
                graded=len(graded_acts),
                attempted=attempted,
            )
        )
    practise = []
    threshold = settings.DASHBOARD_MASTERY_THRESHOLD
    # Weakest scored concepts first, then graded concepts never attempted; a concept taught
    # only in lessons, or whose scores are not released yet, says nothing about mastery.
    for m in sorted(mastery, key=lambda m: (m.percent is None, m.percent or 0.0, m.concept)):
        if m.percent is not None and m.percent >= threshold:
            continue
        if m.percent is None and (not m.graded or m.attempted):
            continue
        suggestions = [
            a for a in m.activities if a.kind in (ActivityKind.PRACTICE, ActivityKind.LESSON)
        ] or m.activities
        why = _("not attempted yet") if m.percent is None else _("%(p)s%% mastery") % {"p": f"{m.percent:.0f}"}
        practise.append({"concept": m.concept, "why": why, "activities": suggestions[:3]})
    by_id = {a.pk: a for a in gradable}
    attempts = []
    # The same rows as ``grading_analytics.attempts_of``, already read above.
    for at in sorted(grades.all_attempts(), key=lambda a: (a.received_at, a.id), reverse=True):
        activity = by_id[at.activity_id]
        attempts.append((activity, at, show_unreleased or grades.released.get(activity.pk, False)))
    standings, available = competition_standings(
        access=access, user_id=user_id, activities=[a for a in visible if a.kind == ActivityKind.COMPETITION]
    )
    return Progress(
        student=None,
        mastery=mastery,
        practise_next=practise[:6],
        attempts=attempts,
        competitions=standings,
        competitions_available=available,
        counted_ids={part.id for c in grades.counted_by_key.values() for part in c.parts},
    )


def competition_standings(
    *, access: Access, user_id: int, activities: list[Activity] | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """The student's rank in each of the course's competitions (current phase, public board), and
    the course points a teacher mapped from a ranking to the competition's activities (one query)."""
    try:
        from competitions import selectors as comp
    except ImportError:
        return [], False
    from django.contrib.auth import get_user_model

    try:
        user = get_user_model().objects.get(pk=user_id)
        acts = activities or []
        mapped = comp.competition_grades(activity_ids=[a.pk for a in acts], user_ids=[user_id])
        course_points: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for a in acts:
            g = mapped.get((user_id, a.pk))
            if g is not None:
                course_points[str((a.options or {}).get("competition", ""))].append(
                    {"activity": a, "points": g.points, "maximum": float(a.points or 0), "computed_at": g.computed_at}
                )
        out = []
        for competition in comp.competitions_for_user(user=user):
            if getattr(competition, "course_id", None) not in (None, access.course.pk):
                continue
            phase = comp.phase_current(competition=competition)
            if phase is None:
                continue
            rows = [r for r in comp.leaderboard(phase=phase, split="public", viewer=user) if not r.is_baseline]
            mine = next((r for r in rows if r.is_you), None)
            out.append(
                {
                    "competition": competition,
                    "phase": phase,
                    "rank": mine.rank if mine else None,
                    "score": mine.score if mine else None,
                    "entries": mine.entries if mine else 0,
                    "participants": len(rows),
                    "course_points": course_points.get(competition.slug, []),
                }
            )
        return out, True
    except Exception as exc:  # another app's half-built tables must not break the progress page
        log.warning("competition standings unavailable: %s", exc)
        return [], False
