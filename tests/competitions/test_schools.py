"""Competitions across schools: scope (site, district, school), eligibility at registration (schools,
grades), school teams, the schools ranking (best / top-k mean) and the synchronised start mode.

``make_district`` builds a small world used here and by the other ``test_schools*`` modules:
district North (schools A and B) and district South (school C).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.http import Http404
from django.utils import timezone

from competitions.enums import EntryMode, SchoolRanking, SubmissionStatus, Task
from competitions.models import Competition, Phase, Registration, Submission, Team
from competitions.selectors import (
    competition_access,
    competitions_for_user,
    eligibility,
    leaderboard,
    school_ranking,
)
from competitions.services import (
    SubmissionRefused,
    board_changed,
    final_selection_set,
    registration_create,
    submission_receive,
    team_create,
    team_join,
)
from orgs.enums import CompetitionScope, OrgKind, OrgRole
from orgs.models import Membership, Organisation, SchoolClass
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@dataclass
class District:
    north: Any
    a: Any
    b: Any
    south: Any
    c: Any
    ann: Any  # A, grade 10
    amy: Any  # A, grade 11
    abe: Any  # A, grade 10
    ben: Any  # B, grade 10
    bea: Any  # B, grade 10
    cat: Any  # C (South), grade 10
    nat: Any  # A, a student without a class
    teacher_a: Any
    admin_north: Any
    admin_b: Any


def _member(user: Any, org: Any, role: str = OrgRole.STUDENT, school_class: Any = None) -> Any:
    return Membership.objects.create(user=user, org=org, role=role, school_class=school_class)


def make_district() -> District:
    north = Organisation.objects.create(name="North District", name_zh="北区", slug="north", kind=OrgKind.DISTRICT)
    south = Organisation.objects.create(name="South District", name_zh="南区", slug="south", kind=OrgKind.DISTRICT)
    a = Organisation.objects.create(name="School A", name_zh="甲校", slug="school-a", parent=north, username_prefix="a")
    b = Organisation.objects.create(name="School B", name_zh="乙校", slug="school-b", parent=north, username_prefix="b")
    c = Organisation.objects.create(name="School C", name_zh="丙校", slug="school-c", parent=south, username_prefix="c")
    a10 = SchoolClass.objects.create(school=a, name="Grade 10 Class 1", grade=10)
    a11 = SchoolClass.objects.create(school=a, name="Grade 11 Class 1", grade=11)
    b10 = SchoolClass.objects.create(school=b, name="Grade 10 Class 1", grade=10)
    c10 = SchoolClass.objects.create(school=c, name="Grade 10 Class 1", grade=10)
    users = {
        name: UserFactory(username=name, display_name=name.capitalize())
        for name in ("ann", "amy", "abe", "ben", "bea", "cat", "nat", "teacher-a", "admin-north", "admin-b")
    }
    _member(users["ann"], a, school_class=a10)
    _member(users["amy"], a, school_class=a11)
    _member(users["abe"], a, school_class=a10)
    _member(users["ben"], b, school_class=b10)
    _member(users["bea"], b, school_class=b10)
    _member(users["cat"], c, school_class=c10)
    _member(users["nat"], a)
    _member(users["teacher-a"], a, OrgRole.TEACHER)
    _member(users["admin-north"], north, OrgRole.ADMIN)
    _member(users["admin-b"], b, OrgRole.ADMIN)
    return District(
        north, a, b, south, c,
        users["ann"], users["amy"], users["abe"], users["ben"], users["bea"], users["cat"], users["nat"],
        users["teacher-a"], users["admin-north"], users["admin-b"],
    )  # fmt: skip


def make_competition(
    slug: str = "district-cup",
    *,
    scope: str = CompetitionScope.DISTRICT,
    org: Any = None,
    starts: timedelta = timedelta(days=-1),
    ends: timedelta = timedelta(days=1),
    **fields: Any,
) -> Phase:
    """A Decoder-Cup-like competition (lower is better) with one phase; its phase."""
    fields.setdefault("higher_is_better", False)
    comp = Competition.objects.create(slug=slug, title="Decoder Cup", task=Task.DECODER, scope=scope, org=org, **fields)
    now = timezone.now()
    return Phase.objects.create(
        competition=comp, slug="development", title="Development", starts_at=now + starts, ends_at=now + ends,
        dataset="development",
    )  # fmt: skip


def scored(phase: Phase, user: Any, score: float, *, minutes: int, team: Team | None = None) -> Submission:
    """A graded entry (no sandbox): registered like a real submission, received ``minutes`` after the start."""
    registration_create(competition=phase.competition, user=user)
    sub = Submission.objects.create(
        phase=phase, user=user, team=team, participant=f"t{team.pk}" if team else f"u{user.pk}",
        received_at=phase.starts_at + timedelta(minutes=minutes), kind="module", status=SubmissionStatus.GRADED,
        public_score=score, private_score=score,
    )  # fmt: skip
    board_changed(phase_id=phase.pk)
    return sub


@pytest.fixture
def d(db) -> District:  # type: ignore[no-untyped-def]
    return make_district()


# --- scope ------------------------------------------------------------------------------------


def test_a_competition_without_a_scope_is_site_wide_and_open_to_everyone(d):
    phase = make_competition("open-cup", scope=CompetitionScope.SITE)
    comp = phase.competition
    assert comp.scope == CompetitionScope.SITE and comp.org is None
    no_school: Any = UserFactory(username="no-school")
    for user in (d.ann, d.cat, no_school):
        access = competition_access(user=user, slug=comp.slug)
        assert access.can_participate and not access.is_host
        assert comp in competitions_for_user(user=user)


def test_district_competition_is_invisible_outside_the_district(d):
    comp = make_competition(org=d.north).competition
    assert competition_access(user=d.ann, slug=comp.slug).can_participate
    assert competition_access(user=d.ben, slug=comp.slug).can_participate
    with pytest.raises(Http404):
        competition_access(user=d.cat, slug=comp.slug)  # a student of another district
    assert comp not in competitions_for_user(user=d.cat)
    assert comp in competitions_for_user(user=d.ben)
    teacher = competition_access(user=d.teacher_a, slug=comp.slug)
    assert not teacher.can_participate and not teacher.is_host  # sees it, does not enter
    host = competition_access(user=d.admin_north, slug=comp.slug)
    assert host.is_host and not host.can_participate
    assert comp in competitions_for_user(user=d.admin_north)


def test_school_only_competition_is_invisible_to_other_schools(d):
    comp = make_competition("a-cup", scope=CompetitionScope.SCHOOL, org=d.a).competition
    assert competition_access(user=d.ann, slug=comp.slug).can_participate
    for outsider in (d.ben, d.admin_b, d.cat):
        with pytest.raises(Http404):
            competition_access(user=outsider, slug=comp.slug)
        assert comp not in competitions_for_user(user=outsider)
    # The district's admin administers school A, so hosts its competition.
    assert competition_access(user=d.admin_north, slug=comp.slug).is_host
    assert comp in competitions_for_user(user=d.admin_north)


def test_scope_needs_an_organisation_and_site_needs_none(d):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Competition.objects.create(slug="x", title="x", task=Task.DECODER, scope=CompetitionScope.DISTRICT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Competition.objects.create(slug="y", title="y", task=Task.DECODER, scope=CompetitionScope.SITE, org=d.a)


# --- eligibility --------------------------------------------------------------------------------


def test_eligible_schools_refuse_other_schools_with_their_names(d):
    phase = make_competition(org=d.north)
    phase.competition.eligible_schools.set([d.a])
    assert eligibility(competition=phase.competition, user=d.ann).ok
    verdict = eligibility(competition=phase.competition, user=d.ben)
    assert not verdict.ok and "School A" in verdict.reason and "School B" not in verdict.reason
    with pytest.raises(SubmissionRefused) as exc:
        registration_create(competition=phase.competition, user=d.ben)
    assert exc.value.status == 403 and "School A" in exc.value.message
    assert not Registration.objects.filter(user=d.ben).exists()


def test_eligible_grades_follow_the_class_grade(d):
    phase = make_competition(org=d.north, eligible_grades=[11, 12])
    reg = registration_create(competition=phase.competition, user=d.amy)
    assert (reg.school, reg.grade) == (d.a, 11)
    with pytest.raises(SubmissionRefused) as exc:
        registration_create(competition=phase.competition, user=d.ann)
    assert "grades 11, 12" in exc.value.message and "grade 10" in exc.value.message
    with pytest.raises(SubmissionRefused) as exc:
        registration_create(competition=phase.competition, user=d.nat)
    assert "no grade on record" in exc.value.message


def test_an_ineligible_submission_is_refused_and_stores_nothing(d):
    phase = make_competition(org=d.north, eligible_grades=[11])
    with pytest.raises(SubmissionRefused) as exc:
        submission_receive(phase=phase, user=d.ben, data=b"def decode(d):\n    return d\n", filename="d.py")
    assert "grade 10" in exc.value.message
    assert not Submission.objects.filter(phase=phase).exists()
    sub = submission_receive(phase=phase, user=d.amy, data=b"def decode(d):\n    return d\n", filename="d.py")
    assert sub.participant == f"u{d.amy.pk}"
    assert Registration.objects.get(user=d.amy).school == d.a  # the first submission registered her


def test_refusals_are_translated(d):
    from django.utils import translation

    phase = make_competition(org=d.north, eligible_grades=[11])
    with translation.override("zh-hans"):
        verdict = eligibility(competition=phase.competition, user=d.ann)
    assert "年级" in verdict.reason and "11" in verdict.reason


def test_registration_records_the_school_even_on_a_site_wide_competition(d):
    phase = make_competition("open-cup", scope=CompetitionScope.SITE)
    assert registration_create(competition=phase.competition, user=d.cat).school == d.c
    assert (
        registration_create(competition=phase.competition, user=d.teacher_a).school is None
    )  # staff: no school counted


# --- school teams -------------------------------------------------------------------------------


def test_a_school_team_takes_members_of_its_school_only(d):
    phase = make_competition(org=d.north, entry_mode=EntryMode.TEAMS)
    comp = phase.competition
    team = team_create(competition=comp, user=d.ann, name="A-team")
    assert team.school == d.a
    with pytest.raises(SubmissionRefused) as exc:
        team_join(competition=comp, user=d.ben, code=team.invite_code)
    assert "School A" in exc.value.message
    assert team_join(competition=comp, user=d.amy, code=team.invite_code) == team
    assert set(team.memberships.values_list("user__username", flat=True)) == {"ann", "amy"}


def test_entry_modes_teams_only_and_individuals_only(d):
    teams_only = make_competition("teams", org=d.north, entry_mode=EntryMode.TEAMS)
    with pytest.raises(SubmissionRefused) as exc:
        submission_receive(phase=teams_only, user=d.ann, data=b"x = 1\n", filename="d.py")
    assert "team" in exc.value.message
    team = team_create(competition=teams_only.competition, user=d.ann, name="A")
    sub = submission_receive(phase=teams_only, user=d.ann, data=b"x = 1\n", filename="d.py")
    assert sub.participant == f"t{team.pk}"
    solo = make_competition("solo", org=d.north, entry_mode=EntryMode.INDIVIDUALS)
    with pytest.raises(SubmissionRefused) as exc:
        team_create(competition=solo.competition, user=d.ben, name="B")
    assert "individual" in exc.value.message
    assert not Team.objects.filter(competition=solo.competition).exists()


# --- the schools ranking -----------------------------------------------------------------------


def test_best_entry_ranking_with_a_tie_goes_to_the_earlier_submission(d):
    phase = make_competition(org=d.north, school_ranking=SchoolRanking.BEST)
    scored(phase, d.ben, 0.90, minutes=5)  # B's best, earlier
    scored(phase, d.ann, 0.90, minutes=9)  # A's best ties it, later
    scored(phase, d.amy, 1.50, minutes=1)
    scored(phase, d.bea, 2.00, minutes=2)
    ranking = school_ranking(phase=phase, split="public")
    assert [(s.rank, s.name, s.score, s.counted, s.participants) for s in ranking] == [
        (1, "School B", 0.90, 1, 2),
        (2, "School A", 0.90, 1, 2),
    ]


def test_topk_mean_counts_a_school_with_fewer_than_k_on_what_it_has(d):
    phase = make_competition(org=d.north, school_ranking=SchoolRanking.TOPK_MEAN, school_ranking_k=2)
    scored(phase, d.ann, 0.8, minutes=1)
    scored(phase, d.amy, 1.2, minutes=2)
    scored(phase, d.abe, 3.0, minutes=3)  # A's third: outside its top 2
    scored(phase, d.ben, 0.95, minutes=4)  # B has one participant only
    ranking = school_ranking(phase=phase, split="public")
    # A: mean(0.8, 1.2) = 1.0 over 2; B: 0.95 over the 1 it has (no penalty for the missing one).
    assert [(s.name, round(s.score, 6), s.counted, s.participants) for s in ranking] == [
        ("School B", 0.95, 1, 1),
        ("School A", 1.0, 2, 3),
    ]


def test_topk_mean_tie_goes_to_more_entries_then_the_earlier_school(d):
    phase = make_competition(org=d.north, school_ranking=SchoolRanking.TOPK_MEAN, school_ranking_k=2)
    scored(phase, d.ben, 1.0, minutes=1)  # B: mean 1.0 over 1 entry
    scored(phase, d.ann, 0.5, minutes=2)
    scored(phase, d.amy, 1.5, minutes=3)  # A: mean 1.0 over 2 entries
    assert [s.name for s in school_ranking(phase=phase, split="public")] == ["School A", "School B"]
    scored(phase, d.bea, 1.0, minutes=9)  # B: mean 1.0 over 2, its latest counted entry later than A's
    ranking = school_ranking(phase=phase, split="public")
    assert [(s.name, s.counted) for s in ranking] == [("School A", 2), ("School B", 2)]
    assert ranking[0].score == ranking[1].score == 1.0


def test_higher_is_better_ranking_and_teams_count_for_their_school(d):
    phase = make_competition(
        org=d.north, higher_is_better=True, school_ranking=SchoolRanking.TOPK_MEAN, school_ranking_k=3
    )
    team = team_create(competition=phase.competition, user=d.ben, name="B-team")
    scored(phase, d.ben, 0.7, minutes=1, team=team)
    scored(phase, d.ann, 0.9, minutes=2)
    scored(phase, d.amy, 0.3, minutes=3)
    ranking = school_ranking(phase=phase, split="public")
    assert [(s.name, round(s.score, 6)) for s in ranking] == [("School B", 0.7), ("School A", 0.6)]


def test_participants_without_a_school_and_baselines_are_left_out_of_the_schools_ranking(d):
    phase = make_competition("open-cup", scope=CompetitionScope.SITE)
    scored(phase, UserFactory(username="nobody"), 0.1, minutes=1)
    scored(phase, d.cat, 0.9, minutes=2)
    Submission.objects.create(
        phase=phase, user=d.admin_north, participant="baseline", received_at=phase.starts_at, kind="module",
        status=SubmissionStatus.GRADED, is_baseline=True, label="PyMatching (baseline)", public_score=1.0,
    )  # fmt: skip
    board_changed(phase_id=phase.pk)
    assert [(s.name, s.participants) for s in school_ranking(phase=phase, split="public")] == [("School C", 1)]


def test_leaderboard_filters_by_school_and_keeps_overall_ranks(d):
    phase = make_competition(org=d.north)
    scored(phase, d.ann, 0.8, minutes=1)
    scored(phase, d.ben, 0.9, minutes=2)
    scored(phase, d.amy, 1.1, minutes=3)
    rows = leaderboard(phase=phase, split="public", school_id=d.a.pk)
    assert [(r.rank, r.name, r.school) for r in rows] == [(1, "Ann", "School A"), (3, "Amy", "School A")]
    everyone = leaderboard(phase=phase, split="public")
    assert [r.school for r in everyone] == ["School A", "School B", "School A"]


def test_private_schools_ranking_uses_final_selections(d):
    phase = make_competition(org=d.north)
    sub = scored(phase, d.ann, 0.8, minutes=1)
    sub.private_score = 2.0
    sub.save()
    scored(phase, d.ben, 0.9, minutes=2)
    board_changed(phase_id=phase.pk)
    assert [s.name for s in school_ranking(phase=phase, split="public")] == ["School A", "School B"]
    assert [s.name for s in school_ranking(phase=phase, split="private")] == ["School B", "School A"]


# --- synchronised start -----------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    """Set the server's clock: ``clock(t)`` makes django.utils.timezone.now() return ``t``."""

    def _set(t: datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: t)

    return _set


def test_synchronised_phase_opens_and_closes_at_the_same_instant_for_everyone(d, clock):
    phase = make_competition(org=d.north, synchronised=True, starts=timedelta(hours=1), ends=timedelta(hours=2))
    tick = timedelta(microseconds=1)
    code = b"def decode(d):\n    return d\n"
    clock(phase.starts_at - tick)
    with pytest.raises(SubmissionRefused) as exc:
        submission_receive(phase=phase, user=d.ann, data=code, filename="d.py")
    assert "not started" in exc.value.message
    # An early registration is allowed, and gives no head start.
    assert registration_create(competition=phase.competition, user=d.ben).registered_at == phase.starts_at - tick
    with pytest.raises(SubmissionRefused):
        submission_receive(phase=phase, user=d.ben, data=code, filename="d.py")
    clock(phase.starts_at)
    assert submission_receive(phase=phase, user=d.ann, data=code, filename="d.py").received_at == phase.starts_at
    # A late joiner (registering a second before the close) gets the same close.
    clock(phase.ends_at - tick)
    late = submission_receive(phase=phase, user=d.bea, data=code, filename="d.py")
    assert late.received_at == phase.ends_at - tick
    clock(phase.ends_at)
    for user in (d.ann, d.bea, d.amy):
        with pytest.raises(SubmissionRefused) as exc:
            submission_receive(phase=phase, user=user, data=code, filename="d.py")
        assert "closed" in exc.value.message
    assert Submission.objects.filter(phase=phase).count() == 2


def test_synchronised_teams_are_fixed_while_the_phase_runs_and_selection_waits_for_the_start(d, clock):
    phase = make_competition(org=d.north, synchronised=True, starts=timedelta(hours=1), ends=timedelta(hours=2))
    comp = phase.competition
    clock(phase.starts_at - timedelta(seconds=1))
    team = team_create(competition=comp, user=d.ann, name="A-team")  # before the start: fine
    with pytest.raises(SubmissionRefused) as exc:
        final_selection_set(phase=phase, user=d.ann, submission_ids=[])
    assert "not started" in exc.value.message
    clock(phase.starts_at)
    with pytest.raises(SubmissionRefused) as exc:
        team_join(competition=comp, user=d.amy, code=team.invite_code)
    assert "same time" in exc.value.message
    assert final_selection_set(phase=phase, user=d.ann, submission_ids=[]) == []
    # Not synchronised: the same join while the phase runs is fine (today's behaviour).
    comp.synchronised = False
    comp.save()
    assert team_join(competition=comp, user=d.amy, code=team.invite_code) == team


def test_registration_closes_with_the_last_phase(d, clock):
    phase = make_competition(org=d.north)
    clock(phase.ends_at)
    with pytest.raises(SubmissionRefused) as exc:
        registration_create(competition=phase.competition, user=d.ann)
    assert "closed" in exc.value.message


def test_scope_set_matches_the_organisation_kind(d):
    from competitions.services import competition_scope_set

    comp = make_competition("open-cup", scope=CompetitionScope.SITE).competition
    with pytest.raises(SubmissionRefused):
        competition_scope_set(competition=comp, scope=CompetitionScope.DISTRICT, org=d.a)  # a school, not a district
    with pytest.raises(SubmissionRefused):
        competition_scope_set(competition=comp, scope=CompetitionScope.SCHOOL, org=d.north)
    competition_scope_set(
        competition=comp, scope=CompetitionScope.SCHOOL, org=d.b, school_ranking="topk_mean", school_ranking_k=4
    )
    comp.refresh_from_db()
    assert (comp.scope, comp.org, comp.school_ranking, comp.school_ranking_k) == ("school", d.b, "topk_mean", 4)
    competition_scope_set(competition=comp, scope=CompetitionScope.SITE, org=d.b)
    comp.refresh_from_db()
    assert (comp.scope, comp.org) == ("site", None)
