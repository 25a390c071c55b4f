"""The organisation admin pages over HTTP: what an admin sees and what each form does."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import User
from orgs.enums import OrgRole
from orgs.models import Membership, Organisation, SchoolClass, Term
from tests.orgs.test_org_permissions import OrgWorld, build_world, make_user

pytestmark = pytest.mark.django_db

CSV = (
    "student_number,name,class,role,email\n"
    "2026001,Li Mei,Grade 10 Class 1,student,\n"
    "2026002,Zhang Wei,Grade 10 Class 3,student,\n"
    "T100,Chen Laoshi,,teacher,\n"
)


@pytest.fixture
def w(db) -> OrgWorld:  # type: ignore[no-untyped-def]
    return build_world()


def _as(w: OrgWorld, who: str) -> Client:
    client = Client()
    client.force_login(w.users[who])  # type: ignore[arg-type]
    return client


def _upload(client: Client, text: str, *, create_classes: bool = True, name: str = "people.csv"):  # type: ignore[no-untyped-def]
    data: dict[str, object] = {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")}
    if create_classes:
        data["create_classes"] = "on"
    return client.post("/orgs/harbour-a/import/", data)


def _token(response) -> str:  # type: ignore[no-untyped-def]
    found = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert found is not None
    return found.group(1)


def test_import_preview_then_confirm_creates_people_and_prints_slips(w) -> None:  # type: ignore[no-untyped-def]
    client = _as(w, "school_admin")
    preview = _upload(client, CSV)
    assert preview.status_code == 200
    body = preview.content.decode()
    assert 'data-testid="plan-new">3<' in body and "Grade 10 Class 3" in body
    assert not User.objects.filter(username="hba-2026001").exists()  # nothing before the confirmation
    done = client.post("/orgs/harbour-a/import/confirm/", {"token": _token(preview), "onboarding": "slips"})
    assert done.status_code == 200 and done["Cache-Control"] == "no-store"
    page = done.content.decode()
    assert page.count('class="slip"') == 3 and "hba-2026001" in page and "Grade 10 Class 3" in page
    found = re.search(r'data-username="hba-2026001".*?slip-password"><code>(\w+)</code>', page, re.S)
    assert found is not None
    password = found.group(1)
    assert User.objects.get(username="hba-2026001").check_password(password)
    assert "3 new, 0 updated, 0 unchanged" in page
    # the same preview confirmed again (a reload) creates nobody and prints no new passwords
    again = client.post("/orgs/harbour-a/import/confirm/", {"token": _token(preview), "onboarding": "slips"})
    assert again.status_code == 302 and again["Location"] == "/orgs/harbour-a/classes/"
    assert User.objects.filter(username__startswith="hba-2026").count() == 2
    assert User.objects.get(username="hba-2026001").check_password(password)
    classes = client.get("/orgs/harbour-a/classes/").content.decode()
    assert re.search(r'data-class="Grade 10 Class 1">.*?class="n-students">2<', classes, re.S)  # s1 and Li Mei


def test_import_with_problems_lists_them_all_and_imports_nothing(w) -> None:  # type: ignore[no-untyped-def]
    client = _as(w, "school_admin")
    bad = CSV + "2026001,Again,Grade 10 Class 1,student,\n,No number,Grade 10 Class 1,,\n2026009,X,Grade 10 Class 1,boss,\n"
    response = _upload(client, bad)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Nothing was imported: 3 problems" in body
    for row in ("Row 5:", "Row 6:", "Row 7:"):
        assert row in body
    assert not User.objects.filter(username__startswith="hba-2026").exists()
    assert not SchoolClass.objects.filter(name="Grade 10 Class 3").exists()


def test_import_report_in_chinese(w) -> None:  # type: ignore[no-untyped-def]
    client = _as(w, "school_admin")
    client.cookies["django_language"] = "zh-hans"
    response = client.post(
        "/orgs/harbour-a/import/",
        {"file": SimpleUploadedFile("p.csv", "学号,姓名,班级\n2026001,,Grade 10 Class 1\n".encode())},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    body = response.content.decode()
    assert response.status_code == 400 and "第 2 行：姓名为空。" in body and "未导入任何内容" in body


def test_a_forged_or_foreign_preview_is_refused(w) -> None:  # type: ignore[no-untyped-def]
    preview = _upload(_as(w, "school_admin"), CSV)
    # the district admin may import too, but not with the school admin's preview
    response = _as(w, "district_admin").post("/orgs/harbour-a/import/confirm/", {"token": _token(preview), "onboarding": "slips"})
    assert response.status_code == 400 and "upload the file again" in response.content.decode()
    assert not User.objects.filter(username__startswith="hba-2026").exists()


def test_xlsx_upload_through_the_page(w) -> None:  # type: ignore[no-untyped-def]
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["学号", "姓名", "班级"])
    book.active.append([2026001, "李梅", "Grade 10 Class 2"])
    out = io.BytesIO()
    book.save(out)
    client = _as(w, "district_admin")
    preview = client.post("/orgs/harbour-a/import/", {"file": SimpleUploadedFile("c.xlsx", out.getvalue())})
    assert preview.status_code == 200 and "hba-2026001" in preview.content.decode()
    client.post("/orgs/harbour-a/import/confirm/", {"token": _token(preview), "onboarding": "slips"})
    assert Membership.objects.get(user__username="hba-2026001").school_class == w.other_klass


def test_district_admin_creates_a_school_and_site_admin_a_district(w) -> None:  # type: ignore[no-untyped-def]
    response = _as(w, "district_admin").post(
        "/orgs/harbour/new-school/", {"name": "Harbour School D", "name_zh": "海港D校", "slug": "harbour-d", "username_prefix": "HBD"}
    )
    assert response.status_code == 302 and response["Location"] == "/orgs/harbour-d/"
    school = Organisation.objects.get(slug="harbour-d")
    assert school.parent == w.district and school.username_prefix == "hbd"
    taken = _as(w, "district_admin").post(
        "/orgs/harbour/new-school/", {"name": "Again", "slug": "harbour-e", "username_prefix": "hbd"}
    )
    assert taken.status_code == 400 and "Another school uses that username prefix." in taken.content.decode()
    district = _as(w, "site_admin").post("/orgs/new-district/", {"name": "Lake District", "name_zh": "湖区", "slug": "lake"})
    assert district.status_code == 302 and Organisation.objects.get(slug="lake").is_district
    # a school's page is not a district: no new schools inside a school
    assert _as(w, "site_admin").get("/orgs/harbour-a/new-school/").status_code == 404


def test_people_search_filter_and_paging(w) -> None:  # type: ignore[no-untyped-def]
    for n in range(60):
        Membership.objects.create(
            org=w.school, user=make_user(username=f"hba-p{n:02d}", display_name=f"Pupil {n:02d}"),
            role=OrgRole.STUDENT, student_number=f"p{n:02d}", school_class=w.other_klass,
        )
    client = _as(w, "school_admin")
    first = client.get("/orgs/harbour-a/people/").content.decode()
    assert "63 people" in first and "Page 1 of 2" in first and first.count("<tr data-username=") == 50
    second = client.get("/orgs/harbour-a/people/?page=2").content.decode()
    assert second.count("<tr data-username=") == 13
    found = client.get("/orgs/harbour-a/people/?q=Pupil+07").content.decode()
    assert "1 person" in found and "hba-p07" in found and "hba-p08" not in found
    teachers = client.get("/orgs/harbour-a/people/?role=teacher").content.decode()
    assert "Tea Cher" in teachers and "Pupil" not in teachers
    klass = client.get(f"/orgs/harbour-a/people/?klass={w.klass.pk}").content.decode()
    assert "Stu Dent" in klass and "Pupil" not in klass
    by_number = client.get("/orgs/harbour-a/people/?q=p59&role=student").content.decode()
    assert "hba-p59" in by_number and "page=2" not in by_number


def test_member_edit_moves_a_student_and_an_admin_cannot_edit_themself(w) -> None:  # type: ignore[no-untyped-def]
    client = _as(w, "school_admin")
    m = w.student_membership
    response = client.post(f"/orgs/harbour-a/people/{m.pk}/", {"role": "student", "student_number": "s1", "school_class": w.other_klass.pk})
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.school_class == w.other_klass
    mine = Membership.objects.get(user=w.users["school_admin"])
    refused = client.post(f"/orgs/harbour-a/people/{mine.pk}/", {"role": "student"})
    assert refused.status_code == 403
    mine.refresh_from_db()
    assert mine.role == OrgRole.ADMIN
    # a password slip only for accounts of this school alone: never for an admin
    admin_slip = _as(w, "district_admin").post(f"/orgs/harbour-a/people/{mine.pk}/slip/")
    assert admin_slip.status_code == 403
    assert w.users["school_admin"].check_password("pw-for-tests")  # type: ignore[attr-defined]


def test_adding_an_existing_account_and_appointing_a_district_admin(w) -> None:  # type: ignore[no-untyped-def]
    client = _as(w, "site_admin")
    client.post("/orgs/harbour/people/add/", {"username": "oscar", "role": "admin"})
    assert Membership.objects.get(org=w.district, user=w.users["outsider"]).role == OrgRole.ADMIN
    assert _as(w, "outsider").get("/orgs/harbour-b/").status_code == 200  # now administers the district's schools
    twice = client.post("/orgs/harbour/people/add/", {"username": "oscar", "role": "admin"}, follow=True)
    assert "is a member already" in twice.content.decode()
    nobody = client.post("/orgs/harbour-a/people/add/", {"username": "ghost", "role": "teacher"}, follow=True)
    assert "No account is called ghost." in nobody.content.decode()


def test_class_pages_graduate_and_move(w) -> None:  # type: ignore[no-untyped-def]
    client = _as(w, "school_admin")
    moved = client.post(f"/orgs/harbour-a/classes/{w.klass.pk}/move/", {"to": w.other_klass.pk}, follow=True)
    assert "1 student moved to Grade 10 Class 2." in moved.content.decode()
    graduated = client.post(f"/orgs/harbour-a/classes/{w.other_klass.pk}/graduate/", {"graduated_on": "2027-06-30"}, follow=True)
    body = graduated.content.decode()
    assert "1 student graduated." in body and "This class graduated on 2027-06-30" in body
    w.student_membership.refresh_from_db()
    assert w.student_membership.archived
    listing = client.get("/orgs/harbour-a/classes/").content.decode()
    assert "Grade 10 Class 2" not in listing
    assert "graduated 2027-06-30" in client.get("/orgs/harbour-a/classes/?archived=1").content.decode()
    refused = client.post(f"/orgs/harbour-a/classes/{w.other_klass.pk}/delete/", follow=True)
    assert "archive it instead" in refused.content.decode() and SchoolClass.objects.filter(pk=w.other_klass.pk).exists()
    emptied = client.post(f"/orgs/harbour-a/classes/{w.klass.pk}/delete/", follow=True)  # everyone moved out
    assert "Class Grade 10 Class 1 deleted." in emptied.content.decode() and not SchoolClass.objects.filter(pk=w.klass.pk).exists()


def test_terms_crud(w) -> None:  # type: ignore[no-untyped-def]
    client = _as(w, "school_admin")
    bad = client.post("/orgs/harbour-a/terms/", {"name": "Backwards", "starts_on": "2027-02-01", "ends_on": "2027-01-01"})
    assert bad.status_code == 400 and "A term cannot end before it starts." in bad.content.decode()
    client.post("/orgs/harbour-a/terms/", {"name": "Spring 2027", "starts_on": "2027-02-20"})
    spring = Term.objects.get(name="Spring 2027")
    assert spring.org == w.school and spring.ends_on is None
    client.post(f"/orgs/harbour-a/terms/{spring.pk}/", {"name": "Spring 2027", "starts_on": "2027-02-21", "ends_on": "2027-07-01"})
    spring.refresh_from_db()
    assert str(spring.starts_on) == "2027-02-21"
    client.post(f"/orgs/harbour-a/terms/{spring.pk}/delete/")
    assert not Term.objects.filter(pk=spring.pk).exists()
    # a district term shows on the school's page but is edited in the district only
    dterm = Term.objects.create(org=w.district, name="District year", starts_on="2026-09-01")
    assert "District year" in client.get("/orgs/harbour-a/terms/").content.decode()
    assert client.get(f"/orgs/harbour-a/terms/{dterm.pk}/").status_code == 404


def test_school_overview_and_pages_in_chinese(w) -> None:  # type: ignore[no-untyped-def]
    client = _as(w, "school_admin")
    client.cookies["django_language"] = "zh-hans"
    for path, words in (
        ("/orgs/harbour-a/", ("海港A校", "班级", "开课")),
        ("/orgs/harbour-a/classes/", ("新建班级",)),
        ("/orgs/harbour-a/people/", ("添加已有账号",)),
        ("/orgs/harbour-a/import/", ("导入教师和学生", "下载模板")),
        ("/orgs/harbour-a/terms/", ("新建学期",)),
    ):
        body = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        for word in words:
            assert word in body, (path, word)


def test_template_csv_round_trips_through_the_importer(w) -> None:  # type: ignore[no-untyped-def]
    client = _as(w, "school_admin")
    template = client.get("/orgs/harbour-a/import/people.csv")
    assert template["Content-Disposition"].startswith("attachment")
    preview = client.post("/orgs/harbour-a/import/", {"file": SimpleUploadedFile("people.csv", template.content), "create_classes": "on"})
    assert preview.status_code == 200 and 'data-testid="plan-new">2<' in preview.content.decode()


def test_adding_an_existing_account_never_hands_over_its_password(w) -> None:  # type: ignore[no-untyped-def]
    """A school admin who adds someone else's account (here: oscar, in no school) as a student of a
    class cannot then give it a one-time password, one by one or with the class's slips."""
    client = _as(w, "school_admin")
    client.post("/orgs/harbour-a/people/add/", {"username": "oscar", "role": "student", "school_class": w.klass.pk})
    oscar = Membership.objects.get(org=w.school, user=w.users["outsider"])
    assert oscar.school_class == w.klass
    page = client.get(f"/orgs/harbour-a/people/{oscar.pk}/").content.decode()
    assert "its owner resets the password" in page and "New login slip" not in page
    assert client.post(f"/orgs/harbour-a/people/{oscar.pk}/slip/").status_code == 403
    slips = client.post(f"/orgs/harbour-a/classes/{w.klass.pk}/slips/").content.decode()
    assert 'data-username="hba-s1"' in slips and 'data-username="oscar"' not in slips
    assert w.users["outsider"].check_password("pw-for-tests")  # type: ignore[attr-defined]
    assert not User.objects.get(username="oscar").must_change_password


def test_pages_make_a_bounded_number_of_queries(w) -> None:  # type: ignore[no-untyped-def]
    """The people, class, classes and district pages read the same number of queries for 5 or 40 more students."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _as(w, "district_admin")
    pages = ["/orgs/harbour-a/people/", f"/orgs/harbour-a/classes/{w.klass.pk}/", "/orgs/harbour-a/classes/", "/orgs/harbour-a/", "/orgs/harbour/"]

    def counts() -> list[int]:
        result = []
        for path in pages:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            result.append(len(queries))
        return result

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            Membership.objects.create(
                org=w.school, user=make_user(username=f"hba-q{i}"), role=OrgRole.STUDENT, student_number=f"q{i}", school_class=w.klass
            )

    add(5, 0)
    counts()  # the first request also reads the session and warms caches
    few = counts()
    add(35, 5)
    assert counts() == few


def test_a_graduated_student_still_reads_their_course(w) -> None:  # type: ignore[no-untyped-def]
    from typing import cast

    from courses.models import Course
    from orgs import services
    from tests.factories import CourseFactory

    course = cast(Course, CourseFactory(slug="qc-grad", title="Quantum for graduates"))
    services.offering_create(course=course, school=w.school, term=w.term, classes=[w.klass], by=None)
    _as(w, "school_admin").post(f"/orgs/harbour-a/classes/{w.klass.pk}/graduate/", {"graduated_on": "2027-06-30"})
    w.student_membership.refresh_from_db()
    assert w.student_membership.archived
    page = _as(w, "student").get("/courses/qc-grad/")
    assert page.status_code == 200 and "Quantum for graduates" in page.content.decode()
