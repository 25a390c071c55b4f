"""JupyterHub configuration for Liangzhi Lab (``jupyterhub -f sandbox/hub/jupyterhub_config.py``).

Everything comes from the environment, with embedded defaults for ``make demo``:

LIANGZHI_DATA_DIR            the site's data directory (default: <repo>/var)
LIANGZHI_HUB_STATE_DIR       hub state: database, cookie secret, homes, logs (default: $DATA_DIR/hub)
LIANGZHI_HUB_SECRETS         JSON written by ``manage.py hub_setup`` (default: $STATE_DIR/secrets.json)
LIANGZHI_HUB_URL             public address of the hub (default http://localhost:8001: another host name than the site's, so no cookie is shared)
LIANGZHI_HUB_API_PORT        the hub's internal API port on loopback (default 8081)
LIANGZHI_HUB_PROXY_API_PORT  configurable-http-proxy's API port on loopback (default 8002)
LIANGZHI_SITE_URL            the site, our OAuth/OIDC provider (default http://127.0.0.1:8000)
LIANGZHI_HUB_IDLE_TIMEOUT    seconds before an idle server is culled (default 3600; 0 = never)
LIANGZHI_HUB_START_TIMEOUT   seconds a server may take to start (default 60)
LIANGZHI_HUB_EXTRA_PROFILES  JSON object merged into the spawner's profiles (tests use it)
LIANGZHI_HUB_WARM_KERNEL     1 (default): each server starts a preloaded quantum kernel at once
LIANGZHI_HUB_ISOLATION       auto (default: isolate when root + bubblewrap allow it) or off

Django-free: the hub is its own process and never imports the site.
"""

# ruff: noqa: F821 -- `c` is injected by traitlets' config loader
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sandbox.hub.constants import (  # noqa: E402
    CULLER_SCOPES,
    CULLER_SERVICE_NAME,
    OAUTH_CLIENT_ID,
    OAUTH_SCOPES,
    OAUTH_USERNAME_CLAIM,
    PROFILES,
    SITE_SCOPES,
    SITE_SERVICE_NAME,
)

env = os.environ.get
DATA_DIR = Path(env("LIANGZHI_DATA_DIR") or REPO / "var").resolve()
STATE_DIR = Path(env("LIANGZHI_HUB_STATE_DIR") or DATA_DIR / "hub").resolve()
SECRETS_FILE = Path(env("LIANGZHI_HUB_SECRETS") or STATE_DIR / "secrets.json")
HUB_URL = (env("LIANGZHI_HUB_URL") or "http://localhost:8001").rstrip("/")
SITE_URL = (env("LIANGZHI_SITE_URL") or "http://127.0.0.1:8000").rstrip("/")
API_PORT = int(env("LIANGZHI_HUB_API_PORT") or 8081)
PROXY_API_PORT = int(env("LIANGZHI_HUB_PROXY_API_PORT") or 8002)
IDLE_TIMEOUT = int(env("LIANGZHI_HUB_IDLE_TIMEOUT") or 3600)
START_TIMEOUT = int(env("LIANGZHI_HUB_START_TIMEOUT") or 60)

if not SECRETS_FILE.exists():
    sys.exit(f"{SECRETS_FILE} is missing: run `python manage.py hub_setup` first (make demo does).")
secrets = json.loads(SECRETS_FILE.read_text())
STATE_DIR.mkdir(parents=True, exist_ok=True)
os.environ["LIANGZHI_HUB_STATE_DIR"] = str(STATE_DIR)  # the spawner's defaults read it

c = get_config()  # type: ignore[name-defined]  # injected by the config loader

# --- the hub and its proxy: the public side on its own origin, internals on loopback ------
c.JupyterHub.bind_url = HUB_URL
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{API_PORT}"
c.JupyterHub.db_url = f"sqlite:///{STATE_DIR / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE_DIR / "cookie_secret")
c.JupyterHub.pid_file = str(STATE_DIR / "jupyterhub.pid")
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PROXY_API_PORT}"
c.ConfigurableHTTPProxy.pid_file = str(STATE_DIR / "proxy.pid")
_chp = REPO / "node_modules" / ".bin" / "configurable-http-proxy"
c.ConfigurableHTTPProxy.command = [str(_chp)] if _chp.exists() else ["configurable-http-proxy"]
c.ConfigurableHTTPProxy.auth_token = secrets["proxy_token"]
# Answer POST /users/{name}/server at once (202) and let the site follow the progress stream.
c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}
c.JupyterHub.cleanup_servers = True

# --- single sign-on: the site is the OAuth2/OIDC provider --------------------------------
c.JupyterHub.authenticator_class = "generic-oauth"
c.GenericOAuthenticator.client_id = OAUTH_CLIENT_ID
c.GenericOAuthenticator.client_secret = secrets["client_secret"]
c.GenericOAuthenticator.oauth_callback_url = f"{HUB_URL}/hub/oauth_callback"
c.GenericOAuthenticator.authorize_url = f"{SITE_URL}/oauth/authorize/"
c.GenericOAuthenticator.token_url = f"{SITE_URL}/oauth/token/"
c.GenericOAuthenticator.userdata_url = f"{SITE_URL}/oauth/userinfo/"
c.GenericOAuthenticator.scope = list(OAUTH_SCOPES)
c.GenericOAuthenticator.username_claim = OAUTH_USERNAME_CLAIM
c.GenericOAuthenticator.enable_pkce = True
c.GenericOAuthenticator.login_service = "Liangzhi Lab"
c.GenericOAuthenticator.allow_all = True  # whoever the site vouches for; the site decides
c.Authenticator.auto_login = True  # no "sign in with…" page: straight into the site's flow
c.Authenticator.enable_auth_state = False

# --- services: the site (least privilege, see constants.SITE_SCOPES) and the idle culler --
c.JupyterHub.services = [{"name": SITE_SERVICE_NAME, "api_token": secrets["service_token"]}]
c.JupyterHub.load_roles = [
    {"name": SITE_SERVICE_NAME, "scopes": list(SITE_SCOPES), "services": [SITE_SERVICE_NAME]},
]
if IDLE_TIMEOUT > 0:
    c.JupyterHub.services.append(
        {
            "name": CULLER_SERVICE_NAME,
            "command": [
                sys.executable,
                "-m",
                "jupyterhub_idle_culler",
                f"--timeout={IDLE_TIMEOUT}",
                f"--cull-every={max(10, min(300, IDLE_TIMEOUT // 2))}",
            ],
        }
    )
    c.JupyterHub.load_roles.append(
        {"name": CULLER_SERVICE_NAME, "scopes": list(CULLER_SCOPES), "services": [CULLER_SERVICE_NAME]}
    )

# --- the spawner ----------------------------------------------------------------------------
# Each lab runs in its own network namespace; the proxy reaches it through a relay the spawner
# keeps on 127.0.0.1:<port>, and it reaches only the hub API back (sandbox/hub/spawner.py).
c.JupyterHub.spawner_class = "sandbox.hub.spawner.LiangzhiSpawner"
c.Spawner.cmd = [str(Path(sys.prefix) / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
# the lab's "量智 Lab" menu leads back to the site (etc/jupyter/jupyter_server_config.py)
c.Spawner.environment = {"LIANGZHI_SITE_URL": SITE_URL}
c.Spawner.disable_user_config = True
c.Spawner.start_timeout = START_TIMEOUT
c.Spawner.http_timeout = 30
c.LiangzhiSpawner.home_root = str(STATE_DIR / "homes")
c.LiangzhiSpawner.log_dir = str(STATE_DIR / "logs")
c.LiangzhiSpawner.env_root = sys.prefix
# Only the site starts labs (its start queue and school quotas); LIANGZHI_HUB_SITE_STARTS_ONLY=0 lifts it.
if (env("LIANGZHI_HUB_SITE_STARTS_ONLY") or "1") == "1":
    c.LiangzhiSpawner.starts_only_from = SITE_SERVICE_NAME
    # after signing in to the hub, its home page (the server's state, a link to it when running),
    # not its spawn page: a start asked there would be refused
    c.JupyterHub.default_url = "/hub/home"
c.LiangzhiSpawner.site_url = SITE_URL
c.LiangzhiSpawner.warm_kernel = (env("LIANGZHI_HUB_WARM_KERNEL") or "1") == "1"
# The kernel helper library (liangzhi_checks) is on the venv's path through a .pth file.
c.LiangzhiSpawner.extra_ro_paths = {str(REPO / "grading" / "kernel_lib"): "kernel helpers"}
# Probe at start-up what this machine allows (root, bubblewrap, cgroups) and say so in the log.
from sandbox.hub.spawner import LiangzhiSpawner, probe_machine  # noqa: E402

LiangzhiSpawner.probe = probe_machine(STATE_DIR)
if (env("LIANGZHI_HUB_ISOLATION") or "auto") == "off":  # a developer's choice: no per-student users
    LiangzhiSpawner.probe = {**LiangzhiSpawner.probe, "isolated": False, "sandbox": False, "forced_off": True}
if LiangzhiSpawner.probe["isolated"]:
    print(f"[liangzhi] sandbox probe: {LiangzhiSpawner.probe}", file=sys.stderr)
elif LiangzhiSpawner.probe["sandbox"]:
    print(
        f"[liangzhi] WARNING sandbox probe: {LiangzhiSpawner.probe} -- DEGRADED: labs are jailed "
        f"(own user, no network) but not every limit is enforced: {LiangzhiSpawner.probe['reasons']}",
        file=sys.stderr,
    )
else:
    print(
        f"[liangzhi] WARNING sandbox probe: {LiangzhiSpawner.probe} -- single-user local mode: "
        "labs run as the hub's own user without isolation (run the hub as root with bubblewrap).",
        file=sys.stderr,
    )
_profiles = dict(PROFILES)
_profiles.update(json.loads(env("LIANGZHI_HUB_EXTRA_PROFILES") or "{}"))
c.LiangzhiSpawner.profiles = _profiles
