"""A stand-in for sandbox.client.HubClient for the unit-level queue tests (no hub, no servers).

It keeps each user's server state and records every start it was asked for, in order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

from sandbox.client import ProgressEvent, ServerStatus


@dataclass
class FakeHub:
    servers: dict[str, str] = field(default_factory=dict)  # name -> "pending" | "ready"
    starts: list[str] = field(default_factory=list)
    stops: list[str] = field(default_factory=list)
    most_pending: int = 0

    def server_status(self, name: str) -> ServerStatus:
        state = self.servers.get(name)
        return ServerStatus(state="stopped") if state is None else ServerStatus(state=state)  # type: ignore[arg-type]

    def user_ensure(self, name: str) -> dict[str, Any]:
        return {"name": name}

    def server_start(self, name: str, *, profile: str) -> str:
        if self.servers.get(name) == "ready":
            return "running"
        self.starts.append(name)
        self.servers[name] = "pending"
        self.most_pending = max(self.most_pending, sum(1 for s in self.servers.values() if s == "pending"))
        return "pending"

    def user_token(self, name: str) -> str:
        return "t"

    def users_active(self) -> list[dict[str, Any]]:
        return [
            {"name": n, "servers": {"": {"ready": s == "ready", "pending": None if s == "ready" else "spawn"}}}
            for n, s in self.servers.items()
        ]

    def server_stop(self, name: str) -> None:
        self.stops.append(name)
        self.servers.pop(name, None)

    def server_progress(self, name: str, *, timeout: float) -> Iterator[ProgressEvent]:
        yield ProgressEvent(progress=50, message="Starting JupyterLab")
        self.servers[name] = "ready"
        yield ProgressEvent(progress=100, message="Server ready", ready=True)

    def ready(self, *names: str) -> None:
        for name in names:
            self.servers[name] = "ready"

    async def server_progress_async(self, name: str, *, timeout: float) -> AsyncIterator[ProgressEvent]:
        for event in self.server_progress(name, timeout=timeout):
            yield event
