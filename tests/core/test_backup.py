"""manage.py backup / restore: make data, back up, wipe, restore — every row and file is back and a
graded submission's feedback page renders. On SQLite always; on PostgreSQL when DATABASE_URL is one."""

from __future__ import annotations

import hashlib
import io
import json
import stat
import tarfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.integration


def _rows() -> dict[str, Any]:
    from django.apps import apps
    from django.core import serializers

    return {
        m._meta.label: json.loads(serializers.serialize("json", m._default_manager.order_by("pk")))
        for m in apps.get_models()
        if m._meta.managed and not m._meta.proxy
    }


def _files(root: Path) -> dict[str, tuple[str, int]]:
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), stat.S_IMODE(p.stat().st_mode))
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def roots(settings, tmp_path):  # type: ignore[no-untyped-def]
    """This test's own blob and competition folders, set before any course writes a blob."""
    settings.BLOB_ROOT = tmp_path / "blobs"
    settings.COMPETITIONS_DATA_DIR = tmp_path / "competitions"
    settings.COMPETITIONS_JOB_DIR = tmp_path / "jobs"
    settings.COMPETITIONS_SEED_SECRET = "backup-test"


@pytest.fixture
def installation(roots, world, cast):  # type: ignore[no-untyped-def]
    """Courses, a competition with hidden data, a graded submission with feedback and a manual grade."""
    from competitions.definitions_loader import DEFINITIONS, load_definition
    from core.blobs import blob_put
    from grading.models import ManualGrade, Submission

    load_definition(DEFINITIONS / "decoder-cup", scale=0.002, course_slug="qc101")
    notebook = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    now = timezone.now()
    sub = Submission.objects.create(
        activity=world.assignment, version=world.assignment.current_version, user=cast.alice, received_at=now,
        blob=blob_put(notebook), size=len(notebook), source="upload", idempotency_key="backup-1", status="graded",
        graded_at=now, auto_score=Decimal(4), max_score=Decimal(10),
        cells=[{"grade_id": "q1", "kind": "manual", "max_points": 2.0, "score": None}],
        feedback_blob=blob_put("<p>Well done, Alice — 反馈 kept by the backup</p>".encode()),
    )
    ManualGrade.objects.create(submission=sub, grade_id="q1", score=Decimal("1.5"), graded_by=cast.teacher)
    return sub


def _backup_wipe_restore(installation: Any, cast: Any, settings: Any, tmp_path: Path) -> None:
    from django.core.cache import cache

    rows, blobs = _rows(), _files(Path(settings.BLOB_ROOT))
    data = _files(Path(settings.COMPETITIONS_DATA_DIR))
    assert len(blobs) >= 3 and any("/hidden/" in f"/{name}" for name in data)
    archive = tmp_path / "site.backup.tar"
    out = io.StringIO()
    call_command("backup", str(archive), stdout=out)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    names = {e["name"] for e in manifest["files"]}
    assert manifest["database"]["file"] in names and all(f"blobs/{b}" in names for b in blobs)
    assert "courses" in manifest["migrations"] and "database and" in out.getvalue()

    # over an installation that holds data: refused, nothing changed
    with pytest.raises(CommandError, match="already holds data"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert _rows() == rows

    # wipe: an empty database, no files
    call_command("flush", interactive=False, verbosity=0)
    for root in (Path(settings.BLOB_ROOT), Path(settings.COMPETITIONS_DATA_DIR)):
        for p in sorted(root.rglob("*"), reverse=True):
            p.rmdir() if p.is_dir() else p.unlink()
    cache.clear()
    assert _rows() != rows and _files(Path(settings.BLOB_ROOT)) == {}

    call_command("restore", str(archive), stdout=out)
    assert "Restored the backup" in out.getvalue()
    assert _rows() == rows
    assert _files(Path(settings.BLOB_ROOT)) == {name: (digest, 0o600) for name, (digest, _mode) in blobs.items()}
    assert {k: v[0] for k, v in _files(Path(settings.COMPETITIONS_DATA_DIR)).items()} == {k: v[0] for k, v in data.items()}
    assert stat.S_IMODE(Path(settings.BLOB_ROOT).stat().st_mode) == 0o700

    client = Client()
    client.force_login(cast.alice)
    page = client.get(reverse("grading:submission", args=["qc101", installation.pk]))
    assert page.status_code == 200
    assert "Well done, Alice — 反馈 kept by the backup" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_backup_wipe_restore_on_the_configured_database(installation, cast, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _backup_wipe_restore(installation, cast, settings, tmp_path)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_wipe_restore_on_postgresql(installation, cast, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection

    assert connection.vendor == "postgresql"
    _backup_wipe_restore(installation, cast, settings, tmp_path)
    with tarfile.open(tmp_path / "site.backup.tar") as tar:
        assert "database.pgdump" in tar.getnames()


@pytest.mark.django_db(transaction=True)
def test_a_tampered_backup_is_refused_before_anything_changes(installation, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    archive = tmp_path / "b.tar"
    call_command("backup", str(archive), stdout=io.StringIO())
    tampered = tmp_path / "tampered.tar"
    with tarfile.open(archive) as src, tarfile.open(tampered, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("blobs/") and b"Well done" in data:
                data = data.replace(b"Well done", b"Badly done")
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    rows = _rows()
    with pytest.raises(CommandError, match="does not match its checksum"):
        call_command("restore", str(tampered), "--force", stdout=io.StringIO())
    assert _rows() == rows
    with pytest.raises(CommandError, match="not a backup"):
        (tmp_path / "junk.tar").write_bytes(b"junk")
        call_command("restore", str(tmp_path / "junk.tar"), "--force", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_restore_with_force_replaces_newer_data(installation, cast, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from core.blobs import blob_put
    from courses.models import Course

    archive = tmp_path / "b.tar"
    call_command("backup", str(archive), stdout=io.StringIO())
    rows = _rows()
    Course.objects.create(slug="after-the-backup", title="Made later")
    later = blob_put(b"a blob written after the backup")
    call_command("restore", str(archive), "--force", stdout=io.StringIO())
    assert _rows() == rows and not Course.objects.filter(slug="after-the-backup").exists()
    assert not (Path(settings.BLOB_ROOT) / later[:2] / later[2:4] / later).exists()
