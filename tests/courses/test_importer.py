"""Importing course folders: idempotent, versioned, transactional, and precise about mistakes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from courses.enums import FileKind, Role
from courses.importer import CourseImportError, import_course
from courses.models import Activity, ActivityVersion, Course, Enrollment, Unit
from tests.factories import UserFactory

DEMO = Path(__file__).resolve().parents[2] / "content" / "demo"
pytestmark = pytest.mark.django_db


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "course"
    shutil.copytree(DEMO, target)
    return target


def _manifest(folder: Path) -> str:
    return (folder / "course.yaml").read_text()


def _write_manifest(folder: Path, text: str) -> None:
    (folder / "course.yaml").write_text(text)


def test_import_creates_course_units_activities_and_versions(folder: Path) -> None:
    report = import_course(folder)
    course = Course.objects.get(slug="quantum-first-steps")
    assert report.created and not report.unchanged
    assert course.title_zh == "量子计算：第一步"
    assert list(Unit.objects.filter(course=course).values_list("slug", flat=True)) == ["bell"]
    kinds = dict(Activity.objects.filter(course=course).values_list("slug", "kind"))
    assert kinds == {
        "bell-lesson": "lesson",
        "bell-practice": "practice",
        "bell-states": "assignment",
        "bell-quiz": "quiz",  # questions/ folders (assessments app)
        "bell-exam": "exam",
    }
    lesson = Activity.objects.get(slug="bell-lesson")
    html = lesson.current_version.body_html
    assert '<span class="arithmatex">' in html  # math kept for KaTeX
    assert (
        f"/courses/{course.slug}/a/bell-lesson/files/figures/bell-circuit.svg" in html
    )  # figure rewritten to the file view
    assert lesson.current_version.files.filter(kind=FileKind.ASSET, path="figures/bell-circuit.svg").exists()


def test_assignment_keeps_the_source_private_and_serves_the_student_version(folder: Path) -> None:
    import_course(folder)
    version = Activity.objects.get(slug="bell-states").current_version
    kinds = dict(version.files.values_list("path", "kind"))
    assert kinds == {"source/bell-states.ipynb": FileKind.SOURCE, "bell-states.ipynb": FileKind.NOTEBOOK}
    from core.blobs import blob_get

    student = blob_get(version.files.get(kind=FileKind.NOTEBOOK).blob).decode()
    source = blob_get(version.files.get(kind=FileKind.SOURCE).blob).decode()
    assert "BEGIN HIDDEN TESTS" in source and "qc.cx(0, 1)" in source
    assert "BEGIN HIDDEN TESTS" not in student and "qc.cx(0, 1)" not in student
    assert "YOUR CODE HERE" in student
    assert version.facts["max_points"] == 10
    assert {c["grade_id"] for c in version.facts["notebooks"][0]["cells"]} == {
        "test_phi_plus",
        "test_psi_minus",
        "explain_entanglement",
    }
    # the preview rendered on the page is the student version: no solutions, no hidden tests
    assert "qc.cx(0, 1)" not in version.body_html and "HIDDEN" not in version.body_html


def test_reimport_of_identical_folder_changes_nothing(folder: Path) -> None:
    import_course(folder)
    versions = list(ActivityVersion.objects.values_list("id", flat=True))
    report = import_course(folder)
    assert report.unchanged
    assert list(ActivityVersion.objects.values_list("id", flat=True)) == versions


def test_reimport_updates_content_keeps_enrollments_and_old_versions(folder: Path) -> None:
    import_course(folder)
    course = Course.objects.get(slug="quantum-first-steps")
    alice = UserFactory(username="alice")
    Enrollment.objects.create(course=course, user=alice, role=Role.STUDENT)
    lesson = Activity.objects.get(slug="bell-lesson")
    old_version = lesson.current_version
    # a submission points at the old version of the assignment
    from grading.models import Submission

    assignment = Activity.objects.get(slug="bell-states")
    from django.utils import timezone

    sub = Submission.objects.create(
        activity=assignment,
        version=assignment.current_version,
        user=alice,
        received_at=timezone.now(),
        blob="0" * 64,
        size=1,
        source="upload",
        idempotency_key="k1",
    )
    (folder / "lessons" / "bell.md").write_text(
        (folder / "lessons" / "bell.md").read_text() + "\n\nA new closing paragraph.\n"
    )
    nb_path = folder / "assignments" / "bell-states" / "bell-states.ipynb"
    nb = json.loads(nb_path.read_text())
    nb["cells"][0]["source"] = "# Assignment: building Bell states (revised)"
    nb_path.write_text(json.dumps(nb))
    _write_manifest(folder, _manifest(folder).replace('title: "The Bell state"', 'title: "The Bell state, revisited"'))

    report = import_course(folder)
    assert not report.unchanged
    assert sorted(report.new_versions) == ["bell-lesson v2", "bell-states v2"]
    lesson.refresh_from_db()
    assert lesson.title == "The Bell state, revisited"
    assert lesson.current_version.number == 2 and "closing paragraph" in lesson.current_version.body_html
    assert ActivityVersion.objects.filter(pk=old_version.pk).exists()
    sub.refresh_from_db()
    assert sub.version.number == 1  # the submission still points at what the student answered
    assert Enrollment.objects.filter(course=course, user=alice, role=Role.STUDENT).exists()
    assert Activity.objects.get(slug="bell-practice").current_version.number == 1  # unchanged stays


def test_activity_removed_from_manifest_is_archived_not_deleted(folder: Path) -> None:
    import_course(folder)
    text = _manifest(folder)
    start = text.index("      - slug: bell-practice")
    end = text.index("      - slug: bell-states")
    _write_manifest(folder, text[:start] + text[end:])
    report = import_course(folder)
    assert report.archived == ["activity bell-practice"]
    practice = Activity.objects.get(slug="bell-practice")
    assert practice.archived and practice.current_version is not None


def _problems(folder: Path) -> list[str]:
    with pytest.raises(CourseImportError) as info:
        import_course(folder)
    return [str(p) for p in info.value.problems]


def test_unknown_key_names_the_file_and_the_key(folder: Path) -> None:
    _write_manifest(
        folder, _manifest(folder).replace("        points: 10\n", "        points: 10\n        relase: 2026-01-01\n")
    )
    problems = _problems(folder)
    assert problems == ["course.yaml: units[0].activities[2].relase: unknown key (check its spelling)"]
    assert not Course.objects.exists()


def test_missing_file_is_named(folder: Path) -> None:
    (folder / "lessons" / "bell.md").unlink()
    assert _problems(folder) == ["lessons/bell.md: missing file (named by activity 'bell-lesson')"]
    assert not Course.objects.exists()


def test_missing_figure_is_named(folder: Path) -> None:
    (folder / "lessons" / "figures" / "bell-circuit.svg").unlink()
    assert _problems(folder) == [
        "lessons/figures/bell-circuit.svg: missing file (named by an image in lessons/bell.md)"
    ]


def test_invalid_notebook_json_names_file_and_position(folder: Path) -> None:
    (folder / "practice" / "bell-practice.ipynb").write_text('{"cells": [}')
    (problem,) = _problems(folder)
    assert problem.startswith("practice/bell-practice.ipynb: invalid notebook JSON: ")
    assert "line 1" in problem


def test_json_that_is_not_a_notebook_is_refused(folder: Path) -> None:
    (folder / "practice" / "bell-practice.ipynb").write_text('{"hello": "world"}')
    (problem,) = _problems(folder)
    assert problem.startswith("practice/bell-practice.ipynb: not a valid Jupyter notebook")


def test_duplicate_ids_are_refused(folder: Path) -> None:
    _write_manifest(folder, _manifest(folder).replace("slug: bell-practice", "slug: bell-lesson"))
    (problem,) = _problems(folder)
    assert "duplicate activity slug 'bell-lesson'" in problem and problem.startswith("course.yaml")


def test_bad_dates_are_refused(folder: Path) -> None:
    _write_manifest(
        folder, _manifest(folder).replace("        points: 10\n", "        points: 10\n        due: 2026-13-45\n")
    )
    (problem,) = _problems(folder)
    assert problem.startswith("course.yaml: units[0].activities[2].due:")
    _write_manifest(
        folder,
        _manifest(folder).replace(
            "due: 2026-13-45", "release: 2026-05-02T00:00:00Z\n        due: 2026-05-01T00:00:00Z"
        ),
    )
    (problem,) = _problems(folder)
    assert "due is before release" in problem


def test_path_outside_the_folder_is_refused(folder: Path) -> None:
    _write_manifest(folder, _manifest(folder).replace("file: lessons/bell.md", "file: ../../etc/passwd"))
    (problem,) = _problems(folder)
    assert "units[0].activities[0].file" in problem and "no '..'" in problem


def test_several_problems_are_reported_together_and_nothing_is_half_imported(folder: Path) -> None:
    import_course(folder)
    before = list(ActivityVersion.objects.values_list("id", "digest"))
    (folder / "lessons" / "bell.md").write_text("# Changed lesson")  # a valid change...
    (folder / "practice" / "bell-practice.ipynb").write_text("not json")  # ...next to a broken file
    (folder / "assignments" / "bell-states" / "bell-states.ipynb").unlink()
    problems = _problems(folder)
    assert len(problems) == 2
    assert any(p.startswith("practice/bell-practice.ipynb") for p in problems)
    assert any(p.startswith("assignments/bell-states: has no .ipynb") for p in problems)
    assert list(ActivityVersion.objects.values_list("id", "digest")) == before  # the valid change did not land either


def test_broken_nbgrader_metadata_is_named(folder: Path) -> None:
    path = folder / "assignments" / "bell-states" / "bell-states.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"][3]["metadata"]["nbgrader"]["grade_id"] = nb["cells"][4]["metadata"]["nbgrader"]["grade_id"]
    path.write_text(json.dumps(nb))
    (problem,) = _problems(folder)
    assert problem.startswith("assignments/bell-states/bell-states.ipynb: cell 5 (")
    assert "duplicate grade_id (first used by cell 4)" in problem


def test_toml_manifest_works_too(folder: Path) -> None:
    (folder / "course.yaml").unlink()
    (folder / "course.toml").write_text(
        'slug = "toml-course"\ntitle = "TOML course"\n[[units]]\nslug = "u1"\ntitle = "Unit"\n'
        '[[units.activities]]\nslug = "l1"\nkind = "lesson"\ntitle = "Lesson"\nfile = "lessons/bell.md"\n'
    )
    import_course(folder)
    assert Activity.objects.get(slug="l1").course.slug == "toml-course"


def test_teacher_cannot_overwrite_a_course_they_do_not_teach(folder: Path) -> None:
    import_course(folder)
    stranger = UserFactory(username="stranger", can_create_courses=True)
    _write_manifest(folder, _manifest(folder).replace("first steps", "hijacked"))
    with pytest.raises(CourseImportError, match="exists and you do not teach it"):
        import_course(folder, teacher=stranger)
    assert "hijacked" not in Course.objects.get().title


def test_import_command_reports_problems(folder: Path) -> None:
    from django.core.management import CommandError, call_command

    (folder / "lessons" / "bell.md").unlink()
    with pytest.raises(CommandError, match=r"lessons/bell.md: missing file"):
        call_command("import_course", str(folder))


# ---------------------------------------------------------------------------------------
# nbgrader's own ps1: two notebooks, a task cell and an image in one assignment folder


def _nbgrader_ps1() -> Path:
    import nbgrader

    return Path(nbgrader.__file__).parent / "docs" / "source" / "user_guide" / "source" / "ps1"


PS1_ACTIVITY = """      - slug: ps1
        kind: assignment
        title: "nbgrader's ps1"
        folder: assignments/ps1
        points: 13
"""


def _with_ps1(folder: Path, extra: str = "") -> None:
    shutil.copytree(_nbgrader_ps1(), folder / "assignments" / "ps1")
    _write_manifest(folder, _manifest(folder) + PS1_ACTIVITY + extra)


def test_an_assignment_folder_with_two_notebooks_is_one_activity_with_one_total(folder: Path) -> None:
    _with_ps1(folder)
    import_course(folder)
    version = Activity.objects.get(slug="ps1").current_version
    kinds = dict(version.files.values_list("path", "kind"))
    assert kinds == {
        "problem1.ipynb": FileKind.NOTEBOOK,
        "problem2.ipynb": FileKind.NOTEBOOK,
        "source/problem1.ipynb": FileKind.SOURCE,
        "source/problem2.ipynb": FileKind.SOURCE,
        "jupyter.png": FileKind.DATA,
    }
    per_notebook = {nb["notebook"]: nb["max_points"] for nb in version.facts["notebooks"]}
    # as nbgrader has it: problem1 is 10 points with its 4-point task cell, problem2 3
    assert per_notebook == {"problem1.ipynb": 10, "problem2.ipynb": 3}
    assert version.facts["max_points"] == 13
    tasks = [c for nb in version.facts["notebooks"] for c in nb["cells"] if c["kind"] == "task"]
    assert [(c["grade_id"], c["points"]) for c in tasks] == [("cell-938593c4a215c6cc", 4)]


def test_assignment_images_show_in_the_preview_through_the_file_view(folder: Path, client) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import UserFactory

    _with_ps1(folder)
    import_course(folder)
    course = Course.objects.get(slug="quantum-first-steps")
    html = Activity.objects.get(slug="ps1").current_version.body_html
    url = f"/courses/{course.slug}/a/ps1/files/jupyter.png"
    assert f'src="{url}"' in html and 'src="jupyter.png"' not in html
    student = UserFactory(username="stu")
    Enrollment.objects.create(course=course, user=student, role=Role.STUDENT)
    client.force_login(student)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert client.get(f"/courses/{course.slug}/a/ps1/files/source/problem1.ipynb").status_code == 404


@pytest.mark.parametrize("counting", ["best", "latest", "latest_on_time"])
def test_manifest_sets_which_attempt_counts(folder: Path, counting: str) -> None:
    _with_ps1(folder, f"        counting: {counting}\n")
    import_course(folder)
    assert Activity.objects.get(slug="ps1").counting == counting
    assert Activity.objects.get(slug="bell-states").counting == "latest_on_time"  # the default


def test_changing_counting_keeps_the_version(folder: Path) -> None:
    _with_ps1(folder, "        counting: best\n")
    import_course(folder)
    version = Activity.objects.get(slug="ps1").current_version_id
    _write_manifest(folder, _manifest(folder).replace("counting: best", "counting: latest"))
    import_course(folder)
    act = Activity.objects.get(slug="ps1")
    assert act.counting == "latest" and act.current_version_id == version


def test_manifest_refuses_an_unknown_counting_with_a_clear_message(folder: Path) -> None:
    _with_ps1(folder, "        counting: highest\n")
    with pytest.raises(CourseImportError) as exc:
        import_course(folder)
    message = str(exc.value)
    assert "counting" in message and "'latest_on_time', 'best' or 'latest'" in message


def test_manifest_refuses_counting_on_a_lesson(folder: Path) -> None:
    text = _manifest(folder).replace(
        "        file: lessons/bell.md\n", "        file: lessons/bell.md\n        counting: best\n"
    )
    _write_manifest(folder, text)
    with pytest.raises(CourseImportError) as exc:
        import_course(folder)
    assert "counting applies to assignments and exams only" in str(exc.value)
