"""A course's teacher maps a competition's ranking to the points of its ``kind: competition``
activity; the points reach the dashboard's gradebook, its CSV and the student's progress page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def cup_activity(world, cup):  # type: ignore[no-untyped-def]
    from courses.enums import ActivityKind
    from tests.factories import ActivityFactory

    cup.grade_mapping = {"points": 10, "top": 1, "floor": 5}
    cup.save(update_fields=["grade_mapping"])
    return ActivityFactory(
        unit=world.lesson.unit,
        slug="decoder-cup",
        title="The Decoder Cup",
        kind=ActivityKind.COMPETITION,
        points=20,
        options={"competition": cup.slug},
    )


def _scored(phase, user, public: float, private: float, *, team=None, hours: int = 1):  # type: ignore[no-untyped-def]
    """A graded submission written directly (the scoring itself is tested in test_services)."""
    from competitions.enums import SubmissionStatus
    from competitions.models import Submission
    from competitions.services import board_changed

    sub = Submission.objects.create(
        phase=phase,
        user=user,
        team=team,
        participant=f"t{team.pk}" if team else f"u{user.pk}",
        received_at=timezone.now() - timedelta(hours=hours),
        kind=phase.submission_kind,
        status=SubmissionStatus.GRADED,
        public_score=public,
        private_score=private,
    )
    board_changed(phase_id=phase.pk)
    return sub


def _points(activity) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from competitions.models import CompetitionGrade

    return {
        g.user.username: g.points for g in CompetitionGrade.objects.filter(activity=activity).select_related("user")
    }


def test_grade_mapping_public_ranking_rescaled_to_activity_points(cast, dev, cup, cup_activity) -> None:  # type: ignore[no-untyped-def]
    from competitions.services import competition_grades_apply

    # Lower is better in the Decoder Cup: alice ranks 1st, bob 2nd, charlie never submitted.
    _scored(dev, cast.alice, 0.5, 0.9)
    _scored(dev, cast.bob, 0.7, 0.4)
    done = competition_grades_apply(competition=cup, activity=cup_activity, by=cast.teacher)
    assert (done.phase, done.split, done.count, done.ranked) == (dev, "public", 3, 2)
    assert "development:public" in done.rule and "max=20" in done.rule
    # top 1 gets the activity's 20 points; the last ranked gets the floor, 5/10 of 20 = 10; unranked 0.
    assert _points(cup_activity) == {"alice": 20.0, "bob": 10.0, "charlie": 0.0}


def test_grade_mapping_uses_final_private_ranking_once_phase_closed(cast, dev, cup, cup_activity) -> None:  # type: ignore[no-untyped-def]
    from competitions.services import competition_grades_apply

    _scored(dev, cast.alice, 0.5, 0.9)
    _scored(dev, cast.bob, 0.7, 0.4)
    dev.ends_at = timezone.now() - timedelta(minutes=1)
    dev.starts_at = timezone.now() - timedelta(days=3)
    dev.save()
    done = competition_grades_apply(competition=cup, activity=cup_activity, by=cast.teacher)
    assert done.split == "private"
    # The private ranking reverses the order: bob first.
    assert _points(cup_activity) == {"alice": 10.0, "bob": 20.0, "charlie": 0.0}


def test_grade_mapping_is_idempotent_and_recomputes(cast, dev, cup, cup_activity) -> None:  # type: ignore[no-untyped-def]
    from competitions.models import CompetitionGrade
    from competitions.services import competition_grades_apply

    _scored(dev, cast.alice, 0.5, 0.9)
    _scored(dev, cast.bob, 0.7, 0.4)
    competition_grades_apply(competition=cup, activity=cup_activity, by=cast.teacher)
    first = _points(cup_activity)
    competition_grades_apply(competition=cup, activity=cup_activity, by=cast.teacher)
    assert _points(cup_activity) == first
    assert CompetitionGrade.objects.filter(activity=cup_activity).count() == 3
    _scored(dev, cast.charlie, 0.3, 0.3)  # charlie now leads the public board
    competition_grades_apply(competition=cup, activity=cup_activity, by=cast.teacher)
    assert _points(cup_activity) == {"charlie": 20.0, "alice": 15.0, "bob": 10.0}


def test_grade_mapping_team_points_go_to_every_member(cast, dev, cup, cup_activity) -> None:  # type: ignore[no-untyped-def]
    from competitions.models import Team, TeamMembership
    from competitions.services import competition_grades_apply

    team = Team.objects.create(competition=cup, name="Bits", created_by=cast.bob)
    for u in (cast.bob, cast.charlie):
        TeamMembership.objects.create(competition=cup, team=team, user=u)
    _scored(dev, cast.bob, 0.4, 0.4, team=team)
    _scored(dev, cast.alice, 0.6, 0.6)
    competition_grades_apply(competition=cup, activity=cup_activity, by=cast.teacher)
    assert _points(cup_activity) == {"bob": 20.0, "charlie": 20.0, "alice": 10.0}


def test_grade_mapping_refuses_an_activity_of_another_competition(cast, world, cup, qml) -> None:  # type: ignore[no-untyped-def]
    from competitions.models import CompetitionGrade
    from competitions.services import GradeMappingRefused, competition_grades_apply
    from courses.enums import ActivityKind
    from tests.factories import ActivityFactory

    other = ActivityFactory(
        unit=world.lesson.unit, slug="qml", kind=ActivityKind.COMPETITION, points=5, options={"competition": qml.slug}
    )
    with pytest.raises(GradeMappingRefused):
        competition_grades_apply(competition=cup, activity=other, by=cast.teacher)
    with pytest.raises(GradeMappingRefused):
        competition_grades_apply(competition=cup, activity=world.assignment, by=cast.teacher)
    assert not CompetitionGrade.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("alice", 403), ("ta", 403), ("other_teacher", 404), ("outsider", 404), ("teacher", 302)],
)
def test_grade_mapping_apply_permissions(cast, dev, cup, cup_activity, who, status) -> None:  # type: ignore[no-untyped-def]
    """Only the course's teachers apply a mapping; TAs read the gradebook but cannot apply (403)."""
    from competitions.models import CompetitionGrade

    _scored(dev, cast.alice, 0.5, 0.5)
    c = Client()
    c.force_login(getattr(cast, who))
    r = c.post(f"/competitions/{cup.slug}/course-grades/", {"activity": cup_activity.slug})
    assert r.status_code == status
    assert CompetitionGrade.objects.filter(activity=cup_activity).exists() == (who == "teacher")
    if who == "teacher":
        assert r["Location"] == f"/competitions/{cup.slug}/development/grades/"
        page = c.get(r["Location"]).content.decode()
        assert "students got points for The Decoder Cup" in page
        assert 'data-apply-grades="decoder-cup"' in page and "development:public" in page


def test_grade_mapping_apply_bad_activity_is_400_and_writes_nothing(cast, cup, cup_activity) -> None:  # type: ignore[no-untyped-def]
    from competitions.models import CompetitionGrade

    c = Client()
    c.force_login(cast.teacher)
    r = c.post(f"/competitions/{cup.slug}/course-grades/", {"activity": "hw1"})
    assert r.status_code == 400
    assert "kind competition" in r.content.decode()
    assert c.get(f"/competitions/{cup.slug}/course-grades/").status_code == 405
    assert not CompetitionGrade.objects.exists()


def test_grade_mapping_reaches_gradebook_csv_and_progress(cast, dev, cup, cup_activity) -> None:  # type: ignore[no-untyped-def]
    _scored(dev, cast.alice, 0.5, 0.5)
    _scored(dev, cast.bob, 0.7, 0.7)
    teacher = Client()
    teacher.force_login(cast.teacher)
    book = teacher.get("/courses/qc101/gradebook/").content.decode()
    assert 'data-competition="1"' in book and "The Decoder Cup" in book
    assert teacher.post(f"/competitions/{cup.slug}/course-grades/", {"activity": "decoder-cup"}).status_code == 302
    book = teacher.get("/courses/qc101/gradebook/?sort=decoder-cup&desc=1").content.decode()
    alice_row = book[book.index('data-student="alice"') :].split("</tr>")[0]
    assert '<td class="num" data-activity="decoder-cup" data-competition="1">20</td>' in alice_row
    assert book.index('data-student="alice"') < book.index('data-student="bob"') < book.index('data-student="charlie"')
    csv_text = teacher.get("/courses/qc101/gradebook.csv").content.decode("utf-8-sig")
    head, *lines = [line.split(",") for line in csv_text.strip().splitlines()]
    col = head.index("decoder-cup")
    assert {line[0]: line[col] for line in lines} == {"alice": "20", "bob": "10", "charlie": "0"}
    assert {line[0]: line[head.index("max")] for line in lines}["alice"] == "30"  # hw1 10 + cup 20
    student = Client()
    student.force_login(cast.alice)
    progress = student.get("/courses/qc101/progress/").content.decode()
    cell = progress[progress.index(f'data-course-points="{cup.slug}"') :].split("</td>")[0]
    assert "20 / 20" in cell
