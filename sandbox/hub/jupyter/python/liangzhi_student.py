"""Jupyter Server extension for student labs: a warm kernel, and nbgrader's Validate after start-up.

* As soon as the server listens it starts one quantum kernel (imports preloaded, see
  ``liangzhi_kernel``); the site binds it to the activity's notebook through the sessions
  API, so it warms up while the browser loads JupyterLab.
* nbgrader's validate_assignment server extension imports all of nbgrader (nbconvert,
  SQLAlchemy, alembic ...), about a second before the server even listens. Here the same
  handlers are added once the event loop runs, the import done in a worker thread. The
  Validate button works as before; only the first second of a fresh server lacks it.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

WARM_KERNEL = "quantum"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "liangzhi_student"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
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
