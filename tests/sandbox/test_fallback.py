"""Without isolation (no root, no bubblewrap, or LIANGZHI_HUB_ISOLATION=off) the hub still works,
in single-user local mode, and says so loudly."""

from __future__ import annotations

import json
import os
import pwd
import secrets
import signal
import subprocess
import time

import pytest
import requests

from .conftest import REPO, VENV_BIN, free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_fallback_single_user_mode_works_and_warns(tmp_path):  # type: ignore[no-untyped-def]
    from sandbox.client import HubClient

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
        "LIANGZHI_HUB_IDLE_TIMEOUT": "0",
        "LIANGZHI_HUB_WARM_KERNEL": "0",
        "LIANGZHI_HUB_ISOLATION": "off",
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
    name = f"lzt{secrets.token_hex(3)}-local"
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
        log_text = (tmp_path / "hub.log").read_text(errors="replace")
        assert "WARNING sandbox probe" in log_text and "single-user local mode" in log_text
        client = HubClient(base_url=url, token=token, timeout=10)
        client.user_ensure(name)
        client.server_start(name, profile="cpu")
        client.server_wait_ready(name, timeout=90)
        kernel = client.kernel_start(name)
        result = client.kernel_execute(
            name, kernel, "import os\nprint(os.getuid(), os.path.expanduser('~'))", timeout=300
        )
        assert result.status == "ok", result
        uid, home = result.stdout.split()
        assert int(uid) == os.geteuid()  # the hub's own user: no per-student account
        assert home == str(tmp_path / "homes" / name)
        assert not any(p.pw_name == name for p in pwd.getpwall())
        client.server_stop(name)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=180)  # the hub stops its servers first: slow on a loaded machine
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
