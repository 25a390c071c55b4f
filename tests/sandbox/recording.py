"""A recording HTTP server on loopback, and routes to it through the hub's real proxy.

What reaches the recorder is exactly what configurable-http-proxy forwards for that path:
the headers the site's client or the browser sent to the hub's public address.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import requests


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Recorder:
    url: str
    seen: list[Seen] = field(default_factory=list)


@contextmanager
def recording_server() -> Iterator[Recorder]:
    recorder = Recorder(url="")

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            recorder.seen.append(Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
            # shaped like a Jupyter Server: a missing file, a started kernel, a page
            if self.command == "POST" and self.path.rstrip("/").endswith("/api/kernels"):
                status, body = 201, {"id": "recorded-kernel", "name": "quantum"}
            elif "/api/" in self.path:
                status, body = 404, {"message": "No such file or directory"}
            else:
                status, body = 200, {"recorded": True}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        def log_message(self, format: str, *args: object) -> None:  # quiet
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def proxy_route(hub, prefix: str, target: str) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Route ``prefix`` on the hub's public address to ``target`` through the proxy's REST API."""
    assert hub.proxy_api_url and hub.proxy_token, "the hub fixture exposes the proxy API"
    url = f"{hub.proxy_api_url}/routes{quote(prefix)}"
    headers = {"Authorization": f"token {hub.proxy_token}"}
    r = requests.post(url, json={"target": target}, headers=headers, timeout=10)
    assert r.status_code == 201, r.text
    try:
        yield
    finally:
        requests.delete(url, headers=headers, timeout=10)
