"""The Simplified Chinese interface is complete: every message has a translation, none is fuzzy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(p for p in REPO.glob("**/locale/zh_Hans/LC_MESSAGES/django.po") if ".venv" not in p.parts and "node_modules" not in p.parts)
pytestmark = pytest.mark.unit


def _entries(text: str) -> list[str]:
    return [block for block in text.split("\n\n") if "msgid" in block]


@pytest.mark.parametrize("path", CATALOGUES, ids=[str(p.relative_to(REPO)) for p in CATALOGUES])
def test_catalogue_is_complete(path: Path) -> None:
    untranslated = []
    for block in _entries(path.read_text(encoding="utf-8"))[1:]:  # the first is the header
        if block.lstrip().startswith("#~"):
            continue  # obsolete
        if "#, fuzzy" in block or re.search(r'msgstr(\[0\])? ""\n?$', block.strip() + "\n"):
            untranslated.append(block.split("msgid", 1)[1].split("\n")[0])
    assert untranslated == []
    assert path.with_suffix(".mo").exists(), f"compile {path} (make messages)"


def test_every_app_with_strings_has_a_catalogue() -> None:
    assert {str(p.relative_to(REPO)).split("/locale/")[0] for p in CATALOGUES} >= {"platform", "competitions", "sandbox", "platform/dashboard"}
