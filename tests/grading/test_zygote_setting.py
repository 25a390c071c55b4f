"""GRADING_ZYGOTE decides whether a worker's warm runners are forked from the kernel zygote."""

from __future__ import annotations

from typing import Any

import pytest

from grading import services
from grading.runner import pool as poolmod
from grading.runner import sandbox as sandboxmod


class _Recorded:
    def __init__(self, **kw: Any) -> None:
        self.kw = kw

    def fill(self) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.mark.parametrize(("setting", "passed"), [(True, None), (False, False)])
def test_the_setting_reaches_the_pool(
    monkeypatch: pytest.MonkeyPatch, settings: Any, setting: bool, passed: Any
) -> None:
    """On: the pool decides by what the machine allows (None); off: never forked (False)."""
    settings.GRADING_ZYGOTE = setting
    settings.GRADING_WARM_POOL = 1
    monkeypatch.setattr(services, "_POOL", None)
    monkeypatch.setattr(poolmod, "WarmPool", _Recorded)
    monkeypatch.setattr(sandboxmod, "sandbox_probe", lambda: {"isolated": True})
    made = services.warm_pool()
    assert isinstance(made, _Recorded)
    assert made.kw["zygote"] is passed
    monkeypatch.setattr(services, "_POOL", None)
