"""Accounts: lab names, log in/out, password change and reset."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User, hub_name_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("username", "pk", "expected"),
    [("alice", 3, "lz3-alice"), ("Zhāng.Wěi@uni", 12, "lz12-zhangweiuni"), ("王立", 7, "lz7"), ("a" * 40, 1, "lz1-" + "a" * 16)],
)
def test_hub_name_is_unix_safe(username: str, pk: int, expected: str) -> None:
    name = hub_name_for(username=username, pk=pk)
    assert name == expected
    assert re.fullmatch(r"[a-z][a-z0-9-]{0,31}", name)


def test_hub_name_is_fixed_at_creation_and_unique() -> None:
    a = User.objects.create_user("alice", password="pw")
    b = User.objects.create_user("Alice2", password="pw")
    assert a.hub_name == f"lz{a.pk}-alice" and b.hub_name == f"lz{b.pk}-alice2"
    a.username = "renamed"
    a.save()
    a.refresh_from_db()
    assert a.hub_name == f"lz{a.pk}-alice"  # renaming never orphans the lab


def test_login_logout_round_trip() -> None:
    User.objects.create_user("alice", password="correct horse")
    client = Client()
    bad = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert bad.status_code == 200 and "correct username and password" in bad.content.decode()
    ok = client.post("/accounts/login/", {"username": "alice", "password": "correct horse"})
    assert ok.status_code == 302 and ok["Location"] == "/"
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_password_change() -> None:
    user = User.objects.create_user("alice", password="correct horse")
    client = Client()
    client.force_login(user)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": "correct horse", "new_password1": "quantum-entangled-42", "new_password2": "quantum-entangled-42"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("quantum-entangled-42")


def test_password_reset_by_email() -> None:
    user = User.objects.create_user("alice", email="alice@example.edu", password="old-password-1")
    client = Client()
    client.post("/accounts/password_reset/", {"email": "alice@example.edu"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "brand-new-pass-77", "new_password2": "brand-new-pass-77"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("brand-new-pass-77")


def test_unknown_email_gets_the_same_answer_and_no_mail() -> None:
    response = Client().post("/accounts/password_reset/", {"email": "nobody@example.edu"}, follow=True)
    assert "If an account has that address" in response.content.decode()
    assert mail.outbox == []
