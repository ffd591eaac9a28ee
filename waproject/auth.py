"""Sign-in lockout answers (django-axes calls :func:`lockout_response`).

Axes refuses a sign-in after ``AXES_FAILURE_LIMIT`` failures for one username or from one
address; every attempt during the lockout starts the wait again, so the lockout ends
exactly ``AXES_COOLOFF_TIME`` after the answer. The answer says so: on the sign-in page
for people, in the API's error shape for programs, with ``Retry-After`` for both.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext

LOCKED_STATUS = 429


def duration_text(delta: timedelta) -> str:
    """ "15 minutes", "1 hour", "1 hour 30 minutes", "45 seconds" (U4: in the active language)."""
    seconds = max(int(delta.total_seconds()), 1)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [
        ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours} if hours else "",
        ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes} if minutes else "",
    ]
    if not (hours or minutes):
        parts = [ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}]
    return " ".join(part for part in parts if part)


def lockout_message(request: HttpRequest) -> tuple[str, int]:
    """The explanation and the seconds to wait."""
    cool_off = get_cool_off(request) or timedelta(minutes=15)
    wait = duration_text(cool_off)
    message = gettext(
        "Too many failed sign-ins for this account or from this address: signing in is "
        "temporarily locked for %(wait)s. Each new attempt meanwhile starts the wait again."
    ) % {"wait": wait}
    return message, int(cool_off.total_seconds())


def lockout_response(request: HttpRequest, *args: Any) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``. Axes passes (request, response, credentials) from its
    synchronous middleware and (request, credentials) from its asynchronous one: only the
    request is used."""
    message, seconds = lockout_message(request)
    wants_json = (
        request.path.startswith("/api/")
        or request.headers.get("x-requested-with") == "XMLHttpRequest"
        or "application/json" in request.headers.get("accept", "")
    )
    if wants_json:
        response: HttpResponse = JsonResponse(
            {"error": {"code": "locked_out", "message": message, "retry_after": seconds}},
            status=LOCKED_STATUS,
        )
    else:
        next_url = request.POST.get("next") or request.GET.get("next") or ""
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = ""
        response = render(
            request,
            "registration/login.html",
            {"locked_out": message, "next": next_url},
            status=LOCKED_STATUS,
        )
    response["Retry-After"] = str(seconds)
    return response
