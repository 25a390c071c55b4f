"""Jupyter Server extension for student labs: nbgrader's "Validate", loaded after start-up.

nbgrader's validate_assignment server extension imports all of nbgrader (nbconvert,
SQLAlchemy, alembic ...) while the server starts, which costs about a second before the
server even listens. Here the server starts without it and the same handlers are added
once the event loop runs, the import done in a worker thread. The Validate button works
as before; only the first second of a fresh server lacks it.
"""

from __future__ import annotations

import asyncio
from typing import Any


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "liangzhi_student"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    async def load_validate() -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, __import__, "nbgrader.server_extensions.validate_assignment.handlers")
        from nbgrader.server_extensions.validate_assignment.handlers import load_jupyter_server_extension

        load_jupyter_server_extension(serverapp)

    serverapp.io_loop.add_callback(load_validate)
