"""The isolation library on its own: names, jail command line, cgroups, disk quota, probe, relays."""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.isolation import cgroups, jail, names, relay, scratch

probe = importlib.import_module("sandbox.isolation.probe")  # the module (the package exports the function)

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.unit
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="cgroups and mounts need root here")


def test_library_imports_no_django() -> None:
    code = (
        "import sys; import sandbox.isolation, sandbox.isolation.relay; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'config')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_install_id_from_env_or_state_dir(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv(names.INSTALL_ENV, raising=False)
    first = names.install_id(tmp_path / "a")
    assert first == names.install_id(tmp_path / "a")  # stable while the state directory lives
    assert first != names.install_id(tmp_path / "b")  # another data directory, another installation
    monkeypatch.setenv(names.INSTALL_ENV, "School-7!")
    assert names.install_id(tmp_path / "a") == "school7"


def test_unix_and_cgroup_names_fit_and_differ() -> None:
    name = names.unix_name("lz12345-" + "z" * 30, "abc123")
    assert len(name) <= 32 and name.startswith("lzabc123-")
    assert names.unix_name("lz1-al", "abc123") == "lzabc123-lz1-al"
    assert names.cgroup_parent("abc123") != names.cgroup_parent("def456")
    assert names.sandbox_uid("abc123") != names.sandbox_uid("def456")
    assert names.sandbox_uid("abc123") >= 2_000_000_000


def test_jail_always_unshares_the_network_and_sizes_tmp() -> None:
    spec = jail.JailSpec(binds=[jail.Bind(Path(sys.prefix))], tmp_mb=7, run_mb=3, uid=5000)
    argv = jail.bwrap_argv(spec, ["python", "-c", "pass"])
    head = argv[: argv.index("--")]
    assert "--unshare-net" in head or "--unshare-all" in head
    i = head.index("/tmp")
    assert head[i - 1] == "--tmpfs" and head[i - 3 : i - 1] == ["--size", str(7 * 1024 * 1024)]
    j = head.index("/run")
    assert head[j - 3 : j - 1] == ["--size", str(3 * 1024 * 1024)]
    assert "--clearenv" in head


@root_only
def test_cgroup_limits_written_and_group_removed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    iid = "t" + os.urandom(3).hex()
    group = cgroups.Cgroup(iid=iid, kind="job", name="x").create(
        cgroups.CgroupLimits(memory_bytes=300 * 1024 * 1024, pids=33, cpu_cores=0.5)
    )
    if not group.paths:
        pytest.fail(f"no cgroup controller usable here: {group.errors}")
    for controller, path in group.paths.items():
        version = group.version(controller)
        if controller == "memory":
            file = "memory.max" if version == "v2" else "memory.limit_in_bytes"
            assert int((path / file).read_text()) == 300 * 1024 * 1024
        elif controller == "pids":
            assert (path / "pids.max").read_text().strip() == "33"
        elif version == "v2":
            assert (path / "cpu.max").read_text().split() == ["50000", "100000"]
        else:
            assert (path / "cpu.cfs_quota_us").read_text().strip() == "50000"
    # a process in the group, killed and the group gone at remove()
    proc = subprocess.Popen(
        ["/bin/sleep", "60"], preexec_fn=lambda: [Path(f).write_text(str(os.getpid())) for f in group.procs_files()]
    )
    assert proc.pid in group.pids()
    assert group.remove()
    assert proc.wait(timeout=10) == -9
    assert not any(p.exists() for p in group.paths.values())
    assert not any(p.parent.exists() for p in group.paths.values())  # its installation had no other group


@root_only
def test_sweep_removes_only_old_empty_groups() -> None:
    iid = "t" + os.urandom(3).hex()
    old = cgroups.Cgroup(iid=iid, kind="lab", name="old").create(cgroups.CgroupLimits(pids=10))
    if not old.paths:
        pytest.fail(f"no cgroup pids controller: {old.errors}")
    assert cgroups.sweep(iid) == 0  # too young: might be a start that has not entered it yet
    assert cgroups.sweep(iid, min_age=0) == 1
    assert not any(p.exists() for p in old.paths.values())
    for path in set(old.paths.values()):
        if path.parent.exists():
            path.parent.rmdir()


@root_only
def test_scratch_quota_is_hard_and_released(tmp_path) -> None:  # type: ignore[no-untyped-def]
    iid = "t" + os.urandom(3).hex()
    target = tmp_path / "job"
    target.mkdir()
    scratch.mount(target, size_mb=2, iid=iid)
    assert target in scratch.mounted(iid)
    with pytest.raises(OSError) as err, open(target / "big", "wb") as f:
        for _ in range(4):
            f.write(b"x" * 1024 * 1024)
            f.flush()
    assert err.value.errno == 28  # ENOSPC: the write itself is refused
    (target / "big").unlink()
    (target / "kept.txt").write_text("result")
    assert scratch.unmount_keeping(target, limit_bytes=2 * 1024 * 1024) == 6
    assert target not in scratch.mounted(iid) and (target / "kept.txt").read_text() == "result"


def test_probe_is_honest_when_a_limit_is_missing(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    real = probe.probe(state_dir=tmp_path, refresh=True)
    assert real["status"] in ("isolated", "degraded", "unavailable")
    assert set(real["capabilities"]) >= {
        "bwrap", "user_namespace", "net_namespace", "uid_switch", "memory", "pids", "cpu", "rlimits", "disk",
    }  # fmt: skip
    if real["status"] == "isolated":
        assert all(c["enforced"] for c in real["capabilities"].values())
    # the same machine without cgroups: a jail, but never "isolated"
    monkeypatch.setattr(cgroups, "layout", lambda root=cgroups.CGROUP_ROOT: {})
    weaker = probe.probe(state_dir=tmp_path, refresh=True)
    probe.clear_cache()
    if real["jail"]:
        assert weaker["status"] == "degraded" and weaker["isolated"] is False
        assert any(r.startswith("memory limit not enforced") for r in weaker["reasons"])
        assert weaker["capabilities"]["memory"]["mechanism"] == "rlimit_as"


def test_hub_filter_passes_only_a_servers_own_calls() -> None:
    allow = relay.hub_api_filter("/hub/api/", "lz1-al")
    assert allow("GET", "/hub/api/") and allow("GET", "/hub/api/user")
    assert allow("POST", "/hub/api/oauth2/token") and allow("POST", "/hub/api/users/lz1-al/activity")
    for method, path in [
        ("GET", "/hub/api/users"),
        ("POST", "/hub/api/users/lz2-bo/activity"),
        ("POST", "/hub/api/users/lz1-al/server"),
        ("POST", "/hub/api/users/lz1-al/tokens"),
        ("GET", "/hub/api/users/lz1-al/../lz2-bo"),
        ("DELETE", "/hub/api/user"),
        ("GET", "/user/lz2-bo/api/contents"),
    ]:
        assert not allow(method, path), (method, path)


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ("127.0.0.1", False),
        ("::1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),  # noqa: S104
        ("224.0.0.1", False),
        ("::ffff:127.0.0.1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("192.0.2.1", False),  # documentation range
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
    ],
)
def test_connect_proxy_address_policy(address: str, ok: bool) -> None:
    assert relay.address_allowed(address) is ok


def test_connect_proxy_refuses_a_name_that_resolves_to_loopback_and_relays_a_public_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> tuple[str, str, bytes]:
        # A local echo server stands in for "a public host" (no traffic leaves this machine).
        async def echo(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            w.write(await r.read(100))
            await w.drain()
            w.close()

        server = await asyncio.start_server(echo, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]

        async def resolver(host: str, _port: int) -> list[str]:
            return {"evil.test": ["8.8.8.8", "127.0.0.1"], "public.test": ["8.8.8.8"]}[host]

        proxy = await relay.ConnectProxy(tmp_path / "p.sock", resolver=resolver).start()
        real_open = asyncio.open_connection

        async def to_echo(host: str, p: int, **kw: object) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
            assert host == "8.8.8.8"  # the address checked is the address connected to
            return await real_open("127.0.0.1", port)

        asyncio.open_connection = to_echo  # type: ignore[assignment]
        try:
            r, w = await asyncio.open_unix_connection(str(tmp_path / "p.sock"))
            w.write(b"CONNECT evil.test:443 HTTP/1.1\r\n\r\n")
            refused = (await r.read(200)).decode()
            w.close()
            r, w = await asyncio.open_unix_connection(str(tmp_path / "p.sock"))
            w.write(b"CONNECT public.test:443 HTTP/1.1\r\n\r\n")
            established = (await r.readuntil(b"\r\n\r\n")).decode()
            w.write(b"ping")
            echoed = await r.read(100)
            w.close()
        finally:
            asyncio.open_connection = real_open  # type: ignore[assignment]
            await proxy.close()
            server.close()
        return refused, established, echoed

    # In its own thread: a session-wide Playwright browser keeps an event loop running in the main one.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        refused, established, echoed = pool.submit(asyncio.run, scenario()).result()
    assert refused.startswith("HTTP/1.1 403") and "not a public address" in refused
    assert established.startswith("HTTP/1.1 200 Connection established")
    assert echoed == b"ping"


@root_only
def test_scratch_sweep_unmounts_a_dead_jobs_folder_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    iid = "t" + os.urandom(3).hex()
    dead, live = tmp_path / "dead", tmp_path / "live"
    for path, owner in ((dead, "job-dead"), (live, "job-live")):
        path.mkdir()
        scratch.mount(path, size_mb=1, iid=iid, owner=owner)
        (path / "left.txt").write_text("x")
    try:
        # young mounts are never swept (a job may not have entered its group yet)
        assert scratch.sweep(iid, alive=lambda owner: owner == "job-live") == 0
        assert scratch.sweep(iid, alive=lambda owner: owner == "job-live", min_age=-1) == 1
        assert scratch.mounted(iid) == [live]
    finally:
        for path in scratch.mounted(iid):
            scratch.release(path)
