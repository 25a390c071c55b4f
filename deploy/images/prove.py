"""Prove a Dockerfile's build steps without a container engine: run them, in order, in a chroot.

No OCI runtime works on the machines this project is built on (no CAP_SYS_RESOURCE: podman cannot
set rlimits), so an image build is proven by doing what the builder would do:

* ``FROM python:3.11-slim-bookworm`` becomes a clean Debian bookworm root filesystem made by
  ``debootstrap --variant=minbase`` with Debian's Python 3.11 installed as a virtual environment
  at ``/usr/local`` (so ``python`` and ``pip`` are on the PATH where the official image has them).
  The bootstrapped base is cached under ``--cache-dir`` keyed by release and package list; each
  proof starts from a fresh copy of it. ``FROM <earlier stage>`` continues that stage.
* a layer cache with Docker's rule: a RUN step whose whole history (base, every earlier instruction,
  build args, environment, the content of every file copied) matches an earlier proof's is not run
  again; the tree as it stood after it is restored (only steps slower than ``--snapshot-after``
  seconds are kept; ``--no-cache`` runs everything). A step proven once with the same inputs is
  proven, as for ``docker build``; a change in a registry since then shows at the next uncached run.
* ``ARG`` (build-args and defaults), ``ENV``, ``WORKDIR``, ``USER`` and variable substitution
  (``$X``, ``${X}``, ``${X:-default}``, ``${X:+alternative}``) as Docker's builder applies them.
* ``COPY`` from the build context honouring ``.dockerignore`` (``--chown`` kept, ``--from`` refused).
* every ``RUN`` (shell and exec forms) inside the chroot, with the stage's environment, as its
  user, from its working directory; the first failing step stops the proof with its output.
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
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
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


def base_rootfs(image: str, cache_dir: Path) -> Path:
    """A cached, pristine root filesystem standing in for ``image``."""
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
    mounted: list[Path] = field(default_factory=list)

    def __enter__(self) -> Rootfs:
        self._mount("proc", self.path / "proc", ["-t", "proc", "proc"])
        for dev in ("null", "zero", "random", "urandom", "tty", "full"):
            target = self.path / "dev" / dev
            if not target.exists():
                target.touch()
            self._mount("dev", target, ["--bind", f"/dev/{dev}"])
        shutil.copy("/etc/resolv.conf", self.path / "etc" / "resolv.conf")
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


def remove_rootfs(path: Path) -> None:
    left = _mounts_under(path)
    if left:  # never delete through a live mount (a bind of /dev or a mirror)
        raise ProofFailed(f"refusing to delete {path}: still mounted: {left}")
    shutil.rmtree(path, ignore_errors=True)


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
        snapshot_after: float = 60.0,
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
        self.timings: list[tuple[str, float]] = []
        # Layer cache, Docker's rule: a step whose whole history (base, every earlier instruction, the
        # build args and environment, the content of every file copied) is the same as in an earlier
        # proof is not run again; the root filesystem as it stood after it is restored instead. Only
        # steps slower than snapshot_after seconds are kept (a snapshot costs a copy of the tree).
        self.layer_cache = layer_cache
        self.snapshot_after = snapshot_after
        self.layers = cache_dir / "layers" / f"{dockerfile.name}-{target or 'last'}"
        self.key = ""
        self.pending: Path | None = None  # a cached layer to restore before the next step that needs files
        self.layers_used: set[str] = set()

    def _next_key(self, ins: Instruction, stage: Stage) -> str:
        digest = hashlib.sha256(self.key.encode())
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
            words = [w for w in shlex.split(substitute(ins.args, self._scope(stage))) if not w.startswith("--")]
            for source in words[:-1]:
                for path, rel in context_files(self.context, self.ignore, source):
                    digest.update(f"{source}\0{rel}\0{path.lstat().st_mode}\0".encode())
                    digest.update(os.readlink(path).encode() if path.is_symlink() else path.read_bytes())
        return digest.hexdigest()[:24]

    def _restore(self, rootfs_cm: Rootfs, layer: Path) -> None:
        """Put the cached layer in place of the root filesystem (mounts off first: never copy or
        delete through a bind of /dev or a mirror)."""
        started = time.monotonic()
        rootfs_cm.__exit__(None, None, None)
        remove_rootfs(rootfs_cm.path)
        _run(["cp", "-a", "--reflink=auto", str(layer), str(rootfs_cm.path)])
        (rootfs_cm.path / ".complete-layer").unlink(missing_ok=True)
        rootfs_cm.__enter__()
        print(f"prove: restored the cached layer {layer.name} in {time.monotonic() - started:.0f} s", flush=True)

    def _snapshot(self, rootfs_cm: Rootfs) -> None:
        started = time.monotonic()
        self.layers.mkdir(parents=True, exist_ok=True)
        target = self.layers / self.key
        partial = self.layers / f".{self.key}.partial"
        rootfs_cm.__exit__(None, None, None)
        try:
            if _mounts_under(rootfs_cm.path):
                raise ProofFailed(f"{rootfs_cm.path} is still mounted; no snapshot")
            shutil.rmtree(partial, ignore_errors=True)
            _run(["cp", "-a", "--reflink=auto", str(rootfs_cm.path), str(partial)])
            shutil.rmtree(target, ignore_errors=True)
            partial.rename(target)
        finally:
            rootfs_cm.__enter__()
        self.layers_used.add(self.key)
        print(f"prove: cached this layer ({self.key}) in {time.monotonic() - started:.0f} s", flush=True)

    def prune_layers(self) -> None:
        """Keep the layers this proof used or made; older ones of the same Dockerfile and target go."""
        if not self.layer_cache or not self.layers.exists():
            return
        for entry in self.layers.iterdir():
            if entry.name not in self.layers_used:
                shutil.rmtree(entry, ignore_errors=True)

    def build(self) -> Stage:
        instructions = parse(self.dockerfile.read_text())
        global_args: dict[str, str] = {}
        stage: Stage | None = None
        rootfs_cm: Rootfs | None = None
        # Only the stages the target needs, like BuildKit: cut the file after the target stage.
        try:
            for ins in instructions:
                if ins.keyword == "ARG" and stage is None:
                    for name, value in key_values(ins.args, global_args, legacy=False):
                        global_args[name] = self.build_args.get(name, "" if value == "\0unset" else value)
                    continue
                if ins.keyword == "FROM":
                    if stage is not None and stage.name == self.target:
                        break
                    if rootfs_cm is not None:
                        rootfs_cm.__exit__(None, None, None)
                    stage = self._from(ins, global_args)
                    rootfs_cm = Rootfs(stage.rootfs, self.mirrors, self.wheels).__enter__()
                    continue
                if stage is None or rootfs_cm is None:
                    raise ProofFailed(f"{ins}: before any FROM")
                self.key = self._next_key(ins, stage)
                layer = self.layers / self.key
                if self.layer_cache and ins.keyword == "RUN" and (layer / ".complete-layer").exists():
                    print(f"prove: [{stage.name}] RUN {ins.args}\nprove:   cached (layer {self.key})", flush=True)
                    self.pending = layer
                    self.layers_used.add(self.key)
                    continue
                if self.pending is not None and ins.keyword not in (
                    "ARG",
                    "ENV",
                    "EXPOSE",
                    "LABEL",
                    "CMD",
                    "ENTRYPOINT",
                ):
                    self._restore(rootfs_cm, self.pending)
                    self.pending = None
                started = time.monotonic()
                self._step(ins, stage, rootfs_cm)
                if self.layer_cache and ins.keyword == "RUN" and time.monotonic() - started >= self.snapshot_after:
                    (stage.rootfs / ".complete-layer").write_text(self.key)
                    self._snapshot(rootfs_cm)
                    (stage.rootfs / ".complete-layer").unlink()
            if self.pending is not None and rootfs_cm is not None:
                self._restore(rootfs_cm, self.pending)
                self.pending = None
            if stage is None:
                raise ProofFailed("no FROM")
            if self.target and stage.name != self.target:
                raise ProofFailed(f"no stage named {self.target}")
            self._check_cmd(stage)
            return stage
        finally:
            if rootfs_cm is not None:
                rootfs_cm.__exit__(None, None, None)

    def _from(self, ins: Instruction, global_args: dict[str, str]) -> Stage:
        words = substitute(ins.args, global_args).split()
        image = words[0]
        name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else str(len(self.stages))
        if image in self.stages:
            parent = self.stages[image]
            stage = Stage(name, parent.rootfs, dict(parent.env), {}, parent.workdir, parent.user, parent.cmd)
            print(f"prove: FROM {image} AS {name} (continues stage {image})", flush=True)
        else:
            base = base_rootfs(image, self.cache_dir)
            self.key = hashlib.sha256(f"{image}\0{base.name}".encode()).hexdigest()[:24]
            path = Path(tempfile.mkdtemp(prefix="rootfs-", dir=self.work_dir))
            started = time.monotonic()
            _run(["cp", "-a", "--reflink=auto", f"{base}/.", str(path)])
            path.chmod(0o755)  # an image's / (mkdtemp made it 0700: no other user could enter it)
            print(
                f"prove: FROM {image} AS {name}: fresh copy of the base in {time.monotonic() - started:.0f} s",
                flush=True,
            )
            stage = Stage(name, path)
        self.stages[name] = stage
        return stage

    def _scope(self, stage: Stage) -> dict[str, str]:
        return {**stage.args, **stage.env}

    def _step(self, ins: Instruction, stage: Stage, rootfs: Rootfs) -> None:
        started = time.monotonic()
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
            self._run_step(ins, stage, rootfs)
        elif kw in ("CMD", "ENTRYPOINT"):
            stage.cmd = _exec_form(ins.args) or ["/bin/sh", "-c", ins.args]
        elif kw in ("EXPOSE", "LABEL", "HEALTHCHECK", "STOPSIGNAL", "VOLUME", "SHELL", "ONBUILD", "MAINTAINER"):
            if kw in ("SHELL", "ONBUILD"):
                raise ProofFailed(f"{ins}: the prover does not implement {kw}")
        else:
            raise ProofFailed(f"{ins}: unknown instruction")
        self.timings.append((f"{stage.name}: {ins.keyword} {ins.args[:70]}", time.monotonic() - started))

    def _copy(self, ins: Instruction, stage: Stage) -> None:
        words = shlex.split(substitute(ins.args, self._scope(stage)))
        chown = None
        while words and words[0].startswith("--"):
            flag = words.pop(0)
            if flag.startswith("--chown="):
                chown = flag.split("=", 1)[1]
            else:
                raise ProofFailed(f"{ins}: {flag} is not supported by the prover")
        *sources, dest = words
        dest_abs = dest if dest.startswith("/") else os.path.join(stage.workdir, dest)
        into_dir = dest.endswith("/") or dest in (".", "./") or len(sources) > 1
        uid, gid = _user_ids(stage.rootfs, chown) if chown else (0, 0)
        count = 0
        for source in sources:
            files = context_files(self.context, self.ignore, source)
            source_is_dir = (self.context / source).is_dir()
            for path, rel in files:
                several = source_is_dir or into_dir or len(files) > 1
                target_rel = os.path.join(dest_abs, rel) if several else dest_abs
                target = stage.rootfs / target_rel.lstrip("/")
                target.parent.mkdir(parents=True, exist_ok=True)
                if path.is_symlink():
                    if target.is_symlink() or target.exists():
                        target.unlink()
                    target.symlink_to(os.readlink(path))
                else:
                    shutil.copy2(path, target)
                os.lchown(target, uid, gid)
                count += 1
        print(f"prove: {ins.keyword} {' '.join(sources)} -> {dest_abs} ({count} files)", flush=True)

    def _run_step(self, ins: Instruction, stage: Stage, rootfs: Rootfs) -> None:
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
        print(f"prove: [{stage.name}] RUN {ins.args}", flush=True)
        started = time.monotonic()
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
        program = stage.cmd[0]
        path = stage.env.get("PATH", DEFAULT_PATH)
        if "/" in program:
            candidates = [os.path.join(stage.workdir, program) if not program.startswith("/") else program]
        else:
            candidates = [os.path.join(d, program) for d in path.split(":")]
        if not any(
            (stage.rootfs / c.lstrip("/")).exists() and os.access(stage.rootfs / c.lstrip("/"), os.X_OK)
            for c in candidates
        ):
            raise ProofFailed(f"CMD {stage.cmd}: {program} is not an executable in the image")
        print(f"prove: CMD {stage.cmd}: {program} found", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dockerfile", type=Path)
    parser.add_argument("--context", type=Path, default=REPO)
    parser.add_argument("--target")
    parser.add_argument("--build-arg", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument(
        "--cache-dir", type=Path, default=Path(os.environ.get("PROVE_CACHE_DIR", "/var/cache/liangzhi-prove"))
    )
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
        default=60.0,
        metavar="SECONDS",
        help="cache the layer after a RUN step that took this long (default 60)",
    )
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("prove: needs root (debootstrap, chroot, mount)", file=sys.stderr)
        return 2
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
        builder.prune_layers()
        roots = {s.rootfs for s in builder.stages.values()}
        for root in roots:
            if args.keep and ok:
                print(f"prove: kept {root}")
            else:
                remove_rootfs(root)
    slow = sorted(builder.timings, key=lambda t: -t[1])[:5]
    for what, seconds in slow:
        print(f"prove:   {seconds:6.0f} s  {what}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
