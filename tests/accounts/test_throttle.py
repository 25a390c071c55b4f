"""Login throttling (django-axes): per account and per address, a clear message, admin unlock.

Through the real login form and middleware stack, with the attempts in the real database.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from accounts.models import User

pytestmark = pytest.mark.django_db

LOCKED_EN = "Sign-in locked"


def _login(client: Client, username: str, password: str, address: str, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def people():  # type: ignore[no-untyped-def]
    return (
        User.objects.create_user("alice", password="alice-right-pw"),
        User.objects.create_user("bob", password="bob-right-pw"),
    )


def test_wrong_passwords_lock_the_account_then_the_right_one_is_refused(settings, people) -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    attacker = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _login(attacker, "alice", "guess", "10.1.1.1")
        assert response.status_code == 200 and "correct username and password" in response.content.decode()
    locked = _login(attacker, "alice", "guess", "10.1.1.1")  # the limit-th failure locks
    assert locked.status_code == 429
    # the real owner, from another address, with the right password: still refused, told why
    owner = Client()
    refused = _login(owner, "alice", "alice-right-pw", "10.2.2.2")
    assert refused.status_code == 429 and not _signed_in(owner)
    text = refused.content.decode()
    assert LOCKED_EN in text and "5 failed sign-ins" in text and "15 minutes" in text
    assert "administrator to unlock" in text

    # another account from another address is not locked
    other = Client()
    ok = _login(other, "bob", "bob-right-pw", "10.3.3.3")
    assert ok.status_code == 302 and _signed_in(other)


def test_one_address_guessing_many_accounts_is_locked(settings, people) -> None:
    """Per address: spraying one wrong password over many accounts locks the address."""
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), f"student{i}", "Spring2026!", "10.9.9.9")
    blocked = Client()
    response = _login(blocked, "bob", "bob-right-pw", "10.9.9.9")
    assert response.status_code == 429 and not _signed_in(blocked)
    elsewhere = Client()
    assert _login(elsewhere, "bob", "bob-right-pw", "10.4.4.4").status_code == 302 and _signed_in(elsewhere)


def test_lockout_message_is_translated(settings, people) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), "alice", "guess", "10.5.5.5")
    response = _login(Client(), "alice", "alice-right-pw", "10.6.6.6", HTTP_ACCEPT_LANGUAGE="zh-hans")
    translation.activate("en")
    assert response.status_code == 429
    assert "登录已锁定" in response.content.decode()


def test_admin_unlocks_in_the_admin_and_with_the_command(settings, people) -> None:
    from axes.models import AccessAttempt

    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), "alice", "guess", "10.7.7.7")
    assert _login(Client(), "alice", "alice-right-pw", "10.8.8.8").status_code == 429

    admin = User.objects.create_superuser("root", password="root-right-pw")
    staff = Client()
    staff.force_login(admin)
    changelist = staff.get("/admin/axes/accessattempt/")
    assert changelist.status_code == 200 and "alice" in changelist.content.decode()
    attempts = list(AccessAttempt.objects.filter(username="alice").values_list("pk", flat=True))
    assert attempts
    done = staff.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )
    assert done.status_code == 302
    assert not AccessAttempt.objects.filter(username="alice").exists()
    owner = Client()
    assert _login(owner, "alice", "alice-right-pw", "10.8.8.8").status_code == 302 and _signed_in(owner)

    # the command line does the same (an admin without a browser)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), "bob", "guess", "10.10.10.10")
    assert _login(Client(), "bob", "bob-right-pw", "10.11.11.11").status_code == 429
    call_command("axes_reset_username", "bob")
    again = Client()
    assert _login(again, "bob", "bob-right-pw", "10.11.11.11").status_code == 302 and _signed_in(again)


def test_a_proxy_header_names_the_address_only_when_configured(settings, people) -> None:
    """A client-supplied X-Forwarded-For does not give each guess a fresh address."""
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), f"x{i}", "guess", "10.12.12.12", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    assert _login(Client(), "bob", "bob-right-pw", "10.12.12.12").status_code == 429
    settings.LOGIN_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    behind = Client()
    assert (
        _login(behind, "bob", "bob-right-pw", "10.12.12.12", HTTP_X_REAL_IP="198.51.100.7").status_code == 302
    )
