"""Failures reach the student as plain words, the cause reaches the log, and nothing hangs."""

from __future__ import annotations

import json
import socket
import threading

import pytest

from .conftest import csrf_headers, free_port, site_login, stop_quietly

UNAVAILABLE = "The lab is unavailable right now"


@pytest.fixture
def hub_down(settings):  # type: ignore[no-untyped-def]
    """A hub address where nothing listens."""
    port = free_port()
    settings.HUB_URL = f"http://127.0.0.1:{port}"
    settings.HUB_API_URL = f"http://127.0.0.1:{port}/hub/api"
    settings.HUB_API_TOKEN = "not-used"
    settings.HUB_TIMEOUT_SECONDS = 1.0
    return settings


@pytest.fixture
def hub_hung(settings):  # type: ignore[no-untyped-def]
    """A hub that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = server.getsockname()[1]
    settings.HUB_URL = f"http://127.0.0.1:{port}"
    settings.HUB_API_URL = f"http://127.0.0.1:{port}/hub/api"
    settings.HUB_API_TOKEN = "not-used"
    settings.HUB_TIMEOUT_SECONDS = 1.0
    settings.HUB_PROGRESS_TIMEOUT_SECONDS = 2.0
    yield settings
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


@pytest.mark.parametrize("broken", ["hub_down", "hub_hung"])
def test_lab_hub_unreachable_pages_say_so(client, world, cast, broken, request, caplog):  # type: ignore[no-untyped-def]
    request.getfixturevalue(broken)
    client.force_login(cast.alice)
    panel = client.get("/lab/qc101/a/hw1/panel/")
    assert panel.status_code == 200
    assert UNAVAILABLE in panel.content.decode() and 'data-lab-state="unavailable"' in panel.content.decode()
    opened = client.post("/lab/qc101/a/hw1/open/")
    assert opened.status_code == 503 and UNAVAILABLE in opened.content.decode()
    stream = client.get("/lab/qc101/a/hw1/progress/")
    events = [
        json.loads(line[5:])
        for line in b"".join(stream.streaming_content).decode().splitlines()
        if line.startswith("data:")
    ]
    assert events[-1]["failed"] is True and UNAVAILABLE in events[-1]["message"]
    entered = client.post("/lab/qc101/a/hw1/enter/", HTTP_ACCEPT="application/json")
    assert entered.status_code == 503 and UNAVAILABLE in entered.json()["error"]
    submitted = client.post(
        "/lab/qc101/a/hw1/submit/", {"path": "courses/qc101/hw1/hw1.ipynb", "idempotency_key": "k1"}
    )
    assert submitted.status_code == 503 and "nothing was submitted" in submitted.content.decode()
    # the cause is in the log, for the operator
    assert any("hub" in r.getMessage() for r in caplog.records if r.levelname in ("WARNING", "ERROR"))
    # the rest of the site is unaffected
    assert client.get("/courses/qc101/a/hw1/").status_code == 200


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("profile", "expected", "cause"),
    [
        ("tiny", "Your lab could not start", "exited with"),  # OOM-killed at start-up (24 MiB)
        ("impatient", "took too long", "Timeout"),  # start_timeout 1 s
    ],
)
def test_lab_spawn_failure_is_readable(lab, hub_client, live_server, world, cast, settings, profile, expected, cause):  # type: ignore[no-untyped-def]
    if profile == "tiny":
        from sandbox.hub.spawner import probe_machine

        if probe_machine()["memory_limit"] == "rlimit":
            pytest.skip("needs a cgroup memory controller to make the start fail")
    settings.HUB_DEFAULT_PROFILE = profile
    alice = cast.alice
    alice.refresh_from_db()
    site = live_server.url
    s = site_login(site, "alice")
    try:
        page = s.post(f"{site}/lab/qc101/a/warmup/open/", headers=csrf_headers(s, site), timeout=30)
        assert page.status_code == 200
        with s.get(f"{site}/lab/qc101/a/warmup/progress/", stream=True, timeout=90) as r:
            events = [
                json.loads(line[5:]) for line in r.iter_lines(decode_unicode=True) if line and line.startswith("data:")
            ]
        last = events[-1]
        assert last["failed"] is True, events
        assert expected in last["message"], last
        assert "Traceback" not in last["message"] and "500" not in last["message"]
        assert cause in lab.log_text()  # the real cause is in the hub's log
        # and the student can try again: the panel still answers
        panel = s.get(f"{site}/lab/qc101/a/warmup/panel/", timeout=20)
        assert panel.status_code == 200 and "Open in JupyterLab" in panel.text
    finally:
        stop_quietly(hub_client, alice.hub_name)
