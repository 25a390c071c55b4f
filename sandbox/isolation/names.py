"""Per-installation names: Unix accounts and cgroups carry a prefix no other installation shares.

Two installations on one host (a demo and a test run, two schools), or one installation
whose data directory was reset, must never hand a student the uid or the cgroup of someone
else. The prefix comes from ``LIANGZHI_INSTALL_ID`` when set; otherwise from a random id
written once into the installation's state directory (so a fresh data directory is a new
installation), and only where that directory is not writable from a hash of its path.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from pathlib import Path

INSTALL_ENV = "LIANGZHI_INSTALL_ID"
ID_FILE = "install-id"
MAX_UNIX_NAME = 32  # useradd's limit on Linux
_SAFE = re.compile(r"[^a-z0-9]")


def default_state_dir() -> Path:
    """The data directory the way the site and the hub find it (env, else <repo>/var)."""
    data = os.environ.get("LIANGZHI_DATA_DIR")
    return Path(data) if data else Path(__file__).resolve().parents[2] / "var"


def install_id(state_dir: Path | str | None = None) -> str:
    """A short lowercase id for this installation: stable while its state directory lives."""
    configured = os.environ.get(INSTALL_ENV, "").strip().lower()
    if configured:
        cleaned = _SAFE.sub("", configured)[:8]
        if not cleaned:
            raise ValueError(f"{INSTALL_ENV}={configured!r} holds no letter or digit")
        return cleaned
    folder = Path(state_dir) if state_dir is not None else default_state_dir()
    path = folder / ID_FILE
    with contextlib.suppress(OSError, UnicodeDecodeError):
        found = _SAFE.sub("", path.read_text().strip().lower())[:8]
        if found:
            return found
    new = secrets.token_hex(3)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting at once agree on whichever wrote first.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "w") as handle:
            handle.write(new + "\n")
        return new
    except FileExistsError:
        return _SAFE.sub("", path.read_text().strip().lower())[:8] or new
    except OSError:
        return hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:6]


def _fit(prefix: str, name: str, limit: int) -> str:
    full = prefix + name
    if len(full) <= limit:
        return full
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{prefix}{name[: limit - len(prefix) - 9]}-{digest}"


def unix_name(user: str, iid: str) -> str:
    """The Unix account of hub user ``user`` in installation ``iid`` (<= 32 chars, hash-suffixed if long)."""
    return _fit(f"lz{iid}-", user, MAX_UNIX_NAME)


def cgroup_parent(iid: str) -> str:
    """The folder under each cgroup controller that holds this installation's groups."""
    return f"liangzhi-{iid}"


def cgroup_leaf(kind: str, name: str) -> str:
    """One group's name: ``lab-<user>`` or ``job-<id>`` (cgroup names allow 255 bytes)."""
    return _fit(f"{kind}-", re.sub(r"[^A-Za-z0-9_.-]", "_", name), 200)


def sandbox_uid(iid: str) -> int:
    """The uid grading jobs run as: per installation, far above any account's uid."""
    configured = os.environ.get("LIANGZHI_SANDBOX_UID")
    if configured:
        return int(configured)
    return 2_000_000_000 + int(hashlib.sha256(iid.encode()).hexdigest()[:8], 16) % 10_000_000
