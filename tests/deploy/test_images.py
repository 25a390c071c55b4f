"""The images: one lock (the runtime subset of requirements.lock), nothing secret in the build
context, build steps that need no secret, and the Dockerfile prover itself.

The full proof (every RUN step of every Dockerfile, in a clean bookworm root filesystem) is
`make prove-images`, which CI runs (.ci/run); here the prover is tested on small Dockerfiles.
"""

from __future__ import annotations

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
    stages = dict(re.findall(r"^FROM (\S+) AS (\w+)$", site, flags=re.M)[i][::-1] for i in range(3))
    assert stages == {"web": "${PYTHON_IMAGE}", "worker": "web", "hub": "worker"}
    web = site.split("FROM web AS worker")[0]
    assert "grep -v '^torch=='" in web and "--index-url" not in web
    assert "find_spec('torch') is not None" in web  # the web stage proves torch is absent
    assert "requirements.lock" not in site.replace("requirements-runtime.lock", "")
    for name in ("singleuser.Dockerfile", "k8s-hub.Dockerfile"):
        text = (IMAGES / name).read_text()
        assert "requirements-runtime.lock" in text and "requirements.lock" not in text.replace(
            "requirements-runtime.lock", ""
        )
    assert "TORCH_INDEX_URL" in site and "whl/cpu" in site


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
    cache = Path(os.environ.get("PROVE_CACHE_DIR", "/var/cache/liangzhi-prove"))
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
    assert "restored the cached layer" in again.stdout and "python found" in again.stdout
    # a copied file changed: the steps before the COPY stay cached, the ones after it run again
    (context / "app" / "main.py").write_text("print('changed')\n")
    changed = subprocess.run([*common, "--target", "base"], capture_output=True, text=True, timeout=1800)
    assert changed.returncode == 0, changed.stdout[-4000:] + changed.stderr[-4000:]
    assert changed.stdout.count("prove:   cached (layer") == 1 and changed.stdout.count("prove:   ok in") == 3
    bad = subprocess.run([*common, "--target", "broken", "--no-cache"], capture_output=True, text=True, timeout=1800)
    assert bad.returncode == 1
    assert "exit 3" in bad.stderr and "step-that-fails" in bad.stderr and "never-reached" not in bad.stdout
    assert not list((tmp_path / "work").iterdir()), "root filesystems are removed after a proof"
