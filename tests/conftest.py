"""Shared fixtures: channels matching the Cloud API fixtures, signed webhook posting."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from conversations.directory import directory
from conversations.whatsapp.signature import sign
from tests.factories import ChannelFactory

#: The Cloud API payloads checked in beside the project (never copied into it).
FIXTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures" / "whatsapp"
APP_SECRET = "test-app-secret"


def load_fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(autouse=True)
def _fresh_snapshots():
    """Each test sees the channels and options it created, not a previous test's."""
    from conversations import options

    directory.invalidate()
    options.invalidate()
    yield
    directory.invalidate()
    options.invalidate()


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each test gets its own channel layer object: channels_redis keeps receive state
    (a lock, buffers) bound to one event loop, and pytest-asyncio gives each test its own
    loop; a socket a test left open made the next test fail ("bound to a different loop")."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def channel(db):
    """The business number of most fixtures (phone_number_id 1122334455667)."""
    return ChannelFactory(
        phone_number_id="1122334455667", display_phone_number="972123456789", app_secret=APP_SECRET
    )


@pytest.fixture
def status_channel(db):
    """The business number of the status fixtures taken from Meta's docs."""
    return ChannelFactory(
        phone_number_id="106540352242922", display_phone_number="15550783881", app_secret=APP_SECRET
    )


PostWebhook = Callable[..., Any]


@pytest.fixture
def post_webhook(client: Client) -> PostWebhook:
    """POST a payload (dict, str or bytes) to the webhook, signed like Meta signs it."""

    def post(payload: Any, *, secret: str = APP_SECRET, signature: str | None = None, **extra: Any):
        if isinstance(payload, (dict, list)):
            body = json.dumps(payload).encode()
        elif isinstance(payload, str):
            body = payload.encode()
        else:
            body = payload
        headers = {}
        if signature is not None:
            headers["HTTP_X_HUB_SIGNATURE_256"] = signature
        elif secret:
            headers["HTTP_X_HUB_SIGNATURE_256"] = sign(body, secret)
        return client.post("/webhooks/whatsapp/", body, content_type="application/json", **headers, **extra)

    return post
