"""Check a ``/messages`` request the way the Cloud API does, and say what it means.

Our client is written against Meta's documented shapes (reference §6); the sandbox is
only useful if it refuses what Meta refuses, with Meta's codes: 131008 for a missing
parameter, 131009 for a bad value, 131051 for an unknown type, 131053 for media it
cannot use, 132000/132001/132005/132012 for templates, 100 for Graph-level problems.
Everything raises ``GraphError``; a valid body becomes an ``OutboundSend`` or a
``MarkRead``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from conversations.models import Channel
from sandbox.errors import GraphError, invalid, missing
from sandbox.validation.interactive import check_interactive
from sandbox.validation.params import (
    BSUID_RE,
    MEDIA_MAX_BYTES,
    MEDIA_MIME_TYPES,
    MEDIA_TYPES,
    MESSAGE_TYPES,
    PHONE_RE,
    base_mime,
    check_contacts,
    check_location,
    check_media,
    check_reaction,
    check_text,
    media_kind_for_mime,
)
from sandbox.validation.templates import check_template

__all__ = [
    "MEDIA_MAX_BYTES",
    "MEDIA_MIME_TYPES",
    "MarkRead",
    "OutboundSend",
    "base_mime",
    "media_kind_for_mime",
    "parse_request",
]


@dataclass
class OutboundSend:
    """A valid send: who it goes to and what, as the sandbox records and renders it."""

    to_input: str
    #: The phone number sent to ("" for a send to a BSUID: ``to_input`` is the BSUID).
    wa_id: str
    type: str
    content: Any
    context_wamid: str = ""
    biz_opaque_callback_data: str = ""
    #: Templates only: the message as the customer sees it.
    rendered: dict[str, Any] = field(default_factory=dict)
    #: Pricing category: ``service`` for free-form, the template's category otherwise.
    category: str = "service"

    @property
    def is_template(self) -> bool:
        return self.type == "template"


@dataclass
class MarkRead:
    message_id: str
    typing_indicator: bool = False


def parse_request(body: Any, *, channel: Channel) -> OutboundSend | MarkRead:
    """Validate a ``POST /<phone_number_id>/messages`` body; raise ``GraphError`` like Meta."""
    if not isinstance(body, dict):
        raise GraphError(100, "The request body must be a JSON object.")
    product = body.get("messaging_product")
    if product is None:
        raise GraphError(100, message="The parameter messaging_product is required.")
    if product != "whatsapp":
        raise GraphError(
            100, message=f'Param messaging_product must be one of {{WHATSAPP}} - got "{product}".'
        )
    if "status" in body:
        return _mark_read(body)

    to_input, wa_id = _recipient(body, channel=channel)
    recipient_type = body.get("recipient_type", "individual")
    if recipient_type != "individual":
        raise invalid('recipient_type must be "individual" (groups are not simulated by the sandbox).')
    message_type = body.get("type", "text")
    if not isinstance(message_type, str) or not message_type:
        raise invalid("type must be a string.")
    if message_type not in MESSAGE_TYPES:
        raise GraphError(131051, f"Message type {message_type!r} is not supported.")
    if body.get(message_type) is None:
        raise missing(message_type)

    send = OutboundSend(to_input=to_input, wa_id=wa_id, type=message_type, content=body[message_type])
    send.context_wamid = _context(body.get("context"), message_type)
    opaque = body.get("biz_opaque_callback_data", "")
    if not isinstance(opaque, str) or len(opaque) > 512:
        raise invalid("biz_opaque_callback_data must be a string of at most 512 characters.")
    send.biz_opaque_callback_data = opaque

    content = body[message_type]
    if message_type == "text":
        check_text(content)
    elif message_type in MEDIA_TYPES:
        check_media(message_type, content, channel=channel)
    elif message_type == "location":
        check_location(content, "location", named=True)
    elif message_type == "contacts":
        check_contacts(content)
    elif message_type == "reaction":
        check_reaction(content)
    elif message_type == "interactive":
        check_interactive(content, channel=channel)
    elif message_type == "template":
        template = check_template(content, channel=channel)
        send.rendered = template["rendered"]
        send.category = template["category"]
    return send


# --- envelope ------------------------------------------------------------------------


def _mark_read(body: dict[str, Any]) -> MarkRead:
    if body.get("status") != "read":
        raise invalid('status must be "read" (the only status a business sets).')
    message_id = body.get("message_id")
    if not isinstance(message_id, str) or not message_id:
        raise missing("message_id")
    typing = body.get("typing_indicator")
    if typing is not None and (not isinstance(typing, dict) or typing.get("type") != "text"):
        raise invalid('typing_indicator must be {"type": "text"}.')
    return MarkRead(message_id=message_id, typing_indicator=typing is not None)


def _recipient(body: dict[str, Any], *, channel: Channel) -> tuple[str, str]:
    """``to`` (a phone number: digits, optional ``+``, spaces, dashes, parentheses) or ``recipient``."""
    to = body.get("to")
    recipient = body.get("recipient")
    if to in (None, "") and recipient in (None, ""):
        raise missing("to")
    given = to if to not in (None, "") else recipient
    if not isinstance(given, str):
        raise GraphError(100, f"Invalid parameter: to must be a string, got {type(given).__name__}.")
    if to in (None, "") and BSUID_RE.match(given):
        return given, ""  # G2: a business-scoped user id; the chat is found by it
    digits = re.sub(r"\D", "", given)
    if not PHONE_RE.match(given) or not 6 <= len(digits) <= 15:
        raise GraphError(100, f"Invalid parameter: {given!r} is not a phone number in international format.")
    if digits == channel.display_phone_number:
        raise GraphError(131021, "The recipient is this business phone number.")
    return given, digits


def _context(context: Any, message_type: str) -> str:
    if context is None:
        return ""
    if (
        not isinstance(context, dict)
        or not isinstance(context.get("message_id"), str)
        or not context["message_id"]
    ):
        raise invalid('context must be {"message_id": "<wamid>"}.')
    if message_type == "reaction":
        raise invalid("A reaction cannot be sent as a contextual reply.")
    return context["message_id"]
