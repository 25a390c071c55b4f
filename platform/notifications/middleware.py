"""Remembers the language each signed-in user reads the site in, so that e-mails reach them in it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

SESSION_KEY = "lz_notify_lang"


class LanguageMemoryMiddleware:
    """After LocaleMiddleware and AuthenticationMiddleware: one write per session and language change."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        language = getattr(request, "LANGUAGE_CODE", "")
        session = getattr(request, "session", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in and language and session is not None and session.get(SESSION_KEY) != language:
            from .services import preference_set

            preference_set(user=user, language=language)  # type: ignore[arg-type]
            session[SESSION_KEY] = language
        return response
