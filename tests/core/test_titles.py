"""Every page's <title> reads "<page> · <site name>" (the first release glued them together)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse


def _title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match, "no <title>"
    return match.group(1).strip()


@pytest.mark.django_db
def test_titles_have_a_separator_before_the_site_name(world, cast) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    anonymous = {
        reverse("login"): "Log in · Liangzhi Lab",
        reverse("password_reset"): "Reset your password · Liangzhi Lab",
        reverse("password_reset_done"): "Check your e-mail · Liangzhi Lab",
        reverse("password_reset_complete"): "Password set · Liangzhi Lab",
    }
    for url, expected in anonymous.items():
        assert _title(client.get(url).content.decode()) == expected, url
    client.force_login(cast.alice)
    course_url = reverse("courses:home", kwargs={"slug": world.course.slug})
    assert _title(client.get(course_url).content.decode()) == "Quantum computing 101 · Liangzhi Lab"
    activity_html = client.get(reverse("courses:activity", kwargs={"slug": world.course.slug, "activity": world.lesson.slug})).content.decode()
    assert _title(activity_html) == "Introduction lesson · Liangzhi Lab"
    client.cookies["django_language"] = "zh-hans"
    zh = _title(client.get(course_url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode())
    assert zh.endswith(" · 量智 Lab"), zh
    assert zh.startswith("量子计算 101")
    # Pages reached only through a flow: rendered directly, with the site's context processors.
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = cast.alice
    from django.utils import translation

    for name, title in (("logged_out", "Logged out"), ("password_change_done", "Password changed")):
        with translation.override("en"):
            assert _title(render_to_string(f"registration/{name}.html", request=request)) == f"{title} · Liangzhi Lab"
