"""Reads of the assessments app: one attempt as its page shows it, a student's attempts, per-question analytics.

An attempt is only ever read through its owner (``attempt_of``): the URL carries the attempt
*number*, and the row is looked up with the requesting user, so no URL reaches another
student's variant.
"""

from __future__ import annotations

import html
import math
import re
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from statistics import mean, median
from typing import Any

from django.db import connection
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language

from courses.notebook_lang import content_fields

from .models import Answer, Attempt, AttemptStatus
from .services import definition_of, variant_of

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def attempt_of(*, activity: Any, user: Any, number: int) -> Attempt:
    """The user's own attempt (404 for anyone else's: the lookup includes the user)."""
    attempt = (
        Attempt.objects.with_deadline_inputs()
        .filter(activity=activity, user=user, number=number)
        .select_related("version")
        .first()
    )
    if attempt is None:
        raise Http404("No such attempt.")
    return attempt


def _own_attempt_sql() -> str:
    """The autosave's lookup as one hand-written statement (the ORM's building and compiling of the
    same query cost more CPU than the rest of the view; see ``Attempt.objects.with_deadline_inputs``
    for the same inputs through the ORM, and tests/assessments/test_deadlines.py for their agreement)."""
    from courses.models import Activity, ActivityVersion, Course, Enrollment
    from grading.models import Accommodation, Extension

    qn = connection.ops.quote_name
    t = {m.__name__: qn(m._meta.db_table) for m in (Attempt, Activity, ActivityVersion, Course, Enrollment)}
    from orgs.models import Offering, OfferingDue, Term

    ext, acc = qn(Extension._meta.db_table), qn(Accommodation._meta.db_table)
    odue, off, term = (qn(m._meta.db_table) for m in (OfferingDue, Offering, Term))
    blob = (
        "(v.facts ->> 'assessment_blob')"
        if connection.vendor == "postgresql"
        else "json_extract(v.facts, '$.assessment_blob')"
    )
    return (
        f"SELECT a.id, a.activity_id, a.version_id, a.user_id, a.{qn('number')}, a.status, a.started_at, a.layout, "  # noqa: S608 (names from _meta; values are parameters)
        # the due time in force: courses.selectors.due_in_force_expression (extension, offering's, activity's)
        f"COALESCE((SELECT e.due_at FROM {ext} e WHERE e.activity_id = a.activity_id AND e.user_id = a.user_id), "
        f"(SELECT od.due_at FROM {odue} od JOIN {t['Enrollment']} oe ON oe.offering_id = od.offering_id "
        f"WHERE od.activity_id = a.activity_id AND oe.user_id = a.user_id), "
        f"act.due_at) AS deadline_due, "
        # courses.selectors.read_only_expression: the student's offering's term has ended
        f"EXISTS (SELECT 1 FROM {t['Enrollment']} re JOIN {off} ro ON ro.id = re.offering_id "
        f"JOIN {term} rt ON rt.id = ro.term_id WHERE re.course_id = act.course_id AND re.user_id = a.user_id "
        f"AND rt.ends_on < %s) AS deadline_read_only, "
        f"(SELECT m.extra_time_factor FROM {acc} m WHERE m.course_id = act.course_id AND m.user_id = a.user_id) "
        f"AS deadline_factor, {blob} AS deadline_blob "
        f"FROM {t['Attempt']} a JOIN {t['Activity']} act ON act.id = a.activity_id "
        f"JOIN {t['Course']} c ON c.id = act.course_id JOIN {t['ActivityVersion']} v ON v.id = a.version_id "
        f"WHERE a.user_id = %s AND a.{qn('number')} = %s AND act.slug = %s AND c.slug = %s "
        f"AND EXISTS (SELECT 1 FROM {t['Enrollment']} en WHERE en.course_id = act.course_id AND en.user_id = a.user_id)"
    )


_SQL_BY_VENDOR: dict[str, str] = {}


def _as_datetime(value: Any) -> datetime | None:
    """A timestamp column read by hand: SQLite gives text (UTC), PostgreSQL an aware datetime."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = parse_datetime(str(value))
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, UTC)
    return parsed


def own_attempt_by_path(*, user: Any, course_slug: str, activity_slug: str, number: int) -> Attempt:
    """The autosave's lookup in one query: the user's own attempt, in a course they are still enrolled in,
    with the deadline rule's inputs as they are now (extension, accommodation, definition digest).

    An attempt exists only if its student started it while the activity was visible to them, so
    membership (checked in the same query) is all that is left to check on each save. Only the
    columns a save reads are fetched (not the results, not the version's facts).
    """
    sql = _SQL_BY_VENDOR.get(connection.vendor)
    if sql is None:
        sql = _SQL_BY_VENDOR[connection.vendor] = _own_attempt_sql()
    today = timezone.localdate()
    attempt = next(iter(Attempt.objects.raw(sql, [today, user.pk, number, activity_slug, course_slug])), None)
    if attempt is None:
        raise Http404("No such attempt.")
    inputs = attempt.__dict__
    inputs["deadline_due"] = _as_datetime(inputs.get("deadline_due"))
    factor = inputs.get("deadline_factor")
    inputs["deadline_factor"] = None if factor is None else Decimal(str(factor))
    inputs["deadline_read_only"] = bool(inputs.get("deadline_read_only"))
    return attempt


def attempts_for(*, activity: Any, user: Any) -> list[Attempt]:
    return list(Attempt.objects.filter(activity=activity, user=user).order_by("-number"))


def _fill(text: str, params: dict[str, Any]) -> str:
    """Placeholders replaced by the variant's values, escaped (a value is data, never markup)."""

    def value(match: re.Match[str]) -> str:
        item = params.get(match.group(1), match.group(0))
        if isinstance(item, float):
            item = f"{item:.6g}"
        return html.escape(str(item))

    return PLACEHOLDER.sub(value, text)


def _zh() -> bool:
    return (get_language() or "").startswith("zh")


# Where an assessment definition keeps a question's text in each language (assessments.importing):
# ``html`` the English, ``html_zh`` the Chinese, whichever of them is the course's question.md.
_QUESTION_HTML = {"body_html": "html", "body_html_zh": "html_zh"}


def _question_html(definition: dict[str, Any], q: dict[str, Any]) -> str:
    """A question's text in the reader's language, else in the course's own (``courses.notebook_lang.content_fields``).

    A definition imported before it recorded its ``language`` came from an English-first question.md.
    """
    wanted, source = content_fields(definition.get("language"), get_language())
    return q.get(_QUESTION_HTML[wanted]) or q.get(_QUESTION_HTML[source]) or ""


def solutions_visible(*, attempt: Attempt, scores_released: bool, closes_at: Any, now: Any) -> bool:
    """Correct answers show once the attempt is graded, scores are released, and the window has closed
    (or the quiz is unlimited practice, where every attempt gets new variants)."""
    if attempt.status != AttemptStatus.GRADED or not scores_released:
        return False
    definition = definition_of(attempt.version) or {}
    return definition.get("attempts") == "unlimited" or (closes_at is not None and now >= closes_at)


def attempt_view(*, attempt: Attempt, show_results: bool, show_solutions: bool) -> list[dict[str, Any]]:
    """The questions of one attempt, rendered for its student: filled text, shuffled options, saved answers."""
    definition = definition_of(attempt.version)
    if definition is None:
        return []
    saved = {a.key: a for a in Answer.objects.filter(attempt=attempt)}
    zh = _zh()
    out = []
    for index, item in enumerate(attempt.layout, start=1):
        q = definition["questions"][item["qid"]]
        variant = variant_of(definition, item["qid"], item["seed"])
        params = variant["params"]
        parts = []
        for part in q["parts"]:
            key = f"{item['qid']}.{part['id']}"
            answer = saved.get(key)
            entry: dict[str, Any] = {
                "key": key,
                "id": part["id"],
                "type": part["type"],
                "points": part.get("points"),
                "prompt_html": _fill((zh and part.get("prompt_zh_html")) or part.get("prompt_html") or "", params),
                "value": answer.value if answer else None,
                "seq": answer.seq if answer else 0,
                "unit": part.get("unit") or "",
                "multiple": bool(part.get("multiple")),
                "qubits": part.get("qubits", 2),
                "gates": part.get("gates") or [],
                "variables": part.get("variables") or [],
                "starter": part.get("starter") or "",
                "function": part.get("function") or "",
            }
            if part["type"] == "choice":
                order = item["perm"].get(part["id"]) or list(range(len(variant["options_html"][part["id"]])))
                correct = set(variant["correct"][part["id"]])
                chosen = entry["value"] if isinstance(entry["value"], list) else [entry["value"]]
                entry["options"] = [
                    {
                        "index": shown,
                        "html": _fill(variant["options_html"][part["id"]][original], params),
                        "checked": shown in chosen or str(shown) in [str(c) for c in chosen],
                        "correct": show_solutions and original in correct,
                    }
                    for shown, original in enumerate(order)
                ]
            if show_results and attempt.results.get(key):
                from .feedback import feedback_local

                result = dict(attempt.results[key])
                result["feedback"] = feedback_local(str(result.get("feedback", "")))
                entry["result"] = result
            if show_solutions and part["type"] in ("numeric", "matrix", "symbolic"):
                solution = variant["answers"].get(part["id"], part.get("answer"))
                entry["solution"] = f"{solution} {entry['unit']}".strip() if solution is not None else ""
            parts.append(entry)
        out.append(
            {
                "number": index,
                "qid": item["qid"],
                "title": (zh and q.get("title_zh")) or q["title"],
                "html": _fill(_question_html(definition, q), params),
                "points": q["points"],
                "parts": parts,
            }
        )
    return out


# ---------------------------------------------------------------------------------------
# analytics for teachers


def _point_biserial(item: list[float], rest: list[float]) -> float | None:
    """Correlation between a question's score and the rest of the assessment (discrimination)."""
    n = len(item)
    if n < 3:
        return None
    mx, my = mean(item), mean(rest)
    sx = math.sqrt(sum((x - mx) ** 2 for x in item))
    sy = math.sqrt(sum((y - my) ** 2 for y in rest))
    if sx == 0 or sy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(item, rest, strict=True)) / (sx * sy)


def assessment_analytics(*, activity: Any) -> dict[str, Any]:
    """Per question: difficulty (mean fraction), discrimination, choice rates, time, per-variant difficulty.

    Graded attempts only, two queries. Time on a question is from the attempt's start to the
    last save of any of its parts (an upper bound; the page does not report focus time).
    """
    attempts = list(Attempt.objects.filter(activity=activity, status=AttemptStatus.GRADED).select_related("version"))
    answers: dict[int, dict[str, Any]] = defaultdict(dict)
    for attempt_id, key, value, saved_at in Answer.objects.filter(attempt__in=attempts).values_list(
        "attempt_id", "key", "value", "saved_at"
    ):
        answers[attempt_id][key] = (value, saved_at)
    per_q: dict[str, dict[str, Any]] = {}
    totals: dict[int, float] = {}
    scores: dict[int, dict[str, float]] = defaultdict(dict)
    for attempt in attempts:
        definition = definition_of(attempt.version) or {"questions": {}}
        for item in attempt.layout:
            qid = item["qid"]
            q = definition["questions"].get(qid) or {"parts": [], "title": qid}
            stats = per_q.setdefault(
                qid,
                {
                    "qid": qid,
                    "title": q.get("title", qid),
                    "fractions": [],
                    "variants": defaultdict(list),
                    "seconds": [],
                    "choices": {},
                },
            )
            earned = maximum = 0.0
            last = None
            for part in q["parts"]:
                key = f"{qid}.{part['id']}"
                result = attempt.results.get(key) or {}
                earned += float(result.get("points") or 0)
                maximum += float(result.get("max_points") or part.get("points") or 0)
                value, saved_at = answers[attempt.pk].get(key, (None, None))
                if saved_at is not None and (last is None or saved_at > last):
                    last = saved_at
                if part["type"] == "choice":
                    variant = variant_of(definition, qid, item["seed"])
                    order = item["perm"].get(part["id"]) or []
                    counts = stats["choices"].setdefault(part["id"], defaultdict(int))
                    picks = value if isinstance(value, list) else ([] if value in (None, "") else [value])
                    for shown in picks:
                        try:
                            original = order[int(shown)] if order else int(shown)
                        except (ValueError, IndexError, TypeError):
                            continue
                        label = "correct" if original in variant["correct"][part["id"]] else f"option {original}"
                        counts[label] += 1
            fraction = earned / maximum if maximum else 0.0
            stats["fractions"].append(fraction)
            stats["variants"][item["seed"]].append(fraction)
            scores[attempt.pk][qid] = fraction
            if last is not None:
                stats["seconds"].append((last - attempt.started_at).total_seconds())
        totals[attempt.pk] = float(attempt.score or 0)
    rows = []
    for qid, stats in per_q.items():
        ids = [a.pk for a in attempts if qid in scores[a.pk]]
        item_scores = [scores[i][qid] for i in ids]
        rest = [sum(v for k, v in scores[i].items() if k != qid) for i in ids]
        rows.append(
            {
                "qid": qid,
                "title": stats["title"],
                "n": len(stats["fractions"]),
                "difficulty": mean(stats["fractions"]) if stats["fractions"] else None,
                "discrimination": _point_biserial(item_scores, rest),
                "median_seconds": median(stats["seconds"]) if stats["seconds"] else None,
                "choices": {pid: dict(c) for pid, c in stats["choices"].items()},
                "variants": sorted(
                    ({"seed": seed, "n": len(v), "difficulty": mean(v)} for seed, v in stats["variants"].items()),
                    key=lambda r: r["difficulty"],
                ),
            }
        )
    rows.sort(key=lambda r: r["qid"])
    return {"attempts": len(attempts), "questions": rows}
