"""At 1366×768 (a school laptop) no dashboard or gradebook table spills out of its container."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.dashboard.conftest import _no_hub, graded  # noqa: F401 -- the dashboard's demo-like fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("_no_hub")]

OVERFLOW = """() => {
  const out = [];
  const vw = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > vw + 1) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw}`);
  for (const table of document.querySelectorAll("main table")) {
    // the box that should hold it: a scroll container (overflow-x auto/scroll) or its card
    let box = table.parentElement;
    while (box && box !== document.body && !["auto", "scroll"].includes(getComputedStyle(box).overflowX)) box = box.parentElement;
    const scrolls = box && box !== document.body;
    const holder = scrolls ? box : (table.closest(".card") || table.parentElement);
    const h = holder.getBoundingClientRect();
    const t = table.getBoundingClientRect();
    const name = (table.id || table.closest("[id]")?.id || table.className) + "";
    if (!scrolls && t.right > h.right + 1) out.push(`${name}: table ${Math.round(t.right)} > container ${Math.round(h.right)}`);
    if (h.right > vw + 1) out.push(`${name}: container ${Math.round(h.right)} > viewport ${vw}`);
    const card = holder.closest(".card");
    if (card && h.right > card.getBoundingClientRect().right + 1) out.push(`${name}: scroll box wider than its card`);
  }
  return out;
}"""


def _many_assignments(graded):  # type: ignore[no-untyped-def]  # noqa: F811
    from courses.enums import ActivityKind
    from tests.factories import ActivityFactory, add_version

    unit = graded.hw1.unit
    now = timezone.now()
    for n in range(2, 14):  # a term's worth of columns in the gradebook
        act = ActivityFactory(unit=unit, slug=f"hw{n}", title=f"Homework number {n} with a long title",
                              kind=ActivityKind.ASSIGNMENT, points=10, order=n, due_at=now - timedelta(days=n))
        add_version(act)


@pytest.mark.parametrize("url", ["/courses/qc101/dashboard/", "/courses/qc101/gradebook/", "/grading/qc101/a/hw1/gradebook/"])
def test_no_table_overflows_at_1366(graded, login_page, output_dir, url) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _many_assignments(graded)
    page = login_page(graded.cast.teacher, viewport={"width": 1366, "height": 768})
    page.goto(page.url.rstrip("/") + url)
    page.wait_for_selector("main table", timeout=60_000)
    page.wait_for_load_state("networkidle", timeout=60_000)
    name = url.strip("/").replace("/", "-")
    page.screenshot(path=str(output_dir / f"1366-{name}.png"), full_page=True)
    assert page.locator("main table").count() >= 1
    assert page.evaluate(OVERFLOW) == []
