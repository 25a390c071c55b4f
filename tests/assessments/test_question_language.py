"""A quiz question follows its course's ``language`` as a lesson does (``courses.notebook_lang``).

In a Chinese course (``language: zh-hans``) ``question.md`` is the Chinese and ``question.en.md`` the optional
English; in an English course ``question.md`` is the English and ``question.zh.md`` the optional Chinese. The
definition keeps the English as ``html`` and the Chinese as ``html_zh`` whichever is the source; a reader whose
language has no translation gets the course's own text; a translation in the course's own language is refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from courses.enums import Role
from courses.importer import CourseImportError, import_course, render_report
from courses.models import Activity, Enrollment

pytestmark = pytest.mark.django_db

QUESTION_YAML = (
    'title: "Plus or minus"\ntitle_zh: "正负"\nparts:\n  - id: a\n    type: choice\n'
    '    options: ["$|+\\\\rangle$", "$|-\\\\rangle$"]\n    answer: 1\n    points: 1\n'
)
ZH = "哪个态的相对相位为 $\\pi$？"
EN = "Which state has relative phase $\\pi$?"


def _course(root: Path, language: str | None, texts: dict[str, dict[str, str]]) -> Path:
    """A course with one quiz of the given questions: ``texts[qid]`` maps file names to their text."""
    lang = f"language: {language}\n" if language else ""
    (root / "questions").mkdir(parents=True)
    (root / "course.yaml").write_text(
        f'slug: qlang\ntitle: "Course"\ntitle_zh: "课程"\n{lang}units:\n  - slug: u1\n    title: "Unit"\n'
        "    activities:\n"
        f'      - {{slug: q1, kind: quiz, title: "Quiz", title_zh: "测验", questions: [{", ".join(texts)}], '
        "attempts: unlimited}\n",
        encoding="utf-8",
    )
    for qid, files in texts.items():
        folder = root / "questions" / qid
        folder.mkdir()
        (folder / "question.yaml").write_text(QUESTION_YAML, encoding="utf-8")
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
    return root


def _definition() -> dict:
    from assessments.services import definition_of

    definition = definition_of(Activity.objects.get(course__slug="qlang", slug="q1").current_version)
    assert definition is not None
    return definition


def _shown(cast, lang: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """What alice's first attempt shows a reader of ``lang``: question id -> the question's HTML."""
    from assessments.selectors import attempt_of, attempt_view
    from assessments.services import attempt_start

    activity = Activity.objects.get(course__slug="qlang", slug="q1")
    if not Enrollment.objects.filter(course=activity.course, user=cast.alice).exists():
        Enrollment.objects.create(course=activity.course, user=cast.alice, role=Role.STUDENT)
        attempt_start(activity=activity, user=cast.alice)
    attempt = attempt_of(activity=activity, user=cast.alice, number=1)
    with translation.override(lang):
        return {q["qid"]: q["html"] for q in attempt_view(attempt=attempt, show_results=False, show_solutions=False)}


def test_a_chinese_course_reads_question_md_as_chinese_and_question_en_md_as_english(tmp_path: Path, cast) -> None:  # type: ignore[no-untyped-def]
    root = _course(
        tmp_path / "c",
        "zh-hans",
        {"both": {"question.md": ZH, "question.en.md": EN}, "only": {"question.md": "只有中文的题目。"}},
    )
    import_course(root, teacher=cast.teacher)
    definition = _definition()
    assert definition["language"] == "zh"
    both, only = definition["questions"]["both"], definition["questions"]["only"]
    assert "相对相位" in both["html_zh"] and "relative phase" not in both["html_zh"]
    assert "relative phase" in both["html"] and "相对相位" not in both["html"]
    assert "只有中文的题目" in only["html_zh"] and only["html"] == ""  # no English: nothing stored as English
    files = set(
        Activity.objects.get(course__slug="qlang", slug="q1").current_version.files.values_list("path", flat=True)
    )
    assert {"questions/both/question.md", "questions/both/question.en.md", "questions/only/question.md"} <= files
    assert not any(path.endswith(".zh.md") for path in files)
    # a Chinese reader gets the Chinese; an English one the English, or the course's Chinese where there is none
    zh = _shown(cast, "zh-hans")
    assert "相对相位" in zh["both"] and "只有中文的题目" in zh["only"]
    en = _shown(cast, "en")
    assert "relative phase" in en["both"] and "相对相位" not in en["both"]
    assert "只有中文的题目" in en["only"]


def test_an_english_reader_sees_a_chinese_course_question_on_the_attempt_page(tmp_path: Path, cast, client) -> None:  # type: ignore[no-untyped-def]
    import_course(
        _course(tmp_path / "c", "zh-hans", {"only": {"question.md": "只有中文的题目。"}}), teacher=cast.teacher
    )
    _shown(cast, "en")  # enrols alice and starts her attempt
    client.force_login(cast.alice)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/quiz/qlang/q1/attempt/1/").content.decode()
    assert "Hand in" in html and "只有中文的题目" in html


def test_a_chinese_translation_in_a_chinese_course_is_refused_in_both_languages(tmp_path: Path, cast) -> None:  # type: ignore[no-untyped-def]
    root = _course(tmp_path / "c", "zh-hans", {"both": {"question.md": ZH, "question.zh.md": ZH}})
    with pytest.raises(CourseImportError) as caught:
        import_course(root, teacher=cast.teacher)
    (problem,) = caught.value.problems
    assert str(problem) == (
        "questions/both/question.zh.md: is a translation into the course's own language (course.yaml: language: "
        "zh-hans, so questions/both/question.md is already in it); name the translation "
        "questions/both/question.en.md"
    )
    with translation.override("zh-hans"):
        zh = render_report(problem.line().to_json())
    assert zh.startswith("questions/both/question.zh.md：是译成课程本身语言的译文")
    assert "questions/both/question.en.md" in zh and "language: zh-hans" in zh


def test_an_english_translation_in_an_english_course_is_refused(tmp_path: Path, cast) -> None:  # type: ignore[no-untyped-def]
    root = _course(tmp_path / "c", None, {"both": {"question.md": EN, "question.en.md": EN}})
    with pytest.raises(CourseImportError) as caught:
        import_course(root, teacher=cast.teacher)
    (problem,) = caught.value.problems
    assert str(problem).startswith("questions/both/question.en.md: is a translation into the course's own language")
    assert str(problem).endswith("name the translation questions/both/question.zh.md")


def test_an_english_course_keeps_question_md_english_and_question_zh_md_chinese(tmp_path: Path, cast) -> None:  # type: ignore[no-untyped-def]
    root = _course(
        tmp_path / "c",
        None,
        {"both": {"question.md": EN, "question.zh.md": ZH}, "only": {"question.md": "Only English here."}},
    )
    import_course(root, teacher=cast.teacher)
    definition = _definition()
    assert definition["language"] == "en"
    both, only = definition["questions"]["both"], definition["questions"]["only"]
    assert "relative phase" in both["html"] and "相对相位" in both["html_zh"]
    assert "Only English here" in only["html"] and only["html_zh"] == ""
    en = _shown(cast, "en")
    assert "relative phase" in en["both"] and "Only English here" in en["only"]
    zh = _shown(cast, "zh-hans")
    assert "相对相位" in zh["both"] and "relative phase" not in zh["both"]
    assert "Only English here" in zh["only"]  # no Chinese: the course's English


def test_a_definition_from_before_the_language_was_recorded_reads_as_english_first() -> None:
    """Definitions imported earlier have no ``language``: their question.md was English."""
    from assessments.selectors import _question_html

    q = {"html": "<p>English</p>", "html_zh": ""}
    with translation.override("zh-hans"):
        assert _question_html({}, q) == "<p>English</p>"
        assert _question_html({}, {**q, "html_zh": "<p>中文</p>"}) == "<p>中文</p>"
    with translation.override("en"):
        assert _question_html({"language": "zh"}, {"html": "", "html_zh": "<p>中文</p>"}) == "<p>中文</p>"


def test_the_chinese_high_school_course_keeps_its_questions_chinese_first() -> None:
    """content/hs-quantum is ``language: zh-hans``: question.md Chinese, question.en.md English, no question.zh.md."""
    import re

    questions = Path(__file__).resolve().parents[2] / "content" / "hs-quantum" / "questions"
    folders = sorted(p for p in questions.iterdir() if p.is_dir())
    assert len(folders) >= 20
    for folder in folders:
        assert not (folder / "question.zh.md").exists(), folder.name
        source = (folder / "question.md").read_text(encoding="utf-8")
        english = (folder / "question.en.md").read_text(encoding="utf-8")
        assert len(re.findall(r"[\u4e00-\u9fff]", source)) > 5, folder.name
        assert not re.search(r"[\u4e00-\u9fff]", english), folder.name
