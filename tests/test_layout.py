"""The layout rules that keep the project importable the one right way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.unit


def test_platform_is_a_source_root_not_a_package() -> None:
    assert (REPO / "platform").is_dir()
    assert not (REPO / "platform" / "__init__.py").exists(), "platform/__init__.py would shadow the standard library"


def test_platform_import_inside_django_is_the_standard_library() -> None:
    code = (
        "import os, sys; sys.argv=['manage.py','shell','-c',"
        "'import platform, sysconfig; print(platform.__file__); print(platform.python_version())']; "
        "import runpy; runpy.run_path('manage.py', run_name='__main__')"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    first, version = out.strip().splitlines()[-2:]
    stdlib = Path(__import__("sysconfig").get_paths()["stdlib"]).resolve()
    assert Path(first).resolve().parent == stdlib
    assert version.count(".") == 2


def test_apps_live_where_the_design_puts_them() -> None:
    for top in ("courses", "grading", "sandbox", "competitions"):
        assert (REPO / top / "apps.py").exists(), top
    for inner in ("accounts", "dashboard", "config"):
        assert (REPO / "platform" / inner / "__init__.py").exists(), inner


def test_web_code_does_not_import_heavy_libraries_at_start_up() -> None:
    code = (
        "import os, sys; sys.path[:0] = ['.', 'platform']; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; "
        "import django; django.setup(); from django.urls import resolve; import config.urls; "
        "import courses.views, dashboard.views, grading.views, sandbox.views; "
        "heavy = sorted(m for m in ('torch','qiskit','nbgrader','nbconvert','plotly') if m in sys.modules); print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
