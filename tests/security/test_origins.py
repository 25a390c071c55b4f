"""The site refuses to answer under the hub's host name (cookies are scoped by host, not port)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def origins(settings):  # type: ignore[no-untyped-def]
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.HUB_URL = "http://localhost:8001"


@pytest.mark.parametrize("host", ["localhost:8000", "localhost", "LOCALHOST:8000", "localhost:8001"])
def test_requests_under_the_hub_host_name_go_to_the_site(origins, host: str) -> None:
    response = Client().get("/accounts/login/?next=/courses/", HTTP_HOST=host)
    assert response.status_code == 302
    assert response["Location"] == "http://127.0.0.1:8000/accounts/login/?next=/courses/"
    assert not response.cookies  # no csrftoken, no sessionid under the hub's name


def test_a_post_under_the_hub_host_name_is_not_processed(origins, cast) -> None:
    response = Client().post(
        "/accounts/login/", {"username": "alice", "password": "pw-for-tests"}, HTTP_HOST="localhost:8000"
    )
    assert response.status_code == 302 and "sessionid" not in response.cookies


def test_the_site_host_is_served(origins) -> None:
    response = Client().get("/accounts/login/", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200 and "csrftoken" in response.cookies


def test_same_host_names_disable_the_redirect(settings) -> None:
    """A deployment that (unwisely) shares a host name still works; settings tests catch that."""
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.HUB_URL = "http://127.0.0.1:8001"
    assert Client().get("/accounts/login/", HTTP_HOST="127.0.0.1:8000").status_code == 200


def test_the_embedded_defaults_use_two_host_names() -> None:
    import importlib
    import os

    from django.conf import settings as live

    import config.settings as site_settings

    if os.environ.get("HUB_URL") or os.environ.get("SITE_URL"):
        pytest.skip("HUB_URL/SITE_URL set in the environment")
    defaults = importlib.reload(site_settings)
    try:
        from urllib.parse import urlsplit

        assert urlsplit(defaults.SITE_URL).hostname == "127.0.0.1"
        assert urlsplit(defaults.HUB_URL).hostname == "localhost"
    finally:
        importlib.reload(site_settings)
    # before anything that can set a cookie (session, CSRF, language, messages)
    chain = list(live.MIDDLEWARE)
    first = chain.index("core.middleware.SiteHostMiddleware")
    for setter in (
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.middleware.locale.LocaleMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    ):
        assert first < chain.index(setter), setter


def test_a_shared_host_name_is_a_system_check_warning(settings) -> None:
    from core.checks import site_and_hub_host_names

    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.HUB_URL = "http://127.0.0.1:8001"
    assert [w.id for w in site_and_hub_host_names()] == ["liangzhi.W001"]
    settings.HUB_URL = "http://localhost:8001"
    assert site_and_hub_host_names() == []
