"""The course import's part for quizzes and exams made of questions (a hook of ``courses.importer``).

For each question an assessment names (``questions/<id>/`` in the course folder) it reads
``question.md`` (in the course's language) + its optional translation, validates ``question.yaml`` (:mod:`assessments.spec`), and
runs ``generate.py`` in the grading sandbox for every seed the question offers (one sandbox run
for all the questions of a course). Every problem lands in the importer's report as
``file: message``, naming the seed for a generator that crashes or returns junk.

The result is content-addressed, like the course's files: the assessment's definition (rendered
HTML with ``{{ name }}`` placeholders, parts with their static answers) and each question's
variants (``params``, ``answers``, rendered options for every seed) are blobs; the activity
version's facts hold their digests and the maximum points. Blobs are written before the import's
transaction, as course files are: harmless if it fails. The page never runs a generator.

A question's text follows the rule of the course's lessons (:mod:`courses.notebook_lang`): the
unsuffixed ``question.md`` is in the course's ``language`` and the translation is the optional
``question.zh.md`` in an English course, ``question.en.md`` in a Chinese one. The definition keeps
the English as ``html`` and the Chinese as ``html_zh`` whichever is the source, and the course's
language as ``language``, so the page can fall back to the source text for a reader whose language
has no translation. ``title``/``title_zh`` and the parts' ``prompt``/``prompt_zh`` in ``question.yaml``
name their language themselves.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import yaml
from django.utils.translation import gettext_noop
from pydantic import ValidationError

from .runner import values
from .spec import QuestionSpec

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
QUESTIONS_DIR = "questions"


def _problem(file: str, message: Any, level: str = "error") -> Any:
    """A line of the importer's report: ``message`` is a courses.importer.Message (translated where shown)."""
    from courses.importer import Problem

    return Problem(file, message, level)


def _m(msgid: str, /, **args: Any) -> Any:
    from courses.importer import Message

    return Message(msgid, **args)


def _question(qid: str) -> Any:
    return _m(gettext_noop("question %(id)r"), id=qid)


def _part(part_id: str, message: Any) -> Any:
    return _m(gettext_noop("part %(id)r: %(message)s"), id=part_id, message=message)


def _slots(spec: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in spec.questions or []:
        if isinstance(item, str):
            out.append({"pool": [item], "draw": 1})
        else:
            out.append({"pool": list(item.pool), "draw": int(item.draw)})
    return out


def _render(text: str) -> str:
    from courses.rendering import markdown_to_html

    return markdown_to_html(text)


def _inline(text: str) -> str:
    html = _render(text).strip()
    # one paragraph: keep it inline inside a label
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html


def _load_question(reader: Any, qid: str) -> dict[str, Any] | None:
    """Read and validate one question folder; None (with problems reported) when it is unusable."""
    base = f"{QUESTIONS_DIR}/{qid}"
    folder = reader.resolve(base)
    if folder is None:
        return None
    if not folder.is_dir():
        reader.problems.append(
            _problem(base, _m(gettext_noop("missing question folder (named by an assessment in the manifest)")))
        )
        return None
    ok = True
    md_rel, md, tr_rel, md_tr = _question_texts(reader, base, qid)
    raw = reader.text(f"{base}/question.yaml", origin=_question(qid))
    source = reader.text(f"{base}/generate.py", origin=_question(qid)) if (folder / "generate.py").is_file() else None
    if md is None or raw is None:
        return None
    md_en, md_zh = (md, md_tr) if reader.language == "en" else (md_tr, md)
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        reader.problems.append(
            _problem(f"{base}/question.yaml", _m(gettext_noop("cannot be parsed: %(error)s"), error=str(exc)))
        )
        return None
    try:
        spec = QuestionSpec.model_validate(data if isinstance(data, dict) else {})
    except ValidationError as exc:
        from courses.importer import schema_problem
        from courses.manifest import format_location

        for err in exc.errors():
            reader.problems.append(schema_problem(f"{base}/question.yaml", format_location(tuple(err["loc"])), err))
        return None
    placeholders = set(PLACEHOLDER.findall(md)) | set(PLACEHOLDER.findall(md_tr))
    for part in spec.parts:
        placeholders |= set(PLACEHOLDER.findall(part.prompt)) | set(PLACEHOLDER.findall(part.prompt_zh))
    if source is None:
        if placeholders:
            ok = False
            reader.problems.append(
                _problem(
                    md_rel,
                    _m(
                        gettext_noop("placeholders %(names)s need a generate.py to fill them"),
                        names=str(sorted(placeholders)),
                    ),
                )
            )
        for part in spec.parts:
            for message in _static_part_problems(part):
                ok = False
                reader.problems.append(_problem(f"{base}/question.yaml", _part(part.id, message)))
    if source is not None and "def generate" not in source:
        reader.problems.append(_problem(f"{base}/generate.py", _m(gettext_noop("defines no function generate(seed)"))))
        return None
    files = {md_rel: md, f"{base}/question.yaml": raw}
    if md_tr:
        files[tr_rel] = md_tr
    if source is not None:
        files[f"{base}/generate.py"] = source
    return {
        "qid": qid,
        "ok": ok,
        "spec": spec,
        "md": md_en,  # English, whichever file it came from
        "md_zh": md_zh,  # Chinese
        "source": source,
        "placeholders": sorted(placeholders),
        "files": files,
    }


def _question_texts(reader: Any, base: str, qid: str) -> tuple[str, str | None, str, str]:
    """``question.md`` (in the course's language) and its optional translation, as (path, text, path, text):
    ``question.zh.md`` in an English course, ``question.en.md`` in a Chinese one (``courses.notebook_lang``).

    A translation named in the course's own language (``question.zh.md`` in a Chinese course) is reported
    with the lessons' words, never silently skipped. A missing ``question.md`` is reported by ``reader.text``
    and leaves its text None.
    """
    from courses.notebook_lang import language_path, translation_path

    md_rel = f"{base}/question.md"
    same = language_path(md_rel, reader.language)
    same_path = reader.resolve(same)
    if same_path is not None and same_path.is_file():
        reader.problems.append(
            _problem(
                same,
                _m(
                    # the lessons' message (courses.importer), word for word: one rule, one wording
                    gettext_noop(
                        "is a translation into the course's own language (course.yaml: language: %(language)s, "
                        "so %(lesson)s is already in it); name the translation %(expected)s"
                    ),
                    language=reader.language_code,
                    lesson=md_rel,
                    expected=translation_path(md_rel, reader.language),
                ),
            )
        )
    md = reader.text(md_rel, origin=_question(qid))
    tr_rel = translation_path(md_rel, reader.language)
    tr_path = reader.resolve(tr_rel)
    md_tr = reader.text(tr_rel, origin=_question(qid)) if tr_path is not None and tr_path.is_file() else None
    return md_rel, md, tr_rel, md_tr or ""


def _static_part_problems(part: Any) -> list[Any]:
    """What is missing for a part without a generator (its answer must be in question.yaml)."""
    if part.type == "choice":
        if len(part.options) < 2:
            return [_m(gettext_noop("a choice part needs at least two 'options'"))]
        if part.answer is None:
            return [_m(gettext_noop("'answer' (option index) is missing"))]
        return []
    if part.type == "circuit":
        if part.target is None and part.target_state is None:
            return [_m(gettext_noop("a circuit part needs 'target' (a circuit) or 'target_state'"))]
        return _circuit_problems(part.target, part.qubits) if part.target is not None else []
    if part.type == "code":
        return []
    if part.answer is None:
        return [_m(gettext_noop("'answer' is missing"))]
    return _answer_problems(part, part.answer)


def _circuit_problems(target: Any, qubits: int) -> list[Any]:
    if not isinstance(target, dict) or not isinstance(target.get("ops"), list):
        return [_m(gettext_noop("a target circuit is {qubits: n, ops: [{gate, targets, controls?, angle?}, ...]}"))]
    from .spec import CIRCUIT_GATES

    out = []
    n = target.get("qubits", qubits)
    for i, op in enumerate(target["ops"]):
        if not isinstance(op, dict) or op.get("gate") not in CIRCUIT_GATES:
            out.append(_m(gettext_noop("target op %(index)s: unknown gate"), index=i))
            continue
        qs = [*(op.get("targets") or []), *(op.get("controls") or [])]
        if not qs or not all(isinstance(q, int) and 0 <= q < n for q in qs):
            out.append(_m(gettext_noop("target op %(index)s: qubits must be 0..%(last)s"), index=i, last=n - 1))
    return out


def _answer_problems(part: Any, answer: Any) -> list[Any]:
    """The correct answer must itself be readable (and graded correct) for data-only types."""
    try:
        if part.type == "numeric":
            values.parse_real(answer)
        elif part.type == "matrix":
            values.parse_matrix(answer)
        elif part.type == "symbolic" and not isinstance(answer, str):
            return [_m(gettext_noop("a symbolic answer is an expression in a string"))]
    except values.ValueParseError as exc:
        return [
            _m(gettext_noop("the answer %(answer)r cannot be read: %(error)s"), answer=str(answer)[:60], error=str(exc))
        ]
    return []


def _variant_problems(q: dict[str, Any], data: dict[str, Any]) -> list[Any]:
    spec: QuestionSpec = q["spec"]
    out = []
    missing = [p for p in q["placeholders"] if p not in data["params"]]
    if missing:
        out.append(_m(gettext_noop("params lack %(names)s (used as placeholders)"), names=str(missing)))
    for part in spec.parts:
        answer = data["answers"].get(part.id, part.answer)
        if part.type == "choice":
            distractors = (data.get("distractors") or {}).get(part.id)
            if part.options:
                if part.id in data["answers"]:
                    picks = answer if isinstance(answer, list) else [answer]
                    if not all(isinstance(p, int) and 0 <= p < len(part.options) for p in picks):
                        out.append(_m(gettext_noop("answers[%(id)r] must be option indices"), id=part.id))
            elif answer is None or not isinstance(distractors, list) or not distractors:
                out.append(
                    _m(gettext_noop("part %(id)r: needs answers[%(id)r] and distractors[%(id)r] (a list)"), id=part.id)
                )
            continue
        if part.type == "circuit":
            target = data["answers"].get(part.id, part.target)
            if target is None and part.target_state is None:
                out.append(_m(gettext_noop("part %(id)r: no target circuit (answers[%(id)r] or target:)"), id=part.id))
            elif isinstance(target, dict) and "ops" in target:
                out.extend(_part(part.id, m) for m in _circuit_problems(target, part.qubits))
            elif isinstance(target, list):
                pass  # a target state as amplitudes
            elif target is not None:
                out.append(
                    _m(gettext_noop("part %(id)r: the target must be a circuit or a list of amplitudes"), id=part.id)
                )
            continue
        if part.type == "code":
            continue
        if answer is None:
            out.append(_m(gettext_noop("part %(id)r: no answer (answers[%(id)r] or answer:)"), id=part.id))
            continue
        out.extend(_part(part.id, m) for m in _answer_problems(part, answer))
    return out


def _seed(seed: int, message: Any) -> Any:
    return _m(gettext_noop("seed %(seed)s: %(message)s"), seed=seed, message=message)


def _sandbox_words(error: Any) -> Any:
    """The generator's own error (its exception, from the sandbox) is shown as it is."""
    return error if not isinstance(error, str) else _m("%(text)s", text=error)


def _part_public(part: Any) -> dict[str, Any]:
    data = part.model_dump(mode="json")
    data["prompt_html"] = _inline(part.prompt) if part.prompt else ""
    data["prompt_zh_html"] = _inline(part.prompt_zh) if part.prompt_zh else ""
    data["options_html"] = [_inline(o) for o in part.options]
    return data


def _variant_record(q: dict[str, Any], data: dict[str, Any] | None) -> dict[str, Any]:
    """One variant as the page and the grader need it: params, answers, rendered choice options."""
    spec: QuestionSpec = q["spec"]
    data = data or {"params": {}, "answers": {}, "distractors": {}}
    options: dict[str, list[str]] = {}
    correct: dict[str, list[int]] = {}
    for part in spec.parts:
        if part.type != "choice":
            continue
        if part.options:
            options[part.id] = [_inline(o) for o in part.options]
            answer = data["answers"].get(part.id, part.answer)
            correct[part.id] = [int(a) for a in (answer if isinstance(answer, list) else [answer])]
        else:
            right = data["answers"][part.id]
            right_list = right if isinstance(right, list) else [right]
            wrong = list(data["distractors"][part.id])
            options[part.id] = [_inline(str(o)) for o in [*right_list, *wrong]]
            correct[part.id] = list(range(len(right_list)))
    return {
        "params": data["params"],
        "answers": data["answers"],
        "distractors": data.get("distractors") or {},
        "options_html": options,
        "correct": correct,
    }


def _run_generators(reader: Any, questions: list[dict[str, Any]]) -> None:
    """Run every generator for all its seeds in one sandbox call; attach variants or report problems."""
    from .sandboxed import QuizSandboxError, generate_variants, sandbox_available

    todo = [q for q in questions if q["source"] is not None and q["ok"] and "variants" not in q]
    for q in questions:
        if q["source"] is None and q["ok"]:
            q["variants"] = [_variant_record(q, None)]
    if not todo:
        return
    if not sandbox_available():
        for q in todo:
            q["ok"] = False
            reader.problems.append(
                _problem(
                    f"{QUESTIONS_DIR}/{q['qid']}/generate.py",
                    _m(gettext_noop("generators run in the grading sandbox, which is not available on this machine")),
                )
            )
        return
    request = [{"key": q["qid"], "source": q["source"], "seeds": list(range(q["spec"].variants))} for q in todo]
    try:
        answer = generate_variants(request)
    except QuizSandboxError as exc:
        for q in todo:
            q["ok"] = False
            reader.problems.append(
                _problem(
                    f"{QUESTIONS_DIR}/{q['qid']}/generate.py",
                    _m(gettext_noop("could not be run: %(error)s"), error=str(exc)),
                )
            )
        return
    for q in todo:
        rel = f"{QUESTIONS_DIR}/{q['qid']}/generate.py"
        result = answer.get(q["qid"]) or {"error": _m(gettext_noop("no answer from the sandbox"))}
        if "error" in result:
            q["ok"] = False
            reader.problems.append(_problem(rel, _sandbox_words(result["error"])))
            continue
        variants = []
        for seed in range(q["spec"].variants):
            outcome = result["seeds"].get(str(seed)) or {"error": _m(gettext_noop("no result"))}
            if "error" in outcome:
                q["ok"] = False
                reader.problems.append(_problem(rel, _seed(seed, _sandbox_words(outcome["error"]))))
                continue
            problems = _variant_problems(q, outcome["data"])
            if problems:
                q["ok"] = False
                reader.problems.extend(_problem(rel, _seed(seed, m)) for m in problems)
                continue
            variants.append(_variant_record(q, outcome["data"]))
        if q["ok"]:
            q["variants"] = variants


def prepare_assessment(reader: Any, act: Any) -> None:
    """The importer's preparer for a quiz, or an exam with ``questions:`` (see the module docstring)."""
    from core.blobs import blob_put
    from courses.enums import FileKind
    from courses.importer import PreparedFile

    spec = act.spec
    slots = _slots(spec)
    cache: dict[str, dict[str, Any] | None] = reader.__dict__.setdefault("_assessment_questions", {})
    wanted = [qid for slot in slots for qid in slot["pool"]]
    for qid in dict.fromkeys(wanted):
        if qid not in cache:
            cache[qid] = _load_question(reader, qid)
    loaded = [q for qid in dict.fromkeys(wanted) if (q := cache[qid]) is not None]
    _run_generators(reader, loaded)
    if any(q is None or not q["ok"] for q in (cache[qid] for qid in wanted)):
        return
    max_points = Decimal(0)
    for slot in slots:
        points = {cache[qid]["spec"].points for qid in slot["pool"]}  # type: ignore[index]
        if len(points) > 1:
            reader.problems.append(
                _problem(
                    "course.yaml",
                    _m(
                        gettext_noop(
                            "activity %(slug)r: the questions of a pool must be worth the same points (%(pool)s)"
                        ),
                        slug=spec.slug,
                        pool=list(slot["pool"]),
                    ),
                )
            )
            return
        max_points += points.pop() * slot["draw"]
    questions: dict[str, Any] = {}
    for qid in dict.fromkeys(wanted):
        q = cache[qid]
        assert q is not None
        qspec: QuestionSpec = q["spec"]
        variants_blob = blob_put(json.dumps(q["variants"], sort_keys=True).encode())
        questions[qid] = {
            "title": qspec.title,
            "title_zh": qspec.title_zh,
            "concepts": qspec.concepts,
            "points": str(qspec.points),
            "html": _render(q["md"]) if q["md"] else "",
            "html_zh": _render(q["md_zh"]) if q["md_zh"] else "",
            "parts": [_part_public(p) for p in qspec.parts],
            "variants_blob": variants_blob,
            "n_variants": len(q["variants"]),
            "generated": q["source"] is not None,
        }
        for path, text in q["files"].items():
            act.files.append(PreparedFile(path=path, kind=FileKind.SOURCE, data=text.encode()))
    definition = {
        "kind": spec.kind,
        "slots": slots,
        "questions": questions,
        "attempts": spec.attempts if spec.attempts is not None else (1 if spec.kind == "exam" else "unlimited"),
        "time_limit_minutes": spec.time_limit_minutes,
        "access_code": spec.access_code,
        "ip_ranges": list(spec.ip_ranges),
        # the language of question.md: the text a reader gets when theirs has no translation
        "language": reader.language,
    }
    act.facts = {
        "max_points": float(max_points),
        "assessment_blob": blob_put(json.dumps(definition, sort_keys=True).encode()),
        "questions": list(dict.fromkeys(wanted)),
    }
    act.body_html = ""  # questions stay hidden until a student starts an attempt
