"""An unreachable database answers 503 + Retry-After (the faults drill runs the real
outage; these pin the rules)."""

from __future__ import annotations

import json

import psycopg
import psycopg.errors
import psycopg_pool
import pytest
from django.db import OperationalError
from django.test import RequestFactory

from waproject.availability import DatabaseUnavailableMiddleware, database_unreachable


def wrapped(cause: Exception) -> OperationalError:
    """What Django raises: its OperationalError, caused by the driver's error."""
    try:
        raise OperationalError(str(cause)) from cause
    except OperationalError as exc:
        return exc


def test_down_restarting_or_no_connection_in_time_is_unreachable_a_deadlock_is_not():
    assert database_unreachable(wrapped(psycopg.OperationalError("connection refused")))
    assert database_unreachable(wrapped(psycopg.errors.AdminShutdown()))  # 57P01: shutting down
    assert database_unreachable(wrapped(psycopg_pool.PoolTimeout("couldn't get a connection")))
    assert not database_unreachable(wrapped(psycopg.errors.DeadlockDetected()))  # another try may work
    assert not database_unreachable(ValueError("not a database error"))


def test_an_api_call_gets_503_in_the_error_shape_and_a_page_plain_text():
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    error = wrapped(psycopg.errors.AdminShutdown())
    api = middleware.process_exception(RequestFactory().post("/api/v1/interactions/1/messages/"), error)
    assert api.status_code == 503 and api["Retry-After"] == "5"
    assert json.loads(api.content)["error"]["code"] == "unavailable"
    page = middleware.process_exception(RequestFactory().get("/console/"), error)
    assert page.status_code == 503 and page["Content-Type"].startswith("text/plain")
    assert middleware.process_exception(RequestFactory().get("/console/"), ValueError()) is None


def test_the_profile_language_step_lets_an_outage_through_to_the_503_answer():
    """The faults drill: with PostgreSQL away, a signed-in agent's send answered 500 because
    the language middleware read the user first; it now goes on to the view's 503."""
    from conversations.middleware import ProfileLanguageMiddleware

    class UserOfAnUnreachableDatabase:
        @property
        def is_authenticated(self) -> bool:
            raise wrapped(psycopg_pool.PoolTimeout("couldn't get a connection after 10.00 sec"))

    request = RequestFactory().post("/api/v1/interactions/1/messages/")
    request.user = UserOfAnUnreachableDatabase()
    answered = object()
    assert ProfileLanguageMiddleware(lambda request: answered)(request) is answered

    class UserOfABrokenQuery:
        @property
        def is_authenticated(self) -> bool:
            raise wrapped(psycopg.errors.DeadlockDetected())

    request.user = UserOfABrokenQuery()
    with pytest.raises(OperationalError):  # not an outage: not hidden
        ProfileLanguageMiddleware(lambda request: answered)(request)
