"""The site's OIDC signing key. Imports nothing from Django: settings.py calls it."""

from __future__ import annotations

import os
from pathlib import Path


def oidc_private_key(*, path: Path) -> str:
    """The PEM of the site's OIDC signing key; generated (RSA 2048, mode 0600) at first use.

    The key is never committed: it lives under the data directory (``var/``) and
    production passes it through ``OIDC_RSA_PRIVATE_KEY`` instead.
    """
    if path.exists():
        return path.read_text()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(pem)
    os.replace(tmp, path)  # two processes starting at once: the last one wins, both read one key after
    return path.read_text()
