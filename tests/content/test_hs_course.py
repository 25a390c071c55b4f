"""The high-school course (content/hs-quantum): it imports with no problem at all through the real importer
(generators run in the grading sandbox), the course is Chinese first (``language: zh-hans``: a lesson's Chinese is
``x.md`` and its English ``x.en.md``; a notebook's Markdown cells are Chinese with the English in
``metadata.liangzhi.en``), every lesson exists in both languages with the same structure and formulas, every practice notebook runs (blank: each exercise's self-check fails; reference: each passes),
every number a lesson quotes is printed by a notebook, every quiz answer the course holds as correct scores
full marks (and a wrong one scores nothing), and every unit has a teacher's guide with a 45-minute plan
and the quiz's answers.

The plausible wrong answers of the course's exercises live here (``WRONG``); tests/content/test_practice_katas.py
adds them to its own table, so the shared Katas tests run them too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.content.nbgrading import CONTENT

COURSE = CONTENT / "hs-quantum"
SLUG = "hs-ai-quantum"
MANIFEST = yaml.safe_load((COURSE / "course.yaml").read_text(encoding="utf-8"))
UNITS = MANIFEST["units"]
# The course is Chinese first: lessons/x.md is the Chinese (the course's language), lessons/x.en.md its English.
LESSONS = sorted(p for p in (COURSE / "lessons").glob("*.md") if not p.name.endswith((".en.md", ".zh.md")))
NOTEBOOKS = sorted((COURSE / "practice").glob("*.ipynb"))

# At least two plausible wrong answers per exercise (keyed by the exercise id in the notebook's metadata).
WRONG: dict[str, list[str]] = {
    "hs-fraction-ones": [
        "def fraction_of_ones(counts):\n    return counts['1'] / sum(counts.values())\n",
        "def fraction_of_ones(counts):\n    return counts.get('1', 0) / 1000\n",
        "def fraction_of_ones(counts):\n    return counts.get('1', 0) / counts.get('0', 1)\n",
    ],
    "hs-make-one": [
        "def make_one():\n    qc = QuantumCircuit(1)\n    qc.h(0)\n    return qc\n",
        "def make_one():\n    qc = QuantumCircuit(2)\n    qc.x(0)\n    qc.x(1)\n    return qc\n",
    ],
    "hs-bloch-point": [
        "def bloch_point(theta, phi):\n    return (np.sin(theta / 2) * np.cos(phi), np.sin(theta / 2) * np.sin(phi), "
        "np.cos(theta / 2))\n",
        "def bloch_point(theta, phi):\n    return (np.cos(theta) * np.cos(phi), np.cos(theta) * np.sin(phi), np.sin(theta))\n",
    ],
    "hs-p0-from-height": [
        "def p0_from_z(z):\n    return (1 - z) / 2\n",
        "def p0_from_z(z):\n    return abs(z)\n",
    ],
    "hs-interferometer": [
        "def interferometer(phi):\n    qc = QuantumCircuit(1)\n    qc.h(0)\n    qc.h(0)\n    qc.p(phi, 0)\n    return qc\n",
        "def interferometer(phi):\n    qc = QuantumCircuit(1)\n    qc.h(0)\n    qc.p(phi, 0)\n    return qc\n",
    ],
    "hs-second-h": [
        "def second_h(a0, a1):\n    return ((a0 + a1) / 2, (a0 - a1) / 2)\n",
        "def second_h(a0, a1):\n    return ((a0 + a1) / np.sqrt(2), (a1 - a0) / np.sqrt(2))\n",
    ],
    "hs-chsh-wins": [
        "def wins(x, y, a, b):\n    return (a ^ b) == (x | y)\n",
        "def wins(x, y, a, b):\n    return a == b\n",
    ],
    "hs-chsh-classical": [
        # the average over all plans instead of the best one
        "def best_classical():\n    rates = []\n    for a0, a1, b0, b1 in itertools.product((0, 1), repeat=4):\n"
        "        won = sum(((a0, a1)[x] ^ (b0, b1)[y]) == (x & y) for x in (0, 1) for y in (0, 1))\n"
        "        rates.append(won / 4)\n    return sum(rates) / len(rates)\n",
        # the number of rounds won, not a probability
        "def best_classical():\n    best = 0\n    for a0, a1, b0, b1 in itertools.product((0, 1), repeat=4):\n"
        "        won = sum(((a0, a1)[x] ^ (b0, b1)[y]) == (x & y) for x in (0, 1) for y in (0, 1))\n"
        "        best = max(best, won)\n    return best\n",
    ],
    "hs-coin-angle": [
        "def coin_angle(p):\n    return np.arcsin(np.sqrt(p))\n",
        "def coin_angle(p):\n    return np.pi * p\n",
    ],
    "hs-von-neumann": [
        # the first bit of every pair, 00 and 11 included: still biased
        "def von_neumann(bits):\n    return [int(bits[i]) for i in range(0, len(bits) - 1, 2)]\n",
        # overlapping pairs
        "def von_neumann(bits):\n    return [int(bits[i]) for i in range(len(bits) - 1) if bits[i] != bits[i + 1]]\n",
    ],
    "hs-predict": [
        "def predict(w, b, X):\n    return (X @ np.asarray(w) + b >= 0).astype(int)\n",
        "def predict(w, b, X):\n    return (X @ np.asarray(w) > b).astype(int)\n",
    ],
    "hs-perceptron-step": [
        "def perceptron_step(w, b, x, y, eta=0.1):\n    guess = int(x @ w + b > 0)\n"
        "    return w + eta * (guess - y) * x, b + eta * (guess - y)\n",
        "def perceptron_step(w, b, x, y, eta=0.1):\n    guess = int(x @ w + b > 0)\n    return w + eta * (y - guess) * x, b\n",
        "def perceptron_step(w, b, x, y, eta=0.1):\n    guess = int(x @ w + b > 0)\n"
        "    w += eta * (y - guess) * x\n    return w, b + eta * (y - guess)\n",
    ],
    "hs-locate": [
        "def locate(s1, s2):\n    return {(0, 0): None, (1, 0): 2, (1, 1): 1, (0, 1): 0}[(s1, s2)]\n",
        "def locate(s1, s2):\n    return None if (s1, s2) == (0, 0) else s1 + s2\n",
    ],
    "hs-encode": [
        "def encode():\n    qc = QuantumCircuit(3)\n    qc.cx(0, 1)\n    return qc\n",
        "def encode():\n    qc = QuantumCircuit(3)\n    qc.cx(1, 0)\n    qc.cx(2, 0)\n    return qc\n",
        "def encode():\n    qc = QuantumCircuit(3)\n    qc.h(1)\n    qc.h(2)\n    return qc\n",
    ],
    "hs-logical-n": [
        "def p_logical_n(p, n):\n    return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n // 2, n + 1))\n",
        "def p_logical_n(p, n):\n    return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range((n + 1) // 2, n))\n",
    ],
    "hs-phase-for": [
        "def phase_for(p0):\n    return np.arccos(np.sqrt(p0))\n",
        "def phase_for(p0):\n    return 2 * np.arcsin(np.sqrt(p0))\n",
    ],
}


def _english(lesson: Path) -> Path:
    """The English translation beside a (Chinese) lesson: lessons/x.md -> lessons/x.en.md."""
    return lesson.with_name(lesson.stem + ".en.md")


# Every number a lesson quotes, and where a notebook prints it: (lesson, the sentence in English, in Chinese,
# notebook, what the notebook prints with the reference solutions filled in).
QUOTED = [
    ("01-qubit", r"\sqrt{250} \approx 15.8", r"\sqrt{250} \approx 15.8", "01-qubit-practice", "sigma = 15.8"),
    (
        "02-bloch",
        "$R_y(\\pi/3)$ gives $0.25$",
        "$R_y(\\pi/3)$ 给出 $0.25$",
        "02-bloch-practice",
        "Ry(pi/3)|0>   point (+0.866, +0.000, +0.500)   P(0) = 0.750   P(1) = 0.250",
    ),
    (
        "02-bloch",
        "$R_y(2\\pi/3)$ gives $0.75$",
        "$R_y(2\\pi/3)$ 给出 $0.75$",
        "02-bloch-practice",
        "P(0) = 0.250   P(1) = 0.750",
    ),
    (
        "03-interference",
        "$\\varphi = \\pi/3$, $P(0) = 0.75$",
        "$\\varphi = \\pi/3$ 时 $P(0) = 0.75$",
        "03-interference-practice",
        "phi = pi/3  P(0) = 0.75",
    ),
    (
        "03-interference",
        "$\\varphi = \\pi/2$, $P(0) = 0.5$",
        "$\\varphi = \\pi/2$ 时 $P(0) = 0.5$",
        "03-interference-practice",
        "phi = pi/2  P(0) = 0.50",
    ),
    ("04-entanglement", r"\approx 0.854", r"\approx 0.854", "04-chsh-practice", "quantum win probability = 0.854"),
    ("04-entanglement", "the best wins $0.75$", "最好的胜率是 $0.75$", "04-chsh-practice", "classical best 0.75"),
    (
        "05-randomness",
        "for $p = 0.25$ that is $0.375$",
        "$p = 0.25$ 时这个比例是 $0.375$",
        "05-randomness-practice",
        "(2p(1-p) = 0.375)",
    ),
    ("05-randomness", "so $\\alpha = \\pi/3$", "所以 $\\alpha = \\pi/3$", "05-randomness-practice", "P(1) = 0.250"),
    (
        "06-classifier",
        "right only 85.0 %",
        "只有 85.0 % 正确",
        "06-classifier-practice",
        "hand line 1 x1 + 0 x2 > 0: test accuracy 85.0 %",
    ),
    (
        "06-classifier",
        "much better: 98.0 %",
        "要好得多：98.0 %",
        "06-classifier-practice",
        "hand line 1 x1 + 1 x2 > 0: test accuracy 98.0 %",
    ),
    (
        "06-classifier",
        "it scores 96.5 %",
        "它的准确率是 96.5 %",
        "06-classifier-practice",
        "training accuracy 100.0 %, test accuracy 96.5 %",
    ),
    (
        "06-classifier",
        "makes 4 mistakes in its first pass",
        "犯了 4 次错，第二遍一次也没错",
        "06-classifier-practice",
        "pass 1: 4 mistakes\npass 2: 0 mistakes",
    ),
    (
        "06-classifier",
        "at most 3 of the 4 points",
        "最多只能分对 4 个点中的 3 个",
        "06-classifier-practice",
        "best single line: 3 of 4",
    ),
    (
        "07-error-correction",
        "this is $p_L = 0.028$",
        "时 $p_L = 0.028$",
        "07-repetition-practice",
        "formula 3p^2 - 2p^3 = 0.0280",
    ),
    (
        "07-error-correction",
        "about $0.0003$",
        "约为 $0.0003$",
        "07-repetition-practice",
        "p = 0.01: formula 3p^2 - 2p^3 = 0.0003",
    ),
    (
        "08-review",
        "$p_L(5) \\approx 0.00856$",
        "$p_L(5) \\approx 0.00856$",
        "08-review-practice",
        "p_L(5) at p = 0.1: 0.00856",
    ),
    ("08-review", "$p_L(3) = 0.028$", "$p_L(3) = 0.028$", "08-review-practice", "n = 3:  p_L at p = 0.1 is 0.02800"),
]


def _lesson_ids(path: Path) -> str:
    return path.stem


# --- the folder imports --------------------------------------------------------------------------------------------


@pytest.fixture
def imported(cast):  # type: ignore[no-untyped-def]
    from courses.importer import import_course

    return import_course(COURSE, teacher=cast.teacher)


@pytest.mark.integration
def test_course_imports_with_no_problem_and_every_unit_complete(imported) -> None:  # type: ignore[no-untyped-def]
    from assessments.services import definition_of

    from courses.models import Activity, Unit

    report = imported
    assert report.created and report.warnings == [], report.summary()
    course = report.course
    assert (course.slug, course.language) == (SLUG, "zh-hans")
    assert course.title_zh == "高中生的人工智能与量子"
    units = list(Unit.objects.filter(course=course).order_by("order"))
    assert len(units) >= 8
    for unit in units:
        assert unit.title_zh and unit.summary_zh, unit.slug
        acts = {a.kind: a for a in Activity.objects.filter(unit=unit)}
        assert sorted(acts) == ["lesson", "practice", "quiz"], unit.slug
        lesson = acts["lesson"].current_version
        assert lesson is not None
        # the Chinese source and its English translation are both part of the version
        names = sorted(f.path for f in lesson.files.filter(kind="lesson"))
        assert len(names) == 2 and names[0].endswith(".en.md") and names[1] == names[0].replace(".en.md", ".md")
        assert len(re.findall(r"[\u4e00-\u9fff]", lesson.body_html)) < 20, unit.slug  # body_html is the English
        assert '<span class="arithmatex">' in lesson.body_html and '<span class="arithmatex">' in lesson.body_html_zh
        assert len(re.findall(r"[\u4e00-\u9fff]", lesson.body_html_zh)) > 300, unit.slug
        figures = lesson.body_html.count("<img")
        assert lesson.body_html_zh.count("<img") == figures == lesson.files.filter(kind="asset").count(), unit.slug
        practice = acts["practice"].current_version
        assert practice is not None
        assert "# YOUR CODE HERE" in practice.body_html and "练习" in practice.body_html_zh, unit.slug
        definition = definition_of(acts["quiz"].current_version)
        assert definition is not None and 3 <= len(definition["questions"]) <= 5, unit.slug
        for qid, question in definition["questions"].items():
            assert question["title_zh"] and re.search(r"[\u4e00-\u9fff]", question["html_zh"]), qid
            assert question["html"] and not re.search(r"[\u4e00-\u9fff]", question["html"]), qid
    assert Activity.objects.filter(course=course, kind="lesson", current_version__files__kind="asset").count() >= 3
    kinds = {
        p["type"]
        for a in Activity.objects.filter(course=course, kind="quiz")
        for q in (definition_of(a.current_version) or {"questions": {}})["questions"].values()
        for p in q["parts"]
    }
    assert kinds == {"choice", "numeric", "circuit"}


@pytest.mark.integration
def test_a_student_reads_each_lesson_and_practice_in_both_languages_and_never_a_solution(imported, cast) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    from courses.models import Activity
    from tests.factories import EnrollmentFactory

    course = imported.course
    EnrollmentFactory(course=course, user=cast.alice)
    client = Client()
    client.force_login(cast.alice)
    for unit in UNITS:
        for spec in unit["activities"]:
            act = Activity.objects.get(course=course, slug=spec["slug"])
            url = f"/courses/{course.slug}/a/{act.slug}/"
            if spec["kind"] == "quiz":
                assert client.get(url).status_code in (200, 302), act.slug
                continue
            en = client.get(url + "?lang=en").content.decode()
            zh = client.get(url + "?lang=zh-hans").content.decode()
            if spec["kind"] == "lesson":
                lesson = COURSE / spec["file"]  # Chinese first: x.md is the Chinese, x.en.md the English
                first_zh = lesson.read_text(encoding="utf-8").splitlines()[0].lstrip("# ")
                first_en = _english(lesson).read_text(encoding="utf-8").splitlines()[0].lstrip("# ")
                assert first_en in en and first_zh in zh and first_zh not in en, act.slug
                assert 'data-testid="no-translation"' not in en + zh, act.slug
                for asset in act.current_version.files.filter(kind="asset"):  # type: ignore[union-attr]
                    img = client.get(f"/courses/{course.slug}/a/{act.slug}/files/{asset.path}")
                    assert img.status_code == 200 and b"<svg" in b"".join(img), (act.slug, asset.path)  # type: ignore[attr-defined]
                    assert asset.path in en and asset.path in zh
            else:
                nb = json.loads((COURSE / spec["notebook"]).read_text(encoding="utf-8"))
                assert "YOUR CODE HERE" in en and "练习" in zh and "练习" not in en.split("<main", 1)[-1], act.slug
                assert "<summary>Hint 1</summary>" in en and "<summary>Hint 1</summary>" not in zh, act.slug
                assert "<summary>提示 1</summary>" in zh and "<summary>提示 1</summary>" not in en, act.slug
                # the notebook a student downloads: Chinese source, or the English swapped in; never the metadata
                for asked, lang in (("zh-hans", "zh"), ("en", "en")):
                    got = json.loads(b"".join(client.get(f"{url}files/{Path(spec['notebook']).name}?lang={asked}")))
                    texts = ["".join(c["source"]) for c in got["cells"] if c["cell_type"] == "markdown"]
                    assert any(("练习" if lang == "zh" else "Exercise") in t for t in texts), (act.slug, lang)
                    assert all(
                        "liangzhi" not in c["metadata"] or not {"en", "zh", "solution"} & set(c["metadata"]["liangzhi"])
                        for c in got["cells"]
                    ), act.slug
                # the reference solutions stay in the notebook's metadata: a line of one shows only where a hint gives it
                hints = " ".join(
                    "".join(c["source"]) + (c["metadata"].get("liangzhi") or {}).get("en", "")
                    for c in nb["cells"]
                    if c["cell_type"] == "markdown"
                )
                for cell in nb["cells"]:
                    solution = (cell["metadata"].get("liangzhi") or {}).get("solution") or ""
                    for line in solution.splitlines()[2:]:  # past the def line and its docstring
                        if len(line.strip()) > 12 and line.strip() not in hints:
                            assert line.strip() not in en and line.strip() not in zh, (act.slug, line)


def _reference_and_wrong(part: dict[str, Any], variant: dict[str, Any]) -> tuple[float, float]:
    """The score (0..1) of the answer the course holds as correct, and of a plausible wrong one."""
    from assessments.runner import values
    from liangzhi_checks.circuits import grade_circuit

    pid = part["id"]
    if part["type"] == "choice":
        correct = variant["correct"][pid]
        n = len(variant["options_html"][pid])
        wrong = next(i for i in range(n) if i not in correct)
        args = {"correct": correct, "n_options": n, "multiple": bool(part.get("multiple"))}
        return (
            values.check_choice(correct[0], **args).fraction,
            values.check_choice(wrong, **args).fraction,
        )
    if part["type"] == "numeric":
        expected = values.parse_real(variant["answers"].get(pid, part.get("answer")))
        atol, rtol = float(part.get("atol") or 0), float(part.get("rtol") or 0)
        off = expected + 0.05 + 3 * (atol + rtol * abs(expected))
        return (
            values.check_numeric(repr(expected), expected, atol=atol, rtol=rtol).fraction,
            values.check_numeric(repr(off), expected, atol=atol, rtol=rtol).fraction,
        )
    assert part["type"] == "circuit", part["type"]
    target = variant["answers"].get(pid, part.get("target"))
    kwargs = {
        "target": target,
        "target_state": part.get("target_state"),
        "mode": part.get("mode", "unitary"),
        "limits": {
            "qubits": part.get("qubits"),
            "depth": part.get("max_depth"),
            "two_qubit_gates": part.get("max_two_qubit_gates"),
            "gates": part.get("max_gates"),
        },
        "allowed_gates": part.get("gates"),
    }
    ok, message, _ = grade_circuit(json.loads(json.dumps(target)), **kwargs)  # type: ignore[arg-type]
    empty, _, _ = grade_circuit({"qubits": part["qubits"], "ops": []}, **kwargs)  # type: ignore[arg-type]
    assert ok, message
    return float(ok), float(empty)


@pytest.mark.integration
def test_every_quiz_answer_held_as_correct_scores_full_and_a_wrong_one_nothing(imported) -> None:  # type: ignore[no-untyped-def]
    from assessments.services import definition_of, variant_of

    from courses.models import Activity

    checked = 0
    for quiz in Activity.objects.filter(course=imported.course, kind="quiz"):
        definition = definition_of(quiz.current_version)
        assert definition is not None, quiz.slug
        for qid, question in definition["questions"].items():
            assert question["n_variants"] >= 1
            for seed in range(question["n_variants"]):
                variant = variant_of(definition, qid, seed)
                for part in question["parts"]:
                    right, wrong = _reference_and_wrong(part, variant)
                    assert (right, wrong) == (1.0, 0.0), (qid, seed, part["id"])
                    checked += 1
    assert checked >= 100


def test_the_manifest_names_every_question_folder_once() -> None:
    named = [qid for unit in UNITS for act in unit["activities"] for qid in act.get("questions") or []]
    assert len(named) == len(set(named))
    assert set(named) == {p.name for p in (COURSE / "questions").iterdir() if p.is_dir()}


# --- lessons in two languages ----------------------------------------------------------------------------------------


def _prose(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)


def _structure(text: str) -> dict[str, Any]:
    prose = _prose(text)
    display = [" ".join(m.group(1).split()) for m in re.finditer(r"\$\$(.+?)\$\$", prose, flags=re.DOTALL)]
    inline_text = re.sub(r"\$\$(.+?)\$\$", "", prose, flags=re.DOTALL)
    return {
        "headings": [len(m.group(1)) for m in re.finditer(r"^(#{1,6}) ", prose, flags=re.MULTILINE)],
        "display": display,
        "inline": sorted(set(re.findall(r"\$([^$\n]+)\$", inline_text))),
        "code": re.findall(r"^```.*?^```", text, flags=re.MULTILINE | re.DOTALL),
        "table_rows": len(re.findall(r"^\|", prose, flags=re.MULTILINE)),
        "figures": re.findall(r"!\[[^\]]*\]\(([^)]+)\)", prose),
    }


def test_the_course_has_eight_lessons_named_by_the_manifest() -> None:
    named = {act["file"] for unit in UNITS for act in unit["activities"] if act["kind"] == "lesson"}
    assert named == {f"lessons/{p.name}" for p in LESSONS} and len(named) >= 8


@pytest.mark.parametrize("lesson", LESSONS, ids=_lesson_ids)
def test_lesson_has_both_languages_with_the_same_headings_and_formulas(lesson: Path) -> None:
    assert not lesson.with_name(lesson.stem + ".zh.md").exists(), "a Chinese course's lesson has no .zh.md"
    en_text, zh_text = _english(lesson).read_text(encoding="utf-8"), lesson.read_text(encoding="utf-8")
    en, other = _structure(en_text), _structure(zh_text)
    assert other["headings"] == en["headings"]
    assert other["display"] == en["display"] and en["display"], "display formulas differ (or there are none)"
    assert other["inline"] == en["inline"], set(other["inline"]) ^ set(en["inline"])
    assert other["code"] == en["code"]
    assert other["table_rows"] == en["table_rows"]
    assert other["figures"] == en["figures"] and all((lesson.parent / f).is_file() for f in en["figures"])
    assert len(re.findall(r"[\u4e00-\u9fff]", _prose(zh_text))) > 300
    # a short lesson: a 45-minute class reads it in about ten minutes
    assert 250 <= len(en_text.split()) <= 700


def test_no_lesson_uses_calculus() -> None:
    for path in (COURSE / "lessons").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        for sign in (r"\frac{d", r"\partial", r"\int", "derivative", "gradient", "导数", "梯度", "积分"):
            assert sign not in text, (path.name, sign)


# --- notebooks ----------------------------------------------------------------------------------------------------


def test_every_practice_notebook_is_chinese_first_with_its_english_in_the_cell_metadata() -> None:
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        markdown = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
        assert markdown, path.name
        for i, cell in enumerate(markdown):
            meta = cell["metadata"].get("liangzhi") or {}
            assert "zh" not in meta, (path.name, i)  # the source is the Chinese: no Chinese translation
            assert re.search(r"[\u4e00-\u9fff]", "".join(cell["source"])), (path.name, i)
            assert isinstance(meta.get("en"), str) and not re.search(r"[\u4e00-\u9fff]", meta["en"]), (path.name, i)


def test_every_practice_notebook_is_named_by_the_manifest_and_asks_for_code() -> None:
    named = {act["notebook"] for unit in UNITS for act in unit["activities"] if act["kind"] == "practice"}
    assert named == {f"practice/{p.name}" for p in NOTEBOOKS} and len(named) >= 8
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        answers = [c for c in nb["cells"] if (c["metadata"].get("liangzhi") or {}).get("kata") == "answer"]
        assert len(answers) >= 1 and all("# YOUR CODE HERE" in "".join(c["source"]) for c in answers), path.name
        assert all(c["metadata"]["liangzhi"]["exercise"] in WRONG for c in answers), path.name
        imports = {
            m.split(".")[0]
            for c in nb["cells"]
            if c["cell_type"] == "code"
            for m in re.findall(r"^\s*(?:from|import) ([\w.]+)", "".join(c["source"]), flags=re.MULTILINE)
        }
        assert imports <= {"numpy", "qiskit", "itertools", "math", "liangzhi_checks"}, (path.name, imports)


# The Katas tests' runner (each notebook blank, then with the references and the wrong answers in one kernel),
# imported as a fixture: this module gets its own module-scoped cache. Imported after WRONG, which that module reads.
from tests.content.test_practice_katas import _marks, runs  # noqa: E402, F401


def _outputs(nb: Any) -> str:
    return "\n".join(
        "".join(o.get("text", "") for o in c.get("outputs", []) if o.get("output_type") == "stream")
        for c in nb.cells
        if c.cell_type == "code"
    )


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_practice_notebook_blank_fails_each_self_check_and_the_reference_passes(path: Path, runs) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    run = runs(path)
    blank = {ex: _marks(run["blank"].cells[i]) for ex, i in run["checks"].items()}
    filled = {ex: _marks(run["filled"].cells[i]) for ex, i in run["checks"].items()}
    assert blank and set(blank.values()) == {"✗"}, blank
    assert set(filled.values()) == {"✓"}, filled
    assert all(set(marks) == {"✗"} for marks in run["wrong"].values()) and set(run["wrong"]) == set(run["checks"])
    # with the references filled in, nothing in the notebook reports a failure
    assert "✗" not in _outputs(run["filled"])


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("quote", QUOTED, ids=lambda q: f"{q[0]}:{q[4][:24]}")
def test_every_number_a_lesson_quotes_is_printed_by_its_notebook(quote: tuple[str, ...], runs) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    lesson, en, zh, notebook, printed = quote
    assert en in (COURSE / "lessons" / f"{lesson}.en.md").read_text(encoding="utf-8"), (lesson, en)
    assert zh in (COURSE / "lessons" / f"{lesson}.md").read_text(encoding="utf-8"), (lesson, zh)
    assert printed in _outputs(runs(COURSE / "practice" / f"{notebook}.ipynb")["filled"]), (notebook, printed)


# --- teacher's guides ----------------------------------------------------------------------------------------------


def _guide(unit_index: int, lang: str) -> Path:
    found = sorted((COURSE / "teacher").glob(f"{unit_index:02d}-*.md"))
    found = [p for p in found if p.name.endswith(".zh.md") == (lang == "zh")]
    assert len(found) == 1, (unit_index, lang, found)
    return found[0]


@pytest.mark.parametrize("index", range(1, len(UNITS) + 1))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_unit_has_a_teachers_guide_with_a_45_minute_plan_and_the_answers(index: int, lang: str) -> None:
    text = _guide(index, lang).read_text(encoding="utf-8")
    minutes = [int(m) for m in re.findall(r"^\|\s*(\d+)\s*(?:min|分钟)\s*\|", text, flags=re.MULTILINE)]
    assert sum(minutes) == 45 and len(minutes) >= 4, minutes
    unit = UNITS[index - 1]
    quiz = next(a for a in unit["activities"] if a["kind"] == "quiz")
    for qid in quiz["questions"]:
        assert f"`{qid}`" in text, f"no answer for {qid}"
    practice = next(a for a in unit["activities"] if a["kind"] == "practice")
    nb = json.loads((COURSE / practice["notebook"]).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        meta = cell["metadata"].get("liangzhi") or {}
        if meta.get("kata") == "answer":
            assert meta["exercise"] in text, f"no model answer for {meta['exercise']}"
    if lang == "zh":
        assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 200  # written in Chinese, not a copy of the English


def test_the_teachers_guides_are_not_imported() -> None:
    """teacher/ is for the teacher's own copy of the folder: no activity names a file in it (the README says so)."""
    named = [
        path
        for unit in UNITS
        for act in unit["activities"]
        for path in [act.get("file"), act.get("notebook"), act.get("folder"), *(act.get("files") or [])]
        if path
    ]
    assert named and not any(p.startswith("teacher/") for p in named)
    assert "teacher/" in (COURSE / "README.md").read_text(encoding="utf-8")
