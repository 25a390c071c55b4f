"""Idle servers are culled (jupyterhub-idle-culler as a hub service with its own narrow role)."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import time

import pytest
import requests

from .conftest import REPO, VENV_BIN, free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_culler_stops_an_idle_server(tmp_path):  # type: ignore[no-untyped-def]
    from sandbox.client import HubClient
    from sandbox.hub.spawner import remove_unix_user

    tmp_path.chmod(0o755)
    token = secrets.token_hex(24)
    secrets_file = tmp_path / "secrets.json"
    secrets_file.write_text(
        json.dumps({"client_secret": "unused", "service_token": token, "proxy_token": secrets.token_hex(24)})
    )
    url = f"http://127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}:{REPO / 'node_modules' / '.bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "LIANGZHI_HUB_URL": url,
        "LIANGZHI_HUB_API_PORT": str(free_port()),
        "LIANGZHI_HUB_PROXY_API_PORT": str(free_port()),
        "LIANGZHI_HUB_STATE_DIR": str(tmp_path),
        "LIANGZHI_HUB_SECRETS": str(secrets_file),
        "LIANGZHI_HUB_IDLE_TIMEOUT": "12",  # culler checks every 10 s
    }
    with open(tmp_path / "hub.log", "wb") as log:
        proc = subprocess.Popen(
            [str(VENV_BIN / "jupyterhub"), "-f", str(REPO / "sandbox" / "hub" / "jupyterhub_config.py")],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    name = f"lzt{secrets.token_hex(3)}-idle"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/hub/api/", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "hub.log").read_text()[-3000:]
            time.sleep(0.2)
        client = HubClient(base_url=url, token=token, timeout=10)
        client.user_ensure(name)
        client.server_start(name, profile="cpu")
        client.server_wait_ready(name, timeout=90)
        assert client.server_status(name).state == "ready"
        deadline = time.monotonic() + 90
        while client.server_status(name).state != "stopped":
            assert time.monotonic() < deadline, "the idle server was not culled"
            time.sleep(1)
        log = (tmp_path / "hub.log").read_text(errors="replace")
        assert "idle-culler" in log and f"/users/{name}/server" in log
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=180)  # the hub stops its servers first: slow on a loaded machine
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        remove_unix_user(name)
