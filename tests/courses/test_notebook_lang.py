"""A notebook reaches the student in their language: ``courses.notebook_lang`` swaps each Markdown cell
to its ``metadata.liangzhi.zh`` text for a Chinese reader, keeps code cells, cell ids and nbgrader
metadata as they are (one set of grade ids and hidden tests for both languages), and strips the
teacher's metadata (``liangzhi.zh``, ``liangzhi.solution``). The lab (sandbox.services) and the
download link (courses.views.activity_file) both go through it, and an assignment done in Chinese
grades exactly like the same work in English."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from courses.notebook_lang import notebook_bytes_for_language, notebook_for_language, notebook_language
from tests.content.nbgrading import CONTENT, filled_version, student_version

CJK = re.compile(r"[\u4e00-\u9fff]")


def _src(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _nbgrader(gid: str, **flags: Any) -> dict[str, Any]:
    return {
        "nbgrader": {"grade_id": gid, "schema_version": 3, "grade": False, "solution": False, "locked": False, **flags}
    }


def _hand_made() -> dict[str, Any]:
    cells = [
        {
            "cell_type": "markdown",
            "metadata": {"liangzhi": {"zh": "## 稳定子\n\n测量 $Z_1 Z_2$。"}},
            "source": ["## Stabilizers\n", "\n", "Measure $Z_1 Z_2$."],
        },
        {"cell_type": "markdown", "metadata": {}, "source": "No translation: stays English."},
        {
            "cell_type": "code",
            "metadata": {"liangzhi": {"solution": "def f():\n    return 42", "trusted": False}},
            "source": "def f():\n    # YOUR CODE HERE\n    raise NotImplementedError()",
            "outputs": [],
            "execution_count": None,
        },
        {
            "cell_type": "markdown",  # a written answer: its blank's checksum covers the source text
            "metadata": {
                **_nbgrader("why", grade=True, solution=True, points=2, checksum="abc123"),
                "liangzhi": {"zh": "在此作答（不应出现）"},
            },
            "source": "YOUR ANSWER HERE",
        },
        {
            "cell_type": "markdown",  # a task cell: locked, checksummed, restored from the source when graded
            "metadata": {
                **_nbgrader("task1", task=True, locked=True, points=1, checksum="def456"),
                "liangzhi": {"zh": "任务"},
            },
            "source": "Task: describe the decoder.",
        },
        {
            "cell_type": "code",
            "metadata": _nbgrader("test_f", grade=True, locked=True, points=3, checksum="0f0f"),
            "source": "assert f() == 42",
            "outputs": [],
            "execution_count": None,
        },
    ]
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i}"
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}


def _private_keys(nb: dict[str, Any]) -> list[str]:
    return [
        f"cell {i}: {key}"
        for i, cell in enumerate(nb["cells"])
        for key in ("zh", "solution")
        if key in ((cell.get("metadata") or {}).get("liangzhi") or {})
    ]


def _nbgrader_meta(nb: dict[str, Any]) -> list[Any]:
    return [(cell.get("id"), (cell.get("metadata") or {}).get("nbgrader")) for cell in nb["cells"]]


def _code(nb: dict[str, Any]) -> list[tuple[Any, str]]:
    return [(cell.get("id"), _src(cell)) for cell in nb["cells"] if cell["cell_type"] != "markdown"]


def test_language_codes() -> None:
    assert [notebook_language(c) for c in ("zh-hans", "zh-Hans", "zh-cn", "zh", "en", "en-us", "", None)] == [
        "zh",
        "zh",
        "zh",
        "zh",
        "en",
        "en",
        "en",
        "en",
    ]


def test_a_chinese_reader_gets_chinese_markdown_and_an_english_reader_english() -> None:
    nb = _hand_made()
    original = copy.deepcopy(nb)
    zh = notebook_for_language(nb, "zh-hans")
    en = notebook_for_language(nb, "en")
    assert nb == original  # the stored notebook is not changed in place

    assert _src(zh["cells"][0]) == "## 稳定子\n\n测量 $Z_1 Z_2$。"
    assert zh["cells"][0]["source"] == ["## 稳定子\n", "\n", "测量 $Z_1 Z_2$。"]  # the stored shape is kept
    assert _src(en["cells"][0]) == "## Stabilizers\n\nMeasure $Z_1 Z_2$."
    assert _src(zh["cells"][1]) == "No translation: stays English."
    # nbgrader's checksummed cells keep their source text in both languages
    assert _src(zh["cells"][3]) == "YOUR ANSWER HERE" and _src(zh["cells"][4]) == "Task: describe the decoder."

    for out in (zh, en):
        assert [c["id"] for c in out["cells"]] == [c["id"] for c in nb["cells"]]
        assert _code(out) == _code(nb)
        assert _nbgrader_meta(out) == _nbgrader_meta(nb)  # grade ids, points and checksums untouched
        assert _private_keys(out) == []
        assert out["cells"][2]["metadata"] == {"liangzhi": {"trusted": False}}  # other keys stay
        assert out["cells"][0]["metadata"] == {}  # an emptied liangzhi goes altogether
        assert out["metadata"] == nb["metadata"]
    assert "42" not in json.dumps(zh["cells"][2]) and "在此作答" not in json.dumps(zh)


def test_bytes_follow_the_active_language_and_leave_a_broken_file_alone() -> None:
    data = json.dumps(_hand_made()).encode()
    with translation.override("zh-hans"):
        assert "稳定子" in notebook_bytes_for_language(data).decode()
    with translation.override("en"):
        text = notebook_bytes_for_language(data).decode()
        assert "Stabilizers" in text and "稳定子" not in text and "return 42" not in text
    assert notebook_bytes_for_language(b"not json", "zh") == b"not json"
    assert notebook_bytes_for_language(b"[1, 2]", "zh") == b"[1, 2]"


# -- every shipped notebook ----------------------------------------------------------------------------------

PRACTICE = sorted(CONTENT.glob("*/practice/*.ipynb"))
ASSIGNMENTS = sorted(CONTENT.glob("*/assignments/*/*.ipynb"))


def _shipped_student_notebook(path: Path) -> dict[str, Any]:
    """What the platform stores for students: the practice notebook itself, an assignment's release version."""
    return student_version(path) if "assignments" in path.parts else json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", PRACTICE + ASSIGNMENTS, ids=lambda p: str(p.relative_to(CONTENT)))
def test_every_shipped_notebook_comes_in_chinese_with_code_and_grading_single_sourced(path: Path) -> None:
    nb = _shipped_student_notebook(path)
    zh = notebook_for_language(nb, "zh-hans")
    en = notebook_for_language(nb, "en")
    for out in (zh, en):
        assert [c.get("id") for c in out["cells"]] == [c.get("id") for c in nb["cells"]]
        assert _code(out) == _code(nb)
        assert _nbgrader_meta(out) == _nbgrader_meta(nb)
        assert _private_keys(out) == [], "the teacher's metadata reached the student"
    # the course's language is the notebook's source (content/hs-quantum is Chinese first): that reader gets it as is
    chinese_first = _course_language(path) == "zh"
    for i, (cell, zh_cell, en_cell) in enumerate(zip(nb["cells"], zh["cells"], en["cells"], strict=True)):
        if cell["cell_type"] != "markdown":
            continue
        source_cell, other_cell = (zh_cell, en_cell) if chinese_first else (en_cell, zh_cell)
        assert _src(source_cell) == _src(cell), f"cell {i}: the source text changed"
        if (cell.get("metadata") or {}).get("nbgrader", {}).get("solution"):
            assert _src(other_cell) == _src(cell), f"cell {i}: an answer cell must keep its released text"
            continue
        assert CJK.search(_src(zh_cell)), f"cell {i} reaches a Chinese reader in English: {_src(cell)[:60]!r}"
        if chinese_first:
            assert not CJK.search(_src(en_cell)), f"cell {i} reaches an English reader in Chinese: {_src(cell)[:60]!r}"


def _course_language(path: Path) -> str:
    """``"en"`` or ``"zh"``: the language of the unsuffixed files of the course holding ``path`` (its course.yaml)."""
    import yaml

    from courses.notebook_lang import notebook_language

    course = next(p for p in path.parents if p.parent == CONTENT)
    return notebook_language(
        (yaml.safe_load((course / "course.yaml").read_text(encoding="utf-8")) or {}).get("language")
    )


@pytest.mark.parametrize("path", ASSIGNMENTS, ids=lambda p: str(p.relative_to(CONTENT)))
def test_every_checksum_still_matches_in_chinese(path: Path) -> None:
    """nbgrader's checksums (taken at release over each answer, locked and graded cell's source) still match
    the Chinese notebook: an untouched written answer scores "no response", nbgrader validate sees no
    changed locked cell."""
    import nbformat
    from nbgrader.utils import compute_checksum

    zh = nbformat.reads(json.dumps(notebook_for_language(student_version(path), "zh-hans")), as_version=4)
    checked = [
        (cell.get("id"), compute_checksum(cell) == cell.metadata.nbgrader["checksum"])
        for cell in zh.cells
        if "checksum" in (cell.metadata.get("nbgrader") or {})
    ]
    assert checked and all(ok for _, ok in checked), checked


@pytest.mark.parametrize("path", ASSIGNMENTS, ids=lambda p: str(p.relative_to(CONTENT)))
def test_no_model_answer_rides_in_a_written_answer_cells_metadata(path: Path) -> None:
    """nbgrader keeps cell metadata in the student version: a translation on a written-answer cell would be
    the model answer in every student's copy (and in the page's Chinese preview)."""
    source = json.loads(path.read_text(encoding="utf-8"))
    leaking = [
        cell.get("id")
        for cell in source["cells"]
        if (cell.get("metadata") or {}).get("nbgrader", {}).get("solution")
        and set((cell.get("metadata") or {}).get("liangzhi") or {}) & {"zh", "solution"}
    ]
    assert leaking == []


# -- the lab and the download link ---------------------------------------------------------------------------

ASSIGNMENT_SOURCE = {
    "cells": [
        {
            "id": "a0",
            "cell_type": "markdown",
            "metadata": {"liangzhi": {"zh": "# 作业：逻辑错误率"}},
            "source": "# Assignment: logical error rate",
        },
        {
            "id": "a1",
            "cell_type": "code",
            "metadata": _nbgrader("answer", solution=True),
            "source": "def p_logical(p):\n    ### BEGIN SOLUTION\n    return 3 * p**2\n    ### END SOLUTION",
            "outputs": [],
            "execution_count": None,
        },
        {
            "id": "a2",
            "cell_type": "code",
            "metadata": _nbgrader("test_answer", grade=True, locked=True, points=2),
            "source": "assert p_logical(0.1) > 0\n### BEGIN HIDDEN TESTS\nassert abs(p_logical(0.1) - 0.03) < 1e-9\n### END HIDDEN TESTS",
            "outputs": [],
            "execution_count": None,
        },
        {
            # a written answer a teacher translated too: the "translation" is a model answer, which must
            # reach no student (nbgrader keeps the metadata in the student version)
            "id": "a3",
            "cell_type": "markdown",
            "metadata": {
                **_nbgrader("why", grade=True, solution=True, points=1),
                "liangzhi": {"zh": "### BEGIN SOLUTION\n模型答案：码距越大越好\n### END SOLUTION"},
            },
            "source": "### BEGIN SOLUTION\nModel answer: the larger distance wins\n### END SOLUTION",
        },
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}

PRACTICE_NB = {
    "cells": [
        {
            "id": "p0",
            "cell_type": "markdown",
            "metadata": {"liangzhi": {"zh": "## 解码器练习"}},
            "source": "## Decoder practice",
        },
        {
            "id": "p1",
            "cell_type": "code",
            "metadata": {"liangzhi": {"solution": "answer = 'SECRET-REFERENCE'"}},
            "source": "answer = None  # YOUR CODE HERE",
            "outputs": [],
            "execution_count": None,
        },
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}

MANIFEST = """\
slug: nblang
title: "Notebook language"
title_zh: "笔记本语言"
units:
  - slug: u1
    title: "Unit"
    title_zh: "单元"
    activities:
      - {slug: drill, kind: practice, title: "Practice", title_zh: "练习", notebook: practice/drill.ipynb}
      - {slug: hw, kind: assignment, title: "Homework", title_zh: "作业", folder: assignments/hw}
"""


@pytest.fixture
def course(tmp_path: Path, cast):  # type: ignore[no-untyped-def]
    from courses.enums import Role
    from courses.importer import import_course
    from courses.models import Enrollment

    root = tmp_path / "course"
    (root / "practice").mkdir(parents=True)
    (root / "assignments" / "hw").mkdir(parents=True)
    (root / "course.yaml").write_text(MANIFEST)
    (root / "practice" / "drill.ipynb").write_text(json.dumps(PRACTICE_NB))
    (root / "assignments" / "hw" / "hw.ipynb").write_text(json.dumps(ASSIGNMENT_SOURCE))
    report = import_course(root, teacher=cast.teacher)
    Enrollment.objects.create(course=report.course, user=cast.alice, role=Role.STUDENT)
    return report.course


@dataclass
class _State:
    state: str = "ready"


@dataclass
class RecordingHub:
    """Stands in for the hub in lab_notebooks_place: records what would be written into the student's server."""

    written: dict[str, bytes] = field(default_factory=dict)

    def server_status(self, name: str) -> _State:
        return _State()

    def contents_mkdir(self, name: str, path: str) -> None:
        pass

    def contents_get(self, name: str, path: str) -> None:
        return None

    def contents_put_notebook(self, name: str, path: str, data: bytes) -> None:
        self.written[path] = data

    def contents_put_file(self, name: str, path: str, data: bytes) -> None:
        self.written[path] = data

    def session_bind(self, name: str, path: str) -> None:
        return None


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_lab_gets_the_notebooks_in_the_interface_language(course, cast, monkeypatch, lang: str) -> None:  # type: ignore[no-untyped-def]
    from courses.models import Activity
    from sandbox import services

    hub = RecordingHub()
    monkeypatch.setattr(services, "hub_client", lambda **kw: hub)
    for slug in ("drill", "hw"):
        with translation.override(lang):
            placed = services.lab_notebooks_place(user=cast.alice, activity=Activity.objects.get(slug=slug))
        assert [p.written for p in placed] == [True]
    drill = json.loads(next(v for k, v in hub.written.items() if k.endswith("drill.ipynb")))
    hw = json.loads(next(v for k, v in hub.written.items() if k.endswith("hw.ipynb")))
    heading = {
        "zh-hans": ("## 解码器练习", "# 作业：逻辑错误率"),
        "en": ("## Decoder practice", "# Assignment: logical error rate"),
    }
    assert (_src(drill["cells"][0]), _src(hw["cells"][0])) == heading[lang]
    assert "SECRET-REFERENCE" not in json.dumps(drill) and _private_keys(drill) == _private_keys(hw) == []
    # the release version as nbgrader made it: blank answer, hidden tests gone, checksums and ids kept
    assert "3 * p**2" not in json.dumps(hw) and "0.03" not in json.dumps(hw)
    assert [c["id"] for c in hw["cells"]] == ["a0", "a1", "a2", "a3"]
    assert "模型答案" not in json.dumps(hw, ensure_ascii=False) and "Model answer" not in json.dumps(hw)
    assert all("checksum" in c["metadata"]["nbgrader"] for c in hw["cells"][1:])
    assert hw["metadata"]["kernelspec"]["name"] == services.KERNEL_NAME  # notebook_for_lab still applies


@pytest.mark.django_db
def test_a_download_comes_in_the_language_the_page_shows(course, cast) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(cast.alice)

    def download(activity: str, path: str, **headers: str) -> dict[str, Any]:
        response = client.get(f"/courses/nblang/a/{activity}/files/{path}", **headers)
        assert response.status_code == 200
        return json.loads(b"".join(response.streaming_content))

    zh = download("drill", "drill.ipynb", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert _src(zh["cells"][0]) == "## 解码器练习" and "SECRET-REFERENCE" not in json.dumps(zh)
    en = download("hw", "hw.ipynb", HTTP_ACCEPT_LANGUAGE="en")
    assert _src(en["cells"][0]) == "# Assignment: logical error rate" and _private_keys(en) == []
    # the page's 中文 / English switch (a cookie) wins over the interface language, as on the page itself
    client.get("/courses/nblang/a/hw/?lang=zh-hans", HTTP_ACCEPT_LANGUAGE="en")
    assert _src(download("hw", "hw.ipynb", HTTP_ACCEPT_LANGUAGE="en")["cells"][0]) == "# 作业：逻辑错误率"
    assert client.get("/courses/nblang/a/hw/files/source/hw.ipynb").status_code == 404  # sources stay the teacher's
    assert "模型答案" not in json.dumps(download("hw", "hw.ipynb", HTTP_ACCEPT_LANGUAGE="zh-hans"), ensure_ascii=False)


@pytest.mark.django_db
def test_the_chinese_preview_shows_no_model_answer(course, cast) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(cast.alice)
    page = client.get("/courses/nblang/a/hw/?lang=zh-hans").content.decode()
    assert "作业：逻辑错误率" in page and "YOUR ANSWER HERE" in page
    assert "模型答案" not in page and "Model answer" not in page


@pytest.mark.django_db
def test_the_teacher_downloads_the_source_with_both_languages(course, cast) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(cast.teacher)
    response = client.get("/courses/nblang/a/hw/files/source/hw.ipynb", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    source = json.loads(b"".join(response.streaming_content))
    assert source["cells"][0]["metadata"]["liangzhi"]["zh"] == "# 作业：逻辑错误率"  # the import format, untouched
    assert "3 * p**2" in _src(source["cells"][1])


# -- grading a Chinese notebook ------------------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.slow
def test_an_assignment_done_in_chinese_grades_like_the_same_work_in_english(tmp_path: Path) -> None:
    """The demo assignment (autograded cells and a written answer): the reference solution typed into the
    Chinese notebook scores full marks exactly as in English, and the untouched Chinese notebook scores 0 with
    its written answer "no response" (its blank still matches nbgrader's checksum)."""
    from grading.runner.autograde import grade
    from grading.runner.sandbox import SandboxLimits, sandbox_probe

    if not sandbox_probe()["isolated"]:
        pytest.skip("no working bubblewrap here")
    folder = CONTENT / "demo" / "assignments" / "bell-states"
    source_path = next(folder.glob("*.ipynb"))
    source = source_path.read_text(encoding="utf-8")
    student = student_version(source_path)
    reference = filled_version(source_path)
    zh_blank = notebook_for_language(student, "zh-hans")
    zh_reference = notebook_for_language(reference, "zh-hans")
    assert CJK.search(_src(zh_reference["cells"][0])) and not CJK.search(_src(reference["cells"][0]))
    runs = {
        "en": json.dumps(notebook_for_language(reference, "en")),
        "zh": json.dumps(zh_reference),
        "zh-blank": json.dumps(zh_blank),
    }
    scores = {}
    for label, submission in runs.items():
        out = grade(
            source_json=source,
            student_json=json.dumps(student),
            submission_json=submission,
            limits=SandboxLimits(wall_seconds=1200, memory_mb=3072, cpu_seconds=1200),
            work_root=tmp_path / label,
            cell_timeout=600,
            files={},
        )
        assert out.status == "graded", (label, out.status, out.log[-3000:])
        scores[label] = {c["grade_id"]: (c["kind"], c["score"], c.get("status"), c["max_points"]) for c in out.cells}
    assert scores["zh"] == scores["en"]
    auto = {g: v for g, v in scores["zh"].items() if v[0] == "autograded_test"}
    assert auto and {g: v[1] for g, v in auto.items()} == {g: v[3] for g, v in auto.items()}  # full marks
    assert sum(v[3] for v in auto.values()) == 8
    assert {g: v[2] for g, v in auto.items()} == dict.fromkeys(auto, "passed")
    assert scores["zh"]["explain_entanglement"][:3] == ("manual", None, "needs grading")  # the reference's answer
    assert {g: v[1] for g, v in scores["zh-blank"].items()} == dict.fromkeys(scores["zh"], 0.0)
    assert scores["zh-blank"]["explain_entanglement"][2] == "no response"
