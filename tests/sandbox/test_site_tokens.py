"""The site's hub-wide service token never reaches a student's server.

Every contents/kernels call into ``/user/<name>/`` carries a short-lived token owned by that
student and scoped to that one server; the service token goes to ``/hub/api`` only. Against a
real hub, real single-user servers and the real proxy.
"""

from __future__ import annotations

import contextlib
import secrets

import pytest
import requests

from .conftest import stop_quietly
from .recording import proxy_route, recording_server

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"token {token}"}


def test_calls_into_a_server_carry_only_that_servers_token(lab, settings):  # type: ignore[no-untyped-def]
    """Proved with the site's own code path (sandbox.services.hub_client) against a recorder that
    the proxy puts at /user/<name>/: what a student's server would receive."""
    from sandbox.client import user_token_scopes
    from sandbox.services import hub_client

    client = hub_client()
    name = f"lzt{secrets.token_hex(3)}-rec"
    client.user_ensure(name)
    try:
        with recording_server() as rec, proxy_route(lab, f"/user/{name}", rec.url):
            assert client.contents_get(name, "courses/x/x.ipynb") is None
            assert client.kernel_start(name) == "recorded-kernel"
        assert len(rec.seen) == 2, rec.seen
        tokens = set()
        for seen in rec.seen:
            assert seen.path.startswith(f"/user/{name}/api/")
            blob = "\n".join(f"{k}: {v}" for k, v in seen.headers.items())
            assert lab.token not in blob, "the service token reached the student's server"
            assert seen.headers["authorization"].startswith("token ")
            tokens.add(seen.headers["authorization"].removeprefix("token "))
        assert len(tokens) == 1  # one mint, reused for the burst
        token = tokens.pop()
        me = requests.get(f"{lab.api_url}/user", headers=_auth(token), timeout=10).json()
        assert me["kind"] == "user" and me["name"] == name
        assert user_token_scopes(name) == [f"access:servers!server={name}/"]
        assert f"access:servers!server={name}/" in me["scopes"]
        # besides its one server, only what the hub grants every token: reading its own identity
        extra = set(me["scopes"]) - {f"access:servers!server={name}/"}
        assert all(s.startswith("read:users:") and s.endswith(f"!user={name}") for s in extra), me["scopes"]
        # a token that is short-lived: the hub records its expiry
        listed = requests.get(f"{lab.api_url}/users/{name}/tokens", headers=_auth(lab.token), timeout=10)
        ours = [t for t in listed.json()["api_tokens"] if t["note"].startswith("liangzhi-site")]
        assert ours and all(t["expires_at"] for t in ours)
    finally:
        client.user_delete(name)


def test_a_server_token_opens_only_its_own_server(lab, hub_client):  # type: ignore[no-untyped-def]
    """With the token a student's server receives: her own server works, a classmate's does not,
    and the hub API grants nothing (no other server, no new token, no user list)."""
    a = f"lzt{secrets.token_hex(3)}-a"
    b = f"lzt{secrets.token_hex(3)}-b"
    try:
        for name in (a, b):
            hub_client.user_ensure(name)
            hub_client.server_start(name, profile="cpu")
        for name in (a, b):
            hub_client.server_wait_ready(name, timeout=180)
        # the site's own flow works with per-server tokens
        hub_client.contents_put_file(b, "secret.txt", b"bob's secret")
        assert hub_client.contents_read_bytes(b, "secret.txt") == b"bob's secret"
        kernel = hub_client.kernel_start(a)
        result = hub_client.kernel_execute(a, kernel, "print(6 * 7)", timeout=120)
        assert result.status == "ok" and result.stdout.strip() == "42", result

        stolen = hub_client.user_token(a)  # what a's server (and its kernel) could ever see
        base = lab.url
        own = requests.get(f"{base}/user/{a}/api/contents", headers=_auth(stolen), timeout=20)
        assert own.status_code == 200
        # another student's server: no kernel, no file
        r = requests.post(f"{base}/user/{b}/api/kernels", json={}, headers=_auth(stolen), timeout=20)
        assert r.status_code in (403, 404), r.status_code
        r = requests.get(f"{base}/user/{b}/api/contents/secret.txt", headers=_auth(stolen), timeout=20)
        assert r.status_code in (403, 404) and "bob's secret" not in r.text
        r = requests.put(
            f"{base}/user/{b}/api/contents/planted.txt",
            json={"type": "file", "format": "text", "content": "x"},
            headers=_auth(stolen),
            timeout=20,
        )
        assert r.status_code in (403, 404)
        assert hub_client.contents_get(b, "planted.txt") is None
        # the hub API: nothing beyond its own identity
        api = lab.api_url
        assert requests.get(f"{api}/users", headers=_auth(stolen), timeout=10).status_code == 403
        for url, body in (
            (f"{api}/users/{b}/tokens", {"scopes": [f"access:servers!user={b}"]}),
            (f"{api}/users/{a}/tokens", {"scopes": ["inherit"]}),
            (f"{api}/users/{b}/server", {}),
        ):
            r = requests.post(url, json=body, headers=_auth(stolen), timeout=10)
            assert r.status_code in (403, 404), (url, r.status_code, r.text[:200])
        assert requests.delete(f"{api}/users/{b}/server", headers=_auth(stolen), timeout=10).status_code in (403, 404)

        # the service token itself opens no server (the site never needs it to)
        r = requests.get(f"{base}/user/{a}/api/contents", headers=_auth(lab.token), timeout=20)
        assert r.status_code in (403, 404)
    finally:
        stop_quietly(hub_client, a, b)
        for name in (a, b):
            with contextlib.suppress(Exception):  # teardown goes on
                hub_client.user_delete(name)


def test_the_client_refuses_to_send_the_service_token_elsewhere(lab):  # type: ignore[no-untyped-def]
    from sandbox.client import HubClient

    client = HubClient(base_url=lab.url, token=lab.token)
    with pytest.raises(ValueError, match="hub API only"):
        client._request("GET", f"{lab.url}/user/someone/api/contents")
    with pytest.raises(ValueError, match="server only"):
        client._request("GET", f"{lab.url}/user/other/api/contents", as_user="someone")
