"""The main menu leads the people who run a school to its pages, and nobody else."""

from __future__ import annotations

import pytest
from django.test import Client

from orgs.enums import OrgKind, OrgRole
from orgs.models import Membership, Organisation
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "archived", "shown"),
    [
        (OrgRole.ADMIN, False, True),
        (OrgRole.TEACHER, False, True),
        (OrgRole.STUDENT, False, False),
        (OrgRole.TA, False, False),
        (OrgRole.ADMIN, True, False),  # an archived admin runs nothing any more
        (None, False, False),
    ],
)
def test_schools_link_in_the_menu_follows_the_role(role: OrgRole | None, archived: bool, shown: bool) -> None:
    school = Organisation.objects.create(kind=OrgKind.SCHOOL, slug="menu-school", name="Menu School")
    user = UserFactory()
    if role is not None:
        Membership.objects.create(org=school, user=user, role=role, archived=archived)
    client = Client()
    client.force_login(user)
    body = client.get("/").content.decode()
    assert ('href="/orgs/"' in body) is shown


def test_schools_link_for_a_site_admin_and_in_chinese() -> None:
    admin = UserFactory(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    assert 'href="/orgs/">Schools<' in client.get("/").content.decode()
    client.cookies["django_language"] = "zh-hans"
    assert 'href="/orgs/">学校<' in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
