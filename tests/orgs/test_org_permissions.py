"""The permission matrix of the organisation admin pages: every view × method × role → status and content.

Two districts: Harbour (schools A "harbour-a" and B "harbour-b") and Hill (school C "hill-c").
Outsiders of a school — anyone with no role there or above it — get 404, so school names do not
leak; its members without the admin role get 403; a district's admins administer its schools.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import pytest
from django.test import Client

from accounts.models import User
from orgs.enums import OrgKind, OrgRole
from orgs.models import Membership, Organisation, SchoolClass, Term
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@dataclass
class OrgWorld:
    district: Organisation
    other_district: Organisation
    school: Organisation
    other_school: Organisation
    far_school: Organisation
    klass: SchoolClass
    other_klass: SchoolClass
    term: Term
    users: dict[str, Any]
    student_membership: Membership


def make_user(**fields: Any) -> User:
    return cast(User, UserFactory(**fields))


def build_world() -> OrgWorld:
    """The cast of the matrix (usernames are the role names)."""
    district = Organisation.objects.create(kind=OrgKind.DISTRICT, name="Harbour District", name_zh="海港区", slug="harbour")
    other_district = Organisation.objects.create(kind=OrgKind.DISTRICT, name="Hill District", slug="hill")
    school = Organisation.objects.create(name="Harbour School A", name_zh="海港A校", slug="harbour-a", parent=district, username_prefix="hba")
    other_school = Organisation.objects.create(name="Harbour School B", slug="harbour-b", parent=district, username_prefix="hbb")
    far_school = Organisation.objects.create(name="Hill School C", slug="hill-c", parent=other_district, username_prefix="hlc")
    klass = SchoolClass.objects.create(school=school, name="Grade 10 Class 1", grade=10)
    other_klass = SchoolClass.objects.create(school=school, name="Grade 10 Class 2", grade=10)
    SchoolClass.objects.create(school=other_school, name="B Class 1")
    term = Term.objects.create(org=school, name="Autumn 2026", starts_on=date(2026, 9, 1), ends_on=date(2027, 1, 20))
    users = {
        "outsider": make_user(username="oscar", display_name="Oscar Outsider"),
        "student": make_user(username="hba-s1", display_name="Stu Dent"),
        "teacher": make_user(username="tea", display_name="Tea Cher"),
        "other_teacher": make_user(username="otea", display_name="Other Teacher"),
        "school_admin": make_user(username="sadmin", display_name="School Admin"),
        "other_admin": make_user(username="oadmin", display_name="Other Admin"),
        "district_admin": make_user(username="dadmin", display_name="District Admin"),
        "other_district_admin": make_user(username="odadmin", display_name="Hill Admin"),
        "site_admin": make_user(username="root", is_superuser=True, is_staff=True),
    }
    student_membership = Membership.objects.create(
        org=school, user=users["student"], role=OrgRole.STUDENT, student_number="s1", school_class=klass
    )
    Membership.objects.create(org=school, user=users["teacher"], role=OrgRole.TEACHER, student_number="T1")
    Membership.objects.create(org=other_school, user=users["other_teacher"], role=OrgRole.TEACHER)
    Membership.objects.create(org=school, user=users["school_admin"], role=OrgRole.ADMIN)
    Membership.objects.create(org=other_school, user=users["other_admin"], role=OrgRole.ADMIN)
    Membership.objects.create(org=district, user=users["district_admin"], role=OrgRole.ADMIN)
    Membership.objects.create(org=other_district, user=users["other_district_admin"], role=OrgRole.ADMIN)
    return OrgWorld(district, other_district, school, other_school, far_school, klass, other_klass, term, users, student_membership)


@pytest.fixture
def orgworld(db) -> OrgWorld:  # type: ignore[no-untyped-def]
    return build_world()


WHO = (
    "anonymous", "outsider", "student", "teacher", "other_teacher", "school_admin", "other_admin",
    "district_admin", "other_district_admin", "site_admin",
)
L, F, N, OK, GO, BAD = -302, 403, 404, 200, 302, 400  # L: to the login; GO: a successful POST redirects


def _row(ok: int, *, district: int | None = None) -> dict[str, int]:
    """A school page: its admins, its district's admins and site admins get ``ok``; its other
    members 403; everyone else 404."""
    return dict(
        anonymous=L, outsider=N, student=F, teacher=F, other_teacher=N, school_admin=ok, other_admin=N,
        district_admin=ok if district is None else district, other_district_admin=N, site_admin=ok,
    )


# (method, path, POST data, marker shown on success, {who: status}); {k} and {m} are the class and the
# student's membership ids, {t} the term's.
MATRIX: list[tuple[str, str, dict[str, str], str, dict[str, int]]] = [
    ("get", "/orgs/", {}, "Schools and districts", dict(
        anonymous=L, outsider=OK, student=OK, teacher=OK, other_teacher=OK, school_admin=OK, other_admin=OK,
        district_admin=OK, other_district_admin=OK, site_admin=OK)),
    ("get", "/orgs/new-district/", {}, "New district", dict(
        anonymous=L, outsider=F, student=F, teacher=F, other_teacher=F, school_admin=F, other_admin=F,
        district_admin=F, other_district_admin=F, site_admin=OK)),
    ("post", "/orgs/new-district/", {"name": "Lake District", "slug": "lake"}, "", dict(
        anonymous=L, outsider=F, student=F, teacher=F, other_teacher=F, school_admin=F, other_admin=F,
        district_admin=F, other_district_admin=F, site_admin=GO)),
    ("get", "/orgs/harbour/", {}, "Harbour School A", dict(
        anonymous=L, outsider=N, student=N, teacher=N, other_teacher=N, school_admin=N, other_admin=N,
        district_admin=OK, other_district_admin=N, site_admin=OK)),
    ("get", "/orgs/harbour/new-school/", {}, "Username prefix", dict(
        anonymous=L, outsider=N, student=N, teacher=N, other_teacher=N, school_admin=N, other_admin=N,
        district_admin=OK, other_district_admin=N, site_admin=OK)),
    ("post", "/orgs/harbour/new-school/", {"name": "Harbour School D", "slug": "harbour-d", "username_prefix": "hbd"}, "", dict(
        anonymous=L, outsider=N, student=N, teacher=N, other_teacher=N, school_admin=N, other_admin=N,
        district_admin=GO, other_district_admin=N, site_admin=GO)),
    ("get", "/orgs/harbour/people/", {}, "District Admin", dict(
        anonymous=L, outsider=N, student=N, teacher=N, other_teacher=N, school_admin=N, other_admin=N,
        district_admin=OK, other_district_admin=N, site_admin=OK)),
    ("get", "/orgs/harbour-a/", {}, "Grade 10 Class 1", _row(OK)),
    ("get", "/orgs/harbour-a/settings/", {}, "Settings", _row(OK)),
    ("post", "/orgs/harbour-a/settings/", {"name": "Harbour School A", "name_zh": "海港A校"}, "", _row(GO)),
    ("get", "/orgs/harbour-a/classes/", {}, "Grade 10 Class 2", _row(OK)),
    ("post", "/orgs/harbour-a/classes/", {"name": "Grade 11 Class 1", "grade": "11"}, "", _row(GO)),
    ("get", "/orgs/harbour-a/classes/{k}/", {}, "Stu Dent", _row(OK)),
    ("post", "/orgs/harbour-a/classes/{k}/edit/", {"name": "Grade 10 Class 1", "name_zh": "高一(1)班", "grade": "10"}, "", _row(GO)),
    ("post", "/orgs/harbour-a/classes/{k}/move/", {"to": "{k2}"}, "", _row(GO)),
    ("post", "/orgs/harbour-a/classes/{k}/archive/", {"action": "archive"}, "", _row(GO)),
    ("post", "/orgs/harbour-a/classes/{k}/graduate/", {"graduated_on": "2027-06-30"}, "", _row(GO)),
    ("post", "/orgs/harbour-a/classes/{k}/delete/", {}, "", _row(GO)),  # refused (members): back to the class
    ("post", "/orgs/harbour-a/classes/{k}/slips/", {}, "hba-s1", _row(OK)),
    ("get", "/orgs/harbour-a/terms/", {}, "Autumn 2026", _row(OK)),
    ("post", "/orgs/harbour-a/terms/", {"name": "Spring 2027", "starts_on": "2027-02-20"}, "", _row(GO)),
    ("get", "/orgs/harbour-a/terms/{t}/", {}, "Autumn 2026", _row(OK)),
    ("post", "/orgs/harbour-a/terms/{t}/", {"name": "Autumn 2026", "starts_on": "2026-09-01", "ends_on": "2027-01-21"}, "", _row(GO)),
    ("post", "/orgs/harbour-a/terms/{t}/delete/", {}, "", _row(GO)),
    ("get", "/orgs/harbour-a/people/", {}, "Tea Cher", _row(OK)),
    ("post", "/orgs/harbour-a/people/add/", {"username": "oscar", "role": "teacher"}, "", _row(GO)),
    ("get", "/orgs/harbour-a/people/{m}/", {}, "hba-s1", _row(OK)),
    ("post", "/orgs/harbour-a/people/{m}/", {"role": "student", "student_number": "s1", "school_class": "{k2}"}, "", _row(GO)),
    ("post", "/orgs/harbour-a/people/{m}/slip/", {}, "One-time password", _row(OK)),
    ("get", "/orgs/harbour-a/import/", {}, "Import teachers and students", _row(OK)),
    ("post", "/orgs/harbour-a/import/", {}, "", _row(BAD)),  # no file: the form's problem, nothing imported
    ("post", "/orgs/harbour-a/import/confirm/", {"token": "forged", "onboarding": "slips"}, "", _row(BAD)),
    ("get", "/orgs/harbour-a/import/people.csv", {}, "student_number,name,class,role,email", _row(OK)),
    ("get", "/orgs/harbour-a/people.csv", {}, "s1,Stu Dent,Grade 10 Class 1,student", _row(OK)),
]

# Text of school A that no refused page may show.
SECRETS = (b"Stu Dent", b"Grade 10 Class 1", b"hba-s1", b"Tea Cher")


def _client(who: str, world: OrgWorld) -> Client:
    client = Client()
    user = world.users.get(who)
    if user is not None:
        client.force_login(user)  # type: ignore[arg-type]
    return client


CASES = [(m, p, d, marker, who, expected[who]) for m, p, d, marker, expected in MATRIX for who in WHO]


@pytest.mark.parametrize(
    ("method", "path", "data", "marker", "who", "expected"), CASES, ids=[f"{c[0]} {c[1]} as {c[4]}" for c in CASES]
)
def test_org_permission_matrix(orgworld, method: str, path: str, data: dict[str, str], marker: str, who: str, expected: int) -> None:  # type: ignore[no-untyped-def]
    ids = {"k": orgworld.klass.pk, "k2": orgworld.other_klass.pk, "m": orgworld.student_membership.pk, "t": orgworld.term.pk}
    path = path.format(**ids)
    data = {key: value.format(**ids) for key, value in data.items()}
    response = getattr(_client(who, orgworld), method)(path, data)
    assert response.status_code == abs(expected), f"{method.upper()} {path} as {who}"
    if expected in (L, GO):
        assert ("/login/" in response["Location"]) == (expected == L)
    body = response.content
    if expected == OK and marker:
        assert marker.encode() in body
    if expected in (F, N, L):
        viewer = orgworld.users.get(who)
        own = {getattr(viewer, "display_name", "").encode(), getattr(viewer, "username", "").encode()}
        for secret in set(SECRETS) - own:  # the top bar names the viewer
            assert secret not in body, f"{secret!r} leaked to {who}"


def test_org_list_shows_each_viewer_their_own(orgworld) -> None:  # type: ignore[no-untyped-def]
    def names(who: str) -> set[str]:
        import re

        body = _client(who, orgworld).get("/orgs/").content.decode()
        return set(re.findall(r'<tr data-slug="([^"]+)"', body))

    assert names("outsider") == set()
    assert names("student") == {"harbour-a"}
    assert names("school_admin") == {"harbour-a"}
    assert names("other_teacher") == {"harbour-b"}
    assert names("district_admin") == {"harbour", "harbour-a", "harbour-b"}
    assert names("other_district_admin") == {"hill", "hill-c"}
    assert names("site_admin") == {"harbour", "harbour-a", "harbour-b", "hill", "hill-c"}
    # a member who does not administer sees the name but no link into the admin pages
    assert 'href="/orgs/harbour-a/"' not in _client("teacher", orgworld).get("/orgs/").content.decode()
    assert 'href="/orgs/harbour-a/"' in _client("school_admin", orgworld).get("/orgs/").content.decode()


def test_objects_of_another_school_are_404_even_for_an_admin(orgworld) -> None:  # type: ignore[no-untyped-def]
    """School B's admin reaching school A's class or member through B's own address gets nothing."""
    client = _client("other_admin", orgworld)
    assert client.get(f"/orgs/harbour-b/classes/{orgworld.klass.pk}/").status_code == 404
    assert client.get(f"/orgs/harbour-b/people/{orgworld.student_membership.pk}/").status_code == 404
    assert client.post(f"/orgs/harbour-b/classes/{orgworld.klass.pk}/graduate/", {}).status_code == 404
    assert client.post(f"/orgs/harbour-b/people/{orgworld.student_membership.pk}/slip/").status_code == 404
    assert client.get(f"/orgs/harbour-b/terms/{orgworld.term.pk}/").status_code == 404
    orgworld.klass.refresh_from_db()
    assert orgworld.klass.graduated_on is None
    # a class of another school is not a valid target of a move
    b_class = SchoolClass.objects.get(school=orgworld.other_school)
    response = _client("school_admin", orgworld).post(f"/orgs/harbour-a/classes/{orgworld.klass.pk}/move/", {"to": b_class.pk})
    assert response.status_code == 302
    orgworld.student_membership.refresh_from_db()
    assert orgworld.student_membership.school_class_id == orgworld.klass.pk


def test_archived_admin_membership_loses_access(orgworld) -> None:  # type: ignore[no-untyped-def]
    client = _client("school_admin", orgworld)
    assert client.get("/orgs/harbour-a/").status_code == 200
    Membership.objects.filter(user=orgworld.users["school_admin"]).update(archived=True)
    assert client.get("/orgs/harbour-a/").status_code == 404
