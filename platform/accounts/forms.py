"""Forms of the accounts app."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext_lazy as _

from .services import time_zone_names


class EveryAccountPasswordResetForm(PasswordResetForm):
    """Django's reset form, but for every active account with that e-mail address.

    Django skips accounts without a usable password; accounts made from a roster have
    none until their first password, and "reset your password" is how they get one.
    """

    def get_users(self, email: str) -> Iterator[Any]:
        User = get_user_model()
        email_field = User.get_email_field_name()
        users = User._default_manager.filter(**{f"{email_field}__iexact": email, "is_active": True})
        return (u for u in users if (getattr(u, email_field) or "").casefold() == email.casefold())


class SettingsForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=150, required=False)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_("Due dates and times are shown in this zone."),
    )

    def __init__(self, *args: Any, site_zone: str = "UTC", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        default = _("The site's zone (%(zone)s)") % {"zone": site_zone}
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", default), *((z, z) for z in time_zone_names())]
