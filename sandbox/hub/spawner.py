"""LiangzhiSpawner: a local spawner that isolates each student when the hub runs as root.

As root, every student's server runs

* as the student's own Unix user, created on first start (home 0700, nologin shell);
* inside bubblewrap: a fresh root with /usr and /etc read-only, the Python environment and
  our Jupyter config read-only, a private /tmp, /proc of its own PID namespace, and only
  the home directory writable. The checkout (database, secrets, the hub's state) is not
  in the sandbox at all, so it works even where the checkout lives under a 0700 /root;
* under memory and process limits from the best mechanism the machine offers: cgroup v1
  ``memory``/``pids`` child groups, else cgroup v2 ``memory.max``/``pids.max``, else
  rlimits (RLIMIT_AS, RLIMIT_NPROC).

What the machine allows is probed once, logged, and kept in ``LiangzhiSpawner.probe``.
Without root, it falls back to single-user local mode (every lab runs as the hub's own
user, no isolation) and says so loudly in the log.

JupyterHub 6.1.1 turns a single-user server that dies early into a bare 500; this spawner
waits for the server's port itself, so an early exit becomes a readable spawn failure
("your lab could not start …") and the server's own output goes to the hub log.
"""

from __future__ import annotations

import asyncio
import contextlib
import grp
import os
import pwd
import resource
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from subprocess import Popen
from typing import Any

from jupyterhub.spawner import LocalProcessSpawner
from jupyterhub.utils import random_port
from traitlets import Bool, Dict, Float, Integer, Unicode, default, observe

from .constants import DEFAULT_PROFILE, PROFILES

JUPYTER_DIR = Path(__file__).resolve().parent / "jupyter"
SANDBOX_JUPYTER = "/opt/liangzhi/jupyter"  # where JUPYTER_DIR appears inside the sandbox
CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_PARENT = "liangzhi-lab"


def _run(cmd: list[str], timeout: float = 10) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def probe_machine() -> dict[str, Any]:
    """What this machine lets the hub do: root, bubblewrap, setpriv, useradd, cgroups."""
    found: dict[str, Any] = {"root": os.geteuid() == 0}
    bwrap = shutil.which("bwrap")
    found["bwrap"] = bool(
        bwrap
        and _run([bwrap, "--ro-bind", "/", "/", "--unshare-pid", "--proc", "/proc", "--dev", "/dev", "true"]).returncode
        == 0
    )
    found["setpriv"] = bool(shutil.which("setpriv"))
    found["useradd"] = bool(shutil.which("useradd"))
    memory = pids = None
    if found["root"]:
        for controller in ("memory", "pids"):
            base = CGROUP_ROOT / controller
            if base.is_dir() and (base / "cgroup.procs").exists():
                try:
                    (base / CGROUP_PARENT).mkdir(exist_ok=True)
                    if controller == "memory":
                        memory = "v1"
                    else:
                        pids = "v1"
                except OSError:
                    pass
        unified = CGROUP_ROOT / "unified" if (CGROUP_ROOT / "unified").is_dir() else CGROUP_ROOT
        controllers_file = unified / "cgroup.controllers"
        if controllers_file.exists():
            v2 = set(controllers_file.read_text().split())
            memory = memory or ("v2" if "memory" in v2 else None)
            pids = pids or ("v2" if "pids" in v2 else None)
            found["cgroup_v2_root"] = str(unified)
    found["memory_limit"] = memory or "rlimit"
    found["pids_limit"] = pids or "rlimit"
    found["isolated"] = bool(found["root"] and found["bwrap"] and found["setpriv"] and found["useradd"])
    return found


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
    ready_poll_interval = Float(0.05, help="Seconds between checks of the server's port while it starts.").tag(
        config=True
    )
    log_tail_lines = Integer(40, help="Lines of a failed server's output copied into the hub log.").tag(config=True)

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
        if LiangzhiSpawner.probe is None:
            LiangzhiSpawner.probe = probe_machine()
            if LiangzhiSpawner.probe["isolated"]:
                self.log.info("Sandbox probe: %s", LiangzhiSpawner.probe)
            else:
                self.log.warning(
                    "Sandbox probe: %s -- NOT ISOLATED: single-user local mode, every lab runs as "
                    "uid %d with no sandbox and no limits. Run the hub as root with bubblewrap for isolation.",
                    LiangzhiSpawner.probe,
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
        timeout = self.profiles.get(name, {}).get("start_timeout")
        self.start_timeout = int(timeout or base)

    # --- helpers ---------------------------------------------------------------------------
    @property
    def isolated(self) -> bool:
        return bool(self.probe and self.probe["isolated"])

    @property
    def profile(self) -> dict[str, Any]:
        name = (self.user_options or {}).get("profile") or self.default_profile
        if name not in self.profiles:
            raise ValueError(f"Unknown resource profile {name!r}.")
        return {"name": name, **self.profiles[name]}

    def _emit(self, progress: int, message: str) -> None:
        self._events.append({"progress": progress, "message": message})

    def _home_outside(self) -> Path:
        return Path(self.home_root) / self.user.name

    def _ensure_unix_user(self) -> pwd.struct_passwd:
        """The student's Unix account: created on first start, never a login shell."""
        name = self.user.name
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            for attempt in range(5):  # /etc/passwd is locked while another useradd runs
                result = _run(
                    [
                        "useradd",
                        "--no-create-home",
                        "--home-dir",
                        f"/home/{name}",
                        "--shell",
                        self.unix_shell,
                        "--user-group",
                        "--comment",
                        "Liangzhi Lab student",
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
            # a re-created account (new uid) gets its old files back
            for root, dirs, files in os.walk(home):
                for item in (*dirs, *files):
                    os.lchown(os.path.join(root, item), entry.pw_uid, entry.pw_gid)
        os.chown(home, entry.pw_uid, entry.pw_gid)
        home.chmod(0o700)
        return entry

    def _cgroup_dirs(self) -> list[Path]:
        assert self.probe is not None
        dirs = []
        if self.probe["memory_limit"] == "v1":
            dirs.append(CGROUP_ROOT / "memory" / CGROUP_PARENT / self.user.name)
        if self.probe["pids_limit"] == "v1":
            dirs.append(CGROUP_ROOT / "pids" / CGROUP_PARENT / self.user.name)
        if "v2" in (self.probe["memory_limit"], self.probe["pids_limit"]):
            dirs.append(Path(self.probe["cgroup_v2_root"]) / CGROUP_PARENT / self.user.name)
        return dirs

    def _setup_cgroups(self) -> list[Path]:
        assert self.probe is not None
        profile = self.profile
        made = []
        for path in self._cgroup_dirs():
            path.mkdir(parents=True, exist_ok=True)
            if path.parts[-3] == "memory":
                # memory+swap must stay >= memory: lift it, set memory, then bring it down
                swap = path / "memory.memsw.limit_in_bytes"
                has_swap = swap.exists()
                if has_swap:
                    swap.write_text("-1")
                (path / "memory.limit_in_bytes").write_text(str(profile["mem_limit"]))
                if has_swap:
                    swap.write_text(str(profile["mem_limit"]))
            elif path.parts[-3] == "pids":
                (path / "pids.max").write_text(str(profile["pids_limit"]))
            else:
                (path.parent / "cgroup.subtree_control").write_text("+memory +pids")
                if (path / "memory.max").exists():
                    (path / "memory.max").write_text(str(profile["mem_limit"]))
                    if (path / "memory.swap.max").exists():
                        (path / "memory.swap.max").write_text("0")
                if (path / "pids.max").exists():
                    (path / "pids.max").write_text(str(profile["pids_limit"]))
            made.append(path)
        return made

    def _cleanup_cgroups(self) -> None:
        if not self.isolated:
            return
        for path in self._cgroup_dirs():
            with contextlib.suppress(OSError):  # still has processes: the next start reuses it
                path.rmdir()

    def _bwrap_command(self, entry: pwd.struct_passwd, server_cmd: list[str]) -> list[str]:
        name = self.user.name
        args = ["bwrap", "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
        args += ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
        for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(top):
                args += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                args += ["--ro-bind", top, top]
        # a private /tmp and /run: fresh tmpfs inside the sandbox, not the host's
        args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/run"]  # noqa: S108
        mounted = ["/usr", "/etc", "/proc", "/dev", "/tmp", "/run"]  # noqa: S108
        writable_tmpfs = ("/tmp", "/run")  # noqa: S108 -- directories can be made inside these
        made: list[str] = []

        def bind(kind: str, source: str, dest: str) -> None:
            # bwrap creates missing parents 0700 (root-only): make them 0755 so the student can
            # traverse to the bound environment even where the host path sits under /root, or
            # under /tmp (a checkout in /tmp is hidden by the private tmpfs unless bound back).
            parts = Path(dest).parts
            for i in range(2, len(parts)):
                parent = str(Path(*parts[:i]))
                if parent in made or parent in mounted:
                    continue
                if any(parent.startswith(m + "/") for m in mounted if m not in writable_tmpfs):
                    continue
                args.extend(["--perms", "0755", "--dir", parent])
                made.append(parent)
            args.extend([kind, source, dest])
            mounted.append(dest)

        env_root = os.path.realpath(self.env_root)
        bind("--ro-bind", env_root, env_root)
        for host_path in self.extra_ro_paths:
            if os.path.exists(host_path):
                bind("--ro-bind", os.path.realpath(host_path), os.path.realpath(host_path))
        bind("--ro-bind", str(JUPYTER_DIR), SANDBOX_JUPYTER)
        bind("--bind", str(self._home_outside()), f"/home/{name}")
        args += ["--chdir", f"/home/{name}"]
        drop = [
            "setpriv",
            f"--reuid={entry.pw_uid}",
            f"--regid={entry.pw_gid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
            "--",
        ]
        return [*args, "--", *drop, *server_cmd]

    def _preexec(self, cgroups: list[Path]) -> Callable[[], None]:
        profile = self.profile
        rlimit_memory = self.probe is not None and self.probe["memory_limit"] == "rlimit"
        rlimit_pids = self.probe is not None and self.probe["pids_limit"] == "rlimit"
        pid_files = [p / "cgroup.procs" for p in cgroups]

        def preexec() -> None:
            pid = str(os.getpid())
            for procs in pid_files:
                with open(procs, "w") as handle:
                    handle.write(pid)
            if rlimit_memory:
                resource.setrlimit(resource.RLIMIT_AS, (profile["mem_limit"], profile["mem_limit"]))
            if rlimit_pids:
                resource.setrlimit(resource.RLIMIT_NPROC, (profile["pids_limit"], profile["pids_limit"]))

        return preexec

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
        env["PYTHONPATH"] = f"{jupyter_dir}/python"  # liangzhi_student and liangzhi_kernel
        env["LIANGZHI_WARM_KERNEL"] = "1" if self.warm_kernel else "0"
        env["PATH"] = f"{self.env_root}/bin:/usr/local/bin:/usr/bin:/bin"
        env["VIRTUAL_ENV"] = self.env_root
        env["MPLCONFIGDIR"] = f"{env['HOME']}/.cache/matplotlib"
        env.pop("JPY_PARENT_PID", None)
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
        finally:
            self._start_done = True

    async def _start(self) -> tuple[str, int]:
        name = self.profile["name"]  # validates the profile before anything is created
        if self.profiles[name].get("gpu") and self.local_profiles_only:
            raise ValueError("The GPU profile is only available on the cluster deployment.")
        if self.port == 0:
            self.port = random_port()
        loop = asyncio.get_running_loop()
        cmd = [*self.cmd, *self.get_args()]
        cgroups: list[Path] = []
        if self.isolated:
            self._emit(10, "Preparing your workspace")
            entry = await loop.run_in_executor(None, self._ensure_unix_user)
            cgroups = await loop.run_in_executor(None, self._setup_cgroups)
            cmd = self._bwrap_command(entry, cmd)
        else:
            self._home_outside().mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:  # root without bubblewrap: Jupyter refuses root unless told
                cmd.append("--allow-root")
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
                preexec_fn=self._preexec(cgroups),
                start_new_session=True,
            )
        finally:
            log_file.close()
        self.pid = self.proc.pid
        ip = self.ip or "127.0.0.1"
        await self._wait_for_port(ip, self.port, log_path)
        self._emit(90, "Connecting to your lab")
        return (ip, self.port)

    async def _wait_for_port(self, ip: str, port: int, log_path: Path) -> None:
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
                with socket.create_connection((ip, port), timeout=0.2):
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
        await asyncio.get_running_loop().run_in_executor(None, self._cleanup_cgroups)


def remove_unix_user(name: str) -> None:
    """Remove a student's Unix account and its group (tests; account deletion)."""
    try:
        pwd.getpwnam(name)
    except KeyError:
        return
    _run(["userdel", name])
    try:
        grp.getgrnam(name)
        _run(["groupdel", name])
    except KeyError:
        pass
