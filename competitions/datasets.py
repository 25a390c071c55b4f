"""Where hidden data lives and how secret seeds are derived.

Everything under ``COMPETITIONS_DATA_DIR/<competition>/<phase>/``:

* ``inputs/``  what the participant's code may see (copied into the sandbox job folder);
* ``hidden/``  labels, the public/private split and baseline predictions: read only by the
  trusted scorer, never copied anywhere, mode 0700/0600 so that a sandbox running as its own
  uid cannot read it even where the host filesystem is visible;
* ``public/``  files participants may download (e.g. a training set).

Seeds are an HMAC of ``COMPETITIONS_SEED_SECRET`` (by default derived from ``SECRET_KEY``) and the
dataset's name, so the hidden data can be regenerated bit for bit by the host and by nobody else.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from django.conf import settings


def data_root() -> Path:
    return Path(settings.COMPETITIONS_DATA_DIR)


def phase_dir(competition_slug: str, dataset: str) -> Path:
    return data_root() / competition_slug / dataset


def secret_seed(*parts: str) -> int:
    """A 63-bit seed from the site secret; stable across runs, unguessable without the secret."""
    key = (settings.COMPETITIONS_SEED_SECRET or f"competitions:{settings.SECRET_KEY}").encode()
    digest = hmac.new(key, "/".join(parts).encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def lock_down(path: Path) -> None:
    """Owner-only permissions on a hidden folder and everything in it."""
    for root, dirs, files in os.walk(path):
        os.chmod(root, 0o700)
        for name in dirs:
            os.chmod(Path(root) / name, 0o700)
        for name in files:
            os.chmod(Path(root) / name, 0o600)
