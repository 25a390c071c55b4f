"""tests/content/unit_checks.py holds the checks the per-unit content test modules share: pytest rewrites its asserts
too, so a failing check there reports its values as one in a test module does."""

import pytest

pytest.register_assert_rewrite("tests.content.unit_checks")
