"""P3 × P2: our own Cloud API client, pointed at the sandbox over real HTTP, works end to end.

The client is written against Meta's documented shapes; passing here means the sandbox
speaks them too (paths, bodies, the Bearer header, media URLs, error bodies).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from conversations.models import Interaction
from conversations.services.outbound import OutboundSpec, message_send
from conversations.services.receipts import interaction_typing
from sandbox.models import SandboxChat, SandboxMessage
from tests.factories import AgentProfileFactory
from tests.sandbox.conftest import CUSTOMER, PDF_BYTES, PHONE_NUMBER_ID, TOKEN
from waproject.embedded import runner
from whatsapp import payloads
from whatsapp.client import CloudApiClient
from whatsapp.errors import CloudApiError

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cloud(live, business):
    with CloudApiClient(
        access_token=TOKEN, phone_number_id=PHONE_NUMBER_ID, base_url=settings.WHATSAPP_GRAPH_BASE_URL
    ) as client:
        yield client


def test_send_mark_read_and_media_round_trip(cloud, phone_send):
    # given: the customer wrote
    inbound = phone_send({"type": "text", "text": "Hi"}).json()["message"]["wamid"]
    # when / then: a send answers a wamid and the wa_id
    result = cloud.send(payloads.text("+" + CUSTOMER, "Hello from the client"))
    assert result.wa_id == CUSTOMER
    assert SandboxMessage.objects.get(wamid=result.wamid).content == {"body": "Hello from the client"}
    # mark as read with typing indicator
    cloud.mark_as_read(inbound, typing_indicator=True)
    assert SandboxMessage.objects.get(wamid=inbound).business_read_at is not None
    assert SandboxChat.objects.get().business_typing_until is not None
    # media: upload, look up, download with the token, send by id, delete
    media_id = cloud.upload_media(data=PDF_BYTES, mime_type="application/pdf", filename="invoice.pdf")
    info = cloud.get_media(media_id)
    assert (info.id, info.mime_type, info.file_size) == (media_id, "application/pdf", len(PDF_BYTES))
    assert cloud.download_media(info.url, max_bytes=10_000) == PDF_BYTES
    sent = cloud.send(payloads.media("+" + CUSTOMER, "document", media_id=media_id, filename="invoice.pdf"))
    assert SandboxMessage.objects.get(wamid=sent.wamid).type == "document"
    cloud.delete_media(media_id)
    with pytest.raises(CloudApiError) as raised:
        cloud.get_media(media_id)
    assert raised.value.code == 100
    assert runner.wait_idle(10)


def test_graph_errors_reach_the_client_with_their_codes(cloud):
    with pytest.raises(CloudApiError) as raised:
        cloud.send(payloads.template("+" + CUSTOMER, name="no_such_template", language="en_US"))
    assert raised.value.code == 132001
    assert raised.value.http_status == 400
    assert "no_such_template" in raised.value.details
    assert raised.value.trace_id


def test_the_agents_typing_shows_on_the_phone_until_the_reply(live, business, phone_send):
    """The product's typing indicator, through the sandbox: 'typing…' for 25 s, ended by the reply."""
    cache.clear()
    agent = AgentProfileFactory().user
    phone_send({"type": "text", "text": "Is anyone there?"})  # our webhook stores it, opens a conversation
    interaction = Interaction.objects.get()
    Interaction.objects.filter(pk=interaction.pk).update(owner=agent, state=Interaction.State.ACTIVE)
    chat = SandboxChat.objects.get()

    assert interaction_typing(user=agent, interaction_id=interaction.pk)
    chat.refresh_from_db()
    left = (chat.business_typing_until - timezone.now()).total_seconds()
    assert 20 < left <= 25  # "typing…" on the phone, as long as WhatsApp shows it
    assert chat.messages.get().business_read_at is not None  # and the blue ticks

    message_send(
        user=agent, interaction_id=interaction.pk, spec=OutboundSpec(type="text", body="Yes, hello!")
    )
    assert runner.wait_idle(10)
    chat.refresh_from_db()
    assert chat.business_typing_until is None  # the reply ended it
    assert interaction_typing(user=agent, interaction_id=interaction.pk)  # typing again shows it again
    chat.refresh_from_db()
    assert chat.business_typing_until is not None
    cache.clear()
