"""Writes of the competitions app: receive a submission (quotas, close), evaluate it, select finals, teams.

Evaluation = ingestion in grading's sandbox (participant code on inputs only) + trusted scoring in
this process. Labels never leave ``hidden/``; the job folder gets copies of ``inputs/`` only.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core import jobs
from core.blobs import blob_get, blob_put

from . import datasets
from .enums import EntryMode, SubmissionKind, SubmissionStatus, Task
from .models import Competition, Phase, Registration, Submission, Team, TeamMembership
from .selectors import eligibility, participant_key, phases_of, quota_for

if TYPE_CHECKING:
    from accounts.models import User

log = logging.getLogger(__name__)
RUNNER = Path(__file__).resolve().parent / "runner" / "ingest.py"


@dataclass
class SubmissionRefused(Exception):
    message: str
    status: int = 403
    retry_at: datetime | None = None

    def __str__(self) -> str:
        return self.message


# --- registration ------------------------------------------------------------------------------


def registration_create(*, competition: Competition, user: User, at: datetime | None = None) -> Registration:
    """Register a person (idempotent): refused, with the reason, when :func:`selectors.eligibility`
    says no or the competition's last phase has closed. Records the school and grade they enter
    from; that school is where their entries count in the schools ranking."""
    existing = Registration.objects.filter(competition=competition, user=user).first()
    if existing is not None:
        return existing
    now = at or timezone.now()
    phases = phases_of(competition=competition)
    if phases and all(ph.is_closed(now) for ph in phases):
        raise SubmissionRefused(_("This competition has closed; registration is over."), 403)
    verdict = eligibility(competition=competition, user=user)
    if not verdict.ok:
        raise SubmissionRefused(verdict.reason, 403)
    try:
        with transaction.atomic():
            return Registration.objects.create(
                competition=competition, user=user, school=verdict.school, grade=verdict.grade, registered_at=now
            )
    except IntegrityError:  # a parallel request registered first
        return Registration.objects.get(competition=competition, user=user)


def competition_scope_set(
    *,
    competition: Competition,
    scope: str,
    org: Any = None,
    school_ranking: str | None = None,
    school_ranking_k: int | None = None,
) -> Competition:
    """Open a competition to the site, one district (``org`` a district) or one school (``org`` a
    school), and optionally choose how schools are ranked. Refused when the organisation's kind
    does not match the scope."""
    from orgs.enums import CompetitionScope, OrgKind

    from .enums import SchoolRanking

    wanted = {CompetitionScope.DISTRICT: OrgKind.DISTRICT, CompetitionScope.SCHOOL: OrgKind.SCHOOL}
    if scope == CompetitionScope.SITE:
        org = None
    elif scope not in wanted or org is None or org.kind != wanted[CompetitionScope(scope)]:
        raise SubmissionRefused(_("A district-wide competition needs a district; a school-only one, a school."), 400)
    competition.scope, competition.org = scope, org
    if school_ranking is not None:
        competition.school_ranking = SchoolRanking(school_ranking)
    if school_ranking_k is not None:
        if school_ranking_k < 1:
            raise SubmissionRefused(_("k must be at least 1."), 400)
        competition.school_ranking_k = school_ranking_k
    competition.save(update_fields=["scope", "org", "school_ranking", "school_ranking_k"])
    return competition


def competition_school_settings_set(
    *,
    competition: Competition,
    entry_mode: str,
    school_ranking: str,
    school_ranking_k: int,
    synchronised: bool,
    eligible_schools: list[Any],
    eligible_grades: list[int],
) -> Competition:
    """A host's choices: entries, the schools ranking rule and its k, synchronised start, and
    eligibility. Eligible schools must lie inside the scope. Registrations already made stay
    (eligibility is checked when a person registers)."""
    from .selectors import schools_in_scope

    inside = set(schools_in_scope(competition=competition).values_list("pk", flat=True))
    if any(o.pk not in inside for o in eligible_schools):
        raise SubmissionRefused(_("Eligible schools must be inside the competition's scope."), 400)
    if school_ranking_k < 1:
        raise SubmissionRefused(_("k must be at least 1."), 400)
    competition.entry_mode = EntryMode(entry_mode)
    competition.school_ranking = school_ranking
    competition.school_ranking_k = school_ranking_k
    competition.synchronised = synchronised
    competition.eligible_grades = sorted({int(g) for g in eligible_grades})
    with transaction.atomic():
        competition.save(
            update_fields=["entry_mode", "school_ranking", "school_ranking_k", "synchronised", "eligible_grades"]
        )
        competition.eligible_schools.set(eligible_schools)
    return competition


# --- receiving ---------------------------------------------------------------------------------


def _check_upload(*, phase: Phase, data: bytes, filename: str) -> None:
    if not data:
        raise SubmissionRefused(_("The file is empty."), 400)
    if len(data) > settings.COMPETITIONS_UPLOAD_MAX_BYTES:
        raise SubmissionRefused(
            _("The file is larger than the limit of %(n)d bytes.") % {"n": settings.COMPETITIONS_UPLOAD_MAX_BYTES}, 413
        )
    expected = {SubmissionKind.MODULE: ".py", SubmissionKind.NOTEBOOK: ".ipynb", SubmissionKind.PREDICTIONS: ".csv"}
    suffix = expected[SubmissionKind(phase.submission_kind)]
    if not filename.lower().endswith(suffix):
        raise SubmissionRefused(_("This phase takes a %(suffix)s file.") % {"suffix": suffix}, 400)
    if phase.submission_kind != SubmissionKind.PREDICTIONS:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise SubmissionRefused(_("The file is not UTF-8 text."), 400) from None


def submission_receive(
    *, phase: Phase, user: User, data: bytes, filename: str, at: datetime | None = None
) -> Submission:
    """Store a participant's file and queue its evaluation, or refuse with the reason.

    The phase row is locked for the check-and-insert, so parallel requests cannot overrun a quota
    (on PostgreSQL: SELECT ... FOR UPDATE; on SQLite the IMMEDIATE transaction serialises writers).
    """
    _check_upload(phase=phase, data=data, filename=filename)
    sha = blob_put(data)
    with transaction.atomic():
        locked = Phase.objects.select_for_update().select_related("competition").get(pk=phase.pk)
        now = at or timezone.now()
        if now < locked.starts_at:
            raise SubmissionRefused(_("This phase has not started yet."), 403)
        if locked.is_closed(now):
            raise SubmissionRefused(
                _("This phase closed at %(t)s; no more submissions.") % {"t": locked.ends_at.isoformat()}, 403
            )
        # The window above is the phase's, the same instants for everyone: a late registration
        # or team change never moves it (in a synchronised competition teams are fixed while it runs).
        registration_create(competition=locked.competition, user=user, at=now)
        key, team = participant_key(competition=locked.competition, user=user)
        if team is None and locked.competition.entry_mode == EntryMode.TEAMS:
            raise SubmissionRefused(
                _("This competition takes school-team entries only: create or join your school's team first."), 403
            )
        quota = quota_for(phase=locked, participant=key, at=now)
        if not quota.allowed:
            raise SubmissionRefused(quota.reason, 429, quota.next_allowed_at)
        sub = Submission.objects.create(
            phase=locked,
            user=user,
            team=team,
            participant=key,
            received_at=now,
            blob=sha,
            filename=Path(filename).name[:200],
            size=len(data),
            kind=locked.submission_kind,
            status=SubmissionStatus.RECEIVED,
        )
        # Sent on commit, never raising: with the broker down the participant still gets the
        # receipt (it was received, so it counts), and the sweep sends it later.
        jobs.enqueue_on_commit(COMPETITION_QUEUE, sub.pk)
    return sub


def lab_path_default(*, phase: Phase) -> str:
    suffix = {
        SubmissionKind.MODULE: "entry.py",
        SubmissionKind.NOTEBOOK: "entry.ipynb",
        SubmissionKind.PREDICTIONS: "predictions.csv",
    }
    return f"competitions/{phase.competition.slug}/{suffix[SubmissionKind(phase.submission_kind)]}"


# What "Open a starter in the lab" puts at lab_path_default, so that the path the submit form
# offers exists in the lab (it named a file nobody had made). Never overwrites the participant's.
_MODULE_STARTER = b'''"""My entry: edit it, save (Ctrl-S), then "Submit from the lab" on the competition page.

Define decode(detection_events), or make_decoder(circuit) returning one: numpy bool array
(shots, num_detectors) -> numpy bool array (shots, num_observables). This starter is the
matching baseline (score 1.00); beat it.
"""

import pymatching


def make_decoder(circuit):
    matching = pymatching.Matching.from_detector_error_model(circuit.detector_error_model(decompose_errors=True))
    return lambda detection_events: matching.decode_batch(detection_events)
'''
_NOTEBOOK_STARTER = {
    "cells": [
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": "My entry: only code cells are run. Save (Ctrl-S), then submit from the competition page.",
        },
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": _MODULE_STARTER.decode().split('"""', 2)[2].strip(),
        },
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def lab_starter_place(*, phase: Phase, user: User) -> str:
    """Put a starter entry at ``lab_path_default`` in the participant's running lab; its lab URL.

    The participant's own file at that path is kept as it is.
    """
    import json
    import posixpath

    from sandbox.client import HubError
    from sandbox.services import hub_client, lab_name

    path = lab_path_default(phase=phase)
    name = lab_name(user)
    try:
        client = hub_client(timeout=max(settings.HUB_TIMEOUT_SECONDS, 15))
        if client.server_status(name).state != "ready":
            raise SubmissionRefused(
                _("Your lab is not running. Open any notebook of the course in JupyterLab first, then come back."), 409
            )
        client.contents_mkdir(name, posixpath.dirname(path))
        if client.contents_get(name, path) is None:
            kind = SubmissionKind(phase.submission_kind)
            if kind == SubmissionKind.NOTEBOOK:
                client.contents_put_notebook(name, path, json.dumps(_NOTEBOOK_STARTER).encode())
            elif kind == SubmissionKind.MODULE:
                client.contents_put_file(name, path, _MODULE_STARTER)
            else:
                client.contents_put_file(name, path, b"id,prediction\n")
        return client.lab_url(name, path)
    except HubError as exc:
        raise SubmissionRefused(
            _("The lab cannot be reached right now (%(e)s); upload the file instead.") % {"e": exc}, 503
        ) from None


def submission_from_lab(*, phase: Phase, user: User, path: str, at: datetime | None = None) -> Submission:
    """Pull the participant's file from their own JupyterLab (through the hub, as the sandbox app
    does for notebooks) and receive it like an upload."""
    from sandbox.client import HubError
    from sandbox.services import hub_client, lab_name

    name = lab_name(user)
    path = path.strip().lstrip("/")
    if not path or ".." in path.split("/"):
        raise SubmissionRefused(
            _("Give the path of the file in your lab, e.g. %(p)s.") % {"p": lab_path_default(phase=phase)}, 400
        )
    try:
        client = hub_client(timeout=max(settings.HUB_TIMEOUT_SECONDS, 15))
        if client.server_status(name).state != "ready":
            raise SubmissionRefused(_("Your lab is not running. Open it, save your file, then submit."), 409)
        if client.contents_get(name, path) is None:
            raise SubmissionRefused(_("%(p)s is not in your lab.") % {"p": path}, 404)
        data = client.contents_read_bytes(name, path)
    except HubError as exc:
        raise SubmissionRefused(
            _("The lab cannot be reached right now (%(e)s); upload the file instead.") % {"e": exc}, 503
        ) from None
    return submission_receive(phase=phase, user=user, data=data, filename=path.rsplit("/", 1)[-1], at=at)


def _attention() -> dict[str, Any]:
    return {
        "error": _(
            "Evaluation was interrupted repeatedly; the hosts have been told. It does not count as your error."
        ),
        "finished_at": timezone.now(),
    }


def _running_grace(sub: Submission) -> timedelta:
    try:
        return timedelta(seconds=_limits(sub.phase)["wall_seconds"] * 2 + 120)
    except OSError:  # the phase's data is missing: be generous rather than run a job twice
        return timedelta(hours=2)


COMPETITION_QUEUE = jobs.JobQueue(
    name="competitions",
    model=Submission,
    task="competitions.evaluate",
    finals={
        SubmissionStatus.GRADED: jobs.JobState.DONE,
        SubmissionStatus.TIMED_OUT: jobs.JobState.FAILED,
        SubmissionStatus.MEMORY_LIMIT: jobs.JobState.FAILED,
        SubmissionStatus.ERROR: jobs.JobState.FAILED,
    },
    attention_fields=_attention,
    received_after=lambda: float(settings.COMPETITIONS_SWEEP_RECEIVED_AFTER),
    queued_after=lambda: float(settings.COMPETITIONS_SWEEP_QUEUED_AFTER),
    running_grace=_running_grace,
    queued_field=None,
    running_related=("phase__competition",),
    work_root=lambda: settings.COMPETITIONS_JOB_DIR,
)


# --- evaluating --------------------------------------------------------------------------------

_ARRAY_RUN = re.compile(r"(?:[\[\](),\s]*(?:True|False|0|1|0\.|1\.)[\s,\]\[)(]*){24,}")


def scrub_log(text: str, limit: int | None = None) -> str:
    """Participant output for display: long runs of array data removed (they could echo hidden
    inputs), control characters dropped, only the tail kept."""
    limit = limit or settings.COMPETITIONS_LOG_CHARS
    text = _ARRAY_RUN.sub(" [array output removed] ", text)
    text = "".join(ch for ch in text if ch in "\n\t" or ch >= " ")
    if len(text) > limit:
        text = "…(truncated)…\n" + text[-limit:]
    return text


def notebook_to_module(raw: bytes) -> str:
    """The code cells of a notebook, in order, as a module; IPython magics and shell lines are commented out."""
    try:
        nb = json.loads(raw)
        cells = nb["cells"]
    except (ValueError, KeyError, TypeError):
        raise ValueError(_("The notebook is not valid JSON with cells.")) from None
    parts = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        lines = [("# " + ln) if ln.lstrip().startswith(("%", "!")) else ln for ln in src.splitlines()]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def _data_dir(phase: Phase) -> Path:
    return datasets.phase_dir(phase.competition.slug, phase.dataset)


def _limits(phase: Phase) -> dict[str, Any]:
    cfg = phase.config or {}
    if phase.competition.task == Task.DECODER:
        from .scoring.decoder import total_shots

        shots = total_shots(_data_dir(phase))
        budget = float(cfg.get("shot_budget_us", 50.0))
        wall = float(cfg.get("startup_seconds", 60)) + shots * budget * 1e-6
    else:
        wall = float(cfg.get("wall_seconds", 120))
    return {
        "memory_mb": int(cfg.get("memory_mb", 2048)),
        "cpu_seconds": int(wall * 2) + 10,
        "wall_seconds": wall,
        "max_processes": int(cfg.get("max_processes", 64)),
        "max_output_bytes": int(cfg.get("max_output_bytes", 512 * 1024 * 1024)),
    }


def _run_in_sandbox(*, sub: Submission, job: Path) -> tuple[dict[str, Any], str, float]:
    """Prepare the job folder with inputs only, run ingestion in the sandbox; (result, log, wall)."""
    from grading.runner.sandbox import SandboxLimits, sandbox_run

    phase = sub.phase
    raw = blob_get(sub.blob)
    try:
        code = notebook_to_module(raw) if sub.kind == SubmissionKind.NOTEBOOK else raw.decode("utf-8")
    except ValueError as exc:  # not a notebook, not UTF-8: the participant's file, not the platform
        raise _Failed(SubmissionStatus.ERROR, str(exc)) from None
    shutil.copytree(_data_dir(phase) / "inputs", job / "inputs")
    (job / "submission.py").write_text(code)
    shutil.copy(RUNNER, job / "ingest.py")
    spec = {"task": phase.competition.task, "entry_point": phase.competition.entry_point}
    (job / "spec.json").write_text(json.dumps(spec))
    limits = SandboxLimits(**_limits(phase))
    res = sandbox_run([sys.executable, "ingest.py"], job_dir=job, limits=limits)
    text = scrub_log((res.stdout or "") + ("\n" if res.stderr else "") + (res.stderr or ""))
    if res.status == "timed_out":
        if phase.competition.task == Task.DECODER:
            why = _(
                "Time limit exceeded: the phase allows %(s).0f s for all shots (the per-shot budget times the shots, plus start-up)."
            )
        else:
            why = _("Time limit exceeded: the phase allows %(s).0f s for fit() and predict() together.")
        raise _Failed(SubmissionStatus.TIMED_OUT, why % {"s": limits.wall_seconds}, text)
    if res.status == "memory_limit":
        raise _Failed(
            SubmissionStatus.MEMORY_LIMIT, _("Memory limit of %(m)d MiB exceeded.") % {"m": limits.memory_mb}, text
        )
    result_file = job / "result.json"
    try:
        result = json.loads(result_file.read_text()[:100_000]) if result_file.exists() else None
    except ValueError:
        result = None
    if not isinstance(result, dict):
        raise _Failed(
            SubmissionStatus.ERROR,
            _("Your code stopped before producing output (exit code %(c)s).") % {"c": res.exit_code},
            text,
        )
    if not result.get("ok"):
        raise _Failed(SubmissionStatus.ERROR, scrub_log(str(result.get("error", "error")), 2000), text)
    return result, text, float(res.wall_seconds)


@dataclass
class _Failed(Exception):
    """What the participant's code did (a limit, an error, unusable output): the final result."""

    status: str
    message: str
    log: str = ""
    retryable = False  # core.jobs.is_retryable: never the platform's failure


def _score(*, sub: Submission, job: Path | None, wall: float) -> None:
    from .scoring import classify, decoder

    phase = sub.phase
    data = _data_dir(phase)
    if phase.competition.task == Task.DECODER:
        assert job is not None
        detail = decoder.score(data=data, outputs=job / "outputs")
        per_shot_us = wall / max(1, decoder.total_shots(data)) * 1e6
        budget = float((phase.config or {}).get("shot_budget_us", 50.0))
        sub.public_score, sub.private_score = detail["public"]["ratio"], detail["private"]["ratio"]
        sub.public_tiebreak = sub.private_tiebreak = per_shot_us
        detail["public"]["us_per_shot"] = detail["private"]["us_per_shot"] = per_shot_us
        detail["public"]["budget_us"] = budget
    else:
        n = classify.n_test(data)
        if sub.kind == SubmissionKind.PREDICTIONS:
            pred = classify.parse_predictions_csv(blob_get(sub.blob), n)
        else:
            assert job is not None
            pred = classify.load_predictions(job / "outputs" / "predictions.npy", n)
        detail = classify.score(data=data, pred=pred)
        sub.public_score, sub.public_tiebreak = detail["public"]["accuracy"], detail["public"]["macro_f1"]
        sub.private_score, sub.private_tiebreak = detail["private"]["accuracy"], detail["private"]["macro_f1"]
    sub.public_detail, sub.private_detail = detail["public"], detail["private"]


def submission_evaluate(*, submission_id: int) -> Submission:
    """Run ingestion (sandbox) and trusted scoring for one submission; idempotent on re-delivery.

    The job kernel claims it (a duplicate delivery of a running or finished job does nothing) and
    decides what a failure means: the participant's (a limit, an error) is final; the platform's
    is retried until ``JOBS_MAX_ATTEMPTS``, then the hosts are told and it uses no quota.
    """
    from .scoring.decoder import ScoringError

    claimed = jobs.claim(COMPETITION_QUEUE, submission_id)
    sub = Submission.objects.select_related("phase__competition").get(pk=submission_id)
    if claimed is None:
        return sub
    job = None
    try:
        wall = 0.0
        if sub.kind != SubmissionKind.PREDICTIONS:
            settings.COMPETITIONS_JOB_DIR.mkdir(parents=True, exist_ok=True)
            # A folder of its own per attempt: never a leftover of a killed worker or another attempt.
            job = settings.COMPETITIONS_JOB_DIR / f"sub-{sub.pk}-{sub.attempts}-{uuid.uuid4().hex[:12]}"
            job.mkdir()
            _result, sub.log, wall = _run_in_sandbox(sub=sub, job=job)
        try:
            _score(sub=sub, job=job, wall=wall)
        except ScoringError as exc:  # the participant's output could not be scored
            raise _Failed(SubmissionStatus.ERROR, str(exc), sub.log) from exc
        sub.status, sub.error = SubmissionStatus.GRADED, ""
    except Exception as exc:
        if jobs.is_retryable(exc):
            log.exception("competition submission %s failed in the platform", sub.pk)
            jobs.retry_or_give_up(
                COMPETITION_QUEUE,
                sub,
                error=_("The platform failed to evaluate this submission; trying again."),
                log=f"attempt {sub.attempts}: {type(exc).__name__}: {exc}"[-4000:],
            )
            return sub
        failed = exc if isinstance(exc, _Failed) else _Failed(SubmissionStatus.ERROR, str(exc))
        sub.status, sub.error, sub.log = failed.status, failed.message, failed.log
        sub.public_score = sub.private_score = sub.public_tiebreak = sub.private_tiebreak = None
    finally:
        if job is not None:
            shutil.rmtree(job, ignore_errors=True)
    sub.finished_at = timezone.now()
    sub.save()
    if sub.status == SubmissionStatus.GRADED:
        board_changed(phase_id=sub.phase_id)
    return sub


def board_changed(*, phase_id: int) -> None:
    """Invalidate cached rankings of a phase (they are keyed by its board_version)."""
    Phase.objects.filter(pk=phase_id).update(board_version=F("board_version") + 1)


def submissions_sweep(*, now: datetime | None = None) -> int:
    """Re-enqueue lost work: never sent (broker down), queued long ago (broker lost the message) or
    running far past its wall limit (the worker died). The job kernel's one sweep."""
    return jobs.sweep(COMPETITION_QUEUE, now=now)


def submission_requeue(*, submission: Submission) -> None:
    """A host sends a failed (or stuck) submission back to the queue, e.g. after fixing the platform."""
    if submission.is_baseline or submission.status == SubmissionStatus.GRADED:
        raise SubmissionRefused(_("Only submissions that were not scored can be evaluated again."), 400)
    jobs.requeue(COMPETITION_QUEUE, [submission.pk], error="")


# --- baselines, final selection, teams -----------------------------------------------------------


def baseline_record(*, phase: Phase, label: str, user: User) -> Submission:
    """Score the host's baseline for a phase (PyMatching for the Decoder Cup, kNN for the QML
    challenge) in the trusted process and put it on the board as a row of its own."""
    from .scoring import classify, decoder

    data = _data_dir(phase)
    Submission.objects.filter(phase=phase, is_baseline=True, label=label).delete()
    sub = Submission(
        phase=phase,
        user=user,
        participant="baseline",
        received_at=phase.starts_at,
        kind=phase.submission_kind,
        is_baseline=True,
        label=label,
        status=SubmissionStatus.GRADED,
        finished_at=timezone.now(),
    )
    if phase.competition.task == Task.DECODER:
        detail = decoder.score(data=data, outputs=data, predictions_of="matching")
        sub.public_score, sub.private_score = detail["public"]["ratio"], detail["private"]["ratio"]
    else:
        detail = classify.score(data=data, pred=classify.knn_baseline(data))
        sub.public_score, sub.public_tiebreak = detail["public"]["accuracy"], detail["public"]["macro_f1"]
        sub.private_score, sub.private_tiebreak = detail["private"]["accuracy"], detail["private"]["macro_f1"]
    sub.public_detail, sub.private_detail = detail["public"], detail["private"]
    sub.save()
    board_changed(phase_id=phase.pk)
    return sub


def final_selection_set(*, phase: Phase, user: User, submission_ids: list[int], at: datetime | None = None) -> list[int]:
    """Mark up to K of the participant's graded submissions as their final ones (before the close;
    in a synchronised competition, also not before the phase opens)."""
    if phase.is_closed(at):
        raise SubmissionRefused(_("The phase has closed; the final selection is frozen."), 403)
    if phase.competition.synchronised and (at or timezone.now()) < phase.starts_at:
        raise SubmissionRefused(_("This phase has not started yet."), 403)
    limit = phase.competition.final_selection_limit
    ids = list(dict.fromkeys(int(i) for i in submission_ids))
    if len(ids) > limit:
        raise SubmissionRefused(_("Select at most %(k)d submissions.") % {"k": limit}, 400)
    key, _team = participant_key(competition=phase.competition, user=user)
    mine = Submission.objects.filter(phase=phase, participant=key, is_baseline=False)
    valid = set(mine.filter(pk__in=ids, status=SubmissionStatus.GRADED).values_list("pk", flat=True))
    if valid != set(ids):
        raise SubmissionRefused(_("Only your own scored submissions can be selected."), 400)
    with transaction.atomic():
        mine.update(selected=False)
        mine.filter(pk__in=ids).update(selected=True)
        board_changed(phase_id=phase.pk)
    return ids


def _teams_open(comp: Competition, at: datetime | None = None) -> None:
    now = at or timezone.now()
    if comp.entry_mode == EntryMode.INDIVIDUALS:
        raise SubmissionRefused(_("This competition takes individual entries only; there are no teams."), 403)
    if comp.team_freeze_at and now >= comp.team_freeze_at:
        raise SubmissionRefused(_("Teams are frozen since %(t)s.") % {"t": comp.team_freeze_at.isoformat()}, 403)
    if comp.synchronised and any(ph.is_open(now) for ph in phases_of(competition=comp)):
        raise SubmissionRefused(
            _("Teams are fixed while a phase runs: every participant starts and stops at the same time."), 403
        )


def _has_submissions(comp: Competition, user: User) -> bool:
    return Submission.objects.filter(phase__competition=comp, user=user, is_baseline=False).exists()


def team_create(*, competition: Competition, user: User, name: str, at: datetime | None = None) -> Team:
    """A team of the creator's school (the school they registered from), the creator its first member."""
    _teams_open(competition, at)
    name = name.strip()[:80]
    if not name:
        raise SubmissionRefused(_("A team needs a name."), 400)
    if _has_submissions(competition, user):
        raise SubmissionRefused(
            _("You have already submitted on your own; teams must form before a first submission."), 409
        )
    reg = registration_create(competition=competition, user=user, at=at)
    try:
        with transaction.atomic():
            team = Team.objects.create(competition=competition, name=name, created_by=user, school_id=reg.school_id)
            TeamMembership.objects.create(competition=competition, team=team, user=user)
    except IntegrityError:
        raise SubmissionRefused(_("That name is taken, or you are already in a team."), 409) from None
    return team


def team_join(*, competition: Competition, user: User, code: str, at: datetime | None = None) -> Team:
    """Join by invitation code; a school team takes members of its own school only."""
    _teams_open(competition, at)
    team = Team.objects.filter(competition=competition, invite_code=code.strip()).select_related("school").first()
    if team is None:
        raise SubmissionRefused(_("No team has that invitation code."), 404)
    reg = registration_create(competition=competition, user=user, at=at)
    if reg.school_id != team.school_id:
        if team.school is None:
            raise SubmissionRefused(_("That team is for participants without a school."), 403)
        raise SubmissionRefused(
            _("Every member of a school team must be of its school (%(school)s).") % {"school": team.school.local_name},
            403,
        )
    if team.memberships.count() >= competition.max_team_size:
        raise SubmissionRefused(_("That team is full."), 409)
    if _has_submissions(competition, user):
        raise SubmissionRefused(
            _("You have already submitted on your own; teams must form before a first submission."), 409
        )
    try:
        TeamMembership.objects.create(competition=competition, team=team, user=user)
    except IntegrityError:
        raise SubmissionRefused(_("You are already in a team."), 409) from None
    return team


def team_leave(*, competition: Competition, user: User, at: datetime | None = None) -> None:
    _teams_open(competition, at)
    m = TeamMembership.objects.filter(competition=competition, user=user).select_related("team").first()
    if m is None:
        raise SubmissionRefused(_("You are not in a team."), 400)
    team = m.team
    m.delete()
    if not team.memberships.exists() and not team.submissions.exists():
        team.delete()


# ---------------------------------------------------------------------------------------
# course grades from a ranking


class GradeMappingRefused(Exception):
    """The mapping cannot be applied (wrong activity, no phase started); nothing was written."""


@dataclass(frozen=True)
class GradesApplied:
    phase: Phase
    split: str
    rule: str
    count: int  # students given points (0 included)
    ranked: int  # of whom on the ranking


def competition_grades_apply(
    *, competition: Competition, activity: Any, by: User, at: datetime | None = None
) -> GradesApplied:
    """Map the competition's ranking to course points of ``activity`` for every student of the course.

    The ranking is that of :func:`selectors.grade_phase` (the final, private one once the latest
    started phase has closed, else its public one), mapped by :func:`selectors.grade_mapping`
    rescaled to ``activity.points``. A team's points go to each member; a student on the ranking
    twice (alone, then in a team) keeps the better; a student not on it gets 0. Idempotent: all
    the activity's rows are replaced in one transaction, so a re-apply recomputes.
    """
    from courses.enums import ActivityKind, Role
    from courses.selectors import course_role, course_students

    from .models import CompetitionGrade
    from .selectors import grade_mapping, grade_phase

    if competition.course_id is None or activity.course_id != competition.course_id:
        raise GradeMappingRefused(_("This activity is not in the competition's course."))
    if activity.kind != ActivityKind.COMPETITION or (activity.options or {}).get("competition") != competition.slug:
        raise GradeMappingRefused(_("This activity does not point at this competition."))
    if not (getattr(by, "is_superuser", False) or course_role(user=by, course=activity.course) == Role.TEACHER):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Only the course's teachers map competition results to grades.")
    maximum = float(activity.points or 0)
    if maximum <= 0:
        raise GradeMappingRefused(_("Give the activity a number of points first (its maximum)."))
    picked = grade_phase(competition=competition, at=at)
    if picked is None:
        raise GradeMappingRefused(_("No phase of this competition has started yet."))
    phase, split = picked
    mapping = competition.grade_mapping or {}
    rule = (
        f"{phase.slug}:{split} top={int(mapping.get('top', 1))} "
        f"floor={float(mapping.get('floor', 0)):g}/{float(mapping.get('points', 0)):g} max={maximum:g}"
    )
    mapped = grade_mapping(phase=phase, split=split, points=maximum)
    team_ids = [int(r.participant[1:]) for r, _pts in mapped if r.participant.startswith("t")]
    members: dict[int, list[int]] = {}
    for team_id, user_id in TeamMembership.objects.filter(team_id__in=team_ids).values_list("team_id", "user_id"):
        members.setdefault(team_id, []).append(user_id)
    best: dict[int, tuple[float, int | None]] = {}
    for r, pts in mapped:
        kind, ident = r.participant[:1], int(r.participant[1:])
        for uid in [ident] if kind == "u" else members.get(ident, []):
            if uid not in best or pts > best[uid][0]:
                best[uid] = (pts, r.rank)
    now = timezone.now()
    students = list(course_students(course=activity.course).values_list("user_id", flat=True))
    rows = [
        CompetitionGrade(
            activity=activity,
            user_id=uid,
            points=best.get(uid, (0.0, None))[0],
            rank=best.get(uid, (0.0, None))[1],
            computed_at=now,
            rule=rule,
            applied_by=by if getattr(by, "pk", None) else None,
        )
        for uid in students
    ]
    with transaction.atomic():
        CompetitionGrade.objects.filter(activity=activity).delete()
        CompetitionGrade.objects.bulk_create(rows)
    log.info("competition grades: %s -> %s (%s), %d students", competition.slug, activity.slug, rule, len(rows))
    return GradesApplied(phase, split, rule, len(rows), sum(1 for uid in students if uid in best))
