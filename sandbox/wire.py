"""The Cloud API's wire shapes the sandbox produces: ids, webhook envelopes, status objects.

Pure functions (no database, no I/O), so the shapes can be read in one place and
checked against the reference (§3-5) and the fixtures.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
from datetime import datetime, timedelta
from typing import Any

#: A pricing conversation runs 24 hours from its first sent message (``expiration_timestamp``).
CONVERSATION_LIFETIME = timedelta(hours=24)


def new_wamid(wa_id: str) -> str:
    """A unique message id shaped like Meta's (``wamid.`` + base64), marked ``SBX`` as the sandbox's."""
    raw = wa_id.encode() + b"\x15\x02\x00\x12\x18" + secrets.token_bytes(16)
    return "wamid.SBX" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def new_user_id() -> str:
    """A business-scoped user id shaped like Meta's (country code, a dot, digits); ``ZZ``
    (a code ISO leaves to users) marks it as the sandbox's."""
    return f"ZZ.{10**18 + secrets.randbelow(9 * 10**18)}"


def new_media_id() -> str:
    """A 16-digit media id, like Meta's."""
    return str(10**15 + secrets.randbelow(9 * 10**15))


def sha256_base64(hex_digest: str) -> str:
    """Webhooks carry media digests base64-encoded (reference §4.3); the Graph API, hex."""
    try:
        return base64.b64encode(binascii.unhexlify(hex_digest)).decode()
    except (binascii.Error, ValueError):
        return ""


def unix(moment: datetime) -> str:
    """WhatsApp timestamps: Unix seconds as a string."""
    return str(int(moment.timestamp()))


def envelope(
    *, waba_id: str, display_phone_number: str, phone_number_id: str, field: str = "messages", **value: Any
) -> dict[str, Any]:
    """The ``whatsapp_business_account`` envelope around one change of ``field`` (reference
    §3): ``messages``, or ``user_preferences`` (G3), ``smb_message_echoes`` (G4)…"""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": waba_id or "0",
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": display_phone_number,
                                "phone_number_id": phone_number_id,
                            },
                            **value,
                        },
                        "field": field,
                    }
                ],
            }
        ],
    }


def customer_ids(*, wa_id: str, user_id: str, hides_number: bool) -> dict[str, str]:
    """The sender's ids on a ``messages[]`` item: ``from`` (unless a username hides the
    number) and ``from_user_id`` (G2: always, since 2026)."""
    ids = {} if hides_number else {"from": wa_id}
    if user_id:
        ids["from_user_id"] = user_id
    return ids


def inbound_value(
    *,
    wa_id: str,
    profile_name: str,
    message: dict[str, Any],
    user_id: str = "",
    username: str = "",
    hides_number: bool = False,
) -> dict[str, Any]:
    """``contacts`` + ``messages`` of a customer message webhook (reference §4); G2: the
    BSUID always, the username when the customer has one, the number unless it hides it."""
    return {
        "contacts": [contact_object(wa_id, profile_name, user_id, username, hides_number)],
        "messages": [message],
    }


def contact_object(
    wa_id: str, profile_name: str, user_id: str = "", username: str = "", hides_number: bool = False
) -> dict[str, Any]:
    """One ``contacts[]`` item: the profile (name, username) and the ids."""
    profile: dict[str, Any] = {"name": profile_name}
    if username:
        profile["username"] = username
    item: dict[str, Any] = {"profile": profile}
    if not hides_number:
        item["wa_id"] = wa_id
    if user_id:
        item["user_id"] = user_id
    return item


def status_object(
    *,
    wamid: str,
    status: str,
    at: datetime,
    recipient_id: str,
    category: str,
    conversation_id: str,
    with_pricing: bool,
    conversation_expires_at: datetime | None = None,
    errors: list[dict[str, Any]] | None = None,
    biz_opaque_callback_data: str = "",
    recipient_user_id: str = "",
    hides_number: bool = False,
) -> dict[str, Any]:
    """One ``statuses[]`` item (reference §5), per-message pricing (PMP) like current webhooks.

    ``conversation`` and ``pricing`` ride on ``sent`` and on one later status only, as Meta
    sends them; a failed status carries ``errors`` instead.
    """
    item: dict[str, Any] = {"id": wamid, "status": status, "timestamp": unix(at)}
    if not hides_number:
        item["recipient_id"] = recipient_id
    if recipient_user_id:
        item["recipient_user_id"] = recipient_user_id  # G2
    if biz_opaque_callback_data:
        item["biz_opaque_callback_data"] = biz_opaque_callback_data
    if errors:
        item["errors"] = errors
        return item
    if with_pricing:
        conversation: dict[str, Any] = {"id": conversation_id}
        if conversation_expires_at is not None:
            conversation["expiration_timestamp"] = unix(conversation_expires_at)
        conversation["origin"] = {"type": category}
        item["conversation"] = conversation
        billable = category != "service"
        item["pricing"] = {
            "billable": billable,
            "pricing_model": "PMP",
            "type": "regular" if billable else "free_customer_service",
            "category": category,
        }
    return item


def dumps(payload: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON: the exact bytes that are signed and posted."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def waba_envelope(*, waba_id: str, field: str, value: dict[str, object]) -> dict[str, object]:
    """The envelope around one WABA-level change (template webhooks: no phone number metadata)."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {"id": waba_id or "0", "time": int(time.time()), "changes": [{"value": value, "field": field}]}
        ],
    }
