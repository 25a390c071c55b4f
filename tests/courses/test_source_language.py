"""The course's ``language`` decides the language of its unsuffixed files (``courses.notebook_lang``).

An English course (the default) has ``x.md`` + ``x.zh.md`` and notebooks with ``metadata.liangzhi.zh``; a
Chinese course (``language: zh-hans``) has ``x.md`` in Chinese + an optional ``x.en.md``, and notebooks whose
Markdown is Chinese with the English in ``metadata.liangzhi.en``. Either way ``body_html`` holds the English and
``body_html_zh`` the Chinese; a reader gets their language, or the course's with a "no translation" note; a
translation in the course's own language is an import problem; no translation key reaches a student.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from courses.enums import Role
from courses.importer import CourseImportError, import_course, render_report
from courses.models import Activity, Enrollment
from courses.notebook_lang import (
    content_fields,
    notebook_bytes_for_language,
    notebook_for_language,
    translation_language,
    translation_path,
)

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>'


def _manifest(slug: str, language: str | None) -> str:
    lang = f"language: {language}\n" if language else ""
    return (
        f'slug: {slug}\ntitle: "Course"\ntitle_zh: "课程"\n{lang}units:\n  - slug: u1\n    title: "Unit"\n'
        "    activities:\n"
        '      - {slug: intro, kind: lesson, title: "Intro", title_zh: "引言", file: lessons/intro.md}\n'
        '      - {slug: plain, kind: lesson, title: "Plain", title_zh: "无译文", file: lessons/plain.md}\n'
        '      - {slug: nb, kind: practice, title: "Practice", title_zh: "练习", notebook: practice/nb.ipynb}\n'
    )


def _notebook(source: str, key: str, translation: str, untranslated: str) -> str:
    cells = [
        {"cell_type": "markdown", "metadata": {"liangzhi": {key: translation}}, "source": source},
        {"cell_type": "markdown", "metadata": {}, "source": untranslated},
        {
            "cell_type": "code",
            "metadata": {"liangzhi": {"kata": "answer", "solution": "SECRET_SOLUTION = 1\n"}},
            "source": "# YOUR CODE HERE\nraise NotImplementedError",
            "outputs": [],
            "execution_count": None,
        },
    ]
    for i, c in enumerate(cells):
        c["id"] = f"c{i}"
    nb = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb, ensure_ascii=False)


def _zh_course(root: Path, *, english: bool = True) -> Path:
    """A course written in Chinese: intro.md (Chinese) + intro.en.md (English, when ``english``)."""
    (root / "lessons" / "figures").mkdir(parents=True)
    (root / "practice").mkdir()
    (root / "course.yaml").write_text(_manifest("zh-first", "zh-hans"), encoding="utf-8")
    (root / "lessons" / "intro.md").write_text("# 量子纠错\n\n**逻辑错误率** $p_L$。\n\n![码](figures/a.svg)\n")
    if english:
        (root / "lessons" / "intro.en.md").write_text(
            "# Quantum error correction\n\nThe **logical error rate** $p_L$.\n\n![code](figures/b.svg)\n"
        )
    (root / "lessons" / "plain.md").write_text("# 只有中文\n")
    (root / "lessons" / "figures" / "a.svg").write_bytes(SVG)
    (root / "lessons" / "figures" / "b.svg").write_bytes(SVG)
    (root / "practice" / "nb.ipynb").write_text(
        _notebook("## 稳定子\n\n测量 $Z_1 Z_2$。", "en", "## Stabilizers\n\nMeasure $Z_1 Z_2$.", "未翻译的单元。"),
        encoding="utf-8",
    )
    return root


def _en_course(root: Path) -> Path:
    """The format as it always was: intro.md (English) + intro.zh.md, metadata.liangzhi.zh."""
    (root / "lessons").mkdir(parents=True)
    (root / "practice").mkdir()
    (root / "course.yaml").write_text(_manifest("en-first", None), encoding="utf-8")
    (root / "lessons" / "intro.md").write_text("# Quantum error correction\n\nThe rate $p_L$.\n")
    (root / "lessons" / "intro.zh.md").write_text("# 量子纠错\n\n错误率 $p_L$。\n")
    (root / "lessons" / "plain.md").write_text("# Only English\n")
    (root / "practice" / "nb.ipynb").write_text(
        _notebook("## Stabilizers", "zh", "## 稳定子", "Untranslated cell stays English."), encoding="utf-8"
    )
    return root


def _version(slug: str, course: str):  # type: ignore[no-untyped-def]
    return Activity.objects.get(course__slug=course, slug=slug).current_version


def _client(course, cast) -> Client:  # type: ignore[no-untyped-def]
    Enrollment.objects.create(course=course, user=cast.alice, role=Role.STUDENT)
    client = Client()
    client.force_login(cast.alice)
    return client


def _page(client: Client, course: str, slug: str, lang: str) -> str:
    response = client.get(f"/courses/{course}/a/{slug}/?lang={lang}")
    assert response.status_code == 200
    return response.content.decode()


def _download(client: Client, course: str, lang: str) -> dict:
    response = client.get(f"/courses/{course}/a/nb/files/nb.ipynb?lang={lang}")
    assert response.status_code == 200
    return json.loads(b"".join(response))  # type: ignore[arg-type]


# --- the one rule ----------------------------------------------------------------------------------------------------


def test_the_rule_maps_course_and_reader_language_to_suffix_key_and_field() -> None:
    assert [translation_language(c) for c in ("en", None, "", "zh-hans", "zh-Hans", "zh")] == [
        "zh",
        "zh",
        "zh",
        "en",
        "en",
        "en",
    ]
    assert translation_path("lessons/intro.md", "en") == "lessons/intro.zh.md"
    assert translation_path("lessons/intro.md", "zh-hans") == "lessons/intro.en.md"
    assert translation_path("README", "zh-hans") == "README.en"
    # (the reader's field, the course's own field): the English is body_html whichever is the source
    assert content_fields("zh-hans", "en") == ("body_html", "body_html_zh")
    assert content_fields("zh-hans", "zh-hans") == ("body_html_zh", "body_html_zh")
    assert content_fields("en", "zh-hans") == ("body_html_zh", "body_html")
    assert content_fields("en", "en") == ("body_html", "body_html")


# --- a Chinese-first course ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_chinese_course_stores_its_chinese_source_and_english_translation_by_language(tmp_path: Path) -> None:
    report = import_course(_zh_course(tmp_path / "c"))
    assert report.course.language == "zh-hans"
    intro = _version("intro", "zh-first")
    assert "量子纠错" in intro.body_html_zh and "Quantum error correction" not in intro.body_html_zh
    assert "Quantum error correction" in intro.body_html and "量子纠错" not in intro.body_html
    assert '<span class="arithmatex">' in intro.body_html
    # both files are part of the version, and the figures of both languages are its assets
    assert {f.path for f in intro.files.filter(kind="lesson")} == {"intro.md", "intro.en.md"}
    assert {f.path for f in intro.files.filter(kind="asset")} == {"figures/a.svg", "figures/b.svg"}
    plain = _version("plain", "zh-first")
    assert "只有中文" in plain.body_html_zh and plain.body_html == ""
    nb = _version("nb", "zh-first")
    assert "稳定子" in nb.body_html_zh and "Stabilizers" not in nb.body_html_zh
    assert "Stabilizers" in nb.body_html and "稳定子" not in nb.body_html
    assert "未翻译的单元。" in nb.body_html  # a cell without English keeps its Chinese
    # a changed English translation is a new version; the same folder again is not
    assert import_course(tmp_path / "c").new_versions == []
    (tmp_path / "c" / "lessons" / "intro.en.md").write_text("# Quantum error correction, revised\n")
    assert [v.split()[0] for v in import_course(tmp_path / "c").new_versions] == ["intro"]


@pytest.mark.django_db
def test_a_chinese_course_page_shows_the_readers_language_or_the_chinese_with_a_note(tmp_path: Path, cast) -> None:  # type: ignore[no-untyped-def]
    report = import_course(_zh_course(tmp_path / "c"), teacher=cast.teacher)
    client = _client(report.course, cast)
    zh = _page(client, "zh-first", "intro", "zh-hans")
    assert "量子纠错" in zh and "Quantum error correction" not in zh and 'lang="zh-hans" class="prose' in zh
    assert 'data-testid="no-translation"' not in zh
    en = _page(client, "zh-first", "intro", "en")
    assert "Quantum error correction" in en and "量子纠错" not in en and 'lang="en" class="prose' in en
    assert 'data-testid="no-translation"' not in en
    # no English: the Chinese, said so, and marked as Chinese for the browser
    plain_en = _page(client, "zh-first", "plain", "en")
    assert "只有中文" in plain_en and 'data-testid="no-translation"' in plain_en
    assert "no English translation yet; it is shown in Chinese" in plain_en
    assert 'lang="zh-hans" class="prose' in plain_en
    plain_zh = _page(client, "zh-first", "plain", "zh-hans")
    assert "只有中文" in plain_zh and 'data-testid="no-translation"' not in plain_zh
    with translation.override("zh-hans"):
        note = client.get("/courses/zh-first/a/plain/?lang=en", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "本文尚无英文译文，现以中文显示。" in note


@pytest.mark.django_db
def test_a_chinese_course_without_any_english_imports_and_shows_its_chinese(tmp_path: Path, cast) -> None:  # type: ignore[no-untyped-def]
    report = import_course(_zh_course(tmp_path / "c", english=False), teacher=cast.teacher)
    intro = _version("intro", "zh-first")
    assert "量子纠错" in intro.body_html_zh and intro.body_html == ""
    assert {f.path for f in intro.files.filter(kind="lesson")} == {"intro.md"}
    assert {f.path for f in intro.files.filter(kind="asset")} == {"figures/a.svg"}  # b.svg: named by no text
    client = _client(report.course, cast)
    en = _page(client, "zh-first", "intro", "en")
    assert "量子纠错" in en and 'data-testid="no-translation"' in en


@pytest.mark.django_db
def test_a_chinese_course_notebook_reaches_an_english_and_a_chinese_reader(tmp_path: Path, cast) -> None:  # type: ignore[no-untyped-def]
    report = import_course(_zh_course(tmp_path / "c"), teacher=cast.teacher)
    client = _client(report.course, cast)
    source = json.loads((tmp_path / "c" / "practice" / "nb.ipynb").read_text(encoding="utf-8"))
    for lang, first, second in (("en", "## Stabilizers", "未翻译的单元。"), ("zh-hans", "## 稳定子", "未翻译的单元。")):
        got = _download(client, "zh-first", lang)
        assert "".join(got["cells"][0]["source"]).startswith(first), lang
        assert "".join(got["cells"][1]["source"]) == second, lang  # no English: the course's Chinese
        # code, ids and the answer cell as they are; the translations and the solution never reach the student
        assert [c["id"] for c in got["cells"]] == ["c0", "c1", "c2"]
        assert got["cells"][2]["source"] == source["cells"][2]["source"]
        text = json.dumps(got, ensure_ascii=False)
        assert "liangzhi" not in json.dumps([c["metadata"] for c in got["cells"][:2]]), lang
        assert "SECRET_SOLUTION" not in text and '"solution"' not in text, lang
        other = "## Stabilizers" if lang == "zh-hans" else "## 稳定子"
        assert other not in text, lang
    # what the lab gets (notebook_bytes_for_language in the interface language) follows the same rule
    data = (tmp_path / "c" / "practice" / "nb.ipynb").read_bytes()
    with translation.override("en"):
        assert "Stabilizers" in notebook_bytes_for_language(data).decode()
    with translation.override("zh-hans"):
        lab = notebook_bytes_for_language(data).decode()
    assert "稳定子" in lab and "Stabilizers" not in lab


# --- an English course, exactly as before ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_english_course_keeps_x_zh_md_and_metadata_zh(tmp_path: Path, cast) -> None:  # type: ignore[no-untyped-def]
    report = import_course(_en_course(tmp_path / "c"), teacher=cast.teacher)
    assert report.course.language == "en"
    intro = _version("intro", "en-first")
    assert "Quantum error correction" in intro.body_html and "量子纠错" in intro.body_html_zh
    assert {f.path for f in intro.files.filter(kind="lesson")} == {"intro.md", "intro.zh.md"}
    assert _version("plain", "en-first").body_html_zh == ""
    nb = _version("nb", "en-first")
    assert "稳定子" in nb.body_html_zh and "Stabilizers" in nb.body_html and "稳定子" not in nb.body_html
    client = _client(report.course, cast)
    plain_zh = _page(client, "en-first", "plain", "zh-hans")
    assert "Only English" in plain_zh and "no Chinese translation yet; it is shown in English" in plain_zh
    assert 'lang="en" class="prose' in plain_zh
    assert 'data-testid="no-translation"' not in _page(client, "en-first", "plain", "en")
    en, zh = _download(client, "en-first", "en"), _download(client, "en-first", "zh-hans")
    assert "".join(en["cells"][0]["source"]) == "## Stabilizers" and "".join(zh["cells"][0]["source"]) == "## 稳定子"
    assert all("liangzhi" not in c["metadata"] for c in en["cells"][:2] + zh["cells"][:2])


# --- a translation in the course's own language ----------------------------------------------------------------------


def _problems(folder: Path) -> list:
    with pytest.raises(CourseImportError) as caught:
        import_course(folder)
    return caught.value.problems


@pytest.mark.django_db
def test_a_chinese_translation_in_a_chinese_course_is_refused_in_both_languages(tmp_path: Path) -> None:
    root = _zh_course(tmp_path / "c")
    (root / "lessons" / "intro.zh.md").write_text("# 量子纠错\n")
    (problem,) = _problems(root)
    assert str(problem) == (
        "lessons/intro.zh.md: is a translation into the course's own language (course.yaml: language: zh-hans, "
        "so lessons/intro.md is already in it); name the translation lessons/intro.en.md"
    )
    with translation.override("zh-hans"):
        zh = render_report(problem.line().to_json())
    assert zh.startswith("lessons/intro.zh.md：是译成课程本身语言的译文")
    assert "lessons/intro.en.md" in zh and "language: zh-hans" in zh


@pytest.mark.django_db
def test_an_english_translation_in_an_english_course_is_refused(tmp_path: Path) -> None:
    root = _en_course(tmp_path / "c")
    (root / "lessons" / "plain.en.md").write_text("# Only English\n")
    (problem,) = _problems(root)
    assert str(problem).startswith("lessons/plain.en.md: is a translation into the course's own language")
    assert str(problem).endswith("name the translation lessons/plain.zh.md")


@pytest.mark.django_db
def test_a_notebook_keeping_the_courses_own_language_in_metadata_is_refused(tmp_path: Path) -> None:
    """The old layout of a Chinese course (English source, metadata.liangzhi.zh) cannot slip through."""
    root = _zh_course(tmp_path / "c")
    (root / "practice" / "nb.ipynb").write_text(
        _notebook("## Stabilizers", "zh", "## 稳定子", "## 单元"), encoding="utf-8"
    )
    (problem,) = _problems(root)
    assert str(problem) == (
        "practice/nb.ipynb: Markdown cells 1 keep a translation under metadata.liangzhi.zh, the course's own "
        "language (course.yaml: language: zh-hans, so their source is already in it); put the translation under "
        "metadata.liangzhi.en"
    )
    with translation.override("zh-hans"):
        assert "metadata.liangzhi.en 下" in render_report(problem.line().to_json())


# --- the private metadata never reaches a student ---------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_no_translation_or_solution_key_reaches_a_student_in_either_direction(lang: str) -> None:
    for source, key, text in (("## 稳定子", "en", "## Stabilizers"), ("## Stabilizers", "zh", "## 稳定子")):
        nb = json.loads(_notebook(source, key, text, "x"))
        out = notebook_for_language(nb, lang)
        kept = [c["metadata"].get("liangzhi") or {} for c in out["cells"]]
        assert not any({"en", "zh", "solution"} & set(k) for k in kept), (key, lang)
        assert kept[2] == {"kata": "answer"}  # the platform's own markers stay
        assert "SECRET_SOLUTION" not in json.dumps(out)
        expected = "## 稳定子" if lang == "zh-hans" else "## Stabilizers"
        assert out["cells"][0]["source"] == expected, (key, lang)
        assert nb["cells"][0]["metadata"]["liangzhi"] == {key: text}  # the stored notebook is left as it is
