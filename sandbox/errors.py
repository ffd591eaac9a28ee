"""Errors in Meta's shapes: Graph API error answers and webhook error objects.

The sandbox answers what Meta answers, so our client's error handling is exercised by the
same codes and shapes it meets in production (reference §10): the Graph error body
``{"error": {"message": "(#<code>) <title>", "type", "code", "error_data", "fbtrace_id"}}``
and the ``{code, title, message, error_data{details}, href}`` object of failed statuses.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

#: Meta's titles for the codes the sandbox produces.
TITLES: dict[int, str] = {
    100: "Invalid parameter",
    190: "Invalid OAuth access token - Cannot parse access token",
    2500: "Unknown path components",
    2635: "Deprecated API version",
    130429: "Rate limit hit",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    131008: "Required parameter is missing",
    131009: "Parameter value is not valid",
    131021: "Recipient cannot be sender",
    131026: "Message undeliverable",
    131047: "Re-engagement message",
    131050: "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business",
    131051: "Unsupported message type",
    131053: "Media upload error",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    132005: "Translated text too long",
    132012: "Parameter format does not match format in the created template",
    132015: "Template is Paused",
    132016: "Template is Disabled",
}

ERROR_CODES_HREF = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
_TRACE_ALPHABET = string.ascii_letters + string.digits + "_-"


def fbtrace_id() -> str:
    """A trace id shaped like Meta's (they only serve to quote in support requests)."""
    return "A" + "".join(secrets.choice(_TRACE_ALPHABET) for _ in range(22))


class GraphError(Exception):
    """A refused Graph API call; ``body()`` is the JSON Meta would answer."""

    def __init__(
        self,
        code: int,
        details: str = "",
        *,
        http_status: int = 400,
        message: str | None = None,
        error_type: str = "OAuthException",
        subcode: int | None = None,
    ) -> None:
        self.code = code
        self.details = details
        self.http_status = http_status
        self.title = message or TITLES.get(code, "Invalid parameter")
        self.error_type = error_type
        self.subcode = subcode
        super().__init__(f"({code}) {self.title}: {details}")

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "message": f"(#{self.code}) {self.title}",
            "type": self.error_type,
            "code": self.code,
        }
        if self.details:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["fbtrace_id"] = fbtrace_id()
        return {"error": error}


def missing(name: str) -> GraphError:
    return GraphError(131008, f"The parameter {name} is required.")


def invalid(details: str) -> GraphError:
    return GraphError(131009, details)


def auth_error(details: str) -> GraphError:
    """Bad or missing token: 401 with code 190, as Graph answers an unusable token."""
    return GraphError(190, details, http_status=401)


def unknown_object(object_id: str, method: str = "post") -> GraphError:
    """Graph's answer for an id it cannot load (or may not load with this token)."""
    return GraphError(
        100,
        message=(
            f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, cannot be "
            "loaded due to missing permissions, or does not support this operation"
        ),
        error_type="GraphMethodException",
        subcode=33,
    )


def webhook_error(code: int, details: str) -> dict[str, Any]:
    """An error object of a ``failed`` status webhook (reference §5)."""
    title = TITLES.get(code, "Something went wrong")
    return {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": details},
        "href": ERROR_CODES_HREF,
    }


REENGAGEMENT_DETAILS = "Message failed to send because more than 24 hours have passed since the customer last replied to this number."
