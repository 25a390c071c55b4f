"""The warm kernel, started before the server, so that its imports overlap the server's start-up.

A cold lab used to run two slow things one after the other: the server's own start-up
(JupyterHub + jupyter_server + JupyterLab imports, ~1-1.5 s) and then, once its event loop
ran, the quantum kernel's imports (qiskit, Aer, torch: ~2 s, ``liangzhi_kernel``). Now
``liangzhi_launch`` calls :func:`prelaunch` before it imports anything of the server: the
kernel starts at once, as a child of this process (which then becomes the server), and the
server's kernel manager adopts it for the first quantum kernel it starts (:func:`take`,
``liangzhi_student.WarmProvisioner``). Kernel-ready then costs max(server, kernel imports)
instead of their sum.

The kernel is launched exactly as the server would launch it:

* the kernelspec's own argv (only ``{connection_file}`` filled in, ``python`` made
  ``sys.executable`` as jupyter_client does); a kernelspec with an ``env`` stanza or a
  provisioner of its own is not pre-launched (the server then starts it as usual);
* the environment scrubbed by :func:`scrub_env` (the hub token and anything named like a
  secret never reach it), ``JPY_PARENT_PID`` this process (the server), a session of its own
  (so an interrupt or a kill reaches its process group only), stdin closed, output to the
  server's log;
* in the same jail, as the same user, in the same cgroup, from the same working directory;
* its connection file (ports and HMAC key) in the server's runtime folder, mode 0600.

Standard library only: this runs before the server's imports, which it must not slow down.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import secrets
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WARM_KERNEL = "quantum"
SECRET_NAMES = ("JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN")
_SECRET_LIKE = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|COOKIE|(^|_)KEY($|_)", re.IGNORECASE)
_PORT_NAMES = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
_PYTHON_NAMES = {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info[:2])}


def scrub_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` without the server's secrets (in place, and returned)."""
    for name in list(env):
        if name in SECRET_NAMES or _SECRET_LIKE.search(name):
            del env[name]
    return env


@dataclass
class Prelaunched:
    """A kernel started before the server, waiting to be adopted."""

    process: subprocess.Popen[bytes]
    connection_file: str
    info: dict[str, Any]  # the connection file's content
    argv: list[str]
    cwd: str
    ports: list[int] = field(default_factory=list)


_warm: Prelaunched | None = None


def _kernelspec(name: str) -> dict[str, Any] | None:
    """The kernelspec ``name`` from $JUPYTER_PATH (where the spawner puts ours), or None."""
    for folder in filter(None, os.environ.get("JUPYTER_PATH", "").split(os.pathsep)):
        path = Path(folder) / "kernels" / name / "kernel.json"
        if path.is_file():
            try:
                spec = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
            return spec if isinstance(spec, dict) else None
    return None


def _argv(spec: dict[str, Any], connection_file: str) -> list[str] | None:
    """The kernelspec's argv with the connection file filled in; None if it needs more than that."""
    argv = [str(a) for a in spec.get("argv") or []]
    if not argv or spec.get("env") or (spec.get("metadata") or {}).get("kernel_provisioner"):
        return None
    if not any("{connection_file}" in a for a in argv):
        return None
    argv = [a.replace("{connection_file}", connection_file) for a in argv]
    if any(re.search(r"\{[A-Za-z0-9_]+\}", a) for a in argv):
        return None  # another placeholder ({resource_dir}, ...): leave it to jupyter_client
    if argv[0] in _PYTHON_NAMES:
        argv[0] = sys.executable
    return argv


def _free_ports(count: int, ip: str) -> list[int]:
    """Ports free on ``ip`` now, as jupyter_client picks them (bound at once, then released)."""
    socks = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\0" * 8)
            sock.bind((ip, 0))
            socks.append(sock)
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for sock in socks:
            sock.close()


def _runtime_dir() -> Path:
    """jupyter_core's runtime folder (the server's connection folder), without importing it."""
    if os.environ.get("JUPYTER_RUNTIME_DIR"):
        return Path(os.environ["JUPYTER_RUNTIME_DIR"])
    data = os.environ.get("JUPYTER_DATA_DIR") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "jupyter"
    )
    return Path(data) / "runtime"


def prelaunch() -> Prelaunched | None:
    """Start the warm kernel now (see the module docstring); None when it is not wanted or cannot be."""
    global _warm
    if os.environ.get("LIANGZHI_WARM_KERNEL", "1") != "1" or _warm is not None:
        return _warm
    spec = _kernelspec(WARM_KERNEL)
    if spec is None:
        return None
    try:
        runtime = _runtime_dir()
        runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        connection_file = str(runtime / f"kernel-liangzhi-warm-{secrets.token_hex(8)}.json")
        argv = _argv(spec, connection_file)
        if argv is None:
            return None
        ip = "127.0.0.1"
        ports = _free_ports(len(_PORT_NAMES), ip)
        info: dict[str, Any] = {
            **dict(zip(_PORT_NAMES, ports, strict=True)),
            "ip": ip,
            "key": secrets.token_hex(16),
            "transport": "tcp",
            "signature_scheme": "hmac-sha256",
            "kernel_name": WARM_KERNEL,
        }
        fd = os.open(connection_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(info, f, indent=2)
        env = scrub_env(dict(os.environ))
        env.pop("PYTHONEXECUTABLE", None)  # as jupyter_client's provisioner does for Python kernels
        env["JPY_PARENT_PID"] = str(os.getpid())
        cwd = os.getcwd()
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:  # the server starts its kernel itself, as before
        print(f"[liangzhi] warm kernel not pre-launched: {exc!r}", file=sys.stderr)
        return None
    _warm = Prelaunched(process=process, connection_file=connection_file, info=info, argv=argv, cwd=cwd, ports=ports)
    return _warm


def take() -> Prelaunched | None:
    """The pre-launched kernel, once, if it is still running; a dead one is cleaned up and None."""
    global _warm
    warm, _warm = _warm, None
    if warm is None:
        return None
    if warm.process.poll() is not None:
        discard(warm)
        return None
    return warm


def discard(warm: Prelaunched) -> None:
    """Stop a pre-launched kernel nobody adopted, and remove its connection file."""
    if warm.process.poll() is None:
        with contextlib.suppress(OSError):
            os.killpg(warm.process.pid, 9)
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        warm.process.wait(timeout=5)
    with contextlib.suppress(OSError):
        os.unlink(warm.connection_file)


@atexit.register
def _discard_unadopted() -> None:
    warm = take()
    if warm is not None:
        discard(warm)
