"""Fixtures of the template tests: the sandbox's Graph API, in-process.

``sandbox_graph`` gives ``templates_app.syncing`` clients whose requests go through
Django's test client to the sandbox's real Graph views (no socket, same database and
transaction as the test): the pull, the submission and the deletion talk to "Meta" over
the exact wire they use in production.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from django.test import Client
from django.utils import translation

from conversations.models import Channel
from tests.conftest import APP_SECRET
from tests.factories import ChannelFactory
from whatsapp.client import CloudApiClient

TOKEN = "template-test-token"
WABA_ID = "200000000000777"


class DjangoClientTransport(httpx.BaseTransport):
    """httpx requests answered by Django's test client (the sandbox's views, in-process)."""

    def __init__(self) -> None:
        self.client = Client()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        headers: dict[str, Any] = {
            f"HTTP_{k.upper().replace('-', '_')}": v
            for k, v in request.headers.items()
            if k.lower() in ("authorization", "file_offset")
        }
        # "Meta" answers in its own request; the caller's language (U4) is the caller's still
        with translation.override(translation.get_language()):
            response = self.client.generic(
                request.method,
                path,
                data=request.read(),
                content_type=request.headers.get("content-type", "application/json"),
                **headers,
            )
        return httpx.Response(
            response.status_code, headers={"content-type": response["Content-Type"]}, content=response.content
        )


@pytest.fixture
def business(db) -> Channel:
    return ChannelFactory.create(
        name="Template line",
        phone_number_id="100000000000777",
        display_phone_number="15550007777",
        waba_id=WABA_ID,
        access_token=TOKEN,
        app_secret=APP_SECRET,
    )


@pytest.fixture
def sandbox_graph() -> Callable[[Channel], CloudApiClient]:
    transport = DjangoClientTransport()

    def client_for(channel: Channel) -> CloudApiClient:
        return CloudApiClient.for_channel(
            channel, base_url="http://testserver/sandbox/graph", api_version="v23.0", transport=transport
        )

    return client_for
