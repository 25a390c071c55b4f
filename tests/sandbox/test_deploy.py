"""deploy/ (Zero to JupyterHub) and the local hub cannot drift: same OAuth, scopes, kernel, profiles, culling."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from traitlets.config.loader import PyFileConfigLoader

from sandbox.hub import constants

REPO = Path(__file__).resolve().parents[2]
VALUES = REPO / "deploy" / "jupyterhub" / "values.yaml"
JUPYTER = REPO / "sandbox" / "hub" / "jupyter"
pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load(VALUES.read_text())


@pytest.fixture
def local(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The local hub's configuration, loaded the way JupyterHub loads it."""
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps({"client_secret": "c", "service_token": "s", "proxy_token": "p"}))
    monkeypatch.setenv("LIANGZHI_HUB_SECRETS", str(secrets))
    monkeypatch.setenv("LIANGZHI_HUB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("LIANGZHI_HUB_EXTRA_PROFILES", raising=False)
    monkeypatch.delenv("LIANGZHI_HUB_IDLE_TIMEOUT", raising=False)
    path = REPO / "sandbox" / "hub" / "jupyterhub_config.py"
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


def _mem(text: str) -> int:
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT]?)", str(text)).groups()  # type: ignore[union-attr]
    return int(float(number) * 1024 ** " KMGT".index(unit or " "))


def test_deploy_oauth_matches_local(values, local) -> None:  # type: ignore[no-untyped-def]
    deployed = values["hub"]["config"]["GenericOAuthenticator"]
    here = local.GenericOAuthenticator
    for key in ("client_id", "scope", "username_claim", "enable_pkce", "allow_all", "login_service"):
        assert deployed[key] == here[key], key
    assert deployed["client_id"] == constants.OAUTH_CLIENT_ID
    for key in ("authorize_url", "token_url", "userdata_url"):
        assert deployed[key].rsplit("/oauth/", 1)[1] == here[key].rsplit("/oauth/", 1)[1], key
    assert deployed["oauth_callback_url"].endswith("/hub/oauth_callback")
    assert values["hub"]["config"]["JupyterHub"]["authenticator_class"] == local.JupyterHub.authenticator_class
    assert values["hub"]["config"]["Authenticator"]["auto_login"] is True is local.Authenticator.auto_login
    assert "client_secret" not in deployed  # from a Secret, never in the values


def test_deploy_site_service_has_the_same_least_privilege_scopes(values, local) -> None:  # type: ignore[no-untyped-def]
    role = values["hub"]["loadRoles"][constants.SITE_SERVICE_NAME]
    local_role = next(r for r in local.JupyterHub.load_roles if r["name"] == constants.SITE_SERVICE_NAME)
    assert sorted(role["scopes"]) == sorted(local_role["scopes"]) == sorted(constants.SITE_SCOPES)
    assert "admin:servers" not in role["scopes"] and "admin-ui" not in role["scopes"]


def test_deploy_profiles_match_local(values, local) -> None:  # type: ignore[no-untyped-def]
    deployed = {p["slug"]: p for p in values["singleuser"]["profileList"]}
    assert list(deployed) == list(constants.PROFILES) == list(local.LiangzhiSpawner.profiles)
    assert [s for s, p in deployed.items() if p.get("default")] == [constants.DEFAULT_PROFILE]
    for slug, profile in constants.PROFILES.items():
        override = deployed[slug]["kubespawner_override"]
        assert _mem(override["mem_limit"]) == profile["mem_limit"], slug
        assert _mem(override["mem_guarantee"]) == profile.get("mem_guarantee"), slug
        assert float(override["cpu_limit"]) == profile["cpu_limit"], slug
        assert deployed[slug]["display_name"] == profile["display_name"], slug
        has_gpu = "nvidia.com/gpu" in override.get("extra_resource_limits", {})
        assert has_gpu is profile["gpu"], slug
    assert "gpu" in deployed["gpu"]["kubespawner_override"]["image"]


def test_deploy_kernel_and_jupyter_config_are_the_local_ones(values) -> None:  # type: ignore[no-untyped-def]
    env = values["singleuser"]["extraEnv"]
    dockerfile = (REPO / "deploy" / "images" / "singleuser.Dockerfile").read_text()
    assert "COPY sandbox/hub/jupyter /opt/liangzhi/jupyter" in dockerfile
    assert env["JUPYTER_PATH"] == "/opt/liangzhi/jupyter/share/jupyter"
    assert env["JUPYTER_CONFIG_PATH"] == "/opt/liangzhi/jupyter/etc/jupyter"
    kernel = json.loads((JUPYTER / "share/jupyter/kernels" / constants.KERNEL_NAME / "kernel.json").read_text())
    assert kernel["display_name"] == constants.KERNEL_DISPLAY_NAME
    server = json.loads((JUPYTER / "etc/jupyter/jupyter_server_config.json").read_text())
    assert server["MultiKernelManager"]["default_kernel_name"] == constants.KERNEL_NAME
    extensions = json.loads((JUPYTER / "etc/jupyter/jupyter_server_config.d/zz-liangzhi-student.json").read_text())
    switches = extensions["ServerApp"]["jpserver_extensions"]
    off = {k for k, v in switches.items() if v is False}
    assert off == {*constants.NBGRADER_DISABLED_SERVER_EXTENSIONS, "nbgrader.server_extensions.validate_assignment"}
    assert switches["liangzhi_student"] is True  # students keep Validate, loaded after start-up
    assert (JUPYTER / "python" / "liangzhi_student.py").exists()
    assert env["PYTHONPATH"] == "/opt/liangzhi/jupyter/python"
    assert "PYTHONPATH=/opt/liangzhi/jupyter/python" in dockerfile
    page = json.loads((JUPYTER / "etc/jupyter/labconfig/page_config.json").read_text())
    assert set(constants.NBGRADER_DISABLED_LAB_PLUGINS) <= {k for k, v in page["disabledExtensions"].items() if v}
    assert values["singleuser"]["defaultUrl"] == "/lab"


def test_deploy_culling_and_isolation_match_local(values, local) -> None:  # type: ignore[no-untyped-def]
    culler = next(s for s in local.JupyterHub.services if s["name"] == constants.CULLER_SERVICE_NAME)
    timeout = int(next(a for a in culler["command"] if a.startswith("--timeout=")).split("=")[1])
    assert values["cull"]["enabled"] is True and values["cull"]["timeout"] == timeout
    assert values["hub"]["config"]["KubeSpawner"]["disable_user_config"] is True is local.Spawner.disable_user_config
    assert values["singleuser"]["networkPolicy"]["enabled"] is True
    egress = values["singleuser"]["networkPolicy"]["egressAllowRules"]
    assert not egress["privateIPs"] and not egress["nonPrivateIPs"]
    assert values["hub"]["config"]["JupyterHub"]["subdomain_host"].startswith("https://")  # per-user subdomains
