"""Only the site starts labs, on both hubs: the rule itself (sandbox/hub/site_only.py), the local hub's spawner using
it, and the cluster's hub getting it (values.yaml hub.extraConfig runs against the module the hub image installs).
The local hub's rule is also tested end to end with a real hub in tests/sandbox/test_site_only_starts.py."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
RULE = REPO / "sandbox" / "hub" / "site_only.py"
pytestmark = pytest.mark.unit


class _Handler:
    def __init__(self, who: Any = None, fails: bool = False) -> None:
        self._who, self._fails = who, fails

    @property
    def current_user(self) -> Any:
        if self._fails:
            raise RuntimeError("no user resolved")
        return self._who


SITE = SimpleNamespace(kind="service", name="liangzhi-site")
STUDENT = SimpleNamespace(kind="user", name="hb1-2026101")


def _as_installed() -> ModuleType:
    """The file as the hub image installs it: a top-level module named liangzhi_site_only."""
    spec = importlib.util.spec_from_file_location("liangzhi_site_only", RULE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("handler", "service", "allowed"),
    [
        (_Handler(SITE), "liangzhi-site", True),
        (_Handler(STUDENT), "liangzhi-site", False),  # the student's own /hub/spawn or API call
        (_Handler(SimpleNamespace(kind="user", name="liangzhi-site")), "liangzhi-site", False),  # a user, not a service
        (_Handler(SimpleNamespace(kind="service", name="idle-culler")), "liangzhi-site", False),  # another service
        (_Handler(fails=True), "liangzhi-site", False),
        (_Handler(None), "liangzhi-site", False),
        (None, "liangzhi-site", True),  # the hub's own restart of a server it already ran
        (_Handler(STUDENT), "", True),  # no rule
    ],
)
def test_asked_by(handler: Any, service: str, allowed: bool) -> None:
    assert _as_installed().asked_by(handler, service) is allowed


def test_the_local_spawner_uses_the_same_rule() -> None:
    from sandbox.hub import site_only, spawner

    assert spawner.site_only is site_only
    source = Path(spawner.__file__).read_text()
    assert "site_only.asked_by(self.handler, self.starts_only_from)" in source
    assert "site_only.refusal(self.site_url)" in source


def test_the_rule_needs_only_the_standard_library() -> None:
    imports = re.findall(r"^(?:from|import) ([\w.]+)", RULE.read_text(), re.M)
    assert all(name.split(".")[0] in sys.stdlib_module_names | {"__future__"} for name in imports), imports


def test_the_cluster_hub_refuses_a_start_the_site_did_not_ask_for(monkeypatch: pytest.MonkeyPatch) -> None:
    from traitlets.config import Config

    values = yaml.safe_load((REPO / "deploy" / "jupyterhub" / "values.yaml").read_text())
    snippet = values["hub"]["extraConfig"]["liangzhi-site-only-starts"]
    monkeypatch.setitem(sys.modules, "liangzhi_site_only", _as_installed())
    c = Config()
    exec(compile(snippet, "values.yaml:hub.extraConfig", "exec"), {"c": c})  # noqa: S102 -- our own config
    hook = c.KubeSpawner.pre_spawn_hook
    assert callable(hook)
    # the service named in the chart's hub.services is the one allowed
    assert "liangzhi-site" in values["hub"]["services"]
    hook(SimpleNamespace(handler=_Handler(SITE)))  # the site's start goes on
    hook(SimpleNamespace(handler=None))
    with pytest.raises(ValueError, match="course site") as refused:
        hook(SimpleNamespace(handler=_Handler(STUDENT)))
    assert "https://lab.example.edu" in str(refused.value) and "请从课程网站打开实验环境" in str(refused.value)


def test_the_hub_image_installs_the_rule_under_the_name_the_values_import() -> None:
    dockerfile = (REPO / "deploy" / "images" / "k8s-hub.Dockerfile").read_text()
    copies = [line.split()[1:] for line in dockerfile.splitlines() if line.startswith("COPY ")]
    assert ["sandbox/hub/site_only.py", "/usr/local/lib/python3.11/site-packages/liangzhi_site_only.py"] in copies
    assert (
        re.search(r"^FROM \$\{PYTHON_IMAGE\}", dockerfile, re.M) and "python:3.11-" in dockerfile
    )  # that path's Python
    ignored = [p for p in (REPO / ".dockerignore").read_text().splitlines() if p and not p.startswith("#")]
    assert not any(p.strip("*/") in ("sandbox", "sandbox/hub", "site_only.py") for p in ignored)
