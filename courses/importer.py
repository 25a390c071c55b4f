"""Import a course folder: validate everything first, then write it in one transaction.

The folder is the source of truth a teacher keeps in git::

    course.yaml | course.toml      the manifest (see courses.manifest)
    lessons/*.md                   lesson text, Markdown + TeX, figures beside it
    practice/*.ipynb               practice notebooks
    assignments/<name>/*.ipynb     nbgrader *source* notebooks, with data files

Re-importing is idempotent: an activity whose files and settings are unchanged keeps its
version; a changed one gets a new :class:`ActivityVersion` while old versions stay for
the submissions that point at them; units and activities that disappear from the
manifest are archived, never deleted. Enrollments are untouched.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, pgettext
from pydantic import ValidationError

from core.blobs import blob_digest, blob_put

from .enums import FileKind, Role
from .manifest import ActivitySpec, CourseSpec, format_location
from .models import Activity, ActivityFile, ActivityVersion, Counting, Course, Enrollment, Unit
from .notebook_lang import BODY_FIELDS, language_path, notebook_language, translation_language, translation_path

MANIFEST_NAMES = ("course.yaml", "course.yml", "course.toml")
MAX_FILE_BYTES = 20 * 1024 * 1024
IGNORED_PARTS = {".ipynb_checkpoints", "__pycache__", ".git", ".DS_Store"}


class Message:
    """One line (or part of a line) of an import report: an English message id and its parameters.

    The report is stored this way (:meth:`to_json`) and translated where it is *shown*
    (:func:`render_report`, in the viewer's language), not where the import ran: a teacher may
    switch language later, an administrator may read a teacher's report. ``str()`` is the
    English text, the same words the shell (``manage.py import_course``) prints.

    ``msgid`` is a gettext message id (marked with ``gettext_noop`` where it is written) with
    ``%(name)s`` placeholders; a parameter is plain text (a file name, a slug, a tool's own
    words: never translated), a number, another :class:`Message`, or a list of those (joined
    with the language's list separator).
    """

    __slots__ = ("args", "msgid")

    def __init__(self, msgid: str, /, **args: Any) -> None:
        self.msgid = msgid
        self.args: dict[str, Any] = args

    def render(self, *, translate: bool = False) -> str:
        """The text: English, or (``translate=True``) in the active language."""
        text = gettext(self.msgid) if translate and self.msgid else self.msgid
        if not self.args:
            return text
        values = {name: _render_value(value, translate=translate) for name, value in self.args.items()}
        try:
            return text % values
        except (KeyError, ValueError, TypeError):  # a broken translation must not hide the report
            return self.msgid % values

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, **{self.args!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and (self.msgid, self.args) == (other.msgid, other.args)

    def __hash__(self) -> int:
        return hash(self.msgid)

    def to_json(self) -> dict[str, Any]:
        return {"msg": self.msgid, "args": {name: _value_json(value) for name, value in self.args.items()}}

    @classmethod
    def from_json(cls, data: Any) -> Message | str:
        """A stored line back: a ``{"msg", "args"}`` mapping, or a plain string (a row from before)."""
        if isinstance(data, dict) and isinstance(data.get("msg"), str):
            raw = data.get("args")
            args: dict[Any, Any] = raw if isinstance(raw, dict) else {}
            return cls(data["msg"], **{str(k): _value_from_json(v) for k, v in args.items()})
        return data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)


def _render_value(value: Any, *, translate: bool) -> Any:
    if isinstance(value, Message):
        return value.render(translate=translate)
    if isinstance(value, list | tuple):
        sep = pgettext("list separator", ", ") if translate else ", "
        return sep.join(str(_render_value(v, translate=translate)) for v in value)
    return value


def _value_json(value: Any) -> Any:
    if isinstance(value, Message):
        return value.to_json()
    if isinstance(value, list | tuple):
        return [_value_json(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _value_from_json(value: Any) -> Any:
    if isinstance(value, dict):
        return Message.from_json(value)
    if isinstance(value, list):
        return [_value_from_json(v) for v in value]
    return value


def render_report(value: Any) -> str:
    """A stored report line in the active language (the viewer's).

    ``value`` is what :meth:`Message.to_json` wrote, a list of those (the parts of a summary,
    joined as the language joins clauses), or a plain string, which an import stored before
    reports were translatable: shown as it is.
    """
    if isinstance(value, list):
        return pgettext("clause separator", "; ").join(render_report(v) for v in value)
    message = Message.from_json(value)
    return message.render(translate=True) if isinstance(message, Message) else message


def _activity(slug: str) -> Message:
    return Message(gettext_noop("activity %(slug)r"), slug=slug)


def _verbatim(text: str) -> Message:
    """Text from elsewhere (a parser's, nbgrader's, the sandbox's words): shown as it is in every language."""
    return Message("%(text)s", text=text)


@dataclass(frozen=True)
class Problem:
    """One line of an import report: the file (and cell, in the message) and what is wrong.

    The CLI prints ``str(problem)`` (English); the web stores :meth:`line`'s JSON and shows it
    in the viewer's language: the same words in both places for an English reader.
    ``message`` is a :class:`Message`, or plain text that is shown as it is.
    """

    file: str
    message: Message | str
    level: str = "error"  # or "warning": reported, does not stop the import

    def line(self) -> Message:
        message = self.message if isinstance(self.message, Message) else _verbatim(self.message)
        if self.level == "warning":
            return Message(gettext_noop("%(file)s: warning: %(message)s"), file=self.file, message=message)
        return Message(gettext_noop("%(file)s: %(message)s"), file=self.file, message=message)

    def __str__(self) -> str:
        return str(self.line())


# pydantic's own words for the schema errors a manifest or a question.yaml usually has, as message ids
# (placeholders named after the error's context). One is used only when it gives exactly pydantic's
# English; any other error is shown in pydantic's words.
_SCHEMA_MESSAGES: dict[str, str] = {
    "missing": gettext_noop("Field required"),
    "string_type": gettext_noop("Input should be a valid string"),
    "int_type": gettext_noop("Input should be a valid integer"),
    "int_parsing": gettext_noop("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": gettext_noop("Input should be a valid integer, got a number with a fractional part"),
    "float_type": gettext_noop("Input should be a valid number"),
    "float_parsing": gettext_noop("Input should be a valid number, unable to parse string as a number"),
    "decimal_type": gettext_noop("Decimal input should be an integer, float, string or Decimal object"),
    "decimal_parsing": gettext_noop("Input should be a valid decimal"),
    "bool_type": gettext_noop("Input should be a valid boolean"),
    "bool_parsing": gettext_noop("Input should be a valid boolean, unable to interpret input"),
    "list_type": gettext_noop("Input should be a valid list"),
    "dict_type": gettext_noop("Input should be a valid dictionary"),
    "model_type": gettext_noop("Input should be a valid dictionary or instance of %(class_name)s"),
    "literal_error": gettext_noop("Input should be %(expected)s"),
    "enum": gettext_noop("Input should be %(expected)s"),
    "string_pattern_mismatch": gettext_noop("String should match pattern '%(pattern)s'"),
    "greater_than": gettext_noop("Input should be greater than %(gt)s"),
    "greater_than_equal": gettext_noop("Input should be greater than or equal to %(ge)s"),
    "less_than": gettext_noop("Input should be less than %(lt)s"),
    "less_than_equal": gettext_noop("Input should be less than or equal to %(le)s"),
    "datetime_parsing": gettext_noop("Input should be a valid datetime, %(error)s"),
    "datetime_from_date_parsing": gettext_noop("Input should be a valid datetime or date, %(error)s"),
    "date_parsing": gettext_noop("Input should be a valid date in the format YYYY-MM-DD, %(error)s"),
    "value_error": gettext_noop("Value error, %(error)s"),
}

# The manifest's and the question files' own rules (courses.manifest, assessments.spec) that are
# fixed sentences: looked up in the catalogue by their English words.
_RULE_SENTENCES = (
    gettext_noop("must be a relative path inside the course folder, with forward slashes and no '..'"),
    gettext_noop("a question appears twice in the pool"),
    gettext_noop("late_policy applies to notebook assignments: a quiz closes at its due time"),
    gettext_noop("due is before release"),
    gettext_noop("late_policy applies to assignments and exams only"),
    gettext_noop("counting applies to assignments and exams only"),
    gettext_noop("a single-choice part has exactly one answer"),
    gettext_noop("a code part needs 'function' and 'cases'"),
    gettext_noop("'options' is for choice parts"),
    gettext_noop("two parts share an id"),
)


# The manifest's and the question files' rules with parameters: (pattern, message id); the
# parameters are the manifest's own words (a kind, a key, a slug) and are not translated.
_RULE_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        r"questions, attempts, time_limit_minutes, access_code and ip_ranges are for quizzes and exams",
        gettext_noop("questions, attempts, time_limit_minutes, access_code and ip_ranges are for quizzes and exams"),
    ),
    (
        r"a (?P<kind>\w+) made of questions needs a non-empty 'questions' list",
        gettext_noop("a %(kind)s made of questions needs a non-empty 'questions' list"),
    ),
    (
        r"a (?P<kind>\w+) with questions takes no (?P<keys>.+)",
        gettext_noop("a %(kind)s with questions takes no %(keys)s"),
    ),
    (r"a (?P<kind>\w+) needs '(?P<key>\w+)'", gettext_noop("a %(kind)s needs '%(key)s'")),
    (
        r"a (?P<kind>\w+) takes '(?P<key>\w+)', not (?P<keys>.+)",
        gettext_noop("a %(kind)s takes '%(key)s', not %(keys)s"),
    ),
    (
        r"draw (?P<draw>\d+) is more than the pool's (?P<size>\d+) questions",
        gettext_noop("draw %(draw)s is more than the pool's %(size)s questions"),
    ),
    (
        r"(?P<item>.+) is not an IP address or range \(CIDR\)",
        gettext_noop("%(item)s is not an IP address or range (CIDR)"),
    ),
    (r"duplicate unit slug (?P<slug>.+)", gettext_noop("duplicate unit slug %(slug)s")),
    (
        r"duplicate activity slug (?P<slug>.+) \(in unit (?P<unit>.+)\)",
        gettext_noop("duplicate activity slug %(slug)s (in unit %(unit)s)"),
    ),
    (r"answer must be option indices 0\.\.(?P<last>-?\d+)", gettext_noop("answer must be option indices 0..%(last)s")),
)


def _matched(text: str, patterns: Any) -> Message | None:
    """The first pattern's message that gives back exactly ``text`` in English, or None."""
    for pattern, msgid, *rest in patterns:
        match = re.fullmatch(pattern, text, re.S)
        if match is None:
            continue
        convert: dict[str, Any] = rest[0] if rest else {}
        args = {name: convert.get(name, str)(value) for name, value in match.groupdict().items() if value is not None}
        message = Message(msgid, **args)
        if str(message) == text:
            return message
    return None


def _known_sentence(text: str) -> Message:
    """A rule of another module (courses.manifest, assessments.spec): translated when known, else as it is."""
    if text in _RULE_SENTENCES:
        return Message(text)
    return _matched(text, _RULE_PATTERNS) or _verbatim(text)


def schema_message(err: Any) -> Message:
    """One pydantic error (of ``ValidationError.errors()``) as a report message."""
    if err["type"] == "extra_forbidden":
        return Message(gettext_noop("unknown key (check its spelling)"))
    msgid = _SCHEMA_MESSAGES.get(err["type"])
    ctx = dict(err.get("ctx") or {})
    if msgid is not None:
        args: dict[str, Any] = {k: str(v) for k, v in ctx.items() if f"%({k})s" in msgid}
        if err["type"] == "value_error" and "error" in ctx:
            args["error"] = _known_sentence(str(ctx["error"]))
        message = Message(msgid, **args)
        try:
            if str(message) == err["msg"]:
                return message
        except (KeyError, ValueError, TypeError):
            pass
    return _verbatim(str(err["msg"]))


def schema_problem(file: str, where: str, err: Any) -> Problem:
    """``file: location: message`` for one pydantic error."""
    return Problem(file, Message(gettext_noop("%(where)s: %(message)s"), where=where, message=schema_message(err)))


# The grading app's words about a source notebook (grading.authoring) as message ids: each line
# it writes is matched here and translated; one that matches no pattern is shown as it is.
_RUN_LABELS = {
    "reference solution": gettext_noop("reference solution"),
    "blank student version": gettext_noop("blank student version"),
}
_CELL_KINDS = {"autograded answer": gettext_noop("autograded answer"), "answer": gettext_noop("answer")}


def _cell(where: str) -> Message | str:
    match = re.fullmatch(r"cell (\d+) \('(.*)'\)", where, re.S) or re.fullmatch(r"cell (\d+)", where)
    if match is None:
        return where
    if match.lastindex == 2:
        return Message(gettext_noop("cell %(number)s (%(grade_id)r)"), number=match[1], grade_id=match[2])
    return Message(gettext_noop("cell %(number)s"), number=match[1])


def _label(text: str) -> Message | str:
    return Message(_RUN_LABELS[text]) if text in _RUN_LABELS else text


def _kind(text: str) -> Message | str:
    return Message(_CELL_KINDS[text]) if text in _CELL_KINDS else text


_WHERE = r"(?P<where>cell \d+(?: \('.*?'\))?)"
_GRADING_PATTERNS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        _WHERE + r": the nbgrader metadata is not a mapping",
        gettext_noop("%(where)s: the nbgrader metadata is not a mapping"),
        {"where": _cell},
    ),
    (
        _WHERE + r": duplicate grade_id \(first used by cell (?P<first>\d+)\)",
        gettext_noop("%(where)s: duplicate grade_id (first used by cell %(first)s)"),
        {"where": _cell},
    ),
    (
        _WHERE + r": has nbgrader metadata but no grade_id",
        gettext_noop("%(where)s: has nbgrader metadata but no grade_id"),
        {"where": _cell},
    ),
    (
        _WHERE + r": points (?P<points>.*) is not a number",
        gettext_noop("%(where)s: points %(points)s is not a number"),
        {"where": _cell},
    ),
    (
        _WHERE + r": the nbgrader metadata lacks (?P<key>.*)",
        gettext_noop("%(where)s: the nbgrader metadata lacks %(key)s"),
        {"where": _cell},
    ),
    (
        _WHERE + r": this (?P<kind>autograded answer|answer) cell has no BEGIN/END SOLUTION markers, so nbgrader "
        r"blanks all of it for students, including the text (?P<text>.*): put the question in a cell of its own",
        gettext_noop(
            "%(where)s: this %(kind)s cell has no BEGIN/END SOLUTION markers, so nbgrader blanks all of it for "
            "students, including the text %(text)s: put the question in a cell of its own"
        ),
        {"where": _cell, "kind": _kind},
    ),
    (
        r"not a valid notebook: (?P<error>.*)",
        gettext_noop("not a valid notebook: %(error)s"),
        {},
    ),
    (
        r"the (?P<label>.+?) timed out in (?P<cell>.+?) in both of two runs \(each cell may take (?P<cell_s>\S+) s, "
        r"the whole notebook (?P<wall_s>\S+) s\): make it faster or raise GRADING_CELL_TIMEOUT / GRADING_JOB_WALL_SECONDS",
        gettext_noop(
            "the %(label)s timed out in %(cell)s in both of two runs (each cell may take %(cell_s)s s, the whole "
            "notebook %(wall_s)s s): make it faster or raise GRADING_CELL_TIMEOUT / GRADING_JOB_WALL_SECONDS"
        ),
        {"label": _label},
    ),
    (
        r"the (?P<label>.+?) timed out in both of two runs \(each cell may take (?P<cell_s>\S+) s, "
        r"the whole notebook (?P<wall_s>\S+) s\): make it faster or raise GRADING_CELL_TIMEOUT / GRADING_JOB_WALL_SECONDS",
        gettext_noop(
            "the %(label)s timed out in both of two runs (each cell may take %(cell_s)s s, the whole notebook "
            "%(wall_s)s s): make it faster or raise GRADING_CELL_TIMEOUT / GRADING_JOB_WALL_SECONDS"
        ),
        {"label": _label},
    ),
    (
        r"the (?P<label>.+?) did not run to the end \((?P<status>[^)]*)\): (?P<last>.*)",
        gettext_noop("the %(label)s did not run to the end (%(status)s): %(last)s"),
        {"label": _label},
    ),
    (
        r"cell '(?P<grade_id>.*?)' needs the student's live objects in trusted mode \((?P<reason>.*)\); "
        r"mark it trusted: false",
        gettext_noop(
            "cell '%(grade_id)s' needs the student's live objects in trusted mode (%(reason)s); mark it trusted: false"
        ),
        {},
    ),
    (
        r"cell (?P<grade_id>.+?): the (?P<label>reference solution|blank student version) scores (?P<score>\S+) "
        r"of (?P<max>\S+) \(expected (?P<want>\S+)\)",
        gettext_noop("cell %(grade_id)s: the %(label)s scores %(score)s of %(max)s (expected %(want)s)"),
        {"label": _label},
    ),
    (  # nbgrader's own words about a cell's metadata, after the cell
        _WHERE + r": (?P<detail>.*)",
        gettext_noop("%(where)s: %(detail)s"),
        {"where": _cell},
    ),
)


def grading_message(text: str) -> Message:
    """A line of grading.authoring (a source notebook's problem or warning) as a report message."""
    return _matched(text, _GRADING_PATTERNS) or _verbatim(text)


class CourseImportError(Exception):
    """The folder cannot be imported; ``problems`` names each file and what is wrong.

    Errors first, then the warnings found in the same pass (they are worth fixing in the
    same round).
    """

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None):
        self.problems = [*problems, *(warnings or [])]
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class PreparedFile:
    path: str
    kind: FileKind
    data: bytes
    blob: str = ""


@dataclass
class PreparedActivity:
    spec: ActivitySpec
    unit_slug: str
    order: int
    files: list[PreparedFile] = field(default_factory=list)
    body_html: str = ""
    body_html_zh: str = ""  # the Simplified Chinese rendering, when the folder has one
    facts: dict[str, Any] = field(default_factory=dict)
    digest: str = ""


@dataclass
class ImportReport:
    course: Course
    created: bool
    unchanged: bool
    new_versions: list[str] = field(default_factory=list)
    archived_lines: list[Message] = field(default_factory=list)
    verified: list[str] = field(default_factory=list)
    warning_lines: list[Message] = field(default_factory=list)

    @property
    def archived(self) -> list[str]:
        """What the import archived, in English (``unit x``, ``activity y``)."""
        return [str(a) for a in self.archived_lines]

    @property
    def warnings(self) -> list[str]:
        """The warnings in English (the shell's words)."""
        return [str(w) for w in self.warning_lines]

    def summary_parts(self) -> list[Message]:
        """The summary's clauses, stored as they are and shown in the reader's language."""
        slug = self.course.slug
        if self.unchanged:
            return [Message(gettext_noop("%(course)s: unchanged"), course=slug)]
        if self.created:
            parts = [Message(gettext_noop("%(course)s: created"), course=slug)]
        else:
            parts = [Message(gettext_noop("%(course)s: updated"), course=slug)]
        parts.append(Message(gettext_noop("%(count)s new activity version(s)"), count=len(self.new_versions)))
        if self.archived_lines:
            parts.append(Message(gettext_noop("archived %(items)s"), items=list(self.archived_lines)))
        if self.verified:
            parts.append(Message(gettext_noop("verified %(slugs)s"), slugs=list(self.verified)))
        return [*parts, *self.warning_lines]

    def summary(self) -> str:
        """The summary in English, as the shell prints it."""
        return "; ".join(str(part) for part in self.summary_parts())


class _ManifestLoader(yaml.SafeLoader):
    """YAML without implicit timestamps: dates reach the schema as text, so a bad one gets a clear message."""


_ManifestLoader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_manifest(root: Path) -> tuple[str, dict[str, Any]]:
    present = [name for name in MANIFEST_NAMES if (root / name).is_file()]
    if not present:
        raise CourseImportError(
            [Problem(str(root), Message(gettext_noop("no manifest: add one of %(names)s"), names=list(MANIFEST_NAMES)))]
        )
    if len(present) > 1:
        raise CourseImportError(
            [Problem(str(root), Message(gettext_noop("more than one manifest: %(names)s"), names=present))]
        )
    name = present[0]
    text = (root / name).read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text) if name.endswith(".toml") else yaml.load(text, Loader=_ManifestLoader)  # noqa: S506
    except (yaml.YAMLError, tomllib.TOMLDecodeError, ValueError) as exc:
        raise CourseImportError(
            [Problem(name, Message(gettext_noop("cannot be parsed: %(error)s"), error=str(exc)))]
        ) from None
    if not isinstance(data, dict):
        raise CourseImportError(
            [Problem(name, Message(gettext_noop("must be a mapping of keys (slug, title, units, ...)")))]
        )
    return name, data


def _schema_problems(name: str, exc: ValidationError, prefix: tuple[int | str, ...] = ()) -> list[Problem]:
    problems = []
    for err in exc.errors():
        problems.append(schema_problem(name, format_location((*prefix, *tuple(err["loc"]))), err))
    return problems


def _validate(name: str, data: dict[str, Any]) -> tuple[CourseSpec | None, list[Problem]]:
    try:
        return CourseSpec.model_validate(data), []
    except ValidationError as exc:
        return None, _schema_problems(name, exc)


def _salvage_activities(data: dict[str, Any]) -> list[tuple[str, int, ActivitySpec]]:
    """The activities of a manifest that fails validation which are valid on their own.

    Their files and notebooks are still checked, so one report names the manifest's problems
    and the files' problems together, instead of one round for each.
    """
    out: list[tuple[str, int, ActivitySpec]] = []
    units = data.get("units")
    if not isinstance(units, list):
        return out
    for unit in units:
        if not isinstance(unit, dict) or not isinstance(unit.get("activities"), list):
            continue
        unit_slug = str(unit.get("slug") or "")
        for order, raw in enumerate(unit["activities"]):
            try:
                out.append((unit_slug, order, ActivitySpec.model_validate(raw)))
            except (ValidationError, TypeError, ValueError):
                continue  # already reported by the whole manifest's validation
    return out


class _Reader:
    """Reads files inside the course folder only, collecting problems instead of stopping at the first."""

    def __init__(self, root: Path, language: str | None = None):
        self.root = root.resolve()
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        # the course's language: the language of its unsuffixed files (courses.notebook_lang)
        self.language = notebook_language(language)
        self.language_code = language or "en"

    def resolve(self, rel: str) -> Path | None:
        path = (self.root / rel).resolve()
        if self.root not in path.parents and path != self.root:
            self.problems.append(Problem(rel, Message(gettext_noop("points outside the course folder"))))
            return None
        return path

    def read(self, rel: str, *, origin: Message | str) -> bytes | None:
        path = self.resolve(rel)
        if path is None:
            return None
        if not path.is_file():
            self.problems.append(
                Problem(rel, Message(gettext_noop("missing file (named by %(origin)s)"), origin=origin))
            )
            return None
        if path.stat().st_size > MAX_FILE_BYTES:
            self.problems.append(
                Problem(rel, Message(gettext_noop("larger than %(mib)s MiB"), mib=MAX_FILE_BYTES // (1024 * 1024)))
            )
            return None
        return path.read_bytes()

    def text(self, rel: str, *, origin: Message | str) -> str | None:
        data = self.read(rel, origin=origin)
        if data is None:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            self.problems.append(Problem(rel, Message(gettext_noop("is not UTF-8 text"))))
            return None

    def notebook(self, rel: str, *, origin: Message | str) -> str | None:
        import nbformat

        text = self.text(rel, origin=origin)
        if text is None:
            return None
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            self.problems.append(
                Problem(
                    rel,
                    Message(
                        gettext_noop("invalid notebook JSON: %(error)s at line %(line)s, column %(column)s"),
                        error=exc.msg,
                        line=exc.lineno,
                        column=exc.colno,
                    ),
                )
            )
            return None
        try:
            nb = nbformat.reads(text, as_version=4)
            nbformat.validate(nb)
        except Exception as exc:  # nbformat raises several kinds for a malformed notebook
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self.problems.append(
                Problem(rel, Message(gettext_noop("not a valid Jupyter notebook: %(error)s"), error=first))
            )
            return None
        return text


def _prepare_lesson(reader: _Reader, act: PreparedActivity) -> None:
    from .rendering import markdown_to_html, relative_image_paths

    rel = act.spec.file or ""
    text = reader.text(rel, origin=_activity(act.spec.slug))
    if text is None:
        return
    act.files.append(PreparedFile(path=PurePosixPath(rel).name, kind=FileKind.LESSON, data=text.encode()))
    html = markdown_to_html(text)
    # The lesson is in the course's language; its translation sits beside it: intro.md + intro.zh.md in
    # an English course, intro.md + intro.en.md in a Chinese one. It is optional; when present it is
    # rendered and sanitised the same way, and is part of the version (its digest included).
    source, other = reader.language, translation_language(reader.language)
    same = language_path(rel, source)  # intro.zh.md in a Chinese course: a mistake, never silently skipped
    same_path = reader.resolve(same)
    if same_path and same_path.is_file() and same != rel:
        reader.problems.append(
            Problem(
                same,
                Message(
                    gettext_noop(
                        "is a translation into the course's own language (course.yaml: language: %(language)s, "
                        "so %(lesson)s is already in it); name the translation %(expected)s"
                    ),
                    language=reader.language_code,
                    lesson=rel,
                    expected=translation_path(rel, source),
                ),
            )
        )
    tr_rel = translation_path(rel, source)
    tr_path = reader.resolve(tr_rel)
    tr_text = reader.text(tr_rel, origin=_activity(act.spec.slug)) if tr_path and tr_path.is_file() else None
    tr_html = ""
    if tr_text is not None:
        act.files.append(PreparedFile(path=PurePosixPath(tr_rel).name, kind=FileKind.LESSON, data=tr_text.encode()))
        tr_html = markdown_to_html(tr_text)
    base = posixpath.dirname(rel)
    seen: set[str] = set()
    for src in [*relative_image_paths(html), *relative_image_paths(tr_html)]:
        path = posixpath.normpath(src)
        if path in seen:
            continue
        seen.add(path)
        target = posixpath.normpath(posixpath.join(base, src))
        data = reader.read(target, origin=Message(gettext_noop("an image in %(file)s"), file=rel))
        if data is not None:
            act.files.append(PreparedFile(path=path, kind=FileKind.ASSET, data=data))
    _set_bodies(act, {source: html, other: tr_html})


def _set_bodies(act: PreparedActivity, by_language: dict[str, str]) -> None:
    """Store rendered text by language (``body_html`` English, ``body_html_zh`` Chinese), whichever is the source."""
    for lang, html in by_language.items():
        setattr(act, BODY_FIELDS[lang], html)


def _check_translation_keys(reader: _Reader, rel: str, text: str) -> None:
    """A notebook of a Chinese course keeps its English in ``metadata.liangzhi.en`` (and an English course
    its Chinese in ``.zh``): a Markdown cell that carries the course's own language there is a mistake
    (the text would never be shown as a translation), reported rather than silently ignored."""
    try:
        nb = json.loads(text)
    except ValueError:
        return
    cells = nb.get("cells") if isinstance(nb, dict) else None
    wrong = [
        i + 1
        for i, cell in enumerate(cells if isinstance(cells, list) else [])
        if isinstance(cell, dict)
        and cell.get("cell_type") == "markdown"
        and isinstance((cell.get("metadata") or {}).get("liangzhi"), dict)
        and reader.language in cell["metadata"]["liangzhi"]
    ]
    if wrong:
        reader.problems.append(
            Problem(
                rel,
                Message(
                    gettext_noop(
                        "Markdown cells %(cells)s keep a translation under metadata.liangzhi.%(key)s, the course's "
                        "own language (course.yaml: language: %(language)s, so their source is already in it); "
                        "put the translation under metadata.liangzhi.%(expected)s"
                    ),
                    cells=", ".join(map(str, wrong[:10])) + (", ..." if len(wrong) > 10 else ""),
                    key=reader.language,
                    language=reader.language_code,
                    expected=translation_language(reader.language),
                ),
            )
        )


def _prepare_practice(reader: _Reader, act: PreparedActivity) -> None:
    from .rendering import notebook_to_html, translated_notebook

    rel = act.spec.notebook or ""
    text = reader.notebook(rel, origin=_activity(act.spec.slug))
    if text is None:
        return
    _check_translation_keys(reader, rel, text)
    act.files.append(PreparedFile(path=PurePosixPath(rel).name, kind=FileKind.NOTEBOOK, data=text.encode()))
    other = translation_language(reader.language)
    translated = translated_notebook(text, other)  # Markdown cells' metadata.liangzhi.<other>
    _set_bodies(
        act, {reader.language: notebook_to_html(text), other: notebook_to_html(translated) if translated else ""}
    )


def _prepare_assignment(reader: _Reader, act: PreparedActivity) -> None:
    from grading.authoring import AuthoringError, prepare_notebook

    from .rendering import notebook_to_html, translated_notebook

    rel = (act.spec.folder or "").rstrip("/")
    folder = reader.resolve(rel)
    if folder is None:
        return
    if not folder.is_dir():
        reader.problems.append(
            Problem(rel, Message(gettext_noop("missing folder (named by %(origin)s)"), origin=_activity(act.spec.slug)))
        )
        return
    entries = sorted(
        p for p in folder.rglob("*") if p.is_file() and not (set(p.relative_to(folder).parts) & IGNORED_PARTS)
    )
    notebooks = [p for p in entries if p.suffix == ".ipynb"]
    if not notebooks:
        reader.problems.append(Problem(rel, Message(gettext_noop("has no .ipynb notebook (nbgrader source format)"))))
        return
    graded: list[dict[str, Any]] = []
    previews = []
    previews_tr: list[str] = []
    translated = False
    other = translation_language(reader.language)
    for path in entries:
        inner = path.relative_to(folder).as_posix()
        file_rel = f"{rel}/{inner}"
        if path.suffix != ".ipynb":
            data = reader.read(file_rel, origin=_activity(act.spec.slug))
            if data is not None:
                act.files.append(PreparedFile(path=inner, kind=FileKind.DATA, data=data))
            continue
        text = reader.notebook(file_rel, origin=_activity(act.spec.slug))
        if text is None:
            continue
        _check_translation_keys(reader, file_rel, text)
        try:
            prepared = prepare_notebook(text, name=file_rel)
        except AuthoringError as exc:
            reader.problems.extend(
                Problem(file_rel, grading_message(line.removeprefix(f"{file_rel}: "))) for line in exc.problems
            )
            reader.warnings.extend(
                Problem(file_rel, grading_message(line.removeprefix(f"{file_rel}: ")), level="warning")
                for line in exc.warnings
            )
            continue
        reader.warnings.extend(
            Problem(file_rel, grading_message(line.removeprefix(f"{file_rel}: ")), level="warning")
            for line in prepared.warnings
        )
        act.files.append(PreparedFile(path=inner, kind=FileKind.SOURCE, data=text.encode()))
        act.files.append(PreparedFile(path=inner, kind=FileKind.NOTEBOOK, data=prepared.student_json.encode()))
        graded.append(
            {"notebook": inner, "cells": [vars(c) for c in prepared.cells], "max_points": prepared.max_points}
        )
        previews.append(notebook_to_html(prepared.student_json))
        # nbgrader keeps cell metadata in the student version: the translations travel with it.
        tr = translated_notebook(prepared.student_json, other)
        translated = translated or tr is not None
        previews_tr.append(notebook_to_html(tr) if tr is not None else previews[-1])
    # Source and student notebooks share a path but differ in kind: keep paths unique per version.
    for f in act.files:
        if f.kind == FileKind.SOURCE:
            f.path = f"source/{f.path}"
    act.facts = {"notebooks": graded, "max_points": sum(n["max_points"] for n in graded)}
    _set_bodies(act, {reader.language: "\n".join(previews), other: "\n".join(previews_tr) if translated else ""})


def _prepare_extra_files(reader: _Reader, act: PreparedActivity) -> None:
    for rel in act.spec.files:
        data = reader.read(rel, origin=_activity(act.spec.slug))
        if data is not None:
            act.files.append(PreparedFile(path=PurePosixPath(rel).name, kind=FileKind.DATA, data=data))


def _prepare_competition(reader: _Reader, act: PreparedActivity) -> None:
    from .rendering import markdown_to_html

    if act.spec.file:
        text = reader.text(act.spec.file, origin=_activity(act.spec.slug))
        if text is not None:
            act.files.append(
                PreparedFile(path=PurePosixPath(act.spec.file).name, kind=FileKind.LESSON, data=text.encode())
            )
            act.body_html = markdown_to_html(text)


def _prepare_questions(reader: _Reader, act: PreparedActivity) -> None:
    # A quiz, or an exam made of questions/<id>/ folders: the assessments app validates them.
    from assessments.importing import prepare_assessment

    prepare_assessment(reader, act)


def _prepare_exam(reader: _Reader, act: PreparedActivity) -> None:
    if act.spec.questions is not None:
        _prepare_questions(reader, act)
    else:
        _prepare_assignment(reader, act)


PREPARERS = {
    "lesson": _prepare_lesson,
    "practice": _prepare_practice,
    "assignment": _prepare_assignment,
    "exam": _prepare_exam,
    "competition": _prepare_competition,
    "quiz": _prepare_questions,
}


def _activity_digest(act: PreparedActivity) -> str:
    spec = act.spec.model_dump(
        mode="json", exclude={"release", "due", "title", "title_zh", "summary", "summary_zh", "counting"}
    )
    h = hashlib.sha256(json.dumps(spec, sort_keys=True).encode())
    for f in sorted(act.files, key=lambda f: (f.path, f.kind)):
        h.update(f"\0{f.path}\0{f.kind}\0{f.blob}".encode())
    return h.hexdigest()


def prepare_folder(root: Path) -> tuple[CourseSpec, list[PreparedActivity], str]:
    """Validate and render everything, touching no database row. Raises CourseImportError.

    One pass finds every problem it can: a manifest that breaks the schema still has its
    valid activities' files and notebooks checked, so the report names both at once.
    """
    spec, prepared, _name, data, reader = _prepare_all(Path(root))
    if reader.problems or spec is None:
        raise CourseImportError(reader.problems, reader.warnings)
    return _finish_prepared(spec, prepared, data, reader)


def _prepare_all(
    root: Path,
) -> tuple[CourseSpec | None, list[PreparedActivity], str, dict[str, Any], _Reader]:
    if not root.is_dir():
        raise CourseImportError([Problem(str(root), Message(gettext_noop("is not a folder")))])
    name, data = _read_manifest(root)
    spec, schema_problems = _validate(name, data)
    language = spec.language if spec is not None else data.get("language") if isinstance(data, dict) else None
    reader = _Reader(root, language if isinstance(language, str) else None)
    reader.problems.extend(schema_problems)
    if spec is not None:
        activities = [(unit.slug, order, a) for unit in spec.units for order, a in enumerate(unit.activities)]
    else:
        activities = _salvage_activities(data)
    prepared: list[PreparedActivity] = []
    for unit_slug, order, act_spec in activities:
        act = PreparedActivity(spec=act_spec, unit_slug=unit_slug, order=order)
        PREPARERS[act_spec.kind](reader, act)
        _prepare_extra_files(reader, act)
        paths = [f.path for f in act.files]
        if len(paths) != len(set(paths)):
            dupes = sorted({p for p in paths if paths.count(p) > 1})
            reader.problems.append(
                Problem(
                    name,
                    Message(
                        gettext_noop("activity %(slug)r has two files named %(files)s"), slug=act_spec.slug, files=dupes
                    ),
                )
            )
        prepared.append(act)
    return spec, prepared, name, data, reader


def _finish_prepared(
    spec: CourseSpec, prepared: list[PreparedActivity], data: dict[str, Any], reader: _Reader
) -> tuple[CourseSpec, list[PreparedActivity], str]:
    folder_hash = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode())
    for act in prepared:
        for f in act.files:
            f.blob = blob_put(f.data)  # content-addressed: harmless if the transaction below fails
        act.digest = _activity_digest(act)
        folder_hash.update(act.digest.encode())
    return spec, prepared, folder_hash.hexdigest()


def _digest_only(act: PreparedActivity) -> None:
    # The verification of a folder that has other problems needs the digests (to skip unchanged
    # assignments) but must not store blobs of a folder that will be refused anyway.
    for f in act.files:
        f.blob = blob_digest(f.data)  # the address blob_put will give it, nothing stored
    act.digest = _activity_digest(act)


def _localise_images(act: Activity, version: ActivityVersion, html: str) -> str:
    from django.urls import reverse

    from .rendering import rewrite_image_sources

    # Figures beside a lesson are assets; an assignment folder's files (its notebooks'
    # images among them) are data files that also go to the lab and to grading.
    assets = {f.path for f in version.files.filter(kind__in=(FileKind.ASSET, FileKind.DATA))}

    def resolve(src: str) -> str | None:
        path = posixpath.normpath(src)
        if path not in assets:
            return None
        return reverse("courses:activity_file", args=[act.course.slug, act.slug, path])

    return rewrite_image_sources(html, resolve)


def verify_assignments(prepared: list[PreparedActivity], *, known: dict[str, str]) -> tuple[list[str], list[str]]:
    verified, warnings, problems = _verify_collect(prepared, known=known)
    if problems:
        raise CourseImportError(problems)
    return verified, [str(w) for w in warnings]


def _verify_collect(
    prepared: list[PreparedActivity], *, known: dict[str, str]
) -> tuple[list[str], list[Message], list[Problem]]:
    """Run each changed assignment's reference solution and blank version in the grading sandbox.

    The reference must reach full marks and the blank version zero on every autograded test;
    otherwise the import is refused with a report naming the cells. ``known`` maps activity
    slugs to the digest of their current version: unchanged assignments are not run again.
    Returns (verified activity slugs, warnings). Without a sandbox (and without the explicit
    development opt-out) nothing is run and a warning says so.
    """
    from django.conf import settings

    from grading.authoring import assignment_verify
    from grading.runner.sandbox import sandbox_probe
    from grading.services import grading_limits

    todo = [
        a
        for a in prepared
        if a.spec.kind in ("assignment", "exam")
        and known.get(a.spec.slug) != a.digest
        # an exam made of question files has no nbgrader notebook to verify
        and any(f.kind == FileKind.SOURCE and f.path.endswith(".ipynb") for f in a.files)
    ]
    if not todo or not getattr(settings, "COURSES_VERIFY_ASSIGNMENTS", True):
        return [], [], []
    probe = sandbox_probe()
    if not probe["isolated"] and not getattr(settings, "GRADING_ALLOW_UNSAFE", False):
        return (
            [],
            [Message(gettext_noop("assignments NOT verified: the grading sandbox is not available on this machine"))],
            [],
        )
    problems: list[Problem] = []
    verified: list[str] = []
    for act in todo:
        data = {f.path: f.data for f in act.files if f.kind == FileKind.DATA}
        folder = (act.spec.folder or "").rstrip("/")
        ok = True
        for f in act.files:
            if f.kind != FileKind.SOURCE or not f.path.endswith(".ipynb"):
                continue
            inner = f.path.removeprefix("source/")
            for message in assignment_verify(
                source_json=f.data.decode("utf-8"),
                name=inner,
                limits=grading_limits(),
                work_root=settings.DATA_DIR / "grading-jobs",
                files=data,
                cell_timeout=float(settings.GRADING_CELL_TIMEOUT),
            ):
                ok = False
                problems.append(Problem(f"{folder}/{inner}", grading_message(message.removeprefix(f"{inner}: "))))
        if ok:
            verified.append(act.spec.slug)
    return verified, [], problems


def import_course(root: Path, *, teacher: Any | None = None, expect_slug: str | None = None) -> ImportReport:
    """Import or update the course in ``root``; all or nothing.

    ``teacher``, when given, must already teach the course if it exists (a site admin may
    update any course) and becomes its teacher when the import creates it.
    ``expect_slug`` refuses a folder whose manifest names a different course.
    """
    spec, prepared, name, data, reader = _prepare_all(Path(root))
    slug = spec.slug if spec is not None else str(data.get("slug") or "")
    if expect_slug and slug and slug != expect_slug:
        reader.problems.insert(
            0,
            Problem(
                name,
                Message(
                    gettext_noop("slug is %(slug)r, but this is the course %(expected)r"),
                    slug=slug,
                    expected=expect_slug,
                ),
            ),
        )
    known = dict(
        Activity.objects.filter(course__slug=slug, current_version__isnull=False).values_list(
            "slug", "current_version__digest"
        )
    )
    # Verification in the sandbox (before any row is written) runs even when other problems were
    # found: the teacher gets the whole list in one round. Only activities that prepared cleanly.
    sound = [
        a for a in prepared if not any(p.file.startswith((a.spec.folder or "\0").rstrip("/")) for p in reader.problems)
    ]
    for act in sound:
        _digest_only(act)
    verified, warnings, verify_problems = _verify_collect(sound, known=known)
    reader.problems.extend(verify_problems)
    if reader.problems or spec is None:
        raise CourseImportError(reader.problems, reader.warnings)
    spec, prepared, folder_digest = _finish_prepared(spec, prepared, data, reader)
    warning_lines = [*warnings, *(w.line() for w in reader.warnings)]
    now = timezone.now()
    with transaction.atomic():
        course = Course.objects.select_for_update().filter(slug=spec.slug).first()
        created = course is None
        if (
            teacher is not None
            and not created
            and not getattr(teacher, "is_superuser", False)
            and not Enrollment.objects.filter(course=course, user=teacher, role=Role.TEACHER).exists()
        ):
            raise CourseImportError(
                [
                    Problem(
                        "course.yaml",
                        Message(gettext_noop("the course %(slug)r exists and you do not teach it"), slug=spec.slug),
                    )
                ]
            )
        if course is not None and course.source_digest == folder_digest:
            return ImportReport(course=course, created=False, unchanged=True)
        if course is None:
            from .services import course_owner_for

            course = Course(slug=spec.slug, owner=course_owner_for(teacher=teacher))
        for attr in ("title", "title_zh", "summary", "summary_zh", "language"):
            setattr(course, attr, getattr(spec, attr))
        course.source_digest = folder_digest
        course.imported_at = now
        course.save()
        if created and teacher is not None:
            Enrollment.objects.get_or_create(course=course, user=teacher, defaults={"role": Role.TEACHER})

        report = ImportReport(
            course=course, created=created, unchanged=False, verified=verified, warning_lines=warning_lines
        )
        units: dict[str, Unit] = {}
        for order, unit_spec in enumerate(spec.units):
            unit, _ = Unit.objects.update_or_create(
                course=course,
                slug=unit_spec.slug,
                defaults={
                    "title": unit_spec.title,
                    "title_zh": unit_spec.title_zh,
                    "summary": unit_spec.summary,
                    "summary_zh": unit_spec.summary_zh,
                    "order": order,
                    "archived": False,
                },
            )
            units[unit.slug] = unit
        for unit in Unit.objects.filter(course=course, archived=False).exclude(slug__in=units):
            unit.archived = True
            unit.save(update_fields=["archived"])
            report.archived_lines.append(Message(gettext_noop("unit %(slug)s"), slug=unit.slug))

        seen: set[str] = set()
        for act in prepared:
            s = act.spec
            seen.add(s.slug)
            options: dict[str, Any] = {}
            if s.late_policy is not None:
                options["late_policy"] = s.late_policy.model_dump()
            if s.competition:
                options["competition"] = s.competition
            activity, _ = Activity.objects.update_or_create(
                course=course,
                slug=s.slug,
                defaults={
                    "unit": units[act.unit_slug],
                    "kind": s.kind,
                    "order": act.order,
                    "title": s.title,
                    "title_zh": s.title_zh,
                    "summary": s.summary,
                    "summary_zh": s.summary_zh,
                    "release_at": s.release,
                    "due_at": s.due,
                    "points": Decimal(s.points),
                    "concepts": list(s.concepts),
                    "options": options,
                    "counting": s.counting or Counting.LATEST_ON_TIME,
                    "archived": False,
                },
            )
            current = activity.current_version
            if current is not None and current.digest == act.digest:
                continue
            number = (activity.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
            version = ActivityVersion.objects.create(
                activity=activity, number=number, digest=act.digest, facts=act.facts
            )
            ActivityFile.objects.bulk_create(
                ActivityFile(version=version, path=f.path, kind=f.kind, blob=f.blob, size=len(f.data))
                for f in act.files
            )
            version.body_html = _localise_images(activity, version, act.body_html)
            version.body_html_zh = _localise_images(activity, version, act.body_html_zh) if act.body_html_zh else ""
            version.save(update_fields=["body_html", "body_html_zh"])
            activity.current_version = version
            activity.save(update_fields=["current_version"])
            report.new_versions.append(f"{s.slug} v{number}")
        for activity in Activity.objects.filter(course=course, archived=False).exclude(slug__in=seen):
            activity.archived = True
            activity.save(update_fields=["archived"])
            report.archived_lines.append(Message(gettext_noop("activity %(slug)s"), slug=activity.slug))
    return report
