"""Pages of competitions across schools: registration, the school filter and the schools ranking, the
synchronised countdown, the CSV's school column, Chinese, and every view × every role of a district."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from competitions.enums import SchoolRanking
from competitions.models import Registration, Submission
from orgs.enums import CompetitionScope
from tests.competitions.test_schools import District, make_competition, make_district, scored

pytestmark = pytest.mark.django_db


@pytest.fixture
def d(db) -> District:  # type: ignore[no-untyped-def]
    return make_district()


def _page(client: Any, user: Any, url: str, lang: str = "en") -> str:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    resp = client.get(url)
    assert resp.status_code == 200, resp.status_code
    return resp.content.decode()


def test_home_shows_scope_register_button_and_schools_ranking(d, client):
    phase = make_competition(org=d.north, school_ranking=SchoolRanking.TOPK_MEAN, school_ranking_k=2)
    scored(phase, d.ben, 0.9, minutes=1)
    scored(phase, d.bea, 1.1, minutes=2)
    page = _page(client, d.ann, reverse("competitions:home", args=[phase.competition.slug]))
    assert "The district&#x27;s schools: <b>North District</b>" in page
    assert reverse("competitions:register", args=[phase.competition.slug]) in page
    assert 'id="schools-card"' in page and f'data-school="{d.b.pk}"' in page
    assert "mean of its top 2" in page
    assert f'<option value="{d.b.pk}"' in page  # the school filter lists the board's schools
    assert "Ben" in page and "School B" in page


def test_register_page_records_the_school_or_says_why_not(d, client):
    phase = make_competition(org=d.north)
    phase.competition.eligible_schools.set([d.a])
    url = reverse("competitions:register", args=[phase.competition.slug])
    client.force_login(d.ann)
    assert client.post(url).status_code == 302
    assert Registration.objects.get(user=d.ann).school == d.a
    page = _page(client, d.ann, reverse("competitions:home", args=[phase.competition.slug]))
    assert "You are registered." in page and "Your entries count for School A." in page and "Grade 10." in page
    client.force_login(d.ben)
    refused = client.post(url)
    assert refused.status_code == 403
    assert "Registration refused" in refused.content.decode() and "School A" in refused.content.decode()
    home = _page(client, d.ben, reverse("competitions:home", args=[phase.competition.slug]))
    assert 'data-testid="ineligible"' in home and 'name="file"' not in home
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    zh = client.post(url).content.decode()
    assert "报名被拒绝" in zh and "本竞赛只对以下学校的学生开放：甲校" in zh
    assert not Registration.objects.filter(user=d.ben).exists()


def test_leaderboard_filters_by_school_and_serves_the_schools_partial(d, client):
    phase = make_competition(org=d.north)
    scored(phase, d.ann, 0.8, minutes=1)
    scored(phase, d.ben, 0.9, minutes=2)
    url = reverse("competitions:leaderboard", args=[phase.competition.slug, phase.slug])
    client.force_login(d.amy)
    only_b = client.get(url, {"school": d.b.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert "Ben" in only_b and "Ann" not in only_b and "one school" in only_b
    schools = client.get(url, {"view": "schools"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in schools
    a_at = schools.index(f'data-school="{d.a.pk}"')
    b_at = schools.index(f'data-school="{d.b.pk}"')
    assert a_at < b_at  # lower is better: A's 0.8 first


def test_synchronised_countdown_counts_from_the_server_clock(d, client, monkeypatch):
    phase = make_competition(org=d.north, synchronised=True, starts=timedelta(hours=1), ends=timedelta(hours=3))
    home = reverse("competitions:home", args=[phase.competition.slug])
    monkeypatch.setattr(timezone, "now", lambda: phase.starts_at - timedelta(seconds=90))
    before = _page(client, d.ann, home)
    assert 'data-countdown="90"' in before and "Opens for everyone in" in before
    assert "This phase has not started yet." in before and 'name="file"' not in before
    monkeypatch.setattr(timezone, "now", lambda: phase.starts_at + timedelta(seconds=1))
    during = _page(client, d.ann, home)
    assert f'data-countdown="{2 * 3600 - 1}"' in during and "Closes for everyone in" in during
    assert 'name="file"' in during
    monkeypatch.setattr(timezone, "now", lambda: phase.ends_at)
    after = _page(client, d.ann, home)
    assert "data-countdown" not in after and "This phase has closed" in after
    zh = _page(client, d.ann, home, "zh-hans")
    assert "同步开赛" in zh and "学校排名" in zh


def test_a_competition_that_is_not_synchronised_has_no_countdown(d, client):
    phase = make_competition(org=d.north)
    page = _page(client, d.ann, reverse("competitions:home", args=[phase.competition.slug]))
    assert "data-countdown" not in page and "synchronised start" not in page


def test_export_has_a_school_column(d, client):
    phase = make_competition(org=d.north)
    scored(phase, d.ann, 0.8, minutes=1)
    client.force_login(d.admin_north)
    resp = client.get(reverse("competitions:export", args=[phase.competition.slug, phase.slug]))
    rows = list(csv.DictReader(io.StringIO(resp.content.decode())))
    assert [(r["name"], r["school"]) for r in rows] == [("Ann", "School A")]


def test_list_names_the_scope(d, client):
    make_competition(org=d.north)
    make_competition("a-only", scope=CompetitionScope.SCHOOL, org=d.a)
    page = _page(client, d.ann, reverse("competitions:list"))
    assert "The district&#x27;s schools: North District" in page and "One school only: School A" in page
    other = _page(client, d.ben, reverse("competitions:list"))
    assert "North District" in other and "School A" not in other


# Every view of a district competition for every role: a student of the district (participates),
# a teacher of one of its schools (sees, may not act), a school admin inside it (likewise), the
# district's admin (hosts), and a student and a school admin of another district (404).
PAGES = [
    ("get", "competitions:home", lambda p, s: [p.competition.slug]),
    ("get", "competitions:phase", lambda p, s: [p.competition.slug, p.slug]),
    ("get", "competitions:leaderboard", lambda p, s: [p.competition.slug, p.slug]),
    ("get", "competitions:mine", lambda p, s: [p.competition.slug, p.slug]),
    ("get", "competitions:submission", lambda p, s: [p.competition.slug, s.pk]),
    ("get", "competitions:export", lambda p, s: [p.competition.slug, p.slug]),
    ("get", "competitions:grades", lambda p, s: [p.competition.slug, p.slug]),
    ("get", "competitions:school_settings", lambda p, s: [p.competition.slug]),
    ("post", "competitions:register", lambda p, s: [p.competition.slug]),
    ("post", "competitions:submit", lambda p, s: [p.competition.slug, p.slug]),
    ("post", "competitions:select", lambda p, s: [p.competition.slug, p.slug]),
    ("post", "competitions:team", lambda p, s: [p.competition.slug]),
    ("post", "competitions:requeue", lambda p, s: [p.competition.slug, s.pk]),
]
SEES = {"home": 200, "phase": 200, "leaderboard": 200, "mine": 200}
EXPECTED: dict[str, dict[str, int]] = {
    # the owner of the submission (a student of school A)
    "ann": {**SEES, "school_settings": 403, "submission": 200, "export": 403, "grades": 403, "register": 302, "submit": 400,
            "select": 302, "team": 302, "requeue": 403},
    # another student of the district: not theirs
    "ben": {**SEES, "school_settings": 403, "submission": 404, "export": 403, "grades": 403, "register": 302, "submit": 400,
            "select": 302, "team": 302, "requeue": 403},
    "teacher_a": {**SEES, "school_settings": 403, "submission": 404, "export": 403, "grades": 403, "register": 403, "submit": 403,
                  "select": 403, "team": 403, "requeue": 403},
    "admin_b": {**SEES, "school_settings": 403, "submission": 404, "export": 403, "grades": 403, "register": 403, "submit": 403,
                "select": 403, "team": 403, "requeue": 403},
    "admin_north": {**SEES, "school_settings": 200, "submission": 200, "export": 200, "grades": 200, "register": 403, "submit": 403,
                    "select": 403, "team": 403, "requeue": 302},
    "cat": dict.fromkeys(["home", "phase", "leaderboard", "mine", "submission", "export", "grades",
                          "school_settings", "register", "submit", "select", "team", "requeue"], 404),
    "admin_c": dict.fromkeys(["home", "phase", "leaderboard", "mine", "submission", "export", "grades",
                              "school_settings", "register", "submit", "select", "team", "requeue"], 404),
}  # fmt: skip


def test_permission_matrix_of_a_district_competition(d, client):
    from orgs.enums import OrgRole
    from orgs.models import Membership
    from tests.factories import UserFactory

    admin_c: Any = UserFactory(username="admin-c")
    Membership.objects.create(user=admin_c, org=d.c, role=OrgRole.ADMIN)
    phase = make_competition(org=d.north)
    sub = Submission.objects.create(
        phase=phase, user=d.ann, participant=f"u{d.ann.pk}", received_at=timezone.now(), kind="module",
        status="error", error="broke",
    )  # fmt: skip
    users = {
        "ann": d.ann, "ben": d.ben, "teacher_a": d.teacher_a, "admin_b": d.admin_b,
        "admin_north": d.admin_north, "cat": d.cat, "admin_c": admin_c,
    }  # fmt: skip
    failures = []
    for role, expected in EXPECTED.items():
        client.force_login(users[role])
        for method, name, args in PAGES:
            resp = getattr(client, method)(reverse(name, args=args(phase, sub)))
            short = name.split(":")[1]
            if resp.status_code != expected[short]:
                failures.append(f"{role} {method.upper()} {short}: {resp.status_code} != {expected[short]}")
    assert not failures, "\n".join(failures)
    assert set(Registration.objects.values_list("user__username", flat=True)) == {"ann", "ben"}


def test_host_picks_the_ranking_rule_and_eligibility_on_the_settings_page(d, client):
    phase = make_competition(org=d.north)
    comp = phase.competition
    scored(phase, d.ann, 0.5, minutes=1)
    scored(phase, d.abe, 3.5, minutes=2)  # School A: best 0.5, top-2 mean 2.0
    scored(phase, d.ben, 1.0, minutes=3)  # School B: 1.0 either way
    url = reverse("competitions:school_settings", args=[comp.slug])
    board = reverse("competitions:leaderboard", args=[comp.slug, phase.slug])
    form = _page(client, d.admin_north, url)
    assert 'name="school_ranking"' in form and f'value="{d.a.pk}"' in form and f'value="{d.c.pk}"' not in form

    def first_school() -> str:
        html = client.get(board, {"view": "schools"}, HTTP_HX_REQUEST="true").content.decode()
        return "A" if html.index(f'data-school="{d.a.pk}"') < html.index(f'data-school="{d.b.pk}"') else "B"

    assert first_school() == "A"  # best entry (the default)
    data = {"entry_mode": "either", "school_ranking": "topk_mean", "school_ranking_k": "2",
            "synchronised": "on", "eligible_schools": [str(d.a.pk)], "eligible_grades": "10，11"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    comp.refresh_from_db()
    assert (comp.school_ranking, comp.school_ranking_k, comp.synchronised) == ("topk_mean", 2, True)
    assert list(comp.eligible_schools.all()) == [d.a] and comp.eligible_grades == [10, 11]
    assert first_school() == "B"
    # A school outside the district and a malformed grade list are refused; nothing changes.
    bad = client.post(url, {**data, "eligible_schools": [str(d.c.pk)], "eligible_grades": "ten"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "Grades are whole numbers from 1 to 12" in text and "Select a valid choice" in text
    comp.refresh_from_db()
    assert list(comp.eligible_schools.all()) == [d.a]
    # Participants may not change it (403); another district's people do not see it (404).
    client.force_login(d.ann)
    assert client.post(url, data).status_code == 403
    client.force_login(d.cat)
    assert client.get(url).status_code == 404
    zh = _page(client, d.admin_north, url, "zh-hans")
    assert "学校与参赛方式" in zh and "可参赛年级" in zh


def test_home_names_the_team_school(d, client):
    from competitions.services import team_create

    phase = make_competition(org=d.north)
    team_create(competition=phase.competition, user=d.ben, name="Quantum Owls")
    page = _page(client, d.ben, reverse("competitions:home", args=[phase.competition.slug]))
    assert '<b>Quantum Owls</b> <span class="badge badge-muted">School B</span>' in page
