"""A real OpenID Connect provider on loopback: a second instance of this very site.

It runs in a subprocess (``manage.py runserver``) on a free 127.0.0.1 port with its own SQLite
database and data directory (its own signing key), migrated, with an OIDC-enabled
django-oauth-toolkit application registered for the first site's callback and users whose
``liangzhi_username`` claim (scope ``profile``, accounts.oauth) is their student number.
Started once per test session; every wait has a generous deadline (busy machines).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 120  # seconds for one HTTP exchange with the provider
CALLBACK = "http://testserver/sso/callback/"  # the first site seen by Django's test client
IDP_PASSWORD = "idp-pw-for-tests-7Q"
# people known to the provider: username (= student number at the schools) -> e-mail
IDP_USERS = {"S1001": "ann@school-a.example", "S1002": "ben@school-b.example", "S9999": "zed@nowhere.example"}

SEED = """
import json
from accounts.models import User
from oauth2_provider.models import get_application_model
Application = get_application_model()
for name, email in json.loads(%(users)r).items():
    user = User.objects.create(username=name, email=email, display_name=name)
    user.set_password(%(password)r)
    user.save()
app = Application(
    name="Liangzhi Lab (relying party)",
    client_id=%(client_id)r,
    client_type=Application.CLIENT_CONFIDENTIAL,
    authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
    redirect_uris=%(callback)r,  # space-separated
    skip_authorization=True,
    algorithm=Application.RS256_ALGORITHM,
    client_secret=%(client_secret)r,
)
app.save()
print("SEEDED", app.pk)
"""


@dataclass(frozen=True)
class IdP:
    base: str
    client_id: str
    client_secret: str

    @property
    def issuer(self) -> str:
        return f"{self.base}/oauth"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _idp_env(root: Path, base: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OIDC_RSA_PRIVATE_KEY", "REDIS_URL", "DJANGO_SECRET_KEY")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_ENV": "development",
            "DJANGO_DEBUG": "0",
            "DATABASE_URL": f"sqlite:///{root / 'idp.sqlite3'}",
            "LIANGZHI_DATA_DIR": str(root / "var"),  # its own secret key and OIDC signing key
            "SITE_URL": base,
            "PYTHONPATH": f"{REPO}:{REPO / 'platform'}",
            **extra,
        }
    )
    return env


MANAGE = [sys.executable, str(REPO / "manage.py")]


@pytest.fixture(scope="session")
def idp_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty database for the providers (migrated once, copied for each)."""
    root = tmp_path_factory.mktemp("idp-template")
    env = _idp_env(root, "http://127.0.0.1")
    subprocess.run([*MANAGE, "migrate", "--noinput"], env=env, cwd=REPO, check=True, capture_output=True, timeout=900)
    return root / "idp.sqlite3"


@contextmanager
def _idp_running(root: Path, template: Path, *, host: str, callbacks: list[str], **extra: str) -> Iterator[IdP]:
    port = _free_port()
    base = f"http://{host}:{port}"
    env = _idp_env(root, base, **extra)
    shutil.copyfile(template, root / "idp.sqlite3")
    client_id, client_secret = "lab-rp", secrets.token_urlsafe(32)
    seed = SEED % {
        "users": json.dumps(IDP_USERS),
        "password": IDP_PASSWORD,
        "client_id": client_id,
        "client_secret": client_secret,
        "callback": " ".join(callbacks),
    }
    seeded = subprocess.run([*MANAGE, "shell", "-c", seed], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert "SEEDED" in seeded.stdout, seeded.stderr[-3000:]
    log_path = root / "idp.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [*MANAGE, "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if requests.get(f"{base}/oauth/.well-known/openid-configuration", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the loopback provider did not start: {log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield IdP(base=base, client_id=client_id, client_secret=client_secret)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


@pytest.fixture(scope="session")
def idp(tmp_path_factory: pytest.TempPathFactory, idp_database: Path) -> Iterator[IdP]:
    """The provider for Django's test client (the first site is http://testserver)."""
    with _idp_running(tmp_path_factory.mktemp("idp"), idp_database, host="127.0.0.1", callbacks=[CALLBACK]) as running:
        yield running


@pytest.fixture(scope="session")
def idp_for_browser(tmp_path_factory: pytest.TempPathFactory, idp_database: Path, live_server: Any) -> Iterator[IdP]:
    """The provider for a real browser signing in to the live server.

    It answers as localhost, the live server as 127.0.0.1: two hosts, so two cookie jars, as two
    sites have. The redirect after its login form ends at the first site's callback, so the
    provider names that origin in CSP_FORM_ACTION_EXTRA (the browser applies form-action to it).
    """
    with _idp_running(
        tmp_path_factory.mktemp("idp-browser"),
        idp_database,
        host="localhost",
        callbacks=[f"{live_server.url}/sso/callback/"],
        CSP_FORM_ACTION_EXTRA=live_server.url,
    ) as running:
        yield running


def idp_sign_in(authorize_url: str, *, username: str, password: str = IDP_PASSWORD) -> str:
    """Play the browser at the provider: its login form (with its CSRF token), then the
    authorization endpoint; returns where the provider sends the browser back (the callback URL)."""
    browser = requests.Session()
    url = authorize_url
    for _ in range(6):  # authorize -> login form -> (post) -> authorize -> callback
        response = browser.get(url, allow_redirects=False, timeout=TIMEOUT)
        if response.status_code == 200 and "csrfmiddlewaretoken" in response.text:
            token = browser.cookies.get("csrftoken")
            assert token, "the provider's login page set no CSRF cookie"
            next_url = dict(p.split("=", 1) for p in urlsplit(url).query.split("&") if "=" in p).get("next", "")
            from urllib.parse import unquote

            response = browser.post(
                url,
                data={"csrfmiddlewaretoken": token, "username": username, "password": password, "next": unquote(next_url)},
                headers={"Referer": url},
                allow_redirects=False,
                timeout=TIMEOUT,
            )
            assert response.status_code == 302, f"the provider refused the login: {response.status_code}"
        assert response.status_code == 302, f"unexpected answer from the provider: {response.status_code} {response.text[:500]}"
        location = urljoin(url, response.headers["Location"])
        if location.startswith(CALLBACK):
            return location
        url = location
    raise AssertionError("the provider never redirected back to the callback")
