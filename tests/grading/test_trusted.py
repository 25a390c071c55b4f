"""Trusted test execution against a hostile notebook: every attack from inside a real kernel, in real sandboxes.

The assignment below has a setup cell with a teacher helper, four answers and four tests with
hidden parts. Each attack submits WRONG answers plus code that tries to make the tests pass
anyway; each must score zero, and no hidden-test text may reach what the student sees (the
feedback cells and the message). Last: nbgrader's own user-guide assignment ``ps1`` scores as
stock ``nbgrader autograde`` scores it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grading.authoring import prepare_notebook
from grading.runner.autograde import grade
from grading.runner.sandbox import SandboxLimits, sandbox_probe

from .conftest import edit, solved

pytestmark = [pytest.mark.integration]
SECRETS = ["hidden_marker_ZQ41", "hidden_marker_VX77", "hidden_marker_KP03", "hidden_marker_DD19"]
PS1 = Path(__file__).resolve().parent / "fixtures" / "nbgrader_ps1" / "problem1.ipynb"


def _meta(gid: str, **kw: object) -> dict[str, object]:
    return {"nbgrader": {"grade_id": gid, "schema_version": 3, "grade": False, "solution": False, "locked": False, **kw}}


def _source() -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    code = nbformat.v4.new_code_cell
    nb.cells = [
        code(
            "import math\nimport numpy as np\nfrom liangzhi_checks import assert_states_equal\n\n"
            "def run_decoder(decode, x):\n    return decode(x)",
            metadata=_meta("setup", locked=True),
        ),
        code(
            "def state():\n    ### BEGIN SOLUTION\n    return np.array([1, 0, 0, 1]) / np.sqrt(2)\n    ### END SOLUTION\n\n"
            "def value():\n    ### BEGIN SOLUTION\n    return 0.5\n    ### END SOLUTION\n\n"
            "def items():\n    ### BEGIN SOLUTION\n    return [1, 2, 3]\n    ### END SOLUTION\n\n"
            "def decode(x):\n    ### BEGIN SOLUTION\n    return x * 2\n    ### END SOLUTION",
            metadata=_meta("answers", solution=True),
        ),
        code(
            "assert_states_equal(state(), np.array([1, 0, 0, 1]) / np.sqrt(2))\n### BEGIN HIDDEN TESTS\n"
            f"{SECRETS[0]} = np.array([1, 0, 0, 1]) / np.sqrt(2)\n"
            f"assert abs(abs(np.vdot({SECRETS[0]}, state())) - 1) < 1e-8\n### END HIDDEN TESTS",
            metadata=_meta("test_state", grade=True, locked=True, points=3),
        ),
        code(
            "assert math.isclose(value(), 0.5)\n### BEGIN HIDDEN TESTS\n"
            f"{SECRETS[1]} = value()\nassert np.allclose({SECRETS[1]}, 0.5) and abs({SECRETS[1]} - 0.5) < 1e-12\n"
            "### END HIDDEN TESTS",
            metadata=_meta("test_value", grade=True, locked=True, points=2),
        ),
        code(
            "assert items() == [1, 2, 3]\n### BEGIN HIDDEN TESTS\n"
            f"{SECRETS[2]} = items()\nassert sum({SECRETS[2]}) == 6 and len({SECRETS[2]}) == 3\n### END HIDDEN TESTS",
            metadata=_meta("test_items", grade=True, locked=True, points=2),
        ),
        code(
            "assert run_decoder(decode, 3) == 6\n### BEGIN HIDDEN TESTS\n"
            f"{SECRETS[3]} = np.arange(7, 10)\nassert run_decoder(decode, {SECRETS[3]}).tolist() == [14, 16, 18]\n"
            "### END HIDDEN TESTS",
            metadata=_meta("test_decoder", grade=True, locked=True, points=2),
        ),
    ]
    return nbformat.writes(nb)


WRONG = (
    "def state():\n    return np.array([1, 0, 0, 0])\n\n"
    "def value():\n    return 0.25\n\n"
    "def items():\n    return [0]\n\n"
    "def decode(x):\n    return x\n"
)


@pytest.fixture(scope="module")
def hostile() -> dict[str, str]:
    if not sandbox_probe()["isolated"]:
        pytest.skip("no working bubblewrap here")
    source = _source()
    return {"source": source, "student": prepare_notebook(source, name="hostile.ipynb").student_json}


def _run(hostile, submission: str, tmp_path: Path, *, cell_timeout: float = 15):  # type: ignore[no-untyped-def]
    return grade(
        source_json=hostile["source"],
        student_json=hostile["student"],
        submission_json=submission,
        limits=SandboxLimits(wall_seconds=120, memory_mb=768),
        work_root=tmp_path / "jobs",
        cell_timeout=cell_timeout,
    )


def _attack(hostile, code: str, tmp_path: Path, *, after: str = "", **kw):  # type: ignore[no-untyped-def]
    """Wrong answers plus ``code`` in the answer cell, and ``after`` as a last plain cell."""
    sub = solved(hostile["source"], hostile["student"], {"answers": WRONG + "\n" + code})
    if after:
        sub = edit(sub, lambda nb: nb.cells.append(nbformat.v4.new_code_cell(after)))
    return _run(hostile, sub, tmp_path, **kw)


def _student_sees(out) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(out.feedback) + out.message


def _zero(out) -> None:  # type: ignore[no-untyped-def]
    scores = {c["grade_id"]: c["score"] for c in out.cells}
    assert out.score == 0.0 and set(scores.values()) == {0.0}, (scores, out.log)
    seen = _student_sees(out)
    for secret in [*SECRETS, "BEGIN HIDDEN", "np.vdot(", "np.allclose("]:
        assert secret not in seen, secret


def test_reference_full_blank_zero_wrong_zero(hostile, tmp_path):
    good = _run(hostile, solved(hostile["source"], hostile["student"]), tmp_path)
    assert good.status == "graded" and good.score == 9.0, (good.cells, good.log)
    assert all(c["trusted"] for c in good.cells)
    _zero(_run(hostile, hostile["student"], tmp_path))
    wrong = _attack(hostile, "", tmp_path)
    _zero(wrong)
    staff = {c["grade_id"]: c["staff_message"] for c in wrong.cells}
    # staff see the failing test's message and line (hidden ones included); students only the error's name
    assert SECRETS[1] in staff["test_value"] or "math.isclose" in staff["test_value"], staff
    assert "tolist() == [14, 16, 18]" in staff["test_decoder"] or "run_decoder(decode, 3)" in staff["test_decoder"]
    assert "AssertionError (in a hidden test)" in json.dumps(wrong.feedback)


def test_patched_builtins_and_libraries(hostile, tmp_path):
    code = (
        "import builtins, math\n"
        "builtins.abs = lambda x: 0\nabs = lambda x: 0\n"
        "np.vdot = lambda a, b: 1.0\nnp.allclose = lambda *a, **k: True\nmath.isclose = lambda *a, **k: True\n"
        "builtins.sum = lambda *a, **k: 6\nbuiltins.len = lambda x: 3\n"
        "import liangzhi_checks\nliangzhi_checks.assert_states_equal = lambda *a, **k: None\n"
        "assert_states_equal = lambda *a, **k: None\n"
    )
    _zero(_attack(hostile, code, tmp_path))


def test_fake_liangzhi_checks_through_import(hostile, tmp_path):
    code = (
        "import builtins, sys, types\n_real = builtins.__import__\n"
        "fake = types.ModuleType('liangzhi_checks')\nfake.assert_states_equal = lambda *a, **k: None\n"
        "def _imp(name, *a, **k):\n    return fake if name.startswith('liangzhi_checks') else _real(name, *a, **k)\n"
        "builtins.__import__ = _imp\nsys.modules['liangzhi_checks'] = fake\n"
    )
    _zero(_attack(hostile, code, tmp_path))


@pytest.mark.parametrize("canary_shaped", [False, True])
def test_input_transformer_stripping_asserts(hostile, tmp_path, canary_shaped):
    keep = "re.fullmatch(r\"assert \\d+ == \\d+, '[0-9a-f]+'\\s*\", l)" if canary_shaped else "False"
    code = (
        "import re\n"
        f"def _strip(lines):\n    return [l for l in lines if {keep} or not l.lstrip().startswith('assert')]\n"
        "get_ipython().input_transformers_cleanup.append(_strip)\n"
    )
    _zero(_attack(hostile, code, tmp_path))


def test_answers_that_are_not_data_are_refused(hostile, tmp_path):
    code = (
        "import types\n"
        "class _Any(float):\n    def __eq__(self, o):\n        return True\n    __hash__ = float.__hash__\n"
        "    def __sub__(self, o):\n        return _Any(0)\n    def __abs__(self):\n        return 0.0\n"
        "    def __lt__(self, o):\n        return True\n"
        "class _L(list):\n    def __eq__(self, o):\n        return True\n"
        "class _M(types.ModuleType):\n    def __eq__(self, o):\n        return True\n    def __iter__(self):\n        return iter([1, 2, 3])\n"
        "class _Arr:\n    def __eq__(self, o):\n        return True\n    def __array__(self, *a, **k):\n        return np.array([1, 0, 0, 1]) / np.sqrt(2)\n"
        "def value():\n    return _Any(0.25)\n"
        "def items():\n    return _L([0])\n"
        "def state():\n    return _Arr()\n"
        "def decode(x):\n    return (v for v in [6])\n"
    )
    out = _attack(hostile, code, tmp_path)
    _zero(out)
    staff = {c["grade_id"]: c["staff_message"] for c in out.cells}
    assert "subclass of float" in staff["test_value"], staff
    assert "subclass of list" in staff["test_items"], staff
    assert "generator" in staff["test_decoder"], staff
    mod = _attack(hostile, "def items():\n    return _M('m')\n" + code.replace("def items():", "def _x():"), tmp_path)
    _zero(mod)
    assert "a module" in next(c for c in mod.cells if c["grade_id"] == "test_items")["staff_message"]


def test_rebinding_teacher_helpers(hostile, tmp_path):
    code = (
        "assert_states_equal = print\nrun_decoder = lambda *a: 6\n"
        "class _FakeNp:\n    def __getattr__(self, n):\n        return lambda *a, **k: True\nnp = _FakeNp()\nmath = _FakeNp()\n"
    )
    _zero(_attack(hostile, code, tmp_path))


def test_hooks_recording_every_cell_see_no_test_source(hostile, tmp_path):
    code = (
        "import sys, threading\n_seen = []\n"
        "get_ipython().events.register('pre_run_cell', lambda info: _seen.append(info.raw_cell))\n"
        "get_ipython().events.register('post_run_cell', lambda r: _seen.append(str(r.info.raw_cell)))\n"
        "sys.addaudithook(lambda ev, args: _seen.append(repr(args)[:4000]) if ev in ('exec', 'compile') else None)\n"
        "def _tr(frame, ev, arg):\n    _seen.append(repr(frame.f_code.co_consts)[:2000] + repr(frame.f_locals)[:2000])\n    return None\n"
        "sys.settrace(_tr)\nthreading.settrace(_tr)\n"
        "get_ipython().input_transformers_cleanup.append(lambda lines: (_seen.append(''.join(lines)), lines)[1])\n"
    )
    out = _attack(hostile, code, tmp_path, after="import sys\nsys.settrace(None)\nprint('SEEN', '\\n'.join(_seen))")
    _zero(out)
    text = _student_sees(out)
    assert "SEEN" in text  # the recording ran and was printed: it simply never saw a test


def test_arguments_of_proxied_calls_are_all_the_notebook_sees(hostile, tmp_path):
    """What a notebook can learn: the plain-data arguments the tests pass (7, 8, 9), never their source."""
    code = "_args = []\ndef decode(x):\n    _args.append(repr(x))\n    return x * 2 if isinstance(x, int) else x\n"
    out = _attack(hostile, code, tmp_path, after="print('ARGS', _args)")
    _zero(out)
    text = _student_sees(out)
    assert "ARGS" in text and "array([7, 8, 9])" in text  # visible: the values a hidden test passed
    assert SECRETS[3] not in text and "tolist" not in text


def test_call_that_never_returns_fails_its_test_and_grading_goes_on(hostile, tmp_path):
    code = "def decode(x):\n    while True:\n        pass\n"
    sub = solved(hostile["source"], hostile["student"], {"answers": _reference_answers(hostile) + "\n" + code})
    out = _run(hostile, sub, tmp_path, cell_timeout=5)
    scores = {c["grade_id"]: c["score"] for c in out.cells}
    assert out.status == "graded", out.log
    assert scores == {"test_state": 3.0, "test_value": 2.0, "test_items": 2.0, "test_decoder": 0.0}, (scores, out.log)


def test_call_ignoring_interrupts_is_cut_off_and_the_rest_keeps_its_points(hostile, tmp_path):
    code = (
        "import signal\n"
        "def decode(x):\n    signal.signal(signal.SIGINT, signal.SIG_IGN)\n    while True:\n        pass\n"
    )
    sub = solved(hostile["source"], hostile["student"], {"answers": _reference_answers(hostile) + "\n" + code})
    out = _run(hostile, sub, tmp_path, cell_timeout=5)
    scores = {c["grade_id"]: c["score"] for c in out.cells}
    assert out.status in ("graded", "timed_out"), out.log
    assert scores == {"test_state": 3.0, "test_value": 2.0, "test_items": 2.0, "test_decoder": 0.0}, (scores, out.log)


def _reference_answers(hostile) -> str:  # type: ignore[no-untyped-def]
    nb = nbformat.reads(hostile["source"], as_version=4)
    return "\n".join(line for line in nb.cells[1].source.splitlines() if "### " not in line)


def test_os_exit_mid_notebook(hostile, tmp_path):
    out = _attack(hostile, "import os\nos._exit(0)", tmp_path)
    _zero(out)
    assert out.status == "graded" and not out.retryable


def test_killing_the_runner_is_the_students_error(hostile, tmp_path):
    out = _attack(hostile, "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)", tmp_path)
    _zero(out)
    assert not out.retryable


def test_fake_result_frames_are_ignored(hostile, tmp_path):
    frame = json.dumps({"t": "done", "i": 2, "outputs": [], "reply": "ok", "staff": ""})
    code = (
        "import os, sys, json\n"
        f"print('x:' + {frame!r}); print({json.dumps({'t': 'end', 'status': 'ok'})!r})\n"
        "for fd in ('/proc/%d/fd/1' % os.getppid(), '/dev/stdout'):\n"
        "    try:\n        open(fd, 'w').write('0' * 32 + ':' + " + repr(frame) + " + '\\n')\n    except OSError as e:\n        print('blocked', e)\n"
        "sys.__stdout__.write('fake\\n')\n"
    )
    _zero(_attack(hostile, code, tmp_path))


def test_forged_channel_answers_are_only_data(hostile, tmp_path):
    code = (
        "import liangzhi_wire, json\n"
        "liangzhi_wire.take = lambda: json.dumps({'ok': True})\n"
        "liangzhi_wire.serve = lambda req: None\n"
    )
    _zero(_attack(hostile, code, tmp_path))


def test_answer_objects_cannot_decide_comparisons(hostile, tmp_path):
    """An object (not data) comes back as a handle: usable by calls, never by ==/bool/hash."""
    code = (
        "class _Obj:\n    def __eq__(self, o):\n        return True\n    def __bool__(self):\n        return True\n"
        "    def tolist(self):\n        return [0]\n"
        "def decode(x):\n    return _Obj()\n"
        "def items():\n    return _Obj()\n"
    )
    _zero(_attack(hostile, code, tmp_path))


# --- nbgrader's own example ----------------------------------------------------------------------------------------


def _ps1_wrong(source: str, student: str) -> str:
    return solved(
        source,
        student,
        {
            "squares": "def squares(n):\n    return [i ** 2 for i in range(n)]",
            "sum_of_squares": "def sum_of_squares(n):\n    return sum(i ** 2 for i in range(1, n + 1))",
            "sum_of_squares_application": "def pyramidal_number(n):\n    return sum_of_squares(n)",
        },
    )


@pytest.mark.slow
def test_nbgrader_ps1_scores_as_stock_nbgrader(tmp_path):
    if not sandbox_probe()["isolated"]:
        pytest.skip("no working bubblewrap here")
    source = PS1.read_text()
    student = prepare_notebook(source, name="problem1.ipynb").student_json
    subs = {"good": solved(source, student), "blank": student, "wrong": _ps1_wrong(source, student)}
    ours: dict[str, dict[str, float | None]] = {}
    maxima: dict[str, float] = {}
    for name, nb_json in subs.items():
        out = grade(
            source_json=source,
            student_json=student,
            submission_json=nb_json,
            limits=SandboxLimits(wall_seconds=120),
            work_root=tmp_path / "jobs",
        )
        assert out.status == "graded", out.log
        ours[name] = {c["grade_id"]: c["score"] for c in out.cells}
        maxima[name] = out.max_score
    theirs, their_max = _nbgrader(source, subs, tmp_path / "course")
    assert ours == theirs, (ours, theirs)
    assert maxima["good"] == their_max == 10.0  # the task cell's 4 points count toward the maximum
    assert ours["good"]["correct_squares"] == 1.0 and ours["good"]["sum_of_squares_uses_squares"] == 0.5
    assert ours["wrong"]["correct_squares"] == 0.0 and ours["wrong"]["sum_of_squares_uses_squares"] == 0.0


def _nbgrader(source: str, subs: dict[str, str], root: Path) -> tuple[dict[str, dict[str, float | None]], float]:
    (root / "source" / "ps1").mkdir(parents=True)
    (root / "source" / "ps1" / "problem1.ipynb").write_text(source)
    for name, nb_json in subs.items():
        d = root / "submitted" / name / "ps1"
        d.mkdir(parents=True)
        (d / "problem1.ipynb").write_text(nb_json)
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.root = {!r}\nc.CourseDirectory.db_assignments = [dict(name='ps1')]\n"
        "c.CourseDirectory.db_students = [{}]\n".format(str(root), ", ".join(f"dict(id={n!r})" for n in subs))
    )
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(root)}
    for args in (("generate_assignment", "ps1", "--force"), ("autograde", "ps1", "--force")):
        subprocess.run(
            [sys.executable, "-m", "nbgrader", *args], cwd=root, env=env, capture_output=True, check=True, timeout=600
        )
    from nbgrader.api import Gradebook

    out: dict[str, dict[str, float | None]] = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        maximum = 0.0
        for name in subs:
            nb = gb.find_submission_notebook("problem1", "ps1", name)
            out[name] = {g.name: (None if g.auto_score is None else float(g.auto_score)) for g in nb.grades}
            maximum = float(nb.max_score)
    return out, maximum


def test_warm_trusted_server_serves_each_job_from_a_fresh_fork(hostile, tmp_path):
    """One warm trusted process per worker; each job is a fresh child of it: nothing crosses."""
    from grading.runner.pool import WarmPool

    source = edit(
        hostile["source"],
        lambda nb: nb.cells.append(
            nbformat.v4.new_code_cell(
                "import builtins\nassert not hasattr(builtins, '_previous_job')\nbuiltins._previous_job = items()",
                metadata=_meta("test_fresh", grade=True, locked=True, points=1),
            )
        ),
    )
    student = prepare_notebook(source, name="hostile.ipynb").student_json
    limits = SandboxLimits(wall_seconds=120, memory_mb=768)
    pool = WarmPool(limits=limits, work_root=tmp_path / "jobs", preload="numpy,liangzhi_checks", size=1)
    pool.fill()
    try:
        outs = [
            grade(
                source_json=source,
                student_json=student,
                submission_json=solved(source, student),
                limits=limits,
                work_root=tmp_path / "jobs",
                pool=pool,
                cell_timeout=15,
            )
            for _ in range(3)
        ]
        for out in outs:
            assert out.status == "graded" and out.score == 10.0, (out.cells, out.log)
        from grading.runner.autograde import _trusted_server

        server = _trusted_server(pool)
        assert server is not None and server.runner is not None and server.jobs == 3  # one warm parent served all
    finally:
        pool.close()
        from grading.runner.autograde import _trusted_server

        server = _trusted_server(pool)
        if server is not None:
            server.discard()


def test_kernel_dying_inside_a_proxied_call_keeps_what_ran(hostile, tmp_path):
    code = "import os\ndef decode(x):\n    os._exit(0)\n"
    sub = solved(hostile["source"], hostile["student"], {"answers": _reference_answers(hostile) + "\n" + code})
    out = _run(hostile, sub, tmp_path, cell_timeout=10)
    scores = {c["grade_id"]: c["score"] for c in out.cells}
    assert out.status == "graded" and not out.retryable, out.log
    assert scores == {"test_state": 3.0, "test_value": 2.0, "test_items": 2.0, "test_decoder": 0.0}, (scores, out.log)
    assert "kernel stopped" in out.message


def _mini(setup: str, answer: str, test: str) -> dict[str, str]:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(setup, metadata=_meta("setup", locked=True)),
        nbformat.v4.new_code_cell(answer, metadata=_meta("answer", solution=True)),
        nbformat.v4.new_code_cell(test, metadata=_meta("test", grade=True, locked=True, points=1)),
    ]
    source = nbformat.writes(nb)
    return {"source": source, "student": prepare_notebook(source, name="mini.ipynb").student_json}


def test_mutated_arguments_come_back_as_in_one_interpreter(tmp_path):
    if not sandbox_probe()["isolated"]:
        pytest.skip("no working bubblewrap here")
    mini = _mini(
        "import numpy as np",
        "def fill(xs, arr, d):\n    ### BEGIN SOLUTION\n    xs.append(1)\n    arr[0] = 5\n    d['k'] = 2\n    ### END SOLUTION",
        "xs, arr, d = [], np.zeros(2), {}\nfill(xs, arr, d)\nassert xs == [1] and arr[0] == 5 and d == {'k': 2}",
    )
    assert _run(mini, solved(mini["source"], mini["student"]), tmp_path).score == 1.0
    assert _run(mini, mini["student"], tmp_path).score == 0.0


def test_circuit_argument_changed_in_place_is_seen(tmp_path):
    if not sandbox_probe()["isolated"]:
        pytest.skip("no working bubblewrap here")
    mini = _mini(
        "from qiskit import QuantumCircuit",
        "def measured(qc):\n    ### BEGIN SOLUTION\n    qc = qc.copy()\n    qc.measure_all()\n    return qc\n    ### END SOLUTION",
        "c = QuantumCircuit(1)\nm = measured(c)\nassert not any(i.operation.name == 'measure' for i in c.data)",
    )
    wrong = solved(mini["source"], mini["student"], {"answer": "def measured(qc):\n    qc.measure_all()\n    return qc"})
    assert _run(mini, wrong, tmp_path).score == 0.0
    assert _run(mini, solved(mini["source"], mini["student"]), tmp_path).score == 1.0


def test_a_circuit_the_student_fills_in_place_arrives_filled(tmp_path):
    """The other direction: a function meant to add gates to the test's circuit is seen to do so."""
    if not sandbox_probe()["isolated"]:
        pytest.skip("no working bubblewrap here")
    mini = _mini(
        "from qiskit import QuantumCircuit",
        "def entangle(qc):\n    ### BEGIN SOLUTION\n    qc.h(0)\n    qc.cx(0, 1)\n    ### END SOLUTION",
        "c = QuantumCircuit(2)\nentangle(c)\nassert [i.operation.name for i in c.data] == ['h', 'cx'] and c.num_qubits == 2",
    )
    assert _run(mini, solved(mini["source"], mini["student"]), tmp_path).score == 1.0
    assert _run(mini, mini["student"], tmp_path).score == 0.0


def test_nothing_a_job_leaves_running_on_the_trusted_side_survives_into_the_next(tmp_path):
    if not sandbox_probe()["isolated"]:
        pytest.skip("no working bubblewrap here")
    from grading.runner.autograde import _trusted_server
    from grading.runner.pool import WarmPool

    mini = _mini(
        "import os",
        "def nothing():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION",
        "import subprocess\nmine = {os.getpid(), os.getppid(), 1}\n"
        "left = [p for p in os.listdir('/proc') if p.isdigit() and int(p) not in mine]\n"
        "subprocess.Popen(['/usr/bin/sleep', '300'], start_new_session=True)\n"
        "assert left == [] and nothing() == 1, left",
    )
    limits = SandboxLimits(wall_seconds=120, memory_mb=768)
    pool = WarmPool(limits=limits, work_root=tmp_path / "jobs", preload="os", size=1)
    try:
        for _ in range(2):
            out = grade(
                source_json=mini["source"],
                student_json=mini["student"],
                submission_json=solved(mini["source"], mini["student"]),
                limits=limits,
                work_root=tmp_path / "jobs",
                pool=pool,
            )
            assert out.score == 1.0, (out.cells, out.log)
        server = _trusted_server(pool)
        assert server is not None and server.jobs == 2
    finally:
        pool.close()
        server = _trusted_server(pool)
        if server is not None:
            server.discard()
