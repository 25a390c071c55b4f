"""Jupyter Server extension for student labs: a warm kernel, and nbgrader's Validate after start-up.

* As soon as the server listens it starts one quantum kernel (imports preloaded, see
  ``liangzhi_kernel``); the site binds it to the activity's notebook through the sessions
  API, so it warms up while the browser loads JupyterLab.
* The server's secrets never reach student code: once the hub client has read its token,
  ``JUPYTERHUB_API_TOKEN``/``JPY_API_TOKEN`` (and anything named like a secret) leave
  ``os.environ``, so kernels and terminals started later cannot inherit them; and
  ``ScrubbedKernelManager`` strips them from every kernel's launch environment as well
  (kernel restarts included), whatever the order of extension loading.
* nbgrader's validate_assignment server extension imports all of nbgrader (nbconvert,
  SQLAlchemy, alembic ...), about a second before the server even listens. Here the same
  handlers are added once the event loop runs, the import done in a worker thread. The
  Validate button works as before; only the first second of a fresh server lacks it.
"""

from __future__ import annotations

import asyncio
import os
import re
from typing import Any

from jupyter_server.services.kernels.kernelmanager import ServerKernelManager

WARM_KERNEL = "quantum"
SECRET_NAMES = ("JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN")
_SECRET_LIKE = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|COOKIE|(^|_)KEY($|_)", re.IGNORECASE)


def scrub_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` without the server's secrets (in place, and returned)."""
    for name in list(env):
        if name in SECRET_NAMES or _SECRET_LIKE.search(name):
            del env[name]
    return env


class ScrubbedKernelManager(ServerKernelManager):
    """A kernel manager whose kernels never see the server's tokens in their environment."""

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


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "liangzhi_student"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    serverapp.io_loop.add_callback(_forget_secrets, serverapp)

    async def warm_kernel() -> None:
        try:
            if not list(serverapp.kernel_manager.list_kernel_ids()):
                await serverapp.kernel_manager.start_kernel(kernel_name=WARM_KERNEL)
        except Exception:  # the lab works without it: JupyterLab starts its own
            serverapp.log.exception("could not start the warm kernel")

    async def load_validate() -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, __import__, "nbgrader.server_extensions.validate_assignment.handlers")
        from nbgrader.server_extensions.validate_assignment.handlers import load_jupyter_server_extension

        load_jupyter_server_extension(serverapp)

    if os.environ.get("LIANGZHI_WARM_KERNEL", "1") == "1":
        serverapp.io_loop.add_callback(warm_kernel)
    serverapp.io_loop.add_callback(load_validate)
