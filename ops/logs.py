"""Log context (X2): request, interaction, webhook and task ids on every log line.

One context variable holds the ids of what this code is working for. The request
middleware binds a request id (and the client's address); the webhook binds its own
request id and, once stored, the event id; Celery tasks bind their name, id and the ids
they were given (``ops.signals``). :class:`ContextFilter` puts them on each log record;
with ``LOG_FORMAT=json`` :class:`JsonFormatter` writes one JSON object per line.

Context variables follow ``sync_to_async``, the webhook's thread pool (it runs each job
in a copy of the caller's context) and asyncio tasks, so a line logged deep in a service
carries the ids of the request that caused it.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

_context: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("ops_log_context", default={})  # noqa: B039
_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar("ops_request", default=None)

#: An incoming X-Request-ID is kept when it looks like an id (a proxy's), else replaced.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def current() -> dict[str, Any]:
    """The ids bound in this context."""
    return _context.get()


def bind(**ids: Any) -> contextvars.Token:
    """Add ids to this context (None values are dropped); returns a token for :func:`reset`."""
    merged = {**_context.get(), **{k: v for k, v in ids.items() if v is not None}}
    return _context.set(merged)


def reset(token: contextvars.Token) -> None:
    _context.reset(token)


@contextlib.contextmanager
def bound(**ids: Any) -> Iterator[None]:
    token = bind(**ids)
    try:
        yield
    finally:
        reset(token)


def new_id() -> str:
    return uuid.uuid4().hex


def current_request() -> HttpRequest | None:
    """The Django request this thread serves, if any (the audit log takes who and from
    which address from it)."""
    return _request.get()


class RequestContextMiddleware:
    """Bind a request id (the client's X-Request-ID when it is a plain id, else a new one)
    and the client's address for the request; echo the id in the response; bind the
    interaction id of ``/api/v1/interactions/<id>/…`` routes once the URL is resolved."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _REQUEST_ID.fullmatch(given) else new_id()
        request.request_id = request_id  # type: ignore[attr-defined]  # ours, for views and templates
        token = bind(request_id=request_id, client_ip=request.META.get("REMOTE_ADDR") or None)
        request_token = _request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(request_token)
            reset(token)
        response["X-Request-ID"] = request_id
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: dict[str, Any]) -> None:
        match = request.resolver_match
        if match is not None and (match.url_name or "").startswith("interaction-") and "pk" in kwargs:
            bind(interaction_id=kwargs["pk"])  # reset with the request's token above


class ContextFilter(logging.Filter):
    """Put the context's ids on the record: ``record.ids`` (a dict) and ``record.context``
    (`` [request_id=… interaction_id=…]`` for plain lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = _context.get()
        record.ids = ids
        record.context = (" [" + " ".join(f"{k}={v}" for k, v in ids.items()) + "]") if ids else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the context's
    ids, and the exception's traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        ids = getattr(record, "ids", None)
        if ids is None:
            ids = _context.get()
        entry.update(ids)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
