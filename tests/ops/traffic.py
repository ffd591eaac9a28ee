"""What Meta sends, for the scaled-mode tests: signed webhooks of the channel ``seed_demo``
creates (its ids and app secret come from the environment the stack runs with)."""

from __future__ import annotations

import json
import time
from typing import Any

from whatsapp.signature import sign

PHONE_NUMBER_ID = "100000000000001"
DISPLAY_NUMBER = "15550001234"
WABA_ID = "200000000000001"
APP_SECRET = "ops-test-app-secret"

#: The environment a stack needs for these webhooks to be its channel's.
CHANNEL_ENV = {
    "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
    "WHATSAPP_DISPLAY_PHONE_NUMBER": DISPLAY_NUMBER,
    "WHATSAPP_WABA_ID": WABA_ID,
    "WHATSAPP_APP_SECRET": APP_SECRET,
}


def _envelope(value: dict[str, Any]) -> dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": DISPLAY_NUMBER, "phone_number_id": PHONE_NUMBER_ID},
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": value}]}],
    }


def customer_text(*, wa_id: str, wamid: str, body: str, name: str = "Drill Customer") -> dict[str, Any]:
    """A customer's text message."""
    return _envelope(
        {
            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": wamid,
                    "timestamp": str(int(time.time())),
                    "type": "text",
                    "text": {"body": body},
                }
            ],
        }
    )


def message_status(*, wamid: str, state: str, recipient: str, callback: str = "") -> dict[str, Any]:
    """A status of one of our messages (``callback``: the biz_opaque_callback_data we sent)."""
    item: dict[str, Any] = {
        "id": wamid,
        "status": state,
        "timestamp": str(int(time.time())),
        "recipient_id": recipient,
    }
    if callback:
        item["biz_opaque_callback_data"] = callback
    return _envelope({"statuses": [item]})


def signed(payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a webhook POST, signed with the channel's app secret."""
    body = json.dumps(payload).encode()
    return body, {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, APP_SECRET)}
