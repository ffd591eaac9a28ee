"""U4: the signed-in user's chosen language (their agent profile's) over the browser's."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from conversations.models import AgentProfile


class ProfileLanguageMiddleware:
    """Activate the language the signed-in user chose in their agent profile.

    Runs after ``LocaleMiddleware`` (which took the browser's Accept-Language) and
    ``AuthenticationMiddleware``: a user without a profile, or whose profile leaves the
    language blank, keeps the browser's. One indexed read per signed-in request, a value
    only (no profile row), so the admin's change is seen at the next page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            chosen = AgentProfile.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
            if chosen and translation.check_for_language(chosen):
                translation.activate(chosen)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
