"""Reads behind the district dashboard, the school dashboard and a class's gradebook.

Participation, completion and average score are taken per (school, class, course template)
and per offering from the same per-student results the course gradebook shows: each
(student, activity) result is the counted attempt (:func:`counted_results`: the steps of
``grading.analytics.course_grades`` through ``analytics.counted_for``) under the one scoring rule (``grading.scoring``), as a percent of the activity's maximum
(``dashboard.selectors.max_points``/``percent``). Nothing here adds up points of its own.

* **participation**: enrolled students with at least one submission to a graded activity of
  the course / enrolled students;
* **completion**: (student, graded activity) pairs handed in / enrolled students × the
  course's released graded activities;
* **average score**: the mean percent of the counted, scored results (the course dashboard's
  per-activity mean, pooled), kept as a sum and a count so that classes add up to schools
  and schools to the district exactly.

Every builder runs a fixed number of queries whatever the number of schools, classes or
students: enrolments are attributed to their school and class in one ``values()`` query,
lab starts and grading jobs of the last days are counted per school with one
``values().annotate()`` each. The per-result pass is what the gradebook does; at a district's
size (hundreds of thousands of submissions) it costs seconds, so the district's figures are a
snapshot kept ``DASHBOARD_DISTRICT_SNAPSHOT_SECONDS`` (the page says when it was taken); lab
usage and grading load are always live. A school's dashboard keeps a snapshot of its own the
same way (a thousand students' results cost a few hundred milliseconds); a class's gradebook
is always live.

Privacy: the district's pages carry aggregates only. A class gradebook shows names to the
school's own staff and to site admins; to a district's admins only when the district's
``district_sees_names`` is set, otherwise students appear as "Student 1, 2, …".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from courses.enums import GRADED_KINDS, Role
from courses.models import Activity, Course, Enrollment
from grading import analytics as grading_analytics
from grading import scoring
from orgs.enums import OrgKind, OrgRole
from orgs.models import Membership, Offering, Organisation, SchoolClass

from .selectors import max_points, percent

# ---------------------------------------------------------------------------------------
# the aggregate


@dataclass
class Tally:
    """Counts that add up: a class, an offering, a school or the district."""

    enrolled: int = 0
    participants: int = 0
    handed_in: int = 0  # (student, graded activity) pairs with a submission
    expected: int = 0  # enrolled × graded activities
    score_sum: float = 0.0  # sum of percents of scored counted results
    scored: int = 0

    def add(self, other: Tally) -> None:
        self.enrolled += other.enrolled
        self.participants += other.participants
        self.handed_in += other.handed_in
        self.expected += other.expected
        self.score_sum += other.score_sum
        self.scored += other.scored

    @property
    def participation(self) -> float | None:
        return round(100.0 * self.participants / self.enrolled, 1) if self.enrolled else None

    @property
    def completion(self) -> float | None:
        return round(100.0 * self.handed_in / self.expected, 1) if self.expected else None

    @property
    def average(self) -> float | None:
        return round(self.score_sum / self.scored, 1) if self.scored else None

    def as_json(self) -> list[float | int]:
        return [self.enrolled, self.participants, self.handed_in, self.expected, round(self.score_sum, 4), self.scored]

    @classmethod
    def from_json(cls, data: list[Any]) -> Tally:
        e, p, h, x, s, n = data
        return cls(int(e), int(p), int(h), int(x), float(s), int(n))


# Keys of a snapshot's groups: ("c", school, class or 0, course) and ("o", school, offering, course).
GroupKey = tuple[str, int, int, int]


@dataclass
class Snapshot:
    taken_at: datetime
    groups: dict[GroupKey, Tally]

    def as_json(self) -> dict[str, Any]:
        return {
            "taken_at": self.taken_at.isoformat(),
            "groups": [[list(k), t.as_json()] for k, t in self.groups.items()],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Snapshot:
        taken = parse_datetime(str(data["taken_at"])) or timezone.now()
        groups = {(str(k[0]), int(k[1]), int(k[2]), int(k[3])): Tally.from_json(t) for k, t in data["groups"]}
        return cls(taken_at=taken, groups=groups)


def _graded_activities(course_ids: set[int], now: datetime) -> dict[int, list[Activity]]:
    """Released, live assignments/exams/quizzes per course (one query)."""
    acts: dict[int, list[Activity]] = defaultdict(list)
    qs = (
        Activity.objects.filter(course_id__in=course_ids, kind__in=GRADED_KINDS)
        .live()
        .released(now)
        .select_related("current_version")
        .only("id", "course_id", "kind", "points", "current_version__facts", "slug", "title", "title_zh")
    )
    for a in qs:
        acts[a.course_id].append(a)
    return acts


def counted_results(
    *, activity_ids: list[int], user_ids: list[int] | None = None
) -> dict[tuple[int, int], grading_analytics.Counted]:
    """The counted result of each (student, activity) that has a submission, under the one rule.

    The gradebook's own reader and rule (``grading.analytics.ScoreInputs``: each submission through
    ``scoring.submission_score`` with its newest manual grades and override, then the counted attempt per
    notebook summed), reading only what a score needs: no cell lists, no pending-manual check, no extensions.
    Four queries; a district's submissions are read once, unsorted (``counted_attempt`` orders them itself).
    """
    from grading.models import Submission

    if not activity_ids:
        return {}
    subs = Submission.objects.filter(activity_id__in=activity_ids)
    if user_ids is not None:
        subs = subs.filter(user_id__in=user_ids)
    inputs = grading_analytics.ScoreInputs.read(activity_ids=activity_ids, user_ids=user_ids, overrides_of_all=True)
    grouped: dict[tuple[int, int], list[grading_analytics.Attempt]] = {}
    for row in subs.order_by().values_list(*grading_analytics.ScoreInputs.COLUMNS):
        attempt = inputs.attempt(row)
        grouped.setdefault((attempt.user_id, attempt.activity_id), []).append(attempt)
    return inputs.counted(grouped)


def _student_enrolments(
    *, school_ids: list[int], school_class: int | None = None
) -> list[tuple[int, int, int, int, int]]:
    """(user, course, school, offering, class or 0) of each student enrolment in these schools (one query).

    The class is the student's current class in the offering's school (moving class moves
    offerings); 0 when they have none.
    """
    klass = Membership.objects.filter(
        org_id=OuterRef("offering__school_id"), user_id=OuterRef("user_id"), role=OrgRole.STUDENT, archived=False
    ).values("school_class_id")[:1]
    qs = Enrollment.objects.filter(role=Role.STUDENT, offering__school_id__in=school_ids).annotate(
        klass=Subquery(klass)
    )
    if school_class is not None:
        qs = qs.filter(klass=school_class)
    return [
        (u, c, s, o, k or 0)
        for u, c, s, o, k in qs.values_list("user_id", "course_id", "offering__school_id", "offering_id", "klass")
    ]


def snapshot_build(*, school_ids: list[int], restrict_users: bool, now: datetime | None = None) -> Snapshot:
    """Tallies per (school, class, course) and per offering for these schools, a fixed number of queries.

    ``restrict_users`` reads only these schools' students' submissions (a school); without it
    every submission of the courses' activities is read once (a district: cheaper than a list
    of tens of thousands of ids), and other schools' rows are ignored.
    """
    now = now or timezone.now()
    rows = _student_enrolments(school_ids=school_ids)
    course_ids = {c for _u, c, _s, _o, _k in rows}
    acts = _graded_activities(course_ids, now)
    activity_ids = [a.pk for items in acts.values() for a in items]
    users = sorted({u for u, *_ in rows}) if restrict_users else None
    results = counted_results(activity_ids=activity_ids, user_ids=users) if rows else {}
    maxima = {a.pk: max_points(a) for items in acts.values() for a in items}
    groups: dict[GroupKey, Tally] = defaultdict(Tally)
    for user_id, course_id, school_id, offering_id, class_id in rows:
        one = Tally(enrolled=1)
        course_acts = acts.get(course_id, [])
        one.expected = len(course_acts)
        if results:
            for a in course_acts:
                counted = results.get((user_id, a.pk))
                if counted is None:
                    continue
                one.handed_in += 1
                if counted.is_graded:
                    p = percent(counted.score, counted.max_score or maxima[a.pk])
                    if p is not None:
                        one.score_sum += p
                        one.scored += 1
        one.participants = 1 if one.handed_in else 0
        groups[("c", school_id, class_id, course_id)].add(one)
        groups[("o", school_id, offering_id, course_id)].add(one)
    return Snapshot(taken_at=now, groups=dict(groups))


def _cached(key: str, build: Any) -> Snapshot:
    ttl = settings.DASHBOARD_DISTRICT_SNAPSHOT_SECONDS
    if ttl > 0:
        data = cache.get(key)
        if isinstance(data, dict):
            try:
                return Snapshot.from_json(data)
            except (KeyError, TypeError, ValueError):
                pass  # an older layout: rebuild
    snap: Snapshot = build()
    if ttl > 0:
        cache.set(key, snap.as_json(), ttl)
    return snap


def _snapshot_for(org: Organisation, now: datetime) -> Snapshot:
    """Build an organisation's snapshot: a district's over its schools (every student), a school's own."""
    if org.kind == OrgKind.DISTRICT:
        school_ids = list(Organisation.objects.filter(parent=org, kind=OrgKind.SCHOOL).values_list("pk", flat=True))
        return snapshot_build(school_ids=school_ids, restrict_users=False, now=now)
    return snapshot_build(school_ids=[org.pk], restrict_users=True, now=now)


def snapshots_refresh(*, now: datetime | None = None) -> int:
    """Take every district's and school's snapshot again and keep it (the housekeeping worker, every
    half snapshot lifetime, where the cache is shared): no viewer waits for a rebuild (a district of
    40,000 students takes seconds). Returns how many were taken; 0 when snapshots are off."""
    ttl = settings.DASHBOARD_DISTRICT_SNAPSHOT_SECONDS
    if ttl <= 0:
        return 0
    now = now or timezone.now()
    taken = 0
    for org in Organisation.objects.filter(kind__in=(OrgKind.DISTRICT, OrgKind.SCHOOL)).order_by("pk"):
        cache.set(_key(org), _snapshot_for(org, now).as_json(), ttl)
        taken += 1
    return taken


def snapshot_forget(org: Organisation) -> None:
    """Drop a cached snapshot (the dashboard's "refresh now")."""
    cache.delete(_key(org))


def _key(org: Organisation) -> str:
    return f"dashboard:snapshot:v1:{org.kind}:{org.pk}"


# ---------------------------------------------------------------------------------------
# live per-school counts


def school_activity(*, school_ids: list[int], days: int, now: datetime | None = None) -> dict[int, dict[str, int]]:
    """Lab starts and grading jobs (submissions received, and graded) of each school's members in the
    last ``days`` days: two grouped queries."""
    from grading.models import Submission
    from sandbox.models import LabStart

    since = (now or timezone.now()) - timedelta(days=days)
    out: dict[int, dict[str, int]] = {s: {"lab_starts": 0, "lab_users": 0, "jobs": 0, "graded": 0} for s in school_ids}
    member = Q(user__memberships__org_id__in=school_ids, user__memberships__archived=False)
    for org_id, n, people in (
        LabStart.objects.filter(member, created_at__gte=since)
        .values_list("user__memberships__org_id")
        .annotate(n=Count("id"), people=Count("user_id", distinct=True))
        .order_by()
    ):
        out[org_id]["lab_starts"] = n
        out[org_id]["lab_users"] = people
    for org_id, jobs, graded in (
        Submission.objects.filter(member, received_at__gte=since)
        .values_list("user__memberships__org_id")
        .annotate(jobs=Count("id"), graded=Count("id", filter=Q(graded_at__isnull=False)))
        .order_by()
    ):
        out[org_id]["jobs"] = jobs
        out[org_id]["graded"] = graded
    return out


# ---------------------------------------------------------------------------------------
# the pages' data


@dataclass
class Line:
    """One row of a dashboard table."""

    label: str
    tally: Tally
    key: int = 0  # the school's, class's or offering's id
    slug: str = ""
    course: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class DistrictDashboard:
    district: Organisation
    taken_at: datetime
    total: Tally
    schools: list[Line]  # per school, with lab and grading load in extra
    classes: list[Line]  # per (school, class, course)
    courses: list[Line]  # per course template, across the district
    days: int


def _course_titles(course_ids: set[int]) -> dict[int, str]:
    return {
        pk: (zh if zh and _zh() else title)
        for pk, title, zh in Course.objects.filter(pk__in=course_ids).values_list("pk", "title", "title_zh")
    }


def _zh() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").startswith("zh")


def _local(name: str, name_zh: str) -> str:
    return name_zh if name_zh and _zh() else name


def district_dashboard(*, district: Organisation, now: datetime | None = None) -> DistrictDashboard:
    """Per school, per class and per course template: participation, completion, average score;
    lab usage and grading load per school. Aggregates only: no student appears."""
    now = now or timezone.now()
    days = settings.DASHBOARD_DISTRICT_LOAD_DAYS
    schools = list(
        Organisation.objects.filter(parent=district, kind=OrgKind.SCHOOL).values_list("pk", "slug", "name", "name_zh")
    )
    school_ids = [s[0] for s in schools]
    snap = _cached(_key(district), lambda: _snapshot_for(district, now))
    classes = {
        pk: (school, _local(name, zh))
        for pk, school, name, zh in SchoolClass.objects.filter(school_id__in=school_ids).values_list(
            "pk", "school_id", "name", "name_zh"
        )
    }
    load = school_activity(school_ids=school_ids, days=days, now=now)
    class_groups = {k: t for k, t in snap.groups.items() if k[0] == "c" and k[1] in load}
    titles = _course_titles({k[3] for k in class_groups})
    names = {pk: _local(name, zh) for pk, _slug, name, zh in schools}
    per_school: dict[int, Tally] = defaultdict(Tally)
    per_course: dict[int, Tally] = defaultdict(Tally)
    total = Tally()
    class_lines = []
    for (_kind, school_id, class_id, course_id), tally in class_groups.items():
        per_school[school_id].add(tally)
        per_course[course_id].add(tally)
        total.add(tally)
        class_lines.append(
            Line(
                label=classes.get(class_id, (school_id, "—"))[1],
                tally=tally,
                key=class_id,
                course=titles.get(course_id, ""),
                extra={"school": names.get(school_id, ""), "school_id": school_id},
            )
        )
    class_lines.sort(key=lambda line: (line.extra["school"], line.label, line.course))
    school_lines = [
        Line(label=_local(name, zh), tally=per_school.get(pk, Tally()), key=pk, slug=slug, extra=load[pk])
        for pk, slug, name, zh in schools
    ]
    school_lines.sort(key=lambda line: line.label)
    course_lines = sorted(
        (Line(label=titles.get(pk, ""), tally=t, key=pk) for pk, t in per_course.items()), key=lambda line: line.label
    )
    return DistrictDashboard(
        district=district,
        taken_at=snap.taken_at,
        total=total,
        schools=school_lines,
        classes=class_lines,
        courses=course_lines,
        days=days,
    )


@dataclass
class SchoolDashboard:
    school: Organisation
    taken_at: datetime
    total: Tally
    classes: list[Line]  # per (class, course)
    offerings: list[Line]  # per offering (course × term × classes)
    load: dict[str, int]
    days: int


def school_dashboard(*, school: Organisation, now: datetime | None = None) -> SchoolDashboard:
    """The district's aggregates for one school, per class and per offering (a fixed number of queries).

    Like the district's, the scores are a snapshot of the school kept
    ``DASHBOARD_DISTRICT_SNAPSHOT_SECONDS`` (the page says when it was taken; its refresh
    button takes a new one); lab starts and grading jobs are live.
    """
    now = now or timezone.now()
    days = settings.DASHBOARD_DISTRICT_LOAD_DAYS
    snap = _cached(_key(school), lambda: _snapshot_for(school, now))
    classes = {
        pk: _local(name, zh)
        for pk, name, zh in SchoolClass.objects.filter(school=school).values_list("pk", "name", "name_zh")
    }
    offerings = {
        o.pk: o
        for o in Offering.objects.filter(school=school).select_related("term", "course").prefetch_related("classes")
    }
    titles = {o.course_id: o.course.local_title for o in offerings.values()}
    total = Tally()
    class_lines: list[Line] = []
    offering_lines: list[Line] = []
    for (kind, _school, ref, course_id), tally in snap.groups.items():
        if kind == "c":
            total.add(tally)
            class_lines.append(
                Line(label=classes.get(ref, "—"), tally=tally, key=ref, course=titles.get(course_id, ""))
            )
        else:
            o = offerings.get(ref)
            offering_lines.append(
                Line(
                    label=titles.get(course_id, ""),
                    tally=tally,
                    key=ref,
                    course=titles.get(course_id, ""),
                    extra={
                        "term": o.term.local_name if o else "",
                        "classes": ", ".join(sorted(c.local_name for c in o.classes.all())) if o else "",
                    },
                )
            )
    # offerings nobody is enrolled in yet still show
    for pk, o in offerings.items():
        if not any(line.key == pk for line in offering_lines):
            offering_lines.append(
                Line(
                    label=titles.get(o.course_id, ""),
                    tally=Tally(),
                    key=pk,
                    course=titles.get(o.course_id, ""),
                    extra={
                        "term": o.term.local_name,
                        "classes": ", ".join(sorted(c.local_name for c in o.classes.all())),
                    },
                )
            )
    class_lines.sort(key=lambda line: (line.label, line.course))
    offering_lines.sort(key=lambda line: (line.label, line.extra.get("term", ""), line.key))
    load = school_activity(school_ids=[school.pk], days=days, now=now)[school.pk]
    return SchoolDashboard(
        school=school,
        taken_at=snap.taken_at,
        total=total,
        classes=class_lines,
        offerings=offering_lines,
        load=load,
        days=days,
    )


# ---------------------------------------------------------------------------------------
# a class's gradebook


@dataclass
class ClassCell:
    score: Decimal | None
    maximum: Decimal
    percent: float | None
    handed_in: bool
    late: bool


@dataclass
class ClassRow:
    user_id: int
    label: str  # the name, or "Student n" where names are withheld
    username: str  # empty where names are withheld
    cells: list[ClassCell]
    total: Decimal
    maximum: Decimal
    percent: float | None


@dataclass
class ClassGradebook:
    school_class: SchoolClass
    offerings: list[Offering]  # the class's offerings (course choices)
    offering: Offering | None
    activities: list[Activity]
    rows: list[ClassRow]
    names_shown: bool


def class_offerings(*, school_class: SchoolClass) -> list[Offering]:
    return list(
        Offering.objects.filter(classes=school_class)
        .select_related("course", "term")
        .order_by("-term__starts_on", "id")
    )


def class_gradebook(
    *,
    school_class: SchoolClass,
    offering: Offering | None,
    offerings: list[Offering],
    names: bool,
    now: datetime | None = None,
) -> ClassGradebook:
    """The class's students × the offering's graded activities, each cell the gradebook's counted
    score (:func:`counted_results`, the one rule), totals as the course gradebook adds them."""
    now = now or timezone.now()
    if offering is None:
        return ClassGradebook(school_class, offerings, None, [], [], names)
    rows = _student_enrolments(school_ids=[school_class.school_id], school_class=school_class.pk)
    user_ids = sorted({u for u, c, *_ in rows if c == offering.course_id})
    acts = _graded_activities({offering.course_id}, now).get(offering.course_id, [])
    results = counted_results(activity_ids=[a.pk for a in acts], user_ids=user_ids) if user_ids else {}
    from accounts.models import User

    people = {
        pk: (username, display or username)
        for pk, username, display in User.objects.filter(pk__in=user_ids).values_list("pk", "username", "display_name")
    }
    defaults = {a.pk: max_points(a) for a in acts}
    out = []
    for uid in user_ids:
        cells = []
        total = maximum = Decimal(0)
        for a in acts:
            key = (uid, a.pk)
            counted = results.get(key)
            if counted is None:
                cells.append(ClassCell(None, defaults[a.pk], None, False, False))
                maximum += defaults[a.pk]
                continue
            mx = counted.max_score or defaults[a.pk]
            score = counted.score if counted.is_graded else None
            cells.append(ClassCell(score, mx, percent(score, mx), True, counted.is_late))
            total += score or 0
            maximum += mx
        username, name = people.get(uid, ("", ""))
        out.append(
            ClassRow(
                user_id=uid,
                label=name if names else "",
                username=username if names else "",
                cells=cells,
                total=total,
                maximum=maximum,
                percent=percent(total, maximum),
            )
        )
    if names:
        out.sort(key=lambda r: (r.label.lower(), r.username))
    else:
        # Withheld: numbered in account order, so the order tells nothing about the names either.
        from django.utils.translation import gettext as _

        for i, r in enumerate(out, start=1):
            r.label = _("Student %(n)d") % {"n": i}
    return ClassGradebook(school_class, offerings, offering, acts, out, names)


def class_gradebook_csv_rows(book: ClassGradebook) -> list[list[Any]]:
    head = ["student"] + (["username"] if book.names_shown else [])
    head += [a.slug for a in book.activities] + ["total", "max", "percent"]
    out: list[list[Any]] = [head]
    for r in book.rows:
        line: list[Any] = [r.label] + ([r.username] if book.names_shown else [])
        line += [
            scoring.format_score(c.score) if c.score is not None else ("…" if c.handed_in else "") for c in r.cells
        ]
        line += [scoring.format_score(r.total), scoring.format_score(r.maximum), "" if r.percent is None else r.percent]
        out.append(line)
    return out


def _tally_cells(t: Tally) -> list[Any]:
    return [
        t.enrolled,
        t.participants,
        "" if t.participation is None else t.participation,
        "" if t.completion is None else t.completion,
        "" if t.average is None else t.average,
        t.scored,
    ]


TALLY_HEAD = ["enrolled", "participants", "participation %", "completion %", "average score %", "scored results"]


def district_csv_rows(d: DistrictDashboard) -> list[list[Any]]:
    """Schools (with lab starts and grading jobs), then classes × courses: aggregates only."""
    out: list[list[Any]] = [["level", "school", "class", "course", *TALLY_HEAD, "lab starts", "grading jobs"]]
    for s in d.schools:
        out.append(["school", s.label, "", "", *_tally_cells(s.tally), s.extra["lab_starts"], s.extra["jobs"]])
    for c in d.courses:
        out.append(["course", "", "", c.label, *_tally_cells(c.tally), "", ""])
    for line in d.classes:
        out.append(["class", line.extra["school"], line.label, line.course, *_tally_cells(line.tally), "", ""])
    return out


def school_csv_rows(d: SchoolDashboard) -> list[list[Any]]:
    out: list[list[Any]] = [["level", "class", "course", "term", *TALLY_HEAD]]
    for line in d.classes:
        out.append(["class", line.label, line.course, "", *_tally_cells(line.tally)])
    for line in d.offerings:
        out.append(
            [
                "offering",
                line.extra.get("classes", ""),
                line.course,
                line.extra.get("term", ""),
                *_tally_cells(line.tally),
            ]
        )
    return out
