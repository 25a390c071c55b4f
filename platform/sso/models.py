"""A school's (or a district's) own OpenID Connect provider, and who signed in through it.

A district's provider serves each of its schools that has no enabled provider of its own. Signing
in always happens *for one school* (``/sso/<school>/login/``) and only that school's imported,
active members can be matched: the provider vouches for an identity, the school's roster decides
which account it is.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MatchBy(models.TextChoices):
    STUDENT_NUMBER = "student_number", _("Student or staff number")
    EMAIL = "email", _("E-mail address")


class Provider(models.Model):
    """One organisation's OpenID Connect provider. The client secret is write-only in every form."""

    org = models.OneToOneField(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="sso_provider", verbose_name=_("organisation")
    )
    issuer = models.URLField(
        _("issuer URL"),
        max_length=500,
        help_text=_("The provider's issuer; its discovery document is read from <issuer>/.well-known/openid-configuration."),
    )
    client_id = models.CharField(_("client ID"), max_length=255)
    client_secret = models.CharField(
        _("client secret"), max_length=500, blank=True, help_text=_("Empty for a public client (PKCE only).")
    )
    scopes = models.CharField(_("scopes"), max_length=255, default="openid profile email")
    match_by = models.CharField(
        _("match accounts by"), max_length=16, choices=MatchBy.choices, default=MatchBy.STUDENT_NUMBER
    )
    claim = models.CharField(
        _("claim"),
        max_length=100,
        default="student_number",
        help_text=_("The claim that carries the student number (or the e-mail address), e.g. student_number, employeeNumber, email."),
    )
    enabled = models.BooleanField(_("enabled"), default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("school sign-in provider")
        verbose_name_plural = _("school sign-in providers")

    def __str__(self) -> str:
        return f"{self.org} → {self.issuer}"

    @property
    def scope_list(self) -> list[str]:
        """The configured scopes, ``openid`` always first and once."""
        rest = [s for s in self.scopes.split() if s != "openid"]
        return ["openid", *dict.fromkeys(rest)]


class Identity(models.Model):
    """An account's subject at a provider, bound at its first sign-in.

    Later sign-ins must agree: a subject bound to another account, or an account bound to another
    subject, is refused (a student number handed to someone else at the provider does not take
    over the old account). A school admin deletes the row to allow a new binding.
    """

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="identities")
    subject = models.CharField(_("subject"), max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities")
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("provider", "subject"), name="sso_one_account_per_subject"),
            models.UniqueConstraint(fields=("provider", "user"), name="sso_one_subject_per_account"),
        ]
        verbose_name = _("school sign-in identity")
        verbose_name_plural = _("school sign-in identities")

    def __str__(self) -> str:
        return f"{self.provider_id}:{self.subject} → {self.user_id}"
