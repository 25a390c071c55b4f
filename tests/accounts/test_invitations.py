"""Getting students in: Excel/CSV rosters, invitation e-mails, printed login slips, forced change."""

from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User
from courses.models import Enrollment

pytestmark = pytest.mark.django_db


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: Client, slug: str, name: str, data: bytes, how: str = "invite", *, create: bool = True):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    form = {"file": SimpleUploadedFile(name, data), "onboarding": how}
    if create:
        form["create_missing"] = "on"
    return client.post(f"/courses/{slug}/manage/roster/csv/", form)


def teacher_client(world) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(User.objects.get(username="teacher"))
    return client


def test_xlsx_roster_creates_accounts_and_emails_working_invitations(world) -> None:  # type: ignore[no-untyped-def]
    data = xlsx_bytes(
        [
            ["Username", "Name", "Email", "Role"],
            ["mei", "Li Mei", "mei@school.example", "student"],
            [2023001, "Zhang Wei", "wei@school.example", None],  # a number cell, as schools number students
            [None, None, None, None],  # a formatted empty row at the end
        ]
    )
    response = upload(teacher_client(world), "qc101", "class 3.xlsx", data)
    assert response.status_code == 302
    mei = User.objects.get(username="mei")
    assert mei.display_name == "Li Mei" and not mei.has_usable_password()
    assert User.objects.filter(username="2023001").exists()
    assert Enrollment.objects.filter(course=world.course, user=mei, role="student").exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["mei@school.example", "wei@school.example"]
    body = next(m.body for m in mail.outbox if m.to == ["mei@school.example"])
    assert "mei" in body and "Quantum computing 101" in body
    link = re.search(r"http://127\.0\.0\.1:8000(/accounts/invitation/\S+/)", body).group(1)

    student = Client()
    page = student.get(link, follow=True)
    assert "Welcome to Liangzhi Lab" in page.content.decode() and "<b>mei</b>" in page.content.decode()
    done = student.post(page.redirect_chain[-1][0], {"new_password1": "my-own-qubit-99", "new_password2": "my-own-qubit-99"})
    assert done.status_code == 302 and done["Location"] == "/"
    assert student.get("/").status_code == 200  # signed in by the invitation
    again = Client()
    assert again.post("/accounts/login/", {"username": "mei", "password": "my-own-qubit-99"}).status_code == 302
    # the link worked once
    reused = Client().get(link, follow=True)
    assert "has been used or has expired" in reused.content.decode()


def test_bad_xlsx_rows_are_all_reported_and_nothing_is_applied(world) -> None:  # type: ignore[no-untyped-def]
    data = xlsx_bytes(
        [
            ["username", "email", "role"],
            ["has space", "", ""],
            ["ok1", "not-an-email", ""],
            ["ok2", "", "wizard"],
            ["good", "good@example.edu", ""],
        ]
    )
    client = teacher_client(world)
    response = upload(client, "qc101", "roster.xlsx", data)
    text = client.get(response["Location"]).content.decode()
    assert "Nothing was changed" in text
    for line in ("Line 2:", "Line 3:", "Line 4:"):
        assert line in text
    assert not User.objects.filter(username__in=["ok1", "ok2", "good"]).exists()
    assert mail.outbox == []


def test_garbage_named_xlsx_is_refused_with_a_message(world) -> None:  # type: ignore[no-untyped-def]
    client = teacher_client(world)
    response = upload(client, "qc101", "roster.xlsx", b"PK\x03\x04garbage")
    assert "not an Excel workbook" in client.get(response["Location"]).content.decode()


def test_slips_show_each_password_once_and_force_a_change(world) -> None:  # type: ignore[no-untyped-def]
    csv = b"username,name\nkid1,Kid One\nkid2,Kid Two\n"
    client = teacher_client(world)
    response = upload(client, "qc101", "roster.csv", csv, how="slips")
    assert response.status_code == 200
    html = response.content.decode()
    slips = re.findall(r'data-username="(kid\d)".*?slip-password"><code>([a-z0-9]+)</code>', html, re.S)
    assert [s[0] for s in slips] == ["kid1", "kid2"]
    passwords = dict(slips)
    assert len(set(passwords.values())) == 2 and all(len(p) == 10 for p in passwords.values())
    kid1 = User.objects.get(username="kid1")
    assert kid1.must_change_password and kid1.password != passwords["kid1"]  # only the hash is kept
    assert passwords["kid1"] not in kid1.password
    # a second view shows no password: the same file adds nobody, the manage page has none
    second = upload(client, "qc101", "roster.csv", csv, how="slips")
    assert second.status_code == 302
    assert passwords["kid1"] not in client.get("/courses/qc101/manage/").content.decode()

    kid = Client()
    assert kid.post("/accounts/login/", {"username": "kid1", "password": passwords["kid1"]}).status_code == 302
    forced = kid.get("/courses/", follow=True)
    assert forced.redirect_chain[-1][0] == "/accounts/password_change/"
    assert "Choose your own password" in forced.content.decode()
    changed = kid.post(
        "/accounts/password_change/",
        {"old_password": passwords["kid1"], "new_password1": "entangled-kid-88", "new_password2": "entangled-kid-88"},
    )
    assert changed.status_code == 302
    assert kid.get("/courses/").status_code == 200
    kid1.refresh_from_db()
    assert not kid1.must_change_password and kid1.check_password("entangled-kid-88")


def test_invite_falls_back_to_slips_for_students_without_email(world) -> None:  # type: ignore[no-untyped-def]
    csv = b"username,email\nwithmail,wm@example.edu\nnomail,\n"
    response = upload(teacher_client(world), "qc101", "r.csv", csv, how="invite")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-username="nomail"' in html and 'data-username="withmail"' not in html
    assert [m.to for m in mail.outbox] == [["wm@example.edu"]]


def test_new_slips_only_for_students_who_never_logged_in(world) -> None:  # type: ignore[no-untyped-def]
    alice = User.objects.get(username="alice")
    Client().force_login(alice)  # alice has used her account; bob and charlie never logged in
    upload(teacher_client(world), "qc101", "r.csv", b"username\nfresh\n", how="slips")
    client = teacher_client(world)
    html = client.post("/courses/qc101/manage/roster/onboard/", {"how": "slips"}).content.decode()
    assert 'data-username="fresh"' in html and 'data-username="bob"' in html
    assert 'data-username="alice"' not in html and 'data-username="tina"' not in html  # students only
    alice.refresh_from_db()
    assert alice.check_password("pw-for-tests") and not alice.must_change_password
    # a student of the course may not do it
    bob = Client()
    bob.force_login(alice)
    assert bob.post("/courses/qc101/manage/roster/onboard/", {"how": "slips"}).status_code == 403


def test_password_reset_reaches_accounts_without_a_password(world) -> None:  # type: ignore[no-untyped-def]
    User.objects.create_user("roster-made", email="rm@example.edu")  # unusable password, never logged in
    Client().post("/accounts/password_reset/", {"email": "RM@example.edu"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    client = Client()
    form = client.get(link, follow=True)
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "first-pass-word-5", "new_password2": "first-pass-word-5"})
    assert done.status_code == 302
    assert User.objects.get(username="roster-made").check_password("first-pass-word-5")


def test_reset_token_is_not_an_invitation_token(world) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth.tokens import default_token_generator

    from accounts.services import invitation_tokens

    user = User.objects.create_user("x1", email="x1@example.edu")
    assert not invitation_tokens.check_token(user, default_token_generator.make_token(user))
    assert invitation_tokens.check_token(user, invitation_tokens.make_token(user))
    assert not invitation_tokens.check_token(user, "garbage")
