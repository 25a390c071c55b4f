"""Import of question folders: every problem in one report; generators run in the sandbox for every seed."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_course_with_quizzes_imports_and_hides_questions(quiz_course) -> None:  # type: ignore[no-untyped-def]
    from assessments.services import definition_of
    from courses.models import Activity, FileKind

    quiz = Activity.objects.get(course=quiz_course, slug="q1")
    definition = definition_of(quiz.current_version)
    assert definition is not None and definition["attempts"] == "unlimited"
    assert set(definition["questions"]) == {"pick", "angle", "rot", "square"}
    assert definition["questions"]["angle"]["n_variants"] == 20 and definition["questions"]["square"]["n_variants"] == 5
    assert float(quiz.current_version.facts["max_points"]) == 4.0  # 1 + 2 + 1 (one drawn from the pool)
    assert quiz.current_version.body_html == ""  # nothing of the questions before a start
    kinds = {f.path: f.kind for f in quiz.current_version.files.all()}
    assert kinds["questions/angle/generate.py"] == FileKind.SOURCE  # staff only
    exam = Activity.objects.get(course=quiz_course, slug="ex")
    assert definition_of(exam.current_version)["time_limit_minutes"] == 30


def _write(folder: Path, rel: str, text: str) -> None:
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_bad_question_folders_are_all_reported_at_once(cast, quiz_folder: Path) -> None:  # type: ignore[no-untyped-def]
    from courses.importer import CourseImportError, import_course

    manifest = (quiz_folder / "course.yaml").read_text()
    manifest = manifest.replace("questions: [bell]", "questions: [bell, missing, badyaml, crashy, junk, noanswer]")
    (quiz_folder / "course.yaml").write_text(manifest)
    _write(quiz_folder, "questions/badyaml/question.md", "text")
    _write(
        quiz_folder, "questions/badyaml/question.yaml", "title: x\nparts:\n  - id: a\n    type: numbr\n    pointz: 1\n"
    )
    _write(quiz_folder, "questions/crashy/question.md", "{{ n }}")
    _write(
        quiz_folder, "questions/crashy/question.yaml", "title: c\nvariants: 4\nparts:\n  - id: a\n    type: numeric\n"
    )
    _write(
        quiz_folder,
        "questions/crashy/generate.py",
        "def generate(seed):\n    if seed == 3:\n        raise ZeroDivisionError('boom')\n    return {'params': {'n': seed}, 'answers': {'a': seed}}\n",
    )
    _write(quiz_folder, "questions/junk/question.md", "{{ n }}")
    _write(quiz_folder, "questions/junk/question.yaml", "title: j\nvariants: 3\nparts:\n  - id: a\n    type: numeric\n")
    _write(
        quiz_folder,
        "questions/junk/generate.py",
        "def generate(seed):\n    if seed == 2:\n        return {'params': {'n': float('nan')}, 'answers': {'a': 1}}\n    if seed == 1:\n        return {'params': {}, 'answers': {'a': 'twelve'}}\n    return {'params': {'n': 1}, 'answers': {'a': 1}}\n",
    )
    _write(quiz_folder, "questions/noanswer/question.md", "What? {{ x }}")
    _write(quiz_folder, "questions/noanswer/question.yaml", "title: n\nparts:\n  - id: a\n    type: numeric\n")
    with pytest.raises(CourseImportError) as caught:
        import_course(quiz_folder, teacher=cast.teacher)
    lines = [str(p) for p in caught.value.problems]
    text = "\n".join(lines)
    assert "questions/missing: missing question folder" in text
    assert "questions/badyaml/question.yaml: parts[0].type:" in text
    assert "questions/badyaml/question.yaml: parts[0].pointz: unknown key" in text
    assert "questions/crashy/generate.py: seed 3: ZeroDivisionError: boom" in text
    assert not any("crashy/generate.py: seed 0" in line for line in lines)
    assert "questions/junk/generate.py: seed 2: returned data that is not plain JSON" in text
    assert "questions/junk/generate.py: seed 1:" in text and "'twelve' cannot be read" in text
    assert "questions/junk/generate.py: seed 1: params lack ['n']" in text
    assert "questions/noanswer/question.md: placeholders ['x'] need a generate.py" in text
    assert "questions/noanswer/question.yaml: part 'a': 'answer' is missing" in text


def test_manifest_rules_for_quizzes(cast, quiz_folder: Path) -> None:  # type: ignore[no-untyped-def]
    from courses.importer import CourseImportError, import_course

    manifest = (quiz_folder / "course.yaml").read_text()
    manifest = manifest.replace(
        "questions: [bell]\n        attempts: 2",
        "questions: [{pool: [bell], draw: 2}]\n        attempts: 0\n        ip_ranges: [not-an-ip]",
    )
    (quiz_folder / "course.yaml").write_text(manifest)
    with pytest.raises(CourseImportError) as caught:
        import_course(quiz_folder, teacher=cast.teacher)
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "draw 2 is more than the pool's 1 questions" in text
    assert "not-an-ip" in text
