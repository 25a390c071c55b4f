"""Course announcements: staff post Markdown (sanitised), students read it on the course home and get it
by e-mail (Django's locmem outbox) and in-site."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from courses.models import Announcement
from notifications.models import Notification
from notifications.services import preference_set

pytestmark = pytest.mark.django_db

BODY = "Lab **moved** to room 204.\n\n$e^{i\\pi}+1=0$\n\n<script>alert('x')</script><a href=\"javascript:alert(1)\">click</a>"


def test_announcement_reaches_the_outbox_and_the_page(client, cast, world, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    preference_set(user=cast.bob, language="zh-hans")
    preference_set(user=cast.charlie, email=False)
    client.force_login(cast.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("courses:announcements", args=["qc101"]), {"title": "Room change", "body": BODY}
        )
    assert response.status_code == 302
    row = Announcement.objects.get()
    assert "<strong>moved</strong>" in row.body_html
    assert "<script" not in row.body_html and "javascript:" not in row.body_html
    # e-mail to every student who keeps e-mails on (not Charlie), each in their language; staff get none
    recipients = sorted(address for m in mail.outbox for address in m.to)
    assert recipients == ["alice@example.edu", "bob@example.edu"]
    by_to = {m.to[0]: m for m in mail.outbox}
    assert by_to["alice@example.edu"].subject == "Quantum computing 101: Room change"
    assert by_to["bob@example.edu"].subject == "量子计算 101：Room change"
    assert "room 204" in by_to["alice@example.edu"].body
    assert "/courses/qc101/announcements/#a" in by_to["alice@example.edu"].body
    # in-site for every student, Charlie included
    assert set(Notification.objects.filter(kind="announcement").values_list("user__username", flat=True)) == {
        "alice", "bob", "charlie",
    }
    # on the page and on the course home
    client.force_login(cast.alice)
    home = client.get(reverse("courses:home", args=["qc101"])).content.decode()
    assert "Room change" in home and "<strong>moved</strong>" in home and "<script>alert" not in home
    listing = client.get(reverse("courses:announcements", args=["qc101"])).content.decode()
    assert "Room change" in listing and 'data-testid="announce-form"' not in listing
    assert 'data-unread="1"' in listing


def test_announcement_refusals(client, cast, world, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    url = reverse("courses:announcements", args=["qc101"])
    client.force_login(cast.alice)
    assert client.post(url, {"title": "Free marks", "body": "!"}).status_code == 403
    client.force_login(cast.other_teacher)
    assert client.post(url, {"title": "Hi", "body": "!"}).status_code == 404
    client.force_login(cast.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"title": "  ", "body": "text kept"})
    assert response.status_code == 400 and "needs a title" in response.content.decode()
    assert "text kept" in response.content.decode()  # the teacher's text is not lost
    assert not Announcement.objects.exists() and mail.outbox == []


def test_ta_posts_and_deletes(client, cast, world, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast.ta)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("courses:announcements", args=["qc101"]), {"title": "Office hours", "body": "Fri 3pm"})
    row = Announcement.objects.get()
    client.force_login(cast.alice)
    assert client.post(reverse("courses:announcement_delete", args=["qc101", row.pk])).status_code == 403
    client.force_login(cast.ta)
    assert client.post(reverse("courses:announcement_delete", args=["qc101", row.pk])).status_code == 302
    assert not Announcement.objects.exists()
