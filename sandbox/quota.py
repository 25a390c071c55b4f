"""Per-school lab quotas (issue #16): how many of a school's labs run or start at once, and the
server profile its students get. The admission queue (``sandbox.services.queue_admit``) is the one
place that applies them: a start of a school at its limit stays queued, never fails, and is
admitted when one of the school's labs stops.

A person's school is the one ``orgs.selectors.school_of_user`` names (their first school). A lab
counts against its school while it is starting (a ``starting`` row of the queue) or while the hub
reports its server (running or pending). The hub's list is read at most once per
``LAB_QUEUE_POLL_SECONDS`` per process (every waiting page polls); a start handed to the hub after
that list was read counts too, so a remembered list never lets a school over its limit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

if TYPE_CHECKING:
    from accounts.models import User

    from .models import LabStart


@dataclass(frozen=True)
class Running:
    """The hub's labs (running or starting) as read at ``read_at``; ``names`` None: not known."""

    names: frozenset[str] | None
    read_at: datetime = field(default_factory=timezone.now)


_memo_lock = threading.Lock()
_memo: tuple[float, Running] | None = None


def running_forget() -> None:
    """Drop the remembered hub list (tests; after a start the caller knows changed it)."""
    global _memo
    with _memo_lock:
        _memo = None


def running_read(client: Any) -> Running:
    """The hub's active servers by lab name, remembered for ``LAB_QUEUE_POLL_SECONDS`` in this
    process. A hub that does not answer gives ``names=None`` (then only the queue's rows count)."""
    global _memo
    from .client import HubError

    ttl = float(settings.LAB_QUEUE_POLL_SECONDS)
    now = time.monotonic()
    with _memo_lock:
        if _memo is not None and ttl > 0 and now - _memo[0] < ttl:
            return _memo[1]
    try:
        names = frozenset(str(m.get("name")) for m in client.users_active() if (m.get("servers") or {}).get(""))
    except HubError:
        return Running(names=None)
    result = Running(names=names)
    with _memo_lock:
        _memo = (now, result)
    return result


def limited_schools() -> dict[int, int]:
    """School id → its concurrent lab limit, for every school that has one."""
    from orgs.enums import OrgKind
    from orgs.models import Organisation

    rows = Organisation.objects.filter(kind=OrgKind.SCHOOL, lab_concurrent_limit__isnull=False).values_list(
        "pk", "lab_concurrent_limit"
    )
    return {pk: limit for pk, limit in rows if limit is not None}


def schools_of_users(user_ids: Iterable[int]) -> dict[int, int]:
    """User id → their school's id (the first school by id, as ``orgs.selectors.school_of_user``)."""
    from orgs.enums import OrgKind
    from orgs.models import Membership

    ids = set(user_ids)
    if not ids:
        return {}
    out: dict[int, int] = {}
    rows = (
        Membership.objects.filter(user_id__in=ids, archived=False, org__kind=OrgKind.SCHOOL)
        .order_by("user_id", "org_id")
        .values_list("user_id", "org_id")
    )
    for user_id, org_id in rows:
        out.setdefault(user_id, org_id)
    return out


def lab_profile_for(*, user: User) -> str:
    """The server profile the user's school forces on its students' labs ("" when it sets none)."""
    from orgs.selectors import school_of_user

    school = school_of_user(user=user)
    return school.lab_profile if school is not None and school.lab_profile else ""


def _busy(*, school_ids: Collection[int], running: Running) -> dict[int, set[int]]:
    """School id → the users of that school whose lab is starting or running now."""
    from accounts.models import User

    from .models import LabStart, StartState

    users = set(LabStart.objects.filter(state=StartState.STARTING).values_list("user_id", flat=True))
    if running.names is not None:
        users |= set(User.objects.filter(hub_name__in=running.names).values_list("pk", flat=True))
        # handed to the hub after the list was read (and ready since): the list cannot show it
        users |= set(
            LabStart.objects.filter(state=StartState.READY, posted_at__gt=running.read_at).values_list(
                "user_id", flat=True
            )
        )
    busy: dict[int, set[int]] = {sid: set() for sid in school_ids}
    for user_id, school_id in schools_of_users(users).items():
        if school_id in busy:
            busy[school_id].add(user_id)
    return busy


def admissible(rows: list[LabStart], *, free: int, limits: dict[int, int], running: Running) -> list[LabStart]:
    """The first ``free`` waiting rows (in queue order) whose school is under its lab limit.

    A row of a school at its limit is passed over (it keeps its place) and the line goes on, so one
    full school never holds up the others. Users without a school, or of a school without a
    limit, are admitted as before. ``limits``: ``limited_schools()``."""
    school_of = schools_of_users(r.user_id for r in rows)
    busy = _busy(school_ids=limits.keys(), running=running)
    chosen: list[LabStart] = []
    for row in rows:
        if len(chosen) >= free:
            break
        school = school_of.get(row.user_id)
        limit = limits.get(school) if school is not None else None
        if limit is None or school is None:
            chosen.append(row)
            continue
        users = busy[school]
        if row.user_id in users:  # this user's lab already counts (a prepared one, say)
            chosen.append(row)
        elif len(users) < limit:
            users.add(row.user_id)
            chosen.append(row)
    return chosen


def waiting_under_limits() -> bool:
    """Some queued start belongs to a school with a lab limit (then admission reads the hub's list)."""
    from orgs.enums import OrgKind
    from orgs.models import Membership

    from .models import LabStart, StartState

    waiting = LabStart.objects.filter(state=StartState.QUEUED).values("user_id")
    return Membership.objects.filter(
        user_id__in=waiting,
        archived=False,
        org__kind=OrgKind.SCHOOL,
        org__lab_concurrent_limit__isnull=False,
    ).exists()


@dataclass(frozen=True)
class SchoolLoad:
    """A school's labs now, against its limit."""

    school_name: str
    limit: int
    busy: int

    @property
    def full(self) -> bool:
        return self.busy >= self.limit


def school_load(*, user: User, client: Any) -> SchoolLoad | None:
    """The load of the user's school when it has a lab limit (None otherwise)."""
    from orgs.selectors import school_of_user

    school = school_of_user(user=user)
    if school is None or school.lab_concurrent_limit is None:
        return None
    busy = _busy(school_ids=[school.pk], running=running_read(client))[school.pk]
    busy.discard(user.pk)
    return SchoolLoad(school_name=school.local_name, limit=school.lab_concurrent_limit, busy=len(busy))
