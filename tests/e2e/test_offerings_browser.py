"""A teacher offers a course template to two classes in a term, in a real browser (Chromium), and
sees both classes' students in the offering list; another school's student is not among them."""

from __future__ import annotations

import pytest

from orgs.models import Offering
from tests.orgs.test_offerings import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_teacher_offers_the_template_to_two_classes_and_sees_their_students(login_page, output_dir) -> None:  # type: ignore[no-untyped-def]
    world = build_world()
    page = login_page(world.users["tea_a"])
    base = page.url.rstrip("/")
    page.goto(f"{base}/courses/qt/manage/")
    page.click("a[href='/courses/qt/manage/offerings/']")
    page.wait_for_selector("[data-testid=offer-form]")
    assert "This course is not offered in your schools yet." in page.content()
    form = page.locator("[data-testid=offer-form]")
    form.locator("select[name$=-term]").select_option(label="Autumn now")
    form.get_by_label("Grade 11 Class 1").check()
    form.get_by_label("Grade 11 Class 2").check()
    form.locator("button").click()
    page.wait_for_selector("[data-testid=offerings]")
    offering = Offering.objects.get(course=world.course)
    row = page.locator(f"tr[data-offering='{offering.pk}']")
    assert "Autumn now" in row.inner_text() and "School A" in row.inner_text()
    assert row.locator("[data-testid=students]").inner_text() == "2"
    for summary in row.locator("summary").all():
        summary.click()
    names = row.locator("[data-testid=class-students]").all_inner_texts()
    assert names == ["Student Ay-one", "Student Ay-two"]
    assert "Student Bee-one" not in page.content()
    assert "The course is offered to Grade 11 Class 1, Grade 11 Class 2 in Autumn now." in page.content()
    page.screenshot(path=str(output_dir / "offerings.png"), full_page=True)
