"""The images: one lock (the runtime subset of requirements.lock), nothing secret in the build
context, build steps that need no secret, and the Dockerfile prover itself.

The full proof (every RUN step of every Dockerfile, in a clean bookworm root filesystem) is
`make prove-images`, which CI runs (.ci/run); here the prover is tested on small Dockerfiles.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
IMAGES = REPO / "deploy" / "images"
sys.path.insert(0, str(IMAGES))
import prove  # noqa: E402
import runtime_lock  # noqa: E402

pytestmark = pytest.mark.unit
DEV_TOOLS = {
    "pytest",
    "pytest-django",
    "pytest-xdist",
    "playwright",
    "ruff",
    "mypy",
    "django-stubs",
    "factory-boy",
    "types-pyyaml",
}


def test_runtime_lock_is_the_dev_lock_at_the_same_pins_without_dev_tools() -> None:
    dev = runtime_lock.read_pins(REPO / "requirements.lock")
    runtime = runtime_lock.read_pins(REPO / "requirements-runtime.lock")
    assert runtime, "empty runtime lock"
    for name, (_written, version) in runtime.items():
        assert name in dev, f"{name} is in the runtime lock only"
        assert dev[name][1] == version, f"{name}: runtime {version} != dev {dev[name][1]}"
    assert not DEV_TOOLS & set(runtime)
    for needed in ("django", "gunicorn", "celery", "torch", "jupyterhub", "qiskit", "psycopg", "honcho", "httpx"):
        assert needed in runtime, needed


def test_runtime_lock_is_up_to_date() -> None:
    """Regenerating it from requirements.in and the installed lock changes nothing (run `make lock`)."""
    assert (REPO / "requirements-runtime.lock").read_text() == runtime_lock.runtime_lock_text()


def test_runtime_requirements_are_the_dev_requirements_without_the_tools() -> None:
    runtime = {r.name.lower() for r in runtime_lock.runtime_requirements()}
    assert runtime >= {"django", "gunicorn", "torch", "jupyterhub", "qiskit", "honcho"}
    assert not runtime & DEV_TOOLS and not runtime & set(runtime_lock.DEV_ONLY)
    assert {canonical(n) for n in DEV_TOOLS} >= runtime_lock.DEV_ONLY


def canonical(name: str) -> str:
    return name.lower().replace("_", "-")


def test_dockerignore_keeps_secrets_venvs_and_state_out_of_the_build_context() -> None:
    ignore = prove.DockerIgnore.load(REPO)
    for path in (
        ".venv/bin/python", "var/secret_key", "var/oidc/rsa-private.pem", "var/hub/secrets.json", "var/db.sqlite3",
        "node_modules/configurable-http-proxy/index.js", "test-output/shot.png", ".git/config", ".pytest_cache/x",
        ".mypy_cache/x", ".ruff_cache/x", "grading/__pycache__/x.pyc", "deploy/.env", "db.sqlite3",
        "some/app/.venv/lib", "key.pem",
    ):  # fmt: skip
        assert ignore.excluded(path), path
    for path in (
        "manage.py",
        "platform/config/settings.py",
        "deploy/run-web.sh",
        "requirements-runtime.lock",
        "sandbox/hub/jupyter/etc/jupyter/jupyter_server_config.json",
        "content/README.md",
        "package-lock.json",
    ):
        assert not ignore.excluded(path), path


def test_dockerfiles_install_the_runtime_lock_and_torch_only_where_needed() -> None:
    site = (IMAGES / "site.Dockerfile").read_text()
    stages = {name: parent for parent, name in re.findall(r"^FROM (\S+) AS (\w+)$", site, flags=re.M)}
    assert stages == {"deps": "${PYTHON_IMAGE}", "web": "deps", "torch": "deps", "worker": "torch", "hub": "torch"}
    web = site.split("FROM deps AS torch")[0]
    assert "grep -v '^torch=='" in web and "--index-url" not in web
    assert "find_spec('torch') is not None" in web  # the web stage proves torch is absent
    # the worker and the hub are the web image's files on top of torch (and Node): the same code
    for stage in ("worker", "hub"):
        body = site.split(f" AS {stage}\n")[1].split("\nFROM ")[0]
        assert "COPY --from=web --chown=root:root /srv/liangzhi /srv/liangzhi" in body
        assert "chown liangzhi:0 /srv/liangzhi/var" in body and "import torch, qiskit_aer, liangzhi_checks" in body
    assert "requirements.lock" not in site.replace("requirements-runtime.lock", "")
    for name in ("singleuser.Dockerfile", "k8s-hub.Dockerfile"):
        text = (IMAGES / name).read_text()
        assert "requirements-runtime.lock" in text and "requirements.lock" not in text.replace(
            "requirements-runtime.lock", ""
        )
    assert "TORCH_INDEX_URL" in site and "whl/cpu" in site


def test_slow_dockerfile_steps_depend_on_the_lock_files_only() -> None:
    """Good layer order (and what keeps `make prove-images` short in CI): no pip, apt or npm step
    comes after a COPY of the whole build context, so a code change re-runs none of them."""
    for name in ("site.Dockerfile", "singleuser.Dockerfile", "k8s-hub.Dockerfile"):
        instructions = prove.parse((IMAGES / name).read_text())
        copied_all: set[str] = set()  # stages that hold the whole context (COPY . or COPY --from such a stage)
        stage = ""
        for ins in instructions:
            if ins.keyword == "FROM":
                words = ins.args.split()
                stage = words[2] if len(words) > 2 else stage
                if words[0] in copied_all:
                    copied_all.add(stage)
            elif ins.keyword == "COPY" and (ins.args.split()[-2] == "." or "--from=" in ins.args):
                copied_all.add(stage)
            elif ins.keyword == "RUN" and stage in copied_all:
                for slow in ("pip install", "apt-get install", "npm ci"):
                    assert slow not in ins.args, f"{name} [{stage}] {slow} after the whole context: {ins}"


def test_build_steps_need_no_secret(tmp_path: Path) -> None:
    """collectstatic and check, as the web stage runs them, in an environment with no secret at all."""
    static = tmp_path / "static"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PYTHONPATH": f"{IMAGES}:{REPO}:{REPO / 'platform'}",
        "DJANGO_SETTINGS_MODULE": "build_settings",
        "LIANGZHI_DATA_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(static),
        # a real secret in the build environment is overridden, never used
        "DJANGO_SECRET_KEY": "a-real-secret-that-must-not-be-used-" + "x" * 30,
    }
    manage = [sys.executable, str(REPO / "manage.py")]
    for command in (["collectstatic", "--noinput"], ["check"]):
        result = subprocess.run([*manage, *command], env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    manifest = static / "staticfiles.json"
    assert manifest.exists() and '"paths"' in manifest.read_text()
    assert list(static.rglob("*.gz")), "compressed copies (whitenoise) are baked in too"
    assert not (tmp_path / "var" / "secret_key").exists() and not (tmp_path / "var" / "oidc").exists()
    probe = "import build_settings as s; print(s.SECRET_KEY)"
    shown = subprocess.run(
        [sys.executable, "-c", probe],
        env={**env, "PYTHONPATH": env["PYTHONPATH"]},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.stdout.startswith("build-only-not-a-secret"), shown.stderr[-2000:]


# --- the prover --------------------------------------------------------------------------------------
def test_prover_parses_continuations_comments_and_substitution() -> None:
    text = 'ARG BASE=python:3.11-slim-bookworm\nFROM ${BASE} AS web\n# c\nRUN a \\\n # inner\n && b\nENV X=1 Y="two words"\n'
    instructions = prove.parse(text)
    assert [(i.keyword, i.args) for i in instructions] == [
        ("ARG", "BASE=python:3.11-slim-bookworm"),
        ("FROM", "${BASE} AS web"),
        ("RUN", "a && b"),
        ("ENV", 'X=1 Y="two words"'),
    ]
    env = {"A": "1", "E": ""}
    assert prove.substitute("${A}-$A-${B:-dflt}-${A:+alt}-${E:+alt}-${E:-x}", env) == "1-1-dflt-alt--x"
    assert prove.key_values('X=1 Y="two words"', {}, legacy=True) == [("X", "1"), ("Y", "two words")]
    assert prove.key_values("PATH /a/b", {}, legacy=True) == [("PATH", "/a/b")]


def test_dockerignore_negation_and_double_star(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("**/*.log\nvar\n!var/keep.txt\n")
    ignore = prove.DockerIgnore.load(tmp_path)
    assert ignore.excluded("a/b/c.log") and ignore.excluded("x.log")
    assert ignore.excluded("var/secret") and not ignore.excluded("var/keep.txt")
    assert not ignore.excluded("variable.txt")


def test_prover_finds_stage_references_and_copy_flags() -> None:
    instructions = prove.parse(
        "FROM python:3.11-slim AS deps\nFROM deps AS web\nCOPY . .\nFROM deps AS worker\n"
        "COPY --from=web --chown=root:root /srv /srv\n"
    )
    assert prove.stage_references(instructions) == [
        (0, "python:3.11-slim"), (1, "deps"), (3, "deps"), (4, "web"),
    ]  # fmt: skip
    flags, words = prove._copy_flags(["--from=web", "--chown=root:root", "/srv", "/srv"], instructions[4])
    assert flags == {"from": "web", "chown": "root:root"} and words == ["/srv", "/srv"]
    with pytest.raises(prove.ProofFailed, match="--chmod is not supported"):
        prove._copy_flags(["--chmod=755", "a", "b"], instructions[4])


def test_prover_refuses_a_stage_another_stage_changed_in_place(tmp_path: Path) -> None:
    builder = prove.Builder(
        tmp_path / "Dockerfile", context=tmp_path, target=None, build_args={}, cache_dir=tmp_path,
        work_dir=tmp_path, mirrors=False, keep=False,
    )  # fmt: skip
    builder.stages["deps"] = prove.Stage("deps", tmp_path / "rootfs", continued_by="web")
    with pytest.raises(prove.ProofFailed, match="stage deps was changed in place by stage web"):
        builder._stage("deps", prove.Instruction(9, "COPY", "--from=deps /a /a"))


def _prover_available() -> str | None:
    if os.geteuid() != 0:
        return "the prover needs root (chroot, mount, debootstrap)"
    if not shutil.which("debootstrap"):
        return "debootstrap is not installed (apt-get install debootstrap; .ci/run does)"
    return None


@pytest.mark.integration
@pytest.mark.slow
def test_prover_runs_steps_in_a_clean_root_and_stops_at_the_first_failure(tmp_path: Path) -> None:
    """A small Dockerfile through the real prover: COPY honours .dockerignore, ENV/ARG/WORKDIR/USER
    reach RUN, the image's Python is the bookworm one, and a failing step fails loudly."""
    reason = _prover_available()
    if reason:
        pytest.fail(reason)  # CI runs as root with debootstrap: never skip silently
    context = tmp_path / "ctx"
    (context / "app").mkdir(parents=True)
    # content unique to this run: its layers cannot come from an earlier run of this test
    (context / "app" / "main.py").write_text(f"print('hello from the image {tmp_path.name}')\n")
    (context / "var").mkdir()
    (context / "var" / "secret_key").write_text("do-not-ship")
    (context / ".dockerignore").write_text("var\n")
    (context / "Dockerfile").write_text(
        "ARG PYTHON_IMAGE=python:3.11-slim-bookworm\n"
        "FROM ${PYTHON_IMAGE} AS base\n"
        "ARG GREETING=hi\n"
        "ENV APP_HOME=/srv/app\n"
        "RUN useradd --system --home-dir /srv/app appuser\n"
        "WORKDIR ${APP_HOME}\n"
        "COPY . .\n"
        "RUN test ! -e var/secret_key && test -f app/main.py && python app/main.py > out.txt\n"
        'RUN [ "$GREETING" = "hello" ] && python -c "import sys; assert sys.version_info[:2] == (3, 11)"\n'
        "USER appuser\n"
        'RUN test "$(id -un)" = appuser && test "$(pwd)" = /srv/app\n'
        'CMD ["python", "app/main.py"]\n'
        "FROM base AS broken\n"
        "RUN echo step-that-fails >&2 && exit 3\n"
        "RUN echo never-reached\n"
    )
    cache = Path(os.environ.get("PROVE_CACHE_DIR", prove.DEFAULT_CACHE_DIR))
    common = [
        sys.executable,
        str(IMAGES / "prove.py"),
        str(context / "Dockerfile"),
        "--context",
        str(context),
        "--cache-dir",
        str(cache),
        "--work-dir",
        str(tmp_path / "work"),
        "--build-arg",
        "GREETING=hello",
        "--snapshot-after",
        "0",
    ]
    good = subprocess.run([*common, "--target", "base"], capture_output=True, text=True, timeout=1800)
    assert good.returncode == 0, good.stdout[-4000:] + good.stderr[-4000:]
    assert "every step ran" in good.stdout and "CMD ['python', 'app/main.py']: python found" in good.stdout
    # the layer cache: the same inputs again run nothing and restore the tree as it was
    assert "cached this layer" in good.stdout
    again = subprocess.run([*common, "--target", "base"], capture_output=True, text=True, timeout=1800)
    assert again.returncode == 0, again.stdout[-4000:] + again.stderr[-4000:]
    assert "prove:   ok in" not in again.stdout and again.stdout.count("prove:   cached (layer") == 4
    assert re.search(r"prove: \[base\] (overlay on|copy of) \w+ in \d+ s", again.stdout), again.stdout
    assert "python found" in again.stdout
    assert (
        "prove: timings (wall seconds; load average" in again.stdout and "cached   [base] RUN useradd" in again.stdout
    )
    # a copied file changed: the steps before the COPY stay cached, the ones after it run again
    (context / "app" / "main.py").write_text("print('changed')\n")
    changed = subprocess.run([*common, "--target", "base"], capture_output=True, text=True, timeout=1800)
    assert changed.returncode == 0, changed.stdout[-4000:] + changed.stderr[-4000:]
    assert changed.stdout.count("prove:   cached (layer") == 1 and changed.stdout.count("prove:   ok in") == 3
    bad = subprocess.run([*common, "--target", "broken", "--no-cache"], capture_output=True, text=True, timeout=1800)
    assert bad.returncode == 1
    assert "exit 3" in bad.stderr and "step-that-fails" in bad.stderr and "never-reached" not in bad.stdout
    assert not list((tmp_path / "work").iterdir()), "root filesystems are removed after a proof"


@pytest.mark.integration
@pytest.mark.slow
def test_prover_branches_stages_copies_from_a_stage_and_keeps_the_cache_out_of_the_image(tmp_path: Path) -> None:
    """Two stages from one parent each get the parent's tree (neither sees the other's files);
    COPY --from takes a finished stage's files, modes kept, owned as --chown says, also when that
    stage's last step is a cached layer; a RUN sees the apt archive cache mount, whose files stay in
    the cache and out of the image; every step is in the timing table and the timings file."""
    reason = _prover_available()
    if reason:
        pytest.fail(reason)
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "lock.txt").write_text(f"pins {tmp_path.name}\n")  # unique: no layer from an earlier run
    (context / "Dockerfile").write_text(
        "FROM python:3.11-slim-bookworm AS deps\n"
        "WORKDIR /srv/app\n"
        "COPY lock.txt ./\n"
        "RUN useradd --system --uid 10001 app && echo deps > /srv/app/deps.txt\n"
        "FROM deps AS web\n"
        "RUN mkdir -p /srv/app/var && chmod 0700 /srv/app/var && chown app /srv/app/var && echo web > web.txt\n"
        "FROM deps AS worker\n"
        "RUN test ! -e /srv/app/web.txt && touch /var/cache/apt/archives/probe.deb && echo worker > worker.txt\n"
        "COPY --from=web --chown=root:root /srv/app /srv/app\n"
        'RUN test "$(cat web.txt worker.txt deps.txt)" = "$(printf "web\\nworker\\ndeps")" '
        '&& test "$(stat -c %a:%u var)" = 700:0 && test "$(stat -c %u web.txt)" = 0\n'
        'CMD ["python", "-c", "print(1)"]\n'
    )
    cache = tmp_path / "cache"
    common = [
        sys.executable,
        str(IMAGES / "prove.py"),
        str(context / "Dockerfile"),
        "--context",
        str(context),
        "--cache-dir",
        str(cache),
        "--work-dir",
        str(tmp_path / "work"),
        "--snapshot-after",
        "0",
        "--timings-json",
        str(tmp_path / "timings.json"),
    ]
    # the base and the wheelhouse are shared through the machine's cache: link them, don't rebuild
    shared = Path(os.environ.get("PROVE_CACHE_DIR", prove.DEFAULT_CACHE_DIR))
    cache.mkdir()
    for entry in shared.glob("*") if shared.exists() else []:
        if (entry / ".complete").exists():
            (cache / entry.name).symlink_to(entry)
    first = subprocess.run([*common, "--target", "worker"], capture_output=True, text=True, timeout=1800)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
    # worker still needs deps when web starts: web gets its own tree; worker, the last, continues deps'
    assert "FROM deps AS web: a copy of stage deps" in first.stdout
    assert "FROM deps AS worker: continues stage deps" in first.stdout
    assert "COPY from stage web /srv/app -> /srv/app" in first.stdout and "python found" in first.stdout
    probe = cache / "apt-archives" / "Dockerfile-worker" / "probe.deb"
    assert probe.exists(), "the apt archive cache is the mounted directory"
    layers = list((cache / "layers" / "Dockerfile-worker").iterdir())
    assert layers and not [p for layer in layers for p in (layer / "var/cache/apt/archives").glob("probe.deb")]
    timings = json.loads((tmp_path / "timings.json").read_text())
    assert {t["status"] for t in timings} >= {"from", "ran", "snapshot"}
    assert [t["what"].split()[0] for t in timings if t["status"] == "ran"] == [
        "WORKDIR", "COPY", "RUN", "RUN", "RUN", "COPY", "RUN", "CMD",
    ]  # fmt: skip
    # everything again: every RUN is cached, COPY --from reads the web stage's cached layer
    again = subprocess.run([*common, "--target", "worker"], capture_output=True, text=True, timeout=1800)
    assert again.returncode == 0, again.stdout[-4000:] + again.stderr[-4000:]
    assert "prove:   ok in" not in again.stdout and again.stdout.count("prove:   cached (layer") == 4
    assert "COPY from stage web /srv/app -> /srv/app" in again.stdout
    timings = json.loads((tmp_path / "timings.json").read_text())
    assert [t["status"] for t in timings if t["what"].startswith("RUN")] == ["cached"] * 4
    assert not list((tmp_path / "work").iterdir()), "root filesystems are removed after a proof"
