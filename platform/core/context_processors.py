"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    return {"SITE_NAME": "Liangzhi Lab", "SITE_NAME_ZH": "量智 Lab", "HUB_URL": settings.HUB_URL}
