"""G3: marketing preferences. WhatsApp's ``user_preferences`` (and the older
``user_preference_changed`` system message) set the contact's choice with its time; a
MARKETING template to a customer who stopped is refused before it reaches Meta, with a
reason; UTILITY templates and service messages are not affected."""

from __future__ import annotations

import pytest

from conversations.models import Contact, Interaction, Message, WebhookEvent
from conversations.payloads.contacts import contact_payload
from conversations.services.sending import interaction_outbox_flush
from templates_app.models import MessageTemplate
from tests import cloud_api as wa
from tests.cloud_api import payload
from tests.factories import AgentProfileFactory, InteractionFactory, UserFactory

pytestmark = pytest.mark.django_db


def rafael() -> Contact:
    return Contact.objects.get(wa_id=wa.RAFAEL.wa_id)


class TestTheWebhook:
    def test_stop_then_resume(self, post_webhook, sales_channel):
        assert post_webhook(payload("user_preferences_stop")).status_code == 200
        contact = rafael()
        assert contact.marketing_preference == "stop"
        assert contact.marketing_preference_at.timestamp() == wa.T0 + 7500
        assert contact.user_id == wa.RAFAEL.user_id and contact.profile_name == "Rafael Costa"
        post_webhook(payload("user_preferences_resume"))
        assert rafael().marketing_preference == "resume"
        assert WebhookEvent.objects.latest("pk").summary == {"preferences": 1}

    def test_a_redelivered_or_late_stop_changes_nothing(self, post_webhook, sales_channel):
        post_webhook(payload("user_preferences_resume"))
        post_webhook(payload("user_preferences_stop"))  # older than the resume
        post_webhook(payload("user_preferences_resume"))
        assert rafael().marketing_preference == "resume"
        assert Contact.objects.count() == 1

    def test_the_system_message_form(self, post_webhook, sales_channel):
        assert post_webhook(payload("inbound_system_user_preference_changed")).status_code == 200
        assert rafael().marketing_preference == "stop"
        assert not Interaction.objects.exists()  # a preference opens no conversation

    def test_a_wrong_shape_is_stored_and_flagged(self, post_webhook, sales_channel):
        body = payload("user_preferences_stop")
        item = body["entry"][0]["changes"][0]["value"]["user_preferences"][0]
        item["value"] = ["stop"]
        assert post_webhook(body).status_code == 200
        event = WebhookEvent.objects.get()
        assert event.state == "processed" and any("user_preferences[0]" in f for f in event.flags)
        assert not Contact.objects.exists()  # nothing applied

    def test_not_a_list(self, post_webhook, sales_channel):
        body = payload("user_preferences_stop")
        body["entry"][0]["changes"][0]["value"]["user_preferences"] = {"value": "stop"}
        assert post_webhook(body).status_code == 200
        assert any("not a list" in f for f in WebhookEvent.objects.get().flags)

    def test_the_change_is_a_newer_version_of_the_contact(self, post_webhook, sales_channel):
        """A contact read before the stop (a console's resync on its way) carries an older
        ``updated_at`` than the stop's push: the console keeps the newer one (the line that
        said "Stopped" went back to hidden when both had the same version)."""
        rafael_ids = {"wa_id": wa.RAFAEL.wa_id, "user_id": wa.RAFAEL.user_id, "profile_name": wa.RAFAEL.name}
        known = Contact.objects.create(**rafael_ids)  # nothing in the webhook is new but the choice
        post_webhook(payload("user_preferences_stop"))
        stopped = rafael()
        assert (stopped.pk, stopped.marketing_preference) == (known.pk, "stop")
        assert stopped.updated_at > known.updated_at

    def test_the_contact_payload_shows_it(self, post_webhook, sales_channel):
        post_webhook(payload("user_preferences_stop"))
        shown = contact_payload(rafael())
        assert shown["marketing_preference"] == "stop"
        assert shown["marketing_preference_at"].startswith("2026-03-03T11:35")


def template(category: str, name: str) -> MessageTemplate:
    return MessageTemplate.objects.create(
        name=name, language="en_US", status="APPROVED", category=category, body="Hi {{1}}, news for you."
    )


@pytest.fixture
def conversation(sales_channel, post_webhook):
    post_webhook(payload("user_preferences_stop"))
    agent = AgentProfileFactory().user
    interaction = InteractionFactory(contact=rafael(), channel=sales_channel, owner=agent, state="active")
    return agent, interaction


def send_template(client, agent, interaction, template_id):
    client.force_login(agent)
    return client.post(
        f"/api/v1/interactions/{interaction.pk}/messages/",
        {"type": "template", "template_id": template_id, "parameters": {"body": ["Rafael"]}},
        content_type="application/json",
    )


class TestSending:
    def test_a_marketing_template_to_a_stopped_customer_is_refused(self, client, conversation):
        agent, interaction = conversation
        response = send_template(client, agent, interaction, template("MARKETING", "spring_sale").pk)
        assert response.status_code == 409, response.json()
        assert response.json()["error"]["code"] == "marketing_stopped"
        assert "stopped marketing messages" in response.json()["error"]["message"]
        assert not Message.objects.filter(direction="out").exists()

    def test_a_utility_template_still_goes(self, client, conversation):
        agent, interaction = conversation
        response = send_template(client, agent, interaction, template("UTILITY", "order_update").pk)
        assert response.status_code == 201, response.json()

    def test_after_resume_marketing_goes_again(self, client, conversation, post_webhook):
        agent, interaction = conversation
        post_webhook(payload("user_preferences_resume"))
        response = send_template(client, agent, interaction, template("MARKETING", "spring_sale").pk)
        assert response.status_code == 201, response.json()

    def test_a_stop_after_queueing_fails_it_before_meta(self, client, conversation, post_webhook):
        agent, interaction = conversation
        post_webhook(payload("user_preferences_resume"))
        send_template(client, agent, interaction, template("MARKETING", "spring_sale").pk)
        body = payload("user_preferences_stop")
        body["entry"][0]["changes"][0]["value"]["user_preferences"][0]["timestamp"] = wa.T0 + 9500
        post_webhook(body)
        assert interaction_outbox_flush(interaction_id=interaction.pk) == 0
        message = Message.objects.get(direction="out")
        assert message.status == "failed" and "stopped marketing" in message.error_title


def test_the_admin_shows_the_preference_read_only(client, post_webhook, sales_channel):
    post_webhook(payload("user_preferences_stop"))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(f"/admin/conversations/contact/{rafael().pk}/change/").content.decode()
    assert "Stopped marketing" in page and 'name="marketing_preference"' not in page
    listing = client.get("/admin/conversations/contact/?marketing_preference=stop").content.decode()
    assert wa.RAFAEL.wa_id in listing
