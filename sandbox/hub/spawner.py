"""LiangzhiSpawner: a local spawner that isolates each student when the hub runs as root.

As root, every student's server runs

* as the student's own Unix user, created on first start (home 0700, nologin shell), named
  with this installation's prefix (``lz<install id>-<hub name>``, see
  ``sandbox.isolation.names``): two installations, or a reset one, never share an account;
* inside a jail built by ``sandbox.isolation`` (the same library as grading's): /usr and /etc
  read-only, the Python environment and our Jupyter config read-only, private size-limited
  /tmp and /run, /proc of its own PID namespace, only the home directory writable, and its
  **own network namespace** with nothing but ``lo``;
* under memory, process and CPU limits (cgroup v1 or v2 ``memory``/``pids``/``cpu``; rlimits
  where a controller is missing, and the probe then says "degraded"). While it starts, a lab
  may use ``startup_cpu_limit`` cores: its server and its warm kernel (pre-launched by
  ``liangzhi_launch``, see ``liangzhi_warm``) import side by side; the profile's CPU limit
  applies from the moment the server listens, before the student can reach it.

Network. The server listens on a Unix socket in a per-lab runtime folder bound at
/run/liangzhi; the spawner relays a TCP port on the host's loopback to it (the proxy's only
way in). The server's only way out is a relay inside the jail (``liangzhi_launch``) from
127.0.0.1:<hub API port> to a second socket in that folder, which the spawner forwards to
the hub's API through a filter passing only a single-user server's own calls. A profile with
``internet: True`` adds a third socket: a CONNECT proxy to public addresses only. We chose
sockets over a veth pair and firewall rules because nothing has to be right in the host's
firewall: a jail with no interface has no route to any host address at all
(``sandbox/isolation/relay.py`` says more).

The server process makes itself non-dumpable before it reads anything (``liangzhi_launch``),
and kernels never inherit its tokens (``liangzhi_student``).

What the machine allows is probed once, logged, and kept in ``LiangzhiSpawner.probe``.
Without root, it falls back to single-user local mode (every lab runs as the hub's own
user, no isolation) and says so loudly in the log.

JupyterHub 6.1.1 turns a single-user server that dies early into a bare 500; this spawner
waits for the server's socket itself, so an early exit becomes a readable spawn failure
("your lab could not start …") and the server's own output goes to the hub log.
"""

from __future__ import annotations

import asyncio
import contextlib
import grp
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from subprocess import Popen
from typing import Any
from urllib.parse import urlparse

from jupyterhub.spawner import LocalProcessSpawner
from jupyterhub.utils import random_port
from traitlets import Bool, Dict, Float, Integer, Unicode, default, observe

from sandbox.hub import site_only
from sandbox.isolation import cgroups, jail, names, relay
from sandbox.isolation.limits import RLimits
from sandbox.isolation.limits import preexec as isolation_preexec
from sandbox.isolation.probe import probe as isolation_probe

from .constants import DEFAULT_PROFILE, PROFILES

JUPYTER_DIR = Path(__file__).resolve().parent / "jupyter"
SANDBOX_JUPYTER = "/opt/liangzhi/jupyter"  # where JUPYTER_DIR appears inside the sandbox
SANDBOX_RUN = "/run/liangzhi"  # where the lab's runtime folder (its sockets) appears inside
LAB_LIMITS = ("memory", "pids", "cpu", "rlimits")  # homes persist: no tmpfs quota for them
PROXY_PORT = 3128  # inside the jail, for labs with internet
HUB_RELAY_PORT = 61081  # inside the jail: the relay to the hub API


def _run(cmd: list[str], timeout: float = 10) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def _state_dir() -> Path:
    return Path(os.environ.get("LIANGZHI_HUB_STATE_DIR", "/var/lib/liangzhi-hub"))


def probe_machine(state_dir: Path | None = None) -> dict[str, Any]:
    """What this machine lets the hub do, from the isolation library's probe, plus useradd.

    ``sandbox``: labs run jailed (root, bubblewrap, network namespace, setpriv, useradd).
    ``isolated``: jailed *and* every lab limit enforced; a machine that can jail but not
    limit (no cgroup controller) is ``degraded`` and never reported as isolated.
    """
    found = isolation_probe(state_dir=state_dir or _state_dir(), require=LAB_LIMITS)
    caps = found["capabilities"]
    useradd = bool(shutil.which("useradd"))
    root = bool(found["root"])
    sandbox = bool(found["jail"] and root and useradd)
    reasons = list(found["reasons"])
    if not useradd:
        reasons.append("useradd missing: cannot create per-student accounts")
    if not root:
        reasons.append("not root: labs cannot run as per-student users")

    def mech(name: str, fallback: str) -> str:
        return str(caps[name]["mechanism"]) if caps[name]["enforced"] else fallback

    return {
        "root": root,
        "bwrap": bool(caps["bwrap"]["enforced"]),
        "setpriv": bool(shutil.which("setpriv")),
        "useradd": useradd,
        "net_namespace": bool(caps["net_namespace"]["enforced"]),
        "memory_limit": mech("memory", "rlimit"),
        "pids_limit": mech("pids", "rlimit"),
        "cpu_limit": mech("cpu", "none"),
        "sandbox": sandbox,
        "isolated": sandbox and found["status"] == "isolated",
        "status": found["status"] if sandbox else "unavailable",
        "reasons": reasons,
        "install_id": found["install_id"],
        "notes": ["home folders have no disk quota; /tmp and /run are size-limited tmpfs"],
    }


class LiangzhiSpawner(LocalProcessSpawner):
    """Per-student Unix users + bubblewrap + limits as root; single-user local mode otherwise."""

    probe: dict[str, Any] | None = None  # filled once per hub process

    home_root = Unicode(
        "",
        help="Directory holding students' home directories (each 0700, owned by the student). "
        "Inside the sandbox a home appears at /home/<name>.",
    ).tag(config=True)
    log_dir = Unicode("", help="Where each server's own output goes (hub-side, never in the sandbox).").tag(config=True)
    env_root = Unicode(
        sys.prefix,
        help="The Python environment of the single-user servers and kernels (bound read-only).",
    ).tag(config=True)
    extra_ro_paths = Dict(
        {},
        help="Extra host paths bound read-only into the sandbox at the same path (e.g. the kernel helper library).",
    ).tag(config=True)
    profiles = Dict(
        dict(PROFILES),
        help="Resource profiles a start request may pick by name (user_options={'profile': name}).",
    ).tag(config=True)
    default_profile = Unicode(DEFAULT_PROFILE, help="Profile used when a start request names none.").tag(config=True)
    local_profiles_only = Bool(True, help="Refuse GPU profiles (they exist only on Kubernetes, see deploy/).").tag(
        config=True
    )
    warm_kernel = Bool(
        True,
        help="Start one quantum kernel (imports preloaded) as each server starts; the site binds it to "
        "the notebook the student opens. Costs a kernel's memory (~340 MiB) per running server.",
    ).tag(config=True)
    unix_shell = Unicode("/usr/sbin/nologin", help="Login shell of created Unix users.").tag(config=True)
    startup_cpu_limit = Float(
        2.0,
        help="CPU cores a lab may use while it starts, when its profile allows fewer: its server and its "
        "warm kernel import side by side (liangzhi_warm), which one core would run one after the other. "
        "The profile's cpu_limit applies from the moment the server listens, before anyone can reach it. "
        "0: the profile's limit throughout.",
    ).tag(config=True)
    ready_poll_interval = Float(0.05, help="Seconds between checks of the server's port while it starts.").tag(
        config=True
    )
    log_tail_lines = Integer(40, help="Lines of a failed server's output copied into the hub log.").tag(config=True)
    starts_only_from = Unicode(
        "",
        help="When set, the name of the one service whose request may start a server (the site's): a "
        "student's own /hub/spawn or API call would skip the site's start queue and school quotas.",
    ).tag(config=True)
    site_url = Unicode("", help="Where a refused start sends the student (the course site).").tag(config=True)

    @default("home_root")
    def _home_root_default(self) -> str:
        return str(Path(os.environ.get("LIANGZHI_HUB_STATE_DIR", "/var/lib/liangzhi-hub")) / "homes")

    @default("log_dir")
    def _log_dir_default(self) -> str:
        return str(Path(self.home_root).parent / "logs")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._events: list[dict[str, Any]] = []
        self._start_done = True
        self._deadline = 0.0
        self._base_start_timeout = self.start_timeout
        self._relays: list[Any] = []
        if LiangzhiSpawner.probe is None:
            LiangzhiSpawner.probe = probe_machine(Path(self.home_root).parent)
            found = LiangzhiSpawner.probe
            if found["isolated"]:
                self.log.info("Sandbox probe: %s", found)
            elif found["sandbox"]:
                self.log.warning("Sandbox probe: %s -- DEGRADED: labs are jailed but %s", found, found["reasons"])
            else:
                self.log.warning(
                    "Sandbox probe: %s -- NOT ISOLATED: single-user local mode, every lab runs as "
                    "uid %d with no sandbox and no limits. Run the hub as root with bubblewrap for isolation.",
                    found,
                    os.geteuid(),
                )

    @observe("user_options")
    def _profile_start_timeout(self, change: dict[str, Any]) -> None:
        # A profile may need longer (or, in tests, shorter) to start; the hub reads
        # start_timeout right after setting user_options, before start() runs.
        name = (change["new"] or {}).get("profile") or self.default_profile
        base = self.__dict__.get("_base_start_timeout")
        if base is None:  # during __init__: the configured value is still in place
            return
        chosen: dict[str, Any] = dict(self.profiles.get(name) or {})
        timeout = chosen.get("start_timeout")
        self.start_timeout = int(timeout or base)

    # --- helpers ---------------------------------------------------------------------------
    @property
    def isolated(self) -> bool:
        """Labs run jailed (per-student user, bubblewrap, own network namespace)."""
        found = self.probe or {}
        return bool(found.get("sandbox", found.get("isolated")))

    @property
    def profile(self) -> dict[str, Any]:
        name = (self.user_options or {}).get("profile") or self.default_profile
        if name not in self.profiles:
            raise ValueError(f"Unknown resource profile {name!r}.")
        return {"name": name, **self.profiles[name]}

    @property
    def install_id(self) -> str:
        found = (self.probe or {}).get("install_id")
        return str(found) if found else names.install_id(Path(self.home_root).parent)

    @property
    def unix_name(self) -> str:
        """The student's Unix account: the hub name with this installation's prefix."""
        return names.unix_name(self.user.name, self.install_id)

    def _emit(self, progress: int, message: str) -> None:
        self._events.append({"progress": progress, "message": message})

    def _home_outside(self) -> Path:
        return Path(self.home_root) / self.user.name

    def _runtime_outside(self) -> Path:
        """The lab's sockets (server, hub relay, proxy): host side of /run/liangzhi."""
        return Path(self.home_root).parent / "run" / self.user.name

    def _ensure_unix_user(self) -> pwd.struct_passwd:
        """The student's Unix account: created on first start, never a login shell."""
        name = self.unix_name
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            for attempt in range(5):  # /etc/passwd is locked while another useradd runs
                result = _run(
                    [
                        "useradd",
                        "--no-create-home",
                        "--home-dir",
                        f"/home/{self.user.name}",
                        "--shell",
                        self.unix_shell,
                        "--user-group",
                        "--comment",
                        f"Liangzhi Lab student {self.user.name}",
                        name,
                    ]
                )
                if result.returncode in (0, 9):  # 9: created meanwhile by a concurrent start
                    break
                time.sleep(0.2 * (attempt + 1))
            else:
                raise RuntimeError(f"useradd {name} failed: {result.stderr.strip()}")
            entry = pwd.getpwnam(name)
        if entry.pw_uid == 0 or entry.pw_uid < 1000:
            raise RuntimeError(f"refusing to run a lab as system account {name} (uid {entry.pw_uid})")
        home = self._home_outside()
        home.mkdir(parents=True, exist_ok=True)
        if home.stat().st_uid != entry.pw_uid:
            # a re-created account (new uid), or one from before installation prefixes: the
            # student gets their files back under the new account
            for root, dirs, files in os.walk(home):
                for item in (*dirs, *files):
                    os.lchown(os.path.join(root, item), entry.pw_uid, entry.pw_gid)
        os.chown(home, entry.pw_uid, entry.pw_gid)
        home.chmod(0o700)
        return entry

    def _prepare_runtime(self, entry: pwd.struct_passwd) -> Path:
        run = self._runtime_outside()
        run.parent.mkdir(parents=True, exist_ok=True)
        run.parent.chmod(0o711)
        shutil.rmtree(run, ignore_errors=True)  # stale sockets of a previous server
        run.mkdir()
        os.chown(run, entry.pw_uid, entry.pw_gid)
        run.chmod(0o700)
        return run

    def _cgroup(self) -> cgroups.Cgroup:
        return cgroups.Cgroup(iid=self.install_id, kind="lab", name=self.user.name)

    def _cgroup_limits(self, *, starting: bool = False) -> cgroups.CgroupLimits:
        """The profile's limits; ``starting``: with the start-up CPU allowance (``startup_cpu_limit``)."""
        profile = self.profile
        cores = float(profile["cpu_limit"]) if profile.get("cpu_limit") else None
        if starting and cores is not None and self.startup_cpu_limit > cores:
            cores = float(self.startup_cpu_limit)
        return cgroups.CgroupLimits(
            memory_bytes=int(profile["mem_limit"]), pids=int(profile["pids_limit"]), cpu_cores=cores
        )

    def _end_startup_allowance(self, group: cgroups.Cgroup | None) -> None:
        """The profile's CPU limit, from now on (the server listens: the student may come in)."""
        if group is None or "cpu" not in group.paths:
            return
        limits = self._cgroup_limits()
        if limits.cpu_cores == self._cgroup_limits(starting=True).cpu_cores:
            return
        group.apply(cgroups.CgroupLimits(cpu_cores=limits.cpu_cores))
        if "cpu" not in group.paths:  # apply() drops a controller it could not limit: fail closed
            self.log.error("Lab %s: could not set its CPU limit after start-up: %s", self.user.name, group.errors)
            # The start fails (the hub stops the server): no student code runs above the profile's limit.
            raise RuntimeError(
                "Your lab could not start (its CPU limit could not be set). "
                "Please try again; if it keeps failing, tell your teacher."
            )

    def _cgroup_dirs(self) -> list[Path]:
        if not self.isolated:
            return []
        group = self._cgroup()
        return sorted({group_base / group.parent / group.leaf for group_base in self._cgroup_bases()})

    def _cgroup_bases(self) -> set[Path]:
        lay = cgroups.layout()
        return {base for controller, (_, base) in lay.items() if controller in cgroups.CONTROLLERS}

    def _setup_cgroups(self) -> cgroups.Cgroup:
        cgroups.sweep(self.install_id)  # groups a crashed hub left behind
        return self._cgroup().create(self._cgroup_limits(starting=True))

    def _cleanup_cgroups(self) -> None:
        if not self.isolated:
            return
        group = self._cgroup()
        group.paths = {
            c: p for c, p in ((c, b / group.parent / group.leaf) for c, (_, b) in group.layout.items()) if p.is_dir()
        }
        group.remove()  # the server is stopped: whatever is left in its group dies with it

    def _bwrap_command(self, entry: pwd.struct_passwd, server_cmd: list[str]) -> list[str]:
        name = self.user.name
        env_roots = {self.env_root, os.path.realpath(self.env_root)}
        binds = [jail.Bind(Path(p)) for p in sorted(env_roots)]
        binds += [jail.Bind(Path(os.path.realpath(p))) for p in self.extra_ro_paths if os.path.exists(p)]
        binds.append(jail.Bind(JUPYTER_DIR, Path(SANDBOX_JUPYTER)))
        binds.append(jail.Bind(self._home_outside(), Path(f"/home/{name}"), writable=True))
        binds.append(jail.Bind(self._runtime_outside(), Path(SANDBOX_RUN), writable=True))
        spec = jail.JailSpec(
            binds=binds,
            etc=None,  # the whole /etc: the student's account resolves by name
            chdir=f"/home/{name}",
            # The server's env carries the hub token: never on bwrap's command line (which
            # /proc/1/cmdline shows inside), only in the environment the server inherits.
            env_mode="inherit",
            uid=entry.pw_uid,
            gid=entry.pw_gid,
            tmp_mb=int(self.profile.get("tmp_mb", 1024)),
            run_mb=16,
            hostname="lab",
        )
        return jail.bwrap_argv(spec, server_cmd)

    def _preexec(self, group: cgroups.Cgroup | None) -> Callable[[], None]:
        profile = self.profile
        paths = group.paths if group is not None else {}
        files = group.procs_files() if group is not None else []
        # RLIMIT_NPROC counts every process and thread of the uid host-wide: a stand-in for the
        # pids cgroup only when the lab has a uid of its own. A lab without isolation runs as the
        # hub's user, whose other processes (the hub, the site, other labs) would count against it
        # ("can't start new thread" in a kernel on a busy machine).
        own_uid = self.isolated
        # RLIMIT_AS counts address space mapped but never touched: the preloaded kernel (torch,
        # qiskit) maps ~2 GiB at import and every thread may add a 64 MiB malloc arena (more of them
        # the busier the machine), so the stand-in for a memory cgroup leaves that much headroom.
        address_space = int(profile["mem_limit"]) + 4 * 1024**3
        limits = RLimits(
            address_space=None if "memory" in paths else address_space,
            processes=None if "pids" in paths or not own_uid else int(profile["pids_limit"]),
        )

        def preexec() -> None:
            isolation_preexec(files, limits)

        return preexec

    def _hub_api(self) -> tuple[str, int, str]:
        url = urlparse(self.hub.api_url)
        host = url.hostname or "127.0.0.1"
        if host in ("0.0.0.0", "::", ""):  # noqa: S104 -- a bind-all hub is reached on loopback
            host = "127.0.0.1"
        return host, int(url.port or 80), url.path or "/hub/api"

    async def _start_relays(self, entry: pwd.struct_passwd) -> None:
        """The lab's ways in and out (see the module docstring); started before the server."""
        await self._stop_relays()
        run = self._runtime_outside()
        host, port, path = self._hub_api()
        self._relays.append(
            await relay.UnixToTcp(
                run / "hub.sock", host, port, relay.hub_api_filter(path, self.user.name), owner=entry.pw_uid
            ).start()
        )
        if self.profile.get("internet"):
            self._relays.append(await relay.ConnectProxy(run / "proxy.sock", owner=entry.pw_uid).start())
        self._relays.append(await relay.TcpToUnix(self.ip or "127.0.0.1", self.port, run / "server.sock").start())

    async def _stop_relays(self) -> None:
        relays, self._relays = self._relays, []
        for item in relays:
            await item.close()

    # --- documented hooks --------------------------------------------------------------------
    def load_user_options(self, options: dict[str, Any]) -> dict[str, Any]:
        return options

    def user_env(self, env: dict[str, str]) -> dict[str, str]:
        if not self.isolated:
            home = str(self._home_outside())
            env.update(USER=self.user.name, HOME=home, SHELL="/bin/sh")
            return env
        env.update(USER=self.user.name, LOGNAME=self.user.name, HOME=f"/home/{self.user.name}", SHELL="/bin/sh")
        return env

    def get_env(self) -> dict[str, str]:
        env = super().get_env()
        jupyter_dir = SANDBOX_JUPYTER if self.isolated else str(JUPYTER_DIR)
        env["JUPYTER_PATH"] = f"{jupyter_dir}/share/jupyter"
        env["JUPYTER_CONFIG_PATH"] = f"{jupyter_dir}/etc/jupyter"
        env["PYTHONPATH"] = f"{jupyter_dir}/python"  # liangzhi_student, _kernel, _launch, _warm
        env["LIANGZHI_WARM_KERNEL"] = "1" if self.warm_kernel else "0"
        env["PATH"] = f"{self.env_root}/bin:/usr/local/bin:/usr/bin:/bin"
        env["VIRTUAL_ENV"] = self.env_root
        env["MPLCONFIGDIR"] = f"{env['HOME']}/.cache/matplotlib"
        env.pop("JPY_PARENT_PID", None)
        if self.isolated:
            # Inside the jail the hub API is the relay on the jail's own loopback, on a port of
            # its own: the hub's real port number leads nowhere in there.
            _, hub_port, path = self._hub_api()
            port = HUB_RELAY_PORT if hub_port != HUB_RELAY_PORT else HUB_RELAY_PORT + 1
            api = f"http://127.0.0.1:{port}{path}"
            env["JUPYTERHUB_API_URL"] = api
            env["JUPYTERHUB_ACTIVITY_URL"] = (
                f"{api}/users/{getattr(self.user, 'escaped_name', self.user.name)}/activity"
            )
            env["LIANGZHI_SERVER_SOCK"] = f"{SANDBOX_RUN}/server.sock"
            env["LIANGZHI_HUB_SOCK"] = f"{SANDBOX_RUN}/hub.sock"
            env["LIANGZHI_HUB_RELAY_PORT"] = str(port)
            if self.profile.get("internet"):
                proxy = f"http://127.0.0.1:{PROXY_PORT}"
                env.update(LIANGZHI_PROXY_SOCK=f"{SANDBOX_RUN}/proxy.sock", LIANGZHI_PROXY_PORT=str(PROXY_PORT))
                env.update(HTTPS_PROXY=proxy, https_proxy=proxy, HTTP_PROXY=proxy, http_proxy=proxy)
                env.update(NO_PROXY="", no_proxy="")
        return env

    async def progress(self) -> AsyncIterator[dict[str, Any]]:
        seen = 0
        while True:
            while seen < len(self._events):
                yield self._events[seen]
                seen += 1
            if self._start_done:
                return
            await asyncio.sleep(0.05)

    async def start(self) -> tuple[str, int]:
        self._events = []
        self._start_done = False
        # Give up a moment before the hub does: its own timeout arrives as a bare
        # TimeoutError with no message, ours as words a student can read.
        self._deadline = time.monotonic() + max(0.2, self.start_timeout - 0.3)
        try:
            return await self._start()
        except BaseException:
            await self._stop_relays()
            raise
        finally:
            self._start_done = True

    def _asked_by_allowed_starter(self) -> bool:
        """Whether the request that started this spawn came from ``starts_only_from`` (the rule of every hub,
        :mod:`sandbox.hub.site_only`)."""
        return site_only.asked_by(self.handler, self.starts_only_from)

    async def _start(self) -> tuple[str, int]:
        if not self._asked_by_allowed_starter():
            raise ValueError(site_only.refusal(self.site_url))
        name = self.profile["name"]  # validates the profile before anything is created
        if self.profiles[name].get("gpu") and self.local_profiles_only:
            raise ValueError("The GPU profile is only available on the cluster deployment.")
        port = int(self.port)  # type: ignore[has-type]  # jupyterhub's trait, untyped for mypy
        if port == 0:
            self.port = port = random_port()
        loop = asyncio.get_running_loop()
        ip = self.ip or "127.0.0.1"
        group: cgroups.Cgroup | None = None
        if self.isolated:
            self._emit(10, "Preparing your workspace")
            # the account (useradd on a first start) and the cgroups do not depend on each other
            entry, group = await asyncio.gather(
                loop.run_in_executor(None, self._ensure_unix_user), loop.run_in_executor(None, self._setup_cgroups)
            )
            await loop.run_in_executor(None, self._prepare_runtime, entry)
            await self._start_relays(entry)
            launcher = [str(Path(self.env_root) / "bin" / "python"), "-m", "liangzhi_launch", *self.get_args()]
            cmd = self._bwrap_command(entry, launcher)
            sock = self._runtime_outside() / "server.sock"

            def ready() -> bool:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe_sock:
                    probe_sock.settimeout(0.2)
                    probe_sock.connect(str(sock))
                return True
        else:
            cmd = [*self.cmd, *self.get_args()]
            self._home_outside().mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:  # root without bubblewrap: Jupyter refuses root unless told
                cmd.append("--allow-root")
            port = self.port

            def ready() -> bool:
                with socket.create_connection((ip, port), timeout=0.2):
                    return True

        env = self.get_env()
        self._emit(30, "Starting JupyterLab")
        Path(self.log_dir).mkdir(parents=True, exist_ok=True)
        log_path = Path(self.log_dir) / f"{self.user.name}.log"
        log_file = open(log_path, "ab")  # noqa: SIM115 -- the child keeps it
        self.log.info("Spawning %s (profile %s): %s", self.user.name, name, " ".join(cmd))
        try:
            self.proc = Popen(
                cmd,
                env=env,
                cwd=None if self.isolated else str(self._home_outside()),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=self._preexec(group),
                start_new_session=True,
            )
        finally:
            log_file.close()
        self.pid = self.proc.pid
        await self._wait_ready(ready, log_path)
        await loop.run_in_executor(None, self._end_startup_allowance, group)
        self._emit(90, "Connecting to your lab")
        return (ip, self.port)

    async def _wait_ready(self, ready: Callable[[], bool], log_path: Path) -> None:
        deadline = self._deadline
        shown = 30
        while time.monotonic() < deadline:
            assert self.proc is not None
            code = self.proc.poll()
            if code is not None:
                tail = self._log_tail(log_path)
                self.log.error(
                    "Server for %s exited with %s before listening; its output:\n%s", self.user.name, code, tail
                )
                raise RuntimeError(
                    f"Your lab could not start (the server stopped with exit code {code}). "
                    "Please try again; if it keeps failing, tell your teacher."
                )
            try:
                if ready():
                    return
            except OSError:
                pass
            if shown < 80:
                shown += 1
                if shown % 5 == 0:
                    self._emit(shown, "Starting JupyterLab")
            await asyncio.sleep(self.ready_poll_interval)
        self.log.error(
            "Server for %s did not listen within %ss (Timeout); output:\n%s",
            self.user.name,
            self.start_timeout,
            self._log_tail(log_path),
        )
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, 9)  # its session: bwrap and everything under it
        raise RuntimeError("Your lab took too long to start. Please try again in a minute.")

    def _log_tail(self, log_path: Path) -> str:
        try:
            lines = log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no output)"
        return "\n".join(lines[-self.log_tail_lines :])

    async def _signal(self, sig: int) -> bool:
        # pid 0 would signal the hub's own process group (os.kill(0, sig)): never.
        if self.pid <= 0:
            return False
        return bool(await super()._signal(sig))

    async def stop(self, now: bool = False) -> None:
        await super().stop(now=now)
        await self._stop_relays()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._cleanup_cgroups)
        if self.isolated:
            await loop.run_in_executor(None, shutil.rmtree, self._runtime_outside(), True)


def remove_unix_user(name: str) -> None:
    """Remove a student's Unix account(s) and group (tests; account deletion).

    ``name`` is the Unix name or the hub name: accounts made with an installation prefix
    record the hub name in their comment, so callers that only know the hub name (and
    accounts from before the prefix) are served alike.
    """
    accounts = {p.pw_name for p in pwd.getpwall() if p.pw_gecos == f"Liangzhi Lab student {name}"}
    with contextlib.suppress(KeyError):
        accounts.add(pwd.getpwnam(name).pw_name)
    for account in sorted(accounts):
        _run(["userdel", account])
        try:
            grp.getgrnam(account)
            _run(["groupdel", account])
        except KeyError:
            pass
