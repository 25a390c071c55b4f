"""Grading pages: the panel, upload (400 with the reason), receipts, and who may see what."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grading.enums import SubmissionSource
from grading.models import Submission
from grading.services import submission_receive

pytestmark = pytest.mark.django_db


def _upload(client, act, data, key="key-1", htmx=True):  # type: ignore[no-untyped-def]
    url = reverse("grading:submit", args=["qc101", act.slug])
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url, {"notebook": SimpleUploadedFile("hw.ipynb", data), "idempotency_key": key}, headers=headers)


def test_panel_shows_upload_form_and_my_submissions_only(client, cast, bell_assignment, bell):
    submission_receive(
        user=cast.bob,
        activity=bell_assignment,
        data=bell["solved"].encode(),
        source=SubmissionSource.UPLOAD,
        idempotency_key="b",
    )
    client.force_login(cast.alice)
    html = client.get(reverse("grading:panel", args=["qc101", "bell"])).content.decode()
    assert 'name="notebook"' in html and 'name="idempotency_key"' in html
    assert "No submissions yet" in html
    client.force_login(cast.bob)
    html = client.get(reverse("grading:panel", args=["qc101", "bell"])).content.decode()
    assert 'data-status="' in html and "every 1s" in html  # in flight: the list polls


def test_upload_bad_notebook_is_400_with_reason(client, cast, bell_assignment):
    client.force_login(cast.alice)
    response = _upload(client, bell_assignment, b"not json at all")
    assert response.status_code == 400
    assert "not JSON" in response.content.decode()
    assert not Submission.objects.exists()


def test_upload_json_api_returns_receipt_and_is_idempotent(client, cast, bell_assignment, bell):
    client.force_login(cast.alice)
    url = reverse("grading:submit", args=["qc101", "bell"])
    data = bell["solved"].encode()
    r1 = client.post(
        url,
        {"notebook": SimpleUploadedFile("a.ipynb", data)},
        headers={"Accept": "application/json", "Idempotency-Key": "xyz"},
    )
    r2 = client.post(
        url,
        {"notebook": SimpleUploadedFile("a.ipynb", data)},
        headers={"Accept": "application/json", "Idempotency-Key": "xyz"},
    )
    assert r1.status_code == 201 and r2.status_code == 201
    assert r1.json()["id"] == r2.json()["id"]
    import hashlib

    assert r1.json()["sha256"] == hashlib.sha256(data).hexdigest()


def test_upload_htmx_shows_receipt(client, cast, bell_assignment, bell):
    client.force_login(cast.alice)
    response = _upload(client, bell_assignment, bell["solved"].encode())
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="receipt"' in html
    sub = Submission.objects.get()
    assert sub.blob[:12] in html


def test_submission_page_only_for_owner_and_staff(client, cast, bell_assignment, bell):
    sub = submission_receive(
        user=cast.alice,
        activity=bell_assignment,
        data=bell["solved"].encode(),
        source=SubmissionSource.UPLOAD,
        idempotency_key="a",
    )
    url = reverse("grading:submission", args=["qc101", sub.pk])
    for user, expected in (
        (cast.alice, 200),
        (cast.teacher, 200),
        (cast.ta, 200),
        (cast.bob, 404),
        (cast.outsider, 404),
    ):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == expected, user
        if expected == 200:
            assert sub.blob in response.content.decode()


def test_staff_pages_refuse_students(client, cast, bell_assignment):
    client.force_login(cast.alice)
    for name in ("gradebook", "gradebook_csv"):
        assert client.get(reverse(f"grading:{name}", args=["qc101", "bell"])).status_code == 403
    assert client.post(reverse("grading:regrade", args=["qc101", "bell"])).status_code == 403
    client.force_login(cast.outsider)
    assert client.get(reverse("grading:gradebook", args=["qc101", "bell"])).status_code == 404


# ---------------------------------------------------------------------------------------
# scores by the rule, counting, staff detail, images in feedback, CSV


def _graded(act, user, *, cells, auto, maximum=10, ago_hours=1, **extra):  # type: ignore[no-untyped-def]
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from tests.dashboard.builders import submission

    sub = submission(
        activity=act,
        user=user,
        received_at=timezone.now() - timedelta(hours=ago_hours),
        cells=cells,
        auto_score=auto,
        max_score=maximum,
    )
    if extra:
        Submission.objects.filter(pk=sub.pk).update(**extra)
        sub.refresh_from_db()
    assert isinstance(sub.max_score, Decimal)
    return sub


def test_panel_says_which_attempt_counts(client, cast, bell_assignment):  # type: ignore[no-untyped-def]
    bell_assignment.counting = "best"
    bell_assignment.save(update_fields=["counting"])
    good = _graded(bell_assignment, cast.alice, cells=[], auto=8, ago_hours=3)
    _graded(bell_assignment, cast.alice, cells=[], auto=5, ago_hours=1)
    client.force_login(cast.alice)
    html = client.get(reverse("grading:panel", args=["qc101", "bell"])).content.decode()
    assert "Counts: your best attempt" in html
    assert html.count('data-counts="1"') == 1
    counted_li = html[html.index('data-counts="1"') :]
    assert f"/s/{good.pk}/" in counted_li.split("</li>")[0]
    assert 'data-testid="counted-total">Counted score: <strong>8 / 10</strong>' in " ".join(html.split())
    client.force_login(cast.teacher)
    book = client.get(reverse("grading:gradebook", args=["qc101", "bell"])).content.decode()
    assert "Counted attempt: Best attempt" in book


def test_staff_see_failed_hidden_test_messages_and_untrusted_cells_students_do_not(client, cast, bell_assignment):  # type: ignore[no-untyped-def]
    from core.blobs import blob_put

    cells = [
        {
            "grade_id": "test_phi_plus",
            "kind": "autograded_test",
            "max_points": 4.0,
            "score": 0.0,
            "status": "failed",
            "staff_message": "AssertionError: hidden: amplitude of |11> is 0.0, expected 0.7071",
            "trusted": True,
        },
        {
            "grade_id": "test_psi_minus",
            "kind": "autograded_test",
            "max_points": 4.0,
            "score": 4.0,
            "status": "passed",
            "trusted": False,
        },
        {"grade_id": "explain_entanglement", "kind": "task", "max_points": 2.0, "score": None},
    ]
    sub = _graded(bell_assignment, cast.alice, cells=cells, auto=4, feedback_blob=blob_put(b"<p>your feedback</p>"))
    client.force_login(cast.ta)
    page = client.get(reverse("grading:submission", args=["qc101", sub.pk])).content.decode()
    assert "amplitude of |11&gt; is 0.0, expected 0.7071" in page
    assert 'data-testid="untrusted"' in page and "graded in the student's kernel" in page
    assert page.count('data-testid="untrusted"') == 1
    assert 'name="grade_id" value="explain_entanglement"' in page  # the task cell is gradable by hand
    client.force_login(cast.alice)
    page = client.get(reverse("grading:submission", args=["qc101", sub.pk])).content.decode()
    assert "your feedback" in page
    assert "0.7071" not in page and "untrusted" not in page and "grade_id" not in page


def test_task_cells_take_manual_grades_and_count_toward_the_total(client, cast, bell_assignment):  # type: ignore[no-untyped-def]
    cells = [
        {"grade_id": "test_phi_plus", "kind": "autograded_test", "max_points": 4.0, "score": 4.0, "status": "passed"},
        {"grade_id": "explain_entanglement", "kind": "task", "max_points": 2.0, "score": None},
    ]
    sub = _graded(bell_assignment, cast.alice, cells=cells, auto=4, maximum=6)
    client.force_login(cast.teacher)
    url = reverse("grading:grade_manual", args=["qc101", sub.pk])
    assert client.post(url, {"grade_id": "test_phi_plus", "score": "1"}).status_code == 400  # autograded: refused
    assert client.post(url, {"grade_id": "explain_entanglement", "score": "1.5"}).status_code == 302
    page = client.get(reverse("grading:submission", args=["qc101", sub.pk])).content.decode()
    assert 'data-testid="score">5.5 / 6' in page
    book = client.get(reverse("grading:gradebook", args=["qc101", "bell"])).content.decode()
    assert 'data-testid="total">5.5 / 6' in book


def test_feedback_images_come_from_the_submissions_version_for_its_student_and_staff_only(
    client, cast, bell_assignment
):  # type: ignore[no-untyped-def]
    from core.blobs import blob_put
    from courses.enums import FileKind
    from courses.models import ActivityFile

    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    version = bell_assignment.current_version
    ActivityFile.objects.create(
        version=version, path="jupyter.png", kind=FileKind.DATA, blob=blob_put(png), size=len(png)
    )
    feedback = b'<div class="prose"><p><img alt="Jupyter logo" src="jupyter.png"><img src="source/bell-states.ipynb"></p></div>'
    sub = _graded(bell_assignment, cast.alice, cells=[], auto=4, feedback_blob=blob_put(feedback))
    url = reverse("grading:submission_file", args=["qc101", sub.pk, "jupyter.png"])
    client.force_login(cast.alice)
    page = client.get(reverse("grading:submission", args=["qc101", sub.pk])).content.decode()
    assert f'<img alt="Jupyter logo" src="{url}">' in page
    assert 'src="source/' not in page  # the instructor's source is never linked
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png
    assert "sandbox" in response["Content-Security-Policy"]
    source = reverse("grading:submission_file", args=["qc101", sub.pk, "source/bell-states.ipynb"])
    assert client.get(source).status_code == 404
    client.force_login(cast.bob)
    assert client.get(url).status_code == 404  # another student's submission
    client.force_login(cast.ta)
    assert client.get(url).status_code == 200
    drill = client.get(f"/courses/qc101/gradebook/students/{cast.alice.pk}/?attempt={sub.pk}").content.decode()
    assert f'<img alt="Jupyter logo" src="{url}">' in drill  # the staff drill-down shows the same image


@pytest.mark.parametrize("hostile", ['=HYPERLINK("http://127.0.0.1:9/","x")', "@cmd", "+1", "\r=1"])
def test_gradebook_csv_neutralises_a_hostile_display_name(client, cast, bell_assignment, hostile):  # type: ignore[no-untyped-def]
    import csv
    import io

    cast.bob.display_name = hostile
    cast.bob.save()
    _graded(bell_assignment, cast.bob, cells=[], auto=4)
    client.force_login(cast.teacher)
    response = client.get(reverse("grading:gradebook_csv", args=["qc101", "bell"]))
    assert response.content.startswith("\ufeff".encode())
    rows = {r["username"]: r for r in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))}
    assert rows["bob"]["name"] == "'" + hostile and rows["bob"]["total"] == "4"
