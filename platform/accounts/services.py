"""Writes of the accounts app: invitations, one-time passwords and the user's settings.

Roster imports (courses.services) create accounts without a usable password; these
services are how such a student gets in: an invitation e-mail with a set-password link,
or a one-time password printed on a login slip that must be changed at first login.
"""

from __future__ import annotations

import secrets
import zoneinfo
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from .models import User

# Long enough for a class that meets once a week; the link dies anyway as soon as a
# password is set (the token hashes the password and the last login).
INVITATION_DAYS = 14
# No 0/O, 1/l/I: the password is read off paper and typed by a child.
_SLIP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
SLIP_PASSWORD_LENGTH = 10


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Password-reset tokens with their own salt and a longer life.

    A reset token cannot be replayed as an invitation and the other way round.
    """

    key_salt = "accounts.services.InvitationTokenGenerator"

    def check_token(self, user: User | None, token: str | None) -> bool:  # type: ignore[override]
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        secrets_ = [self.secret, *self.secret_fallbacks]
        if not any(constant_time_compare(self._make_token_with_timestamp(user, ts, s), token) for s in secrets_):
            return False
        age = self._num_seconds(self._now()) - ts
        return 0 <= age <= INVITATION_DAYS * 24 * 3600


invitation_tokens = InvitationTokenGenerator()


def invitation_url(*, user: User) -> str:
    """The absolute one-time link where ``user`` chooses a password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = invitation_tokens.make_token(user)
    return settings.SITE_URL + reverse("accounts:invitation", args=[uid, token])


def invitation_send(*, user: User, course_title: str = "") -> bool:
    """E-mail ``user`` an invitation with a set-password link; False when they have no address."""
    if not user.email:
        return False
    context = {
        "user": user,
        "url": invitation_url(user=user),
        "days": INVITATION_DAYS,
        "course": course_title,
        "site_url": settings.SITE_URL,
    }
    subject = _("Your account on Liangzhi Lab")
    body = render_to_string("accounts/invitation_email.txt", context)
    send_mail(subject, body, None, [user.email])
    return True


def one_time_password_issue(*, user: User) -> str:
    """Give ``user`` a new random password that must be changed at first login; returns it.

    The plain text is returned once, for the login slip, and never stored: the database
    keeps only its hash, like any password.
    """
    password = "".join(secrets.choice(_SLIP_ALPHABET) for _ in range(SLIP_PASSWORD_LENGTH))
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    return password


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA zone this Python knows, sorted (the choices of the settings page)."""
    return tuple(sorted(zoneinfo.available_timezones()))


def user_set_time_zone(*, user: User, time_zone: str) -> None:
    """Store ``user``'s time zone ("" for the site's)."""
    if time_zone and time_zone not in time_zone_names():
        raise ValueError(time_zone)
    user.time_zone = time_zone
    user.save(update_fields=["time_zone"])

