"""Shipped competition definitions (competitions/definitions/<slug>/competition.yaml) → rows + hidden data."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from . import datasets
from .enums import Task
from .models import Competition, Phase

DEFINITIONS = Path(__file__).resolve().parent / "definitions"


def host_user() -> Any:
    """Baselines need an owner: a superuser, else an inactive system account."""
    User = get_user_model()
    user = User.objects.filter(is_superuser=True).order_by("pk").first()
    if user is None:
        user, _ = User.objects.get_or_create(
            username="liangzhi-host", defaults={"is_active": False, "display_name": "Host"}
        )
    return user


def _md(folder: Path, name: str | None) -> str:
    if not name:
        return ""
    from courses.rendering import markdown_to_html

    return markdown_to_html((folder / name).read_text())


def generate_phase_data(phase: Phase, *, scale: float, force: bool = False) -> dict[str, Any]:
    """Write the phase's hidden data (from its secret seed) unless it is already there."""
    from .scoring import classify, decoder

    out = datasets.phase_dir(phase.competition.slug, phase.dataset)
    manifest = out / "hidden" / "manifest.json"
    if manifest.exists() and not force:
        return json.loads(manifest.read_text())
    shutil.rmtree(out, ignore_errors=True)
    seed = datasets.secret_seed(phase.competition.slug, phase.dataset)
    cfg = phase.config or {}
    if phase.competition.task == Task.DECODER:
        result = decoder.generate(
            out=out,
            tasks=cfg["tasks"],
            seed=seed,
            public_fraction=float(cfg.get("public_fraction", 0.4)),
            scale=scale * float(cfg.get("shots_factor", 1.0)),
            variation=bool(cfg.get("noise_variation")),
        )
    else:
        result = classify.generate(
            out=out,
            seed=seed,
            train=int(cfg.get("train", 600)),
            test=int(cfg.get("test", 2000)),
            public_fraction=float(cfg.get("public_fraction", 0.4)),
            noise=float(cfg.get("noise", 0.05)),
        )
    datasets.lock_down(out / "hidden")
    return result


def _tenancy(spec: dict[str, Any]) -> dict[str, Any]:
    """Scope and schools-ranking keys, only those the definition names (a reload keeps what a
    host set in the admin otherwise): ``scope`` + ``org`` (a district's or school's slug),
    ``entry_mode``, ``school_ranking``, ``school_ranking_k``, ``synchronised``, ``eligible_grades``."""
    from orgs.models import Organisation

    out: dict[str, Any] = {}
    if "scope" in spec:
        out["scope"] = spec["scope"]
        out["org"] = Organisation.objects.get(slug=spec["org"]) if spec.get("org") else None
    for name in ("entry_mode", "school_ranking", "school_ranking_k", "synchronised", "eligible_grades"):
        if name in spec:
            out[name] = spec[name]
    return out


def load_definition(  # type: ignore[no-untyped-def]
    folder: Path, *, scale: float | None = None, force: bool = False, now=None, course_slug: str | None = None
) -> Competition:
    """Create or update one competition from its folder, generate its data, score its baselines."""
    from courses.models import Course

    from .services import baseline_record

    spec = yaml.safe_load((folder / "competition.yaml").read_text())
    scale = settings.COMPETITIONS_SHOTS_SCALE if scale is None else scale
    now = now or timezone.now()
    day0 = now.replace(hour=0, minute=0, second=0, microsecond=0)
    course_slug = course_slug or spec.get("course")
    course = Course.objects.filter(slug=course_slug).first() if course_slug else None
    with transaction.atomic():
        comp, _ = Competition.objects.update_or_create(
            slug=spec["slug"],
            defaults={
                "title": spec["title"],
                "title_zh": spec.get("title_zh", ""),
                "summary": spec.get("summary", ""),
                "summary_zh": spec.get("summary_zh", ""),
                "rules_html": _md(folder, spec.get("rules")),
                "data_html": _md(folder, spec.get("data")),
                "rules_html_zh": _md(folder, spec.get("rules_zh")),
                "data_html_zh": _md(folder, spec.get("data_zh")),
                "course": course,
                "task": spec["task"],
                "higher_is_better": bool(spec.get("higher_is_better", True)),
                "entry_point": spec.get("entry_point", "decode"),
                "final_selection_limit": int(spec.get("final_selection_limit", 2)),
                "max_team_size": int(spec.get("max_team_size", 3)),
                "team_freeze_at": day0 + timedelta(days=spec["team_freeze_days"])
                if "team_freeze_days" in spec
                else None,
                "grade_mapping": spec.get("grade_mapping", {}),
                **_tenancy(spec),
            },
        )
        phases = []
        for order, ph in enumerate(spec["phases"]):
            phase, _ = Phase.objects.update_or_create(
                competition=comp,
                slug=ph["slug"],
                defaults={
                    "title": ph["title"],
                    "title_zh": ph.get("title_zh", ""),
                    "order": order,
                    "starts_at": day0 + timedelta(days=ph["start_days"]),
                    "ends_at": day0 + timedelta(days=ph["end_days"]),
                    "submission_kind": ph.get("kind", "module"),
                    "daily_limit": ph.get("daily_limit", 5),
                    "phase_limit": ph.get("phase_limit", 100),
                    "max_running": ph.get("max_running", 2),
                    "dataset": ph["dataset"],
                    "config": ph.get("config", {}),
                },
            )
            phases.append(phase)
    label = "PyMatching (baseline)" if comp.task == Task.DECODER else "k-NN, k = 15 (baseline)"
    for phase in phases:
        generate_phase_data(phase, scale=scale, force=force)
        baseline_record(phase=phase, label=label, user=host_user())
    return comp


def load_all(*, scale: float | None = None, force: bool = False, only: list[str] | None = None) -> list[Competition]:
    folders = sorted(p for p in DEFINITIONS.iterdir() if (p / "competition.yaml").exists())
    if only:
        folders = [f for f in folders if f.name in only]
    return [load_definition(f, scale=scale, force=force) for f in folders]
