"""The whole practice loop against a real hub: SSO → open → notebook → quantum kernel → submit → stop."""

from __future__ import annotations

import hashlib
import json
import re
import threading

import pytest
import requests

from .conftest import csrf_headers, site_login, stop_quietly

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _sse_events(session: requests.Session, url: str) -> list[dict]:
    events = []
    with session.get(url, stream=True, timeout=120) as r:
        assert r.headers["Content-Type"].startswith("text/event-stream")
        for line in r.iter_lines(decode_unicode=True):
            if line and line.startswith("data:"):
                events.append(json.loads(line[5:]))
    return events


def test_lab_open_sso_kernel_submit_stop(lab, hub_client, live_server, world, graded_hw, cast):  # type: ignore[no-untyped-def]
    from grading.models import Submission

    alice = cast.alice
    alice.refresh_from_db()
    name = alice.hub_name
    site = live_server.url
    s = site_login(site, "alice")
    try:
        # The activity page's panel offers the lab.
        panel = s.get(f"{site}/lab/qc101/a/hw1/panel/", timeout=20)
        assert panel.status_code == 200 and "Open in JupyterLab" in panel.text
        assert 'data-lab-state="stopped"' in panel.text

        # Open: the server starts; the page carries the progress stream and the enter action.
        page = s.post(f"{site}/lab/qc101/a/hw1/open/", headers=csrf_headers(s, site), timeout=30)
        assert page.status_code == 200, page.text[:500]
        assert "data-lab-progress" in page.text
        events = _sse_events(s, f"{site}/lab/qc101/a/hw1/progress/")
        assert events[-1]["ready"] is True, events
        assert any(0 < e["progress"] < 100 for e in events), events  # real intermediate progress
        assert [e["progress"] for e in events] == sorted(e["progress"] for e in events)

        # Enter: the student notebook is written through the contents API; the answer is the lab URL.
        entered = s.post(
            f"{site}/lab/qc101/a/hw1/enter/",
            headers={**csrf_headers(s, site), "Accept": "application/json"},
            timeout=60,
        ).json()
        path = "courses/qc101/hw1/hw1.ipynb"
        assert entered["url"] == f"{lab.url}/user/{name}/lab/tree/{path}"
        assert entered["placed"] == [{"path": path, "written": True, "backup": None}]
        # the server's warm kernel (imports preloaded) is bound to the notebook the student lands on
        sessions = hub_client.sessions_list(name)
        assert [s["path"] for s in sessions] == [path] and sessions[0]["kernel"]["name"] == "quantum"
        warm = hub_client.kernel_execute(
            name,
            sessions[0]["kernel"]["id"],
            "import sys\nprint('torch' in sys.modules, 'torch' in dir())",
            timeout=120,
        )
        assert warm.status == "ok" and warm.stdout.split() == ["True", "False"], (
            warm
        )  # preloaded, not in the notebook's names

        # Single sign-on: following the lab URL goes hub → site OAuth → hub → JupyterLab, no second login.
        lab_page = s.get(entered["url"], timeout=60)
        assert lab_page.status_code == 200, (lab_page.url, lab_page.text[:300])
        assert lab_page.url.startswith(f"{lab.url}/user/{name}/lab")
        assert "jupyter-config-data" in lab_page.text
        assert any("/oauth/authorize/" in h.url for h in lab_page.history), [h.url for h in lab_page.history]
        assert not any("/accounts/login/" in h.url for h in lab_page.history)  # no second login
        who = s.get(f"{lab.url}/hub/api/user", headers={"Referer": lab.url}, timeout=10)
        assert who.status_code in (200, 403)

        # The student edits the notebook; re-opening never overwrites it.
        model = hub_client.contents_get(name, path, content=True)
        assert model is not None and model["type"] == "notebook"
        edited = json.loads(json.dumps(model["content"]))
        edited["cells"].append(
            {"cell_type": "code", "source": "answer = 42", "metadata": {}, "outputs": [], "execution_count": None}
        )
        hub_client.contents_put_notebook(name, path, json.dumps(edited).encode())
        again = s.post(
            f"{site}/lab/qc101/a/hw1/enter/",
            headers={**csrf_headers(s, site), "Accept": "application/json"},
            timeout=60,
        ).json()
        assert again["placed"] == [{"path": path, "written": False, "backup": None}]
        assert "answer = 42" in hub_client.contents_read_bytes(name, path).decode()

        # The quantum kernel is the default, and the simulator imports in it.
        specs = requests.get(
            f"{lab.url}/user/{name}/api/kernelspecs",
            headers={"Authorization": f"token {hub_client.user_token(name)}"},
            timeout=10,
        ).json()
        assert specs["default"] == "quantum"
        assert (
            specs["kernelspecs"]["quantum"]["spec"]["display_name"] == "Python 3 (Quantum: Qiskit Aer · PyTorch · Stim)"
        )
        kernel = hub_client.kernel_start(name)
        result = hub_client.kernel_execute(
            name,
            kernel,
            "from qiskit_aer import AerSimulator\nimport os\nprint('sim', AerSimulator().name, os.getuid(), os.getcwd())",
            timeout=120,
        )
        assert result.status == "ok", result
        assert "sim aer_simulator" in result.stdout
        if lab.log_text().count("Sandbox probe") and "'isolated': True" in lab.log_text():
            uid = int(result.stdout.split()[2])
            assert uid != 0  # the student's own Unix user, not root
            assert result.stdout.split()[3] == f"/home/{name}"

        # nbgrader's instructor panels are off in student servers.
        assert (
            requests.get(
                f"{lab.url}/user/{name}/formgrader",
                headers={"Authorization": f"token {hub_client.user_token(name)}"},
                timeout=10,
            ).status_code
            == 404
        )

        # Students keep nbgrader's Validate (loaded just after start-up by liangzhi_student).
        validated = requests.post(
            f"{lab.url}/user/{name}/assignments/validate",
            data={"path": path},
            headers={"Authorization": f"token {hub_client.user_token(name)}"},
            timeout=120,
        )
        assert validated.status_code == 200, validated.text[:300]
        assert "success" in validated.json()

        # Submit from the lab: the receipt shows the server's time and the content hash.
        sent = hub_client.contents_read_bytes(name, path)
        key = "test-key-1"
        receipt = s.post(
            f"{site}/lab/qc101/a/hw1/submit/",
            data={"path": path, "idempotency_key": key},
            headers={**csrf_headers(s, site), "HX-Request": "true"},
            timeout=60,
        )
        assert receipt.status_code == 200, receipt.text
        digest = hashlib.sha256(sent).hexdigest()
        assert 'data-receipt="ok"' in receipt.text and digest in receipt.text
        sub = Submission.objects.get(user=alice, activity=world.assignment)
        assert sub.blob == digest and sub.source == "lab" and sub.size == len(sent)
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", receipt.text)
        # A double click (same key) is the same submission.
        s.post(
            f"{site}/lab/qc101/a/hw1/submit/",
            data={"path": path, "idempotency_key": key},
            headers=csrf_headers(s, site),
            timeout=60,
        )
        assert Submission.objects.filter(user=alice, activity=world.assignment).count() == 1

        # Reset to a fresh copy keeps the old one, renamed.
        reset = s.post(
            f"{site}/lab/qc101/a/hw1/enter/",
            data={"reset": "1"},
            headers={**csrf_headers(s, site), "Accept": "application/json"},
            timeout=60,
        ).json()
        backup = reset["placed"][0]["backup"]
        assert reset["placed"][0]["written"] is True and backup.startswith("courses/qc101/hw1/hw1.backup-")
        assert "answer = 42" in hub_client.contents_read_bytes(name, backup).decode()
        assert "answer = 42" not in hub_client.contents_read_bytes(name, path).decode()

        # Stop.
        hub_client.server_stop(name)
        assert hub_client.server_status(name).state == "stopped"
        panel = s.get(f"{site}/lab/qc101/a/hw1/panel/", timeout=20)
        assert 'data-lab-state="stopped"' in panel.text
    finally:
        stop_quietly(hub_client, name)


def test_lab_two_clicks_start_one_server(lab, hub_client, live_server, world, cast):  # type: ignore[no-untyped-def]
    bob = cast.bob
    bob.refresh_from_db()
    site = live_server.url
    s = site_login(site, "bob")
    answers: list[int] = []

    def click() -> None:
        answers.append(
            s.post(f"{site}/lab/qc101/a/warmup/open/", headers=csrf_headers(s, site), timeout=30).status_code
        )

    try:
        threads = [threading.Thread(target=click) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert answers == [200, 200]
        hub_client.server_wait_ready(bob.hub_name, timeout=90)
        user = hub_client.user_get(bob.hub_name)
        assert user is not None and list(user["servers"]) == [""]
        spawned = lab.log_text().count(f"Spawning {bob.hub_name} ")
        assert spawned == 1, spawned
    finally:
        stop_quietly(hub_client, bob.hub_name)


def test_lab_deactivated_user_loses_access(lab, hub_client, live_server, world, cast):  # type: ignore[no-untyped-def]
    from oauth2_provider.models import AccessToken

    charlie = cast.charlie
    charlie.refresh_from_db()
    site = live_server.url
    s = site_login(site, "charlie")
    hub_client.user_ensure(charlie.hub_name)
    # Sign into the hub through the site (SSO), which issues an OAuth token.
    r = s.get(f"{lab.url}/hub/login", timeout=30)
    assert r.status_code == 200 and r.url.startswith(f"{lab.url}/hub/"), r.url
    assert AccessToken.objects.filter(user=charlie).exists()
    charlie.is_active = False
    charlie.save()
    assert hub_client.user_get(charlie.hub_name) is None  # removed from the hub: its sessions end
    assert not AccessToken.objects.filter(user=charlie).exists()
    # And a new sign-in is refused by the site.
    r = s.get(f"{lab.url}/hub/login", timeout=30)
    assert "/accounts/login/" in r.url
