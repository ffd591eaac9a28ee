"""A database that cannot be reached is a 503 ("retry shortly"), not a 500.

While PostgreSQL restarts (the faults drill, docs/operations.md), requests that need it
fail with an OperationalError. Left alone that is a 500 and an error page, which tells a
client nothing useful; the webhook already answered 503 (Meta retries those). This does
the same for every page and API call: 503 with ``Retry-After``, in the API's error shape
under ``/api/``. Writes are transactions, so nothing was half done; the console and
integrators retry (sends carry a ``client_ref``, so a retry never sends twice).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.deprecation import MiddlewareMixin

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
#: SQLSTATE classes of a database that cannot be reached: connection exceptions (08) and
#: an operator's intervention such as a shutdown (57P).
_UNREACHABLE_STATES = ("08", "57P")


def database_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached at all (down, restarting, no
    connection free in time), as opposed to a statement failing on a live database (a
    deadlock, a serialization failure), after which another try may well succeed."""
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    cause = exc.__cause__
    state = getattr(cause, "sqlstate", None)
    return state is None or state.startswith(_UNREACHABLE_STATES)


class DatabaseUnavailableMiddleware(MiddlewareMixin):
    def process_exception(self, request: Any, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable for %s %s: %s", request.method, request.path, exception)
        message = "the database is briefly unavailable; retry in a few seconds"
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                {"error": {"code": "unavailable", "message": message}}, status=503
            )
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
