"""Start a student's single-user server inside its jail: ``python -m liangzhi_launch [args]``.

The jail has its own network namespace (only ``lo``), so the server cannot listen on or
reach any host port. What it needs goes through Unix sockets the spawner binds into
/run/liangzhi (see ``sandbox/hub/spawner.py`` and ``sandbox/isolation/relay.py``):

* in: the server listens on ``$LIANGZHI_SERVER_SOCK`` (jupyter_server's ``ServerApp.sock``);
  the spawner relays the proxy's TCP port on the host to it;
* out: a relay here listens on 127.0.0.1:``$LIANGZHI_HUB_RELAY_PORT`` inside the jail (the
  port of ``$JUPYTERHUB_API_URL``, so the hub's URLs need no rewriting) and forwards each
  connection to ``$LIANGZHI_HUB_SOCK``, which the spawner relays on to the hub's API
  through a filter that passes only what a single-user server asks the hub;
* internet, where the profile allows it: 127.0.0.1:``$LIANGZHI_PROXY_PORT`` forwards to
  ``$LIANGZHI_PROXY_SOCK``, the spawner's CONNECT proxy (public addresses only).

Before anything else the process makes itself non-dumpable (``PR_SET_DUMPABLE`` 0): its
/proc/<pid>/mem, environ and maps become root's and ptrace is refused, so the student's
kernels (same uid) cannot read the hub token or cookies from the server's memory. Kernels
are exec'd and dumpable again; they never get the tokens (``liangzhi_student``).

Then, before the server's imports, it starts the warm quantum kernel (``liangzhi_warm``), whose
imports run beside the server's start-up; the server adopts it as its first kernel.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import socket
import sys
import threading

import liangzhi_warm

PR_SET_DUMPABLE = 4
# jupyter_server.serverapp.DEFAULT_JUPYTER_SERVER_PORT, checked once imported: importing it is most
# of the server's start-up, which must not come before the warm kernel's launch
JUPYTER_DEFAULT_PORT = 8888


def make_undumpable() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for sock, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
            with contextlib.suppress(OSError):
                sock.shutdown(how)


def _serve(listener: socket.socket, target: str) -> None:
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        try:
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(target)
        except OSError:
            client.close()
            continue

        def both(a: socket.socket = client, b: socket.socket = upstream) -> None:
            t = threading.Thread(target=_pipe, args=(b, a), daemon=True)
            t.start()
            _pipe(a, b)
            t.join()
            a.close()
            b.close()

        threading.Thread(target=both, daemon=True).start()


def relay(port: int, target: str) -> socket.socket:
    """Forward 127.0.0.1:``port`` (this jail's own loopback) to the Unix socket ``target``."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    threading.Thread(target=_serve, args=(listener, target), daemon=True, name=f"relay-{port}").start()
    return listener


def _own_server_token() -> None:
    """Give the server a token of its own instead of the hub's API token.

    JupyterHub's identity provider reports the hub API token as the Jupyter server's own
    ``token``, and jupyter_server writes that into jpserver-<pid>.json in the runtime
    folder under $HOME, where the student's kernel can read it. Users reach the server
    through the hub's OAuth, never with this token, so a random one loses nothing; the hub
    client (``hub_auth.api_token``) keeps the real one, in this non-dumpable process only.
    """
    import secrets

    from jupyterhub.singleuser.extension import JupyterHubIdentityProvider

    own = secrets.token_hex(24)
    JupyterHubIdentityProvider.token = property(lambda self: own)  # type: ignore[assignment,method-assign]


# Optional imports the server would make at start-up for nothing a lab uses. rfc3987_syntax: jsonschema
# (through jupyter_events, on the server's import path) builds its "iri" format checker from it, compiling
# a grammar at import, ~0.8 s of a ~1.4 s import; no schema of jupyter_events, jupyter_server,
# JupyterLab or nbformat uses the "iri" formats, and jsonschema treats a format it cannot check as valid.
SKIPPED_IMPORTS = ("rfc3987_syntax",)


def _skip_slow_optional_imports() -> None:
    for name in SKIPPED_IMPORTS:
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]  # None: "import name" raises ImportError


def main() -> None:
    make_undumpable()
    env = os.environ
    if env.get("LIANGZHI_HUB_SOCK"):
        relay(int(env["LIANGZHI_HUB_RELAY_PORT"]), env["LIANGZHI_HUB_SOCK"])
    if env.get("LIANGZHI_PROXY_SOCK"):
        relay(int(env["LIANGZHI_PROXY_PORT"]), env["LIANGZHI_PROXY_SOCK"])
    args = sys.argv[1:]
    if env.get("LIANGZHI_SERVER_SOCK"):
        from urllib.parse import urlparse

        # The singleuser extension takes the port from $JUPYTERHUB_SERVICE_URL, and
        # jupyter_server refuses --sock beside any port but its default: say the default.
        url = urlparse(env["JUPYTERHUB_SERVICE_URL"])
        env["JUPYTERHUB_SERVICE_URL"] = url._replace(netloc=f"127.0.0.1:{JUPYTER_DEFAULT_PORT}").geturl()
        args = [f"--ServerApp.sock={env['LIANGZHI_SERVER_SOCK']}", "--ServerApp.sock_mode=0600", *args]
    # The warm kernel starts now, before the server's own imports, so that its imports run
    # beside the server's start-up; the server adopts it as its first quantum kernel.
    liangzhi_warm.prelaunch()
    if env.get("LIANGZHI_SERVER_SOCK"):
        from jupyter_server.serverapp import DEFAULT_JUPYTER_SERVER_PORT

        if DEFAULT_JUPYTER_SERVER_PORT != JUPYTER_DEFAULT_PORT:
            raise SystemExit(f"jupyter_server's default port is {DEFAULT_JUPYTER_SERVER_PORT}: update liangzhi_launch")
    sys.argv = ["jupyterhub-singleuser", *args]
    _skip_slow_optional_imports()
    _own_server_token()
    from jupyterhub.singleuser import main as singleuser_main

    singleuser_main()


if __name__ == "__main__":
    main()
