"""A lab starts with the start-up CPU allowance; if the profile's limit cannot be set back, the start fails."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest

from sandbox.hub.spawner import LiangzhiSpawner
from sandbox.isolation import cgroups


class _Group:
    def __init__(self, *, can_limit: bool) -> None:
        self.paths: dict[str, str] = {"cpu": "/sys/fs/cgroup/cpu/x", "memory": "/sys/fs/cgroup/memory/x"}
        self.errors: list[str] = []
        self.applied: list[Any] = []
        self.can_limit = can_limit

    def apply(self, limits: Any) -> None:
        self.applied.append(limits)
        if not self.can_limit:
            self.paths.pop("cpu")
            self.errors.append("cpu.cfs_quota_us: Permission denied")


def _spawner() -> Any:
    profile = {"cpu_limit": 1, "mem_limit": 2 << 30, "pids_limit": 256}
    fake = SimpleNamespace(
        profile=profile, startup_cpu_limit=2.0, log=logging.getLogger("test"), user=SimpleNamespace(name="s1")
    )
    fake._cgroup_limits = lambda starting=False: LiangzhiSpawner._cgroup_limits(fake, starting=starting)
    return fake


def test_the_profile_limit_is_set_back_after_start_up() -> None:
    fake, group = _spawner(), _Group(can_limit=True)
    assert LiangzhiSpawner._cgroup_limits(fake, starting=True).cpu_cores == 2.0
    LiangzhiSpawner._end_startup_allowance(fake, group)  # type: ignore[arg-type]
    assert [g.cpu_cores for g in group.applied] == [1.0]
    assert isinstance(group.applied[0], cgroups.CgroupLimits)


def test_a_limit_that_cannot_be_set_back_fails_the_start() -> None:
    fake, group = _spawner(), _Group(can_limit=False)
    with pytest.raises(RuntimeError, match="CPU limit"):
        LiangzhiSpawner._end_startup_allowance(fake, group)  # type: ignore[arg-type]
