"""Fixtures of the template tests: the sandbox's Graph API, in-process; the admin's form.

``sandbox_graph`` gives ``templates_app.syncing`` clients whose requests go through
Django's test client to the sandbox's real Graph views (no socket, same database and
transaction as the test): the pull, the submission and the deletion talk to "Meta" over
the exact wire they use in production. ``notification_form`` and ``form_errors`` fill in
the admin's add form of a template and read its errors back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from django.test import Client
from django.utils import translation

from conversations.models import Channel
from tests.conftest import APP_SECRET
from tests.factories import ChannelFactory
from whatsapp.client import CloudApiClient

if TYPE_CHECKING:
    # What django-stubs says the test client answers (a response with ``context``).
    from django.test.client import _MonkeyPatchedWSGIResponse as ClientResponse

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


def notification_form(**fields: str) -> dict[str, str]:
    """The admin's add form of a notification that keeps every rule, saved as a draft (no
    ``submit_to_meta``): a test names only the fields its case is about."""
    data = {
        "kind": "notification",
        "name": "table_ready",
        "language": "en_US",
        "category": "UTILITY",
        "channel": "",
        "parameter_format": "POSITIONAL",
        "header_type": "none",
        "header_text": "",
        "body": "Hello {{1}}, your table is ready now.",
        "footer": "",
        "buttons": "[]",
        "list_button": "",
        "sections": "[]",
    }
    return {**data, **fields}


def form_errors(response: ClientResponse) -> dict[str, list[str]]:
    """The admin form's errors by field, once the form came back (not a redirect or a 500)."""
    assert response.status_code == 200, response.status_code
    return {name: list(errors) for name, errors in response.context["adminform"].form.errors.items()}
