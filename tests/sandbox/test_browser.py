"""A student in headless Chromium: activity page → "Open in JupyterLab" → progress bar → the notebook in JupyterLab."""

from __future__ import annotations

import pytest

from .conftest import stop_quietly

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_browser_open_in_jupyterlab(lab, hub_client, login_page, live_server, world, cast, output_dir, settings):  # type: ignore[no-untyped-def]
    # The site's CSP names the hub as a form target; here the hub lives on a test port.
    csp = settings.CONTENT_SECURITY_POLICY
    csp["DIRECTIVES"]["form-action"] = ["'self'", lab.url]
    settings.CONTENT_SECURITY_POLICY = csp
    alice = cast.alice
    alice.refresh_from_db()
    page = login_page(alice)
    try:
        page.goto(f"{live_server.url}/courses/qc101/a/warmup/")
        button = page.locator("[data-lab-open]")
        button.wait_for(timeout=20_000)
        page.screenshot(path=str(output_dir / "lab-panel.png"), full_page=True)
        button.click()
        page.wait_for_selector("[data-lab-progress]")
        bar = page.locator("[data-lab-bar]")
        # The bar moves with the hub's progress events before the lab opens.
        page.wait_for_function(
            "() => { const el = document.querySelector('[data-lab-bar]'); return !el || parseFloat(el.style.width || '0') > 0 }",
            timeout=30_000,
        )
        if bar.count():
            page.screenshot(path=str(output_dir / "lab-progress.png"), full_page=True)
        page.wait_for_url(f"{lab.url}/user/{alice.hub_name}/lab/**", timeout=90_000)
        # JupyterLab shows the activity's notebook, on the quantum kernel.
        page.wait_for_selector(".jp-Notebook", timeout=90_000)
        page.locator(".lm-TabBar-tabLabel", has_text="warmup.ipynb").first.wait_for(timeout=30_000)
        page.wait_for_function(
            "() => document.body.innerText.includes('Python 3 (Quantum: Qiskit Aer · PyTorch · Stim)')", timeout=60_000
        )
        page.wait_for_timeout(1500)
        page.screenshot(path=str(output_dir / "lab-jupyterlab.png"))
        assert "nbgrader" not in page.locator("#jp-menu-panel, .lm-MenuBar").first.inner_text().lower()
        assert page.locator("text=Formgrader").count() == 0
    finally:
        stop_quietly(hub_client, alice.hub_name)
