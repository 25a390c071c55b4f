"""Practice notebooks in the Katas style: every practice notebook has exercises the student writes.

Each exercise is three cells, marked in ``metadata.liangzhi``: the task (``kata: task``, with its translation
in ``zh``, or ``en`` in a Chinese-first course, and hints in nested ``<details>``), the answer cell (``kata: answer``: ``# YOUR CODE HERE`` and
``raise NotImplementedError``; the reference solution single-sourced in ``solution``) and its self-check
(``kata: check``), which prints one line starting with ✓ or ✗ (``liangzhi_checks.katas.check``).

Every notebook is run with a real Jupyter kernel twice: (a) as shipped (blank): every self-check reports ✗
and no cell errors; (b) with the reference solutions filled in: every self-check reports ✓ and nothing errors;
then (c), in the same kernel, each plausible wrong answer below is run with its self-check, which must
report ✗ (the reference is restored after each).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CONTENT = REPO / "content"
PRACTICE = sorted(CONTENT.glob("*/practice/*.ipynb"))

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# At least one plausible wrong answer per exercise (keyed by the exercise id in the notebook's metadata).
WRONG: dict[str, list[str]] = {
    "bell-agreement": [
        "def agreement(counts):\n    return counts.get('00', 0) / sum(counts.values())\n",
        "def agreement(counts):\n    return (counts.get('00', 0) + counts.get('11', 0)) / 2000\n",
    ],
    "bell-five-bits": [
        "def p_logical_5(p):\n    return 10 * p**3\n",
        "def p_logical_5(p):\n    return sum(math.comb(5, k) * p**k * (1 - p) ** (5 - k) for k in range(2, 6))\n",
    ],
    "rep-distance-needed": [
        "def distance_needed(p, target):\n    d = 1\n    while exact(p, d) >= target:\n        d += 1\n    return d\n",
        "def distance_needed(p, target):\n    d = 3\n    while exact(p, d) >= target:\n        d += 2\n    return d\n",
    ],
    "rep-parities": [
        "def parities(bits):\n    return bits[:, :-1] & bits[:, 1:]\n",
        "def parities(bits):\n    return bits[:, :2] ^ bits[:, 1:3]\n",
    ],
    "surf-repetition-circuit": [
        # detectors on single measurements: the first qubit's flips go unseen
        'def repetition_memory(p):\n    return stim.Circuit(f"X_ERROR({p}) 0 1 2\\nM 0 1 2\\nDETECTOR rec[-1]\\n'
        'DETECTOR rec[-2]\\nOBSERVABLE_INCLUDE(0) rec[-1]")\n',
        # no observable
        'def repetition_memory(p):\n    return stim.Circuit(f"X_ERROR({p}) 0 1 2\\nM 0 1 2\\nDETECTOR rec[-3] rec[-2]\\n'
        'DETECTOR rec[-2] rec[-1]")\n',
    ],
    "surf-events-per-round": [
        "def events_per_round(circuit, det):\n    return list(det.mean(axis=0))\n",
        "def events_per_round(circuit, det):\n    coords = circuit.get_detector_coordinates()\n"
        "    rounds = sorted({c[2] for c in coords.values()})\n"
        "    return [float(det[:, [k for k, c in coords.items() if c[2] == t]].mean()) for t in rounds]\n",
    ],
    "match-check-matrix": [
        "def repetition_check_matrix(d):\n    return np.eye(d - 1, d, dtype=np.uint8)\n",
        "def repetition_check_matrix(d):\n    H = np.zeros((d, d), dtype=np.uint8)\n    for i in range(d):\n"
        "        H[i, i] = H[i, (i + 1) % d] = 1\n    return H\n",
    ],
    "match-lambda": [
        "def suppression_factor(rates):\n    ds = sorted(rates)\n"
        "    return float(np.mean([rates[a] / rates[b] for a, b in zip(ds, ds[1:])]))\n",
        "def suppression_factor(rates):\n    return rates[3] / rates[5]\n",
    ],
    "neural-lookup-table": [
        # 'ever flipped' instead of the majority
        "def lookup_table_decoder(det_train, obs_train):\n    table = {}\n"
        "    for row, flip in zip(det_train, obs_train[:, 0]):\n"
        "        table[row.tobytes()] = table.get(row.tobytes(), False) or bool(flip)\n"
        "    return lambda det: np.array([[table.get(r.tobytes(), False)] for r in det], dtype=bool)\n",
        # the first label seen
        "def lookup_table_decoder(det_train, obs_train):\n    table = {}\n"
        "    for row, flip in zip(det_train, obs_train[:, 0]):\n"
        "        table.setdefault(row.tobytes(), bool(flip))\n"
        "    return lambda det: np.array([[table.get(r.tobytes(), False)] for r in det], dtype=bool)\n",
    ],
    "neural-clearly-better": [
        "def clearly_better(rate_a, rate_b, shots, sigmas=3):\n"
        "    return rate_b - rate_a > sigmas * np.sqrt(rate_a * (1 - rate_a) / shots)\n",
        "def clearly_better(rate_a, rate_b, shots, sigmas=3):\n"
        "    se = np.sqrt(rate_a * (1 - rate_a) / shots + rate_b * (1 - rate_b) / shots)\n"
        "    return abs(rate_b - rate_a) > sigmas * se\n",
    ],
    "cup-paired-wins": [
        "def paired_wins(pred_a, pred_b, obs):\n"
        "    return int(np.any(pred_b != obs, axis=1).sum()), int(np.any(pred_a != obs, axis=1).sum())\n",
        "def paired_wins(pred_a, pred_b, obs):\n    wa, wb = (pred_a != obs), (pred_b != obs)\n"
        "    return int((~wa & wb).sum()), int((wa & ~wb).sum())\n",
    ],
    "cup-as-predictions": [
        "def as_predictions(pred, shots, n_observables):\n    return np.asarray(pred).astype(bool)\n",
        "def as_predictions(pred, shots, n_observables):\n    arr = np.asarray(pred)\n"
        "    assert len(arr) == shots\n    return arr.astype(bool)\n",
    ],
    "qiskit-ry-angle": [
        "def ry_angle(p1):\n    return np.arcsin(np.sqrt(p1))\n",
        "def ry_angle(p1):\n    return np.pi * p1\n",
    ],
    "qiskit-bit-order": [
        "def key_011():\n    qc = QuantumCircuit(3)\n    qc.x(1)\n    qc.x(2)\n    return qc\n",
        "def key_011():\n    qc = QuantumCircuit(2)\n    qc.x(0)\n    qc.x(1)\n    return qc\n",
    ],
    "shift-general": [
        "def shift_rule(f, theta, s):\n    return parameter_shift(f, theta)\n",
        "def shift_rule(f, theta, s):\n    grad = np.zeros(len(theta))\n    for j in range(len(theta)):\n"
        "        e = np.zeros(len(theta)); e[j] = s\n        grad[j] = (f(theta + e) - f(theta - e)) / (2 * s)\n"
        "    return grad\n",
    ],
    "shift-descend": [
        "def descend(theta0, lr=0.4, steps=40):\n    theta = np.array(theta0, dtype=float)\n    for _ in range(steps):\n"
        "        theta = theta + lr * parameter_shift(f, theta)\n    return theta\n",
        "def descend(theta0, lr=0.4, steps=40):\n"
        "    return np.array(theta0, dtype=float) - lr * parameter_shift(f, np.array(theta0, dtype=float))\n",
    ],
    "vqc-apply-x": [
        "def apply_x(state, qubit):\n    return state.flip(qubit)\n",
        "def apply_x(state, qubit):\n    return apply_ry(state, math.pi, qubit)\n",
    ],
    "vqc-apply-cz": [
        "def apply_cz(state, a, b):\n    out = state.clone()\n    idx = [slice(None)] * state.dim()\n    idx[a + 1] = 1\n"
        "    out[tuple(idx)] = -out[tuple(idx)]\n    return out\n",
        "def apply_cz(state, a, b):\n    idx = [slice(None)] * state.dim()\n    idx[a + 1] = 1\n    idx[b + 1] = 1\n"
        "    state[tuple(idx)] = -state[tuple(idx)]\n    return state\n",
    ],
    "hybrid-mean-baseline": [
        "def mean_baseline_rmse(y_train, y_test):\n    return float(np.sqrt(np.mean((y_test - np.mean(y_test)) ** 2)))\n",
        "def mean_baseline_rmse(y_train, y_test):\n    return float(np.mean(np.abs(y_test - np.mean(y_train))))\n",
    ],
    "hybrid-r2": [
        "def r2_score(pred, y):\n    pred, y = np.asarray(pred), np.asarray(y)\n"
        "    return float(1 - np.sum((y - pred) ** 2) / np.sum((pred - pred.mean()) ** 2))\n",
        "def r2_score(pred, y):\n    return float(np.corrcoef(pred, y)[0, 1] ** 2)\n",
    ],
    "challenge-majority": [
        "def majority_class_accuracy(y):\n    return float(np.mean(y))\n",
    ],
    "challenge-ablation": [
        "def ablated_logit(model, X):\n    return float(model.c)\n",
        "def ablated_logit(model, X):\n    with torch.no_grad():\n"
        "        return float(model.s * model(torch.tensor(X)).mean() + model.c)\n",
    ],
}


def _meta(cell: Any) -> dict:
    return cell.get("metadata", {}).get("liangzhi") or {}


def _src(cell: Any) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _kata_cells(nb: Any, kind: str) -> dict[str, int]:
    return {_meta(c)["exercise"]: i for i, c in enumerate(nb["cells"]) if _meta(c).get("kata") == kind}


def _printed(cell: Any) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def _marks(cell: Any) -> str:
    return "".join(line[0] for line in _printed(cell).splitlines() if line[:1] in ("✓", "✗"))


def _solution_lines(solution: str) -> list[str]:
    """The lines of a reference solution that would give it away if a self-check printed them."""
    return [
        line.strip()
        for line in solution.splitlines()
        if len(line.strip()) >= 16 and not line.strip().startswith(("def ", '"""', "#"))
    ]


def _ids(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.stem}"


# --- structure (no kernel) --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PRACTICE, ids=_ids)
def test_practice_has_exercises_with_hints_translation_solution_and_check(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    tasks, answers, checks = (_kata_cells(nb, k) for k in ("task", "answer", "check"))
    assert 2 <= len(answers) <= 3, f"{path.name}: {len(answers)} exercises"
    assert set(tasks) == set(answers) == set(checks)
    for ex, i in answers.items():
        assert tasks[ex] < i < checks[ex], ex  # task, then the answer cell, then its self-check
        cell = nb["cells"][i]
        assert "# YOUR CODE HERE" in _src(cell) and "raise NotImplementedError" in _src(cell), ex
        solution = _meta(cell).get("solution", "")
        assert solution.strip() and "# YOUR CODE HERE" not in solution and "NotImplementedError" not in solution, ex
        compile(solution, ex, "exec")
        assert "check(" in _src(nb["cells"][checks[ex]]), ex
        task = nb["cells"][tasks[ex]]
        # the source is in the course's language, the translation in metadata (zh, or en in a Chinese course)
        en, zh = _meta(task).get("en", _src(task)), _meta(task).get("zh", _src(task))
        for text, label in ((en, "Hint"), (zh, "提示")):
            # hints unfold one at a time: hint 2 is nested inside hint 1
            assert f"<summary>{label} 1</summary>" in text and f"<summary>{label} 2</summary>" in text, ex
            assert text.index(f"{label} 2") < text.index("</details>"), ex
        assert "练习" in zh, ex
        assert WRONG.get(ex), f"no plausible wrong answer for {ex}"
    assert set(WRONG) >= set(answers)


def test_every_wrong_answer_names_an_exercise() -> None:
    known = {ex for p in PRACTICE for ex in _kata_cells(json.loads(p.read_text(encoding="utf-8")), "answer")}
    assert set(WRONG) <= known, set(WRONG) - known


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_what_reaches_the_student_has_the_blank_exercises_and_no_solution(lang: str) -> None:
    """The lab and downloads get a practice notebook through courses.notebook_lang (the one place that strips
    ``liangzhi.solution``): the exercises stay blank, the solutions stay with the platform."""
    from courses.notebook_lang import notebook_for_language

    for path in PRACTICE:
        nb = json.loads(path.read_text(encoding="utf-8"))
        out = notebook_for_language(nb, lang)
        assert '"solution"' not in json.dumps(out), path.name
        for ex, i in _kata_cells(nb, "answer").items():
            assert _src(out["cells"][i]) == _src(nb["cells"][i]), ex
            assert _meta(nb["cells"][i])["solution"] not in json.dumps(out, ensure_ascii=False), ex


def test_check_prints_a_bilingual_verdict_and_never_an_assertions_text(capsys: pytest.CaptureFixture[str]) -> None:
    from liangzhi_checks.katas import check, expect

    def blank() -> None:
        raise NotImplementedError

    def hidden() -> None:
        assert 0.123456 == 1, "expected 0.987654"

    def hinted() -> None:
        expect(False, "count both outcomes", "两种结果都要计入")

    assert check("E1", lambda: None) is True
    assert check("E2", blank) is False
    assert check("E3", hidden) is False
    assert check("E4", hinted) is False
    assert check("E5", lambda: 1 / 0) is False
    lines = capsys.readouterr().out.splitlines()
    verdicts = [line for line in lines if line[:1] in "✓✗"]
    assert [v[0] for v in verdicts] == ["✓", "✗", "✗", "✗", "✗"]
    out = "\n".join(lines)
    assert "not answered yet" in out and "还没有作答" in out
    assert "0.987654" not in out and "结果还不对" in out
    assert "count both outcomes" in out and "两种结果都要计入" in out
    assert "ZeroDivisionError" in out


# --- running the notebooks ----------------------------------------------------------------------------------------


def _kernel_env() -> None:
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def _workdir(path: Path, tmp: Path) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    data = path.parent.parent / "data"
    if data.is_dir():  # data files that the manifest attaches to practice activities sit beside the notebook
        for f in data.iterdir():
            if f.is_file():
                shutil.copy(f, tmp / f.name)
    return tmp


def _client(nb: Any, work: Path) -> Any:
    from nbclient import NotebookClient

    return NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}})


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Runs each notebook once blank and once filled (+ wrong answers in the same kernel); cached per module."""
    cache: dict[Path, dict[str, Any]] = {}

    def get(path: Path) -> dict[str, Any]:
        if path not in cache:
            try:
                cache[path] = run(path)
            except Exception as exc:  # a notebook that errors fails all three tests once, not three runs
                cache[path] = {"error": exc}
        if "error" in cache[path]:
            raise cache[path]["error"]
        return cache[path]

    def run(path: Path) -> dict[str, Any]:
        import nbformat

        _kernel_env()
        work = _workdir(path, tmp_path_factory.mktemp(path.stem))
        blank = nbformat.read(path, as_version=4)
        _client(blank, work).execute()

        filled = nbformat.read(path, as_version=4)
        answers = _kata_cells(filled, "answer")
        checks = _kata_cells(filled, "check")
        for i in answers.values():
            filled.cells[i].source = _meta(filled.cells[i])["solution"]
        wrong: dict[str, list[str]] = {}
        printed: dict[str, list[str]] = {ex: [_printed(blank.cells[i])] for ex, i in checks.items()}
        client = _client(filled, work)
        shipped = len(filled.cells)
        with client.setup_kernel():
            for i, cell in enumerate(filled.cells):
                client.execute_cell(cell, i)
            for ex, i in answers.items():
                for source in WRONG.get(ex, []):
                    attempt = nbformat.v4.new_code_cell(source)
                    verdict = nbformat.v4.new_code_cell(filled.cells[checks[ex]].source)
                    restore = nbformat.v4.new_code_cell(filled.cells[i].source)
                    for cell in (attempt, verdict, restore):  # nbclient writes each result back into the notebook
                        filled.cells.append(cell)
                        client.execute_cell(cell, len(filled.cells) - 1)
                    wrong.setdefault(ex, []).append(_marks(verdict))
                    printed.setdefault(ex, []).append(_printed(verdict))
        del filled.cells[shipped:]
        solutions = {ex: _meta(filled.cells[i])["solution"] for ex, i in answers.items()}
        return {
            "blank": blank,
            "filled": filled,
            "wrong": wrong,
            "printed": printed,
            "checks": checks,
            "solutions": solutions,
        }

    return get


@pytest.mark.parametrize("path", PRACTICE, ids=_ids)
def test_blank_exercises_fail_their_self_checks(path: Path, runs) -> None:  # type: ignore[no-untyped-def]
    run = runs(path)
    marks = {ex: _marks(run["blank"].cells[i]) for ex, i in run["checks"].items()}
    assert marks and all(m == "✗" for m in marks.values()), marks
    # the notebook's own (non-exercise) self-checks still pass with the exercises left blank
    others = "".join(_marks(c) for c in run["blank"].cells if _meta(c).get("kata") != "check")
    assert "✗" not in others


@pytest.mark.parametrize("path", PRACTICE, ids=_ids)
def test_reference_solutions_pass_every_self_check(path: Path, runs) -> None:  # type: ignore[no-untyped-def]
    run = runs(path)
    marks = {ex: _marks(run["filled"].cells[i]) for ex, i in run["checks"].items()}
    assert marks and all(m == "✓" for m in marks.values()), marks


@pytest.mark.parametrize("path", PRACTICE, ids=_ids)
def test_plausible_wrong_answers_fail_their_self_checks(path: Path, runs) -> None:  # type: ignore[no-untyped-def]
    run = runs(path)
    assert set(run["wrong"]) == set(run["checks"])
    assert all(m == "✗" for marks in run["wrong"].values() for m in marks), run["wrong"]
    # what a failing self-check prints (blank or wrong) never gives the reference solution away
    for ex, texts in run["printed"].items():
        for line in _solution_lines(run["solutions"][ex]):
            assert not any(line in text for text in texts), (ex, line)
    assert all(_solution_lines(s) for s in run["solutions"].values())


# The high-school course keeps its exercises' wrong answers beside its own tests (tests/content/test_hs_course.py).
from tests.content.test_hs_course import WRONG as _HS_WRONG  # noqa: E402

WRONG.update(_HS_WRONG)
from tests.content.test_qec_units_6_7 import WRONG as _QEC_6_7_WRONG  # noqa: E402

WRONG.update(_QEC_6_7_WRONG)
from tests.content.test_qml_units_6_7 import WRONG as _QML_6_7_WRONG  # noqa: E402

WRONG.update(_QML_6_7_WRONG)
from tests.content.test_qml_units_8_9 import WRONG as _QML_8_9_WRONG  # noqa: E402

WRONG.update(_QML_8_9_WRONG)
from tests.content.test_qec_units_8_9 import WRONG as _QEC_8_9_WRONG  # noqa: E402

WRONG.update(_QEC_8_9_WRONG)
from tests.content.test_qec_unit_10 import WRONG as _QEC_10_WRONG  # noqa: E402

WRONG.update(_QEC_10_WRONG)
from tests.content.test_qml_unit_10 import WRONG as _QML_10_WRONG  # noqa: E402

WRONG.update(_QML_10_WRONG)
