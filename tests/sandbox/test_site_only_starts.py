"""Only the site starts labs: a student's own hub request would skip the start queue and quotas.

Against a real hub: a token the hub itself would give a student (``servers!user=<name>``, what
/hub/spawn acts with) asks for a server; the hub accepts the request, the spawner refuses it with
words that send the student to the site, and no server runs. The site's own start still works.
"""

from __future__ import annotations

import contextlib
import secrets
import time

import pytest
import requests

from .conftest import stop_quietly

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"token {token}"}


def _server_state(api: str, token: str, name: str) -> dict:  # type: ignore[type-arg]
    model = requests.get(f"{api}/users/{name}", headers=_auth(token), timeout=20).json()
    return model.get("servers", {}).get("", {})


def test_a_students_own_start_request_is_refused_and_the_sites_works(lab, hub_client):  # type: ignore[no-untyped-def]
    name = f"lzt{secrets.token_hex(3)}-own"
    hub_client.user_ensure(name)
    try:
        minted = requests.post(
            f"{lab.api_url}/users/{name}/tokens",
            json={"scopes": [f"servers!user={name}", f"read:users!user={name}"], "note": "as-the-student"},
            headers=_auth(lab.token),
            timeout=20,
        )
        assert minted.status_code in (200, 201), minted.text
        own = minted.json()["token"]
        r = requests.post(f"{lab.api_url}/users/{name}/server", json={}, headers=_auth(own), timeout=30)
        # the hub accepts (its permission check passes: the student may start their own server) ...
        assert r.status_code in (201, 202), (r.status_code, r.text[:300])
        # ... and the spawner refuses: the pending spawn ends, nothing is ready
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            state = _server_state(lab.api_url, lab.token, name)
            if not state or not state.get("pending"):
                break
            time.sleep(0.3)
        state = _server_state(lab.api_url, lab.token, name)
        assert not state.get("ready"), state
        assert "Labs are opened from the course site" in lab.log_text()

        # the site's start (its service token) goes through
        hub_client.server_start(name, profile="cpu")
        hub_client.server_wait_ready(name, timeout=180)
        assert _server_state(lab.api_url, lab.token, name).get("ready") is True
    finally:
        stop_quietly(hub_client, name)
        with contextlib.suppress(Exception):  # teardown goes on
            hub_client.user_delete(name)
