"""manage.py seed_demo_activity: realistic submissions and results for the demo courses.

Only courses that ``load_demo`` created (marked by ``core.models.DemoCourse``) are seeded; a
teacher's own course is never touched, whatever its name.

A living dashboard needs a class: the demo students (alice, bob, charlie) and a cohort of
made-up students (``demo-s01`` …, no password, cannot log in) get attempts at the graded
work with results drawn from a per-student ability, per-question difficulty, late work,
second attempts, manual grades (some still pending), a few jobs queued or needing attention.
In courses with two or more assignments, the earlier half is moved into the past (released
and due) so that missing and late work exist; a single assignment keeps its future deadline.

Results are written as rows (no notebook is executed): the handed-in notebook is the
released student version, the score is drawn, the message says "demo result". Lateness
comes from grading's own rule (``grading.services.lateness_at``), release through
``grading.services.scores_release``. Idempotent: a course already seeded is left alone.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from courses.enums import GRADED_KINDS, FileKind, Role
from courses.models import Activity, Course, Enrollment

SEED_KEY = "demo-seed"
DEMO_ABILITY = {"alice": 0.93, "bob": 0.7, "charlie": 0.42}
COHORT_NAMES = [
    "Wei Lin 林伟",
    "Fang Zhou 周芳",
    "Jun Wu 吴俊",
    "Xiu Ying 应秀",
    "Hao Sun 孙浩",
    "Min Guo 郭敏",
    "Lei Ma 马磊",
    "Yan Hu 胡燕",
    "Tao Zhu 朱涛",
    "Ning Gao 高宁",
    "Priya Nair",
    "Lucas Martin",
    "Sofia Rossi",
    "Kenji Sato",
    "Amara Okafor",
    "Jonas Berg",
    "Mei Tan 谭梅",
    "Bo Xu 徐波",
    "Qing He 何青",
    "Yu Luo 罗宇",
    "Chen Song 宋晨",
    "Lan Xie 谢兰",
    "Rui Han 韩睿",
    "Jie Feng 冯杰",
    "Ana Silva",
    "Omar Haddad",
    "Emma Dubois",
    "Liam Walsh",
    "Hana Kim",
    "Ivan Petrov",
]
FAILURES = [
    "AssertionError: expected amplitudes close to [0.707, 0, 0, 0.707]",
    "AssertionError: state is not normalised",
    "AssertionError: wrong shape: expected (4,) got (2, 2)",
    "TypeError: unsupported operand type(s) for +: 'NoneType' and 'float'",
    "NameError: name 'np' is not defined",
    "AssertionError: result differs from the reference by more than 1e-6",
]


class Command(BaseCommand):
    help = "Seed realistic submissions and results for the demo students (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cohort", type=int, default=24, help="made-up students added to each course (default 24)")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--purge-outside-demo",
            action="store_true",
            help="remove seeded results and made-up students from every course that is not a demo course "
            "(what releases before the demo mark put there), then stop",
        )
        parser.add_argument("--course", nargs="*", help="only these demo course slugs (default: every demo course)")

    def handle(
        self, *args: Any, cohort: int, seed: int, course: list[str] | None, purge_outside_demo: bool = False, **options: Any
    ) -> None:
        if purge_outside_demo:
            self.stdout.write(self._purge())
            return
        # Only the courses `load_demo` created: made-up students and results never enter a real course.
        courses = Course.objects.filter(demo_mark__isnull=False).order_by("slug")
        if course:
            courses = courses.filter(slug__in=course)
        cohort_users = self._cohort(min(cohort, len(COHORT_NAMES)))
        for c in courses:
            rng = random.Random(f"{seed}:{c.slug}")  # noqa: S311 -- demo data, reproducible on purpose
            made = self._seed_course(c, cohort_users, rng)
            self.stdout.write(f"{c.slug}: {made if made is not None else 'already seeded'}")
        if not courses.exists():
            self.stdout.write("no demo course (run load_demo first): nothing seeded")

    @transaction.atomic
    def _purge(self) -> str:
        """Seeded submissions (their manual grades go with them) and the made-up students'
        enrolments, in courses that are not demo courses. Real students' work is never touched:
        only rows with the seed's idempotency key, and only users named ``demo-sNN``."""
        from grading.models import Submission

        real = Course.objects.filter(demo_mark__isnull=True)
        subs = Submission.objects.filter(activity__course__in=real, idempotency_key__startswith=SEED_KEY)
        n_subs = subs.count()
        subs.delete()
        cohort = Enrollment.objects.filter(course__in=real, user__username__regex=r"^demo-s[0-9]{2}$")
        n_enrolled = cohort.count()
        cohort.delete()
        return f"removed {n_subs} seeded submissions and {n_enrolled} made-up enrolments outside the demo courses"

    def _cohort(self, n: int) -> list[Any]:
        User = get_user_model()
        users = []
        for i in range(n):
            user, created = User.objects.get_or_create(
                username=f"demo-s{i + 1:02d}",
                defaults={"display_name": COHORT_NAMES[i], "email": f"demo-s{i + 1:02d}@example.edu"},
            )
            if created:
                user.set_unusable_password()
                user.save()
            users.append(user)
        return users

    @transaction.atomic
    def _seed_course(self, course: Course, cohort: list[Any], rng: random.Random) -> str | None:
        from grading.enums import SubmissionStatus
        from grading.models import ManualGrade, Submission
        from grading.services import lateness_at, scores_release

        activities = list(
            Activity.objects.filter(course=course, kind__in=GRADED_KINDS, archived=False, current_version__isnull=False)
            .select_related("current_version")
            .order_by("due_at", "unit__order", "order", "id")
        )
        if not activities:
            return "no graded work"
        if Submission.objects.filter(activity__in=activities, idempotency_key__startswith=SEED_KEY).exists():
            return None
        now = timezone.now()
        teacher = Enrollment.objects.filter(course=course, role=Role.TEACHER).select_related("user").first()
        grader = teacher.user if teacher else get_user_model().objects.filter(is_superuser=True).first()
        for i, user in enumerate(cohort):
            enrolled, _ = Enrollment.objects.get_or_create(course=course, user=user, defaults={"role": Role.STUDENT})
            Enrollment.objects.filter(pk=enrolled.pk).update(created_at=now - timedelta(days=30 - i % 5))
        # A past: the earlier half of the graded work is released and due already.
        past = len(activities) // 2 if len(activities) >= 2 else 0
        for index, activity in enumerate(activities):
            if index < past:
                weeks_ago = past - index
                activity.release_at = now - timedelta(days=7 * weeks_ago + 7)
                activity.due_at = (now - timedelta(days=7 * (weeks_ago - 1) + 2)).replace(
                    minute=0, second=0, microsecond=0
                )
            elif activity.release_at is None:
                activity.release_at = now - timedelta(days=5)
            activity.save(update_fields=["release_at", "due_at"])
        students = [e.user for e in Enrollment.objects.filter(course=course, role=Role.STUDENT).select_related("user")]
        ability = {u.pk: min(0.98, max(0.15, rng.gauss(0.78, 0.12))) for u in students}
        # The demo logins tell a story: alice is strong, bob is in the middle, charlie struggles.
        ability.update({u.pk: DEMO_ABILITY[u.username] for u in students if u.username in DEMO_ABILITY})
        # one student who has gone quiet, one who is sliding
        quiet = students[-1].pk if len(students) > 3 else None
        sliding = students[-2].pk if len(students) > 4 else None
        made = graded_manual = 0
        for index, activity in enumerate(activities):
            version = activity.current_version
            assert version is not None  # filtered above
            facts = version.facts or {}
            cells = [
                c
                for nb in facts.get("notebooks") or []
                for c in nb.get("cells") or []
                if c.get("kind") in ("autograded_test", "manual")
            ]
            if not cells:
                continue
            notebook = version.files.filter(kind=FileKind.NOTEBOOK).first()
            if notebook is None:
                continue
            difficulty = {c["grade_id"]: rng.uniform(-0.15, 0.1) for c in cells}
            is_past = index < past
            is_first_future = index == past
            if not (is_past or is_first_future):
                continue
            start = activity.release_at or now - timedelta(days=5)
            end = min(activity.due_at or now, now)
            for u in students:
                a = ability[u.pk]
                if u.pk == sliding:
                    a = max(0.1, a - 0.25 * index)
                if u.pk == quiet and index >= past - 1:
                    continue
                p_submit = (0.55 + 0.45 * a) if is_past else 0.8 * a
                if rng.random() > p_submit:
                    continue
                attempts = 2 if rng.random() < 0.3 else 1
                for attempt in range(attempts):
                    span = max(60.0, (end - start).total_seconds())
                    if is_past and rng.random() < 0.12 * (1.2 - a):
                        at = (activity.due_at or now) + timedelta(hours=rng.uniform(1, 40))
                    else:
                        frac = min(0.999, rng.betavariate(2 + 3 * a, 2))
                        at = start + timedelta(seconds=span * frac)
                    at = min(at, now - timedelta(minutes=5))
                    late = lateness_at(activity=activity, user=u, at=at)
                    if late.refused:
                        continue
                    skill = a - (0.15 if attempt == 0 and attempts == 2 else 0.0)
                    out_cells = []
                    for c in cells:
                        pts = float(c["points"])
                        if c["kind"] == "manual":
                            out_cells.append(
                                {
                                    "grade_id": c["grade_id"],
                                    "kind": "manual",
                                    "max_points": pts,
                                    "score": None,
                                    "status": "needs grading",
                                }
                            )
                            continue
                        ok = rng.random() < min(0.99, max(0.02, skill + difficulty[c["grade_id"]]))
                        entry = {
                            "grade_id": c["grade_id"],
                            "kind": "autograded_test",
                            "max_points": pts,
                            "score": pts if ok else 0.0,
                        }
                        entry["status"] = "passed" if ok else "failed"
                        if not ok:
                            entry["message"] = FAILURES[
                                (sum(map(ord, c["grade_id"])) + rng.randrange(2)) % len(FAILURES)
                            ]
                        out_cells.append(entry)
                    total = sum(c["score"] or 0 for c in out_cells)
                    maximum = sum(c["max_points"] for c in out_cells)
                    status = SubmissionStatus.GRADED
                    if is_first_future and attempt == attempts - 1 and rng.random() < 0.06:
                        status = rng.choice([SubmissionStatus.QUEUED, SubmissionStatus.NEEDS_ATTENTION])
                    graded_at = (
                        at + timedelta(seconds=rng.uniform(6, 45)) if status == SubmissionStatus.GRADED else None
                    )
                    sub = Submission.objects.create(
                        activity=activity,
                        version=version,
                        user=u,
                        received_at=at,
                        blob=notebook.blob,
                        size=notebook.size,
                        filename=notebook.path,
                        source="lab",
                        idempotency_key=f"{SEED_KEY}-{activity.pk}-{u.pk}-{attempt}",
                        status=status,
                        late_seconds=late.late_seconds,
                        penalty=late.penalty,
                        attempts=1,
                        queued_at=at,
                        started_at=at if status == SubmissionStatus.GRADED else None,
                        graded_at=graded_at,
                        auto_score=Decimal(str(total)) if graded_at else None,
                        max_score=Decimal(str(maximum)) if graded_at else None,
                        cells=out_cells if graded_at else [],
                        message="Demo result (seeded, not executed)." if graded_at else "",
                    )
                    made += 1
                    if graded_at and is_past and grader is not None:
                        for c in out_cells:
                            if c["kind"] == "manual" and rng.random() < 0.7:
                                score = round(c["max_points"] * min(1.0, max(0.0, rng.gauss(a, 0.2))) * 2) / 2
                                ManualGrade.objects.create(
                                    submission=sub,
                                    grade_id=c["grade_id"],
                                    score=Decimal(str(score)),
                                    comment="",
                                    graded_by=grader,
                                )
                                graded_manual += 1
            if is_past and grader is not None:
                scores_release(activity=activity, release=True, by=grader)
        return f"{made} submissions, {graded_manual} manual grades, {len(students)} students, {past} activities moved into the past"
