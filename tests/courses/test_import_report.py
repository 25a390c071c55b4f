"""A bad course folder is reported whole, in one pass, in the same words on the CLI and the web."""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from courses.importer import import_course
from courses.models import Course

DEMO = Path(__file__).resolve().parents[2] / "content" / "demo"
pytestmark = pytest.mark.django_db
NOTEBOOK = "assignments/bell-states/bell-states.ipynb"


def _edit_notebook(folder: Path, rel: str, change) -> None:  # type: ignore[no-untyped-def]
    path = folder / rel
    nb = json.loads(path.read_text())
    change(nb)
    path.write_text(json.dumps(nb))


def _cell(nb: dict, grade_id: str) -> dict:  # type: ignore[type-arg]
    return next(c for c in nb["cells"] if (c["metadata"].get("nbgrader") or {}).get("grade_id") == grade_id)


def _question_back_in_the_answer_cell(nb: dict) -> None:  # type: ignore[type-arg]
    # the demo's Q3 as it first shipped: the question inside the manually graded answer cell
    question = next(i for i, c in enumerate(nb["cells"]) if "Q3 (2 points" in "".join(c["source"]))
    text = "".join(nb["cells"][question]["source"])
    del nb["cells"][question]
    _cell(nb, "explain_entanglement")["source"] = text + "\n\nYOUR ANSWER HERE"


def _six_problems(tmp_path: Path) -> Path:
    folder = tmp_path / "broken"
    shutil.copytree(DEMO, folder)
    manifest = (folder / "course.yaml").read_text()
    manifest = manifest.replace(  # 1. manifest: an unknown key on the unit
        '    title: "Entanglement and the Bell state"\n', '    title: "Entanglement and the Bell state"\n    titel: typo\n'
    )
    manifest = manifest.replace(  # 2. manifest: an activity of an unknown kind
        "      - slug: bell-lesson\n",
        "      - slug: bell-seminar\n        kind: seminar\n        title: Seminar\n      - slug: bell-lesson\n",
    )
    manifest = manifest.replace(  # 3. files: an extra file that is not in the folder
        "        notebook: practice/bell-practice.ipynb\n",
        "        notebook: practice/bell-practice.ipynb\n        files: [data/shots.csv]\n",
    )
    (folder / "course.yaml").write_text(manifest)
    lesson = folder / "lessons" / "bell.md"  # 4. files: an image the lesson shows is missing
    lesson.write_text(lesson.read_text() + "\n![histogram](figures/histogram.png)\n")
    (folder / "practice" / "bell-practice.ipynb").write_text('{"cells": [')  # 5. notebook: not JSON

    def metadata(nb: dict) -> None:  # type: ignore[type-arg]
        del _cell(nb, "test_phi_plus")["metadata"]["nbgrader"]["points"]  # 6. nbgrader: no points
        _cell(nb, "test_psi_minus")["metadata"]["nbgrader"]["grade_id"] = "psi_minus_answer"  # 7. duplicate id
        _question_back_in_the_answer_cell(nb)  # 8. a warning: the question would be blanked

    _edit_notebook(folder, NOTEBOOK, metadata)
    return folder


def _cli_lines(folder: Path) -> list[str]:
    with pytest.raises(CommandError) as info:
        call_command("import_course", str(folder))
    text = str(info.value)
    assert "nothing was changed" in text
    return [line.strip() for line in text.splitlines()[1:] if line.strip()]


def _web_lines(folder: Path, teacher, django_capture_on_commit_callbacks) -> list[str]:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, "broken/" + path.relative_to(folder).as_posix())
    buf.seek(0)
    buf.name = "broken.zip"
    client = Client()
    client.force_login(teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/courses/import/", {"archive": buf})
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="failed"' in page
    block = page[page.index('<ul class="problems">') :]
    block = block[: block.index("</ul>")]
    return [html.unescape(m) for m in re.findall(r"<code>(.*?)</code>", block, re.S)]


def test_every_problem_in_one_report_same_on_cli_and_web(tmp_path, cast, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    folder = _six_problems(tmp_path)
    cli = _cli_lines(folder)
    expected = [
        ("course.yaml", "units[0].titel: unknown key"),
        ("course.yaml", "units[0].activities[0].kind"),
        ("data/shots.csv", "missing file (named by activity 'bell-practice')"),
        ("lessons/figures/histogram.png", "missing file (named by an image in lessons/bell.md)"),
        ("practice/bell-practice.ipynb", "invalid notebook JSON"),
        (NOTEBOOK, "cell 5 ('test_phi_plus'): nbgrader cell 'test_phi_plus' does not have points"),
        (NOTEBOOK, "cell 8 ('psi_minus_answer'): duplicate grade_id (first used by cell 7)"),
        (NOTEBOOK, "warning: cell 9 ('explain_entanglement'): this answer cell has no BEGIN/END SOLUTION markers"),
    ]
    for file, words in expected:
        assert any(line.startswith(f"{file}: ") and words in line for line in cli), (file, words, cli)
    assert len(cli) == len(expected), cli
    assert cli[-1].startswith(f"{NOTEBOOK}: warning:")  # warnings after the errors
    web = _web_lines(folder, cast.teacher, django_capture_on_commit_callbacks)
    assert web == cli  # the same lines, the same words
    assert not Course.objects.filter(slug="quantum-first-steps").exists()


def test_blanked_question_is_a_warning_on_a_successful_import(tmp_path, cast) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder)
    assert import_course(folder).warnings == []  # the demo ships with its question in a cell of its own
    _edit_notebook(folder, NOTEBOOK, _question_back_in_the_answer_cell)
    report = import_course(folder)
    assert len(report.warnings) == 1
    assert "Q3 (2 points" in report.warnings[0] and "nbgrader blanks all of it" in report.warnings[0]
    assert "warning: cell 9 ('explain_entanglement')" in report.summary()


def test_answer_cell_with_markers_or_placeholder_gives_no_warning() -> None:
    from grading.authoring import prepare_notebook

    source = (DEMO / NOTEBOOK).read_text()
    assert prepare_notebook(source, name="x.ipynb").warnings == []
