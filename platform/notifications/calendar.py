"""What is due, when: a person's calendar of due dates (extensions applied) and exam windows.

One selector (:func:`calendar_for`) feeds the student's home, the course home and the ICS feed,
so the three never disagree. Times stay aware UTC datetimes here; pages show them in the
viewer's zone, the feed writes them in UTC.
"""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone

if TYPE_CHECKING:
    from accounts.models import User
    from courses.models import Activity, Course


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable across feeds and edits: the same event keeps its UID when its date moves
    activity: Activity
    course: Course
    kind: str  # "due" or "exam" (a window from release to due)
    start: datetime
    end: datetime | None
    extended: bool
    url: str

    @property
    def title(self) -> str:
        return self.activity.local_title


def calendar_for(*, user: User, course: Course | None = None) -> list[CalendarEvent]:
    """Every dated activity in the user's courses (or one course), with the user's extensions applied.

    As a student: released work, the due date in force for them (``courses.selectors.due_pick``:
    their extension, else their offering's date, else the activity's), and
    an exam's window when it has a release and a due time. As staff: the activities' own dates.
    """
    from courses.enums import ActivityKind, Role
    from courses.selectors import courses_for_user, dated_activities, due_pick, offering_dues
    from grading.review import extensions_for

    memberships = [(c, r) for c, r in courses_for_user(user=user) if course is None or c.pk == course.pk]
    if not memberships:
        return []
    student_courses = {c.pk for c, r in memberships if r == Role.STUDENT}
    activities = dated_activities(courses=[c for c, _ in memberships], student_courses=student_courses)
    own = [a.pk for a in activities if a.course_id in student_courses]
    extended = extensions_for(user=user, activity_ids=own)
    offered = offering_dues(activity_ids=own, user_ids=[user.pk])
    events = []
    for act in activities:
        due = due_pick(
            extension=extended.get(act.pk), offering_due=offered.get((user.pk, act.pk)), activity_due=act.due_at
        )
        url = reverse("courses:activity", args=[act.course.slug, act.slug])
        if act.kind == ActivityKind.EXAM and act.release_at is not None and due is not None and act.release_at < due:
            events.append(
                CalendarEvent(f"exam-{act.pk}", act, act.course, "exam", act.release_at, due, act.pk in extended, url)
            )
        elif due is not None:
            events.append(CalendarEvent(f"due-{act.pk}", act, act.course, "due", due, None, act.pk in extended, url))
    events.sort(key=lambda e: (e.start, e.activity.pk))
    return events


@dataclass
class Day:
    day: date
    in_month: bool
    today: bool
    events: list[CalendarEvent] = field(default_factory=list)


@dataclass
class Month:
    year: int
    month: int
    weeks: list[list[Day]]
    upcoming: list[CalendarEvent]  # the agenda: from today on, soonest first

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def previous(self) -> str:
        d = self.first - timedelta(days=1)
        return f"{d.year:04d}-{d.month:02d}"

    @property
    def next(self) -> str:
        d = self.first + timedelta(days=32)
        return f"{d.year:04d}-{d.month:02d}"


def month_view(events: list[CalendarEvent], *, month: str | None = None, agenda: int = 8) -> Month:
    """A month grid (weeks from Monday, days in the active time zone) and the next ``agenda`` events."""
    today = timezone.localdate()
    year, mon = today.year, today.month
    if month:
        try:
            y, m = (int(x) for x in month.split("-", 1))
            if 1970 <= y <= 2100 and 1 <= m <= 12:
                year, mon = y, m
        except ValueError:
            pass
    by_day: dict[date, list[CalendarEvent]] = {}
    for event in events:
        by_day.setdefault(timezone.localtime(event.end or event.start).date(), []).append(event)
    weeks = [
        [Day(d, d.month == mon, d == today, by_day.get(d, [])) for d in week]
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, mon)
    ]
    now = timezone.now()
    upcoming = [e for e in events if (e.end or e.start) >= now][:agenda]
    return Month(year, mon, weeks, upcoming)
