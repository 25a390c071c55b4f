"""Writes of the assessments app: start an attempt, autosave an answer, submit, close at the deadline, grade.

**Time authority is the server's.** An attempt's deadline is computed by one rule,
:func:`deadline_rule`, whenever it is needed, never stored: the earlier of start + time limit ×
the student's extra-time factor (accommodation) and the close of the window (the due time in
force for the student, extensions included), with the factor and the due time *as they are
now*, so an extension or accommodation granted (or shortened, or revoked) mid-exam moves it.
Every save compares the server's clock with it; the page's countdown only displays (each save
answers with the seconds left, so a moved deadline reaches an open page). An attempt past its
deadline is closed at the deadline by whoever touches it first (a save, a page view, the
periodic task); a closed attempt never reopens, whatever is granted later.

**Scores go through the one scoring rule**: a graded attempt becomes a ``grading.Submission``
(status graded, ``auto_score`` = the attempt's points, one cell per part), so the gradebook,
dashboard, CSVs, overrides, releases and mastery read quizzes exactly as notebooks.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import DEADLINE_INPUTS, Answer, Attempt, AttemptStatus, ClosedBy
from .runner import values

SANDBOX_TYPES = frozenset({"symbolic", "circuit", "code"})


class AssessmentError(Exception):
    """A refused action, with a code for the views (HTTP mapping) and a message for the student."""

    def __init__(self, code: str, message: str | Promise):
        self.code = code
        self.message = message
        super().__init__(str(message))


# ---------------------------------------------------------------------------------------
# definitions and variants (content-addressed blobs written by the import)


@lru_cache(maxsize=256)
def _blob_json(digest: str) -> Any:
    from core.blobs import blob_get

    return json.loads(blob_get(digest))


def definition_of(version: Any) -> dict[str, Any] | None:
    """The assessment definition of an activity version, or None for a notebook activity."""
    digest = (version.facts or {}).get("assessment_blob") if version is not None else None
    return _blob_json(digest) if digest else None


def attempt_definition(attempt: Attempt) -> dict[str, Any] | None:
    """The definition of an attempt's version, from the digest annotated with the attempt when it is (no query)."""
    digest = attempt.__dict__.get("deadline_blob")
    return _blob_json(digest) if digest else definition_of(attempt.version)


def variant_of(definition: dict[str, Any], qid: str, seed: int) -> dict[str, Any]:
    variants = _blob_json(definition["questions"][qid]["variants_blob"])
    return dict(variants[seed % len(variants)])


def _secret() -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), b"liangzhi.assessments.variant", hashlib.sha256).digest()


def _hmac_int(*parts: object) -> int:
    message = ":".join(str(p) for p in parts).encode()
    return int.from_bytes(hmac.new(_secret(), message, hashlib.sha256).digest()[:8], "big")


def layout_for(definition: dict[str, Any], *, activity_id: int, user_id: int, number: int) -> list[dict[str, Any]]:
    """The questions a student gets in one attempt, each with its variant seed and option orders.

    Derived from an HMAC of a server secret with (activity, user, attempt number): the student
    cannot choose it, the same attempt always gets the same, and a new attempt a new draw.
    """
    rng = random.Random(_hmac_int("draw", activity_id, user_id, number))  # noqa: S311 (not crypto: the seed is)
    out: list[dict[str, Any]] = []
    for slot in definition["slots"]:
        for qid in rng.sample(slot["pool"], slot["draw"]):
            q = definition["questions"][qid]
            seed = _hmac_int("seed", activity_id, user_id, number, qid) % max(1, int(q["n_variants"]))
            variant = variant_of(definition, qid, seed)
            perm: dict[str, list[int]] = {}
            for part in q["parts"]:
                if part["type"] != "choice":
                    continue
                n = len(variant["options_html"].get(part["id"], []))
                order = list(range(n))
                if part.get("shuffle", True):
                    random.Random(_hmac_int("shuffle", activity_id, user_id, number, qid, part["id"])).shuffle(order)  # noqa: S311
                perm[part["id"]] = order
            out.append({"qid": qid, "seed": seed, "perm": perm})
    return out


# ---------------------------------------------------------------------------------------
# policy


@dataclass
class Policy:
    """What a student may do now with one assessment."""

    definition: dict[str, Any]
    attempts_used: int
    attempts_allowed: int | None  # None: unlimited
    open_attempt: Attempt | None
    opens_at: datetime | None
    closes_at: datetime | None  # the due time in force for this student
    now: datetime

    @property
    def not_open_yet(self) -> bool:
        return self.opens_at is not None and self.now < self.opens_at

    @property
    def closed(self) -> bool:
        return self.closes_at is not None and self.now >= self.closes_at

    @property
    def attempts_left(self) -> int | None:
        return None if self.attempts_allowed is None else max(0, self.attempts_allowed - self.attempts_used)

    @property
    def can_start(self) -> bool:
        return (
            self.open_attempt is None
            and not self.not_open_yet
            and not self.closed
            and (self.attempts_left is None or self.attempts_left > 0)
        )


def policy_for(*, activity: Any, user: Any, now: datetime | None = None) -> Policy:
    from grading.services import due_for

    now = now or timezone.now()
    definition = definition_of(activity.current_version)
    if definition is None:
        raise AssessmentError("not_assessment", _("This activity has no questions."))
    for attempt in Attempt.objects.with_deadline_inputs().filter(
        activity=activity, user=user, status=AttemptStatus.OPEN
    ):
        attempt_close_if_expired(attempt=attempt, now=now)
    attempts = list(Attempt.objects.filter(activity=activity, user=user).only("id", "status", "number"))
    allowed = definition.get("attempts", "unlimited")
    return Policy(
        definition=definition,
        attempts_used=len(attempts),
        attempts_allowed=None if allowed == "unlimited" else int(allowed),
        open_attempt=next(
            (
                a
                for a in Attempt.objects.filter(activity=activity, user=user, status=AttemptStatus.OPEN).order_by(
                    "-number"
                )
            ),
            None,
        ),
        opens_at=activity.release_at,
        closes_at=due_for(activity=activity, user=user),
        now=now,
    )


# ---------------------------------------------------------------------------------------
# the deadline: one rule


def deadline_rule(
    *,
    started_at: datetime,
    time_limit_minutes: float | Decimal | None,
    extra_time_factor: Decimal | float | None,
    due_at: datetime | None,
) -> datetime | None:
    """The one rule for an attempt's deadline (None: no limit and no close).

    The earlier of ``started_at`` + time limit × extra-time factor (a missing or non-positive
    factor counts as 1) and ``due_at``, the due time in force for the student (their extension,
    else the activity's).
    """
    deadline = due_at
    if time_limit_minutes:
        factor = extra_time_factor if extra_time_factor and extra_time_factor > 0 else Decimal(1)
        timed = started_at + timedelta(minutes=float(time_limit_minutes) * float(factor))
        deadline = timed if deadline is None else min(deadline, timed)
    return deadline


def attempt_deadline(attempt: Attempt) -> datetime | None:
    """The attempt's deadline now, by :func:`deadline_rule`.

    The inputs come annotated with the attempt (``Attempt.objects.with_deadline_inputs()``: the
    autosave's single query) or are read here in one query, then kept on the instance until its
    ``refresh_from_db``.
    """
    if not all(name in attempt.__dict__ for name in DEADLINE_INPUTS):
        row = Attempt.objects.with_deadline_inputs().filter(pk=attempt.pk).values(*DEADLINE_INPUTS).first()
        if row is None:
            return None
        attempt.__dict__.update(row)
    definition = attempt_definition(attempt) or {}
    return deadline_rule(
        started_at=attempt.started_at,
        time_limit_minutes=definition.get("time_limit_minutes"),
        extra_time_factor=attempt.__dict__["deadline_factor"],
        due_at=attempt.__dict__["deadline_due"],
    )


def seconds_left(attempt: Attempt, *, now: datetime) -> int | None:
    """Whole seconds until the deadline for the page's countdown (None: no deadline or not open)."""
    if attempt.status != AttemptStatus.OPEN:
        return None
    deadline = attempt.deadline_at
    return None if deadline is None else max(0, int((deadline - now).total_seconds()))


def ip_allowed(ip: str | None, ranges: list[str]) -> bool:
    if not ranges:
        return True
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(r, strict=False) for r in ranges)


def _refuse_read_only(*, course_id: int | None = None, user: Any = None, attempt: Attempt | None = None) -> None:
    """Refuse a write to a student's work in an offering whose term has ended (grades stay readable).

    With an attempt, the flag its deadline inputs carry (read in the same query) decides.
    """
    from courses.selectors import enrollment_read_only, read_only_message

    if attempt is not None:
        if "deadline_read_only" not in attempt.__dict__:
            attempt_deadline(attempt)  # reads the inputs, the flag among them, in one query
        read_only = bool(attempt.__dict__.get("deadline_read_only"))
    else:
        read_only = course_id is not None and enrollment_read_only(user=user, course=course_id)
    if read_only:
        raise AssessmentError("read_only", read_only_message())


def attempt_start(
    *, activity: Any, user: Any, access_code: str = "", ip: str | None = None, now: datetime | None = None
) -> Attempt:
    """Start (or resume) the student's attempt; refuses outside the window, past the attempts, wrong code or IP."""
    now = now or timezone.now()
    _refuse_read_only(course_id=activity.course_id, user=user)
    policy = policy_for(activity=activity, user=user, now=now)
    definition = policy.definition
    if not ip_allowed(ip, definition.get("ip_ranges") or []):
        raise AssessmentError("ip", _("This exam can only be taken from the exam room's network."))
    if policy.open_attempt is not None:
        return policy.open_attempt
    if policy.not_open_yet:
        raise AssessmentError("not_open", _("This assessment is not open yet."))
    if policy.closed:
        raise AssessmentError("closed", _("This assessment is closed."))
    if policy.attempts_left == 0:
        raise AssessmentError("no_attempts", _("You have used all your attempts."))
    code = definition.get("access_code")
    if code and not hmac.compare_digest(str(code).strip().encode(), (access_code or "").strip().encode()):
        raise AssessmentError("access_code", _("The access code is not right."))
    number = policy.attempts_used + 1
    # built before the write (the layout's HMACs and variant reads are not done holding a write lock)
    attempt = Attempt(
        activity=activity,
        version=activity.current_version,
        user=user,
        number=number,
        started_at=now,
        layout=layout_for(definition, activity_id=activity.pk, user_id=user.pk, number=number),
        max_score=Decimal(str((activity.current_version.facts or {}).get("max_points", 0))),
    )
    try:
        with transaction.atomic():
            attempt.save(force_insert=True)
            return attempt
    except IntegrityError:  # a second tab started the same attempt at the same moment
        return Attempt.objects.get(activity=activity, user=user, number=number)


def attempt_keys(attempt: Attempt) -> frozenset[str]:
    definition = attempt_definition(attempt) or {"questions": {}}
    return frozenset(
        f"{item['qid']}.{part['id']}"
        for item in attempt.layout
        for part in definition["questions"][item["qid"]]["parts"]
    )


def attempt_close_if_expired(*, attempt: Attempt, now: datetime | None = None) -> bool:
    """Close an open attempt whose deadline (as of now) has passed, at that deadline; True if it was closed now."""
    now = now or timezone.now()
    if attempt.status != AttemptStatus.OPEN:
        return False
    deadline = attempt.deadline_at
    if deadline is None or now < deadline:
        return False
    updated = Attempt.objects.filter(pk=attempt.pk, status=AttemptStatus.OPEN).update(
        status=AttemptStatus.SUBMITTED, submitted_at=deadline, closed_by=ClosedBy.TIMEOUT
    )
    attempt.refresh_from_db()
    if updated:
        _grade_later(attempt)
        attempt.refresh_from_db()
    return bool(updated)


def attempts_close_expired(*, now: datetime | None = None) -> int:
    """Periodic: close every open attempt past its deadline (pages also close them lazily)."""
    now = now or timezone.now()
    closed = 0
    # The deadline is computed (extensions granted mid-exam move it), so every open attempt is
    # looked at: open attempts are the exams being written now, a few hundred at most.
    for attempt in Attempt.objects.with_deadline_inputs().filter(status=AttemptStatus.OPEN).iterator():
        closed += attempt_close_if_expired(attempt=attempt, now=now)
    return closed


def attempts_resend_stuck(*, now: datetime | None = None, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Periodic: a submitted attempt whose grading message was lost, or whose grading failed for the
    platform's reasons, is sent again (up to the job kernel's attempt limit)."""
    from .tasks import grade_attempt

    now = now or timezone.now()
    stuck = Attempt.objects.filter(
        status__in=(AttemptStatus.SUBMITTED, AttemptStatus.ERROR),
        submitted_at__lte=now - older_than,
        grading_attempts__lt=settings.JOBS_MAX_ATTEMPTS,
    ).values_list("pk", flat=True)
    sent = 0
    for pk in stuck:
        grade_attempt.delay(pk)
        sent += 1
    return sent


def _answer_upsert(*, attempt_id: int, key: str, value: Any, seq: int, now: datetime) -> bool:
    """Insert the part's answer or replace an older one, in one statement; True if it was stored.

    One ``INSERT … ON CONFLICT DO UPDATE … WHERE stored.seq < new.seq`` (SQLite ≥ 3.35 and
    PostgreSQL alike): no read-then-write window, no savepoint, the write lock held for one
    statement only. The row is written only while the attempt is still open (checked in the same
    statement), so a save racing a hand-in or a time-out is refused, never stored after grading.
    """
    qn = connection.ops.quote_name
    answer, attempt = qn(Answer._meta.db_table), qn(Attempt._meta.db_table)
    value_db = Answer._meta.get_field("value").get_db_prep_save(value, connection)
    now_db = Answer._meta.get_field("saved_at").get_db_prep_save(now, connection)
    sql = (
        f"INSERT INTO {answer} (attempt_id, {qn('key')}, {qn('value')}, seq, first_saved_at, saved_at, saves) "  # noqa: S608 (names from _meta; values are parameters)
        f"SELECT %s, %s, %s, %s, %s, %s, 1 WHERE EXISTS "
        f"(SELECT 1 FROM {attempt} WHERE {attempt}.id = %s AND {attempt}.status = %s) "
        f"ON CONFLICT (attempt_id, {qn('key')}) DO UPDATE SET {qn('value')} = excluded.{qn('value')}, "
        f"seq = excluded.seq, saved_at = excluded.saved_at, saves = {answer}.saves + 1 "
        f"WHERE {answer}.seq < excluded.seq RETURNING seq"
    )
    params = [attempt_id, key, value_db, seq, now_db, now_db, attempt_id, str(AttemptStatus.OPEN)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return bool(cursor.fetchall())


def answer_save(*, attempt: Attempt, key: str, value: Any, seq: int, now: datetime | None = None) -> dict[str, Any]:
    """Store one part's answer if ``seq`` is newer than the stored one; refuse after the deadline.

    Idempotent per (attempt, key, seq): a repeated or older save changes nothing and answers
    with the stored ``seq``, so the page knows what the server holds. The deadline is the one
    rule's as of ``now`` (an extension granted a minute ago counts). Answers with the seconds
    left (``remaining``, None without a deadline) for the page's countdown.
    """
    now = now or timezone.now()
    closed = AssessmentError("closed", _("Time is up: this attempt is closed and no more answers are accepted."))
    if attempt.status != AttemptStatus.OPEN or attempt_close_if_expired(attempt=attempt, now=now):
        raise closed
    _refuse_read_only(attempt=attempt)
    if key not in attempt_keys(attempt):
        raise AssessmentError("bad_key", _("No such question in this attempt."))
    if len(json.dumps(value)) > 20_000:
        raise AssessmentError("too_large", _("This answer is too long."))
    deadline = attempt.deadline_at  # inputs already read by the expiry check: no query
    remaining = None if deadline is None else max(0, int((deadline - now).total_seconds()))
    if _answer_upsert(attempt_id=attempt.pk, key=key, value=value, seq=seq, now=now):
        return {"saved": True, "seq": seq, "remaining": remaining}
    stored = Answer.objects.filter(attempt_id=attempt.pk, key=key).values_list("seq", flat=True).first()
    if stored is None or stored < seq:  # not stored although newer: the attempt closed meanwhile
        raise closed
    return {"saved": False, "seq": stored, "remaining": remaining}


def attempt_submit(*, attempt: Attempt, now: datetime | None = None) -> Attempt:
    """The student hands in: closed now (or at the deadline if that has passed), then graded."""
    now = now or timezone.now()
    _refuse_read_only(attempt=attempt)
    if attempt_close_if_expired(attempt=attempt, now=now):
        return attempt
    updated = Attempt.objects.filter(pk=attempt.pk, status=AttemptStatus.OPEN).update(
        status=AttemptStatus.SUBMITTED, submitted_at=now, closed_by=ClosedBy.STUDENT
    )
    attempt.refresh_from_db()
    if updated:
        _grade_later(attempt)
        attempt.refresh_from_db()
    return attempt


def _needs_sandbox(attempt: Attempt) -> bool:
    definition = definition_of(attempt.version) or {"questions": {}}
    return any(
        part["type"] in SANDBOX_TYPES
        for item in attempt.layout
        for part in definition["questions"][item["qid"]]["parts"]
    )


def _grade_later(attempt: Attempt) -> None:
    """Data-only answers are graded at once; anything needing sympy, qiskit or code goes to a worker."""
    if not _needs_sandbox(attempt):
        attempt_grade(attempt_id=attempt.pk)
        return
    from .tasks import grade_attempt

    transaction.on_commit(lambda: grade_attempt.delay(attempt.pk))


# ---------------------------------------------------------------------------------------
# grading


def _check_local(part: dict[str, Any], variant: dict[str, Any], answer: Any, perm: list[int] | None) -> values.Check:
    pid = part["id"]
    expected = variant["answers"].get(pid, part.get("answer"))
    if part["type"] == "choice":
        order = perm or list(range(len(variant["options_html"][pid])))
        shown_correct = [order.index(c) for c in variant["correct"][pid]]
        return values.check_choice(
            answer, correct=shown_correct, n_options=len(order), multiple=bool(part.get("multiple"))
        )
    if part["type"] == "numeric":
        return values.check_numeric(
            answer,
            expected,
            atol=float(part.get("atol") or 0),
            rtol=float(part.get("rtol") or 0),
            unit=part.get("unit") or "",
        )
    if part["type"] == "matrix":
        return values.check_matrix(
            answer, expected, atol=float(part.get("atol") or 1e-6), global_phase=bool(part.get("global_phase"))
        )
    raise ValueError(part["type"])


def _code_check(part: dict[str, Any], answer: Any) -> values.Check:
    from .sandboxed import run_code

    cases = part.get("cases") or []
    if not isinstance(answer, str) or not answer.strip():
        return values.Check(0.0, "no answer")
    out = run_code(source=answer, function=part["function"], calls=[c.get("args") or [] for c in cases])
    if out.get("error"):
        return values.Check(0.0, f"your code fails: {out['error']}")
    returns = out.get("returns") or []
    passed = 0
    for case, got in zip(cases, returns, strict=False):
        if "value" not in got:
            continue
        want = case.get("expect")
        if isinstance(want, int | float) and isinstance(got["value"], int | float) and not isinstance(want, bool):
            passed += values.within_tolerance(
                float(got["value"]),
                float(want),
                atol=float(part.get("atol") or 1e-9),
                rtol=float(part.get("rtol") or 0),
            )
        else:
            passed += got["value"] == want
    fraction = passed / len(cases) if cases else 0.0
    return values.Check(fraction, f"{passed} of {len(cases)} tests pass")


def attempt_grade(*, attempt_id: int) -> Attempt:
    """Grade a submitted attempt part by part and hand its score to grading as a Submission."""
    from .sandboxed import QuizSandboxError, grade_items

    attempt = Attempt.objects.select_related("version", "activity").get(pk=attempt_id)
    if attempt.status not in (AttemptStatus.SUBMITTED, AttemptStatus.ERROR):
        return attempt
    Attempt.objects.filter(pk=attempt.pk).update(grading_attempts=F("grading_attempts") + 1)
    definition = definition_of(attempt.version)
    assert definition is not None
    answers = dict(Answer.objects.filter(attempt=attempt).values_list("key", "value"))
    results: dict[str, dict[str, Any]] = {}
    remote: list[dict[str, Any]] = []
    parts_by_key: dict[str, dict[str, Any]] = {}
    for item in attempt.layout:
        q = definition["questions"][item["qid"]]
        variant = variant_of(definition, item["qid"], item["seed"])
        for part in q["parts"]:
            key = f"{item['qid']}.{part['id']}"
            parts_by_key[key] = part
            answer = answers.get(key)
            if part["type"] in ("choice", "numeric", "matrix"):
                check = _check_local(part, variant, answer, item["perm"].get(part["id"]))
                results[key] = {"fraction": check.fraction, "feedback": check.feedback}
            elif part["type"] == "code":
                try:
                    check = _code_check(part, answer)
                except QuizSandboxError:
                    _grading_failed(attempt)
                    return attempt
                results[key] = {"fraction": check.fraction, "feedback": check.feedback}
            elif answer in (None, "", {}):
                results[key] = {"fraction": 0.0, "feedback": "no answer"}
            elif part["type"] == "symbolic":
                expected = variant["answers"].get(part["id"], part.get("answer"))
                remote.append(
                    {
                        "id": key,
                        "type": "symbolic",
                        "answer": str(answer),
                        "expected": str(expected),
                        "variables": part.get("variables") or [],
                    }
                )
            else:  # circuit
                target = variant["answers"].get(part["id"], part.get("target"))
                limits = {
                    "qubits": part.get("qubits"),
                    "depth": part.get("max_depth"),
                    "two_qubit_gates": part.get("max_two_qubit_gates"),
                    "gates": part.get("max_gates"),
                }
                remote.append(
                    {
                        "id": key,
                        "type": "circuit",
                        "answer": answer,
                        "target": target if isinstance(target, dict) else None,
                        "target_state": target if isinstance(target, list) else part.get("target_state"),
                        "mode": part.get("mode", "unitary"),
                        "limits": limits,
                        "gates": part.get("gates"),
                    }
                )
    if remote:
        try:
            checked = grade_items(remote)
        except QuizSandboxError:
            _grading_failed(attempt)
            return attempt
        for item in remote:
            outcome = checked.get(item["id"]) or {"ok": False, "message": "not checked"}
            results[item["id"]] = {
                "fraction": 1.0 if outcome.get("ok") else 0.0,
                "feedback": outcome.get("message", ""),
            }
    total = Decimal(0)
    for key, result in results.items():
        points = Decimal(str(parts_by_key[key].get("points", 1)))
        earned = (points * Decimal(str(result["fraction"]))).quantize(Decimal("0.01"))
        result["points"] = str(earned)
        result["max_points"] = str(points)
        total += earned
    attempt.results = results
    attempt.score = total
    attempt.status = AttemptStatus.GRADED
    blob = _answers_blob(attempt, answers)  # written (fsync) before the transaction, not while holding its lock
    with transaction.atomic():
        attempt.submission = _to_gradebook(attempt, results, blob)
        attempt.save(update_fields=["results", "score", "status", "submission"])
    return attempt


def _grading_failed(attempt: Attempt) -> None:
    Attempt.objects.filter(pk=attempt.pk).update(status=AttemptStatus.ERROR)
    attempt.refresh_from_db()


def _answers_blob(attempt: Attempt, answers: dict[str, Any]) -> tuple[str, int]:
    """The attempt's answers stored as a blob: (digest, size)."""
    from core.blobs import blob_put

    data = json.dumps({"attempt": attempt.pk, "layout": attempt.layout, "answers": answers}, sort_keys=True).encode()
    return blob_put(data), len(data)


def _to_gradebook(attempt: Attempt, results: dict[str, dict[str, Any]], blob: tuple[str, int]) -> Any:
    """The graded attempt as a grading Submission, so the one scoring rule and every page read it."""
    from grading.enums import SubmissionStatus
    from grading.models import Submission

    cells = [
        {
            "grade_id": key,
            "kind": "autograded_test",
            "max_points": float(result["max_points"]),
            "score": float(result["points"]),
            "feedback": result["feedback"],
        }
        for key, result in results.items()
    ]
    sub, _created = Submission.objects.update_or_create(
        user=attempt.user,
        activity=attempt.activity,
        idempotency_key=f"quiz-attempt-{attempt.pk}",
        defaults={
            "version": attempt.version,
            "received_at": attempt.submitted_at or timezone.now(),
            "blob": blob[0],
            "size": blob[1],
            "filename": "",
            "source": "quiz",
            "status": SubmissionStatus.GRADED,
            "graded_at": timezone.now(),
            "auto_score": attempt.score,
            "max_score": attempt.max_score,
            "cells": cells,
            "message": "",
        },
    )
    return sub
