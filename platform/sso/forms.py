"""The provider settings form: the client secret is write-only (never rendered, kept when left empty)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import oidc
from .models import Provider

_SCOPE = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")  # RFC 6749 §3.3 scope-token
_CLAIM = re.compile(r"^[A-Za-z0-9_.:/-]{1,100}$")


class ProviderForm(forms.ModelForm):
    issuer = forms.URLField(
        label=_("Issuer URL"),
        max_length=500,
        assume_scheme="https",
        help_text=Provider._meta.get_field("issuer").help_text,
    )
    new_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the secret already saved. It is never shown again."),
    )

    field_order = ("org", "issuer", "client_id", "new_secret", "scopes", "match_by", "claim", "enabled")

    class Meta:
        model = Provider
        fields: tuple[str, ...] = ("issuer", "client_id", "scopes", "match_by", "claim", "enabled")

    def clean_issuer(self) -> str:
        issuer = oidc.issuer_normalise(self.cleaned_data["issuer"])
        if settings.PRODUCTION and not issuer.startswith("https://"):
            raise forms.ValidationError(_("The issuer must be an https:// URL."))
        return issuer

    def clean_scopes(self) -> str:
        scopes = self.cleaned_data["scopes"].split()
        if not all(_SCOPE.match(s) for s in scopes):
            raise forms.ValidationError(_("Scopes are separated by spaces and contain no quotes or backslashes."))
        return " ".join(["openid", *dict.fromkeys(s for s in scopes if s != "openid")])

    def clean_claim(self) -> str:
        claim = self.cleaned_data["claim"].strip()
        if not _CLAIM.match(claim):
            raise forms.ValidationError(_("Enter the claim's name, e.g. student_number or email."))
        return claim

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # An enabled provider must answer discovery: a typo would otherwise surface as a
        # student's failed sign-in.
        if data.get("enabled") and data.get("issuer") and not self.errors:
            try:
                oidc.discover(issuer=data["issuer"], allow_http=not settings.PRODUCTION)
            except oidc.OIDCError as exc:
                raise forms.ValidationError(
                    _("The provider's discovery document could not be read (%(reason)s). Check the issuer URL, or save it disabled."),
                    params={"reason": exc.detail or exc.code},
                ) from None
        return data
