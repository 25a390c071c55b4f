"""A hard disk quota for a jail's writable folder: a size-limited tmpfs mounted on it.

Grading writes a job folder that both sides use: the trusted side puts data files in it
(even after a warm jail has started) and may read it after the run; the jail writes its
kernel's runtime files and whatever the student's code writes. Polling ``du`` would let a
fast writer fill the host's disk between two polls; a tmpfs with ``size=`` refuses the
write itself (ENOSPC), and nothing the job writes ever reaches the disk. Its pages are
charged to the memory cgroup of whoever writes them, so the jail's memory limit bounds it
as well (the quota is the smaller of the two).

Mounting needs root (CAP_SYS_ADMIN). ``release()`` unmounts (lazily, so a straggler
holding a file open cannot keep it) and is called when the folder is no longer wanted;
``sweep()`` unmounts this installation's scratch mounts whose folder was emptied or
deleted by a caller that only knew ``shutil.rmtree`` (rmtree empties a mount point but
cannot remove it).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import stat
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

MNT_DETACH = 2
_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _source(iid: str) -> str:
    # The tmpfs "device" name is free text shown in /proc/self/mountinfo: it tags our mounts.
    return f"liangzhi-scratch-{iid}"


def mount(path: Path, *, size_mb: int, iid: str, uid: int | None = None, mode: int = 0o711, owner: str = "") -> None:
    """Mount a fresh tmpfs of ``size_mb`` MiB on ``path`` (must exist; root only). Raises OSError.

    ``owner`` (the job's cgroup name) goes into the mount's tag, so that ``sweep`` can tell a
    mount whose job died (its group is gone or empty) from one in use.
    """
    opts = f"size={max(1, size_mb)}m,mode={mode:o}"
    if uid is not None:
        opts += f",uid={uid},gid={uid}"
    data = opts.encode()
    source = f"{_source(iid)}-{owner}" if owner else _source(iid)
    ret = _libc.mount(source.encode(), str(path).encode(), b"tmpfs", ctypes.c_ulong(0x2 | 0x4), data)
    # 0x2 MS_NOSUID, 0x4 MS_NODEV
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount tmpfs on {path}: {os.strerror(err)}")


def release(path: Path) -> None:
    """Unmount the scratch tmpfs on ``path`` (its content is gone); a no-op if none is there."""
    if _libc.umount2(str(path).encode(), MNT_DETACH) != 0:
        return
    with contextlib.suppress(OSError):
        path.rmdir()


def unmount_keeping(path: Path, *, limit_bytes: int) -> int:
    """Move what the jail left in the scratch mount to a plain folder at ``path``; unmount.

    After a job its folder should be an ordinary one again (callers read it, then remove it
    with ``shutil.rmtree``, which cannot remove a mount point). Only regular files, folders
    and symlinks (as links) are copied, never more than ``limit_bytes`` in all: a sparse
    file's apparent size or a FIFO cannot make the copy write more than the quota allowed
    or hang. Returns the bytes copied.
    """
    out = path.with_name(path.name + ".kept")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(mode=0o711)
    budget = limit_bytes
    for root, dirs, files in os.walk(path, followlinks=False):
        rel = Path(root).relative_to(path)
        for name in dirs:
            src = Path(root) / name
            if src.is_symlink():
                (out / rel / name).symlink_to(os.readlink(src))
            else:
                (out / rel / name).mkdir(mode=0o755, exist_ok=True)
        for name in files:
            src, dst = Path(root) / name, out / rel / name
            try:
                st = src.lstat()
                if stat.S_ISLNK(st.st_mode):
                    dst.symlink_to(os.readlink(src))
                elif stat.S_ISREG(st.st_mode) and st.st_size <= budget:
                    shutil.copyfile(src, dst, follow_symlinks=False)
                    os.chmod(dst, stat.S_IMODE(st.st_mode) & 0o755)
                    budget -= st.st_size
            except OSError:
                continue
    release(path)
    if path.exists():  # release could not remove the mount point: leave both, report nothing
        return limit_bytes - budget
    out.rename(path)
    return limit_bytes - budget


def mounted(iid: str) -> list[Path]:
    """This installation's scratch mounts, as /proc/self/mountinfo lists them."""
    return [path for path, _ in _mounts(iid)]


def _mounts(iid: str) -> list[tuple[Path, str]]:
    found = []
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return []
    base = _source(iid)
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 2 or tail[0] != "tmpfs":
            continue
        if tail[1] == base or tail[1].startswith(base + "-"):
            owner = tail[1][len(base) + 1 :]
            found.append((Path(fields[4].replace("\\040", " ").replace("\\134", "\\")), owner))
    return found


def sweep(iid: str, *, alive: Callable[[str], bool] | None = None, min_age: float = 60.0) -> int:
    """Unmount scratch mounts nobody will use again: emptied or deleted folders, and (given
    ``alive``) mounts older than ``min_age`` whose job's group has no process left -- a
    worker that died without cleaning up. A job that ended normally was unmounted already."""
    removed = 0
    now = time.time()
    for path, owner in _mounts(iid):
        text = str(path)
        try:
            empty = text.endswith("//deleted") or not any(path.iterdir())
            old = now - path.stat().st_ctime > min_age
        except OSError:
            empty, old = True, True
        if empty or (owner and alive is not None and old and not alive(owner)):
            release(Path(text.removesuffix("//deleted")))
            removed += 1
    return removed


def works(iid: str, probe_dir: Path) -> str | None:
    """None when a scratch tmpfs can be mounted here, else why not."""
    if os.geteuid() != 0:
        return "not root: cannot mount a size-limited tmpfs for the job folder"
    target = probe_dir / f".scratch-probe-{os.getpid()}"
    try:
        target.mkdir(parents=True, exist_ok=True)
        mount(target, size_mb=1, iid=iid)
    except OSError as exc:
        with contextlib.suppress(OSError):
            target.rmdir()
        return str(exc)
    try:
        # A write past the size must fail: that is the whole point.
        with open(target / "fill", "wb") as out:
            subprocess.run(
                ["/usr/bin/head", "-c", str(2 * 1024 * 1024), "/dev/zero"],
                stdout=out,
                stderr=subprocess.DEVNULL,
                check=False,
                timeout=10,
            )
        size = (target / "fill").stat().st_size
        return None if size <= 1024 * 1024 else "tmpfs size not enforced"
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    finally:
        release(target)
        with contextlib.suppress(OSError):
            target.rmdir()
