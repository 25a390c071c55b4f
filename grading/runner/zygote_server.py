"""The kernel zygote: imports the grading stack once, then forks each job's runner and kernel.

Run as a script by ``zygote.Zygote`` (the worker, root), never inside a job. Standard library
and the Jupyter/numerics stack only; nothing from the site.

Why: a warm sandbox used to pay ~2 s of CPU before its job (bwrap, execute.py importing
nbclient, a kernel importing ipykernel, torch, qiskit, aer). On a 2-core worker that warm-up
competes with the jobs running beside it. Here the imports happen once per worker; a job pays a
fork (copy-on-write pages) and an in-process ``IPKernelApp`` start.

Threat model
------------
Trusted: the worker (root) and this process. Untrusted: everything a job's kernel runs, and
everything that kernel can reach. This process never runs student code and never reads job data:
a request names only what the worker decided (the job's holder process, cgroup files, uid,
rlimits, environment, job folder) plus three pipe fds; the notebook arrives later on the job's
stdin, read by the runner after it has left this process's namespaces and dropped root.

Each job's isolation is that of a normal grading sandbox, because it *is* one: the worker starts a
cheap bubblewrap sandbox for the job first (``sandbox.SandboxProcess`` running ``sleep``: its own
mount, pid, net, ipc, uts and cgroup namespaces, read-only /usr and venv, the job folder on its
size-limited tmpfs, private /tmp, /proc, /dev, its own memory/pids/cpu cgroup). Per request:

1. fork (``job()``): the child resets signal dispositions and closes the control socket, so
   nothing of other jobs' requests is reachable from it.
2. join the job's cgroups (host paths, so before leaving the host mount namespace): every
   process of the job, this child included, is then limited and killed with the job.
3. open the holder's namespace files, check the holder is still in the job's cgroup (a pid that
   was reused cannot lead us into another namespace), and ``setns`` into its net, ipc, uts,
   cgroup, pid and (last) mount namespaces; the mount namespace changes root and cwd to the
   sandbox's: from here on only the job's filesystem view exists.
4. fork again: the grandchild is a member of the job's pid namespace (it sees only the job's
   processes, and nothing outside can be signalled or ptraced by pid from there). The middle
   process stays root outside that pid namespace only to report the runner's exit status to
   the worker (a socket of its own) and dies with the job's cgroup.
5. the runner (grandchild): a new session, the three job fds on 0/1/2 and every other fd closed,
   rlimits (CPU, file size, open files, core 0), PR_SET_PDEATHSIG, every capability dropped from
   the bounding set, no groups, the job's gid/uid (real, effective, saved), inheritable and
   ambient sets cleared, no_new_privs; then it checks /proc/self/status (all capability sets 0,
   NoNewPrivs 1, uid) and exits if anything is off. Only then does it read anything of the job.
6. the runner forks the job's kernel before it reads the job (the kernel is a fresh fork that
   never saw another job, nor this one's notebook), makes itself non-dumpable (the kernel, same
   uid, can neither ptrace it nor read its memory), and runs ``execute.main`` with a kernel
   launcher that hands the pre-forked kernel its connection file instead of exec'ing Python.

What crosses: the memory image of this process after its imports (modules, no job data, no
secret: it starts with a minimal environment and no credentials). Every job's kernel therefore has
the zygote's address-space layout and string-hash seed (as Android's zygote): knowing them helps
only against a process that parses untrusted input, and the zygote parses none; numpy's global
random state, which would also be shared, is reseeded in each kernel (``random`` reseeds at fork). Pages the zygote faulted in are
shared copy-on-write and charged to the zygote's cgroup; what a job writes is charged to the job.
Leftover processes die with the job: the holder's pid namespace ends with its init and the
worker kills every process in the job's cgroup. A kernel that monkeypatches a module changes only
its own copy-on-write pages.
"""

from __future__ import annotations

import array
import contextlib
import ctypes
import ctypes.util
import json
import os
import resource
import signal
import socket
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
READY = b"LIANGZHI-ZYGOTE-READY"

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
# The order matters: the mount namespace last (it replaces root and cwd, and /proc with the job's).
NAMESPACES = (
    ("net", CLONE_NEWNET),
    ("ipc", CLONE_NEWIPC),
    ("uts", CLONE_NEWUTS),
    ("cgroup", CLONE_NEWCGROUP),
    ("pid", CLONE_NEWPID),
    ("mnt", CLONE_NEWNS),
)
_LINUX_CAPABILITY_VERSION_3 = 0x20080522

_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _prctl(option: int, arg2: int = 0) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(arg2), 0, 0, 0), f"prctl({option})")


def _cap_last() -> int:
    with open("/proc/sys/kernel/cap_last_cap") as handle:
        return int(handle.read())


CAP_LAST = _cap_last()


def drop_privileges(uid: int, gid: int) -> None:
    """Become ``uid``/``gid`` for good: no capability in any set, no groups, no_new_privs."""
    for cap in range(CAP_LAST + 1):
        _prctl(PR_CAPBSET_DROP, cap)
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)  # root → non-root with all three ids: permitted/effective/ambient cleared
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()  # all zero: the inheritable set too (setresuid keeps it)
    _check(_libc.capset(ctypes.byref(header), data), "capset")
    _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    verify_unprivileged(uid, gid)


def verify_unprivileged(uid: int, gid: int) -> None:
    """Read back what the kernel says about us; raise unless every privilege is gone."""
    fields: dict[str, str] = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        if int(fields.get(key, "1"), 16) != 0:
            raise PermissionError(f"{key} is {fields.get(key)} after dropping privileges")
    if fields.get("NoNewPrivs") != "1":
        raise PermissionError("no_new_privs is not set")
    if {int(x) for x in fields["Uid"].split()} != {uid} or {int(x) for x in fields["Gid"].split()} != {gid}:
        raise PermissionError("uid/gid did not change")
    if fields.get("Groups", "") not in ("", str(gid)):
        raise PermissionError(f"supplementary groups left: {fields.get('Groups')}")


def _in_cgroup(pid: int, procs_files: list[str]) -> bool:
    for path in procs_files:
        with contextlib.suppress(OSError), open(path) as handle:
            if str(pid) in handle.read().split():
                return True
    return False


def enter_namespaces(holder: int, procs_files: list[str]) -> None:
    """Join the holder's cgroups and namespaces (the caller forks next to enter its pid namespace)."""
    me = str(os.getpid())
    for path in procs_files:
        with open(path, "w") as handle:
            handle.write(me)
    fds = [(os.open(f"/proc/{holder}/ns/{name}", os.O_RDONLY | os.O_CLOEXEC), flag) for name, flag in NAMESPACES]
    # The ns files are open now: if the holder is (still) in the job's cgroup, they are the job's.
    if not procs_files or not _in_cgroup(holder, procs_files):
        raise PermissionError(f"holder {holder} is not in the job's cgroup")
    for fd, flag in fds:
        _check(_libc.setns(fd, flag), f"setns({flag:#x})")
        os.close(fd)


def _close_fds(keep: set[int]) -> None:
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def _preload(names: list[str]) -> None:
    import io

    for name in names:
        if name and all(part.isidentifier() for part in name.split(".")):
            with contextlib.suppress(Exception), contextlib.redirect_stdout(io.StringIO()):
                __import__(name)


# ---------------------------------------------------------------------------------------
# the job's runner and kernel


class _Forked:
    """What jupyter_client's LocalProvisioner expects of a Popen, for a kernel we forked."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.stdin = self.stdout = self.stderr = None

    def _status(self, status: int) -> int:
        self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -9
            else:
                if pid:
                    self._status(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        import subprocess
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(["kernel"], timeout or 0)
            time.sleep(0.01)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _reseed() -> None:
    """Forks share the zygote's random state: give this kernel its own, as a fresh process would have.
    (``random`` reseeds itself at fork; numpy's global generator does not.)"""
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        with contextlib.suppress(Exception):
            numpy.random.seed()


def _kernel_child(read_fd: int) -> None:
    """The pre-forked kernel: waits for its connection file, then runs IPKernelApp in this process."""
    code = 1
    try:
        os.setsid()  # its own process group, as jupyter_client's launcher gives a kernel
        null = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        _close_fds({read_fd})
        with os.fdopen(read_fd, "rb") as pipe:
            spec = json.loads(pipe.read() or b"null")
        if not isinstance(spec, dict):
            os._exit(0)  # the runner ended before it launched the kernel
        _prctl(PR_SET_DUMPABLE, 1)  # a normal process of the job's uid (only the runner is hidden)
        env = {str(k): str(v) for k, v in spec["env"].items() if k != "JPY_PARENT_PID"}
        os.environ.clear()
        os.environ.update(env)
        if spec.get("cwd"):
            os.chdir(spec["cwd"])
        # As ``python -m ipykernel_launcher`` would have it: no runner folder on the path.
        sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != HERE]
        sys.argv = ["ipykernel_launcher", *spec["args"]]
        _reseed()
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=list(spec["args"]))
        code = 0
    except BaseException:
        with contextlib.suppress(Exception):
            import traceback

            traceback.print_exc()
    finally:
        os._exit(code)


def _run_runner(request: dict[str, object]) -> int:
    """The job's runner (already unprivileged, in the job's namespaces): execute.main with a forked kernel."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(write_fd)
        _kernel_child(read_fd)
    os.close(read_fd)
    _prctl(PR_SET_DUMPABLE, 0)  # the kernel shares our uid: it must not attach to us or read us
    os.set_inheritable(write_fd, False)
    launched = {"done": False}

    def launch(cmd: list[str], **kw: object) -> _Forked:
        if launched["done"]:
            raise RuntimeError("a job's kernel is started once (no restarts)")
        launched["done"] = True
        # cmd is [python, -m, ipykernel_launcher, -f, <connection file>, ...extra arguments]
        args = list(cmd[cmd.index("ipykernel_launcher") + 1 :]) if "ipykernel_launcher" in cmd else list(cmd[1:])
        env = kw.get("env") or dict(os.environ)
        spec = {"args": args, "env": env, "cwd": str(kw.get("cwd") or os.getcwd())}
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(json.dumps(spec).encode())
        return _Forked(pid)

    from jupyter_client.provisioning import local_provisioner

    local_provisioner.launch_kernel = launch  # type: ignore[assignment]
    sys.path.insert(0, HERE)
    import execute

    sys.argv = ["execute.py", "--preload", str(request.get("preload", ""))]
    try:
        return int(execute.main())
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        if not launched["done"]:
            with contextlib.suppress(OSError):
                os.close(write_fd)


def job(request: dict[str, object], fds: list[int]) -> None:
    """In the zygote's child: enter the job's sandbox, fork its runner, report the runner's exit."""
    stdin_fd, stdout_fd, stderr_fd, status_fd = fds
    code = 127
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        procs = [str(p) for p in request["procs_files"]]  # type: ignore[attr-defined]
        enter_namespaces(int(request["holder"]), procs)  # type: ignore[call-overload]
        pid = os.fork()
        if pid == 0:
            os.close(status_fd)
            rc = 1
            try:
                os.setsid()
                for target, fd in ((0, stdin_fd), (1, stdout_fd), (2, stderr_fd)):
                    os.dup2(fd, target)
                _close_fds(set())
                _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
                for name, value in dict(request.get("rlimits") or {}).items():  # type: ignore[call-overload]
                    resource.setrlimit(getattr(resource, name), (int(value[0]), int(value[1])))
                drop_privileges(int(request["uid"]), int(request["gid"]))  # type: ignore[call-overload]
                os.umask(0o022)
                os.chdir(str(request["cwd"]))
                os.environ.clear()
                os.environ.update({str(k): str(v) for k, v in dict(request["env"]).items()})  # type: ignore[call-overload]
                rc = _run_runner(request)
            except BaseException:
                with contextlib.suppress(Exception):
                    import traceback

                    traceback.print_exc()
                    sys.stderr.flush()
            finally:
                os._exit(rc)
        for fd in (stdin_fd, stdout_fd, stderr_fd):
            os.close(fd)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
    except BaseException as exc:
        with contextlib.suppress(Exception):
            os.write(stderr_fd, f"zygote: the job's sandbox could not be entered: {exc}\n".encode())
    finally:
        with contextlib.suppress(Exception):
            os.write(status_fd, struct.pack("i", code))
        os._exit(0)


def serve(sock: socket.socket) -> int:
    """Requests in (JSON + 4 fds), one forked child each; ends when the worker closes the socket."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    sock.sendall(READY + b"\n")
    while True:
        fds = array.array("i")
        try:
            data, ancdata, _flags, _addr = sock.recvmsg(65536, socket.CMSG_SPACE(16 * fds.itemsize))
        except InterruptedError:
            continue
        if not data:
            return 0
        for level, kind, payload in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
        received = list(fds)
        try:
            request = json.loads(data)
            valid = isinstance(request, dict) and len(received) == 4
        except ValueError:
            valid = False
        if valid and os.fork() == 0:
            sock.close()
            job(request, received)
        for fd in received:
            with contextlib.suppress(OSError):
                os.close(fd)


def main() -> int:
    # No PR_SET_PDEATHSIG here: it follows the worker *thread* that started us. The worker's end of
    # the socket closing (the worker exited) ends the loop instead; jobs in flight do not depend on us.
    _prctl(PR_SET_DUMPABLE, 0)
    fd = int(sys.argv[sys.argv.index("--fd") + 1])
    preload = sys.argv[sys.argv.index("--preload") + 1] if "--preload" in sys.argv else ""
    sock = socket.socket(fileno=fd)
    # The runner's and the kernel's stack, then the assignment's modules: imported once, here.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # as execute.py does
    _preload(["nbformat", "nbclient", "jupyter_client", "zmq", "ipykernel.kernelapp", "ipykernel.ipkernel"])
    sys.path.insert(0, HERE)
    _preload(["execute"])  # its module only (liangzhi_wire holds per-kernel state: each kernel imports it)
    sys.path.remove(HERE)
    _preload([n.strip() for n in preload.split(",")])
    return serve(sock)


if __name__ == "__main__":
    sys.exit(main())
