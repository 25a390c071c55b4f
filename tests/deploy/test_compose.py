"""deploy/compose.yaml is a valid Compose file whose stack starts, and deploy/env.example starts as
shipped once its marked secrets are filled in."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.deploy.conftest import ENV_EXAMPLE, env_file_parse, filled_env_example, marked_secrets, production_env

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "deploy" / "compose.yaml"
SCHEMA = REPO / "deploy" / "vendor" / "compose-spec" / "compose-spec.json"
pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_file_is_valid_against_the_compose_specification(compose) -> None:  # type: ignore[no-untyped-def]
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_schema_check_catches_a_broken_compose_file(compose) -> None:  # type: ignore[no-untyped-def]
    """The validation has teeth: a misspelt key and a wrong type are both refused."""
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))
    broken = json.loads(json.dumps(compose))
    broken["services"]["web"]["restrat"] = "always"
    broken["services"]["worker"]["cap_add"] = "SYS_ADMIN"
    messages = [e.message for e in validator.iter_errors(broken)]
    assert any("restrat" in m for m in messages)
    assert any("is not of type 'array'" in m for m in messages)


def test_every_long_running_service_restarts_and_has_a_passing_healthcheck(compose) -> None:  # type: ignore[no-untyped-def]
    services = compose["services"]
    for name in ("db", "redis", "web", "worker", "beat", "hub"):
        assert services[name]["restart"] == "unless-stopped", name
    for name in ("db", "redis", "web", "worker", "hub"):
        assert services[name]["healthcheck"]["test"], name
    assert services["migrate"]["restart"] == "no"
    # the site's healthcheck is the script tests/deploy/test_web_server.py runs against the real server
    assert services["web"]["healthcheck"]["test"][:3] == ["CMD", "python", "deploy/healthcheck.py"]
    # dependencies wait for health, not only for a start
    assert services["web"]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_web_runs_the_production_server_from_the_web_image(compose) -> None:  # type: ignore[no-untyped-def]
    services = compose["services"]
    assert services["web"]["command"] == ["/srv/liangzhi/deploy/run-web.sh"]
    assert (
        services["web"]["image"] == services["beat"]["image"] == services["migrate"]["image"] == "liangzhi/web:latest"
    )
    targets = {services[n]["image"]: services[n]["build"]["target"] for n in ("migrate", "worker", "hub")}
    assert targets == {"liangzhi/web:latest": "web", "liangzhi/worker:latest": "worker", "liangzhi/hub:latest": "hub"}
    dockerfile = (REPO / "deploy" / "images" / "site.Dockerfile").read_text()
    for target in targets.values():
        assert f" AS {target}\n" in dockerfile


def test_only_the_sandboxing_services_get_privileges_and_each_is_explained(compose) -> None:  # type: ignore[no-untyped-def]
    services = compose["services"]
    privileged = {n for n, s in services.items() if s.get("security_opt") or s.get("cap_add") or s.get("privileged")}
    assert privileged == {"worker", "contests", "hub"}  # contests: entries and imports run in the sandbox
    for name in privileged:
        s = services[name]
        assert set(s["security_opt"]) == {"seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined"}
        assert s["cap_add"] == ["SYS_ADMIN"] and not s.get("privileged")
        assert s["cgroup"] == "private"
        assert s["entrypoint"] == ["/srv/liangzhi/deploy/images/sandbox-entrypoint.sh"]
    text = COMPOSE.read_text()
    for reason in ("unshare(2)", "mount(2)", "--proc /proc", "cpu.max", "no-internal-processes", "user namespaces"):
        assert reason in text, reason
    assert (REPO / "deploy" / "images" / "sandbox-entrypoint.sh").stat().st_mode & 0o111


def test_env_example_marks_every_secret_and_ships_no_usable_one() -> None:
    text = ENV_EXAMPLE.read_text()
    values = env_file_parse(text)
    secrets = marked_secrets(text)
    assert set(secrets) == {
        "DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD", "RABBITMQ_PASSWORD",
        "OIDC_RSA_PRIVATE_KEY", "READYZ_TOKEN", "METRICS_TOKEN",
    }  # fmt: skip
    for name in secrets:
        assert values[name].startswith("CHANGE-ME"), name
    filled = filled_env_example()
    assert not any("CHANGE-ME" in v for v in filled.values())
    assert filled["DATABASE_URL"].startswith(f"postgres://liangzhi:{filled['POSTGRES_PASSWORD']}@db:")


@pytest.mark.integration
def test_env_example_filled_in_passes_check_deploy(tmp_path: Path) -> None:
    """The shipped example, secrets generated as the README says, loads with production settings
    (the same environment parsing) and `manage.py check --deploy` is clean."""
    env = production_env(tmp_path)
    filled = filled_env_example()
    # keep the example's own database and broker URLs: check --deploy opens no connection
    env.update({k: filled[k] for k in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")})
    result = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.integration
def test_env_example_with_a_secret_left_out_does_not_start(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    env.pop("OIDC_RSA_PRIVATE_KEY")
    result = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "check"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0 and "OIDC_RSA_PRIVATE_KEY" in result.stderr


def test_every_layout_starts_the_same_production_web_server() -> None:
    """One command in one place: deploy/run-web.sh (gunicorn's ASGI worker, deploy/gunicorn.conf.py)."""
    procfile = dict(
        line.split(": ", 1)
        for line in (REPO / "deploy" / "Procfile.production").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert set(procfile) == {"web", "worker", "contests", "housekeeping", "beat", "hub"}
    assert "deploy/run-web.sh" in procfile["web"] and "gunicorn" not in procfile["web"]
    assert 'subdomain_host="$HUB_SUBDOMAIN_HOST"' in procfile["hub"]
    run_web = (REPO / "deploy" / "run-web.sh").read_text()
    assert "-m gunicorn -c deploy/gunicorn.conf.py" in run_web
    conf = (REPO / "deploy" / "gunicorn.conf.py").read_text()
    assert 'worker_class = "asgi"' in conf and 'wsgi_app = "config.asgi:application"' in conf
    dockerfile = (REPO / "deploy" / "images" / "site.Dockerfile").read_text()
    assert 'CMD ["/srv/liangzhi/deploy/run-web.sh"]' in dockerfile
    readme = (REPO / "README.md").read_text()
    assert "deploy/Procfile.production" in readme and "deploy/run-web.sh" in readme
