"""G5: number health and limits. Each channel's quality rating, messaging limit, name and
status come from Meta (pulled, and from the ``phone_number_quality_update`` and
``account_update`` webhooks); a drop in quality is stamped for supervisors. Throughput
(130429) and pair-rate (131056) refusals are paced per number and per recipient: the
message waits "to send", is never failed for it, never sent twice."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from conversations.models import Channel, Message, WebhookEvent
from conversations.payloads.messages import message_payload
from conversations.services import sending
from conversations.services.health import channel_health_pull
from conversations.services.outbound import message_send
from conversations.services.specs import OutboundSpec
from tests.cloud_api import payload
from tests.factories import AgentProfileFactory, InteractionFactory
from whatsapp.client import CloudApiClient

pytestmark = pytest.mark.django_db


class TestWebhooks:
    def test_a_downgrade_sets_the_limit_and_flags_the_drop(self, post_webhook, channel):
        assert post_webhook(payload("phone_number_quality_downgrade")).status_code == 200
        channel.refresh_from_db()
        assert channel.messaging_limit == "TIER_250"
        assert channel.quality_dropped_at is not None
        assert WebhookEvent.objects.get().summary == {"number_health": 1}

    def test_a_redelivered_downgrade_changes_nothing(self, post_webhook, channel):
        post_webhook(payload("phone_number_quality_downgrade"))
        first = Channel.objects.get().quality_dropped_at
        post_webhook(payload("phone_number_quality_downgrade"))
        assert Channel.objects.get().quality_dropped_at == first

    def test_an_upgrade_clears_the_drop(self, post_webhook, channel):
        post_webhook(payload("phone_number_quality_downgrade"))
        post_webhook(payload("phone_number_quality_upgrade"))
        channel.refresh_from_db()
        assert (channel.messaging_limit, channel.quality_dropped_at) == ("TIER_10K", None)

    def test_another_number_of_the_account_is_left_alone(self, post_webhook, channel):
        body = payload("phone_number_quality_downgrade")
        body["entry"][0]["changes"][0]["value"]["display_phone_number"] = "15550009999"
        post_webhook(body)
        assert Channel.objects.get().messaging_limit == ""

    def test_account_update_is_kept_for_the_admin(self, post_webhook, channel):
        post_webhook(payload("account_update_restricted"))
        event = Channel.objects.get().account_event
        assert event["event"] == "ACCOUNT_RESTRICTION"
        assert (
            event["details"]["restriction_info"][0]["restriction_type"]
            == "RESTRICTED_BIZ_INITIATED_MESSAGING"
        )

    def test_a_wrong_shape_is_stored_never_a_500(self, post_webhook, channel):
        body = payload("phone_number_quality_downgrade")
        body["entry"][0]["changes"][0]["value"] = {"event": ["DOWNGRADE"], "display_phone_number": 42}
        assert post_webhook(body).status_code == 200
        event = WebhookEvent.objects.get()
        assert event.state == "processed" and any("'event' is not text" in flag for flag in event.flags)
        assert Channel.objects.get().quality_dropped_at is None


def health_client(channel, answer: dict) -> CloudApiClient:
    return CloudApiClient(
        access_token="t",
        phone_number_id=channel.phone_number_id,
        base_url="https://graph.example",
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json=answer)),
    )


class TestPull:
    def test_the_pull_stores_what_meta_says(self, channel):
        answer = {
            "verified_name": "Parcel Support",
            "quality_rating": "GREEN",
            "name_status": "APPROVED",
            "status": "CONNECTED",
            "throughput": {"level": "STANDARD"},
            "whatsapp_business_manager_messaging_limit": "TIER_2K",
        }
        pulled = channel_health_pull(channel_id=channel.pk, client=health_client(channel, answer))
        assert (pulled.quality_rating, pulled.messaging_limit, pulled.verified_name) == (
            "GREEN",
            "TIER_2K",
            "Parcel Support",
        )
        assert (pulled.name_status, pulled.number_status, pulled.throughput_level) == (
            "APPROVED",
            "CONNECTED",
            "STANDARD",
        )
        assert pulled.health_checked_at is not None and pulled.quality_dropped_at is None

    def test_a_lower_rating_is_a_drop_and_green_again_clears_it(self, channel):
        channel_health_pull(channel_id=channel.pk, client=health_client(channel, {"quality_rating": "GREEN"}))
        red = channel_health_pull(
            channel_id=channel.pk, client=health_client(channel, {"quality_rating": "RED"})
        )
        assert red.quality_dropped_at is not None
        green = channel_health_pull(
            channel_id=channel.pk, client=health_client(channel, {"quality_rating": "GREEN"})
        )
        assert green.quality_dropped_at is None


class Meta:
    """A Graph API answering sends from a script of (status, body)."""

    def __init__(self, *answers: tuple[int, dict]) -> None:
        self.answers = list(answers)
        self.sends: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sends.append(request)
        status, body = self.answers.pop(0)
        return httpx.Response(status, json=body)

    def client(self, channel) -> CloudApiClient:
        return CloudApiClient(
            access_token="t",
            phone_number_id=channel.phone_number_id,
            base_url="https://graph.example",
            transport=httpx.MockTransport(self),
        )


def refused(code: int) -> tuple[int, dict]:
    return 400, {"error": {"message": f"(#{code}) slow down", "code": code}}


ACCEPTED = (200, {"messaging_product": "whatsapp", "messages": [{"id": "wamid.paced-1"}]})


@pytest.fixture
def conversation(channel):
    agent = AgentProfileFactory().user
    now = timezone.now()
    interaction = InteractionFactory(
        channel=channel,
        owner=agent,
        contact__wa_id="4915112345678",
        last_inbound_at=now - timedelta(minutes=5),
        window_expires_at=now + timedelta(hours=23),
    )
    return agent, interaction


def queue_text(agent, interaction) -> Message:
    return message_send(user=agent, interaction_id=interaction.pk, spec=OutboundSpec(type="text", body="Hi"))


class TestPacing:
    def test_130429_pauses_the_number_and_the_message_waits_to_send(self, conversation, channel):
        agent, interaction = conversation
        message = queue_text(agent, interaction)
        meta = Meta(refused(130429), ACCEPTED)
        assert (
            sending.interaction_outbox_flush(interaction_id=interaction.pk, client=meta.client(channel)) == 0
        )
        message.refresh_from_db()
        assert (message.status, message.error_code) == ("queued", 130429)
        assert message_payload(message)["waiting_to_send"] is True
        channel.refresh_from_db()
        assert channel.send_paused_until > timezone.now()
        # while the number is paused nothing leaves it, even when the message is due
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        assert (
            sending.interaction_outbox_flush(interaction_id=interaction.pk, client=meta.client(channel)) == 0
        )
        assert len(meta.sends) == 1
        Channel.objects.filter(pk=channel.pk).update(send_paused_until=timezone.now() - timedelta(seconds=1))
        assert (
            sending.interaction_outbox_flush(interaction_id=interaction.pk, client=meta.client(channel)) == 1
        )
        message.refresh_from_db()
        assert (message.status, message.wamid, len(meta.sends)) == ("accepted", "wamid.paced-1", 2)

    def test_131056_waits_at_least_the_pair_rate_for_this_customer(self, conversation, channel):
        agent, interaction = conversation
        message = queue_text(agent, interaction)
        meta = Meta(refused(131056))
        before = timezone.now()
        sending.interaction_outbox_flush(interaction_id=interaction.pk, client=meta.client(channel))
        message.refresh_from_db()
        assert message.status == "queued" and message_payload(message)["waiting_to_send"]
        assert message.next_attempt_at >= before + timedelta(seconds=sending.PAIR_RATE_SECONDS)
        channel.refresh_from_db()
        assert channel.send_paused_until is None  # only this customer waits

    def test_pacing_is_never_a_failure_before_its_own_bound(self, conversation, channel, monkeypatch):
        monkeypatch.setattr(sending, "MAX_SEND_ATTEMPTS", 1)
        agent, interaction = conversation
        message = queue_text(agent, interaction)
        sending.interaction_outbox_flush(
            interaction_id=interaction.pk, client=Meta(refused(131056)).client(channel)
        )
        message.refresh_from_db()
        assert message.status == "queued"
