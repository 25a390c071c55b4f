"""Hostile notebooks against runners forked from the kernel zygote (grading/runner/zygote_server.py).

Every attack runs as a student's answer cell through the real grading path: ``grade()`` with a warm
pool whose runners the zygote forks, trusted test execution on, bubblewrap + cgroups as root. The
cell prints what it found (``RESULT=`` + base64 JSON) and the test reads it from the feedback.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest

from grading.authoring import prepare_notebook
from grading.runner import zygote
from grading.runner.autograde import grade
from grading.runner.pool import TrustedServer, WarmPool
from grading.runner.sandbox import SandboxLimits

from .conftest import solved

pytestmark = [pytest.mark.integration]

# What every attack cell starts with: a way to report, and answer() so the assignment's test passes.
PRELUDE = (
    "import base64 as _b64, json as _json\n"
    "def report(value):\n"
    "    print('RESULT=' + _b64.b64encode(_json.dumps(value).encode()).decode())\n"
    "def answer():\n"
    "    return 42\n"
)


def _source() -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}

    def meta(gid: str, **kw: Any) -> dict[str, Any]:
        return {
            "nbgrader": {"grade_id": gid, "schema_version": 3, "grade": False, "solution": False, "locked": False, **kw}
        }

    nb.cells = [
        nbformat.v4.new_code_cell("import math", metadata=meta("setup", locked=True)),
        nbformat.v4.new_code_cell(
            "def answer():\n    ### BEGIN SOLUTION\n    return 42\n    ### END SOLUTION",
            metadata=meta("answer", solution=True),
        ),
        nbformat.v4.new_code_cell(
            "assert answer() == 42", metadata=meta("test_answer", grade=True, locked=True, points=5)
        ),
    ]
    return nbformat.writes(nb)


@pytest.fixture(scope="module")
def assignment() -> dict[str, str]:
    if not zygote.enabled():
        pytest.skip("the zygote needs root, bubblewrap and cgroup limits (GRADING_ZYGOTE on)")
    source = _source()
    return {"source": source, "student": prepare_notebook(source, name="z.ipynb").student_json}


@pytest.fixture(scope="module")
def pool(assignment: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Any:
    work = tmp_path_factory.mktemp("zygote") / "jobs"
    warm = WarmPool(
        limits=SandboxLimits(wall_seconds=90, memory_mb=512, max_processes=64),
        work_root=work,
        preload="math,json",
        size=2,
        ready_timeout=180,
        zygote=True,
    )
    warm.fill()
    yield warm
    warm.close()


def _grade(assignment: dict[str, str], pool: WarmPool, code: str, trusted: Any = None, **limits: Any) -> Any:
    submission = solved(assignment["source"], assignment["student"], {"answer": PRELUDE + code})
    return grade(
        trusted_server=trusted,
        source_json=assignment["source"],
        student_json=assignment["student"],
        submission_json=submission,
        limits=SandboxLimits(**{"wall_seconds": 90, "memory_mb": 512, "max_processes": 64, **limits}),
        work_root=pool.work_root,
        cell_timeout=60,
        pool=pool,
    )


def _result(outcome: Any) -> Any:
    found = re.search(r"RESULT=([A-Za-z0-9+/=]+)", json.dumps(outcome.feedback))
    assert found, (
        f"no result printed: {outcome.status} {outcome.message}\n{outcome.log}\n{json.dumps(outcome.feedback)[-3000:]}"
    )
    return json.loads(base64.b64decode(found.group(1)))


def _forked(outcome: Any) -> None:
    assert "(warm)" in outcome.log, outcome.log  # the job ran on a runner the zygote forked


def test_zygote_runner_has_no_privilege_left(assignment: dict[str, str], pool: WarmPool) -> None:
    code = (
        "import os, subprocess\n"
        "status = dict(l.split(':', 1) for l in open('/proc/self/status').read().splitlines() if ':' in l)\n"
        "caps = {k: status[k].strip() for k in ('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs', 'Uid', 'Gid', 'Groups')}\n"
        "def tried(fn):\n"
        "    try:\n"
        "        fn()\n"
        "        return 'allowed'\n"
        "    except OSError as exc:\n"
        "        return type(exc).__name__\n"
        "su = [p for p in ('/usr/bin/mount',) if os.path.exists(p) and os.stat(p).st_mode & 0o4000]\n"
        "euid = []\n"
        "for p in su:\n"
        "    # a setuid-root binary runs as us under no_new_privs: mount refuses, it is not root\n"
        "    r = subprocess.run([p, '-t', 'tmpfs', 'none', '/tmp'], capture_output=True, text=True)\n"
        "    euid.append([r.returncode, r.stderr[-200:]])\n"
        "import ctypes\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "report({'caps': caps, 'setuid0': tried(lambda: os.setuid(0)), 'setgid0': tried(lambda: os.setgid(0)),\n"
        "        'chroot': tried(lambda: os.chroot('/tmp')), 'setuid_bins': su, 'mount_rc': euid,\n"
        "        'mount_syscall': libc.mount(b'none', b'/tmp', b'tmpfs', 0, None), 'uid': os.getuid(), 'euid': os.geteuid()})\n"
    )
    out = _grade(assignment, pool, code)
    _forked(out)
    found = _result(out)
    caps = found["caps"]
    for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(caps[key], 16) == 0, found
    assert caps["NoNewPrivs"] == "1"
    assert found["uid"] != 0 and found["euid"] != 0
    assert set(caps["Uid"].split()) == {str(found["uid"])} and caps["Groups"] in ("", caps["Gid"].split()[0])
    assert found["setuid0"] == "PermissionError" and found["setgid0"] == "PermissionError"
    assert found["chroot"] == "PermissionError" and found["mount_syscall"] == -1
    assert all(rc != 0 for rc, _ in found["mount_rc"]), found["mount_rc"]
    assert out.score == 5.0


def test_zygote_and_runner_cannot_be_seen_signalled_traced_or_read(assignment: dict[str, str], pool: WarmPool) -> None:
    assert pool.zygote is not None and pool.zygote.alive()
    zpid = pool.zygote.proc.pid
    code = (
        "import os, signal, ctypes\n"
        f"zpid = {zpid}\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "def tried(fn):\n"
        "    try:\n"
        "        fn()\n"
        "        return 'allowed'\n"
        "    except OSError as exc:\n"
        "        return type(exc).__name__\n"
        "pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())\n"
        "cmds = {p: open(f'/proc/{p}/cmdline', 'rb').read().replace(b'\\0', b' ').decode(errors='replace') for p in pids if os.path.exists(f'/proc/{p}/cmdline')}\n"
        "runner = os.getppid()\n"
        "def ptrace(pid):\n"
        "    return libc.ptrace(16, pid, 0, 0), ctypes.get_errno()  # PTRACE_ATTACH\n"
        "report({'pids': pids, 'cmds': cmds, 'kill_zygote': tried(lambda: os.kill(zpid, 0)),\n"
        "        'mem_zygote': tried(lambda: open(f'/proc/{zpid}/mem', 'rb').read(1)),\n"
        "        'ptrace_zygote': ptrace(zpid), 'ptrace_runner': ptrace(runner),\n"
        "        'mem_runner': tried(lambda: open(f'/proc/{runner}/mem', 'rb')),\n"
        "        'environ_runner': tried(lambda: open(f'/proc/{runner}/environ', 'rb').read()),\n"
        "        'kill_init': tried(lambda: os.kill(1, signal.SIGKILL)), 'me': os.getpid(),\n"
        "        'environ': dict(os.environ)})\n"
    )
    out = _grade(assignment, pool, code)
    _forked(out)
    found = _result(out)
    # Its own pid namespace: bubblewrap's init, the holder, the runner, the kernel (and what it ran).
    assert max(found["pids"]) < 50 and zpid not in found["pids"], found["pids"]
    assert found["kill_zygote"] == "ProcessLookupError" and found["mem_zygote"] == "FileNotFoundError"
    assert found["ptrace_zygote"][0] == -1 and found["ptrace_runner"][0] == -1
    assert found["mem_runner"] == "PermissionError" and found["environ_runner"] == "PermissionError"
    assert found["kill_init"] == "PermissionError"
    assert not any(k in found["environ"] for k in ("DATABASE_URL", "SECRET_KEY", "DJANGO_SECRET_KEY", "JPY_PARENT_PID"))
    assert pool.zygote.alive() and pool.zygote.proc.pid == zpid  # nothing a job does reaches it
    assert out.score == 5.0


def _kernel_pid_in(job_dir: Path) -> int | None:
    """The host pid of a process whose working directory is ``job_dir`` (the job's kernel)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.readlink(entry / "cwd") == str(job_dir):
                    status = (entry / "status").read_text()
                    if "\nUid:\t0\t" not in status:
                        return int(entry.name)
            except OSError:
                continue
    return None


def test_concurrent_jobs_cannot_reach_each_other(assignment: dict[str, str], pool: WarmPool) -> None:
    """Job A holds a file in /tmp and in its folder, an abstract unix socket, SysV shared memory and a
    background process; job B, running at the same time, finds none of them and cannot signal,
    trace or read A's kernel by its host pid."""
    marker = "zyg-A-" + os.urandom(4).hex()
    code_a = (
        "import os, socket, ctypes, subprocess, sys, time\n"
        f"open('/tmp/{marker}', 'w').write('secret')\n"
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
        f"s.bind('\\0{marker}')\n"
        "s.listen(1)\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "shm = libc.shmget(0x4C5A0001, 4096, 0o1666)  # IPC_CREAT | 0666\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)', '{marker}-bg'], start_new_session=True)\n"
        f"open('{marker}', 'w').write('secret')  # in the job folder: the test waits for it\n"
        "time.sleep(15)\n"
        "report({'shm': shm})\n"
    )
    results: dict[str, Any] = {}
    job_a = threading.Thread(target=lambda: results.setdefault("a", _grade(assignment, pool, code_a)))
    job_a.start()
    deadline = time.monotonic() + 240
    folder: Path | None = None
    while folder is None and time.monotonic() < deadline and job_a.is_alive():
        folder = next((p.parent for p in pool.work_root.glob(f"job-*/{marker}")), None)
        time.sleep(0.1)
    assert folder is not None, "job A never started"
    pid_a = _kernel_pid_in(folder)
    assert pid_a is not None
    code_b = (
        "import os, socket, ctypes, glob\n"
        f"pid_a = {pid_a}\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "def tried(fn):\n"
        "    try:\n"
        "        fn()\n"
        "        return 'allowed'\n"
        "    except OSError as exc:\n"
        "        return type(exc).__name__\n"
        "c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
        "cmds = [open(f'/proc/{p}/cmdline', 'rb').read().decode(errors='replace') for p in os.listdir('/proc') if p.isdigit()]\n"
        f"report({{'tmp': os.listdir('/tmp'), 'cwd': os.listdir('.'), 'folder': tried(lambda: os.listdir({str(folder)!r})),\n"
        f"        'abstract': tried(lambda: c.connect('\\0{marker}')),\n"
        "        'shm': libc.shmget(0x4C5A0001, 4096, 0o666), 'kill_a': tried(lambda: os.kill(pid_a, 0)),\n"
        "        'mem_a': tried(lambda: open(f'/proc/{pid_a}/mem', 'rb')), 'ptrace_a': libc.ptrace(16, pid_a, 0, 0),\n"
        f"        'bg_seen': any('{marker}' in c for c in cmds)}})\n"
    )
    # A worker grades one job at a time, so each concurrent job gets a trusted side of its own.
    second = TrustedServer(limits=pool.limits, work_root=pool.work_root, preload=pool.preload)
    try:
        out_b = _grade(assignment, pool, code_b, trusted=second)
    finally:
        job_a.join(timeout=240)
        second.discard()
    _forked(out_b)
    found = _result(out_b)
    assert job_a.is_alive() is False and results["a"].status == "graded", results["a"].log
    assert _result(results["a"])["shm"] >= 0  # A did get its segment: B not finding it means something
    assert marker not in found["tmp"] and marker not in found["cwd"], found
    assert found["folder"] in ("FileNotFoundError", "PermissionError")
    assert found["abstract"] in ("ConnectionRefusedError", "FileNotFoundError"), found
    assert found["shm"] == -1 and found["kill_a"] == "ProcessLookupError"
    assert found["mem_a"] == "FileNotFoundError" and found["ptrace_a"] == -1
    assert not found["bg_seen"]
    # A's background process died with A (before B's result is even read).
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=False).stdout
    assert f"{marker}-bg" not in ps


def test_leftovers_of_a_job_are_gone_before_the_next(assignment: dict[str, str], pool: WarmPool) -> None:
    marker = "zyg-left-" + os.urandom(4).hex()
    code_a = (
        "import os, sys\n"
        f"open('/tmp/{marker}', 'w').write('x')\n"
        f"open('{marker}', 'w').write('x')\n"
        "if os.fork() == 0:  # a daemon: double fork, own session, reparented away from the kernel\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(300)', '{marker}'])\n"
        "    os._exit(0)\n"
        "os.wait()\n"
        "report({'ok': True})\n"
    )
    first = _grade(assignment, pool, code_a)
    assert first.status == "graded" and first.score == 5.0, first.log
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=False).stdout
    assert marker not in ps  # dead as soon as the job is over
    # Only files named like the first job's are reported: read-only binds may lie under /tmp (a
    # checkout whose venv is in /tmp, as CI's clone can be) and would flood the output.
    code_b = (
        "import os\n"
        "found, seen = [], 0\n"
        "for top in ('/tmp', '.', '/dev/shm'):\n"
        "    for root, dirs, files in os.walk(top):\n"
        "        seen += len(files)\n"
        f"        found += [os.path.join(root, f) for f in files if '{marker}' in f]\n"
        "report({'files': found, 'seen': seen})\n"
    )
    found = _result(_grade(assignment, pool, code_b))
    assert found["files"] == [], found


def test_a_monkeypatched_module_does_not_reach_the_next_job(assignment: dict[str, str], pool: WarmPool) -> None:
    patch = (
        "import json, math, sys\n"
        "json.PWNED = True  # (json.dumps itself: the kernel's own messages would break, as in any kernel)\n"
        "math.pi = 3\n"
        "math.sqrt = lambda x: 0\n"
        "import builtins\n"
        "builtins.answer = lambda: 42\n"
        "report_ok = True\n"
    )
    first = _grade(assignment, pool, patch + "print('RESULT=' + _b64.b64encode(b'{}').decode())\n")
    assert first.status == "graded", first.log
    check = (
        "import json, math, builtins\n"
        "report({'pi': math.pi, 'sqrt': math.sqrt(4), 'json': hasattr(json, 'PWNED'), 'builtin': hasattr(builtins, 'answer')})\n"
    )
    found = _result(_grade(assignment, pool, check))
    assert found == {"pi": 3.141592653589793, "sqrt": 2.0, "json": False, "builtin": False}


def test_no_network_from_a_forked_kernel(assignment: dict[str, str], pool: WarmPool) -> None:
    host = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    host.bind(("127.0.0.1", 0))
    host.listen(1)
    name = "\0zyg-host-" + os.urandom(4).hex()
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract.bind(name)
    abstract.listen(1)
    try:
        code = (
            "import socket\n"
            "def tried(family, addr):\n"
            "    s = socket.socket(family, socket.SOCK_STREAM)\n"
            "    s.settimeout(3)\n"
            "    try:\n"
            "        s.connect(addr)\n"
            "        return 'connected'\n"
            "    except OSError as exc:\n"
            "        return type(exc).__name__\n"
            f"report({{'host_port': tried(socket.AF_INET, ('127.0.0.1', {host.getsockname()[1]})),\n"
            "        'outside': tried(socket.AF_INET, ('1.1.1.1', 53)),\n"
            f"        'host_abstract': tried(socket.AF_UNIX, {name!r}),\n"
            "        'ifaces': [n for _, n in socket.if_nameindex()]})\n"
        )
        found = _result(_grade(assignment, pool, code))
    finally:
        host.close()
        abstract.close()
    assert found["host_port"] == "ConnectionRefusedError"
    assert (
        found["outside"] in ("OSError", "TimeoutError", "ConnectionRefusedError") or "Unreachable" in found["outside"]
    )
    assert found["outside"] != "connected" and found["host_abstract"] != "connected"
    assert found["ifaces"] == ["lo"]


def test_memory_bomb_and_fork_bomb_stay_in_their_job(assignment: dict[str, str], pool: WarmPool) -> None:
    bomb = _grade(assignment, pool, "x = bytearray(3 * 1024**3)\n", memory_mb=300)
    assert bomb.status == "memory_limit", bomb.log
    forks = (
        "import os, time\n"
        "for _ in range(100000):\n"
        "    try:\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(60)\n"
        "            os._exit(0)\n"
        "    except OSError:\n"
        "        break\n"
        "report({'done': True})\n"
    )
    contained = _grade(assignment, pool, forks, max_processes=32)
    assert contained.status in ("graded", "timed_out", "memory_limit"), contained.log
    # The zygote and the next job are unaffected.
    assert pool.zygote is not None and pool.zygote.alive()
    after = _grade(assignment, pool, "report({'fine': True})\n")
    assert after.status == "graded" and after.score == 5.0 and _result(after) == {"fine": True}


def test_the_zygote_holds_no_credential_of_the_worker(pool: WarmPool) -> None:
    """What every forked kernel inherits from the zygote: its environment is built from nothing."""
    assert pool.zygote is not None
    raw = Path(f"/proc/{pool.zygote.proc.pid}/environ").read_bytes()
    keys = {item.split(b"=", 1)[0].decode() for item in raw.split(b"\0") if item}
    assert keys <= {
        "PATH",
        "HOME",
        "LANG",
        "TMPDIR",
        "PYTHONDONTWRITEBYTECODE",
        "MPLBACKEND",
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
    }, keys
