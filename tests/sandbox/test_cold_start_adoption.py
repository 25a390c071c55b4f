"""The pre-launched warm kernel and its adoption, with real kernels and jupyter_server's own kernel manager.

``liangzhi_warm.prelaunch`` starts the quantum kernel before the server; the server's kernel
manager (``liangzhi_student.ScrubbedKernelManager``, as configured for labs) adopts it for
the first quantum kernel. Here the two run in the test process (no hub: what a lab does in
its first second, made deterministic), with the lab's real kernelspec and kernel module,
its imports skipped (LIANGZHI_KERNEL_PRELOAD=0) to keep it quick; test_cold_start_lab.py
does the same in a real lab.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.integration]

JUPYTER = Path(__file__).resolve().parents[2] / "sandbox" / "hub" / "jupyter"
SECRET = "lzt-secret-" + "9" * 32


@pytest.fixture
def warm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """``liangzhi_warm`` in a lab-like environment (the lab's kernelspec and modules, a runtime folder)."""
    monkeypatch.syspath_prepend(str(JUPYTER / "python"))
    monkeypatch.setenv("JUPYTER_PATH", str(JUPYTER / "share" / "jupyter"))
    monkeypatch.setenv("PYTHONPATH", str(JUPYTER / "python"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("LIANGZHI_KERNEL_PRELOAD", "0")
    monkeypatch.setenv("LIANGZHI_WARM_KERNEL", "1")
    # what a server carries and a kernel must never see
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", SECRET)
    monkeypatch.setenv("JPY_API_TOKEN", SECRET)
    monkeypatch.setenv("LIANGZHI_SOME_PASSWORD", SECRET)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.chdir(home)
    import liangzhi_warm

    yield liangzhi_warm
    left = liangzhi_warm.take()
    if left is not None:
        liangzhi_warm.discard(left)


def _mapping_manager(tmp_path: Path) -> Any:
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    return AsyncMappingKernelManager(
        root_dir=str(Path.cwd()),
        connection_dir=str(tmp_path / "runtime"),
        kernel_manager_class="liangzhi_student.ScrubbedKernelManager",
        default_kernel_name="quantum",
    )


def _in_own_loop(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run ``scenario`` in an event loop of its own, on a thread of its own: a test before may have
    left a loop marked running on this one."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(scenario())).result()


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
    return dict(item.split("=", 1) for item in raw.split("\0") if "=" in item)


def _cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")


async def _run(km: Any, code: str) -> str:
    """Run ``code`` in the kernel; its stdout."""
    client = km.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=120)
        out: list[str] = []
        reply = await client.execute_interactive(code, timeout=120, output_hook=lambda m: out.append(_text(m)))
        assert reply["content"]["status"] == "ok", reply
        return "".join(out)
    finally:
        client.stop_channels()


def _text(msg: dict[str, Any]) -> str:
    return str(msg["content"].get("text", "")) if msg["msg_type"] == "stream" else ""


def test_cold_start_first_kernel_adopts_the_prelaunched_one(warm: Any, tmp_path: Path) -> None:
    pre = warm.prelaunch()
    assert pre is not None and pre.process.poll() is None
    # the kernelspec's own argv, only the connection file filled in; the file is the user's alone
    assert pre.argv == [sys.executable, "-m", "liangzhi_kernel", "-f", pre.connection_file]
    assert Path(pre.connection_file).stat().st_mode & 0o777 == 0o600
    assert os.getpgid(pre.process.pid) == pre.process.pid  # its own process group: signals reach it alone

    async def scenario() -> None:
        mkm = _mapping_manager(tmp_path)
        first = await mkm.start_kernel(kernel_name="quantum")
        km = mkm.get_kernel(first)
        assert type(km.provisioner).__name__ == "WarmProvisioner"
        assert km.provisioner.pid == pre.process.pid  # adopted, not launched
        assert km.connection_file != pre.connection_file
        assert (await _run(km, "import os; print(os.getpid())")).strip() == str(pre.process.pid)
        assert await km.is_alive()
        # (read once it runs: before its exec /proc shows the parent's)
        assert pre.argv == _cmdline(pre.process.pid)[: len(pre.argv)]
        # no secret in its environment; it watches its parent (the server) like any kernel the server starts
        env = _environ(pre.process.pid)
        assert not {"JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN", "LIANGZHI_SOME_PASSWORD"} & set(env)
        assert SECRET not in Path(f"/proc/{pre.process.pid}/environ").read_bytes().decode(errors="replace")
        assert env["JPY_PARENT_PID"] == str(os.getpid())

        # a second kernel is launched as jupyter_client launches kernels, its environment scrubbed too
        second = await mkm.start_kernel(kernel_name="quantum")
        km2 = mkm.get_kernel(second)
        assert type(km2.provisioner).__name__ == "LocalProvisioner"
        assert km2.provisioner.pid != pre.process.pid
        assert "JUPYTERHUB_API_TOKEN" not in _environ(km2.provisioner.pid)
        assert (await _run(km2, "print('second')")).strip() == "second"
        assert set(km2.ports) & set(km.ports) == set()

        # a restart gives a fresh kernel (a normal launch on the same connection); the old one is gone
        await mkm.restart_kernel(first)
        new_pid = km.provisioner.pid
        assert new_pid != pre.process.pid and pre.process.poll() is not None
        assert km.connection_file in _cmdline(new_pid)
        assert "JUPYTERHUB_API_TOKEN" not in _environ(new_pid)
        assert (await _run(km, "import os; print(os.getpid())")).strip() == str(new_pid)
        assert not Path(pre.connection_file).exists()  # nobody reads it any more

        # interrupt and shutdown work on it as on any kernel
        await mkm.shutdown_all()
        assert not await km.is_alive() and not await km2.is_alive()

    _in_own_loop(scenario)
    assert warm.take() is None  # taken once only


def test_cold_start_dead_prelaunched_kernel_falls_back(warm: Any, tmp_path: Path) -> None:
    pre = warm.prelaunch()
    assert pre is not None
    os.killpg(pre.process.pid, signal.SIGKILL)
    pre.process.wait(timeout=30)

    async def scenario() -> None:
        mkm = _mapping_manager(tmp_path)
        kernel_id = await mkm.start_kernel(kernel_name="quantum")
        km = mkm.get_kernel(kernel_id)
        assert type(km.provisioner).__name__ == "LocalProvisioner"
        assert km.provisioner.pid != pre.process.pid
        assert (await _run(km, "print(2 + 2)")).strip() == "4"
        await mkm.shutdown_all()

    _in_own_loop(scenario)
    assert not Path(pre.connection_file).exists()


def test_cold_start_kernel_dying_after_adoption_is_restarted_normally(warm: Any, tmp_path: Path) -> None:
    """The adopted kernel dies like any kernel can: the server's restarter brings up a fresh one."""
    pre = warm.prelaunch()
    assert pre is not None

    async def scenario() -> None:
        mkm = _mapping_manager(tmp_path)
        kernel_id = await mkm.start_kernel(kernel_name="quantum")
        km = mkm.get_kernel(kernel_id)
        assert km.provisioner.pid == pre.process.pid
        restarted = asyncio.Event()
        km.add_restart_callback(restarted.set, "restart")
        os.killpg(pre.process.pid, signal.SIGKILL)
        await asyncio.wait_for(restarted.wait(), timeout=120)
        for _ in range(600):  # the restarter launches the new kernel right after its callback
            if km.provisioner.pid != pre.process.pid and await km.is_alive():
                break
            await asyncio.sleep(0.1)
        assert (await _run(km, "print('back')")).strip() == "back"
        assert km.provisioner.pid != pre.process.pid
        await mkm.shutdown_all()

    _in_own_loop(scenario)


def test_cold_start_no_prelaunch_when_warm_kernel_is_off(warm: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIANGZHI_WARM_KERNEL", "0")
    assert warm.prelaunch() is None and warm.take() is None


def test_cold_start_no_prelaunch_for_a_kernelspec_it_cannot_reproduce(
    warm: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A kernelspec with an env stanza or a provisioner of its own is left to the server."""
    import json

    for extra in ({"env": {"X": "1"}}, {"metadata": {"kernel_provisioner": {"provisioner_name": "other"}}}):
        spec = tmp_path / "share" / "kernels" / "quantum"
        spec.mkdir(parents=True, exist_ok=True)
        (spec / "kernel.json").write_text(
            json.dumps({"argv": ["python", "-m", "liangzhi_kernel", "-f", "{connection_file}"], **extra})
        )
        monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share"))
        assert warm.prelaunch() is None and warm.take() is None


def test_cold_start_scrub_env_is_the_servers() -> None:
    """One rule for every kernel: the pre-launch and the kernel manager scrub with the same function."""
    sys.path.insert(0, str(JUPYTER / "python"))
    try:
        import liangzhi_student
        import liangzhi_warm
    finally:
        sys.path.remove(str(JUPYTER / "python"))
    assert liangzhi_student.scrub_env is liangzhi_warm.scrub_env
    env = {"JUPYTERHUB_API_TOKEN": "x", "JPY_API_TOKEN": "x", "MY_SECRET": "x", "AWS_ACCESS_KEY": "x", "HOME": "/h"}
    assert liangzhi_warm.scrub_env(env) == {"HOME": "/h"}
