"""G4: business-app coexistence. Messages the business sends from the WhatsApp Business
app on the same number arrive as echoes (``smb_message_echoes``): they join the right
conversation's transcript marked "from the business app", count as the business's reply
for the pending-response indicator (the 24-hour window follows only the customer), and a
redelivered echo changes nothing."""

from __future__ import annotations

import pytest

from conversations.models import Interaction, Message, WebhookEvent
from conversations.payloads.messages import message_payload
from tests import cloud_api as wa
from tests.cloud_api import payload

pytestmark = pytest.mark.django_db


def test_an_echo_joins_the_conversation_as_the_business_app(post_webhook, channel):
    post_webhook(payload("inbound_text"))
    interaction = Interaction.objects.get()
    assert interaction.awaiting_reply_since is not None
    window = interaction.window_expires_at

    assert post_webhook(payload("smb_message_echo_text")).status_code == 200
    echo = Message.objects.get(wamid=wa.OUR_APP_ANSWER)
    assert (echo.direction, echo.type, echo.body) == ("out", "text", "Hi Lena, I'm checking 4471 now")
    assert echo.from_business_app and echo.author_id is None and echo.interaction_id == interaction.pk
    assert message_payload(echo)["from_business_app"] is True
    interaction.refresh_from_db()
    assert interaction.awaiting_reply_since is None  # W5: answered
    assert interaction.window_expires_at == window  # O1: only the customer's messages move it
    assert interaction.last_outbound_at.timestamp() == wa.T0 + 60
    assert WebhookEvent.objects.latest("pk").summary == {"echoes": 1}


def test_a_redelivered_echo_changes_nothing(post_webhook, channel):
    post_webhook(payload("inbound_text"))
    post_webhook(payload("smb_message_echo_text"))
    post_webhook(payload("smb_message_echo_text"))
    assert Message.objects.filter(from_business_app=True).count() == 1
    assert WebhookEvent.objects.latest("pk").summary == {"duplicates": 1}


def test_an_echo_older_than_the_customer_s_last_message_leaves_the_indicator_on(post_webhook, channel):
    post_webhook(payload("inbound_text_reply_context"))  # T0 + 120
    post_webhook(payload("smb_message_echo_text"))  # T0 + 60
    assert Interaction.objects.get().awaiting_reply_since is not None


def test_an_echo_to_a_customer_without_a_conversation_is_kept_in_the_event(post_webhook, channel):
    assert post_webhook(payload("smb_message_echo_text")).status_code == 200
    assert not Message.objects.exists() and not Interaction.objects.exists()
    assert any("no conversation" in flag for flag in WebhookEvent.objects.get().flags)


def test_an_echo_by_bsuid_only_finds_the_customer(post_webhook, channel):
    post_webhook(payload("inbound_text_bsuid_only"))
    body = wa.message_echoes(
        wa.echo(wa.MAYA, "text", {"body": "Yes, on Saturdays too"}, id="wamid.app-maya", timestamp=wa.T0 + 30)
    )
    post_webhook(body)
    assert Message.objects.get(wamid="wamid.app-maya").from_business_app


def test_a_wrong_shape_is_stored_and_flagged(post_webhook, channel):
    post_webhook(payload("inbound_text"))
    body = payload("smb_message_echo_text")
    body["entry"][0]["changes"][0]["value"]["message_echoes"] = "hello"
    assert post_webhook(body).status_code == 200
    event = WebhookEvent.objects.latest("pk")
    assert event.state == "processed" and any("not a list" in flag for flag in event.flags)
    assert not Message.objects.filter(from_business_app=True).exists()
