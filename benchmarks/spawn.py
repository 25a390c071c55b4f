"""Click-to-ready for the lab: ours (sandboxed) against stock JupyterHub, in the same run.

Click-to-ready = from the "open" request to the first ``execute_reply`` of
``import qiskit, qiskit_aer, torch`` in the student's kernel. For our hub the clock covers
what the site does on "open": ensure the hub user, start the server with a resource
profile, follow the progress stream, write the activity's notebook through the contents
API, then start a kernel and run the import. The baseline is plain JupyterHub 6.1.1 with
its stock local process spawner (SimpleLocalProcessSpawner: LocalProcessSpawner with a
home directory per user, ``--allow-root`` as root), same proxy, same Python environment,
same kernel code; it does no isolation and writes no notebook.

Every user is new (first start: our spawner also creates the Unix user). Singles run one
after another; the burst starts N students at the same moment.

Environment: BENCH_SPAWN_SINGLES (default 5), BENCH_SPAWN_BURST (default 10).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sandbox.client import HubClient  # noqa: E402  -- Django-free

VENV_BIN = Path(sys.prefix) / "bin"
CHP = ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
IMPORT = "import qiskit, qiskit_aer, torch"
NOTEBOOK = json.dumps(
    {
        "cells": [{"cell_type": "code", "source": IMPORT, "metadata": {}, "outputs": [], "execution_count": None}],
        "metadata": {"kernelspec": {"name": "quantum", "display_name": "quantum", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
).encode()


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RunningHub:
    def __init__(self, kind: str, state: Path) -> None:
        self.kind = kind
        self.state = state
        self.token = secrets.token_hex(24)
        self.url = f"http://127.0.0.1:{_port()}"
        env = {
            **os.environ,
            "PATH": f"{VENV_BIN}:{CHP.parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        }
        api_port, proxy_port = _port(), _port()
        if kind == "ours":
            secrets_file = state / "secrets.json"
            secrets_file.write_text(
                json.dumps(
                    {"client_secret": "unused", "service_token": self.token, "proxy_token": secrets.token_hex(24)}
                )
            )
            env |= {
                "LIANGZHI_HUB_URL": self.url,
                "LIANGZHI_HUB_API_PORT": str(api_port),
                "LIANGZHI_HUB_PROXY_API_PORT": str(proxy_port),
                "LIANGZHI_HUB_STATE_DIR": str(state),
                "LIANGZHI_HUB_SECRETS": str(secrets_file),
                "LIANGZHI_HUB_IDLE_TIMEOUT": "0",
                "LIANGZHI_HUB_START_TIMEOUT": "120",
            }
            config = ROOT / "sandbox" / "hub" / "jupyterhub_config.py"
        else:
            config = state / "stock_config.py"
            root_args = ["--allow-root"] if os.geteuid() == 0 else []
            config.write_text(
                f"""
c.JupyterHub.bind_url = {self.url!r}
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_port}"
c.ConfigurableHTTPProxy.command = [{str(CHP)!r}]
c.JupyterHub.db_url = "sqlite:///{state / "jupyterhub.sqlite"}"
c.JupyterHub.cookie_secret_file = {str(state / "cookie_secret")!r}
c.JupyterHub.pid_file = {str(state / "jupyterhub.pid")!r}
c.JupyterHub.authenticator_class = "dummy"
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = {str(state / "homes" / "{username}")!r}
c.Spawner.cmd = [{str(VENV_BIN / "jupyterhub-singleuser")!r}]
c.Spawner.args = {root_args!r}
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.JupyterHub.tornado_settings = {{"slow_spawn_timeout": 0}}
c.JupyterHub.services = [{{"name": "bench", "api_token": {self.token!r}}}]
c.JupyterHub.load_roles = [{{"name": "bench", "scopes": ["admin:users", "servers", "tokens"], "services": ["bench"]}}]
"""
            )
        self.log = open(state / "hub.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "jupyterhub"), "-f", str(config)],
            cwd=state,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{self.url}/hub/api/", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{kind} hub did not start; see {state / 'hub.log'}")
            time.sleep(0.2)
        self.client = HubClient(base_url=self.url, token=self.token, timeout=30)
        self.phases: list[tuple[float, float, float]] = []

    def click_to_ready(self, name: str) -> float:
        """One student's open → first execute_reply of the import; returns seconds."""
        client = HubClient(base_url=self.url, token=self.token, timeout=60)
        started = time.perf_counter()
        client.user_ensure(name)
        client.server_start(name, profile="cpu")
        client.server_wait_ready(name, timeout=180)
        ready = time.perf_counter()
        if self.kind == "ours":  # what the site does before redirecting into the lab
            client.contents_mkdir(name, "courses/bench/open")
            client.contents_put_notebook(name, "courses/bench/open/open.ipynb", NOTEBOOK)
            kernel = client.session_bind(name, "courses/bench/open/open.ipynb") or client.kernel_start(name)
        else:
            kernel = client.kernel_start(name)
        placed = time.perf_counter()
        result = client.kernel_execute(name, kernel, IMPORT, timeout=180)
        elapsed = time.perf_counter() - started
        self.phases.append((ready - started, placed - ready, started + elapsed - placed))
        if result.status != "ok":
            raise RuntimeError(f"{self.kind}: {name}: import failed: {result}")
        return elapsed

    def stop_all(self, names: list[str]) -> None:
        threads = [threading.Thread(target=self._stop_one, args=(n,)) for n in names]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def _stop_one(self, name: str) -> None:
        try:
            self.client.server_stop(name)
        except Exception as exc:  # a benchmark reports, it does not stop
            print(f"  (stop {name}: {exc})")

    def close(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


def _burst(fn: Callable[[str], float], names: list[str]) -> list[float]:
    results: dict[str, float] = {}
    errors: list[str] = []
    gate = threading.Barrier(len(names))

    def one(name: str) -> None:
        gate.wait()
        try:
            results[name] = fn(name)
        except Exception as exc:  # reported below, after every thread is done
            errors.append(f"{name}: {exc}")

    threads = [threading.Thread(target=one, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError("; ".join(errors))
    return list(results.values())


def main() -> None:
    singles = int(os.environ.get("BENCH_SPAWN_SINGLES", "5"))
    burst = int(os.environ.get("BENCH_SPAWN_BURST", "10"))
    tag = secrets.token_hex(2)
    base = Path(tempfile.mkdtemp(prefix="bench-spawn-"))
    base.chmod(0o755)
    figures: dict[str, dict[str, list[float]]] = {"single": {}, "burst": {}}
    created: list[str] = []
    hubs: dict[str, RunningHub] = {}
    try:
        for kind in ("stock", "ours"):
            state = base / kind
            state.mkdir()
            hubs[kind] = RunningHub(kind, state)
        # Singles alternate between the two hubs, so that the machine's other load hits both alike.
        for i in range(singles):
            for kind, hub in hubs.items():
                name = f"lzb{tag}{kind[0]}{i}"
                created.append(name)
                figures["single"].setdefault(kind, []).append(hub.click_to_ready(name))
                hub.stop_all([name])
        for kind, hub in hubs.items():
            times = figures["single"][kind]
            print(f"{kind:5s} single: " + " ".join(f"{t:.2f}" for t in times) + " s", flush=True)
            medians = [statistics.median(p[i] for p in hub.phases) for i in range(3)]
            print(
                f"{kind:5s} single, median phases: server ready {medians[0]:.2f} s, "
                f"notebook + kernel {medians[1]:.2f} s, first import reply {medians[2]:.2f} s",
                flush=True,
            )
        for kind, hub in hubs.items():
            names = [f"lzb{tag}{kind[0]}b{i}" for i in range(burst)]
            created.extend(names)
            times = _burst(hub.click_to_ready, names)
            hub.stop_all(names)
            print(f"{kind:5s} burst of {burst}: " + " ".join(f"{t:.2f}" for t in sorted(times)) + " s", flush=True)
            figures["burst"][kind] = times
    finally:
        for hub in hubs.values():
            hub.close()
        from sandbox.hub.spawner import remove_unix_user

        for name in created:
            remove_unix_user(name)
        shutil.rmtree(base, ignore_errors=True)
    for group in ("single", "burst"):
        for q in (50, 95):
            ours = _pct(figures[group]["ours"], q)
            stock = _pct(figures[group]["stock"], q)
            print(f"BENCH spawn_{group}_p{q} ours={ours:.2f} baseline={stock:.2f} ratio={ours / stock:.2f} unit=s")


if __name__ == "__main__":
    main()
