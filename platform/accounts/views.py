"""Views of the accounts app: accepting an invitation, the user's settings."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetConfirmView, PasswordResetView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .forms import EveryAccountPasswordResetForm, SettingsForm
from .models import User
from .services import invitation_tokens, user_set_time_zone


class InvitationView(PasswordResetConfirmView):
    """The link of an invitation e-mail: the new student chooses a password and is signed in."""

    token_generator = invitation_tokens
    template_name = "accounts/invitation.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("home")
    title = gettext_lazy("Choose your password")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is set. Welcome!"))
        return response


class EveryAccountPasswordResetView(PasswordResetView):
    form_class = EveryAccountPasswordResetForm


@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required
    initial = {"display_name": user.display_name, "time_zone": user.time_zone}
    form = SettingsForm(request.POST or None, initial=initial, site_zone=settings.TIME_ZONE)
    if request.method == "POST":
        if form.is_valid():
            user.display_name = form.cleaned_data["display_name"]
            user.save(update_fields=["display_name"])
            user_set_time_zone(user=user, time_zone=form.cleaned_data["time_zone"])
            messages.success(request, _("Your settings are saved."))
            return redirect("accounts:settings")
        return render(request, "accounts/settings.html", {"form": form}, status=400)
    return render(request, "accounts/settings.html", {"form": form})
