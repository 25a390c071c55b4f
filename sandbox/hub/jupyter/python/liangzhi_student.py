"""Jupyter Server extension for student labs: a warm kernel, and nbgrader's Validate after start-up.

* The lab's first quantum kernel is warm: ``liangzhi_launch`` starts it before the server's
  own imports (``liangzhi_warm``), and ``ScrubbedKernelManager`` adopts it through
  ``WarmProvisioner`` for the first quantum kernel the server starts, which this extension
  asks for as soon as the event loop runs; the site binds it to the activity's notebook
  through the sessions API. Without a pre-launched kernel (none wanted, it died, a later
  kernel, a restart) kernels start as jupyter_client starts them.
* The server's secrets never reach student code: once the hub client has read its token,
  ``JUPYTERHUB_API_TOKEN``/``JPY_API_TOKEN`` (and anything named like a secret) leave
  ``os.environ``, so kernels and terminals started later cannot inherit them; and
  ``ScrubbedKernelManager`` strips them from every kernel's launch environment as well
  (kernel restarts included), whatever the order of extension loading. The pre-launched
  kernel's environment went through the same ``scrub_env``.
* nbgrader's validate_assignment server extension imports all of nbgrader (nbconvert,
  SQLAlchemy, alembic ...), about a second of CPU. Here the same handlers are added once the
  warm kernel has answered (its imports done), the import in a worker thread: a cold lab's
  CPU goes to the kernel the student waits for first. The Validate button works as before;
  only the first seconds of a fresh server lack it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any

import liangzhi_warm
from jupyter_client.connect import LocalPortCache
from jupyter_client.provisioning import LocalProvisioner
from jupyter_client.provisioning.provisioner_base import KernelProvisionerBase
from jupyter_server.services.kernels.kernelmanager import ServerKernelManager
from liangzhi_warm import SECRET_NAMES, WARM_KERNEL, scrub_env

__all__ = ["SECRET_NAMES", "WARM_KERNEL", "ScrubbedKernelManager", "WarmProvisioner", "scrub_env"]

WARM_READY_TIMEOUT = 300.0  # seconds: only how long Validate waits for the warm kernel, never a failure


class WarmProvisioner(LocalProvisioner):  # type: ignore[misc]  # jupyter_client is untyped here
    """A local provisioner whose first launch adopts the kernel ``liangzhi_launch`` pre-launched.

    The kernel manager takes the adopted kernel's connection (ports, key) and writes it to its
    own connection file; poll, signals (to the kernel's own process group), kill and wait work
    on its process as on one this provisioner had started. Every later launch (a restart) is a
    plain LocalProvisioner launch on the same connection, as for any kernel.
    """

    _warm: liangzhi_warm.Prelaunched | None = None
    _warm_file: str = ""

    def adopt(self, warm: liangzhi_warm.Prelaunched) -> None:
        self._warm = warm
        self._warm_file = warm.connection_file

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        warm = self._warm
        if warm is not None and warm.process.poll() is not None:  # died since it was taken
            self._warm = None
            liangzhi_warm.discard(warm)
            warm = None
        if warm is None:
            return dict(await super().pre_launch(**kwargs))
        km: Any = self.parent  # the kernel manager (jupyter_client types it as optional)
        kwargs.pop("extra_arguments", None)
        kwargs.pop("transport_encryption", None)
        km.load_connection_info(warm.info)
        km.write_connection_file()
        self.connection_info = km.get_connection_info()
        # The ports are this kernel's for its whole life (restarts reuse them): keep other kernels
        # of this server off them, and give them back at the end, as for ports the cache chose.
        LocalPortCache.instance().currently_used_ports.update(warm.ports)
        self.ports_cached = True
        return dict(await KernelProvisionerBase.pre_launch(self, cmd=list(warm.argv), **kwargs))

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        warm, self._warm = self._warm, None
        if warm is None:
            return await super().launch_kernel(cmd, **kwargs)
        self.process = warm.process
        self.pid = warm.process.pid
        try:
            self.pgid = os.getpgid(self.pid)
        except OSError:
            self.pgid = None
        self.cwd = warm.cwd
        self.log.info("Adopted the pre-launched %s kernel (pid %s)", WARM_KERNEL, self.pid)
        return self.connection_info

    async def cleanup(self, restart: bool = False) -> None:
        await super().cleanup(restart=restart)
        if self._warm_file and self._warm_file != getattr(self.parent, "connection_file", ""):
            with contextlib.suppress(OSError):
                os.unlink(self._warm_file)  # the adopted process is gone: nobody reads it any more
            self._warm_file = ""


class ScrubbedKernelManager(ServerKernelManager):  # type: ignore[misc]
    """A kernel manager whose kernels never see the server's tokens in their environment,
    and whose first quantum kernel is the pre-launched one (``WarmProvisioner``)."""

    async def _async_pre_start_kernel(self, **kw: Any) -> Any:
        if self.provisioner is None and self.kernel_name == WARM_KERNEL:
            warm = liangzhi_warm.take()
            if warm is not None:
                provisioner = WarmProvisioner(
                    kernel_id=self.kernel_id or kw.get("kernel_id") or "",
                    kernel_spec=self.kernel_spec,
                    parent=self,
                )
                provisioner.adopt(warm)
                self.provisioner = provisioner
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        kw["env"] = scrub_env(dict(kw.get("env") or os.environ))
        await super()._async_launch_kernel(kernel_cmd, **kw)

    _launch_kernel = _async_launch_kernel  # type: ignore[assignment]


def _forget_secrets(serverapp: Any) -> None:
    """Read the hub token into every hub client the server has, then drop it from os.environ.

    JupyterHub's clients (the identity provider's, the singleuser extension's for activity
    reports) read ``JUPYTERHUB_API_TOKEN`` lazily, on first use: touch each one now, so that
    they hold it, and only then remove it from the environment children would inherit.
    Runs once the server is up, after every extension was loaded and linked.
    """
    holders: list[Any] = [getattr(serverapp, "identity_provider", None)]
    manager = getattr(serverapp, "extension_manager", None)
    for apps in (getattr(manager, "extension_apps", None) or {}).values():
        holders.extend(apps)
    clients = 0
    for holder in holders:
        if holder is None or "hub_auth" not in getattr(holder, "trait_names", lambda: [])():
            continue
        _ = holder.hub_auth.api_token
        clients += 1
    if clients:  # under JupyterHub: its token has been read where it is needed
        scrub_env(os.environ)  # type: ignore[arg-type]


async def _kernel_answers(kernel: Any, timeout: float) -> None:
    """Wait until ``kernel`` answers a kernel_info request (its imports are done), at most ``timeout``."""
    client = kernel.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=timeout)
    finally:
        client.stop_channels()


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "liangzhi_student"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    serverapp.io_loop.add_callback(_forget_secrets, serverapp)
    warm_done = asyncio.Event()

    async def warm_kernel() -> None:
        try:
            if list(serverapp.kernel_manager.list_kernel_ids()):
                return
            try:
                kernel_id = await serverapp.kernel_manager.start_kernel(kernel_name=WARM_KERNEL)
            except Exception:  # the lab works without it: JupyterLab starts its own
                serverapp.log.exception("could not start the warm kernel")
                return
            try:
                await _kernel_answers(serverapp.kernel_manager.get_kernel(kernel_id), WARM_READY_TIMEOUT)
            except Exception as exc:  # died, shut down or slow: the kernel manager deals with it
                serverapp.log.warning("the warm kernel did not answer: %r", exc)
        finally:
            warm_done.set()

    async def load_validate() -> None:
        await warm_done.wait()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, __import__, "nbgrader.server_extensions.validate_assignment.handlers")
        from nbgrader.server_extensions.validate_assignment.handlers import load_jupyter_server_extension

        load_jupyter_server_extension(serverapp)

    if os.environ.get("LIANGZHI_WARM_KERNEL", "1") == "1":
        serverapp.io_loop.add_callback(warm_kernel)
    else:
        warm_done.set()
    serverapp.io_loop.add_callback(load_validate)
