"""Every lesson of the shipped courses has its translation beside it with the same structure: as many
headings, the same display formulas and the same figures (the words change, the mathematics and the
pictures do not). The course's ``language`` decides which file is which (``courses.notebook_lang``): an
English course has ``x.md`` + ``x.zh.md``, a Chinese one (content/hs-quantum) ``x.md`` + ``x.en.md``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import yaml

from courses.notebook_lang import notebook_language, translation_language
from tests.content.nbgrading import CONTENT

LESSONS = sorted(p for p in CONTENT.glob("*/lessons/*.md") if not p.name.endswith((".zh.md", ".en.md")))


def _course_language(path: Path) -> str:
    """``"en"`` or ``"zh"``: the language of the unsuffixed files of the course holding ``path``."""
    course = next(p for p in path.parents if p.parent == CONTENT)
    manifest = yaml.safe_load((course / "course.yaml").read_text(encoding="utf-8")) or {}
    return notebook_language(manifest.get("language"))


def _prose(text: str) -> str:
    """The text outside fenced code blocks (a '#' comment in code is not a heading)."""
    return re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)


def _structure(text: str) -> tuple[list[int], list[str], list[str], list[str]]:
    prose = _prose(text)
    headings = [len(m.group(1)) for m in re.finditer(r"^(#{1,6}) ", prose, flags=re.MULTILINE)]
    display = [" ".join(m.group(1).split()) for m in re.finditer(r"\$\$(.+?)\$\$", prose, flags=re.DOTALL)]
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", prose)
    code = re.findall(r"^```.*?^```", text, flags=re.MULTILINE | re.DOTALL)
    return headings, display, figures, code


def test_the_shipped_courses_have_lessons() -> None:
    assert {p.parent.parent.name for p in LESSONS} >= {"demo", "qec-ai", "qml"}


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_lesson_has_a_chinese_translation_with_the_same_structure(lesson: Path) -> None:
    source = _course_language(lesson)
    other = lesson.with_name(f"{lesson.stem}.{translation_language(source)}.md")
    assert other.is_file(), f"{other.relative_to(CONTENT)} is missing"
    en, zh = (lesson, other) if source == "en" else (other, lesson)
    en_h, en_math, en_fig, en_code = _structure(en.read_text())
    zh_text = zh.read_text()
    zh_h, zh_math, zh_fig, zh_code = _structure(zh_text)
    assert zh_h == en_h, "headings differ in number or level"
    assert zh_math == en_math, "display formulas differ"
    assert zh_fig == en_fig, "figure links differ"
    assert len(zh_code) == len(en_code), "code blocks differ in number"
    # it is a translation: mostly Chinese prose
    assert len(re.findall(r"[\u4e00-\u9fff]", _prose(zh_text))) > 100


NOTEBOOKS = sorted(
    [*CONTENT.glob("*/practice/*.ipynb"), *CONTENT.glob("*/assignments/*/*.ipynb")],
    key=lambda p: str(p),
)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(CONTENT)))
def test_notebook_markdown_cells_carry_their_chinese_text(path: Path) -> None:
    """Each Markdown cell (not a written answer) has its translation in ``metadata.liangzhi.<translation
    language>`` (``zh`` in an English course, ``en`` in a Chinese one): the same headings and display formulas,
    the Chinese in Chinese prose. A generated notebook gets it from its builder, so editing one language
    without the other fails here."""
    import json

    source = _course_language(path)
    key = translation_language(source)
    nb = json.loads(path.read_text())
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown" or cell["metadata"].get("nbgrader", {}).get("solution"):
            continue
        text = "".join(cell["source"])
        translation = cell["metadata"].get("liangzhi", {}).get(key)
        assert isinstance(translation, str), f"cell {i} has no {key} text: {text.splitlines()[0]!r}"
        en, zh = (text, translation) if source == "en" else (translation, text)
        en_h, en_math, _, _ = _structure(en)
        zh_h, zh_math, _, _ = _structure(zh)
        assert (zh_h, zh_math) == (en_h, en_math), f"cell {i}: headings or display formulas differ"
        assert re.search(r"[\u4e00-\u9fff]", zh), f"cell {i}"
