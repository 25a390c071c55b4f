"""Only the site starts labs: the one rule of both hubs, the local one and the cluster's.

The site keeps each class's start queue and each school's lab quota (sandbox.services, sandbox.quota). A student who
called the hub's own ``/hub/spawn`` or its REST API with their browser session would skip both, so a hub serving
Liangzhi Lab refuses any start that the site's service did not ask for:

* the local hub's ``LiangzhiSpawner`` (``starts_only_from``) calls :func:`asked_by` before it starts anything;
* on Kubernetes, the chart's KubeSpawner gets :func:`pre_spawn_hook` (``deploy/jupyterhub/values.yaml``,
  ``hub.extraConfig``); the hub image installs this file as the module ``liangzhi_site_only``
  (``deploy/images/k8s-hub.Dockerfile``).

JupyterHub runs ``pre_spawn_hook`` before ``Spawner.start`` with ``spawner.handler`` set to the request that asked
for the start; an exception there fails the start with its message, as a refusal in ``start`` does.

This file imports nothing but the standard library: the cluster's hub has no other Liangzhi code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def asked_by(handler: Any, service: str) -> bool:
    """Whether the request behind a start (``spawner.handler``) came from the hub service named ``service``.

    No rule (``service`` empty) allows every start. A start with no request behind it (``handler`` None: the hub's
    own restarts of servers it already ran) is allowed: every start a person or a program asks for has one.
    """
    if not service or handler is None:
        return True
    try:
        who = handler.current_user
    except Exception:  # a handler without a resolved user is not the service
        return False
    return getattr(who, "kind", "") == "service" and getattr(who, "name", "") == service


def refusal(site_url: str) -> str:
    """What a student sees when the hub refuses a start, in English and Chinese."""
    where = site_url or "the course site"
    return (
        f"Labs are opened from the course site ({where}): it keeps your class's start queue "
        "and your school's lab quota. / 请从课程网站打开实验环境。"
    )


def pre_spawn_hook(service: str, site_url: str = "") -> Callable[[Any], None]:
    """A ``Spawner.pre_spawn_hook`` that refuses every start the site's service (``service``) did not ask for."""

    def only_from_the_site(spawner: Any) -> None:
        if not asked_by(getattr(spawner, "handler", None), service):
            raise ValueError(refusal(site_url))

    return only_from_the_site
