"""The bubblewrap command line of every jail (a lab's server, a grading job, a competition run).

What every jail gets, whoever builds it:

* its own mount, pid, ipc, uts, cgroup **and network** namespaces (``--unshare-net`` is
  not optional: a jail has a loopback device and nothing else; the ways in and out that a
  lab needs are Unix sockets bound in by its caller, see ``relay``);
* a fresh root holding, read-only, /usr (+ the merged-usr links), either the whole /etc or
  the named entries of it, and the caller's read-only paths (the Python environment);
* the caller's writable binds, each at its own path or at a chosen one; the ancestors
  bwrap must create are made 0755 (bwrap's default is 0700 root-owned, which an
  unprivileged uid cannot traverse);
* a private /tmp (and /run when asked), tmpfs with a hard size limit (``--size``): a jail
  that fills it gets ENOSPC, nothing lands on the host's disk;
* /proc of its own pid namespace and a minimal /dev;
* a new session (no TIOCSTI into the caller's terminal) and ``--die-with-parent``;
* as root: the command runs through ``setpriv`` as the caller's unprivileged uid/gid with
  no supplementary groups, no capabilities (bounding set cleared) and no_new_privs. Not
  root: bwrap's user namespace maps the caller's own uid.

Never put a secret in the argv: inside the jail pid 1 is bwrap's own init, whose
/proc/1/cmdline (the whole command line) every process there can read. Secrets go in the
process environment (``env_mode="inherit"``), which only the same uid could read and which
the caller strips from anything the student's code inherits.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BWRAP = os.environ.get("LIANGZHI_BWRAP", "/usr/bin/bwrap")
SETPRIV = "/usr/bin/setpriv"
MERGED_USR_LINKS = ("bin", "lib", "lib32", "lib64", "libx32", "sbin")

# /etc entries that the loader, Python and SSL-free numerics need; nothing with secrets.
ETC_MINIMAL: tuple[str, ...] = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",
    "localtime",
    "mime.types",
    "nsswitch.conf",
    "fonts",
    "matplotlibrc",
)
MiB = 1024 * 1024


@dataclass(frozen=True)
class Bind:
    """A host path seen inside the jail at ``dest`` (default: the same path)."""

    source: Path
    dest: Path | None = None
    writable: bool = False

    @property
    def target(self) -> Path:
        return self.dest if self.dest is not None else self.source


@dataclass
class JailSpec:
    """Everything a caller decides about one jail; ``bwrap_argv`` turns it into a command."""

    binds: list[Bind] = field(default_factory=list)
    etc: Sequence[str] | None = ETC_MINIMAL  # None: the whole /etc (accounts resolve by name)
    chdir: str = "/"
    env: dict[str, str] = field(default_factory=dict)  # set with --setenv after --clearenv
    env_mode: str = "clear"  # "clear": only ``env``; "inherit": the Popen env (secrets go there)
    unsetenv: Sequence[str] = ("JPY_PARENT_PID",)
    uid: int | None = None  # as root: the uid/gid setpriv switches to
    gid: int | None = None
    tmp_mb: int = 256  # private /tmp, hard-limited tmpfs
    run_mb: int | None = None  # a private /run as well (labs: their sockets live there)
    hostname: str = "sandbox"
    keep_caps_for_setpriv: bool = True


def venv_paths(prefix: str | Path = sys.prefix, extra: Iterable[str | Path] = ()) -> list[Path]:
    """The Python environment to bind read-only: the venv at its own path (and resolved).

    Only the venv folder is bound, never its parents' other contents, so a venv under a
    0700 /root works. Folders that .pth files add (the kernel helper library) come too.
    """
    roots = {Path(prefix), Path(prefix).resolve()}
    for entry in sys.path:
        if entry.endswith("kernel_lib") and not entry.startswith("/usr") and Path(entry).is_dir():
            roots.add(Path(entry))
    roots.update(Path(p) for p in extra)
    return sorted(r for r in roots if not str(r).startswith("/usr/") and r.exists())


def _root() -> bool:
    return os.geteuid() == 0


def bwrap_argv(spec: JailSpec, argv: Sequence[str], *, bwrap: str = BWRAP, setpriv: str = SETPRIV) -> list[str]:
    """The full command: bwrap, the jail's mounts and namespaces, setpriv (as root), ``argv``."""
    root = _root()
    if root:
        # Every namespace but the user one: the jail's uid must be a real host uid (setpriv).
        unshare = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    else:
        unshare = ["--unshare-all"]  # includes user and net
    cmd = [bwrap, *unshare, "--die-with-parent", "--new-session", "--hostname", spec.hostname]
    cmd += ["--ro-bind", "/usr", "/usr"]
    for link in MERGED_USR_LINKS:
        top = Path("/") / link
        if top.is_symlink():
            cmd += ["--symlink", os.readlink(top), str(top)]
        elif top.is_dir():
            cmd += ["--ro-bind", str(top), str(top)]
    mounted: list[str] = ["/usr"]
    tmpfs: list[str] = []
    made: set[str] = set()

    def parents(dest: Path) -> None:
        for parent in reversed(dest.parents):
            p = str(parent)
            if p == "/" or p in made or p in mounted:
                continue
            if any(p.startswith(m + "/") for m in mounted if m not in tmpfs):
                continue  # inside a read-only mount: it exists or cannot be made
            made.add(p)
            cmd.extend(["--perms", "0755", "--dir", p])

    if spec.etc is None:
        cmd += ["--ro-bind", "/etc", "/etc"]
        mounted.append("/etc")
    else:
        for name in spec.etc:
            path = Path("/etc") / name
            if path.exists():
                parents(path)
                cmd += ["--ro-bind", str(path), str(path)]
    cmd += ["--proc", "/proc", "--dev", "/dev"]
    mounted += ["/proc", "/dev"]
    # Hard-limited private tmpfs areas: 1777 like a real /tmp, ENOSPC past the size.
    cmd += ["--perms", "1777", "--size", str(max(1, spec.tmp_mb) * MiB), "--tmpfs", "/tmp"]  # noqa: S108
    mounted.append("/tmp")  # noqa: S108
    tmpfs.append("/tmp")  # noqa: S108
    if spec.run_mb is not None:
        cmd += ["--perms", "0755", "--size", str(max(1, spec.run_mb) * MiB), "--tmpfs", "/run"]
        mounted.append("/run")
        tmpfs.append("/run")
    for bind in spec.binds:
        if not bind.writable and not bind.source.exists():
            continue  # an optional read-only extra; a writable bind must exist (bwrap says so)
        parents(bind.target)
        cmd += ["--bind" if bind.writable else "--ro-bind", str(bind.source), str(bind.target)]
        mounted.append(str(bind.target))
    cmd += ["--chdir", spec.chdir]
    if spec.env_mode == "clear":
        cmd.append("--clearenv")
        for key, value in spec.env.items():
            cmd += ["--setenv", key, value]
    for key in spec.unsetenv:
        cmd += ["--unsetenv", key]
    if root and spec.uid is not None:
        if spec.keep_caps_for_setpriv:
            # bwrap run by root drops every capability before exec; keep just what setpriv
            # needs to switch uid (it then clears all of them, bounding set included).
            for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_DAC_OVERRIDE"):
                cmd += ["--cap-add", cap]
        gid = spec.uid if spec.gid is None else spec.gid
        cmd += [
            "--",
            setpriv,
            f"--reuid={spec.uid}",
            f"--regid={gid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
            "--",
        ]
    else:
        cmd.append("--")
    return cmd + list(argv)
