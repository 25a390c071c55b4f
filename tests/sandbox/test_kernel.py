"""The quantum kernel runs the demo course's practice notebook: Bell state on Aer, Stim, a tiny torch model."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from .conftest import stop_quietly

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
DEMO_NOTEBOOK = Path(__file__).resolve().parents[2] / "content" / "demo" / "practice" / "bell-practice.ipynb"


def test_kernel_runs_the_demo_practice_notebook(lab, hub_client):  # type: ignore[no-untyped-def]
    if not DEMO_NOTEBOOK.exists():
        pytest.skip("the demo course has no bell-practice notebook")
    name = f"lzt{secrets.token_hex(3)}-nb"
    nb = json.loads(DEMO_NOTEBOOK.read_text())
    try:
        hub_client.user_ensure(name)
        hub_client.server_start(name, profile="cpu")
        hub_client.server_wait_ready(name, timeout=90)
        kernel = hub_client.kernel_start(name)
        out = []
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            result = hub_client.kernel_execute(name, kernel, source, timeout=180)
            assert result.status == "ok", (source[:200], result)
            out.append(result.stdout)
        text = "".join(out)
        assert text.count("✓") >= 3, text  # Aer, Stim and torch self-checks all passed
    finally:
        stop_quietly(hub_client, name)


def test_kernel_interrupt_works_in_the_sandbox(lab, hub_client):  # type: ignore[no-untyped-def]
    import threading
    import time

    name = f"lzt{secrets.token_hex(3)}-int"
    try:
        hub_client.user_ensure(name)
        hub_client.server_start(name, profile="cpu")
        hub_client.server_wait_ready(name, timeout=90)
        kernel = hub_client.kernel_start(name)
        results = []
        runner = threading.Thread(
            target=lambda: results.append(
                hub_client.kernel_execute(name, kernel, "import time\ntime.sleep(60)", timeout=90)
            )
        )
        started = time.monotonic()
        runner.start()
        # interrupt only once the cell runs (a loaded machine may take a while to start it)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if (hub_client.kernel_get(name, kernel) or {}).get("execution_state") == "busy":
                break
            time.sleep(0.2)
        time.sleep(1)
        hub_client.kernel_interrupt(name, kernel)
        runner.join(timeout=60)
        assert results and results[0].status == "error" and "KeyboardInterrupt" in results[0].error, results
        assert time.monotonic() - started < 85  # interrupted, not finished (the cell sleeps 60 s after it starts)
        again = hub_client.kernel_execute(name, kernel, "print('still here')", timeout=30)
        assert again.stdout.strip() == "still here"
    finally:
        stop_quietly(hub_client, name)
