"""JupyterLab has a way back to the site: a "量智 Lab" menu whose item opens the site."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest
from traitlets.config import Config

from tests.sandbox.conftest import hub, hub_client, lab, stop_quietly  # noqa: F401 -- real-hub fixtures

CONFIG = Path(__file__).resolve().parents[2] / "sandbox" / "hub" / "jupyter" / "etc" / "jupyter" / "jupyter_server_config.py"


def _menu(overrides: dict) -> dict:  # type: ignore[type-arg]
    menus = overrides["@jupyterlab/mainmenu-extension:plugin"]["menus"]
    return next(m for m in menus if m["id"] == "jp-mainmenu-liangzhi")


def test_server_config_writes_the_menu_jupyterlab_reads(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from jupyterlab_server.settings_utils import _get_overrides

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("LIANGZHI_SITE_URL", "https://lab.school.example/")
    c = Config()
    runpy.run_path(str(CONFIG), init_globals={"c": c})
    settings_dir = c.LabApp.app_settings_dir
    assert Path(settings_dir).is_relative_to(tmp_path)
    overrides, error = _get_overrides(settings_dir)  # JupyterLab's own loader
    assert error == ""
    (item,) = _menu(overrides)["items"]
    assert item["command"] == "help:open"
    assert item["args"]["url"] == "https://lab.school.example/" and item["args"]["newBrowserTab"] is True


def test_without_a_site_url_nothing_is_changed(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("LIANGZHI_SITE_URL", raising=False)
    c = Config()
    runpy.run_path(str(CONFIG), init_globals={"c": c})
    assert "app_settings_dir" not in c.LabApp
    assert not (tmp_path / ".cache").exists()


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_lab_gets_the_site_address(lab, hub_client, cast, live_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from sandbox.services import lab_start

    alice = cast.alice
    alice.refresh_from_db()
    try:
        lab_start(user=alice)
        hub_client.server_wait_ready(alice.hub_name, timeout=90)
        kernel = hub_client.kernel_start(alice.hub_name)
        out = hub_client.kernel_execute(
            alice.hub_name, kernel,
            "import os; print(open(os.path.expanduser('~/.cache/liangzhi-lab-settings/overrides.json')).read())",
            timeout=120,
        )
        overrides = json.loads(out.stdout.strip().splitlines()[-1])
        (item,) = _menu(overrides)["items"]
        assert item["args"]["url"] == live_server.url + "/"
    finally:
        stop_quietly(hub_client, alice.hub_name)
