"""Kubernetes: the Zero-to-JupyterHub values validate against the chart's own schema, and the
site's manifests are complete (kinds, API versions, required fields, probes, resources, autoscaling)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.deploy.test_images import runtime_lock

REPO = Path(__file__).resolve().parents[2]
CHART_VERSION = "4.4.0"
SCHEMA = REPO / "deploy" / "vendor" / f"zero-to-jupyterhub-{CHART_VERSION}" / "values.schema.yaml"
VALUES = REPO / "deploy" / "jupyterhub" / "values.yaml"
MANIFESTS = REPO / "deploy" / "kubernetes"
pytestmark = pytest.mark.unit

# apiVersion and the fields the API server requires, per kind (Kubernetes 1.30+).
KINDS = {
    "Deployment": ("apps/v1", ["spec.selector", "spec.template.spec.containers"]),
    "Service": ("v1", ["spec.ports"]),
    "Ingress": ("networking.k8s.io/v1", ["spec.rules"]),
    "Job": ("batch/v1", ["spec.template.spec.containers", "spec.template.spec.restartPolicy"]),
    "PersistentVolumeClaim": ("v1", ["spec.accessModes", "spec.resources.requests.storage"]),
    "HorizontalPodAutoscaler": ("autoscaling/v2", ["spec.scaleTargetRef", "spec.maxReplicas", "spec.metrics"]),
}


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load(VALUES.read_text())


@pytest.fixture(scope="module")
def objects() -> list[dict]:
    out = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        out += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return out


def _get(obj: dict, dotted: str) -> object:
    for part in dotted.split("."):
        assert isinstance(obj, dict) and part in obj, dotted
        obj = obj[part]
    return obj


def _merged(defaults: object, ours: object) -> object:
    """Helm's merge of a chart's defaults with user values: maps merge key by key, anything else
    (lists included) is replaced, and a null removes the default."""
    if isinstance(defaults, dict) and isinstance(ours, dict):
        out = dict(defaults)
        for key, value in ours.items():
            if value is None:
                out.pop(key, None)
            else:
                out[key] = _merged(defaults.get(key), value)
        return out
    return ours


def test_values_validate_against_the_charts_own_schema(values) -> None:  # type: ignore[no-untyped-def]
    """As `helm install` validates: the chart's defaults merged with ours, against values.schema."""
    schema = yaml.safe_load(SCHEMA.read_text())
    defaults = yaml.safe_load((SCHEMA.parent / "values.yaml").read_text())
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(_merged(defaults, values)), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    # the check has teeth: an unknown key is refused by the schema (additionalProperties: false)
    broken = json.loads(json.dumps(values))
    broken["hub"]["concurentSpawnLimit"] = 10
    broken["hub"]["activeServerLimit"] = "1200"
    messages = [e.message for e in validator.iter_errors(_merged(defaults, broken))]
    assert any("concurentSpawnLimit" in m for m in messages)
    assert any("'1200' is not of type" in m for m in messages)


def test_helm_install_line_names_the_vendored_chart_version() -> None:
    assert f"--version {CHART_VERSION} " in VALUES.read_text()


def test_security_context_uses_kubespawners_own_traits(values) -> None:  # type: ignore[no-untyped-def]
    spawner = values["hub"]["config"]["KubeSpawner"]
    assert spawner["pod_security_context"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spawner["pod_security_context"]["runAsNonRoot"] is True
    # fsGroup is KubeSpawner's (from singleuser.fsGid): never replaced by a pod-level securityContext
    assert "fsGroup" not in spawner["pod_security_context"] and values["singleuser"]["fsGid"] == 100
    assert "securityContext" not in (values["singleuser"].get("extraPodConfig") or {})
    assert spawner["container_security_context"] == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
    }
    for profile in values["singleuser"]["profileList"]:
        assert "securityContext" not in (profile["kubespawner_override"].get("extra_container_config") or {})


def test_hub_database_and_limits(values) -> None:  # type: ignore[no-untyped-def]
    hub = values["hub"]
    assert hub["db"]["type"] == "postgres" and hub["db"]["url"].startswith("postgresql+psycopg://")
    assert (
        "password" not in hub["db"]
        and "@" in hub["db"]["url"]
        and ":" not in hub["db"]["url"].split("//")[1].split("@")[0]
    )
    assert 0 < hub["concurrentSpawnLimit"] < hub["activeServerLimit"]
    assert hub["activeServerLimit"] >= 1000  # the district layout: ~1,000 concurrent labs


def test_hub_and_single_user_images_run_the_same_jupyterhub(values) -> None:  # type: ignore[no-untyped-def]
    """The chart's own hub image for 4.4.0 carries jupyterhub 5.5.0; ours carries the lock's version,
    the one the single-user image installs."""
    pins = runtime_lock.read_pins(REPO / "requirements-runtime.lock")
    jupyterhub = pins["jupyterhub"][1]
    hub_image = (REPO / "deploy" / "images" / "k8s-hub.Dockerfile").read_text()
    single = (REPO / "deploy" / "images" / "singleuser.Dockerfile").read_text()
    assert "grep '^jupyterhub==' /tmp/requirements-runtime.lock" in hub_image
    assert "pip install --no-cache-dir -r /tmp/requirements-runtime.lock" in single
    assert (
        values["hub"]["image"]["name"].endswith("/k8s-hub")
        and values["hub"]["image"]["tag"] == values["singleuser"]["image"]["tag"]
    )
    assert jupyterhub.split(".")[0] == "6"


def test_manifests_have_known_kinds_and_required_fields(objects) -> None:  # type: ignore[no-untyped-def]
    kinds = sorted(o["kind"] for o in objects)
    assert kinds == sorted(
        [
            "PersistentVolumeClaim",
            "Job",
            "Deployment",
            "Service",
            "Ingress",
            "Deployment",
            "Deployment",
            "Deployment",  # contests: competition entries and course imports
            "Deployment",  # housekeeping: the sweeps
            "HorizontalPodAutoscaler",
        ]
    )
    for obj in objects:
        api, required = KINDS[obj["kind"]]
        assert obj["apiVersion"] == api, obj["kind"]
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", obj["metadata"]["name"])
        assert obj["metadata"]["namespace"] == "liangzhi"
        for field in required:
            _get(obj, field)
        if obj["kind"] == "Deployment":
            labels = obj["spec"]["template"]["metadata"]["labels"]
            assert obj["spec"]["selector"]["matchLabels"].items() <= labels.items(), obj["metadata"]["name"]


def _deployments(objects: list[dict]) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == "Deployment"}


def test_every_container_has_probes_and_resources(objects) -> None:  # type: ignore[no-untyped-def]
    deployments = _deployments(objects)
    assert set(deployments) == {
        "liangzhi-web", "liangzhi-worker", "liangzhi-contests", "liangzhi-housekeeping", "liangzhi-beat",
    }  # fmt: skip
    for name, deployment in deployments.items():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            assert container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"], name
            assert container["resources"]["limits"]["memory"], name
            assert "livenessProbe" in container, name
    web = deployments["liangzhi-web"]["spec"]["template"]["spec"]["containers"][0]
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["command"] == ["/srv/liangzhi/deploy/run-web.sh"]
    assert deployments["liangzhi-beat"]["spec"]["replicas"] == 1
    assert deployments["liangzhi-beat"]["spec"]["strategy"]["type"] == "Recreate"


def test_probe_paths_exist_in_the_site(objects) -> None:  # type: ignore[no-untyped-def]
    from django.urls import resolve

    for path in ("/healthz", "/readyz", "/metrics"):
        resolve(path)


def test_workers_scale_on_the_queue_depth_the_site_exports(objects) -> None:  # type: ignore[no-untyped-def]
    hpa = next(o for o in objects if o["kind"] == "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "liangzhi-worker"}
    metric = hpa["spec"]["metrics"][0]
    assert metric["type"] == "External"
    assert metric["external"]["metric"]["name"] == "liangzhi_queue_depth"
    assert metric["external"]["metric"]["selector"]["matchLabels"] == {"queue": "grading"}
    assert (
        hpa["spec"]["minReplicas"]
        <= _deployments(objects)["liangzhi-worker"]["spec"]["replicas"]
        <= hpa["spec"]["maxReplicas"]
    )
    # the metric exists in the site's exporter, under that name and label
    exporter = (REPO / "platform" / "core" / "metrics.py").read_text()
    assert '"liangzhi_queue_depth"' in exporter and 'labels=["queue"]' in exporter
    from grading.services import GRADING_QUEUE

    assert str(GRADING_QUEUE) == "grading" or getattr(GRADING_QUEUE, "name", None) == "grading"
    # and the prometheus-adapter rule that publishes it is written beside the autoscaler
    text = (MANIFESTS / "worker-autoscaling.yaml").read_text()
    assert "seriesQuery: 'liangzhi_queue_depth" in text and "external.metrics.k8s.io" in text


def test_grading_workers_get_exactly_the_sandbox_privileges(objects) -> None:  # type: ignore[no-untyped-def]
    pod = _deployments(objects)["liangzhi-worker"]["spec"]["template"]["spec"]
    worker = pod["containers"][0]
    assert pod["hostUsers"] is False
    assert worker["securityContext"]["capabilities"]["add"] == ["SYS_ADMIN"]
    assert worker["securityContext"]["procMount"] == "Unmasked"
    assert worker["securityContext"]["seccompProfile"] == {"type": "Unconfined"}
    assert not worker["securityContext"].get("privileged")
    assert worker["command"] == ["/srv/liangzhi/deploy/images/sandbox-entrypoint.sh"]
    for name in ("liangzhi-web", "liangzhi-beat"):
        spec = _deployments(objects)[name]["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["containers"][0]["securityContext"]["capabilities"] == {"drop": ["ALL"]}
