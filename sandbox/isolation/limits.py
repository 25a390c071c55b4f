"""Per-process limits (rlimits) a jail's first process sets on itself before exec.

rlimits are the floor under the cgroups: RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_NOFILE and
RLIMIT_CORE=0 always; RLIMIT_AS stands in for a memory cgroup and RLIMIT_NPROC for a pids
cgroup only where the cgroup is missing (RLIMIT_AS also counts mapped-but-unused address
space, and RLIMIT_NPROC counts per uid across the host and is not enforced for root).
"""

from __future__ import annotations

import resource
from dataclasses import dataclass


@dataclass(frozen=True)
class RLimits:
    cpu_seconds: int | None = None
    file_bytes: int | None = None
    open_files: int | None = None
    address_space: int | None = None
    processes: int | None = None
    core: bool = False


def rlimits_apply(limits: RLimits) -> None:
    """Set the limits on the calling process (call it between fork and exec)."""
    if limits.cpu_seconds is not None:
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    if limits.file_bytes is not None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    if limits.open_files is not None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
    if not limits.core:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if limits.address_space is not None:
        resource.setrlimit(resource.RLIMIT_AS, (limits.address_space, limits.address_space))
    if limits.processes is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))


def preexec(procs_files: list[str], limits: RLimits) -> None:
    """Enter the jail's cgroups, then set the rlimits: the body of a Popen ``preexec_fn``."""
    import os

    pid = str(os.getpid())
    for path in procs_files:
        with open(path, "w") as handle:
            handle.write(pid)
    rlimits_apply(limits)
