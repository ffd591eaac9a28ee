"""Graph API and webhook errors as typed exceptions that say what to do next.

Callers branch on :class:`ErrorKind` (retry later, fall back to a template, give up),
never on Meta's wording: classification looks only at the numeric ``code`` and the HTTP
status (reference §10).

The classification deliberately extends the issue's list (retryable: 130429, 131056,
131000, 131016, 131057, HTTP 5xx, timeouts; needs a template: 131047; permanent: the
rest). Per reference §10 these are retryable too: codes 4 and 80007 (app and WABA call
rate limits: "back off"), any HTTP 429, and a 404 on a media *download* (the 5-minute
URL expired: a fresh one is fetched, see ``CloudApiClient.download_media``).

Timeouts are not all alike, because the never-send-twice rule wins over retrying:

- A failure *before* the request left (connection refused, connect or pool timeout) is
  retried automatically with backoff: Meta cannot have received it.
- A failure *after* it left (a read timeout, a reset while waiting for the answer) sets
  ``may_have_arrived``. A send is then **not** retried automatically: it waits
  ``RECONCILE_GRACE`` for a status webhook naming it (``biz_opaque_callback_data``) and
  is otherwise marked failed, for the agent to retry by hand
  (``conversations.services.outbound``). Uploads and reads may be repeated harmlessly.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Any, ClassVar

import httpx


class ErrorKind(StrEnum):
    RETRYABLE = "retryable"
    NEEDS_TEMPLATE = "needs_template"
    PERMANENT = "permanent"


# Throughput / pair / app / WABA rate limits, and Meta's own transient failures
# ("something went wrong", "service unavailable", "maintenance").
RETRYABLE_CODES = frozenset({130429, 131056, 131000, 131016, 131057, 4, 80007})
#: G5: Meta's pacing: the number's throughput (130429) and too many messages to one user
#: (131056, the pair rate). Refused before anything was sent, so a resend is safe; the
#: sender paces (per number, per recipient) instead of failing the message.
PACING_CODES = frozenset({130429, 131056})
#: 131056: WhatsApp lets about one message through per 6 seconds to the same user.
PAIR_RATE_SECONDS = 6.0
# More than 24 h since the user's last message: only a template may be sent.
NEEDS_TEMPLATE_CODES = frozenset({131047})

_CODE_PREFIX = re.compile(r"^\s*\(#\d+\)\s*")
_NON_JSON_SNIPPET = 300


class CloudApiError(Exception):
    """A failed Cloud API call or a webhook-reported failure.

    ``title`` is Meta's message without the ``(#code)`` prefix, ``details`` the longer
    ``error_data.details``. Raising a subclass fixes :attr:`kind`; the base class works
    it out from ``code`` and ``http_status``.
    """

    #: Set by the subclasses; the base class classifies each instance.
    fixed_kind: ClassVar[ErrorKind | None] = None

    def __init__(
        self,
        *,
        code: int | None = None,
        title: str = "",
        details: str = "",
        trace_id: str = "",
        http_status: int | None = None,
        subcode: int | None = None,
        may_have_arrived: bool = False,
    ) -> None:
        self.code = code
        self.title = title
        self.details = details
        self.trace_id = trace_id
        self.http_status = http_status
        self.subcode = subcode
        #: True when the request may have reached Meta although no answer came back (a
        #: read timeout, a connection reset after sending): a send must not be repeated
        #: blindly then, as the message may already be on its way.
        self.may_have_arrived = may_have_arrived
        self.kind: ErrorKind = self.fixed_kind or classify(code=code, http_status=http_status)
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [f"WhatsApp Cloud API error {self.code if self.code is not None else '(no code)'}"]
        if self.subcode is not None:
            parts.append(f"/{self.subcode}")
        if self.http_status is not None:
            parts.append(f" (HTTP {self.http_status})")
        parts.append(f": {self.title or 'no message'}")
        if self.details and self.details != self.title:
            parts.append(f" — {self.details}")
        if self.trace_id:
            parts.append(f" [fbtrace_id {self.trace_id}]")
        return " ".join("".join(parts).split())  # one line, whatever Meta put in the text

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by fields: the keyword-only ``__init__`` defeats Exception's default (Celery pickles errors)."""
        fields = {
            "code": self.code,
            "title": self.title,
            "details": self.details,
            "trace_id": self.trace_id,
            "http_status": self.http_status,
            "subcode": self.subcode,
            "may_have_arrived": self.may_have_arrived,
        }
        return (_restore, (type(self), fields))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, http_status={self.http_status!r}, title={self.title!r})"


def _restore(error_class: type[CloudApiError], fields: dict[str, Any]) -> CloudApiError:
    return error_class(**fields)


class RetryableError(CloudApiError):
    """Transient: rate limits, Meta outages, timeouts. Retry with backoff."""

    fixed_kind = ErrorKind.RETRYABLE


class TemplateRequiredError(CloudApiError):
    """The 24-hour customer service window is closed; send an approved template instead."""

    fixed_kind = ErrorKind.NEEDS_TEMPLATE


class PermanentError(CloudApiError):
    """Retrying the same request will fail again: fix the request, the account or the token."""

    fixed_kind = ErrorKind.PERMANENT


_CLASS_FOR_KIND: dict[ErrorKind, type[CloudApiError]] = {
    ErrorKind.RETRYABLE: RetryableError,
    ErrorKind.NEEDS_TEMPLATE: TemplateRequiredError,
    ErrorKind.PERMANENT: PermanentError,
}


def classify(*, code: int | None, http_status: int | None) -> ErrorKind:
    """Decide what a caller should do about an error, from its code and HTTP status only.

    No code and no HTTP status means the request never got an answer (timeout, network),
    which is worth retrying; an unknown code with a 4xx status is permanent.
    """
    if code in NEEDS_TEMPLATE_CODES:
        return ErrorKind.NEEDS_TEMPLATE
    if code in RETRYABLE_CODES:
        return ErrorKind.RETRYABLE
    if http_status is not None and (http_status >= 500 or http_status == 429):
        return ErrorKind.RETRYABLE
    if code is None and http_status is None:
        return ErrorKind.RETRYABLE
    return ErrorKind.PERMANENT


def make_error(
    *,
    code: int | None,
    title: str,
    details: str = "",
    trace_id: str = "",
    http_status: int | None = None,
    subcode: int | None = None,
) -> CloudApiError:
    """Build the subclass matching :func:`classify` for these fields."""
    error_class = _CLASS_FOR_KIND[classify(code=code, http_status=http_status)]
    return error_class(
        code=code,
        title=title,
        details=details,
        trace_id=trace_id,
        http_status=http_status,
        subcode=subcode,
    )


def error_from_graph_response(*, http_status: int, body: bytes | str | dict[str, Any]) -> CloudApiError:
    """Turn a non-2xx Graph API response into the right :class:`CloudApiError` subclass.

    Expects ``{"error": {"message", "type", "code", "error_data": {"details"},
    "error_subcode", "fbtrace_id"}}`` but tolerates anything, e.g. a proxy's HTML page.
    """
    parsed = _parse_body(body)
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if not isinstance(error, dict):
        return make_error(
            code=None,
            title=f"HTTP {http_status} without a Graph API error body",
            details=_snippet(body),
            http_status=http_status,
        )
    message = _CODE_PREFIX.sub("", _text(error.get("message")))
    return make_error(
        code=int_or_none(error.get("code")),
        title=message
        or _text(error.get("error_user_title"))
        or _text(error.get("type"))
        or f"HTTP {http_status}",
        details=_details(error.get("error_data")) or _text(error.get("error_user_msg")),
        trace_id=_text(error.get("fbtrace_id")),
        http_status=http_status,
        subcode=int_or_none(error.get("error_subcode")),
    )


def error_from_webhook(error: dict[str, Any]) -> CloudApiError:
    """Turn a webhook ``errors[]`` item (``{code, title, message, error_data, href}``) into an error."""
    title = _text(error.get("title")) or _text(error.get("message"))
    message = _text(error.get("message"))
    details = _details(error.get("error_data")) or (message if message != title else "")
    return make_error(code=int_or_none(error.get("code")), title=title, details=details)


#: Failures that happen before a request is sent: Meta cannot have received it.
_BEFORE_SENDING = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def network_error(exc: Exception) -> RetryableError:
    """Wrap a timeout or connection failure. When it happened after the request was sent
    (a read timeout, a reset), Meta may have received it: ``may_have_arrived`` says so."""
    return RetryableError(
        title=f"network error talking to the Graph API ({type(exc).__name__})",
        details=str(exc),
        may_have_arrived=not isinstance(exc, _BEFORE_SENDING),
    )


def _parse_body(body: bytes | str | dict[str, Any]) -> Any:
    if isinstance(body, dict):
        return body
    try:
        return json.loads(body)
    except (TypeError, ValueError):  # UnicodeDecodeError is a ValueError
        return None


def _details(error_data: Any) -> str:
    """``error_data.details``; Graph occasionally sends ``error_data`` as a JSON string."""
    if isinstance(error_data, str):
        try:
            error_data = json.loads(error_data)
        except ValueError:
            return str(error_data).strip()
    if isinstance(error_data, dict):
        return _text(error_data.get("details"))
    return ""


def _snippet(body: bytes | str | dict[str, Any]) -> str:
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    text = " ".join(re.sub(r"<[^>]*>", " ", str(body)).split())
    return text[:_NON_JSON_SNIPPET]


def int_or_none(value: Any) -> int | None:
    """An integer from WhatsApp's JSON (numbers sometimes come as strings), else None."""
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an infinite float (1e400)
        return None


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""
