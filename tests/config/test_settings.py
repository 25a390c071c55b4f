"""Settings come from the environment, and a mistake names the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int, env_list, env_str

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.unit


def test_env_str_required_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LZ_TEST_VALUE", raising=False)
    with pytest.raises(ImproperlyConfigured, match="LZ_TEST_VALUE"):
        env_str("LZ_TEST_VALUE")
    assert env_str("LZ_TEST_VALUE", "fallback") == "fallback"


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("off", False), ("0", False)])
def test_env_bool_reads_common_words(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("LZ_FLAG", raw)
    assert env_bool("LZ_FLAG", not expected) is expected


def test_env_bool_rejects_nonsense(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LZ_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match=r"LZ_FLAG='maybe' is not a boolean"):
        env_bool("LZ_FLAG", False)


def test_env_int_and_list_and_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LZ_N", "12x")
    with pytest.raises(ImproperlyConfigured, match="LZ_N='12x' is not an integer"):
        env_int("LZ_N", 3)
    monkeypatch.setenv("LZ_N", "0")
    with pytest.raises(ImproperlyConfigured, match="below the minimum"):
        env_int("LZ_N", 3, minimum=1)
    monkeypatch.setenv("LZ_HOSTS", "a.example, b.example,,")
    assert env_list("LZ_HOSTS", []) == ["a.example", "b.example"]
    monkeypatch.setenv("LZ_MODE", "s4")
    with pytest.raises(ImproperlyConfigured, match="LZ_MODE='s4' must be one of: local, s3"):
        env_choice("LZ_MODE", "local", ("local", "s3"))


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env={**clean, **env}, capture_output=True, text=True)


def _rsa_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


PRODUCTION = {
    "OIDC_RSA_PRIVATE_KEY": _rsa_pem(),
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "k" * 20 + "-production-secret-key-for-the-deploy-check-0123456789",
    "DJANGO_ALLOWED_HOSTS": "lab.example.edu",
    "DATABASE_URL": "postgres://lab:secret@db.example.edu:5432/lab",
    "SITE_URL": "https://lab.example.edu",
    "HUB_URL": "https://hub.lab.example.edu",
}


def test_check_deploy_is_clean_in_production() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "OIDC_RSA_PRIVATE_KEY"])
def test_production_refuses_to_start_without_required_variables(missing: str) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_bad_database_url_is_a_clear_error() -> None:
    result = _manage("check", env={"DATABASE_URL": "nosuchdb://x"})
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


@pytest.mark.slow
def test_production_collects_static_files_with_hashed_names(tmp_path: Path) -> None:
    """Every CSS url() resolves (the manifest storage refuses otherwise) and plotly.js is served locally."""
    env = {**PRODUCTION, "LIANGZHI_DATA_DIR": str(tmp_path)}
    result = _manage("collectstatic", "--noinput", env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    for asset in ("css/app.css", "vendor/katex/katex.min.css", "vendor/htmx/htmx.min.js", "vendor/plotly/plotly.min.js"):
        assert f'"{asset}"' in manifest
