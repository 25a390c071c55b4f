"""A real JupyterHub + configurable-http-proxy on loopback (free ports, state in a temp dir),
signing users in through the Django live server as its OAuth/OIDC provider.

The hub is started once per test session that needs it. Unix users the tests create are
removed at the end (only those that did not exist before the session).
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.prefix) / "bin"
TEST_PROFILES = {
    # A server that cannot even import itself in 24 MiB: a real spawn failure.
    "tiny": {
        "display_name": "test: too small",
        "mem_limit": 24 * 1024**2,
        "cpu_limit": 1.0,
        "pids_limit": 64,
        "gpu": False,
    },
    # A start timeout shorter than any real start: a real slow spawn.
    "impatient": {
        "display_name": "test: 1 s",
        "mem_limit": 2 * 1024**3,
        "cpu_limit": 1.0,
        "pids_limit": 256,
        "gpu": False,
        "start_timeout": 1,
    },
    # A lab whose profile allows the internet (through the spawner's CONNECT proxy only).
    "net": {
        "display_name": "test: internet",
        "mem_limit": 2 * 1024**3,
        "cpu_limit": 1.0,
        "pids_limit": 256,
        "gpu": False,
        "internet": True,
    },
    # Small enough that a memory bomb trips it fast, big enough for the quantum stack.
    "small": {
        "display_name": "test: 700 MiB",
        "mem_limit": 700 * 1024**2,
        "cpu_limit": 1.0,
        "pids_limit": 128,
        "gpu": False,
    },
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _lab_unix_users() -> set[str]:
    return {p.pw_name for p in pwd.getpwall() if p.pw_gecos.startswith("Liangzhi Lab student")}


@dataclass
class Hub:
    url: str
    api_url: str
    token: str
    client_secret: str
    state_dir: Path
    log_path: Path
    proc: subprocess.Popen[bytes]
    proxy_api_url: str = ""
    proxy_token: str = ""

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace").replace("\0", "")


@pytest.fixture(scope="session")
def hub(live_server, tmp_path_factory) -> Iterator[Hub]:  # type: ignore[no-untyped-def]
    """A running hub whose OAuth provider is the live server."""
    if not (REPO / "node_modules" / ".bin" / "configurable-http-proxy").exists():
        pytest.skip("configurable-http-proxy is not installed (npm ci)")
    users_before = _lab_unix_users()
    state = tmp_path_factory.mktemp("hub")
    state.chmod(0o755)
    secrets_file = state / "secrets.json"
    data = {k: secrets.token_hex(24) for k in ("client_secret", "service_token", "proxy_token")}
    secrets_file.write_text(json.dumps(data))
    secrets_file.chmod(0o600)
    port = free_port()
    # The hub under another host name than the site (live server on 127.0.0.1): cookies are per
    # host, so the site's session cookie never travels to the hub or a lab (as in `make demo`).
    url = f"http://localhost:{port}"
    assert "127.0.0.1" in live_server.url, "the site must run on 127.0.0.1 (pyproject: --liveserver)"
    proxy_api_port = free_port()
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}:{REPO / 'node_modules' / '.bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "LIANGZHI_HUB_URL": url,
        "LIANGZHI_HUB_API_PORT": str(free_port()),
        "LIANGZHI_HUB_PROXY_API_PORT": str(proxy_api_port),
        "LIANGZHI_SITE_URL": live_server.url,
        "LIANGZHI_HUB_STATE_DIR": str(state),
        "LIANGZHI_HUB_SECRETS": str(secrets_file),
        "LIANGZHI_HUB_IDLE_TIMEOUT": "0",
        "LIANGZHI_HUB_START_TIMEOUT": "60",
        "LIANGZHI_HUB_EXTRA_PROFILES": json.dumps(TEST_PROFILES),
    }
    log_path = state / "hub.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(VENV_BIN / "jupyterhub"), "-f", str(REPO / "sandbox" / "hub" / "jupyterhub_config.py")],
            cwd=state,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    hub = Hub(
        url,
        f"{url}/hub/api",
        data["service_token"],
        data["client_secret"],
        state,
        log_path,
        proc,
        proxy_api_url=f"http://127.0.0.1:{proxy_api_port}/api",
        proxy_token=data["proxy_token"],
    )
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            pytest.fail(f"JupyterHub exited with {proc.returncode}:\n{hub.log_text()[-4000:]}")
        try:
            if requests.get(f"{hub.api_url}/", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"JupyterHub did not answer within 60 s:\n{hub.log_text()[-4000:]}")
        time.sleep(0.2)
    yield hub
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    from sandbox.hub.spawner import remove_unix_user

    for name in _lab_unix_users() - users_before:
        remove_unix_user(name)
    shutil.rmtree(state / "homes", ignore_errors=True)


@pytest.fixture
def lab(hub, settings, transactional_db):  # type: ignore[no-untyped-def]
    """The site wired to the test hub: settings, and the hub registered as OAuth client."""
    from accounts.oauth import hub_application_ensure

    settings.HUB_URL = hub.url
    settings.HUB_API_URL = hub.api_url
    settings.HUB_API_TOKEN = hub.token
    settings.HUB_TIMEOUT_SECONDS = 10.0
    settings.HUB_PROGRESS_TIMEOUT_SECONDS = 90.0
    hub_application_ensure(redirect_uri=f"{hub.url}/hub/oauth_callback", client_secret=hub.client_secret)
    return hub


@pytest.fixture
def hub_client(lab):  # type: ignore[no-untyped-def]
    from sandbox.client import HubClient

    return HubClient(base_url=lab.url, token=lab.token, timeout=10)


def stop_quietly(client, *names: str) -> None:  # type: ignore[no-untyped-def]
    for name in names:
        with contextlib.suppress(Exception):  # teardown must go on
            client.server_stop(name)


def site_login(base_url: str, username: str, password: str = "pw-for-tests") -> requests.Session:  # noqa: S107
    """A requests session logged into the site through its real login form."""
    s = requests.Session()
    s.get(f"{base_url}/accounts/login/", timeout=10)
    r = s.post(
        f"{base_url}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": s.cookies["csrftoken"]},
        headers={"Referer": f"{base_url}/accounts/login/"},
        timeout=10,
    )
    assert r.url.rstrip("/") == base_url, f"login failed for {username}: {r.url}"
    return s


def csrf_headers(session: requests.Session, base_url: str) -> dict[str, str]:
    return {"X-CSRFToken": session.cookies.get("csrftoken") or "", "Referer": f"{base_url}/"}


GRADED_NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "id": "intro", "metadata": {}, "source": "Prepare a Bell pair."},
        {
            "cell_type": "code",
            "id": "bell",
            "execution_count": None,
            "outputs": [],
            "metadata": {
                "nbgrader": {
                    "grade": True,
                    "grade_id": "bell",
                    "locked": False,
                    "points": 2,
                    "schema_version": 3,
                    "solution": True,
                    "task": False,
                }
            },
            "source": "# YOUR CODE HERE\nraise NotImplementedError()",
        },
    ],
    "metadata": {
        "kernelspec": {
            "name": "quantum",
            "display_name": "Python 3 (Quantum: Qiskit Aer · PyTorch · Stim)",
            "language": "python",
        }
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


@pytest.fixture
def graded_hw(world):  # type: ignore[no-untyped-def]
    """world.assignment (hw1) with an nbgrader student notebook and the facts grading matches on."""
    from courses.enums import FileKind
    from tests.factories import add_version

    version = add_version(
        world.assignment, files={"hw1.ipynb": (FileKind.NOTEBOOK, json.dumps(GRADED_NOTEBOOK).encode())}
    )
    version.facts = {
        "notebooks": [
            {"notebook": "hw1", "cells": [{"grade_id": "bell", "points": 2, "kind": "autograded"}], "max_points": 2}
        ],
        "max_points": 2,
    }
    version.save(update_fields=["facts"])
    return world.assignment
