"""Cells for the high-school practice notebooks, each Markdown cell written in both languages at once.

The course is Chinese first (``language: zh-hans``): a Markdown cell's source is its Chinese text and
its English translation is in the cell's ``metadata.liangzhi.en`` (the platform's format for a Chinese
course, see the README's *Two languages*); an exercise follows the Katas style of the other courses
(``liangzhi_checks.katas``): a task with two hints that unfold one at a time, an answer cell with
``# YOUR CODE HERE`` and ``raise NotImplementedError`` (the reference solution in
``metadata.liangzhi.solution``), and a self-check that prints ✓ or ✗.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path


def _src(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def md(en: str, zh: str) -> dict:
    """A Markdown cell, Chinese first: the course's language is Chinese (course.yaml ``language: zh-hans``), so the
    cell's source is the Chinese and its English translation is ``metadata.liangzhi.en``."""
    return {"cell_type": "markdown", "metadata": {"liangzhi": {"en": _src(en)}}, "source": _src(zh)}


def code(src: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "source": _src(src), "outputs": [], "execution_count": None}


def _hints(label: str, first: str, second: str) -> str:
    return (
        f"<details><summary>{label} 1</summary>\n\n{_src(first)}\n\n"
        f"<details><summary>{label} 2</summary>\n\n{_src(second)}\n\n</details>\n\n</details>"
    )


def kata(
    exercise: str,
    number: int,
    *,
    title: tuple[str, str],
    task: tuple[str, str],
    hints: tuple[tuple[str, str], tuple[str, str]],
    stub: str,
    solution: str,
    test: str,
) -> list[dict]:
    """The three cells of one exercise: task, answer (blank, reference in metadata), self-check."""
    (h1_en, h1_zh), (h2_en, h2_zh) = hints
    en = (
        f"### Exercise {number}: {title[0]}\n\n{_src(task[0])}\n\n"
        "Write your code in the cell below, then run the self-check after it.\n\n" + _hints("Hint", h1_en, h2_en)
    )
    zh = (
        f"### 练习 {number}：{title[1]}\n\n{_src(task[1])}\n\n"
        "在下面的单元里写代码，然后运行其后的自检单元。\n\n" + _hints("提示", h1_zh, h2_zh)
    )
    task_cell = md(en, zh)
    task_cell["metadata"]["liangzhi"].update({"kata": "task", "exercise": exercise})
    answer_cell = code(stub)
    answer_cell["metadata"] = {
        "liangzhi": {"kata": "answer", "exercise": exercise, "solution": _src(solution) + "\n"}
    }
    check_cell = code(
        f"# Self-check (exercise {number})\nfrom liangzhi_checks.katas import check, expect\n\n"
        f"def _test():\n{textwrap.indent(_src(test), '    ')}\n\ncheck({f'Exercise {number} · {title[0]}'!r}, _test)"
    )
    check_cell["metadata"] = {"liangzhi": {"kata": "check", "exercise": exercise}}
    return [task_cell, answer_cell, check_cell]


def save(path: Path, cells: list[dict]) -> None:
    out = []
    for i, cell in enumerate(cells):
        cell = dict(cell)
        cell["id"] = hashlib.sha1(f"{path.name}:{i}".encode(), usedforsecurity=False).hexdigest()[:8]
        cell["source"] = cell["source"].splitlines(keepends=True)
        out.append(cell)
    nb = {
        "cells": out,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
