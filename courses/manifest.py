"""The course folder's manifest (``course.yaml`` or ``course.toml``), validated strictly.

Unknown keys are errors, not silently ignored: a teacher who writes ``relase:`` must
hear about it before students see an activity early.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
RelPath = Annotated[str, Field(min_length=1, max_length=255)]


def _check_relpath(value: str) -> str:
    if value.startswith("/") or "\\" in value or any(part in ("..", "") for part in value.rstrip("/").split("/")):
        raise ValueError("must be a relative path inside the course folder, with forward slashes and no '..'")
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LatePolicy(Strict):
    mode: Literal["accept", "penalty", "cutoff"] = "accept"
    # Fraction of the score lost per started day late (0.1 = 10 %/day), for mode=penalty.
    per_day: Annotated[float, Field(ge=0, le=1)] = 0.0
    # Submissions later than this many days after the due time are refused (penalty mode).
    cutoff_days: Annotated[float, Field(ge=0)] | None = None


QuestionId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]


class PoolSpec(Strict):
    """``{pool: [ids...], draw: 3}``: each student gets ``draw`` questions drawn from the pool."""

    pool: Annotated[list[QuestionId], Field(min_length=1)]
    draw: Annotated[int, Field(ge=1)] = 1

    @model_validator(mode="after")
    def _enough(self) -> PoolSpec:
        if self.draw > len(self.pool):
            raise ValueError(f"draw {self.draw} is more than the pool's {len(self.pool)} questions")
        if len(set(self.pool)) != len(self.pool):
            raise ValueError("a question appears twice in the pool")
        return self


class ActivitySpec(Strict):
    slug: Slug
    kind: Literal["lesson", "practice", "assignment", "exam", "competition", "quiz"]
    title: Annotated[str, Field(min_length=1, max_length=200)]
    title_zh: str = ""
    summary: str = ""
    summary_zh: str = ""
    release: datetime | None = None
    due: datetime | None = None
    points: Annotated[Decimal, Field(ge=0, max_digits=7, decimal_places=2)] = Decimal(0)
    concepts: list[Slug] = []
    # lesson: one Markdown file; practice: one notebook; assignment/exam: a folder of nbgrader sources.
    file: RelPath | None = None
    notebook: RelPath | None = None
    folder: RelPath | None = None
    files: list[RelPath] = []
    late_policy: LatePolicy | None = None
    # Which attempt counts toward the grade: the latest on time (default), the best, the latest.
    counting: Literal["latest_on_time", "best", "latest"] | None = None
    competition: Slug | None = None
    # quiz, or an exam made of questions (questions/<id>/ in the course folder; assessments app).
    # The availability window is release .. due (the calendar shows an exam as that window).
    questions: list[QuestionId | PoolSpec] | None = None
    attempts: Literal["unlimited"] | Annotated[int, Field(ge=1)] | None = None
    time_limit_minutes: Annotated[float, Field(gt=0, le=24 * 60)] | None = None
    access_code: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    ip_ranges: list[str] = []

    @field_validator("ip_ranges")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        import ipaddress

        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or range (CIDR)") from None
        return value

    @field_validator("file", "notebook", "folder")
    @classmethod
    def _relative(cls, value: str | None) -> str | None:
        return None if value is None else _check_relpath(value)

    @field_validator("files")
    @classmethod
    def _relative_list(cls, value: list[str]) -> list[str]:
        return [_check_relpath(v) for v in value]

    @field_validator("release", "due")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @model_validator(mode="after")
    def _shape(self) -> ActivitySpec:
        assessment_keys = [
            k for k in ("attempts", "time_limit_minutes", "access_code") if getattr(self, k) is not None
        ] + (["ip_ranges"] if self.ip_ranges else [])
        if self.kind == "quiz" or (self.kind == "exam" and self.questions is not None):
            if not self.questions:
                raise ValueError(f"a {self.kind} made of questions needs a non-empty 'questions' list")
            extra = [k for k in ("file", "notebook", "folder", "competition") if getattr(self, k) is not None]
            if extra:
                raise ValueError(f"a {self.kind} with questions takes no {', '.join(repr(e) for e in extra)}")
            if self.late_policy is not None:
                raise ValueError("late_policy applies to notebook assignments: a quiz closes at its due time")
            if self.release and self.due and self.due < self.release:
                raise ValueError("due is before release")
            return self
        if self.questions is not None or assessment_keys:
            raise ValueError(
                "questions, attempts, time_limit_minutes, access_code and ip_ranges are for quizzes and exams"
            )
        need = {
            "lesson": "file",
            "practice": "notebook",
            "assignment": "folder",
            "exam": "folder",
            "competition": "competition",
            "quiz": "questions",
        }[self.kind]
        if getattr(self, need) is None:
            raise ValueError(f"a {self.kind} needs '{need}'")
        others = {"file", "notebook", "folder", "competition"} - {need}
        extra = sorted(
            k for k in others if getattr(self, k) is not None and not (self.kind == "competition" and k == "file")
        )
        if extra:
            raise ValueError(f"a {self.kind} takes '{need}', not {', '.join(repr(e) for e in extra)}")
        if self.late_policy is not None and self.kind not in ("assignment", "exam"):
            raise ValueError("late_policy applies to assignments and exams only")
        if self.counting is not None and self.kind not in ("assignment", "exam"):
            raise ValueError("counting applies to assignments and exams only")
        if self.release and self.due and self.due < self.release:
            raise ValueError("due is before release")
        return self


class UnitSpec(Strict):
    slug: Slug
    title: Annotated[str, Field(min_length=1, max_length=200)]
    title_zh: str = ""
    summary: str = ""
    summary_zh: str = ""
    activities: list[ActivitySpec] = []


class CourseSpec(Strict):
    slug: Slug
    title: Annotated[str, Field(min_length=1, max_length=200)]
    title_zh: str = ""
    summary: str = ""
    summary_zh: str = ""
    language: Literal["en", "zh-hans"] = "en"
    units: list[UnitSpec] = []

    @model_validator(mode="after")
    def _unique(self) -> CourseSpec:
        seen_units: set[str] = set()
        seen_activities: set[str] = set()
        for unit in self.units:
            if unit.slug in seen_units:
                raise ValueError(f"duplicate unit slug {unit.slug!r}")
            seen_units.add(unit.slug)
            for act in unit.activities:
                if act.slug in seen_activities:
                    raise ValueError(f"duplicate activity slug {act.slug!r} (in unit {unit.slug!r})")
                seen_activities.add(act.slug)
        return self


def format_location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return re.sub(r"^\.", "", out) or "(top level)"
