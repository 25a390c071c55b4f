"""Data files of an activity (a CSV the notebook reads) reach the lab beside the notebook."""

from __future__ import annotations

import pytest

from .conftest import stop_quietly

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CSV = b"porosity,grain_um,log_k\n0.21,180,2.31\n0.17,95,1.42\n"


def test_lab_gets_the_data_files_and_keeps_the_students_copy(lab, hub_client, world, cast):  # type: ignore[no-untyped-def]
    from core.blobs import blob_put
    from courses.enums import FileKind
    from courses.models import ActivityFile
    from sandbox import services

    version = world.practice.current_version
    ActivityFile.objects.create(
        version=version, path="data/wells.csv", kind=FileKind.DATA, blob=blob_put(CSV), size=len(CSV)
    )
    bob = cast.bob
    bob.refresh_from_db()
    try:
        services.lab_start(user=bob)
        hub_client.server_wait_ready(bob.hub_name, timeout=90)
        placed = services.lab_notebooks_place(user=bob, activity=world.practice)
        base = services.activity_lab_dir(activity=world.practice)
        assert [p.path for p in placed] == [f"{base}/warmup.ipynb"]
        path = f"{base}/data/wells.csv"
        assert hub_client.contents_read_bytes(bob.hub_name, path) == CSV
        hub_client.contents_put_file(bob.hub_name, path, b"my own edits\n")
        services.lab_notebooks_place(user=bob, activity=world.practice)
        assert hub_client.contents_read_bytes(bob.hub_name, path) == b"my own edits\n"  # never overwritten
        services.lab_notebooks_place(user=bob, activity=world.practice, reset=True)
        assert hub_client.contents_read_bytes(bob.hub_name, path) == CSV  # an explicit reset restores it
        # the teacher dashboard's lab usage sees the running server through the hub's public API
        from dashboard.selectors import lab_usage

        usage = lab_usage(names={bob.hub_name}, timeout=10)
        assert usage.available and [s["name"] for s in usage.servers] == [bob.hub_name]
    finally:
        stop_quietly(hub_client, bob.hub_name)
