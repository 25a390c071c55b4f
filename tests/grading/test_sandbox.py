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
        reason = f"grading sandbox {sandbox_probe()['status']}: " + "; ".join(sandbox_probe()["problems"])  # type: ignore[arg-type]
        if os.environ.get("LIANGZHI_REQUIRE_ISOLATION") == "1":
            pytest.fail(f"LIANGZHI_REQUIRE_ISOLATION=1: {reason}")
        pytest.skip(reason)


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
    assert any("wall-clock limit of 1.5 s" in note for note in result.notes), result.notes


def test_sandbox_memory_limit(tmp_path):
    result = _py("x = bytearray(2 * 1024**3); print(len(x))", tmp_path, memory_mb=200)
    assert result.status == "memory_limit", (result.status, result.stderr[-300:])


def test_sandbox_fork_bomb_is_contained(tmp_path):
    code = "import os, time\nn=0\nfor _ in range(10000):\n    try:\n        if os.fork() == 0:\n            time.sleep(30); os._exit(0)\n        n += 1\n    except OSError:\n        break\nprint('FORKED', n)"
    result = _py(code, tmp_path, max_processes=32, wall_seconds=8)
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


def _mount_of(path: Path) -> str:
    """The filesystem type holding ``path`` (longest mount point that contains it)."""
    best, kind = "", ""
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        point = left.split()[4]
        if (str(path) == point or str(path).startswith(point.rstrip("/") + "/")) and len(point) > len(best):
            best, kind = point, right.split()[0]
    return kind


def test_sandbox_disk_quota_stops_the_job_and_nothing_reaches_the_disk(tmp_path):
    if sandbox_probe().get("disk_quota") != "tmpfs":
        pytest.fail(f"no disk quota on this machine: {sandbox_probe()['problems']}")
    code = (
        "import os\n"
        "st = os.statvfs('.')\n"
        "print('SIZE', st.f_blocks * st.f_frsize, flush=True)\n"
        "chunk = b'x' * (1024 * 1024)\n"
        "written = 0\n"
        "with open('big.bin', 'wb') as f:\n"
        "    for _ in range(400):\n"
        "        try:\n"
        "            f.write(chunk); f.flush(); written += 1\n"
        "        except OSError as e:\n"
        "            print('ENOSPC' if e.errno == 28 else e, flush=True)\n"
        "            break\n"
        "import time; time.sleep(30)\n"  # a job that goes on after a full disk is stopped
        "print('survived')\n"
    )
    result = _py(code, tmp_path, disk_mb=16, wall_seconds=60, max_file_bytes=1024**3)
    assert result.status == "disk_limit", (result.status, result.stdout, result.stderr[-500:])
    assert any("disk quota of 16 MiB" in note for note in result.notes), result.notes
    assert "survived" not in result.stdout
    job = tmp_path / "job"
    # While it ran, the job folder was a filesystem of the quota's size (a tmpfs, not the disk);
    # afterwards it is a plain folder again holding at most the quota.
    assert int(result.stdout.split("SIZE")[1].split()[0]) <= 16 * 1024 * 1024
    assert _mount_of(job) != "tmpfs"
    assert (job / "big.bin").stat().st_size <= 16 * 1024 * 1024
    assert sum(p.stat().st_size for p in job.rglob("*") if p.is_file()) <= 16 * 1024 * 1024


def test_sandbox_sparse_file_or_fifo_cannot_blow_up_the_copy_back(tmp_path):
    code = (
        "import os\n"
        "with open('sparse.bin', 'wb') as f:\n"
        "    f.truncate(50 * 1024**3)\n"  # 50 GiB apparent size, no blocks
        "os.mkfifo('pipe')\n"
        "os.symlink('/etc/passwd', 'link')\n"
        "open('ok.txt', 'w').write('kept')\n"
    )
    result = _py(code, tmp_path, disk_mb=16, max_file_bytes=100 * 1024**3)
    assert result.status == "ok", result.stderr
    job = tmp_path / "job"
    assert (job / "ok.txt").read_text() == "kept"
    assert not (job / "sparse.bin").exists() and not (job / "pipe").exists()
    assert (job / "link").is_symlink()  # copied as a link, never followed


def test_sandbox_private_tmp_has_a_size_limit(tmp_path):
    code = (
        "n = 0\n"
        "try:\n"
        "    with open('/tmp/fill', 'wb') as f:\n"
        "        for _ in range(64):\n"
        "            f.write(b'x' * 1024 * 1024); f.flush(); n += 1\n"
        "except OSError as e:\n"
        "    print('errno', e.errno)\n"
        "print('MB', n)\n"
    )
    result = _py(code, tmp_path, tmp_mb=8, max_file_bytes=1024**3)
    assert "errno 28" in result.stdout, result.stdout + result.stderr
    assert int(result.stdout.split("MB")[-1]) <= 8


def test_sandbox_cpu_rate_is_limited(tmp_path):
    if not sandbox_probe().get("cgroup_cpu"):
        pytest.fail(f"no cpu controller on this machine: {sandbox_probe()['problems']}")
    # Busy for 3 s of wall time under a 0.1-core quota: at most ~0.3 s of CPU (unlimited: ~3 s).
    code = (
        "import time\n"
        "end = time.monotonic() + 3\n"
        "while time.monotonic() < end: pass\n"
        "print('CPU', time.process_time())\n"
    )
    result = _py(code, tmp_path, cpu_cores=0.1)
    assert result.status == "ok", result.stderr
    assert float(result.stdout.split()[-1]) < 1.5, result.stdout
