"""In a real browser: a teacher imports students from an Excel roster; one student gets in through
the invitation e-mail's link, another through the one-time password printed on a login slip."""

from __future__ import annotations

import io
import re

import pytest
from django.core import mail

from accounts.models import User
from courses.models import Enrollment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Username", "Name", "Email", "Role"])
    sheet.append(["mei", "Li Mei", "mei@school.example", "student"])
    sheet.append(["kid7", "Kid Seven", None, "student"])  # no school e-mail: a login slip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_roster_invitation_and_login_slip(world, cast, browser, login_page, live_server, settings, output_dir) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = live_server.url
    teacher = login_page(cast.teacher)
    teacher.goto(f"{live_server.url}/courses/qc101/manage/")
    teacher.click("text=Add many from a CSV or Excel file")
    teacher.set_input_files("input[name=file]", files=[{"name": "class-3.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "buffer": _xlsx()}])
    teacher.check("input[name=create_missing]")
    teacher.select_option("select[name=onboarding]", "invite")
    teacher.click("form[action$='/roster/csv/'] button")
    teacher.wait_for_selector(".slip", timeout=60_000)
    teacher.screenshot(path=str(output_dir / "login-slips.png"), full_page=True)
    assert teacher.locator(".slip").count() == 1  # mei was e-mailed instead
    slip = teacher.locator(".slip[data-username=kid7]")
    assert live_server.url in slip.inner_text()
    password = slip.locator(".slip-password code").inner_text().strip()
    assert Enrollment.objects.filter(course=world.course, user__username__in=["mei", "kid7"]).count() == 2

    # Mei follows the link in her invitation e-mail, chooses a password, and is in.
    (invitation,) = [m for m in mail.outbox if m.to == ["mei@school.example"]]
    link = re.search(r"(http://\S+/accounts/invitation/\S+/)", invitation.body).group(1)
    mei = browser.new_context().new_page()
    mei.goto(link)
    mei.wait_for_selector("input[name=new_password1]", timeout=60_000)
    mei.fill("input[name=new_password1]", "bell-state-of-mind-3")
    mei.fill("input[name=new_password2]", "bell-state-of-mind-3")
    mei.click("button[type=submit]")
    mei.wait_for_url(f"{live_server.url}/", timeout=60_000)
    assert "Li Mei" in mei.inner_text(".topbar")
    mei.goto(f"{live_server.url}/courses/qc101/")
    assert "Quantum computing 101" in mei.inner_text("main")
    mei.context.close()

    # Kid logs in with the printed one-time password and must choose a new one first.
    kid = browser.new_context().new_page()
    kid.goto(f"{live_server.url}/accounts/login/")
    kid.fill("input[name=username]", "kid7")
    kid.fill("input[name=password]", password)
    kid.click("button[type=submit]")
    kid.wait_for_url(re.compile(r".*/accounts/password_change/$"), timeout=60_000)
    kid.goto(f"{live_server.url}/courses/qc101/")  # anything else leads back to the change page
    kid.wait_for_url(re.compile(r".*/accounts/password_change/$"), timeout=60_000)
    kid.fill("input[name=old_password]", password)
    kid.fill("input[name=new_password1]", "my-own-qubit-777")
    kid.fill("input[name=new_password2]", "my-own-qubit-777")
    kid.click("main button[type=submit]")
    kid.wait_for_url(re.compile(r".*/accounts/password_change/done/$"), timeout=60_000)
    kid.goto(f"{live_server.url}/courses/qc101/")
    assert "Quantum computing 101" in kid.inner_text("main")
    kid.context.close()
    assert User.objects.get(username="kid7").check_password("my-own-qubit-777")
    assert not User.objects.get(username="kid7").must_change_password
