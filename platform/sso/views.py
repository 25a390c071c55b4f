"""Views of the sso app: start a school sign-in, take the provider's answer, configure a provider."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from orgs.enums import OrgKind
from orgs.models import Organisation
from orgs.selectors import org_access

from .forms import ProviderForm
from .models import Provider
from .selectors import provider_for_school, provider_of_org
from .services import SSOError, login_begin, login_complete, provider_save

if TYPE_CHECKING:
    from accounts.models import User

log = logging.getLogger(__name__)

# Django's own backend loads the account on later requests (and refuses it once deactivated).
SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _safe_next(request: HttpRequest, url: str) -> str:
    ok = url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return url if url and ok else ""


def _refused(request: HttpRequest, exc: SSOError, *, status: int) -> HttpResponse:
    log.info("sso: refused (%s) %s", exc.code, exc.detail)
    context = {"message": exc.message, "school": exc.school, "code": exc.code}
    return render(request, "sso/refused.html", context, status=status)


@require_GET
def login_start(request: HttpRequest, slug: str) -> HttpResponse:
    """``/sso/<school>/login/``: off to the school's provider (404 for a school without one)."""
    school = get_object_or_404(Organisation, slug=slug, kind=OrgKind.SCHOOL)
    provider = provider_for_school(school=school)
    if provider is None:
        raise Http404("This school has no sign-in service.")
    try:
        url = login_begin(
            session=request.session,
            school=school,
            provider=provider,
            redirect_uri=request.build_absolute_uri(reverse("sso:callback")),
            next_url=_safe_next(request, request.GET.get("next", "")),
        )
    except SSOError as exc:
        return _refused(request, exc, status=502)
    return HttpResponseRedirect(url)


@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """The provider sends the browser back here; the account is signed in or a refusal is shown."""
    try:
        user, next_url = login_complete(session=request.session, params=request.GET.dict())
    except SSOError as exc:
        return _refused(request, exc, status=403)
    auth_login(request, user, backend=SESSION_BACKEND)
    return redirect(_safe_next(request, next_url) or settings.LOGIN_REDIRECT_URL)


@login_required
@require_http_methods(["GET", "POST"])
def provider_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """``/sso/<org>/settings/``: the organisation's admins configure its provider."""
    access = org_access(user=request.user, slug=slug)  # 404 for outsiders
    if not access.is_admin:
        raise PermissionDenied(_("Only the organisation's administrators configure its sign-in service."))
    org = access.org
    provider = provider_of_org(org=org) or Provider(org=org)
    form = ProviderForm(request.POST or None, instance=provider)
    if request.method == "POST":
        if form.is_valid():
            provider_save(
                provider=form.save(commit=False), by=cast("User", request.user), new_secret=form.cleaned_data["new_secret"]
            )
            messages.success(request, _("The sign-in settings are saved."))
            return redirect("sso:settings", slug=org.slug)
        status = 400
    else:
        status = 200
    inherited = None
    if org.kind == OrgKind.SCHOOL and org.parent_id:
        inherited = Provider.objects.filter(org_id=org.parent_id, enabled=True).first()
    context = {
        "org": org,
        "form": form,
        "provider": provider,
        "has_secret": bool(provider.pk and provider.client_secret),
        "inherited": inherited,
        "redirect_uri": request.build_absolute_uri(reverse("sso:callback")),
        "schools": list(org.schools.order_by("name")) if org.kind == OrgKind.DISTRICT else [org],
    }
    return render(request, "sso/settings.html", context, status=status)
