"""The sandbox itself: who runs, what is visible, what is writable, and every limit."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from grading.runner.sandbox import SandboxLimits, sandbox_probe, sandbox_run

pytestmark = [pytest.mark.integration]


@pytest.fixture(scope="module", autouse=True)
def _needs_bwrap():  # type: ignore[no-untyped-def]
    if not sandbox_probe()["isolated"]:
        pytest.skip("no working bubblewrap here: " + "; ".join(sandbox_probe()["problems"]))  # type: ignore[arg-type]


def _py(code: str, tmp_path: Path, **limits):  # type: ignore[no-untyped-def]
    job = tmp_path / "job"
    job.mkdir(exist_ok=True)
    return sandbox_run(
        [sys.executable, "-c", code], job_dir=job, limits=SandboxLimits(**{"wall_seconds": 20, **limits})
    )


def test_probe_reports_isolation():
    probe = sandbox_probe()
    assert probe["isolated"] is True and probe["bwrap"]
    if os.geteuid() == 0:
        assert probe["memory_limit"] in ("cgroup", "rlimit_as")


def test_sandbox_runs_venv_python_as_unprivileged_uid(tmp_path):
    result = _py("import os, numpy, liangzhi_checks; print(os.getuid(), os.getgid(), os.getgroups())", tmp_path)
    assert result.status == "ok", result.stderr
    uid, gid = (int(x) for x in result.stdout.split()[:2])
    assert uid != 0 and gid != 0
    assert result.stdout.strip().endswith("[]")


def test_sandbox_only_job_dir_is_writable(tmp_path):
    code = (
        "import os\n"
        "open('ok.txt','w').write('x')\n"
        "bad=[]\n"
        "for p in ['/usr/x', '/etc/x', os.path.dirname(os.__file__) + '/x', '/x']:\n"
        "    try:\n        open(p,'w'); bad.append(p)\n    except OSError: pass\n"
        "print('BAD', bad)\n"
    )
    result = _py(code, tmp_path)
    assert result.status == "ok", result.stderr
    assert "BAD []" in result.stdout
    assert (tmp_path / "job" / "ok.txt").read_text() == "x"


def test_sandbox_hides_repository_data_and_database(tmp_path, settings):
    repo = Path(__file__).resolve().parents[2]
    secret = [
        str(repo / "var"),
        str(repo / "content"),
        str(repo / "platform" / "config" / "settings.py"),
        str(settings.BLOB_ROOT),
        "/root",
        "/work/shared",
    ]
    code = f"import os, json\nprint(json.dumps({{p: os.path.exists(p) for p in {secret!r}}}))"
    result = _py(code, tmp_path)
    assert result.status == "ok", result.stderr
    assert "true" not in result.stdout, result.stdout


def test_sandbox_has_no_network(tmp_path):
    code = (
        "import socket\nout=[]\n"
        "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=2); out.append('tcp')\nexcept OSError: pass\n"
        "try:\n    socket.getaddrinfo('example.com', 80); out.append('dns')\nexcept OSError: pass\n"
        "print('NET', out)"
    )
    result = _py(code, tmp_path)
    assert "NET []" in result.stdout, result.stdout + result.stderr


def test_sandbox_wall_timeout(tmp_path):
    result = _py("while True: pass", tmp_path, wall_seconds=1.5)
    assert result.status == "timed_out"
    assert result.wall_seconds < 10


def test_sandbox_memory_limit(tmp_path):
    result = _py("x = bytearray(2 * 1024**3); print(len(x))", tmp_path, memory_mb=200)
    assert result.status == "memory_limit", (result.status, result.stderr[-300:])


def test_sandbox_fork_bomb_is_contained(tmp_path):
    code = "import os, time\nn=0\nfor _ in range(10000):\n    try:\n        if os.fork() == 0:\n            time.sleep(30); os._exit(0)\n        n += 1\n    except OSError:\n        break\nprint('FORKED', n)"
    started = time.monotonic()
    result = _py(code, tmp_path, max_processes=32, wall_seconds=8)
    assert time.monotonic() - started < 15
    assert result.status in ("ok", "timed_out")
    if "FORKED" in result.stdout:
        assert int(result.stdout.split()[-1]) < 40


def test_sandbox_detached_process_dies_with_the_job(tmp_path):
    marker = "sleep-marker-424242"
    code = f"import subprocess\nsubprocess.Popen(['/bin/sh', '-c', 'exec -a {marker} sleep 60'], start_new_session=True)\nprint('started')"
    result = _py(code, tmp_path)
    assert result.status == "ok" and "started" in result.stdout
    time.sleep(0.3)
    alive = [p for p in os.listdir("/proc") if p.isdigit() and marker in _cmdline(p)]
    assert alive == []


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def test_sandbox_truncates_huge_output(tmp_path):
    result = _py(
        "import sys\nfor _ in range(100):\n    sys.stdout.write('x' * 1024 * 1024)",
        tmp_path,
        max_output_bytes=64 * 1024,
    )
    assert result.status == "ok"
    assert len(result.stdout) <= 64 * 1024 and result.stdout_truncated


def test_without_isolation_refuses_unless_unsafe_allowed(tmp_path, monkeypatch):
    from grading.runner import sandbox

    monkeypatch.setattr(
        sandbox, "sandbox_probe", lambda **k: {"isolated": False, "bwrap": None, "problems": ["bubblewrap not found"]}
    )
    job = tmp_path / "job"
    with pytest.raises(sandbox.SandboxUnavailable, match="bubblewrap not found"):
        sandbox.sandbox_run([sys.executable, "-c", "print(1)"], job_dir=job, limits=SandboxLimits())
    result = sandbox.sandbox_run(
        [sys.executable, "-c", "print('dev')"], job_dir=job, limits=SandboxLimits(), allow_unsafe=True
    )
    assert result.status == "ok" and result.stdout.strip() == "dev" and result.isolated is False


def test_startup_check_warns_the_admin(monkeypatch, settings):
    from grading import checks
    from grading.runner import sandbox

    assert checks.sandbox_available() == []
    monkeypatch.setattr(sandbox, "sandbox_probe", lambda **k: {"isolated": False, "problems": ["bubblewrap not found"]})
    settings.GRADING_ALLOW_UNSAFE = False
    [msg] = checks.sandbox_available()
    assert msg.id == "grading.W002" and "grading is refused" in msg.msg
    settings.GRADING_ALLOW_UNSAFE = True
    assert checks.sandbox_available()[0].id == "grading.W001"
