"""In a real browser: a school admin imports a CSV of students by class, prints their login slips
and finds them in the class list; one of them logs in with the slip's one-time password."""

from __future__ import annotations

import re

import pytest

from accounts.models import User
from orgs.models import Membership

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSV = (
    "student_number,name,class,role,email\n"
    "2026001,Li Mei 李梅,Grade 10 Class 1,student,\n"
    "2026002,Zhang Wei 张伟,Grade 10 Class 1,student,\n"
    "2026003,Wang Fang 王芳,Grade 10 Class 3,student,\n"
)


def test_school_admin_imports_students_by_class(browser, login_page, live_server, settings, output_dir) -> None:  # type: ignore[no-untyped-def]
    from tests.orgs.test_org_permissions import build_world

    world = build_world()
    settings.SITE_URL = live_server.url
    admin = login_page(world.users["school_admin"])
    admin.goto(f"{live_server.url}/orgs/harbour-a/import/")
    admin.set_input_files(
        "input[name=file]", files=[{"name": "grade10.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    admin.click("#import-form button")
    admin.wait_for_selector("#import-preview")
    assert admin.inner_text("[data-testid=plan-new]").strip() == "3"
    assert "Grade 10 Class 3" in admin.inner_text("[data-testid=plan-classes]")
    assert not User.objects.filter(username="hba-2026001").exists()  # nothing until confirmed
    admin.click("#confirm-import")
    admin.wait_for_selector(".slip")
    admin.screenshot(path=str(output_dir / "orgs-import-slips.png"), full_page=True)
    assert admin.locator(".slip").count() == 3
    password = admin.locator(".slip[data-username=hba-2026003] .slip-password code").inner_text().strip()
    assert "Grade 10 Class 3" in admin.locator(".slip[data-username=hba-2026003]").inner_text()

    admin.goto(f"{live_server.url}/orgs/harbour-a/classes/")
    row = admin.locator("tr[data-class='Grade 10 Class 1']")
    assert row.locator(".n-students").inner_text().strip() == "3"  # the one already there and two imported
    admin.locator("tr[data-class='Grade 10 Class 3'] a").click()
    admin.wait_for_selector("#class-members")
    members = admin.inner_text("#class-members")
    assert "Wang Fang 王芳" in members and "hba-2026003" in members and "Li Mei" not in members
    admin.set_viewport_size({"width": 390, "height": 844})  # a phone: the page still works
    admin.screenshot(path=str(output_dir / "orgs-class-mobile.png"), full_page=True)
    assert admin.locator("#class-members").is_visible()
    moved = Membership.objects.get(user__username="hba-2026003").school_class
    assert moved is not None and moved.name == "Grade 10 Class 3"

    # the student logs in with the printed slip and must choose a password first
    student = browser.new_context().new_page()
    student.goto(f"{live_server.url}/accounts/login/")
    student.fill("input[name=username]", "hba-2026003")
    student.fill("input[name=password]", password)
    student.click("button[type=submit]")
    student.wait_for_url(re.compile(r".*/accounts/password_change/$"), timeout=60_000)
    student.context.close()
