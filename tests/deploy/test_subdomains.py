"""Per-user subdomains: with the hub's ``subdomain_host`` set, the site opens a lab, writes the
student's notebook and submits it from the lab, calling each student's server at its own host.

A real JupyterHub (the local hub's configuration, tests/sandbox/conftest.py's pattern) runs with
``JupyterHub.subdomain_host=http://lab.localhost:<port>``: its proxy routes by host, and each
student's server answers at ``http://<name>.lab.localhost:<port>/user/<name>/``. Python's resolver
does not resolve ``*.localhost`` (browsers do), so for this test only, names under ``lab.localhost``
resolve to 127.0.0.1 (socket.getaddrinfo, in this process: the site's live server threads and the
client's websocket use it too). Nothing else is faked.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.sandbox.conftest import (
    REPO,
    VENV_BIN,
    Hub,
    _lab_unix_users,
    csrf_headers,
    free_port,
    graded_hw,  # noqa: F401 -- the fixture, reused
    site_login,
    stop_quietly,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
DOMAIN = "lab.localhost"


@pytest.fixture
def lab_names(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """``lab.localhost`` and every name under it resolve to loopback, in this process only."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, bytes):
            host = host.decode()
        if isinstance(host, str) and (host == DOMAIN or host.endswith("." + DOMAIN)):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def subdomain_hub(live_server, tmp_path_factory, lab_names) -> Iterator[tuple[Hub, str]]:  # type: ignore[no-untyped-def]
    if not (REPO / "node_modules" / ".bin" / "configurable-http-proxy").exists():
        pytest.fail("configurable-http-proxy is not installed (npm ci)")
    users_before = _lab_unix_users()
    state = tmp_path_factory.mktemp("subdomain-hub")
    state.chmod(0o755)
    secrets_file = state / "secrets.json"
    data = {k: secrets.token_hex(24) for k in ("client_secret", "service_token", "proxy_token")}
    secrets_file.write_text(json.dumps(data))
    secrets_file.chmod(0o600)
    port = free_port()
    public = f"http://{DOMAIN}:{port}"
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}:{REPO / 'node_modules' / '.bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "LIANGZHI_HUB_URL": public,
        "LIANGZHI_HUB_API_PORT": str(free_port()),
        "LIANGZHI_HUB_PROXY_API_PORT": str(free_port()),
        "LIANGZHI_SITE_URL": live_server.url,
        "LIANGZHI_HUB_STATE_DIR": str(state),
        "LIANGZHI_HUB_SECRETS": str(secrets_file),
        "LIANGZHI_HUB_IDLE_TIMEOUT": "0",
        "LIANGZHI_HUB_START_TIMEOUT": "120",
    }
    log_path = state / "hub.log"
    command = [
        str(VENV_BIN / "jupyterhub"),
        "-f",
        str(REPO / "sandbox" / "hub" / "jupyterhub_config.py"),
        f"--JupyterHub.subdomain_host={public}",
        # the proxy listens on loopback (node cannot resolve *.localhost either); the public name stays
        f"--JupyterHub.bind_url=http://127.0.0.1:{port}",
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            command, cwd=state, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    hub = Hub(
        public, f"http://127.0.0.1:{port}/hub/api", data["service_token"], data["client_secret"], state, log_path, proc
    )
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            pytest.fail(f"JupyterHub exited with {proc.returncode}:\n{hub.log_text()[-4000:]}")
        try:
            if requests.get(f"{hub.api_url}/", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"JupyterHub did not answer within 90 s:\n{hub.log_text()[-4000:]}")
        time.sleep(0.3)
    yield hub, public
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    from sandbox.hub.spawner import remove_unix_user

    for name in _lab_unix_users() - users_before:
        remove_unix_user(name)


@pytest.mark.usefixtures("graded_hw")  # the assignment hw1 with an nbgrader notebook
def test_open_edit_submit_with_per_user_subdomains(subdomain_hub, settings, live_server, world, cast) -> None:  # type: ignore[no-untyped-def]
    from accounts.oauth import hub_application_ensure
    from grading.models import Submission
    from sandbox import services

    hub, public = subdomain_hub
    settings.HUB_URL = public
    settings.HUB_API_URL = hub.api_url
    settings.HUB_API_TOKEN = hub.token
    settings.HUB_SUBDOMAIN_HOST = public
    settings.HUB_TIMEOUT_SECONDS = 15.0
    settings.HUB_PROGRESS_TIMEOUT_SECONDS = 120.0
    hub_application_ensure(redirect_uri=f"{public}/hub/oauth_callback", client_secret=hub.client_secret)
    alice = cast.alice
    alice.refresh_from_db()
    name = alice.hub_name
    site = live_server.url
    client = services.hub_client()
    s = site_login(site, "alice")
    try:
        # Open: start, follow the progress stream to the end.
        opened = s.post(f"{site}/lab/qc101/a/hw1/open/", headers=csrf_headers(s, site), timeout=60)
        assert opened.status_code == 200, opened.text[:500]
        with s.get(f"{site}/lab/qc101/a/hw1/progress/", stream=True, timeout=180) as r:
            events = [json.loads(line[5:]) for line in r.iter_lines(decode_unicode=True) if line.startswith("data:")]
        assert events[-1].get("ready") is True, (events, hub.log_text()[-3000:])

        # The hub reports the server at the student's own host.
        server_url = client.user_get(name)["servers"][""]["url"]
        own_host = f"http://{name}.{DOMAIN}:{public.rsplit(':', 1)[1]}"
        assert server_url == f"{own_host}/user/{name}/"

        # Enter: the notebook is written (PUT) at the student's host, and the lab link points there.
        entered = s.post(
            f"{site}/lab/qc101/a/hw1/enter/",
            headers={**csrf_headers(s, site), "Accept": "application/json"},
            timeout=90,
        )
        assert entered.status_code == 200, entered.text[:500]
        path = "courses/qc101/hw1/hw1.ipynb"
        assert entered.json()["url"] == f"{own_host}/user/{name}/lab/tree/{path}"
        assert entered.json()["placed"] == [{"path": path, "written": True, "backup": None}]

        # Through the hub's public host the same call is a redirect to the student's host: the
        # site never relies on it (requests would drop the token and turn a PUT into a GET).
        token = client.user_token(name)
        bounced = requests.get(
            f"http://127.0.0.1:{public.rsplit(':', 1)[1]}/user/{name}/api/contents/{path}",
            headers={"Authorization": f"token {token}", "Host": f"{DOMAIN}:{public.rsplit(':', 1)[1]}"},
            allow_redirects=False,
            timeout=30,
        )
        assert bounced.status_code in (301, 302, 303, 307, 308) and name in bounced.headers.get("Location", "")

        # Edit, as the student would, in the server at its own host; and run a cell over the websocket.
        model = client.contents_get(name, path, content=True)
        assert model is not None and model["type"] == "notebook"
        edited = json.loads(json.dumps(model["content"]))
        edited["cells"].append(
            {"cell_type": "code", "source": "answer = 42", "metadata": {}, "outputs": [], "execution_count": None}
        )
        client.contents_put_notebook(name, path, json.dumps(edited).encode())
        kernel = client.kernel_start(name)
        ran = client.kernel_execute(name, kernel, "print(6 * 7)", timeout=120)
        assert ran.status == "ok" and ran.stdout.strip() == "42", ran

        # Submit from the lab: the site pulls the notebook from the student's host.
        sent = client.contents_read_bytes(name, path)
        assert b"answer = 42" in sent
        receipt = s.post(
            f"{site}/lab/qc101/a/hw1/submit/",
            data={"path": path, "idempotency_key": "subdomain-1"},
            headers={**csrf_headers(s, site), "HX-Request": "true"},
            timeout=90,
        )
        assert receipt.status_code == 200, receipt.text[:500]
        digest = hashlib.sha256(sent).hexdigest()
        assert 'data-receipt="ok"' in receipt.text and digest in receipt.text
        sub = Submission.objects.get(user=alice, activity=world.assignment)
        assert sub.blob == digest and sub.source == "lab"
    finally:
        stop_quietly(client, name)
