"""``questions/<id>/question.yaml``: a question's parts and how each is graded (validated strictly).

A part's correct answer is ``answer:`` here, or ``answers[<part id>]`` from the question's
``generate.py`` for each variant (the generator wins). Choice options come from ``options:``
here, or from the generator as the correct text plus ``distractors[<part id>]``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

PartId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,30}$")]
PART_TYPES = ("choice", "numeric", "matrix", "symbolic", "code", "circuit")
CIRCUIT_GATES = (
    "h",
    "x",
    "y",
    "z",
    "s",
    "sdg",
    "t",
    "tdg",
    "sx",
    "rx",
    "ry",
    "rz",
    "p",
    "cx",
    "cz",
    "cy",
    "swap",
    "measure",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CodeCase(_Strict):
    args: list[Any] = []
    expect: Any = None


class PartSpec(_Strict):
    id: PartId
    type: Literal["choice", "numeric", "matrix", "symbolic", "code", "circuit"]
    points: Annotated[Decimal, Field(ge=0, max_digits=6, decimal_places=2)] = Decimal(1)
    prompt: str = ""  # a line of Markdown shown above the answer field
    prompt_zh: str = ""
    answer: Any = None
    # choice
    options: list[str] = []
    multiple: bool = False
    shuffle: bool = True
    # numeric (|x - answer| <= atol + rtol * |answer|), unit: the expected unit (a small table; see runner/values.py)
    atol: Annotated[float, Field(ge=0)] = 0.0
    rtol: Annotated[float, Field(ge=0)] = 0.0
    unit: str = ""
    # matrix / state vector
    global_phase: bool = False
    # symbolic
    variables: list[Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9]{0,15}$")]] = []
    # code: a function the student writes, called with each case's args; the return compared outside the sandbox
    function: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,40}$")] | None = None
    cases: list[CodeCase] = []
    starter: str = ""
    # circuit
    qubits: Annotated[int, Field(ge=1, le=6)] = 2
    mode: Literal["unitary", "state"] = "unitary"
    target: dict[str, Any] | None = None
    target_state: list[Any] | None = None
    gates: list[Literal[CIRCUIT_GATES]] | None = None  # type: ignore[valid-type]
    max_depth: Annotated[int, Field(ge=1)] | None = None
    max_two_qubit_gates: Annotated[int, Field(ge=0)] | None = None
    max_gates: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _by_type(self) -> PartSpec:
        if self.type == "choice" and self.options and self.answer is not None:
            picks = self.answer if isinstance(self.answer, list) else [self.answer]
            if not all(isinstance(p, int) and 0 <= p < len(self.options) for p in picks):
                raise ValueError(f"answer must be option indices 0..{len(self.options) - 1}")
            if not self.multiple and len(picks) != 1:
                raise ValueError("a single-choice part has exactly one answer")
        if self.type == "code" and (not self.function or not self.cases):
            raise ValueError("a code part needs 'function' and 'cases'")
        if self.type != "choice" and self.options:
            raise ValueError("'options' is for choice parts")
        return self


class QuestionSpec(_Strict):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    title_zh: str = ""
    concepts: list[str] = []
    variants: Annotated[int, Field(ge=1, le=200)] = 20  # seeds 0..variants-1, every one run at import
    parts: Annotated[list[PartSpec], Field(min_length=1, max_length=20)]

    @model_validator(mode="after")
    def _unique(self) -> QuestionSpec:
        ids = [p.id for p in self.parts]
        if len(ids) != len(set(ids)):
            raise ValueError("two parts share an id")
        return self

    @property
    def points(self) -> Decimal:
        return sum((p.points for p in self.parts), Decimal(0))
