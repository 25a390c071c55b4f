"""A content-addressed, crash-safe store for notebooks, lesson assets and submissions.

A blob is named by the SHA-256 of its bytes and written once: to a temporary file in the
same directory, fsynced, renamed into place, and the directory fsynced, so that a blob
whose digest a committed database row names is on disk even after a power cut.
Identical content is stored once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings

DIGEST_LENGTH = 64


class BlobNotFound(FileNotFoundError):
    pass


def blob_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _path_for(digest: str) -> Path:
    if len(digest) != DIGEST_LENGTH or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"not a SHA-256 digest: {digest!r}")
    root = Path(settings.BLOB_ROOT)
    return root / digest[:2] / digest[2:4] / digest


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def blob_root_ensure() -> Path:
    """The blob root, created 0700 and put back to 0700 if someone widened it.

    It holds every source notebook (hidden tests included) and every submission: only the
    site's own user reads it (the lab and the grading sandbox get copies, never this folder).
    """
    root = Path(settings.BLOB_ROOT)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    if root.stat().st_mode & 0o777 != 0o700:
        root.chmod(0o700)
    return root


def blob_put(data: bytes) -> str:
    """Store ``data`` durably and return its digest; storing the same bytes again is free."""
    digest = blob_digest(data)
    target = _path_for(digest)
    blob_root_ensure()
    if target.exists():
        return digest
    # each level 0700 (mkdir(parents=True) would give the intermediate one the umask's mode)
    target.parent.parent.mkdir(mode=0o700, exist_ok=True)
    target.parent.mkdir(mode=0o700, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o600)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return digest


def blob_get(digest: str) -> bytes:
    path = _path_for(digest)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise BlobNotFound(digest) from None


def blob_path(digest: str) -> Path:
    """The file behind a digest, for streaming responses and job folders."""
    path = _path_for(digest)
    if not path.exists():
        raise BlobNotFound(digest)
    return path


def blob_exists(digest: str) -> bool:
    return _path_for(digest).exists()
