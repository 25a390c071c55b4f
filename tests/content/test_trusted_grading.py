"""Every course assignment grades with the platform's trusted grader as it does under nbgrader itself.

The same three submissions as test_courses.py (reference solution, blank student version, one
plausible wrong answer): the reference scores full marks on every autograded test, the blank
zero, the wrong answer loses exactly its named tests. Tests run in the trusted runner except the
few cells the notebooks mark ``trusted: false`` (they need the student's live torch objects),
which the outcome labels.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.content.nbgrading import CONTENT, filled_version, student_version
from tests.content.test_courses import _assignments, _wrong

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# The cells that need the student's live objects; each notebook says so in its cell metadata.
UNTRUSTED = {
    ("qml", "hybrid-regression"): {"test_training"},
    ("qml", "qml-challenge-prep"): {"test_interface_and_limits"},
    ("qml", "variational-classifier"): {"test_vqc_module"},
    # hands the student's function a lambda over the notebook's own reupload_z (a call back into the notebook)
    ("qml", "data-reuploading"): {"test_fourier_coefficients"},
    ("qec-ai", "neural-decoder"): {"test_make_model"},
}


@pytest.mark.parametrize(("course", "name"), _assignments(), ids=lambda v: v)
def test_trusted_grader_scores_reference_blank_and_wrong(course: str, name: str, tmp_path: Path) -> None:
    from grading.runner.autograde import grade
    from grading.runner.sandbox import SandboxLimits, sandbox_probe

    if not sandbox_probe()["isolated"]:
        pytest.skip("no working bubblewrap here")
    folder = CONTENT / course / "assignments" / name
    source_path = next(folder.glob("*.ipynb"))
    source = source_path.read_text(encoding="utf-8")
    student = json.dumps(student_version(source_path))
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p.suffix != ".ipynb"}
    wrong = _wrong(course)[name]
    subs = {
        "reference": json.dumps(filled_version(source_path)),
        "blank": student,
        "wrong": json.dumps(filled_version(source_path, wrong["cells"])),
    }
    results = {}
    for label, submission in subs.items():
        out = grade(
            source_json=source,
            student_json=student,
            submission_json=submission,
            limits=SandboxLimits(wall_seconds=1200, memory_mb=3072, cpu_seconds=1200),
            work_root=tmp_path / "jobs",
            cell_timeout=600,
            files=files,
        )
        assert out.status == "graded", (label, out.status, out.log[-3000:])
        results[label] = {c["grade_id"]: c for c in out.cells if c["kind"] == "autograded_test"}
    ref = results["reference"]
    assert {g for g, c in ref.items() if not c["trusted"]} == UNTRUSTED.get((course, name), set())
    assert {g: c["score"] for g, c in ref.items()} == {g: c["max_points"] for g, c in ref.items()}, {
        g: c.get("staff_message") for g, c in ref.items()
    }
    assert {g: c["score"] for g, c in results["blank"].items()} == dict.fromkeys(ref, 0.0)
    loses = set(wrong["loses"])
    expected = {g: (0.0 if g in loses else c["max_points"]) for g, c in ref.items()}
    got = {g: c["score"] for g, c in results["wrong"].items()}
    assert got == expected, (wrong["why"], {g: c.get("staff_message") for g, c in results["wrong"].items()})
