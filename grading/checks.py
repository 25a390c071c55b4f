"""Start-up probe: tell the admin when this machine cannot sandbox grading jobs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning, register


@register("grading")
def sandbox_available(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from .runner.sandbox import sandbox_probe

    probe = sandbox_probe()
    if probe["isolated"]:
        return []
    problems = "; ".join(probe["problems"])  # type: ignore[arg-type]
    if getattr(settings, "GRADING_ALLOW_UNSAFE", False):
        return [
            Warning(
                f"Grading runs student code WITHOUT a sandbox (GRADING_ALLOW_UNSAFE=1): {problems}",
                hint="Development only. Install bubblewrap and unset GRADING_ALLOW_UNSAFE.",
                id="grading.W001",
            )
        ]
    # A warning, not an error: the site still starts; grading jobs wait as "needs attention".
    return [
        Warning(
            f"The grading sandbox is unavailable, so grading is refused: {problems}",
            hint="Install bubblewrap (apt-get install bubblewrap) and allow user namespaces; "
            "for development only, GRADING_ALLOW_UNSAFE=1 grades without isolation.",
            id="grading.W002",
        )
    ]
