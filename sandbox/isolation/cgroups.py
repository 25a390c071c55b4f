"""cgroup v1 and v2 groups for jails: memory, pids and CPU, removed when the last process leaves.

Layout: ``<controller root>/liangzhi-<install id>/<kind>-<name>``. On a v1 hierarchy (or the
v1 half of a hybrid host) each controller has its own folder; on v2 one folder carries
every controller enabled in its parent's ``cgroup.subtree_control``. Each controller is
taken from v1 where v1 has it, else from v2 where the unified tree offers it.

Limits written:

========  =======================================  =====================================
          v1                                       v2
========  =======================================  =====================================
memory    memory.limit_in_bytes (+ memsw = same,   memory.max, memory.swap.max = 0
          swappiness 0)
pids      pids.max                                 pids.max
cpu       cpu.cfs_quota_us / cpu.cfs_period_us     cpu.max "<quota> <period>"
weight    cpu.shares (1024 = normal)               cpu.weight (100 = normal)
========  =======================================  =====================================

Groups are removed by ``remove()`` (at stop/finish, after every process in them was
killed) and, for whatever a crash left behind, by ``sweep()``: every empty group under the
installation's folder older than a minute (a group younger than that may be one a
concurrent start has made and not yet entered).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from .names import cgroup_parent

CGROUP_ROOT = Path(os.environ.get("LIANGZHI_CGROUP_ROOT", "/sys/fs/cgroup"))
CONTROLLERS = ("memory", "pids", "cpu")
LEGACY_PARENTS = ("liangzhi-lab", "liangzhi-sandbox")  # the first release's names
CPU_PERIOD_US = 100_000
SWEEP_MIN_AGE = 60.0


@dataclass(frozen=True)
class CgroupLimits:
    memory_bytes: int | None = None
    pids: int | None = None
    cpu_cores: float | None = None  # a hard rate limit (quota/period)
    cpu_shares: int | None = None  # a relative weight, v1 units (1024 = normal)


def v2_root(root: Path = CGROUP_ROOT) -> Path | None:
    """The unified (v2) hierarchy: the root itself on a pure v2 host, ``unified/`` on a hybrid one."""
    for candidate in (root, root / "unified"):
        if (candidate / "cgroup.controllers").exists():
            return candidate
    return None


def layout(root: Path = CGROUP_ROOT) -> dict[str, tuple[str, Path]]:
    """controller -> ("v1", its hierarchy) or ("v2", the unified root), for what this host offers."""
    found: dict[str, tuple[str, Path]] = {}
    if os.geteuid() != 0:
        return found  # creating groups needs root here (no delegation without systemd)
    unified = v2_root(root)
    v2_available: set[str] = set()
    if unified is not None:
        with contextlib.suppress(OSError):
            v2_available = set((unified / "cgroup.controllers").read_text().split())
    for controller in CONTROLLERS:
        base = root / controller
        if unified != root and (base / "cgroup.procs").exists() and os.access(base, os.W_OK):
            found[controller] = ("v1", base)
        elif unified is not None and controller in v2_available:
            found[controller] = ("v2", unified)
    return found


def _write(path: Path, value: str) -> None:
    path.write_text(value)


class Cgroup:
    """One jail's group(s); ``paths`` holds what could be made (may be empty: no cgroups)."""

    def __init__(self, *, iid: str, kind: str, name: str, root: Path = CGROUP_ROOT) -> None:
        from .names import cgroup_leaf

        self.parent = cgroup_parent(iid)
        self.leaf = cgroup_leaf(kind, name)
        self.layout = layout(root)
        self.paths: dict[str, Path] = {}  # controller -> folder
        self.errors: list[str] = []

    # --- creation --------------------------------------------------------------------------
    def create(self, limits: CgroupLimits) -> Cgroup:
        v2_wanted = [c for c, (v, _) in self.layout.items() if v == "v2" and self._wanted(c, limits)]
        if v2_wanted:
            unified = self.layout[v2_wanted[0]][1]
            parent = unified / self.parent
            for _attempt in range(3):  # the parent may vanish under us: remove() of a sibling
                try:
                    parent.mkdir(exist_ok=True)
                    enable = " ".join(f"+{c}" for c in v2_wanted)
                    _write(unified / "cgroup.subtree_control", enable)
                    _write(parent / "cgroup.subtree_control", enable)
                    leaf = parent / self.leaf
                    leaf.mkdir(exist_ok=True)
                    for controller in v2_wanted:
                        self.paths[controller] = leaf
                    break
                except FileNotFoundError:
                    continue
                except OSError as exc:
                    self.errors.append(f"cgroup v2 {self.parent}/{self.leaf}: {exc}")
                    break
        for controller, (version, base) in self.layout.items():
            if version != "v1" or not self._wanted(controller, limits):
                continue
            path = base / self.parent / self.leaf
            for _attempt in range(3):
                try:
                    path.mkdir(parents=True, exist_ok=True)
                    self.paths[controller] = path
                    break
                except FileNotFoundError:
                    continue
                except OSError as exc:
                    self.errors.append(f"cgroup v1 {controller}: {exc}")
                    break
        self.apply(limits)
        return self

    @staticmethod
    def _wanted(controller: str, limits: CgroupLimits) -> bool:
        if controller == "memory":
            return limits.memory_bytes is not None
        if controller == "pids":
            return limits.pids is not None
        return limits.cpu_cores is not None or limits.cpu_shares is not None

    def version(self, controller: str) -> str | None:
        if controller not in self.paths:
            return None
        return self.layout[controller][0]

    def apply(self, limits: CgroupLimits) -> None:
        """Write the limits (again: a lab restarted with another profile reuses its group)."""
        for controller, path in list(self.paths.items()):
            try:
                if controller == "memory" and limits.memory_bytes is not None:
                    self._memory(path, limits.memory_bytes)
                elif controller == "pids" and limits.pids is not None:
                    _write(path / "pids.max", str(limits.pids))
                elif controller == "cpu":
                    self._cpu(path, limits)
            except OSError as exc:
                self.errors.append(f"{controller} limit: {exc}")
                del self.paths[controller]  # a group without its limit protects nothing

    def _memory(self, path: Path, limit: int) -> None:
        if self.version("memory") == "v2":
            _write(path / "memory.max", str(limit))
            with contextlib.suppress(OSError):
                _write(path / "memory.swap.max", "0")
            return
        # memory+swap must stay >= memory: lift it, set memory, then bring it down to match.
        swap = path / "memory.memsw.limit_in_bytes"
        has_swap = swap.exists()
        if has_swap:
            with contextlib.suppress(OSError):
                _write(swap, "-1")
        _write(path / "memory.limit_in_bytes", str(limit))
        if has_swap:
            with contextlib.suppress(OSError):
                _write(swap, str(limit))
        with contextlib.suppress(OSError):
            _write(path / "memory.swappiness", "0")

    def _cpu(self, path: Path, limits: CgroupLimits) -> None:
        quota = None if limits.cpu_cores is None else max(1000, int(limits.cpu_cores * CPU_PERIOD_US))
        # With group scheduling, the installation's folder competes with the host's other
        # tasks as ONE task of its weight: left at the default, every lab (or job) together
        # would get one busy process's share of a loaded machine. Weigh it as one busy
        # process per CPU instead; each group's own quota still caps it.
        with contextlib.suppress(OSError):
            ncpu = os.cpu_count() or 1
            if self.version("cpu") == "v2":
                _write(path.parent / "cpu.weight", str(min(10000, 100 * ncpu)))
            else:
                _write(path.parent / "cpu.shares", str(1024 * ncpu))
        if self.version("cpu") == "v2":
            _write(path / "cpu.max", f"{quota if quota else 'max'} {CPU_PERIOD_US}")
            if limits.cpu_shares is not None:
                self.set_cpu_shares(limits.cpu_shares)
            return
        _write(path / "cpu.cfs_period_us", str(CPU_PERIOD_US))
        _write(path / "cpu.cfs_quota_us", str(quota if quota else -1))
        if limits.cpu_shares is not None:
            self.set_cpu_shares(limits.cpu_shares)

    def set_cpu_shares(self, shares: int) -> None:
        """Relative CPU weight (v1 units, 1024 = normal): warm-up runs below the jobs that run."""
        path = self.paths.get("cpu")
        if path is None:
            return
        with contextlib.suppress(OSError):
            if self.version("cpu") == "v2":
                _write(path / "cpu.weight", str(max(1, min(10000, shares * 100 // 1024))))
            else:
                _write(path / "cpu.shares", str(max(2, shares)))

    # --- membership --------------------------------------------------------------------------
    def procs_files(self) -> list[str]:
        """Files a child writes its pid into (between fork and exec) to enter every group."""
        return sorted({str(p / "cgroup.procs") for p in self.paths.values()})

    def pids(self) -> set[int]:
        found: set[int] = set()
        for path in set(self.paths.values()):
            with contextlib.suppress(OSError, ValueError):
                found.update(int(x) for x in (path / "cgroup.procs").read_text().split())
        return found

    def oom_killed(self) -> bool:
        path = self.paths.get("memory")
        if path is None:
            return False
        name = "memory.events" if self.version("memory") == "v2" else "memory.oom_control"
        try:
            for line in (path / name).read_text().splitlines():
                if line.startswith("oom_kill ") and int(line.split()[1]) > 0:
                    return True
        except (OSError, ValueError):
            pass
        return False

    def kill_all(self) -> None:
        for path in set(self.paths.values()):
            kill = path / "cgroup.kill"  # v2, Linux >= 5.14: atomic, no pid races
            if kill.exists():
                with contextlib.suppress(OSError):
                    _write(kill, "1")
        for _ in range(40):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)

    def remove(self, *, kill: bool = True) -> bool:
        """Kill what is left (unless told not to) and remove the groups; True when all are gone."""
        if kill:
            self.kill_all()
        gone = True
        for path in set(self.paths.values()):
            for _ in range(20):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if not kill:
                        gone = False
                        break
                    time.sleep(0.05)
            else:
                gone = False
            with contextlib.suppress(OSError):
                path.parent.rmdir()  # the installation's folder, once its last group is gone
        return gone


def group_alive(iid: str, leaf: str, *, root: Path = CGROUP_ROOT) -> bool:
    """Whether any process is left in this installation's group ``leaf`` (any controller)."""
    for _, base in layout(root).values():
        with contextlib.suppress(OSError):
            if (base / cgroup_parent(iid) / leaf / "cgroup.procs").read_text().strip():
                return True
    return False


def sweep(iid: str, *, root: Path = CGROUP_ROOT, min_age: float = SWEEP_MIN_AGE) -> int:
    """Remove empty groups this installation left (a crash, a killed hub); returns how many."""
    if os.geteuid() != 0:
        return 0
    bases = {base for _, base in layout(root).values()}
    parents = [cgroup_parent(iid), *LEGACY_PARENTS]
    removed = 0
    now = time.time()
    for base in bases:
        for parent_name in parents:
            parent = base / parent_name
            if not parent.is_dir():
                continue
            for child in parent.iterdir():
                if not child.is_dir():
                    continue
                try:
                    if now - child.stat().st_mtime < min_age:
                        continue
                    if (child / "cgroup.procs").read_text().strip():
                        continue
                    child.rmdir()
                    removed += 1
                except OSError:
                    continue
            if parent_name in LEGACY_PARENTS:
                with contextlib.suppress(OSError):
                    parent.rmdir()  # empty now: the old name is gone for good
    return removed
