"""The README's configuration table names every environment variable the settings read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.unit


def test_every_setting_variable_is_documented() -> None:
    settings_src = (REPO / "platform" / "config" / "settings.py").read_text()
    read = set(re.findall(r'env_[a-z]+\(\s*"([A-Z][A-Z0-9_]+)"', settings_src))
    readme = (REPO / "README.md").read_text()
    table = readme.split("<!-- config-table:start -->")[1].split("<!-- config-table:end -->")[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    assert read - documented == set(), "add these to the README's configuration table"


def test_readme_has_the_two_commands_and_the_logins() -> None:
    readme = (REPO / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme and "quantum-demo" in readme
