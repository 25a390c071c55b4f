"""Garbled competition submissions and team forms: a 4xx with a message, never a 500."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

BLOBS = [b"", b"\xff\xfe\x80garbage", b"[" * 5000, b"\x00" * 1000, b"import os\nos._exit(1)\n"]
TEXTS = ["", "\x00", "../../etc/passwd", "/etc/shadow", "a" * 5000, "submission.py\n", "<script>x</script>"]


@pytest.mark.parametrize("blob", BLOBS, ids=range(len(BLOBS)))
def test_garbled_uploads_are_refused_or_received(dev, cast, blob) -> None:  # type: ignore[no-untyped-def]
    client = Client(raise_request_exception=True)
    client.force_login(cast.alice)
    url = reverse("competitions:submit", args=[dev.competition.slug, dev.slug])
    for name in ("decoder.py", "x" * 300, "a.exe"):
        response = client.post(url, {"file": SimpleUploadedFile(name, blob)}, HTTP_HX_REQUEST="true")
        assert response.status_code < 500
        if response.status_code >= 400:
            assert response.content.strip()  # the refusal explains itself in the slot


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_garbled_lab_paths_and_team_forms(dev, cast, text, settings) -> None:  # type: ignore[no-untyped-def]
    settings.HUB_API_URL = "http://127.0.0.1:9/hub/api"
    client = Client(raise_request_exception=True)
    client.force_login(cast.alice)
    url = reverse("competitions:submit", args=[dev.competition.slug, dev.slug])
    response = client.post(url, {"lab_path": text}, HTTP_HX_REQUEST="true")
    # no lab here: 503 ("the lab is unavailable") is the honest answer, with its explanation
    assert (response.status_code < 500 or response.status_code == 503) and response.content.strip()
    team = reverse("competitions:team", args=[dev.competition.slug])
    for action in ("create", "join", "leave", text):
        response = client.post(team, {"action": action, "name": text, "code": text})
        assert response.status_code < 500
