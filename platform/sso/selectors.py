"""Reads of the sso app: which provider signs in a school's people, which schools offer one."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from orgs.enums import OrgKind
from orgs.models import Organisation

from .models import Provider


def provider_for_school(*, school: Organisation) -> Provider | None:
    """The school's own enabled provider, else its district's enabled one; None without either."""
    if school.kind != OrgKind.SCHOOL:
        return None
    orgs = [school.pk] + ([school.parent_id] if school.parent_id else [])
    found = {p.org_id: p for p in Provider.objects.filter(org_id__in=orgs, enabled=True).select_related("org")}
    return found.get(school.pk) or (found.get(school.parent_id) if school.parent_id else None)


def provider_of_org(*, org: Organisation) -> Provider | None:
    """The organisation's own provider record (enabled or not), for its settings page."""
    return Provider.objects.filter(org=org).first()


def schools_with_sso() -> QuerySet[Organisation]:
    """Schools whose people may sign in through a provider: the login page's choices."""
    return (
        Organisation.objects.filter(kind=OrgKind.SCHOOL)
        .filter(Q(sso_provider__enabled=True) | Q(parent__sso_provider__enabled=True))
        .order_by("name")
        .distinct()
    )
