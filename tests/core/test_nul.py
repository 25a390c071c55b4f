"""A NUL character in any form field or query value is a clear 400 before a view runs (PostgreSQL
refuses NUL in text: before this, the team form, the join code and others answered 500 there)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url_name", "kwargs", "data"),
    [
        ("courses:list", {}, None),  # a query value
        ("login", {}, {"username": "ali\x00ce", "password": "x"}),
        ("courses:create", {}, {"slug": "x", "title": "T\x00"}),
    ],
)
def test_nul_in_input_is_a_400_and_nothing_changes(cast, url_name, kwargs, data) -> None:  # type: ignore[no-untyped-def]
    from courses.models import Course

    client = Client()
    client.force_login(cast.teacher)
    before = Course.objects.count()
    url = reverse(url_name, kwargs=kwargs)
    response = client.get(url, {"q": "a\x00b"}) if data is None else client.post(url, data)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    assert Course.objects.count() == before


def test_ordinary_input_passes(cast) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(cast.teacher)
    assert client.get(reverse("courses:list"), {"q": "fine"}).status_code == 200
