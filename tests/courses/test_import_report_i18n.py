"""The course import report is shown in the reader's language, decided when the page is shown.

A background import stores its summary and every problem line as message ids + params; the
progress page translates them for whoever reads it (the teacher who switched language since, an
administrator). Rows stored before (plain strings) are shown as they were written. The shell
(``manage.py import_course``) and ``CourseImportError`` keep printing English.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

pytestmark = pytest.mark.django_db

BROKEN = (
    "slug: qc101\ntitle: QC\nunits:\n  - slug: u\n    title: U\n    titel: typo\n    activities:\n"
    "      - slug: a\n        kind: lesson\n        title: A\n        file: lessons/missing.md\n"
    "      - slug: b\n        kind: lesson\n        title: B\n        file: lessons/b.md\n"
    "        release: 2026-03-01\n        due: 2026-02-01\n"
)
EN_LINES = [
    "course.yaml: units[0].activities[1]: Value error, due is before release",
    "course.yaml: units[0].titel: unknown key (check its spelling)",
    "lessons/missing.md: missing file (named by activity 'a')",
]
ZH_LINES = [
    "course.yaml：units[0].activities[1]：取值错误：截止时间早于发布时间",
    "course.yaml：units[0].titel：未知的键（请检查拼写）",
    "lessons/missing.md：缺少文件（引用自活动 'a'）",
]
GOOD = (
    "slug: mini\ntitle: Mini\nunits:\n  - slug: u\n    title: U\n    activities:\n"
    "      - slug: a\n        kind: lesson\n        title: A\n        file: lessons/a.md\n"
)


def _zip(files: dict[str, str]) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    buf.seek(0)
    buf.name = "course.zip"
    return buf


def _page(client: Client, url: str, language: str) -> str:
    return html.unescape(client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode())


def _problems(page: str) -> list[str]:
    block = page.split('<ul class="problems">', 1)[1].split("</ul>", 1)[0]
    return [html.unescape(m) for m in re.findall(r"<li><code>(.*?)</code></li>", block, re.S)]


def _upload(client: Client, url: str, files: dict[str, str], capture) -> str:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        response = client.post(url, {"archive": _zip(files)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return str(response["Location"])


def test_a_refused_import_is_shown_in_each_readers_language(
    world, cast, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from courses.models import CourseImport

    settings.COURSE_IMPORT_DIR = tmp_path / "imports"
    teacher = Client()
    teacher.force_login(cast.teacher)
    with translation.override("zh-hans"):  # the language active at import time decides nothing
        url = _upload(
            teacher,
            "/courses/qc101/manage/import/",
            {"course.yaml": BROKEN, "lessons/b.md": "# B\n"},
            django_capture_on_commit_callbacks,
        )
    job = CourseImport.objects.get()
    assert job.status == "failed"
    assert all(isinstance(p, dict) and "msg" in p and "args" in p for p in job.problems)  # stored as message ids

    english = _page(teacher, url, "en")
    assert _problems(english) == EN_LINES
    assert "缺少文件" not in english and "未知的键" not in english

    chinese = _page(teacher, url, "zh-hans")
    assert _problems(chinese) == ZH_LINES
    assert "missing file" not in chinese and "unknown key" not in chinese and "before release" not in chinese

    admin = Client()  # an administrator reads the teacher's report in their own language
    admin.force_login(cast.admin)
    assert _problems(_page(admin, url, "zh-hans")) == ZH_LINES
    assert _problems(_page(admin, url, "en")) == EN_LINES


def test_a_finished_import_summary_is_shown_in_each_readers_language(
    cast, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from courses.models import CourseImport

    settings.COURSE_IMPORT_DIR = tmp_path / "imports"
    teacher = Client()
    teacher.force_login(cast.teacher)
    url = _upload(
        teacher, "/courses/import/", {"course.yaml": GOOD, "lessons/a.md": "# A\n"}, django_capture_on_commit_callbacks
    )
    job = CourseImport.objects.get()
    assert job.status == "done", (job.summary, job.problems)
    assert job.summary == "mini: created; 1 new activity version(s)"  # the English text stays for the admin
    english = _page(teacher, url, "en")
    assert "mini: created; 1 new activity version(s)" in english and "已创建" not in english
    chinese = _page(teacher, url, "zh-hans")
    assert "mini：已创建；1 个新的活动版本" in chinese and "created" not in chinese


def test_rows_stored_before_translation_still_render(world, cast) -> None:  # type: ignore[no-untyped-def]
    from courses.models import CourseImport

    failed = CourseImport.objects.create(
        teacher=cast.teacher,
        course=world.course,
        filename="old.zip",
        status=CourseImport.Status.FAILED,
        problems=["lessons/x.md: missing file (named by activity 'x')", "upload: not a zip file"],
    )
    done = CourseImport.objects.create(
        teacher=cast.teacher,
        course=world.course,
        filename="old2.zip",
        status=CourseImport.Status.DONE,
        summary="qc101: updated; 2 new activity version(s)",
    )
    teacher = Client()
    teacher.force_login(cast.teacher)
    for language in ("en", "zh-hans"):
        page = _page(teacher, f"/courses/imports/{failed.pk}/", language)
        assert _problems(page) == ["lessons/x.md: missing file (named by activity 'x')", "upload: not a zip file"]
        assert "qc101: updated; 2 new activity version(s)" in _page(teacher, f"/courses/imports/{done.pk}/", language)


def test_the_shell_and_the_exception_stay_english_when_chinese_is_active(tmp_path: Path) -> None:
    from courses.importer import CourseImportError, import_course

    folder = tmp_path / "broken"
    (folder / "lessons").mkdir(parents=True)
    (folder / "course.yaml").write_text(BROKEN)
    (folder / "lessons" / "b.md").write_text("# B\n")
    with translation.override("zh-hans"):
        with pytest.raises(CourseImportError) as caught:
            import_course(folder)
        assert [str(p) for p in caught.value.problems] == EN_LINES
        assert str(caught.value) == "\n".join(EN_LINES)
        with pytest.raises(CommandError) as failed:
            call_command("import_course", str(folder))
        assert str(failed.value).splitlines()[1:] == [f"  {line}" for line in EN_LINES]
        good = tmp_path / "good"
        (good / "lessons").mkdir(parents=True)
        (good / "course.yaml").write_text(GOOD)
        (good / "lessons" / "a.md").write_text("# A\n")
        out = io.StringIO()
        call_command("import_course", str(good), stdout=out)
    assert out.getvalue().strip().endswith("mini: created; 1 new activity version(s)")
    assert not re.search(r"[\u4e00-\u9fff]", out.getvalue() + str(failed.value))


def test_question_file_problems_join_the_translated_report(cast, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from courses.importer import CourseImportError, import_course, render_report

    folder = tmp_path / "quiz"
    files = {
        "course.yaml": (
            "slug: qz\ntitle: Q\nunits:\n  - slug: u\n    title: U\n    activities:\n"
            "      - slug: q1\n        kind: quiz\n        title: Q\n        questions: [noanswer, gone]\n"
        ),
        "questions/noanswer/question.md": "What is {{ x }}?",
        "questions/noanswer/question.yaml": "title: n\nparts:\n  - id: a\n    type: numeric\n",
    }
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    with pytest.raises(CourseImportError) as caught:
        import_course(folder, teacher=cast.teacher)
    english = [str(p) for p in caught.value.problems]
    assert english == [
        "questions/noanswer/question.md: placeholders ['x'] need a generate.py to fill them",
        "questions/noanswer/question.yaml: part 'a': 'answer' is missing",
        "questions/gone: missing question folder (named by an assessment in the manifest)",
    ]
    stored = [p.line().to_json() for p in caught.value.problems]
    with translation.override("zh-hans"):
        assert [render_report(s) for s in stored] == [
            "questions/noanswer/question.md：占位符 ['x'] 需要 generate.py 来填充",
            "questions/noanswer/question.yaml：小题 'a'：缺少 'answer'",
            "questions/gone：缺少题目文件夹（由课程清单中的某个测评指定）",
        ]
    with translation.override("en"):
        assert [render_report(s) for s in stored] == english


@pytest.mark.parametrize(
    ("line", "chinese"),
    [
        (
            "cell 9 ('explain'): this answer cell has no BEGIN/END SOLUTION markers, so nbgrader blanks all of it "
            "for students, including the text 'Q3 (2 points)': put the question in a cell of its own",
            "第 9 个单元格（'explain'）：这个作答单元格没有 BEGIN/END SOLUTION 标记，nbgrader 会为学生清空整个单元格，"
            "包括文字 'Q3 (2 points)'：请把题目放在单独的单元格中",
        ),
        (
            "cell bell-test: the reference solution scores 0 of 2 (expected 2)",
            "单元格 bell-test：参考解答得 0 分，满分 2（应得 2）",
        ),
        (
            "the blank student version timed out in cell 'slow' in both of two runs (each cell may take 30 s, "
            "the whole notebook 600 s): make it faster or raise GRADING_CELL_TIMEOUT / GRADING_JOB_WALL_SECONDS",
            "空白的学生版本在两次运行中都在 cell 'slow' 超时（每个单元格最多 30 秒，整个笔记本最多 600 秒）："
            "请让它运行得更快，或调高 GRADING_CELL_TIMEOUT / GRADING_JOB_WALL_SECONDS",
        ),
        ("cell 4: has nbgrader metadata but no grade_id", "第 4 个单元格：有 nbgrader 元数据，但没有 grade_id"),
        ("cell 3 ('q'): cell 'q' does not have points", "第 3 个单元格（'q'）：cell 'q' does not have points"),
        ("words nobody foresaw", "words nobody foresaw"),
    ],
)
def test_grading_lines_are_translated_and_keep_their_english(line: str, chinese: str) -> None:
    from courses.importer import Problem, grading_message, render_report

    message = grading_message(line)
    assert str(message) == line  # the shell's words are exactly grading's
    stored = Problem("a/nb.ipynb", message).line().to_json()
    with translation.override("zh-hans"):
        assert render_report(stored) == f"a/nb.ipynb：{chinese}"
    with translation.override("en"):
        assert render_report(stored) == f"a/nb.ipynb: {line}"


def test_manifest_rules_with_parameters_are_translated(tmp_path: Path) -> None:
    from courses.importer import CourseImportError, import_course, render_report

    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "course.yaml").write_text(
        "slug: c\ntitle: C\nunits:\n  - slug: u\n    title: U\n    activities:\n"
        "      - slug: a\n        kind: lesson\n        title: A\n"
    )
    with pytest.raises(CourseImportError) as caught:
        import_course(folder)
    (problem,) = caught.value.problems
    assert str(problem) == "course.yaml: units[0].activities[0]: Value error, a lesson needs 'file'"
    with translation.override("zh-hans"):
        assert (
            render_report(problem.line().to_json())
            == "course.yaml：units[0].activities[0]：取值错误：lesson 需要 'file'"
        )
