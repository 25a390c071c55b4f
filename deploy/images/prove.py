"""Prove a Dockerfile's build steps without a container engine: run them, in order, in a chroot.

No OCI runtime works on the machines this project is built on (no CAP_SYS_RESOURCE: podman cannot
set rlimits), so an image build is proven by doing what the builder would do:

* ``FROM python:3.11-slim-bookworm`` becomes a clean Debian bookworm root filesystem made by
  ``debootstrap --variant=minbase`` with Debian's Python 3.11 installed as a virtual environment
  at ``/usr/local`` (so ``python`` and ``pip`` are on the PATH where the official image has them).
  The bootstrapped base is cached under ``--cache-dir`` keyed by release and package list; each
  proof starts from a fresh copy of it. ``FROM <earlier stage>`` continues that stage (in place,
  or in a copy when a later instruction still needs the stage as it is: stages may branch).
* a layer cache with Docker's rule: a RUN step whose whole history (base, every earlier instruction,
  build args, environment, the content of every file copied) matches an earlier proof's is not run
  again; the tree as it stood after it is restored (only steps slower than ``--snapshot-after``
  seconds are kept; ``--no-cache`` runs everything). A step proven once with the same inputs is
  proven, as for ``docker build``; a change in a registry since then shows at the next uncached run.
* ``ARG`` (build-args and defaults), ``ENV``, ``WORKDIR``, ``USER`` and variable substitution
  (``$X``, ``${X}``, ``${X:-default}``, ``${X:+alternative}``) as Docker's builder applies them.
* ``COPY`` from the build context honouring ``.dockerignore``, or ``--from=<earlier stage>`` (its
  finished tree, modes kept); files are root's unless ``--chown`` says otherwise.
* every ``RUN`` (shell and exec forms) inside the chroot, with the stage's environment, as its
  user, from its working directory; the first failing step stops the proof with its output.
  Like BuildKit's ``RUN --mount=type=cache``, apt's archive directory is a cache outside the image
  (one per Dockerfile and target, under ``--cache-dir``): a step that runs again finds the packages
  it downloaded before. The chroot's mounts exist only while a step runs.
* a timing table at the end: every step's wall time and whether it ran, came from the cache, or
  what restoring or caching a layer cost (``--timings-json`` writes it to a file).
* ``CMD``/``ENTRYPOINT``: the program must exist in the finished root filesystem.

What is NOT proven: the base image's exact contents (Debian's Python 3.11.2 instead of the
official image's 3.11.x build), layer metadata, and anything a container runtime adds at run time
(namespaces, cgroups, mounts). Package downloads go to the machine's registries: apt to Debian;
pip and npm are pointed at this machine's mirrors when they exist (``--mirrors``, the default:
the PyPI mirror under /opt/pypi*, the wheel directory /opt/wheels with the CPU torch wheel, npm's
cache), the way a school builds against its own registry mirror; the build-arg
``TORCH_INDEX_URL`` is then PyPI, the runtime lock's wheels are downloaded once per lock into a
wheelhouse under the cache (find-links, so no wheel is fetched twice), and the CPU torch wheel comes from the local wheel directory
(the same wheel PyTorch's CPU index serves: the lock's ``torch==X`` matches ``X+cpu``).

    python deploy/images/prove.py deploy/images/site.Dockerfile --target hub
    python deploy/images/prove.py deploy/images/singleuser.Dockerfile

``make prove-images`` proves all three production Dockerfiles (CI runs it beside the test suite);
the cache lives in /var/cache/liangzhi/prove, outside any checkout, so the next proof on the machine
reuses every layer whose whole history is unchanged.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# The official python:3.11-slim-bookworm image, rebuilt from Debian's packages.
PYTHON_BASES = {
    "python:3.11-slim-bookworm": ("bookworm", ["python3", "python3-venv", "ca-certificates"]),
    "python:3.11-slim": ("bookworm", ["python3", "python3-venv", "ca-certificates"]),
    "debian:bookworm-slim": ("bookworm", ["ca-certificates"]),
}
DEBIAN_MIRROR = "http://deb.debian.org/debian"
PIP_MIRRORS = {"index": Path("/opt/pypi/simple"), "extra": Path("/opt/pypi-more/simple"), "wheels": Path("/opt/wheels")}
NPM_CACHE = Path.home() / ".npm"
# This machine reaches registries through its own certificate authorities (a proxy may re-sign
# TLS): pip inside the chroot trusts the same bundle.
HOST_CA = Path(os.environ.get("PIP_CERT") or "/etc/ssl/certs/ca-certificates.crt")
# Outside any checkout, so that the next proof on this machine (CI's clean clone too) reuses it.
DEFAULT_CACHE_DIR = "/var/cache/liangzhi/prove"


class ProofFailed(Exception):
    pass


# --- Dockerfile parsing -------------------------------------------------------------------------
@dataclass
class Instruction:
    line: int
    keyword: str
    args: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.keyword} {self.args}"


def parse(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined and comments dropped (the default ``\\`` escape)."""
    out: list[Instruction] = []
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not buffer and (not stripped or stripped.startswith("#")):
            continue
        if buffer and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not buffer:
            start = number
        if stripped.endswith("\\"):
            buffer.append(stripped[:-1])
            continue
        buffer.append(stripped)
        joined = " ".join(part.strip() for part in buffer if part.strip())
        buffer = []
        keyword, _, args = joined.partition(" ")
        out.append(Instruction(start, keyword.upper(), args.strip()))
    if buffer:
        raise ProofFailed(f"line {start}: the last instruction ends with a continuation")
    return out


_VAR = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?::(?P<op>[-+])(?P<word>[^}]*))?\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))"
)


def substitute(text: str, env: dict[str, str]) -> str:
    """Docker's builder substitution for ENV/ARG/WORKDIR/COPY/FROM/USER (not RUN: the shell does that)."""

    def one(match: re.Match[str]) -> str:
        name = match.group("braced") or match.group("plain")
        value = env.get(name, "")
        op = match.group("op")
        if op == "-":
            return value or substitute(match.group("word"), env)
        if op == "+":
            return substitute(match.group("word"), env) if value else ""
        return value

    return _VAR.sub(one, text)


def key_values(args: str, env: dict[str, str], *, legacy: bool) -> list[tuple[str, str]]:
    """``K=V K2="v 2"`` pairs (ENV, ARG); ``ENV K value with spaces`` in the legacy form."""
    words = shlex.split(args, posix=True)
    if legacy and words and "=" not in words[0]:
        return [(words[0], substitute(" ".join(words[1:]), env))]
    pairs = []
    for word in words:
        name, sep, value = word.partition("=")
        pairs.append((name, substitute(value, env) if sep else env.get(name, "\0unset")))
    return pairs


# --- .dockerignore ------------------------------------------------------------------------------
def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        else:
            c = pattern[i]
            out += "[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c)
            i += 1
    return re.compile(out + r"\Z")


@dataclass
class DockerIgnore:
    rules: list[tuple[bool, re.Pattern[str]]] = field(default_factory=list)

    @classmethod
    def load(cls, context: Path) -> DockerIgnore:
        rules = []
        path = context / ".dockerignore"
        for line in path.read_text().splitlines() if path.exists() else []:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            negate = line.startswith("!")
            pattern = os.path.normpath(line.lstrip("!").strip().lstrip("/"))
            rules.append((negate, _pattern_regex(pattern)))
        return cls(rules)

    def excluded(self, rel: str) -> bool:
        """Docker's rule: the last pattern that matches the path, or one of its parent folders, wins."""
        parts = rel.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        verdict = False
        for negate, regex in self.rules:
            if any(regex.match(p) for p in prefixes):
                verdict = not negate
        return verdict


def context_files(context: Path, ignore: DockerIgnore, source: str) -> list[tuple[Path, str]]:
    """``(absolute path, path relative to source)`` of every file COPY would send from ``source``."""
    base = (context / source).resolve()
    if not str(base).startswith(str(context.resolve())):
        raise ProofFailed(f"COPY source {source} is outside the build context")
    matches = sorted(context.glob(source)) if any(c in source for c in "*?[") else [base]
    out: list[tuple[Path, str]] = []
    for match in matches:
        rel_root = os.path.relpath(match, context)
        if not match.exists() and not match.is_symlink():
            raise ProofFailed(f"COPY {source}: no such file in the build context")
        if match.is_dir() and not match.is_symlink():
            for dirpath, dirnames, filenames in os.walk(match):
                rel_dir = os.path.relpath(dirpath, context)
                dirnames[:] = [d for d in dirnames if not ignore.excluded(os.path.normpath(os.path.join(rel_dir, d)))]
                for name in filenames:
                    rel = os.path.normpath(os.path.join(rel_dir, name))
                    if not ignore.excluded(rel):
                        out.append((Path(dirpath) / name, os.path.relpath(Path(dirpath) / name, match)))
        elif rel_root == "." or not ignore.excluded(rel_root):
            out.append((match, match.name))
        else:
            raise ProofFailed(f"COPY {source}: excluded by .dockerignore")
    return out


# --- the root filesystem ------------------------------------------------------------------------
def _run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, check=True, text=True, **kwargs)  # type: ignore[call-overload, no-any-return]


@contextlib.contextmanager
def cache_lock(cache_dir: Path) -> Iterator[None]:
    """Proofs run side by side (``make prove-images``): one makes a shared cache entry (the base, the
    wheelhouse) while the others wait for it instead of making their own."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def base_rootfs(image: str, cache_dir: Path) -> Path:
    """A cached, pristine root filesystem standing in for ``image``."""
    with cache_lock(cache_dir):
        return _base_rootfs(image, cache_dir)


def _base_rootfs(image: str, cache_dir: Path) -> Path:
    if image not in PYTHON_BASES:
        raise ProofFailed(f"FROM {image}: the prover knows {sorted(PYTHON_BASES)} (or an earlier stage)")
    release, packages = PYTHON_BASES[image]
    key = hashlib.sha256(json.dumps([release, packages, image.startswith("python")]).encode()).hexdigest()[:12]
    cached = cache_dir / f"{release}-{key}"
    if (cached / ".complete").exists():
        return cached
    cache_dir.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f"{release}-", dir=cache_dir))
    started = time.monotonic()
    print(f"prove: debootstrap {release} (+{', '.join(packages)}) into the cache {cached}", flush=True)
    _run(
        ["debootstrap", "--variant=minbase", f"--include={','.join(packages)}", release, str(building), DEBIAN_MIRROR],
        stdout=subprocess.DEVNULL,
    )
    if image.startswith("python"):
        # Like the official image: python and pip in /usr/local/bin, installing into its own site-packages.
        _run(["chroot", str(building), "/usr/bin/python3", "-m", "venv", "/usr/local"])
        _run(["chroot", str(building), "/usr/local/bin/python", "-m", "pip", "--version"])
    (building / ".complete").write_text(image)
    building.rename(cached)
    print(f"prove: base ready in {time.monotonic() - started:.0f} s", flush=True)
    return cached


def _mounts_under(root: Path) -> list[str]:
    prefix = str(root.resolve()) + "/"
    lines = Path("/proc/self/mounts").read_text().splitlines()
    return [line.split()[1] for line in lines if (line.split()[1] + "/").startswith(prefix)]


def wheelhouse(cache_dir: Path) -> Path:
    with cache_lock(cache_dir):
        return _wheelhouse(cache_dir)


def _wheelhouse(cache_dir: Path) -> Path:
    """Every wheel of requirements-runtime.lock (torch aside: /opt/wheels has the CPU build),
    downloaded once per lock by this machine's pip, as find-links for pip in the chroot: the same
    files an index would serve, without fetching them again for every image and every run."""
    lock = (REPO / "requirements-runtime.lock").read_text()
    path = cache_dir / f"wheels-{hashlib.sha256(lock.encode()).hexdigest()[:12]}"
    if (path / ".complete").exists():
        return path
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    requirements = path / "requirements.txt"
    requirements.write_text("".join(line + "\n" for line in lock.splitlines() if not line.startswith("torch==")))
    started = time.monotonic()
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--dest",
            str(path),
            "-r",
            str(requirements),
            "setuptools",
            "wheel",
        ]
    )
    (path / ".complete").write_text("")
    print(f"prove: wheelhouse of the runtime lock in {time.monotonic() - started:.0f} s", flush=True)
    return path


@dataclass
class Rootfs:
    path: Path
    mirrors: bool
    wheels: Path | None = None
    apt_cache: Path | None = None
    mounted: list[Path] = field(default_factory=list)

    def __enter__(self) -> Rootfs:
        self._mount("proc", self.path / "proc", ["-t", "proc", "proc"])
        for dev in ("null", "zero", "random", "urandom", "tty", "full"):
            target = self.path / "dev" / dev
            if not target.exists():
                target.touch()
            self._mount("dev", target, ["--bind", f"/dev/{dev}"])
        shutil.copy("/etc/resolv.conf", self.path / "etc" / "resolv.conf")
        if self.apt_cache is not None:
            # BuildKit's `RUN --mount=type=cache,target=/var/cache/apt/archives`: the .deb files a step
            # downloads are kept outside the image (as the official image's docker-clean leaves none
            # in it) and a later proof that runs the step again finds them instead of downloading.
            self.apt_cache.mkdir(parents=True, exist_ok=True)
            self._mount("apt cache", self.path / "var" / "cache" / "apt" / "archives", ["--bind", str(self.apt_cache)])
        if self.mirrors:
            for source in PIP_MIRRORS.values():
                if source.parent.exists() if source.name == "simple" else source.exists():
                    top = source.parent if source.name == "simple" else source
                    self._mount("mirror", self.path / top.relative_to("/"), ["--bind", "-o", "ro", str(top)])
            if NPM_CACHE.exists():
                shutil.copytree(NPM_CACHE, self.path / "tmp" / "npm-cache", dirs_exist_ok=True)
            if HOST_CA.exists():
                shutil.copy(HOST_CA, self.path / "tmp" / "prover-host-ca.crt")
            if self.wheels:
                self._mount("wheels", self.path / "opt" / "prover-wheels", ["--bind", "-o", "ro", str(self.wheels)])
        return self

    def _mount(self, what: str, target: Path, args: list[str]) -> None:
        if not target.exists():
            target.mkdir(parents=True)
        _run(["mount", *args, str(target)])
        self.mounted.append(target)

    def __exit__(self, *exc: object) -> None:
        for target in reversed(self.mounted):
            subprocess.run(["umount", "-l", str(target)], check=False)
        self.mounted.clear()
        shutil.rmtree(self.path / "tmp" / "npm-cache", ignore_errors=True)
        (self.path / "tmp" / "prover-host-ca.crt").unlink(missing_ok=True)

    def mirror_env(self) -> dict[str, str]:
        """pip as this machine's own pip is configured: PyPI first, the local mirrors beside it (a
        candidate found on both is taken from the first source), the local wheel directory (the
        CPU torch wheel) as find-links; npm from a copy of this machine's cache, offline."""
        if not self.mirrors:
            return {}
        env: dict[str, str] = {}
        extra = [f"file://{PIP_MIRRORS[k]}" for k in ("index", "extra") if PIP_MIRRORS[k].exists()]
        if extra:
            env["PIP_EXTRA_INDEX_URL"] = " ".join(extra)
        links = (["/opt/prover-wheels"] if self.wheels else []) + (
            [str(PIP_MIRRORS["wheels"])] if PIP_MIRRORS["wheels"].exists() else []
        )
        if links:
            env["PIP_FIND_LINKS"] = " ".join(links)
        if HOST_CA.exists():
            env["PIP_CERT"] = "/tmp/prover-host-ca.crt"  # noqa: S108 -- inside the chroot
        if NPM_CACHE.exists():
            # a copy of this machine's npm cache, inside the chroot
            env.update({"npm_config_cache": "/tmp/npm-cache", "npm_config_offline": "true"})  # noqa: S108
        return env


def _overlay_dirs(path: Path) -> tuple[Path, Path]:
    """The upper (written) and work directories of a root filesystem that is an overlay on a layer."""
    return path.with_name(path.name + ".upper"), path.with_name(path.name + ".work")


def _other_mounts(path: Path) -> list[str]:
    """Mounts under ``path`` other than ``path``'s own overlay (a bind of /proc, /dev, a mirror)."""
    return [m for m in _mounts_under(path) if m != str(path.resolve())]


def remove_rootfs(path: Path) -> None:
    left = _other_mounts(path)
    if left:  # never delete through a live mount (a bind of /dev or a mirror)
        raise ProofFailed(f"refusing to delete {path}: still mounted: {left}")
    if _mounts_under(path):  # the overlay on a cached layer: off first (the layer itself stays)
        _run(["umount", str(path.resolve())])
    for part in (path, *_overlay_dirs(path)):
        shutil.rmtree(part, ignore_errors=True)


# --- the build ----------------------------------------------------------------------------------
@dataclass
class Stage:
    name: str
    rootfs: Path
    env: dict[str, str] = field(default_factory=lambda: {"PATH": DEFAULT_PATH})
    args: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    user: str = "root"
    cmd: list[str] | None = None
    key: str = ""  # the layer cache's key of the stage's history so far
    pending: Path | None = None  # a cached layer (or the base) to put in place before a step needs files
    continued_by: str | None = None  # the later stage that took this stage's tree over in place


def _user_ids(rootfs: Path, user: str) -> tuple[int, int]:
    name, _, group = user.partition(":")
    uid = gid = None
    for line in (rootfs / "etc" / "passwd").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == name or fields[2] == name:
            uid, gid = int(fields[2]), int(fields[3])
    if uid is None:
        if not name.isdigit():
            raise ProofFailed(f"USER {user}: no such user in the image")
        uid, gid = int(name), 0
    if group:
        gid = (
            int(group)
            if group.isdigit()
            else next(
                int(g.split(":")[2])
                for g in (rootfs / "etc" / "group").read_text().splitlines()
                if g.split(":")[0] == group
            )
        )
    return uid, gid or 0


def _exec_form(args: str) -> list[str] | None:
    if args.startswith("["):
        try:
            value = json.loads(args)
        except ValueError:
            return None
        return [str(v) for v in value]
    return None


# Instructions that change only the stage's metadata: a cached layer need not be put in place for them.
METADATA_ONLY = ("ARG", "ENV", "EXPOSE", "LABEL", "CMD", "ENTRYPOINT", "HEALTHCHECK", "STOPSIGNAL", "VOLUME")


@dataclass
class Timing:
    """One line of the proof's timing table: a step (or the work of restoring or caching a layer)."""

    stage: str
    what: str
    status: str  # ran, cached, restore, snapshot, from
    seconds: float


def _copy_flags(words: list[str], ins: Instruction) -> tuple[dict[str, str], list[str]]:
    flags: dict[str, str] = {}
    while words and words[0].startswith("--"):
        name, _, value = words.pop(0)[2:].partition("=")
        if name not in ("chown", "from"):
            raise ProofFailed(f"{ins}: --{name} is not supported by the prover")
        flags[name] = value
    return flags, words


def stage_references(instructions: list[Instruction]) -> list[tuple[int, str]]:
    """``(index, stage name)`` of every ``FROM <stage>`` and ``COPY --from=<stage>`` (an image name
    counts too; only names of earlier stages are ever looked up)."""
    refs = []
    for index, ins in enumerate(instructions):
        if ins.keyword == "FROM":
            refs.append((index, ins.args.split()[0]))
        elif ins.keyword in ("COPY", "ADD"):
            for word in ins.args.split():
                if word.startswith("--from="):
                    refs.append((index, word.split("=", 1)[1]))
    return refs


class Builder:
    def __init__(
        self,
        dockerfile: Path,
        *,
        context: Path,
        target: str | None,
        build_args: dict[str, str],
        cache_dir: Path,
        work_dir: Path,
        mirrors: bool,
        keep: bool,
        layer_cache: bool = True,
        snapshot_after: float = 30.0,
        apt_cache: bool = True,
        overlay: bool = True,
    ) -> None:
        self.dockerfile = dockerfile
        self.context = context
        self.target = target
        self.build_args = build_args
        self.cache_dir = cache_dir
        self.work_dir = work_dir
        self.mirrors = mirrors
        self.keep = keep
        self.ignore = DockerIgnore.load(context)
        self.wheels = wheelhouse(cache_dir) if mirrors else None
        self.stages: dict[str, Stage] = {}
        self.timings: list[Timing] = []
        # Layer cache, Docker's rule: a step whose whole history (base, every earlier instruction, the
        # build args and environment, the content of every file copied) is the same as in an earlier
        # proof is not run again; the root filesystem as it stood after it is restored instead. Only
        # steps slower than snapshot_after seconds are kept (a snapshot costs a copy of the tree).
        self.layer_cache = layer_cache
        self.snapshot_after = snapshot_after
        name = f"{dockerfile.name}-{target or 'last'}"
        self.layers = cache_dir / "layers" / name
        # One apt archive cache per Dockerfile and target: apt locks its archive directory, so proofs
        # running side by side must not share one.
        self.apt_cache = cache_dir / "apt-archives" / name if apt_cache else None
        self.layers_used: set[str] = set()
        self.overlay = overlay  # cached layers are put in place as overlays (a copy where that fails)

    def _next_key(self, ins: Instruction, stage: Stage) -> str:
        digest = hashlib.sha256(stage.key.encode())
        digest.update(
            json.dumps(
                [
                    ins.keyword,
                    ins.args,
                    sorted(stage.args.items()),
                    sorted(stage.env.items()),
                    stage.workdir,
                    stage.user,
                ]
            ).encode()
        )
        if ins.keyword in ("COPY", "ADD"):
            flags, words = _copy_flags(shlex.split(substitute(ins.args, self._scope(stage))), ins)
            if "from" in flags:
                # the source stage's whole history stands for the files taken from it
                digest.update(self._stage(flags["from"], ins).key.encode())
            else:
                for source in words[:-1]:
                    for path, rel in context_files(self.context, self.ignore, source):
                        digest.update(f"{source}\0{rel}\0{path.lstat().st_mode}\0".encode())
                        digest.update(os.readlink(path).encode() if path.is_symlink() else path.read_bytes())
        return digest.hexdigest()[:24]

    def _stage(self, name: str, ins: Instruction) -> Stage:
        if name not in self.stages:
            raise ProofFailed(f"{ins}: no earlier stage named {name} (the prover copies from stages only)")
        stage = self.stages[name]
        if stage.continued_by:  # never the case when stage_references saw every reference
            raise ProofFailed(f"{ins}: stage {name} was changed in place by stage {stage.continued_by}")
        return stage

    def _time(self, stage: Stage, what: str, status: str, started: float) -> None:
        self.timings.append(Timing(stage.name, what, status, time.monotonic() - started))

    def _restore(self, stage: Stage) -> None:
        """Put the stage's pending layer (a cached layer, or the pristine base) in place of its root
        filesystem: an overlay on it, as Docker's overlay2 stacks an image's layers (writes go to the
        stage's own upper directory; the layer is never changed), or a copy where overlayfs is not
        available. No other mount is live here: the chroot's mounts exist only while a RUN runs."""
        layer = stage.pending
        assert layer is not None
        started = time.monotonic()
        remove_rootfs(stage.rootfs)
        how = "overlay on"
        if self.overlay:
            upper, work = _overlay_dirs(stage.rootfs)
            for part in (stage.rootfs, upper, work):
                part.mkdir()
            options = f"lowerdir={layer.resolve()},upperdir={upper},workdir={work}"
            mounted = subprocess.run(
                ["mount", "-t", "overlay", "overlay", "-o", options, str(stage.rootfs)],
                capture_output=True,
                text=True,
                check=False,
            )
            if mounted.returncode != 0:
                print(f"prove: no overlayfs here ({mounted.stderr.strip()}): layers are copied", flush=True)
                self.overlay = False
                remove_rootfs(stage.rootfs)
        if not self.overlay:
            how = "copy of"
            _run(["cp", "-a", "--reflink=auto", str(layer.resolve()), str(stage.rootfs)])
        stage.rootfs.chmod(0o755)  # an image's / (the cache's directories are made 0700)
        for marker in (".complete-layer", ".complete"):
            (stage.rootfs / marker).unlink(missing_ok=True)
        stage.pending = None
        self._time(stage, f"restore {layer.name}", "restore", started)
        print(f"prove: [{stage.name}] {how} {layer.name} in {time.monotonic() - started:.0f} s", flush=True)

    def _snapshot(self, stage: Stage) -> Path:
        """Keep the stage's tree as it is now as the cached layer of its key (a full copy)."""
        started = time.monotonic()
        self.layers.mkdir(parents=True, exist_ok=True)
        target = self.layers / stage.key
        partial = self.layers / f".{stage.key}.partial"
        if _other_mounts(stage.rootfs):
            raise ProofFailed(f"{stage.rootfs} is still mounted; no snapshot")
        marker = stage.rootfs / ".complete-layer"
        marker.write_text(stage.key)
        try:
            shutil.rmtree(partial, ignore_errors=True)
            _run(["cp", "-a", "--reflink=auto", str(stage.rootfs), str(partial)])
            shutil.rmtree(target, ignore_errors=True)
            partial.rename(target)
        finally:
            marker.unlink()
        self.layers_used.add(stage.key)
        self._time(stage, f"cache layer {stage.key}", "snapshot", started)
        print(f"prove: cached this layer ({stage.key}) in {time.monotonic() - started:.0f} s", flush=True)
        return target

    def prune_layers(self) -> None:
        """Keep the layers this proof used or made; older ones of the same Dockerfile and target go."""
        if not self.layer_cache or not self.layers.exists():
            return
        for entry in self.layers.iterdir():
            if entry.name not in self.layers_used:
                shutil.rmtree(entry, ignore_errors=True)

    def build(self) -> Stage:
        instructions = parse(self.dockerfile.read_text())
        references = stage_references(instructions)
        global_args: dict[str, str] = {}
        stage: Stage | None = None
        # Every stage up to the target, in the file's order (a stage the target does not need is
        # proven too); the file is cut after the target stage, like BuildKit.
        for index, ins in enumerate(instructions):
            if ins.keyword == "ARG" and stage is None:
                for name, value in key_values(ins.args, global_args, legacy=False):
                    global_args[name] = self.build_args.get(name, "" if value == "\0unset" else value)
                continue
            if ins.keyword == "FROM":
                if stage is not None and stage.name == self.target:
                    break
                later = {name for at, name in references if at > index}
                stage = self._from(ins, global_args, later)
                continue
            if stage is None:
                raise ProofFailed(f"{ins}: before any FROM")
            stage.key = self._next_key(ins, stage)
            layer = self.layers / stage.key
            what = f"{ins.keyword} {ins.args}"
            if self.layer_cache and ins.keyword == "RUN" and (layer / ".complete-layer").exists():
                print(f"prove: [{stage.name}] RUN {ins.args}\nprove:   cached (layer {stage.key})", flush=True)
                stage.pending = layer
                self.layers_used.add(stage.key)
                self.timings.append(Timing(stage.name, what, "cached", 0.0))
                continue
            if stage.pending is not None and ins.keyword not in METADATA_ONLY:
                self._restore(stage)
            started = time.monotonic()
            self._step(ins, stage)
            took = time.monotonic() - started
            self._time(stage, what, "ran", started)
            if self.layer_cache and ins.keyword == "RUN" and took >= self.snapshot_after:
                self._snapshot(stage)
        if stage is None:
            raise ProofFailed("no FROM")
        if self.target and stage.name != self.target:
            raise ProofFailed(f"no stage named {self.target}")
        if self.keep and stage.pending is not None:
            self._restore(stage)
        self._check_cmd(stage)
        return stage

    def _from(self, ins: Instruction, global_args: dict[str, str], later: set[str]) -> Stage:
        started = time.monotonic()
        words = substitute(ins.args, global_args).split()
        image = words[0]
        name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else str(len(self.stages))
        if image in self.stages:
            parent = self._stage(image, ins)
            pending = parent.pending
            if image in later:
                # another stage still needs the parent as it is now: this one gets its own tree, from
                # the parent's layer (cached now if it is not yet: the next proof reuses it too)
                path = Path(tempfile.mkdtemp(prefix="rootfs-", dir=self.work_dir))
                if pending is None and self.layer_cache:
                    pending = self.layers / parent.key
                    if (pending / ".complete-layer").exists():
                        self.layers_used.add(parent.key)
                    else:
                        pending = self._snapshot(parent)
                elif pending is None:
                    path.rmdir()
                    _run(["cp", "-a", "--reflink=auto", str(parent.rootfs), str(path)])
                how = f"a copy of stage {image}"
            else:
                path = parent.rootfs  # the parent's tree is not needed again: continue it in place
                parent.continued_by = name
                how = f"continues stage {image}"
            stage = Stage(name, path, dict(parent.env), {}, parent.workdir, parent.user, parent.cmd)
            stage.key, stage.pending = parent.key, pending
        else:
            base = base_rootfs(image, self.cache_dir)
            # the base is put in place when the first step that needs files runs (not at all when
            # every step up to the next stage is cached)
            stage = Stage(name, Path(tempfile.mkdtemp(prefix="rootfs-", dir=self.work_dir)), pending=base)
            stage.key = hashlib.sha256(f"{image}\0{base.name}".encode()).hexdigest()[:24]
            how = "the base"
        self.stages[name] = stage
        self._time(stage, f"FROM {ins.args}", "from", started)
        print(f"prove: FROM {image} AS {name}: {how} ({time.monotonic() - started:.0f} s)", flush=True)
        return stage

    def _scope(self, stage: Stage) -> dict[str, str]:
        return {**stage.args, **stage.env}

    def _step(self, ins: Instruction, stage: Stage) -> None:
        kw = ins.keyword
        if kw == "ARG":
            for name, value in key_values(ins.args, self._scope(stage), legacy=False):
                stage.args[name] = self.build_args.get(name, "" if value == "\0unset" else value)
        elif kw == "ENV":
            for name, value in key_values(ins.args, self._scope(stage), legacy=True):
                stage.env[name] = value
        elif kw == "WORKDIR":
            path = substitute(ins.args, self._scope(stage))
            stage.workdir = path if path.startswith("/") else os.path.join(stage.workdir, path)
            (stage.rootfs / stage.workdir.lstrip("/")).mkdir(parents=True, exist_ok=True)
        elif kw == "USER":
            stage.user = substitute(ins.args, self._scope(stage))
            _user_ids(stage.rootfs, stage.user)
        elif kw in ("COPY", "ADD"):
            self._copy(ins, stage)
        elif kw == "RUN":
            self._run_step(ins, stage)
        elif kw in ("CMD", "ENTRYPOINT"):
            stage.cmd = _exec_form(ins.args) or ["/bin/sh", "-c", ins.args]
        elif kw in ("EXPOSE", "LABEL", "HEALTHCHECK", "STOPSIGNAL", "VOLUME", "SHELL", "ONBUILD", "MAINTAINER"):
            if kw in ("SHELL", "ONBUILD"):
                raise ProofFailed(f"{ins}: the prover does not implement {kw}")
        else:
            raise ProofFailed(f"{ins}: unknown instruction")

    def _copy(self, ins: Instruction, stage: Stage) -> None:
        flags, words = _copy_flags(shlex.split(substitute(ins.args, self._scope(stage))), ins)
        chown = flags.get("chown")
        *sources, dest = words
        dest_abs = dest if dest.startswith("/") else os.path.join(stage.workdir, dest)
        into_dir = dest.endswith("/") or dest in (".", "./") or len(sources) > 1
        # Docker's rule: copied files belong to root unless --chown says otherwise (--from too)
        uid, gid = _user_ids(stage.rootfs, chown) if chown else (0, 0)
        count = 0
        for source in sources:
            if "from" in flags:
                files, source_is_dir = self._stage_files(self._stage(flags["from"], ins), source, ins)
            else:
                files = context_files(self.context, self.ignore, source)
                source_is_dir = (self.context / source).is_dir()
            for path, rel in files:
                several = source_is_dir or into_dir or len(files) > 1
                target_rel = os.path.join(dest_abs, rel) if several else dest_abs
                target = stage.rootfs / target_rel.lstrip("/")
                if path.is_dir() and not path.is_symlink():  # a directory of another stage: its mode too
                    target.mkdir(parents=True, exist_ok=True)
                    shutil.copystat(path, target)
                    os.lchown(target, uid, gid)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                if path.is_symlink():
                    if target.is_symlink() or target.exists():
                        target.unlink()
                    target.symlink_to(os.readlink(path))
                else:
                    shutil.copy2(path, target)
                os.lchown(target, uid, gid)
                count += 1
        origin = f" from stage {flags['from']}" if "from" in flags else ""
        print(f"prove: {ins.keyword}{origin} {' '.join(sources)} -> {dest_abs} ({count} files)", flush=True)

    def _stage_files(self, source_stage: Stage, source: str, ins: Instruction) -> tuple[list[tuple[Path, str]], bool]:
        """``COPY --from=<stage>``: the files under ``source`` in that stage's finished tree (or the
        cached layer standing for it), directories first so that their modes are kept."""
        root = source_stage.pending or source_stage.rootfs
        top = root / substitute(source, self._scope(source_stage)).lstrip("/")
        if not top.exists() and not top.is_symlink():
            raise ProofFailed(f"{ins}: {source} does not exist in stage {source_stage.name}")
        if not top.is_dir() or top.is_symlink():
            return [(top, top.name)], False
        out: list[tuple[Path, str]] = []
        for dirpath, dirnames, filenames in os.walk(top):
            for name in dirnames + filenames:
                path = Path(dirpath) / name
                out.append((path, os.path.relpath(path, top)))
        return out, True

    def _run_step(self, ins: Instruction, stage: Stage) -> None:
        print(f"prove: [{stage.name}] RUN {ins.args}", flush=True)
        started = time.monotonic()
        # the chroot's mounts (/proc, /dev, mirrors, caches) exist only while a step runs: nothing is
        # ever copied, cached or deleted through them
        with Rootfs(stage.rootfs, self.mirrors, self.wheels, self.apt_cache) as rootfs:
            env = {**rootfs.mirror_env(), **stage.args, **stage.env}
            exec_form = _exec_form(ins.args)
            argv = exec_form if exec_form is not None else ["/bin/sh", "-c", ins.args]
            uid, gid = _user_ids(stage.rootfs, stage.user)
            command = [
                "chroot",
                f"--userspec={uid}:{gid}",
                str(stage.rootfs),
                "/usr/bin/env",
                "-i",
                "-C",
                stage.workdir,
                *(f"{k}={v}" for k, v in env.items()),
                *argv,
            ]
            result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
        took = time.monotonic() - started
        if result.returncode != 0:
            raise ProofFailed(
                f"{self.dockerfile.name} {ins} failed with exit status {result.returncode} after {took:.0f} s:\n"
                + result.stdout[-6000:]
            )
        print(f"prove:   ok in {took:.0f} s", flush=True)

    def _check_cmd(self, stage: Stage) -> None:
        if not stage.cmd:
            return
        root = stage.pending or stage.rootfs  # a cached last layer is looked at where it lies
        program = stage.cmd[0]
        path = stage.env.get("PATH", DEFAULT_PATH)
        if "/" in program:
            candidates = [os.path.join(stage.workdir, program) if not program.startswith("/") else program]
        else:
            candidates = [os.path.join(d, program) for d in path.split(":")]
        if not any((root / c.lstrip("/")).exists() and os.access(root / c.lstrip("/"), os.X_OK) for c in candidates):
            raise ProofFailed(f"CMD {stage.cmd}: {program} is not an executable in the image")
        print(f"prove: CMD {stage.cmd}: {program} found", flush=True)

    def timing_table(self) -> str:
        """Every step in order with its wall time and what happened, then the totals by kind."""
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        lines = [f"prove: timings (wall seconds; load average {load})"]
        for t in self.timings:
            lines.append(f"prove: {t.seconds:7.1f} s  {t.status:<8} [{t.stage}] {t.what[:100]}")
        totals: dict[str, float] = {}
        for t in self.timings:
            totals[t.status] = totals.get(t.status, 0.0) + t.seconds
        lines.append("prove: totals: " + ", ".join(f"{k} {v:.0f} s" for k, v in sorted(totals.items())))
        return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dockerfile", type=Path)
    parser.add_argument("--context", type=Path, default=REPO)
    parser.add_argument("--target")
    parser.add_argument("--build-arg", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--cache-dir", type=Path, default=Path(os.environ.get("PROVE_CACHE_DIR", DEFAULT_CACHE_DIR)))
    parser.add_argument(
        "--work-dir", type=Path, default=None, help="where the root filesystems are made (default: the cache dir)"
    )
    parser.add_argument(
        "--no-mirrors", dest="mirrors", action="store_false", help="pip and npm from the public registries"
    )
    parser.add_argument("--keep", action="store_true", help="keep the finished root filesystem")
    parser.add_argument("--no-cache", dest="layer_cache", action="store_false", help="run every step (no layer cache)")
    parser.add_argument(
        "--snapshot-after",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="cache the layer after a RUN step that took this long (default 30; a snapshot costs a copy of the tree)",
    )
    parser.add_argument(
        "--no-apt-cache", dest="apt_cache", action="store_false", help="no shared apt archive cache mount"
    )
    parser.add_argument(
        "--no-overlay", dest="overlay", action="store_false", help="copy cached layers instead of overlaying them"
    )
    parser.add_argument("--timings-json", type=Path, metavar="FILE", help="write every step's wall time here")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("prove: needs root (debootstrap, chroot, mount)", file=sys.stderr)
        return 2
    # CI stops a proof that runs beside a failed suite with SIGTERM: unmount and clean up on the way out
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    build_args = dict(item.split("=", 1) for item in args.build_arg)
    if args.mirrors and PIP_MIRRORS["wheels"].exists():
        # the CPU torch wheel lies in the local wheel directory (find-links): no download from PyTorch's index
        build_args.setdefault("TORCH_INDEX_URL", "https://pypi.org/simple")
    work_dir = args.work_dir or args.cache_dir / "work"
    work_dir.mkdir(parents=True, exist_ok=True)
    builder = Builder(
        args.dockerfile.resolve(),
        context=args.context.resolve(),
        target=args.target,
        build_args=build_args,
        cache_dir=args.cache_dir,
        work_dir=work_dir,
        mirrors=args.mirrors,
        keep=args.keep,
        layer_cache=args.layer_cache,
        snapshot_after=args.snapshot_after,
        apt_cache=args.apt_cache,
        overlay=args.overlay,
    )
    started = time.monotonic()
    ok = False
    try:
        stage = builder.build()
        ok = True
        print(f"prove: {args.dockerfile} target {stage.name}: every step ran, in {time.monotonic() - started:.0f} s")
    except (ProofFailed, subprocess.CalledProcessError) as exc:
        print(f"prove: FAILED: {exc}", file=sys.stderr)
    finally:
        roots = {s.rootfs for s in builder.stages.values()}
        for root in roots:
            if args.keep and ok:
                print(f"prove: kept {root}")
            else:
                remove_rootfs(root)
        builder.prune_layers()  # after the roots: an overlay may stand on a layer
    print(builder.timing_table(), flush=True)
    if args.timings_json:
        args.timings_json.write_text(json.dumps([t.__dict__ for t in builder.timings], indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
