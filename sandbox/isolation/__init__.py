"""One isolation library for every jail: lab servers, grading jobs, competition runs.

Django-free (the hub imports it, and so does the grading runner). Pieces:

* ``names``    per-installation Unix user names, cgroup names, the grading uid
* ``jail``     the bubblewrap command line (namespaces incl. network, binds, tmpfs sizes, setpriv)
* ``cgroups``  cgroup v1/v2 memory, pids and CPU limits; removal and sweep of empty groups
* ``limits``   rlimits and the pre-exec step that enters the cgroups
* ``scratch``  a hard disk quota for a writable job folder (size-limited tmpfs)
* ``probe``    what this machine enforces, capability by capability: isolated / degraded
* ``relay``    asyncio byte relays between a TCP port and a Unix socket (a lab's only ways
               in and out), an HTTP filter for the hub API, a CONNECT proxy for labs
               that may reach the internet
"""

from __future__ import annotations

from .cgroups import Cgroup, CgroupLimits
from .jail import ETC_MINIMAL, Bind, JailSpec, bwrap_argv, venv_paths
from .limits import RLimits, preexec, rlimits_apply
from .names import install_id, sandbox_uid, unix_name
from .probe import probe, summary

__all__ = [
    "ETC_MINIMAL",
    "Bind",
    "Cgroup",
    "CgroupLimits",
    "JailSpec",
    "RLimits",
    "bwrap_argv",
    "install_id",
    "preexec",
    "probe",
    "rlimits_apply",
    "sandbox_uid",
    "summary",
    "unix_name",
    "venv_paths",
]
