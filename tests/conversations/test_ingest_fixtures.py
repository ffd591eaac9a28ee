"""P1: every inbound message type of the Cloud API is stored as WhatsApp defines it."""

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
from tests import cloud_api as wa
from tests.cloud_api import LENA, payload
from tests.factories import InteractionFactory, MessageFactory

pytestmark = pytest.mark.django_db


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def ingest(post_webhook, name: str) -> Message:
    response = post_webhook(payload(name))
    assert response.status_code == 200, response.content
    return Message.objects.get()


class TestContactsAndInteractions:
    def test_first_message_creates_contact_and_queued_interaction(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_text")
        contact = Contact.objects.get()
        assert contact.wa_id == "4917612345678"
        assert contact.user_id == "DE.8830216645190277"
        assert contact.parent_user_id == "DE.ENT.4409128837716502"
        assert contact.profile_name == "Lena Vogel"
        assert contact.name == ""  # the contact database's name is ours, not WhatsApp's
        # U2: the profile name is shown (with the number's last digits) until the CRM names her
        assert contact.display_name == "Lena Vogel …5678"
        interaction = Interaction.objects.get()
        assert interaction.state == Interaction.State.QUEUED
        assert interaction.channel == channel
        assert interaction.contact == contact
        assert message.interaction == interaction
        assert message.contact == contact

    def test_next_message_joins_the_open_interaction(self, post_webhook, channel):
        ingest(post_webhook, "inbound_text")
        later = payload("inbound_text_forwarded")
        later["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = "wamid.later"
        assert post_webhook(later).status_code == 200
        interaction = Interaction.objects.get()
        assert list(interaction.messages.values_list("body", flat=True)) == [
            "Hello, my parcel 4471 has not arrived yet",
            "Forwarded: your parcel is on its way",
        ]

    def test_profile_name_change_updates_profile_not_contact_name(self, post_webhook, channel):
        ingest(post_webhook, "inbound_text")
        Contact.objects.update(name="Dana from CRM")
        body = payload("inbound_text")
        value = body["entry"][0]["changes"][0]["value"]
        value["contacts"][0]["profile"]["name"] = "Dana 🌻"
        value["messages"][0]["id"] = "wamid.second"
        assert post_webhook(body).status_code == 200
        contact = Contact.objects.get()
        assert contact.profile_name == "Dana 🌻"
        assert contact.name == "Dana from CRM"
        assert contact.display_name == "Dana from CRM"

    def test_closed_interaction_is_not_reused(self, post_webhook, channel):
        ingest(post_webhook, "inbound_text")
        Interaction.objects.update(state=Interaction.State.CLOSED)
        body = payload("inbound_text")
        body["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = "wamid.after-done"
        assert post_webhook(body).status_code == 200
        assert Interaction.objects.count() == 2
        assert Interaction.objects.filter(state=Interaction.State.QUEUED).count() == 1

    def test_sender_known_only_by_business_scoped_id(self, post_webhook, channel):
        body = payload("inbound_text_bsuid_only")
        sender = body["entry"][0]["changes"][0]["value"]["messages"][0]
        assert "from" not in sender  # a customer with a username: no phone number
        assert post_webhook(body).status_code == 200
        contact = Contact.objects.get()
        assert contact.wa_id is None
        assert contact.user_id == "GB.6612093377015482"
        assert contact.username == "maya.bakes"
        assert Message.objects.get().contact == contact


class TestText:
    def test_text_keeps_body_and_both_times(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_text")
        assert message.type == Message.Type.TEXT
        assert message.direction == Message.Direction.INBOUND
        assert message.wamid == wa.LENA_TEXT
        assert message.body == "Hello, my parcel 4471 has not arrived yet"
        assert message.origination_at == at(1772530200)
        assert message.arrived_at > message.origination_at  # our arrival time, not WhatsApp's
        assert message.status == Message.Status.RECEIVED

    def test_reply_context_keeps_the_quoted_message(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_text_reply_context")
        assert message.body == "Yes, Hauptstraße 5 is right"
        assert message.context_wamid == wa.OUR_ANSWER
        assert not message.forwarded

    def test_forwarded_flag(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_text_forwarded")
        assert message.forwarded is True
        assert message.frequently_forwarded is False
        assert message.body == "Forwarded: your parcel is on its way"

    def test_frequently_forwarded_flag(self, post_webhook, channel):
        body = payload("inbound_text_forwarded")
        body["entry"][0]["changes"][0]["value"]["messages"][0]["context"] = {"frequently_forwarded": True}
        assert post_webhook(body).status_code == 200
        assert Message.objects.get().frequently_forwarded is True

    def test_click_to_whatsapp_ad_referral(self, post_webhook, sales_channel):
        message = ingest(post_webhook, "inbound_text_ctwa_referral")
        assert message.body == "Is the 54 cm frame still available?"
        assert message.channel == sales_channel
        assert message.referral["source_type"] == "ad"
        assert message.referral["headline"] == "Ask us about frame sizes"
        assert message.referral["ctwa_clid"].startswith("ARAkLm3tQ9")
        assert message.referral["welcome_message"] == {"text": "Hi! Which bike caught your eye?"}
        assert message.contact.profile_name == "Rafael Costa"


class TestMedia:
    def test_image_keeps_media_reference(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_image")
        assert message.type == Message.Type.IMAGE
        attachment = message.attachment
        assert attachment.kind == "image"
        assert attachment.media_id == "1498302716554210"
        assert attachment.mime_type == "image/jpeg"
        assert attachment.sha256 == "CG1WLC1wxH/fKc+lgPl5UFRZQZGfbmqfXXaZsB1vXMM="
        assert message.body == "The box arrived like this"
        assert attachment.state == Attachment.State.PENDING
        assert "url" not in message.content  # the 5-minute URL is refreshed at download time

    def test_video_with_caption(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_video")
        assert message.type == Message.Type.VIDEO
        assert message.body == "Unboxing: the bell is missing"
        assert message.forwarded is True
        assert message.attachment.media_id == "1498302716554211"
        assert message.attachment.mime_type == "video/mp4"

    def test_audio_file_is_not_a_voice_note(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_audio")
        assert message.type == Message.Type.AUDIO
        assert message.attachment.voice is False
        assert message.attachment.mime_type == "audio/mpeg"

    def test_voice_note_flag(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_audio_voice")
        assert message.attachment.voice is True
        assert message.attachment.mime_type == "audio/ogg; codecs=opus"
        assert message.attachment.sha256 == "FERxG50Om8wlUC8mxX85zwNPHf3YsgM0WDEMS1UrMO8="

    def test_document_keeps_file_name_and_caption(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_document")
        assert message.type == Message.Type.DOCUMENT
        assert message.body == "The delivery note"
        assert message.attachment.file_name == "Lieferschein_März.pdf"
        assert message.attachment.mime_type == "application/pdf"

    def test_sticker(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_sticker")
        assert message.type == Message.Type.STICKER
        assert message.attachment.mime_type == "image/webp"
        assert message.attachment.animated is False


class TestStructured:
    def test_location_with_place(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_location")
        assert message.type == Message.Type.LOCATION
        assert message.content["latitude"] == 52.5219184
        assert message.content["longitude"] == 13.4132147
        assert message.content["name"] == "Packstation 142"
        assert message.content["address"] == "Alexanderplatz 1, 10178 Berlin"
        assert message.content["url"] == "https://www.openstreetmap.org/?mlat=52.5219184&mlon=13.4132147"
        assert message.body == "Packstation 142"

    def test_shared_contacts(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_contacts")
        assert message.type == Message.Type.CONTACTS
        cards = message.content["contacts"]
        assert [c["name"]["formatted_name"] for c in cards] == ["Jonas Becker", "Mia", "Sofia Rossi"]
        assert cards[0]["phones"][0] == {
            "phone": "+49 151 23456789",
            "wa_id": "4915123456789",
            "type": "CELL",
        }
        assert cards[2]["org"] == {"company": "Rossi Bikes"}
        assert message.body == "Jonas Becker, Mia, Sofia Rossi"

    def test_reply_button_choice_keeps_id_and_title(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_interactive_button_reply")
        assert message.type == Message.Type.INTERACTIVE
        assert message.content == {
            "reply_type": "button_reply",
            "id": "reschedule-delivery",
            "title": "Reschedule",
            "description": "",
        }
        assert message.body == "Reschedule"
        assert message.context_wamid == wa.OUR_BUTTONS

    def test_list_choice_keeps_description(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_interactive_list_reply")
        assert message.content["reply_type"] == "list_reply"
        assert message.content["id"] == "slot-tue-am"
        assert message.content["title"] == "Tuesday morning"
        assert message.content["description"] == "08:00-12:00 at your door"
        assert message.context_wamid == wa.OUR_LIST

    def test_flow_reply_is_parsed_from_its_json_string(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_interactive_nfm_reply")
        assert message.content["reply_type"] == "nfm_reply"
        assert message.content["name"] == "flow"
        assert message.content["response"]["comment"] == "The helmet is too small"
        assert message.content["response"]["flow_token"] == "return-4471-7f3a"
        assert message.body == "Sent"

    def test_template_quick_reply_keeps_payload_text_and_template(self, post_webhook, channel):
        template_message = MessageFactory(
            interaction=InteractionFactory(channel=channel, contact__wa_id=LENA.wa_id),
            direction=Message.Direction.OUTBOUND,
            type=Message.Type.TEMPLATE,
            wamid=wa.OUR_TEMPLATE,
            status=Message.Status.READ,
        )
        response = post_webhook(payload("inbound_button_template_reply"))
        assert response.status_code == 200
        message = Message.objects.get(wamid=wa.LENA_TEMPLATE_TAP)
        assert message.type == Message.Type.BUTTON
        assert message.content == {"payload": "TRACK_4471", "text": "Track my parcel"}
        assert message.body == "Track my parcel"
        assert message.context_wamid == template_message.wamid
        assert message.interaction == template_message.interaction

    def test_order(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_order")
        assert message.type == Message.Type.ORDER
        assert message.content["catalog_id"] == "730418265903741"
        items = message.content["product_items"]
        assert [i["product_retailer_id"] for i in items] == ["BELL-CLASSIC", "LOCK-U-180", "HELMET-M"]
        assert items[0]["item_price"] == 7.5  # prices may be decimals
        assert items[1]["currency"] == "EUR"
        assert message.body == ""

    def test_unsupported_keeps_its_error(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_unsupported")
        assert message.type == Message.Type.UNSUPPORTED
        assert message.content == {"unsupported_type": "poll_update"}
        assert message.errors[0]["code"] == 131051
        assert message.errors[0]["error_data"]["details"] == "Message type is currently not supported."

    def test_message_without_content_and_value_errors(self, post_webhook, channel):
        message = ingest(post_webhook, "inbound_value_level_errors")
        assert message.type == Message.Type.UNSUPPORTED
        assert message.content["unsupported_type"] == "interactive"
        assert message.errors[0]["code"] == 131000
        event = WebhookEvent.objects.get()
        assert any("131000" in flag for flag in event.flags)

    def test_unknown_type_is_stored_as_unsupported(self, post_webhook, channel):
        body = payload("inbound_text")
        message = body["entry"][0]["changes"][0]["value"]["messages"][0]
        message["type"] = "hologram"
        message["hologram"] = {"depth": 3}
        message["some_new_field"] = True
        assert post_webhook(body).status_code == 200
        stored = Message.objects.get()
        assert stored.type == Message.Type.UNSUPPORTED
        assert stored.content == {"unsupported_type": "hologram", "raw": {"depth": 3}}

    def test_request_welcome(self, post_webhook, channel):
        assert post_webhook(payload("inbound_request_welcome")).status_code == 200
        assert Message.objects.get().type == Message.Type.REQUEST_WELCOME


class TestReactions:
    def _our_message(self, channel):
        return MessageFactory(
            interaction=InteractionFactory(channel=channel, contact__wa_id=LENA.wa_id),
            direction=Message.Direction.OUTBOUND,
            wamid=wa.OUR_ANSWER,
        )

    def test_reaction_is_attached_to_the_message_it_reacts_to(self, post_webhook, channel):
        target = self._our_message(channel)
        assert post_webhook(payload("inbound_reaction")).status_code == 200
        reaction = Reaction.objects.get()
        assert reaction.target_wamid == target.wamid
        assert reaction.emoji == "👍"
        assert reaction.direction == Message.Direction.INBOUND
        assert reaction.reacted_at == at(1772530800)
        assert Message.objects.count() == 1  # a reaction is not a transcript line

    def test_removal_clears_the_reaction(self, post_webhook, channel):
        self._our_message(channel)
        post_webhook(payload("inbound_reaction"))
        assert post_webhook(payload("inbound_reaction_removed")).status_code == 200
        assert Reaction.objects.get().emoji == ""

    def test_an_older_reaction_does_not_override_a_newer_one(self, post_webhook, channel):
        self._our_message(channel)
        newer = payload("inbound_reaction")
        newer["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = "1772540000"
        post_webhook(newer)
        post_webhook(payload("inbound_reaction_removed"))  # older removal
        assert Reaction.objects.get().emoji == "👍"

    def test_a_redelivered_reaction_does_not_bring_back_its_removal(self, post_webhook, channel):
        self._our_message(channel)
        post_webhook(payload("inbound_reaction"))
        post_webhook(payload("inbound_reaction_removed"))
        post_webhook(payload("inbound_reaction"))  # Meta retries the first delivery
        assert Reaction.objects.get().emoji == ""


class TestSystem:
    def test_number_change_moves_the_contact_to_its_new_number(self, post_webhook, channel):
        ingest(post_webhook, "inbound_text")
        assert post_webhook(payload("inbound_system_user_changed_number")).status_code == 200
        contact = Contact.objects.get()
        assert contact.wa_id == "4915790001122"
        assert contact.phone == "+4915790001122"
        assert contact.identifiers["previous_wa_ids"] == ["4917612345678"]
        notice = Message.objects.get(type=Message.Type.SYSTEM)
        assert notice.body == "Lena Vogel changed from 4917612345678 to 4915790001122"
        assert notice.interaction == Interaction.objects.get()

    def test_number_change_replay_changes_nothing(self, post_webhook, channel):
        ingest(post_webhook, "inbound_text")
        post_webhook(payload("inbound_system_user_changed_number"))
        post_webhook(payload("inbound_system_user_changed_number"))
        contact = Contact.objects.get()
        assert contact.identifiers["previous_wa_ids"] == ["4917612345678"]
        assert Message.objects.filter(type=Message.Type.SYSTEM).count() == 1

    def test_number_change_of_an_unknown_sender_starts_the_contact_on_the_new_number(
        self, post_webhook, channel
    ):
        assert post_webhook(payload("inbound_system_user_changed_number")).status_code == 200
        contact = Contact.objects.get()
        assert contact.wa_id == "4915790001122"
        assert contact.identifiers["previous_wa_ids"] == ["4917612345678"]
        assert not Interaction.objects.exists()  # a notice alone is not a conversation to offer
        assert not Message.objects.exists()

    def test_number_change_after_a_message_of_the_same_post(self, post_webhook, channel):
        body = payload("inbound_text")
        change = payload("inbound_system_user_changed_number")["entry"][0]["changes"][0]["value"]
        # WhatsApp may batch them in any order: the notice first, then the last text.
        body["entry"][0]["changes"][0]["value"]["messages"][:0] = change["messages"]
        assert post_webhook(body).status_code == 200
        contact = Contact.objects.get()
        assert contact.wa_id == "4915790001122"
        assert contact.identifiers["previous_wa_ids"] == ["4917612345678"]
        interaction = Interaction.objects.get()
        assert set(interaction.messages.values_list("type", flat=True)) == {"text", "system"}


class TestRevokeAndEdit:
    def _original(self, post_webhook):
        body = payload("inbound_text")
        assert post_webhook(body).status_code == 200
        return Message.objects.get()

    def _event(self, kind: str, content: dict) -> dict:
        return wa.inbound(kind, content, id=f"wamid.{kind}", timestamp=1772530277)

    def test_revoke_marks_the_original_deleted(self, post_webhook, channel):
        original = self._original(post_webhook)
        post_webhook(self._event("revoke", {"original_message_id": original.wamid}))
        original.refresh_from_db()
        assert original.revoked_at == at(1772530277)

    def test_edit_replaces_the_text_and_keeps_the_previous_one(self, post_webhook, channel):
        original = self._original(post_webhook)
        edit = {
            "original_message_id": original.wamid,
            "message": {"type": "text", "text": {"body": "Hello, my parcel 4471 has still not arrived"}},
        }
        post_webhook(self._event("edit", edit))
        original.refresh_from_db()
        assert original.body == "Hello, my parcel 4471 has still not arrived"
        assert original.content["previous_bodies"] == ["Hello, my parcel 4471 has not arrived yet"]
        assert original.edited_at == at(1772530277)

    def test_revoke_neither_asks_for_a_reply_nor_reopens_a_done_conversation(self, post_webhook, channel):
        original = self._original(post_webhook)
        Interaction.objects.update(
            state=Interaction.State.CLOSED, closed_at=at(1772530227), awaiting_reply_since=None
        )
        assert post_webhook(self._event("revoke", {"original_message_id": original.wamid})).status_code == 200
        original.refresh_from_db()
        assert original.revoked_at == at(1772530277)
        interaction = Interaction.objects.get()  # no new conversation was opened
        assert interaction.awaiting_reply_since is None
        record = Message.objects.get(type=Message.Type.REVOKE)
        assert record.interaction == interaction  # kept for the record, beside its original

    def test_edit_that_overtakes_its_original_is_applied_when_the_original_arrives(
        self, post_webhook, channel
    ):
        edit = {
            "original_message_id": wa.LENA_TEXT,
            "message": {"type": "text", "text": {"body": "Hello, my parcel 4471 has still not arrived"}},
        }
        body = self._event("edit", edit)
        body["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = "wamid.the-edit"
        assert post_webhook(body).status_code == 200
        assert PendingRevision.objects.get().original_wamid == edit["original_message_id"]
        assert not Interaction.objects.exists()

        original = self._original(post_webhook)
        assert original.wamid == edit["original_message_id"]
        assert pending_revisions_resolve() == 1
        original.refresh_from_db()
        assert original.body == "Hello, my parcel 4471 has still not arrived"
        assert original.content["previous_bodies"] == ["Hello, my parcel 4471 has not arrived yet"]
        assert not PendingRevision.objects.exists()
        assert pending_revisions_resolve() == 0

    def test_a_redelivered_edit_changes_nothing(self, post_webhook, channel):
        original = self._original(post_webhook)
        edit = {"original_message_id": original.wamid, "message": {"type": "text", "text": {"body": "v2"}}}
        post_webhook(self._event("edit", edit))
        post_webhook(self._event("edit", edit))
        original.refresh_from_db()
        assert original.content["previous_bodies"] == ["Hello, my parcel 4471 has not arrived yet"]
        assert Message.objects.filter(type=Message.Type.EDIT).count() == 1
