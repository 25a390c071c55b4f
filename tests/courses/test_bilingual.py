"""Bilingual activity text: a translation beside a lesson (``intro.md`` + ``intro.zh.md``) and per-cell
``metadata.liangzhi.zh`` in notebooks are rendered at import; the page shows the reader's interface
language, offers a 中文 / English switch that works without JavaScript, and falls back to English
with a note when no translation exists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from courses.enums import Role
from courses.models import Activity, Enrollment

MANIFEST = """\
slug: bilingual
title: "Bilingual"
title_zh: "双语"
units:
  - slug: u1
    title: "Unit"
    title_zh: "单元"
    activities:
      - {slug: intro, kind: lesson, title: "Intro", title_zh: "引言", file: lessons/intro.md}
      - {slug: plain, kind: lesson, title: "Plain", title_zh: "无译文", file: lessons/plain.md}
      - {slug: nb, kind: practice, title: "Practice", title_zh: "练习", notebook: practice/nb.ipynb}
"""

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>'


def _notebook() -> str:
    cells = [
        {
            "cell_type": "markdown",
            "metadata": {"liangzhi": {"zh": "## 稳定子\n\n测量 $Z_1 Z_2$。"}},
            "source": "## Stabilizers\n\nMeasure $Z_1 Z_2$.",
        },
        {"cell_type": "markdown", "metadata": {}, "source": "Untranslated cell stays English."},
        {"cell_type": "code", "metadata": {}, "source": "print(1)", "outputs": [], "execution_count": None},
    ]
    nb = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    for i, c in enumerate(cells):
        c["id"] = f"c{i}"
    return json.dumps(nb)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    (root / "lessons" / "figures").mkdir(parents=True)
    (root / "practice").mkdir()
    (root / "course.yaml").write_text(MANIFEST)
    (root / "lessons" / "intro.md").write_text(
        "# Quantum error correction\n\nThe **logical error rate** $p_L$.\n\n![code](figures/a.svg)\n"
    )
    (root / "lessons" / "intro.zh.md").write_text(
        "# 量子纠错\n\n**逻辑错误率** $p_L$。<script>alert(1)</script>\n\n![码](figures/a.svg)\n"
    )
    (root / "lessons" / "plain.md").write_text("# Only English\n")
    (root / "lessons" / "figures" / "a.svg").write_bytes(SVG)
    (root / "practice" / "nb.ipynb").write_text(_notebook())
    return root


@pytest.mark.django_db
def test_import_renders_both_languages_sanitised(folder: Path) -> None:
    from courses.importer import import_course

    import_course(folder)
    intro = Activity.objects.get(slug="intro").current_version
    assert "Quantum error correction" in intro.body_html and "量子纠错" not in intro.body_html
    assert "量子纠错" in intro.body_html_zh and '<span class="arithmatex">' in intro.body_html_zh
    assert "<script" not in intro.body_html_zh  # sanitised like the English
    assert "/courses/bilingual/a/intro/files/figures/a.svg" in intro.body_html_zh  # figures point at the assets
    assert intro.files.filter(path="intro.zh.md").exists()
    assert Activity.objects.get(slug="plain").current_version.body_html_zh == ""
    nb = Activity.objects.get(slug="nb").current_version
    assert "稳定子" in nb.body_html_zh and "Untranslated cell stays English." in nb.body_html_zh
    assert "稳定子" not in nb.body_html and "Stabilizers" in nb.body_html

    # a changed translation is a new version; the same folder again is not
    assert import_course(folder).new_versions == []
    (folder / "lessons" / "intro.zh.md").write_text("# 量子纠错（修订）\n")
    assert [v.split()[0] for v in import_course(folder).new_versions] == ["intro"]


@pytest.fixture
def reader(folder: Path, cast):  # type: ignore[no-untyped-def]
    from courses.importer import import_course

    report = import_course(folder, teacher=cast.teacher)
    Enrollment.objects.create(course=report.course, user=cast.alice, role=Role.STUDENT)
    client = Client()
    client.force_login(cast.alice)
    return client


def _text(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_page_follows_the_interface_language(reader: Client) -> None:
    zh = _text(reader.get("/courses/bilingual/a/intro/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "量子纠错" in zh and "Quantum error correction" not in zh
    assert 'href="?lang=en"' in zh  # the switch offers the other language
    en = _text(reader.get("/courses/bilingual/a/intro/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Quantum error correction" in en and "量子纠错" not in en
    assert 'href="?lang=zh-hans"' in en
    nb = _text(reader.get("/courses/bilingual/a/nb/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "稳定子" in nb and "Stabilizers" not in nb


@pytest.mark.django_db
def test_the_switch_works_without_javascript_and_is_remembered(reader: Client) -> None:
    page = reader.get("/courses/bilingual/a/intro/?lang=zh-hans", HTTP_ACCEPT_LANGUAGE="en")
    assert "量子纠错" in _text(page)
    assert page.cookies["liangzhi_content_lang"].value == "zh-hans"
    # the next page, without the parameter, keeps the choice (the cookie travels with the client)
    assert "量子纠错" in _text(reader.get("/courses/bilingual/a/intro/", HTTP_ACCEPT_LANGUAGE="en"))
    back = reader.get("/courses/bilingual/a/intro/?lang=en", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "Quantum error correction" in _text(back) and "量子纠错" not in _text(back)
    assert "Quantum error correction" in _text(
        reader.get("/courses/bilingual/a/intro/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    )
    # anything else in the parameter is ignored
    assert reader.get("/courses/bilingual/a/intro/?lang=<x>").status_code == 200


@pytest.mark.django_db
def test_missing_translation_falls_back_to_english_with_a_note(reader: Client) -> None:
    zh = _text(reader.get("/courses/bilingual/a/plain/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "Only English" in zh and 'data-testid="no-translation"' in zh
    assert "本文尚无中文译文" in zh or "no Chinese translation" in zh  # catalogue compiled by the lead
    en = _text(reader.get("/courses/bilingual/a/plain/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Only English" in en and 'data-testid="no-translation"' not in en


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_chromium_switches_the_demo_lesson_between_chinese_and_english(login_page, live_server) -> None:  # type: ignore[no-untyped-def]
    """In a real browser: the demo lesson's 中文 link shows the Chinese text with its typeset math and figure,
    the choice holds on the next visit, and English comes back with the other link."""
    from courses.importer import import_course
    from tests.factories import UserFactory

    report = import_course(Path(__file__).resolve().parents[2] / "content" / "demo")
    student = UserFactory(username="lin", display_name="Lin")
    Enrollment.objects.create(course=report.course, user=student, role=Role.STUDENT)
    url = f"{live_server.url}/courses/{report.course.slug}/a/bell-lesson/"

    page = login_page(student)
    page.goto(url)
    assert page.inner_text("article h1") == "The Bell state"
    page.click('[data-testid="content-lang-switch"] a:has-text("中文")')
    page.wait_for_selector("article h1:has-text('贝尔态')", timeout=30000)
    page.wait_for_selector("article .katex", timeout=30000)  # KaTeX typeset the Chinese text's formulas
    page.wait_for_function(
        "() => { const i = document.querySelector('article img'); return i && i.complete && i.naturalWidth > 0; }",
        timeout=30000,
    )
    page.goto(url)  # remembered without the parameter
    assert page.inner_text("article h1") == "贝尔态"
    page.click('[data-testid="content-lang-switch"] a:has-text("English")')
    page.wait_for_selector("article h1:has-text('The Bell state')", timeout=30000)
