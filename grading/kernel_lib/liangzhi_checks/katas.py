"""Self-checks for practice exercises in the Katas style (bilingual, never showing the answer).

A practice exercise is three cells: a Markdown task with hints in nested ``<details>`` blocks (hint 2
unfolds inside hint 1), a code cell the student completes (``# YOUR CODE HERE`` then
``raise NotImplementedError``), and a self-check cell::

    from liangzhi_checks.katas import check, expect

    def _test():
        expect(agreement({"00": 3, "11": 1}) == 1.0,
               "a shot counts as agreeing when both bits are equal",
               "两个比特相同的那一次测量才算一致")

    check("Exercise 1", _test)

``check`` prints one line that starts with ✓ or ✗, in English and Chinese. A failed ``expect`` shows
its own hint; any other ``AssertionError`` shows a generic message (its text might contain the
expected value). The reference solution of an exercise lives in the code cell's metadata
``liangzhi.solution`` (single-sourced; tests fill it in); the platform strips it, with the Chinese
text, wherever a notebook reaches a student (``courses.notebook_lang.notebook_for_language``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["RESULTS", "CheckFailed", "NotAnswered", "answered", "check", "expect"]

RESULTS: dict[str, bool] = {}


class NotAnswered(Exception):
    """The exercise still holds its placeholder."""


class CheckFailed(AssertionError):
    """A self-check's condition failed; the message is a hint for the student (never the answer)."""

    def __init__(self, en: str, zh: str = "") -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh


def expect(condition: object, en: str, zh: str = "") -> None:
    """Fail the self-check with the hint ``en`` / ``zh`` unless ``condition`` holds."""
    if not condition:
        raise CheckFailed(en, zh)


def answered(value: Any) -> Any:
    """``value``, or NotAnswered if it is still the placeholder (``...`` or ``None``)."""
    if value is ... or value is None:
        raise NotAnswered
    return value


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check(title: str, test: Callable[[], object]) -> bool:
    """Run ``test`` and print ✓ or ✗ with a bilingual message; return whether it passed."""
    ok = False
    try:
        test()
    except (NotAnswered, NotImplementedError):
        en = "not answered yet: replace `raise NotImplementedError` under # YOUR CODE HERE with your code"
        zh = "还没有作答：请把 # YOUR CODE HERE 下面的 `raise NotImplementedError` 换成你的代码"
    except NameError as exc:
        en = f"a name is not defined ({_short(str(exc))}): run the exercise cell above first"
        zh = f"有名称未定义（{_short(str(exc))}）：请先运行上面的练习单元"
    except CheckFailed as exc:
        en, zh = exc.en, exc.zh or exc.en
    except AssertionError:
        en = "the result is not right yet"
        zh = "结果还不对"
    except Exception as exc:  # the student's code raised: show its error, it is theirs
        en = f"your code raised {type(exc).__name__}: {_short(str(exc))}"
        zh = f"你的代码抛出了异常 {type(exc).__name__}"
    else:
        ok = True
        en, zh = "correct, well done", "正确，做得好"
    RESULTS[title] = ok
    mark = "✓" if ok else "✗"
    print(f"{mark} {title}: {en}\n  {zh}")
    return ok
