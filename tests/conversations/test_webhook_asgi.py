"""The webhook's own ASGI route (what uvicorn serves), driven with raw ASGI messages."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from conversations.models import Message, WebhookEvent
from conversations.webhooks import WebhookApp
from tests.cloud_api import LENA_TEXT, payload
from tests.conftest import APP_SECRET
from whatsapp.signature import sign

pytestmark = pytest.mark.django_db(transaction=True)


async def call(
    method: str, *, body_chunks=(b"",), headers=(), query: bytes = b"", host: str = "127.0.0.1:8000"
):
    scope = {
        "type": "http",
        "method": method,
        "path": "/webhooks/whatsapp/",
        "query_string": query,
        "headers": [(b"host", host.encode()), *headers],
    }
    chunks = list(body_chunks)
    sent = []

    async def receive():
        chunk = chunks.pop(0) if chunks else b""
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message):
        sent.append(message)

    await WebhookApp()(scope, receive, send)
    status = sent[0]["status"]
    head = dict(sent[0]["headers"])
    return status, head, sent[1]["body"]


async def test_post_is_stored_through_the_asgi_route(channel):
    body = json.dumps(payload("inbound_text")).encode()
    headers = [
        (b"x-hub-signature-256", sign(body, APP_SECRET).encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    status, _, content = await call("POST", body_chunks=[body[:100], body[100:]], headers=headers)
    assert (status, content) == (200, b"")
    assert await database_sync_to_async(Message.objects.filter(wamid=LENA_TEXT).exists)()


async def test_handshake_through_the_asgi_route(channel):
    query = f"hub.mode=subscribe&hub.verify_token={channel.verify_token}&hub.challenge=777".encode()
    status, head, content = await call("GET", query=query)
    assert (status, content, head[b"content-type"]) == (200, b"777", b"text/plain")


async def test_a_host_outside_allowed_hosts_is_refused(channel):
    status, _, content = await call("GET", host="evil.example")
    assert status == 400
    assert json.loads(content)["error"] == "Host is not allowed"


async def test_a_body_streamed_past_three_megabytes_is_refused(channel):
    chunk = b"x" * (1024 * 1024)
    status, _, _ = await call(
        "POST", body_chunks=[chunk] * 4, headers=[(b"x-hub-signature-256", b"sha256=00")]
    )
    assert status == 413
    assert not await database_sync_to_async(WebhookEvent.objects.exists)()


async def test_other_methods_get_405_with_allow(channel):
    status, head, _ = await call("DELETE")
    assert status == 405
    assert head[b"allow"] == b"GET, POST"
