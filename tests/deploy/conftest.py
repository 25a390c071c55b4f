"""Helpers for the deployment tests: deploy/env.example turned into a production environment."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = REPO / "deploy" / "env.example"
# Lines the admin must fill: "NAME=" followed by a "# SECRET: <how to generate>" comment above.
SECRET_MARK = re.compile(r"^#\s*SECRET\b")


def env_file_parse(text: str) -> dict[str, str]:
    """An env file the way compose's `env_file:` reads it: NAME=value, no quotes, no expansion."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep, f"not NAME=value: {line!r}"
        out[name.strip()] = value
    return out


def marked_secrets(text: str) -> list[str]:
    """The variables under a ``# SECRET:`` line: what an admin must generate before the first start."""
    names: list[str] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if SECRET_MARK.match(line):
            following = next(x for x in lines[i + 1 :] if not x.startswith("#"))
            names.append(following.split("=", 1)[0])
    return names


def generate_secret(name: str) -> str:
    """What the README tells the admin to run for each secret."""
    if name == "OIDC_RSA_PRIVATE_KEY":
        pem = subprocess.run(
            ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return pem.strip().replace("\n", "\\n")
    if name == "DJANGO_SECRET_KEY":
        return secrets.token_urlsafe(50)
    return secrets.token_hex(24)


def filled_env_example() -> dict[str, str]:
    """deploy/env.example with every marked secret generated and put wherever its placeholder stands
    (the passwords also sit in the site's URLs), as the README tells the admin to do."""
    text = ENV_EXAMPLE.read_text()
    values = env_file_parse(text)
    for name in marked_secrets(text):
        placeholder, fresh = values[name], generate_secret(name)
        assert placeholder.startswith("CHANGE-ME"), f"{name} must ship as a CHANGE-ME placeholder"
        values = {key: value.replace(placeholder, fresh) for key, value in values.items()}
    return values


def production_env(tmp_path: Path) -> dict[str, str]:
    """A production environment for a process on this machine: env.example filled in, SQLite, local paths."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "HUB_", "REDIS_", "CELERY_", "DATABASE_"))
    }
    env.update(filled_env_example())
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "REDIS_URL": "",
            "CELERY_BROKER_URL": f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}",
            "LIANGZHI_DATA_DIR": str(tmp_path / "data"),
            "STATIC_ROOT": str(tmp_path / "static"),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "PYTHONPATH": f"{REPO}:{REPO / 'platform'}",
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        }
    )
    return env
