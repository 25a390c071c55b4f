"""Writes of the lab: start a student's server, place an activity's notebooks, submit from it.

Everything goes through the hub's REST API and the student's Jupyter Server contents API
(no shared filesystem), so the same code drives a KubeSpawner deployment.
"""

from __future__ import annotations

import json
import logging
import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import selectors as course_selectors

from .client import HubClient, HubError, HubUnavailable
from .hub.constants import KERNEL_DISPLAY_NAME, KERNEL_NAME
from .secrets import hub_secrets_read

if TYPE_CHECKING:
    from accounts.models import User

log = logging.getLogger(__name__)


class LabError(HubError):
    """A lab action that cannot be done; the message is for the student."""


def hub_client(*, timeout: float | None = None) -> HubClient:
    """A client for the configured hub: the site's service token for the hub API; every call into
    a student's server carries that server's own short-lived token instead (sandbox.client)."""
    token = settings.HUB_API_TOKEN or hub_secrets_read(path=settings.HUB_SECRETS_FILE).get("service_token", "")
    return HubClient(
        base_url=settings.HUB_URL,
        api_url=settings.HUB_API_URL,
        token=token,
        timeout=timeout or settings.HUB_TIMEOUT_SECONDS,
        subdomain_host=settings.HUB_SUBDOMAIN_HOST or None,
    )


def lab_name(user: User) -> str:
    """The user's lab (hub user) name; ``User.save`` sets it, so every saved user has one."""
    name = user.hub_name
    assert name, "an unsaved user has no lab"
    return name


def activity_lab_dir(*, activity: Any) -> str:
    """Where an activity's notebooks live in the student's home: courses/<course>/<activity>."""
    return posixpath.join(settings.HUB_NOTEBOOK_ROOT, activity.course.slug, activity.slug)


def activity_lab_paths(*, activity: Any) -> list[tuple[str, Any]]:
    """``(path in the lab, ActivityFile)`` for each student notebook of the current version."""
    version = activity.current_version
    if version is None:
        return []
    base = activity_lab_dir(activity=activity)
    files = course_selectors.activity_student_notebooks(version=version).order_by("path")
    return [(posixpath.join(base, f.path), f) for f in files]


def lab_start(*, user: User, profile: str | None = None) -> str:
    """Start (or reuse) the user's server; returns "started", "pending" or "running".

    Two clicks at once start one server: the hub answers the second with "pending".
    """
    client = hub_client()
    name = lab_name(user)
    client.user_ensure(name)
    outcome = client.server_start(name, profile=profile or settings.HUB_DEFAULT_PROFILE)
    try:
        # mint the server's own token now, while the server starts, not when the notebook is placed
        client.user_token(name)
    except HubError as exc:
        log.warning("no server token for %s yet: %s", name, exc)
    return outcome


@dataclass(frozen=True)
class Placed:
    path: str
    written: bool  # False: the student's own copy was already there and was kept
    backup: str | None = None


def lab_notebooks_place(*, user: User, activity: Any, reset: bool = False) -> list[Placed]:
    """Write the activity's student notebooks into the user's running server.

    An existing file is never overwritten: the student's edits win. ``reset=True`` renames
    the existing copy to ``<name>.backup-<UTC time>.ipynb`` and writes a fresh one.
    """
    from core.blobs import blob_get
    from courses.notebook_lang import notebook_bytes_for_language  # the student's interface language

    name = lab_name(user)
    placed: list[Placed] = []
    paths = activity_lab_paths(activity=activity)
    if not paths:
        raise LabError(_("This activity has no notebook to open."))
    # a quick check first (short timeout): a hung hub fails fast, a stopped lab says so
    if hub_client().server_status(name).state != "ready":
        raise LabError(_("Your lab is not running. Open it again from the activity page."))
    client = hub_client(timeout=max(settings.HUB_TIMEOUT_SECONDS, 15))
    for path, file in paths:
        client.contents_mkdir(name, posixpath.dirname(path))
        existing = client.contents_get(name, path)
        backup = None
        if existing is not None:
            if not reset:
                placed.append(Placed(path=path, written=False))
                continue
            stem, ext = posixpath.splitext(path)
            backup = f"{stem}.backup-{timezone.now():%Y%m%d-%H%M%S}{ext}"
            client.contents_rename(name, path, backup)
        client.contents_put_notebook(name, path, notebook_for_lab(notebook_bytes_for_language(blob_get(file.blob))))
        placed.append(Placed(path=path, written=True, backup=backup))
    # data files the notebooks read (CSV inputs, ...) go beside them; a student's copy is kept
    version = activity.current_version
    base = activity_lab_dir(activity=activity)
    for data_file in course_selectors.activity_data_files(version=version):
        path = posixpath.join(base, data_file.path)
        client.contents_mkdir(name, posixpath.dirname(path))
        if reset or client.contents_get(name, path) is None:
            client.contents_put_file(name, path, blob_get(data_file.blob))
    try:
        # the server's warm kernel (imports preloaded) goes to the notebook the student lands on
        client.session_bind(name, placed[0].path)
    except HubError as exc:
        log.warning("no warm kernel for %s: %s", name, exc)
    return placed


def notebook_for_lab(data: bytes) -> bytes:
    """The notebook as the student gets it: set to open on the quantum kernel.

    Course notebooks may name any kernelspec (often "python3"); student servers offer
    only the quantum kernel, so an unknown name would make JupyterLab ask which to use.
    """
    nb = json.loads(data)
    nb.setdefault("metadata", {})["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": KERNEL_DISPLAY_NAME,
        "language": "python",
    }
    return json.dumps(nb, ensure_ascii=False).encode()


def lab_submit(*, user: User, activity: Any, path: str, idempotency_key: str) -> Any:
    """Pull the notebook at ``path`` from the user's server and hand it to grading.

    Returns grading's Submission (its ``received_at`` and ``blob`` are the receipt).
    Raises LabError when the path is not one of the activity's notebooks or the file is
    missing, HubUnavailable when the lab cannot be reached, and grading's
    SubmissionRejected for bad input.
    """
    from grading import enums as grading_enums
    from grading import services as grading_services

    allowed = {p for p, _ in activity_lab_paths(activity=activity)}
    if path not in allowed:
        raise LabError(_("That file is not part of this activity."))
    name = lab_name(user)
    if hub_client().server_status(name).state != "ready":
        raise LabError(_("Your lab is not running. Open it, save your notebook, then submit."))
    client = hub_client(timeout=max(settings.HUB_TIMEOUT_SECONDS, 15))
    if client.contents_get(name, path) is None:
        raise LabError(_("%(path)s is not in your lab. Open the activity in JupyterLab first.") % {"path": path})
    data = client.contents_read_bytes(name, path)
    return grading_services.submission_receive(
        user=user,
        activity=activity,
        data=data,
        source=grading_enums.SubmissionSource.LAB,
        idempotency_key=idempotency_key,
        filename=posixpath.basename(path),
    )


def lab_stop(*, user: User) -> None:
    """Stop the user's server (its files stay in their home)."""
    hub_client().server_stop(lab_name(user))


def lab_access_end(*, user: User) -> None:
    """End a deactivated user's lab access: revoke their OAuth tokens, stop and remove the hub user.

    The hub user's removal ends their hub sessions; the site refuses them a new login.
    A hub that is down is logged, not raised: deactivation must not fail because of it.
    """
    from accounts.oauth import tokens_revoke_for_user

    tokens_revoke_for_user(user=user)
    if not user.hub_name:
        return
    try:
        hub_client().user_delete(user.hub_name)
    except HubUnavailable as exc:
        log.error("could not remove hub user %s after deactivation: %s", user.hub_name, exc)
