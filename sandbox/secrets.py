"""The shared secrets between the site and the hub (one 0600 JSON file, never committed)."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

KEYS = ("client_secret", "service_token", "proxy_token")


def hub_secrets_ensure(*, path: Path) -> dict[str, str]:
    """Read the secrets file, creating it (or the keys it lacks) with fresh random values."""
    data: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    if all(data.get(k) for k in KEYS):
        return data
    for key in KEYS:
        data.setdefault(key, secrets.token_hex(32))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
    os.replace(tmp, path)
    return data


def hub_secrets_read(*, path: Path) -> dict[str, str]:
    """The secrets if ``hub_setup`` has run, else an empty dict."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
