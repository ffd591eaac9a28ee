"""Fixtures of the sandbox tests: a business number, Graph API and phone API callers, a live server.

Tests that do not use ``live`` never let a status webhook leave: the sandbox's scheduling
is captured in ``scheduled`` instead (what would run, with which countdown). Tests with
``live`` run the real thing: the tasks post to pytest-django's live server, whose webhook
is ours, and ``waproject.embedded.runner.wait_idle()`` waits for them.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from PIL import Image

from sandbox.models import SandboxChat, SandboxMessage
from sandbox.services import common
from tests.conftest import APP_SECRET
from tests.factories import ChannelFactory
from waproject.embedded import runner

TOKEN = "sandbox-test-token"
PHONE_NUMBER_ID = "100000000000001"
DISPLAY_NUMBER = "15550001234"
WABA_ID = "200000000000001"
CUSTOMER = "4915112345678"
GRAPH = "/sandbox/graph/v23.0"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a per-test folder, not the shared test media root."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def scheduled(request, monkeypatch) -> list[tuple[str, tuple[Any, ...], float | None]]:
    """What the sandbox scheduled (task name, args, countdown), unless the test runs ``live``."""
    calls: list[tuple[str, tuple[Any, ...], float | None]] = []
    if "live" in request.fixturenames:
        return calls

    def enqueue(task: Any, *args: Any, countdown: float | None = None, **kwargs: Any) -> None:
        name = task if isinstance(task, str) else task.name  # a task or its registered name
        calls.append((name.rsplit(".", 1)[-1], args, countdown))

    def enqueue_on_commit(task: Any, *args: Any, countdown: float | None = None, **kwargs: Any) -> None:
        transaction.on_commit(lambda: enqueue(task, *args, countdown=countdown))

    # the one module that schedules the sandbox's tasks
    monkeypatch.setattr(common, "enqueue", enqueue)
    monkeypatch.setattr(common, "enqueue_on_commit", enqueue_on_commit)
    return calls


@pytest.fixture
def live(live_server, settings):
    """Our webhook and the sandbox on one real HTTP server; short status delays."""
    settings.PUBLIC_BASE_URL = live_server.url
    settings.WHATSAPP_GRAPH_BASE_URL = live_server.url + "/sandbox/graph"
    settings.WHATSAPP_SANDBOX_STATUS_DELAYS = (0.05, 0.1)
    yield live_server
    assert runner.wait_idle(15), "sandbox status tasks still running after the test"


@pytest.fixture
def business(db):
    """The business number the sandbox plays WhatsApp for."""
    return ChannelFactory(
        name="Demo support line",
        phone_number_id=PHONE_NUMBER_ID,
        display_phone_number=DISPLAY_NUMBER,
        waba_id=WABA_ID,
        access_token=TOKEN,
        app_secret=APP_SECRET,
    )


@pytest.fixture
def customer_wrote(business) -> Callable[..., SandboxChat]:
    """Record (as the sandbox would) that a customer last wrote ``ago`` before now."""

    def wrote(wa_id: str = CUSTOMER, *, ago: timedelta = timedelta(minutes=5)) -> SandboxChat:
        chat, _ = SandboxChat.objects.get_or_create(channel=business, wa_id=wa_id)
        chat.last_customer_message_at = timezone.now() - ago
        chat.save(update_fields=["last_customer_message_at"])
        return chat

    return wrote


GraphSend = Callable[..., Any]


@pytest.fixture
def graph_send(client: Client, django_capture_on_commit_callbacks) -> GraphSend:
    """POST a ``/messages`` body (``messaging_product`` and ``to`` filled in unless given).

    On-commit work (events, scheduling) runs as after a real commit, though the test
    holds a transaction.
    """

    def send(
        body: Any, *, token: str | None = TOKEN, phone_number_id: str = PHONE_NUMBER_ID, raw: bool = False
    ):
        if not raw and isinstance(body, dict):
            body = {"messaging_product": "whatsapp", "to": "+" + CUSTOMER, **body}
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        with django_capture_on_commit_callbacks(execute=True):
            # HTTP_AUTHORIZATION goes to Client.post's **extra (mypy matches it to named ones)
            return client.post(
                f"{GRAPH}/{phone_number_id}/messages",
                data,
                content_type="application/json",
                **headers,  # type: ignore[arg-type]
            )

    return send


PhoneSend = Callable[..., Any]


@pytest.fixture
def phone_send(client: Client) -> PhoneSend:
    """POST to the phone API's ``send`` as the customer (``phone_number_id``, ``wa_id`` filled in)."""

    def send(fields: dict[str, Any], *, wa_id: str = CUSTOMER, profile_name: str = "Lena Vogel"):
        body = {"phone_number_id": PHONE_NUMBER_ID, "wa_id": wa_id, "profile_name": profile_name, **fields}
        return client.post("/sandbox/phone/api/send", json.dumps(body), content_type="application/json")

    return send


def png_bytes(color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), color).save(buffer, "PNG")
    return buffer.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def business_message(wamid: str) -> SandboxMessage:
    return SandboxMessage.objects.get(wamid=wamid)
