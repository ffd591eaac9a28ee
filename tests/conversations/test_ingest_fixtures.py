"""P1: every inbound fixture of the Cloud API is stored as WhatsApp defines it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conversations.models import (
    Attachment,
    Contact,
    Interaction,
    Message,
    PendingRevision,
    Reaction,
    WebhookEvent,
)
from conversations.services.inbound import pending_revisions_resolve
from tests.conftest import load_fixture
from tests.factories import InteractionFactory, MessageFactory

pytestmark = pytest.mark.django_db


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def ingest(post_webhook, name: str) -> Message:
    response = post_webhook(load_fixture(name))
    assert response.status_code == 200, response.content
    return Message.objects.get()


class TestContactsAndInteractions:
    def test_first_message_creates_contact_and_queued_interaction(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_text.json")
        contact = Contact.objects.get()
        assert contact.wa_id == "972987654321"
        assert contact.user_id == "US.13491208655302741918"
        assert contact.parent_user_id == "US.ENT.11815799212886844830"
        assert contact.profile_name == "Test Name"
        assert contact.name == ""  # the contact database's name is ours, not WhatsApp's
        assert contact.display_name == "Customer …4321"
        interaction = Interaction.objects.get()
        assert interaction.state == Interaction.State.QUEUED
        assert interaction.channel == channel
        assert interaction.contact == contact
        assert message.interaction == interaction
        assert message.contact == contact

    def test_next_message_joins_the_open_interaction(self, post_webhook, channel):
        ingest(post_webhook, "inbound_text.json")
        later = load_fixture("inbound_text_forwarded.json")
        later["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = "wamid.later"
        assert post_webhook(later).status_code == 200
        interaction = Interaction.objects.get()
        assert list(interaction.messages.values_list("body", flat=True)) == ["Body Text", "forwarded text"]

    def test_profile_name_change_updates_profile_not_contact_name(self, post_webhook, channel):
        ingest(post_webhook, "inbound_text.json")
        Contact.objects.update(name="Dana from CRM")
        payload = load_fixture("inbound_text.json")
        value = payload["entry"][0]["changes"][0]["value"]
        value["contacts"][0]["profile"]["name"] = "Dana 🌻"
        value["messages"][0]["id"] = "wamid.second"
        assert post_webhook(payload).status_code == 200
        contact = Contact.objects.get()
        assert contact.profile_name == "Dana 🌻"
        assert contact.name == "Dana from CRM"
        assert contact.display_name == "Dana from CRM"

    def test_closed_interaction_is_not_reused(self, post_webhook, channel):
        ingest(post_webhook, "inbound_text.json")
        Interaction.objects.update(state=Interaction.State.CLOSED)
        payload = load_fixture("inbound_text.json")
        payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = "wamid.after-done"
        assert post_webhook(payload).status_code == 200
        assert Interaction.objects.count() == 2
        assert Interaction.objects.filter(state=Interaction.State.QUEUED).count() == 1

    def test_sender_known_only_by_business_scoped_id(self, post_webhook, channel):
        payload = load_fixture("inbound_text.json")
        value = payload["entry"][0]["changes"][0]["value"]
        del value["contacts"][0]["wa_id"]
        message = value["messages"][0]
        del message["from"]
        message["from_user_id"] = "US.13491208655302741918"
        assert post_webhook(payload).status_code == 200
        contact = Contact.objects.get()
        assert contact.wa_id is None
        assert contact.user_id == "US.13491208655302741918"
        assert Message.objects.get().contact == contact


class TestText:
    def test_text_keeps_body_and_both_times(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_text.json")
        assert message.type == Message.Type.TEXT
        assert message.direction == Message.Direction.INBOUND
        assert message.wamid == "wamid.xyzxyz"
        assert message.body == "Body Text"
        assert message.origination_at == at(1697043223)
        assert message.arrived_at > message.origination_at  # our arrival time, not WhatsApp's
        assert message.status == Message.Status.RECEIVED

    def test_reply_context_keeps_the_quoted_message(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_text_reply_context.json")
        assert message.body == "replied text"
        assert message.context_wamid == "wamid.xyzxyz=="
        assert not message.forwarded

    def test_forwarded_flag(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_text_forwarded.json")
        assert message.forwarded is True
        assert message.frequently_forwarded is False
        assert message.body == "forwarded text"

    def test_frequently_forwarded_flag(self, post_webhook, channel):
        payload = load_fixture("inbound_text_forwarded.json")
        payload["entry"][0]["changes"][0]["value"]["messages"][0]["context"] = {"frequently_forwarded": True}
        assert post_webhook(payload).status_code == 200
        assert Message.objects.get().frequently_forwarded is True

    def test_click_to_whatsapp_ad_referral(self, post_webhook, status_channel):
        message = ingest(post_webhook, "inbound_text_ctwa_referral.json")
        assert message.body == "Can I get more info about this?"
        assert message.referral["source_type"] == "ad"
        assert message.referral["headline"] == "Chat with us"
        assert message.referral["ctwa_clid"].startswith("Aff-n8ZTODiE79d22")
        assert message.referral["welcome_message"] == {"text": "Hi there! Let us know how we can help!"}
        assert message.contact.profile_name == "Sheena Nelson"


class TestMedia:
    def test_image_keeps_media_reference(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_image.json")
        assert message.type == Message.Type.IMAGE
        attachment = message.attachment
        assert attachment.kind == "image"
        assert attachment.media_id == "65463453"
        assert attachment.mime_type == "image/jpeg"
        assert attachment.sha256 == "4654+8g="
        assert attachment.state == Attachment.State.PENDING
        assert "url" not in message.content  # the 5-minute URL is refreshed at download time

    def test_video_with_caption(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_video.json")
        assert message.type == Message.Type.VIDEO
        assert message.body == "caption"
        assert message.forwarded is True
        assert message.attachment.media_id == "765756756"
        assert message.attachment.mime_type == "video/mp4"

    def test_audio_file_is_not_a_voice_note(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_audio.json")
        assert message.type == Message.Type.AUDIO
        assert message.attachment.voice is False
        assert message.attachment.mime_type == "audio/ogg; codecs=opus"

    def test_voice_note_flag(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_audio_voice.json")
        assert message.attachment.voice is True
        assert message.attachment.sha256 == "m04pFf2ERdaopTyFkGPA0+bX3i+YY2dYgVFwOgDLSDI="

    def test_document_keeps_file_name_and_caption(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_document.json")
        assert message.type == Message.Type.DOCUMENT
        assert message.body == "caption"
        assert message.attachment.file_name == "filename.pdf"
        assert message.attachment.mime_type == "application/pdf"

    def test_sticker(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_sticker.json")
        assert message.type == Message.Type.STICKER
        assert message.attachment.mime_type == "image/webp"
        assert message.attachment.animated is False


class TestStructured:
    def test_location_with_place(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_location.json")
        assert message.type == Message.Type.LOCATION
        assert message.content["latitude"] == 37.4611978
        assert message.content["longitude"] == -122.2164385
        assert message.content["name"] == "Facebook HQ"
        assert message.content["address"] == "1 Hacker Way, Menlo Park, CA 94025"
        assert message.content["url"] == "https://maps.google.com/?cid=2000000000000000000"
        assert message.body == "Facebook HQ"

    def test_shared_contacts(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_contacts.json")
        assert message.type == Message.Type.CONTACTS
        cards = message.content["contacts"]
        assert [c["name"]["formatted_name"] for c in cards] == ["Chandler Bing", "Monica", "Rachel Green"]
        assert cards[0]["phones"][0] == {"phone": "+1 555-555-5555", "wa_id": "972987654321", "type": "CELL"}
        assert message.body == "Chandler Bing, Monica, Rachel Green"

    def test_reply_button_choice_keeps_id_and_title(self, post_webhook, status_channel):
        message = ingest(post_webhook, "inbound_interactive_button_reply.json")
        assert message.type == Message.Type.INTERACTIVE
        assert message.content == {
            "reply_type": "button_reply",
            "id": "change-button",
            "title": "Change",
            "description": "",
        }
        assert message.body == "Change"
        assert message.context_wamid == "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBJBM0Y4RUU0RUNFQkFDMjYzQUMA"

    def test_list_choice_keeps_description(self, post_webhook, status_channel):
        message = ingest(post_webhook, "inbound_interactive_list_reply.json")
        assert message.content["reply_type"] == "list_reply"
        assert message.content["id"] == "priority_express"
        assert message.content["title"] == "Priority Mail Express"
        assert message.content["description"] == "Next Day to 2 Days"

    def test_flow_reply_is_parsed_from_its_json_string(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_interactive_nfm_reply.json")
        assert message.content["reply_type"] == "nfm_reply"
        assert message.content["name"] == "flow"
        assert message.content["response"]["comment_text"] == "Comment Text"
        assert message.content["response"]["flow_token"] == "AQAAAAACS5FpgQ_cAAAAAD0QI3s."
        assert message.body == "Sent"

    def test_template_quick_reply_keeps_payload_text_and_template(self, post_webhook, channel):
        template_message = MessageFactory(
            interaction=InteractionFactory(channel=channel, contact__wa_id="972987654321"),
            direction=Message.Direction.OUTBOUND,
            type=Message.Type.TEMPLATE,
            wamid="wamid.xyzxyz==",
            status=Message.Status.READ,
        )
        response = post_webhook(load_fixture("inbound_button_template_reply.json"))
        assert response.status_code == 200
        message = Message.objects.get(wamid="wamid.xsidjw")
        assert message.type == Message.Type.BUTTON
        assert message.content == {"payload": "callback_data", "text": "title"}
        assert message.body == "title"
        assert message.context_wamid == template_message.wamid
        assert message.interaction == template_message.interaction

    def test_order(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_order.json")
        assert message.type == Message.Type.ORDER
        assert message.content["catalog_id"] == "354160437058781"
        items = message.content["product_items"]
        assert [i["product_retailer_id"] for i in items] == ["HAMBURGER", "FRENCH_FRIES", "SODA"]
        assert items[0]["item_price"] == 30
        assert message.body == ""

    def test_unsupported_keeps_its_error(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_unsupported.json")
        assert message.type == Message.Type.UNSUPPORTED
        assert message.content == {"unsupported_type": "pool"}
        assert message.errors[0]["code"] == 131051
        assert message.errors[0]["error_data"]["details"] == "Message type is currently not supported."

    def test_message_without_content_and_value_errors(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_value_level_errors.json")
        assert message.type == Message.Type.UNSUPPORTED
        assert message.content["unsupported_type"] == "interactive"
        assert message.errors[0]["code"] == 131000
        event = WebhookEvent.objects.get()
        assert any("131000" in flag for flag in event.flags)

    def test_unknown_type_is_stored_as_unsupported(self, post_webhook, channel):
        payload = load_fixture("inbound_text.json")
        message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
        message["type"] = "hologram"
        message["hologram"] = {"depth": 3}
        message["some_new_field"] = True
        assert post_webhook(payload).status_code == 200
        stored = Message.objects.get()
        assert stored.type == Message.Type.UNSUPPORTED
        assert stored.content == {"unsupported_type": "hologram", "raw": {"depth": 3}}

    def test_request_welcome(self, post_webhook, channel):
        payload = load_fixture("inbound_text.json")
        message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
        del message["text"]
        message["type"] = "request_welcome"
        assert post_webhook(payload).status_code == 200
        assert Message.objects.get().type == Message.Type.REQUEST_WELCOME


class TestReactions:
    def _our_message(self, channel):
        return MessageFactory(
            interaction=InteractionFactory(channel=channel, contact__wa_id="972987654321"),
            direction=Message.Direction.OUTBOUND,
            wamid="wamid.yzxyzx=",
        )

    def test_reaction_is_attached_to_the_message_it_reacts_to(self, post_webhook, channel):
        target = self._our_message(channel)
        assert post_webhook(load_fixture("inbound_reaction.json")).status_code == 200
        reaction = Reaction.objects.get()
        assert reaction.target_wamid == target.wamid
        assert reaction.emoji == "😮"
        assert reaction.direction == Message.Direction.INBOUND
        assert reaction.reacted_at == at(1697044456)
        assert Message.objects.count() == 1  # a reaction is not a transcript line

    def test_removal_clears_the_reaction(self, post_webhook, channel):
        self._our_message(channel)
        post_webhook(load_fixture("inbound_reaction.json"))
        assert post_webhook(load_fixture("inbound_reaction_removed.json")).status_code == 200
        assert Reaction.objects.get().emoji == ""

    def test_an_older_reaction_does_not_override_a_newer_one(self, post_webhook, channel):
        self._our_message(channel)
        newer = load_fixture("inbound_reaction.json")
        newer["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = "1697050000"
        post_webhook(newer)
        post_webhook(load_fixture("inbound_reaction_removed.json"))  # older removal
        assert Reaction.objects.get().emoji == "😮"

    def test_a_redelivered_reaction_does_not_bring_back_its_removal(self, post_webhook, channel):
        self._our_message(channel)
        post_webhook(load_fixture("inbound_reaction.json"))
        post_webhook(load_fixture("inbound_reaction_removed.json"))
        post_webhook(load_fixture("inbound_reaction.json"))  # Meta retries the first delivery
        assert Reaction.objects.get().emoji == ""


class TestSystem:
    def test_number_change_moves_the_contact_to_its_new_number(self, post_webhook, channel):
        ingest(post_webhook, "inbound_text.json")
        assert post_webhook(load_fixture("inbound_system_user_changed_number.json")).status_code == 200
        contact = Contact.objects.get()
        assert contact.wa_id == "972912345678"
        assert contact.phone == "+972912345678"
        assert contact.identifiers["previous_wa_ids"] == ["972987654321"]
        notice = Message.objects.get(type=Message.Type.SYSTEM)
        assert notice.body == "User A changed from 972987654321 to 972912345678"
        assert notice.interaction == Interaction.objects.get()

    def test_number_change_replay_changes_nothing(self, post_webhook, channel):
        ingest(post_webhook, "inbound_text.json")
        post_webhook(load_fixture("inbound_system_user_changed_number.json"))
        post_webhook(load_fixture("inbound_system_user_changed_number.json"))
        contact = Contact.objects.get()
        assert contact.identifiers["previous_wa_ids"] == ["972987654321"]
        assert Message.objects.filter(type=Message.Type.SYSTEM).count() == 1

    def test_number_change_of_an_unknown_sender_starts_the_contact_on_the_new_number(
        self, post_webhook, channel
    ):
        assert post_webhook(load_fixture("inbound_system_user_changed_number.json")).status_code == 200
        contact = Contact.objects.get()
        assert contact.wa_id == "972912345678"
        assert contact.identifiers["previous_wa_ids"] == ["972987654321"]
        assert not Interaction.objects.exists()  # a notice alone is not a conversation to offer
        assert not Message.objects.exists()

    def test_number_change_after_a_message_of_the_same_post(self, post_webhook, channel):
        payload = load_fixture("inbound_text.json")
        change = load_fixture("inbound_system_user_changed_number.json")["entry"][0]["changes"][0]["value"]
        # WhatsApp may batch them in any order: the notice first, then the last text.
        payload["entry"][0]["changes"][0]["value"]["messages"][:0] = change["messages"]
        assert post_webhook(payload).status_code == 200
        contact = Contact.objects.get()
        assert contact.wa_id == "972912345678"
        assert contact.identifiers["previous_wa_ids"] == ["972987654321"]
        interaction = Interaction.objects.get()
        assert set(interaction.messages.values_list("type", flat=True)) == {"text", "system"}


class TestRevokeAndEdit:
    def _original(self, post_webhook):
        payload = load_fixture("inbound_text.json")
        assert post_webhook(payload).status_code == 200
        return Message.objects.get()

    def _event(self, kind: str, content: dict) -> dict:
        payload = load_fixture("inbound_text.json")
        message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
        del message["text"]
        message.update({"id": f"wamid.{kind}", "type": kind, kind: content, "timestamp": "1697043300"})
        return payload

    def test_revoke_marks_the_original_deleted(self, post_webhook, channel):
        original = self._original(post_webhook)
        post_webhook(self._event("revoke", {"original_message_id": original.wamid}))
        original.refresh_from_db()
        assert original.revoked_at == at(1697043300)

    def test_edit_replaces_the_text_and_keeps_the_previous_one(self, post_webhook, channel):
        original = self._original(post_webhook)
        edit = {
            "original_message_id": original.wamid,
            "message": {"type": "text", "text": {"body": "Body Text v2"}},
        }
        post_webhook(self._event("edit", edit))
        original.refresh_from_db()
        assert original.body == "Body Text v2"
        assert original.content["previous_bodies"] == ["Body Text"]
        assert original.edited_at == at(1697043300)

    def test_revoke_neither_asks_for_a_reply_nor_reopens_a_done_conversation(self, post_webhook, channel):
        original = self._original(post_webhook)
        Interaction.objects.update(
            state=Interaction.State.CLOSED, closed_at=at(1697043250), awaiting_reply_since=None
        )
        assert post_webhook(self._event("revoke", {"original_message_id": original.wamid})).status_code == 200
        original.refresh_from_db()
        assert original.revoked_at == at(1697043300)
        interaction = Interaction.objects.get()  # no new conversation was opened
        assert interaction.awaiting_reply_since is None
        record = Message.objects.get(type=Message.Type.REVOKE)
        assert record.interaction == interaction  # kept for the record, beside its original

    def test_edit_that_overtakes_its_original_is_applied_when_the_original_arrives(
        self, post_webhook, channel
    ):
        edit = {
            "original_message_id": "wamid.xyzxyz",
            "message": {"type": "text", "text": {"body": "Body Text v2"}},
        }
        payload = self._event("edit", edit)
        payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = "wamid.the-edit"
        assert post_webhook(payload).status_code == 200
        assert PendingRevision.objects.get().original_wamid == edit["original_message_id"]
        assert not Interaction.objects.exists()

        original = self._original(post_webhook)
        assert original.wamid == edit["original_message_id"]
        assert pending_revisions_resolve() == 1
        original.refresh_from_db()
        assert original.body == "Body Text v2"
        assert original.content["previous_bodies"] == ["Body Text"]
        assert not PendingRevision.objects.exists()
        assert pending_revisions_resolve() == 0

    def test_a_redelivered_edit_changes_nothing(self, post_webhook, channel):
        original = self._original(post_webhook)
        edit = {"original_message_id": original.wamid, "message": {"type": "text", "text": {"body": "v2"}}}
        post_webhook(self._event("edit", edit))
        post_webhook(self._event("edit", edit))
        original.refresh_from_db()
        assert original.content["previous_bodies"] == ["Body Text"]
        assert Message.objects.filter(type=Message.Type.EDIT).count() == 1
