"""G2: business-scoped user ids (BSUIDs) and usernames. One customer stays one contact
whichever of their ids a webhook carries, through BSUID and number changes; replies go to
the id WhatsApp last used for them; the console shows the username when there is no
better name (U2)."""

from __future__ import annotations

import pytest

from conversations.models import Contact, Interaction, Message, WebhookEvent
from conversations.payloads.contacts import contact_payload
from templates_app.models import MessageTemplate
from tests import cloud_api as wa
from tests.cloud_api import payload
from tests.factories import AgentProfileFactory

pytestmark = pytest.mark.django_db


def only_contact() -> Contact:
    contacts = list(Contact.objects.all())
    assert len(contacts) == 1, [(c.wa_id, c.user_id) for c in contacts]
    return contacts[0]


def without_bsuid(body: dict) -> dict:
    """The same webhook as WhatsApp sent it before BSUIDs (number only)."""
    value = body["entry"][0]["changes"][0]["value"]
    for item in value.get("contacts", []):
        item.pop("user_id", None)
        item.pop("parent_user_id", None)
    for item in value.get("messages", []):
        item.pop("from_user_id", None)
    return body


class TestOneCustomerOneContact:
    def test_number_and_bsuid_then_bsuid_only_is_the_same_contact(self, post_webhook, channel):
        post_webhook(payload("inbound_text"))
        post_webhook(payload("inbound_text_bsuid_only_known_number"))

        lena = only_contact()
        assert (lena.wa_id, lena.user_id, lena.username) == (wa.LENA.wa_id, wa.LENA.user_id, "lena.v")
        assert Interaction.objects.count() == 1
        assert Message.objects.filter(contact=lena).count() == 2

    def test_number_only_then_both_then_bsuid_only_stays_one_contact(self, post_webhook, channel):
        """The hot path (an open conversation) records the BSUID the second message brings."""
        post_webhook(without_bsuid(payload("inbound_text")))
        assert only_contact().user_id is None
        post_webhook(payload("inbound_text_reply_context"))
        assert only_contact().user_id == wa.LENA.user_id
        post_webhook(payload("inbound_text_bsuid_only_known_number"))

        assert only_contact().username == "lena.v"
        assert Interaction.objects.count() == 1

    def test_bsuid_only_then_number_and_bsuid_gains_the_number(self, post_webhook, channel):
        post_webhook(payload("inbound_text_bsuid_only_known_number"))
        assert only_contact().wa_id is None
        post_webhook(payload("inbound_text_reply_context"))

        lena = only_contact()
        assert (lena.wa_id, lena.user_id) == (wa.LENA.wa_id, wa.LENA.user_id)
        assert Interaction.objects.count() == 1

    def test_replies_go_to_the_id_whatsapp_last_used(self, post_webhook, channel):
        post_webhook(payload("inbound_text_bsuid_only_known_number"))
        interaction = Interaction.objects.get()
        assert interaction.customer_address == wa.LENA.user_id  # only her BSUID so far
        later = payload("inbound_text_reply_context")
        later["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = str(wa.T0 + 3600)
        post_webhook(later)
        interaction.refresh_from_db()
        assert interaction.customer_address == wa.LENA.wa_id  # the number wins once known

    def test_a_redelivered_message_changes_nothing(self, post_webhook, channel):
        for _ in range(2):
            post_webhook(payload("inbound_text_bsuid_only_known_number"))
        assert only_contact().user_id == wa.LENA.user_id
        assert Message.objects.count() == 1


class TestBsuidChanges:
    def test_user_changed_user_id_keeps_the_contact_under_its_new_id(self, post_webhook, channel):
        post_webhook(payload("inbound_text_bsuid_only"))
        maya = only_contact()
        response = post_webhook(payload("inbound_system_user_changed_user_id"))

        assert response.status_code == 200
        maya.refresh_from_db()
        assert maya.user_id == wa.MAYA_NEW_USER_ID
        assert maya.identifiers["previous_user_ids"] == [wa.MAYA.user_id]
        interaction = Interaction.objects.get()
        assert interaction.customer_user_id == wa.MAYA_NEW_USER_ID  # replies reach her new id
        notice = Message.objects.get(wamid=wa.MAYA_ID_CHANGE)
        assert notice.interaction_id == interaction.pk and notice.type == "system"

    def test_her_next_message_under_the_new_id_joins_the_same_conversation(self, post_webhook, channel):
        post_webhook(payload("inbound_text_bsuid_only"))
        post_webhook(payload("inbound_system_user_changed_user_id"))
        later = payload("inbound_text_bsuid_only")
        item = later["entry"][0]["changes"][0]["value"]
        item["contacts"][0]["user_id"] = wa.MAYA_NEW_USER_ID
        item["messages"][0].update(from_user_id=wa.MAYA_NEW_USER_ID, id="wamid.maya-after-change")
        post_webhook(later)

        assert only_contact().user_id == wa.MAYA_NEW_USER_ID
        assert Interaction.objects.count() == 1
        assert Message.objects.filter(direction=Message.Direction.INBOUND, type="text").count() == 2

    def test_a_replayed_change_changes_nothing(self, post_webhook, channel):
        post_webhook(payload("inbound_text_bsuid_only"))
        for _ in range(2):
            assert post_webhook(payload("inbound_system_user_changed_user_id")).status_code == 200
        maya = only_contact()
        assert maya.user_id == wa.MAYA_NEW_USER_ID
        assert maya.identifiers["previous_user_ids"] == [wa.MAYA.user_id]
        assert Message.objects.filter(type="system").count() == 1

    def test_a_change_of_a_stranger_creates_nobody(self, post_webhook, channel):
        assert post_webhook(payload("inbound_system_user_changed_user_id")).status_code == 200
        assert not Contact.objects.exists()

    def test_a_number_change_with_a_new_bsuid_updates_both(self, post_webhook, channel):
        post_webhook(payload("inbound_text"))
        post_webhook(payload("inbound_system_user_changed_number_bsuid"))

        lena = only_contact()
        assert (lena.wa_id, lena.user_id) == (wa.LENA_NEW_NUMBER, wa.LENA_NEW_USER_ID)
        assert lena.identifiers["previous_wa_ids"] == [wa.LENA.wa_id]
        assert lena.identifiers["previous_user_ids"] == [wa.LENA.user_id]
        interaction = Interaction.objects.get()
        assert (interaction.customer_wa_id, interaction.customer_user_id) == (
            wa.LENA_NEW_NUMBER,
            wa.LENA_NEW_USER_ID,
        )

    def test_a_change_with_an_id_too_long_is_kept_in_the_event_and_flagged(self, post_webhook, channel):
        post_webhook(payload("inbound_text_bsuid_only"))
        body = payload("inbound_system_user_changed_user_id")
        body["entry"][0]["changes"][0]["value"]["messages"][0]["system"]["user_id"] = "GB." + "9" * 400
        assert post_webhook(body).status_code == 200
        assert only_contact().user_id == wa.MAYA.user_id
        event = WebhookEvent.objects.latest("pk")
        assert any("kept in the event only" in flag for flag in event.flags)


def test_a_change_whose_new_id_is_no_text_is_kept_in_the_event_and_flagged(post_webhook, channel):
    post_webhook(payload("inbound_text_bsuid_only"))
    body = payload("inbound_system_user_changed_user_id")
    body["entry"][0]["changes"][0]["value"]["messages"][0]["system"]["user_id"] = {"id": "GB.1"}
    assert post_webhook(body).status_code == 200
    assert only_contact().user_id == wa.MAYA.user_id
    assert any("'user_id' is not text" in flag for flag in WebhookEvent.objects.latest("pk").flags)


def test_a_status_naming_her_username_gives_it_to_the_known_contact(post_webhook, channel):
    body = payload("inbound_text_bsuid_only")
    del body["entry"][0]["changes"][0]["value"]["contacts"][0]["profile"]["username"]
    post_webhook(body)
    assert only_contact().username == ""
    post_webhook(payload("status_delivered_bsuid"))
    assert only_contact().username == wa.MAYA.username
    post_webhook(payload("status_delivered_bsuid"))  # a redelivery changes nothing
    assert WebhookEvent.objects.latest("pk").summary.get("usernames") is None


def test_a_status_creates_no_contact(post_webhook, channel):
    post_webhook(payload("status_delivered_bsuid"))
    assert not Contact.objects.exists()


class TestNamesShown:
    """U2: the CRM name, else the WhatsApp profile name (with the number's last digits),
    else the username the customer chose, else the number, else the nickname."""

    def test_a_customer_who_hides_the_number_is_shown_by_profile_name_and_id_digits(
        self, post_webhook, channel
    ):
        # Maya hides her number (a BSUID only): her profile name comes first (U2), told
        # apart by the last digits of her business-scoped id; the username stays on the
        # payload for the address line ("@maya.bakes · number hidden").
        post_webhook(payload("inbound_text_bsuid_only"))
        shown = contact_payload(only_contact())
        assert (shown["display_name"], shown["name_source"]) == ("Maya …5482", "profile")
        assert (shown["username"], shown["wa_id"], shown["user_id"]) == ("maya.bakes", None, wa.MAYA.user_id)

    def test_a_customer_without_profile_name_is_shown_by_username(self, post_webhook, channel):
        post_webhook(payload("inbound_text_bsuid_only"))
        contact = only_contact()
        contact.profile_name = ""
        assert (contact.display_name, contact.name_source) == ("@maya.bakes", "username")
        contact.username = ""  # no number either: the nickname, from the BSUID's last digits
        assert (contact.display_name, contact.name_source) == ("Customer …5482", "nickname")

    def test_order_of_names(self, channel):
        contact = Contact(wa_id="4917612345678", user_id="DE.1")
        assert (contact.display_name, contact.name_source) == ("+4917612345678", "number")
        contact.username = "lena.v"
        assert (contact.display_name, contact.name_source) == ("@lena.v", "username")
        contact.profile_name = "Lena V."
        assert (contact.display_name, contact.name_source) == ("Lena V. …5678", "profile")
        contact.name = "Lena Vogel"
        assert (contact.display_name, contact.name_source) == ("Lena Vogel", "crm")

    def test_two_customers_with_one_profile_name_are_told_apart(self, channel):
        first = Contact(wa_id="4915112340002", profile_name="Maria")
        second = Contact(wa_id="5511987650003", profile_name="Maria")
        assert (first.display_name, second.display_name) == ("Maria …0002", "Maria …0003")

    def test_a_profile_name_cannot_turn_the_digits_around(self, channel):
        # free text the customer controls: no right-to-left override, no line breaks
        contact = Contact(wa_id="4915112340002", profile_name="  Ana\u202e\n Paula\t")
        assert contact.display_name == "Ana Paula …0002"

    def test_an_erased_contact_is_shown_by_its_placeholder(self, channel):
        # X4 erases the number into "erased-<id>" and the name into "(erased)"; what is
        # not a number is never shown as one ("+erased-7")
        contact = Contact(pk=7, wa_id="erased-7", name="(erased)")
        assert contact.display_name == "(erased)"
        contact.name = ""
        assert not contact.display_name.startswith("+")


def test_an_authentication_template_to_a_bsuid_only_customer_is_refused(client, post_webhook, channel):
    """WhatsApp does not deliver one-time codes to a BSUID (131062): said before sending."""
    post_webhook(payload("inbound_text_bsuid_only"))
    agent = AgentProfileFactory().user
    Interaction.objects.update(owner=agent, state="active")
    code = MessageTemplate.objects.create(
        name="login_code", language="en_US", status="APPROVED", category="AUTHENTICATION", body="Code {{1}}"
    )
    client.force_login(agent)
    response = client.post(
        f"/api/v1/interactions/{Interaction.objects.get().pk}/messages/",
        {"type": "template", "template_id": code.pk, "parameters": {"body": ["123456"]}},
        content_type="application/json",
    )
    assert response.status_code == 409, response.json()
    assert response.json()["error"]["code"] == "needs_phone_number"
