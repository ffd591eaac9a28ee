"""U4: the signed-in user's chosen language (their agent profile's) over the browser's."""

from __future__ import annotations

from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from conversations.models import AgentProfile
from waproject.availability import database_unreachable

#: The profile's language as last read, kept in the session for the API's requests.
SESSION_KEY = "profile_language"
#: Requests under here use the session's copy: the console's API calls (many a minute,
#: some with a query budget) cost no read of the profile; the pages read it afresh.
API_PREFIX = "/api/"


class ProfileLanguageMiddleware:
    """Activate the language the signed-in user chose in their agent profile.

    Runs after ``LocaleMiddleware`` (which took the browser's Accept-Language) and
    ``AuthenticationMiddleware``: a user without a profile, or whose profile leaves the
    language blank, keeps the browser's. A page (the console, the JavaScript catalogue,
    the admin) reads the profile, one indexed value, so the admin's change shows at the
    next page; it keeps the value in the session, which the API's requests use.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            chosen = self._chosen_language(request)
        except DatabaseError as error:
            # The database is away (the faults drill): the request goes on in the browser's
            # language and its view answers the outage (503, DatabaseUnavailableMiddleware),
            # instead of this middleware turning it into a 500.
            if not database_unreachable(error):
                raise
            chosen = ""
        if chosen and translation.check_for_language(chosen):
            translation.activate(chosen)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)

    @staticmethod
    def _chosen_language(request: HttpRequest) -> str:
        """The signed-in user's profile language ("" for none, or nobody signed in)."""
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return ""
        if request.path_info.startswith(API_PREFIX):
            return str(request.session.get(SESSION_KEY, ""))
        chosen = AgentProfile.objects.filter(user_id=user.pk).values_list("language", flat=True).first() or ""
        if request.session.get(SESSION_KEY, "") != chosen:
            request.session[SESSION_KEY] = chosen
        return chosen
