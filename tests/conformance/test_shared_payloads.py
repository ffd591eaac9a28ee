"""An extra conformance suite: the key checks again, on real payloads collected by the team.

The team keeps Cloud API payloads copied from Meta's documentation and from open-source
projects' test data in ``../shared/fixtures/whatsapp/`` (beside the repository, never in
it; its ``SOURCES.md`` says where each comes from). Where that folder exists (the team's
machines and CI), these tests check that the product reads them as the project's own
payloads (``tests/cloud_api.py``) are read: every inbound type, statuses, a template status
update, the send answer, error objects, and that no field of any shape breaks ingestion.
Elsewhere (a fresh clone on its own) the module is skipped, saying why.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from conversations.models import Attachment, Contact, Interaction, Message, Reaction, WebhookEvent
from templates_app.models import MessageTemplate
from tests.conftest import APP_SECRET
from tests.conversations.test_webhook_endpoint import WRONG_VALUES, _nodes, _replaced
from tests.factories import ChannelFactory, InteractionFactory, MessageFactory
from whatsapp.client import CloudApiClient, SendResult
from whatsapp.errors import PermanentError, RetryableError, error_from_webhook
from whatsapp.payloads import text

#: Override with ``WHATSAPP_CONFORMANCE_FIXTURES`` (a folder of ``*.json`` payloads).
SHARED_FIXTURES = Path(
    os.environ.get(
        "WHATSAPP_CONFORMANCE_FIXTURES",
        Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "whatsapp",
    )
)

if not SHARED_FIXTURES.is_dir():
    if os.environ.get("REQUIRE_CONFORMANCE") == "1":
        pytest.fail(f"REQUIRE_CONFORMANCE=1 but {SHARED_FIXTURES} is missing", pytrace=False)
    pytest.skip(
        "../shared/fixtures absent: the extra conformance suite runs only beside the team's shared folder",
        allow_module_level=True,
    )

pytestmark = pytest.mark.django_db


def shared(name: str) -> dict[str, Any]:
    return json.loads((SHARED_FIXTURES / name).read_text())


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


@pytest.fixture
def pywa_number(db):
    """The business number of the payloads taken from pywa's test data."""
    return ChannelFactory(
        phone_number_id="1122334455667", display_phone_number="972123456789", app_secret=APP_SECRET
    )


@pytest.fixture
def meta_docs_number(db):
    """The business number of the payloads taken from Meta's documentation."""
    return ChannelFactory(
        phone_number_id="106540352242922", display_phone_number="15550783881", app_secret=APP_SECRET
    )


@pytest.fixture
def ingest(post_webhook, pywa_number, meta_docs_number):
    def ingest(name: str) -> Message:
        response = post_webhook(shared(name))
        assert response.status_code == 200, response.content
        return Message.objects.get()

    return ingest


class TestInbound:
    def test_text_creates_the_contact_and_a_queued_interaction(self, ingest):
        message = ingest("inbound_text.json")
        contact = Contact.objects.get()
        assert (contact.wa_id, contact.user_id, contact.parent_user_id) == (
            "972987654321",
            "US.13491208655302741918",
            "US.ENT.11815799212886844830",
        )
        assert contact.profile_name == "Test Name"
        assert Interaction.objects.get().state == Interaction.State.QUEUED
        assert (message.type, message.wamid, message.body) == ("text", "wamid.xyzxyz", "Body Text")
        assert message.origination_at == at(1697043223)

    def test_reply_context_and_forwarded(self, post_webhook, pywa_number):
        post_webhook(shared("inbound_text_reply_context.json"))
        assert Message.objects.get().context_wamid == "wamid.xyzxyz=="
        Message.objects.all().delete()
        post_webhook(shared("inbound_text_forwarded.json"))
        assert Message.objects.get().forwarded is True

    def test_click_to_whatsapp_ad_referral(self, ingest):
        message = ingest("inbound_text_ctwa_referral.json")
        assert message.body == "Can I get more info about this?"
        assert message.referral["source_type"] == "ad"
        assert message.referral["ctwa_clid"].startswith("Aff-n8ZTODiE79d22")
        assert message.referral["welcome_message"] == {"text": "Hi there! Let us know how we can help!"}
        assert message.contact.profile_name == "Sheena Nelson"

    @pytest.mark.parametrize(
        "name, kind, media_id, mime_type",
        [
            ("inbound_image.json", "image", "65463453", "image/jpeg"),
            ("inbound_video.json", "video", "765756756", "video/mp4"),
            ("inbound_audio.json", "audio", "1234567890987654321", "audio/ogg; codecs=opus"),
            ("inbound_audio_voice.json", "audio", "1234567890987654321", "audio/ogg; codecs=opus"),
            ("inbound_document.json", "document", "1234567890987654321", "application/pdf"),
            ("inbound_sticker.json", "sticker", "1234567890987654321", "image/webp"),
        ],
    )
    def test_media_keeps_its_reference(self, ingest, name, kind, media_id, mime_type):
        message = ingest(name)
        assert message.type == kind
        attachment = message.attachment
        assert (attachment.media_id, attachment.mime_type) == (media_id, mime_type)
        assert attachment.state == Attachment.State.PENDING
        assert attachment.voice is (name == "inbound_audio_voice.json")
        assert "url" not in message.content

    def test_document_keeps_file_name_and_caption(self, ingest):
        message = ingest("inbound_document.json")
        assert (message.body, message.attachment.file_name) == ("caption", "filename.pdf")

    def test_location(self, ingest):
        message = ingest("inbound_location.json")
        assert (message.content["latitude"], message.content["longitude"]) == (37.4611978, -122.2164385)
        assert message.body == "Facebook HQ"

    def test_shared_contacts(self, ingest):
        message = ingest("inbound_contacts.json")
        assert message.body == "Chandler Bing, Monica, Rachel Green"
        assert message.content["contacts"][0]["phones"][0]["wa_id"] == "972987654321"

    def test_interactive_choices(self, ingest):
        button = ingest("inbound_interactive_button_reply.json")
        assert button.content == {
            "reply_type": "button_reply",
            "id": "change-button",
            "title": "Change",
            "description": "",
        }
        assert button.context_wamid == "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBJBM0Y4RUU0RUNFQkFDMjYzQUMA"

    def test_list_choice(self, ingest):
        message = ingest("inbound_interactive_list_reply.json")
        assert (message.content["id"], message.content["description"]) == (
            "priority_express",
            "Next Day to 2 Days",
        )

    def test_flow_reply(self, ingest):
        message = ingest("inbound_interactive_nfm_reply.json")
        assert message.content["response"]["flow_token"] == "AQAAAAACS5FpgQ_cAAAAAD0QI3s."
        assert message.body == "Sent"

    def test_template_quick_reply(self, post_webhook, pywa_number):
        template_message = MessageFactory(
            interaction=InteractionFactory(channel=pywa_number, contact__wa_id="972987654321"),
            direction=Message.Direction.OUTBOUND,
            type=Message.Type.TEMPLATE,
            wamid="wamid.xyzxyz==",
        )
        assert post_webhook(shared("inbound_button_template_reply.json")).status_code == 200
        message = Message.objects.get(wamid="wamid.xsidjw")
        assert message.content == {"payload": "callback_data", "text": "title"}
        assert message.interaction == template_message.interaction

    def test_order(self, ingest):
        message = ingest("inbound_order.json")
        items = message.content["product_items"]
        assert [i["product_retailer_id"] for i in items] == ["HAMBURGER", "FRENCH_FRIES", "SODA"]

    def test_unsupported_and_value_level_errors(self, post_webhook, pywa_number):
        post_webhook(shared("inbound_unsupported.json"))
        message = Message.objects.get()
        assert message.content == {"unsupported_type": "pool"}
        assert message.errors[0]["code"] == 131051
        Message.objects.all().delete()
        post_webhook(shared("inbound_value_level_errors.json"))
        assert Message.objects.get().content["unsupported_type"] == "interactive"
        assert any("131000" in flag for flag in WebhookEvent.objects.order_by("id").last().flags)

    def test_reaction_and_its_removal(self, post_webhook, pywa_number):
        target = MessageFactory(
            interaction=InteractionFactory(channel=pywa_number, contact__wa_id="972987654321"),
            direction=Message.Direction.OUTBOUND,
            wamid="wamid.yzxyzx=",
        )
        post_webhook(shared("inbound_reaction.json"))
        reaction = Reaction.objects.get()
        assert (reaction.target_wamid, reaction.emoji) == (target.wamid, "😮")
        post_webhook(shared("inbound_reaction_removed.json"))
        post_webhook(shared("inbound_reaction.json"))  # a redelivery does not bring it back
        assert Reaction.objects.get().emoji == ""

    def test_number_change(self, post_webhook, pywa_number):
        post_webhook(shared("inbound_text.json"))
        assert post_webhook(shared("inbound_system_user_changed_number.json")).status_code == 200
        contact = Contact.objects.get()
        assert contact.wa_id == "972912345678"
        assert contact.identifiers["previous_wa_ids"] == ["972987654321"]

    def test_a_redelivery_stores_nothing_new(self, post_webhook, pywa_number):
        post_webhook(shared("inbound_text.json"))
        post_webhook(shared("inbound_text.json"))
        assert Message.objects.count() == 1
        assert WebhookEvent.objects.order_by("id").last().summary == {"duplicates": 1}


class TestStatuses:
    @pytest.mark.parametrize(
        "name",
        [
            "status_sent.json",
            "status_delivered.json",
            "status_read.json",
            "status_played.json",
            "status_sent_pmp_marketing.json",
            "status_v24_minimal.json",
        ],
    )
    def test_every_status_applies(self, post_webhook, pywa_number, meta_docs_number, name):
        payload = shared(name)
        value = payload["entry"][0]["changes"][0]["value"]
        item = value["statuses"][0]
        number = pywa_number if value["metadata"]["phone_number_id"] == "1122334455667" else meta_docs_number
        message = MessageFactory(
            interaction=InteractionFactory(channel=number),
            direction=Message.Direction.OUTBOUND,
            wamid=item["id"],
            status=Message.Status.QUEUED,
        )
        assert post_webhook(payload).status_code == 200
        message.refresh_from_db()
        assert message.status == item["status"]
        assert getattr(message, f"{item['status']}_at") == at(int(item["timestamp"]))
        if "pricing" in item:
            assert message.pricing["pricing_model"] == item["pricing"]["pricing_model"]

    @pytest.mark.parametrize(
        "name, code",
        [("status_failed.json", 131049), ("status_failed_130472.json", 130472)],
    )
    def test_failures_keep_code_title_and_details(
        self, post_webhook, pywa_number, meta_docs_number, name, code
    ):
        payload = shared(name)
        value = payload["entry"][0]["changes"][0]["value"]
        item = value["statuses"][0]
        number = pywa_number if value["metadata"]["phone_number_id"] == "1122334455667" else meta_docs_number
        message = MessageFactory(
            interaction=InteractionFactory(channel=number),
            direction=Message.Direction.OUTBOUND,
            wamid=item["id"],
            status=Message.Status.SENT,
        )
        assert post_webhook(payload).status_code == 200
        message.refresh_from_db()
        assert (message.status, message.error_code) == (Message.Status.FAILED, code)
        assert message.error_title == item["errors"][0]["title"]
        assert message.error_details == item["errors"][0]["error_data"]["details"]


def test_template_status_update(post_webhook, pywa_number):
    pending = MessageTemplate.objects.create(
        name="order_confirmation", language="en_US", status=MessageTemplate.Status.PENDING, body="Hi {{1}}"
    )
    assert post_webhook(shared("template_status_update_approved.json")).status_code == 200
    pending.refresh_from_db()
    assert (pending.status, pending.status_reason) == (MessageTemplate.Status.APPROVED, "")


def test_send_answer_and_error_objects():
    answer = shared("send_message_response.json")
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=answer))
    with CloudApiClient(
        access_token="t", phone_number_id="1", base_url="https://graph.example.test", transport=transport
    ) as client:
        result = client.send(text("+16505551234", "Hello"))
    assert result == SendResult(
        wamid="wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA", wa_id="16505551234", raw=answer
    )
    failed = shared("status_failed.json")["entry"][0]["changes"][0]["value"]["statuses"][0]
    assert isinstance(error_from_webhook(failed["errors"][0]), PermanentError)
    value = shared("inbound_value_level_errors.json")["entry"][0]["changes"][0]["value"]
    assert isinstance(error_from_webhook(value["errors"][0]), RetryableError)


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in SHARED_FIXTURES.glob("*.json") if p.name.startswith(("inbound_", "status_"))),
)
def test_every_field_of_every_payload_may_be_of_any_shape(post_webhook, pywa_number, meta_docs_number, name):
    """The robustness check of ``test_webhook_endpoint`` over the collected payloads."""
    original = shared(name)
    value_path = ("entry", 0, "changes", 0, "value")
    value = original["entry"][0]["changes"][0]["value"]
    bodies = [
        _replaced(original, (*value_path, *path), wrong)
        for path, _ in _nodes(value)
        if path[0] != "metadata"
        for wrong in WRONG_VALUES
    ]
    for index, payload in enumerate(bodies):
        response = post_webhook(payload)
        assert response.status_code in (200, 400), (index, response.content)
        assert WebhookEvent.objects.count() == index + 1, "an acknowledged body was not stored"
    assert not any(
        flag.startswith("parse failed")
        for flags in WebhookEvent.objects.values_list("flags", flat=True)
        for flag in flags
    )
