"""The site's users. Django owns identity; JupyterHub signs in through the site."""

from __future__ import annotations

import re
import unicodedata

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

_UNIX_UNSAFE = re.compile(r"[^a-z0-9]+")


def hub_name_for(*, username: str, pk: int) -> str:
    """A Unix-safe, collision-free name for the user's lab (and Unix account).

    The primary key makes it unique; the ASCII-folded username keeps it readable in
    ``ps`` and the hub's admin page. At most 32 characters, starts with a letter.
    """
    folded = unicodedata.normalize("NFKD", username).encode("ascii", "ignore").decode().lower()
    stem = _UNIX_UNSAFE.sub("", folded)[:16]
    return f"lz{pk}-{stem}" if stem else f"lz{pk}"


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    can_create_courses = models.BooleanField(
        _("may create courses"),
        default=False,
        help_text=_("Teachers who may create new courses. Site admins always may."),
    )
    # Fixed at the first save and never changed: renaming a user must not orphan their lab.
    # NULL until the first save gives the user a primary key (unique allows many NULLs, not many "").
    hub_name = models.CharField(_("lab user name"), max_length=32, unique=True, null=True, editable=False)  # noqa: DJ001
    # Set when a teacher hands out a one-time password (a printed login slip); the
    # middleware sends the user to the password-change page until they choose their own.
    must_change_password = models.BooleanField(_("must change password"), default=False)
    # An IANA zone name ("Asia/Shanghai"); blank means the site's TIME_ZONE.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_site_admin(self) -> bool:
        return bool(self.is_active and self.is_superuser)

    @property
    def may_create_courses(self) -> bool:
        return bool(self.is_active and (self.is_superuser or self.can_create_courses))

    def set_password(self, raw_password: str | None) -> None:
        # Any password the user sets (change form, invitation, reset) ends the one-time one;
        # one_time_password_issue sets the flag again after calling this.
        super().set_password(raw_password)
        self.must_change_password = False

    def save(self, *args: object, **kwargs: object) -> None:
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        if not self.hub_name:
            self.hub_name = hub_name_for(username=self.username, pk=self.pk)
            type(self).objects.filter(pk=self.pk).update(hub_name=self.hub_name)
