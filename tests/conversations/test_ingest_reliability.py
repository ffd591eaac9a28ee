"""P1 reliability: duplicates, batches, statuses in any order, replays, SQL per webhook."""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.models import Interaction, Message, PendingStatus, WebhookEvent
from conversations.services import webhooks as webhook_services
from conversations.services.sending import message_accepted
from tests import cloud_api as wa
from tests.factories import InteractionFactory, MessageFactory

pytestmark = pytest.mark.django_db

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def statements(queries) -> list[str]:
    return [q["sql"] for q in queries if not q["sql"].upper().startswith(TRANSACTION_CONTROL)]


def text_payload(
    wamid: str, body: str = "hi", timestamp: int = wa.T0, wa_id: str | None = wa.LENA.wa_id
) -> dict:
    customer = wa.LENA if wa_id == wa.LENA.wa_id else wa.Customer(wa_id=wa_id, name=f"Customer {wa_id}")
    return wa.inbound("text", {"body": body}, id=wamid, timestamp=timestamp, customer=customer)


def status_payload(wamid: str, status: str, timestamp: int, errors: list | None = None) -> dict:
    if errors:
        return wa.statuses(wa.status(wamid, status, timestamp=timestamp, errors=errors))
    return wa.statuses(wa.status(wamid, status, timestamp=timestamp))


@pytest.fixture
def outbound(channel):
    return MessageFactory(
        interaction=InteractionFactory(channel=channel),
        direction=Message.Direction.OUTBOUND,
        wamid="wamid.out-1",
        status=Message.Status.QUEUED,
    )


class TestDuplicates:
    def test_same_post_twice_stores_one_message(self, post_webhook, channel):
        payload = text_payload("wamid.dup")
        assert post_webhook(payload).status_code == 200
        assert post_webhook(payload).status_code == 200
        assert Message.objects.count() == 1
        assert WebhookEvent.objects.count() == 2  # both deliveries kept, the second changed nothing
        assert WebhookEvent.objects.order_by("id").last().summary == {"duplicates": 1}

    def test_redelivery_after_done_opens_no_new_interaction(self, post_webhook, channel):
        payload = text_payload("wamid.dup")
        post_webhook(payload)
        Interaction.objects.update(state=Interaction.State.CLOSED, closed_at=datetime.now(tz=UTC))
        assert post_webhook(payload).status_code == 200
        interaction = Interaction.objects.get()
        assert interaction.state == Interaction.State.CLOSED
        assert Message.objects.get().interaction == interaction
        assert WebhookEvent.objects.order_by("id").last().summary == {"duplicates": 1}

    def test_partly_redelivered_batch_after_done_opens_one_interaction_for_the_new(
        self, post_webhook, channel
    ):
        post_webhook(text_payload("wamid.old"))
        Interaction.objects.update(state=Interaction.State.CLOSED, closed_at=datetime.now(tz=UTC))
        batch = text_payload("wamid.old")
        messages = batch["entry"][0]["changes"][0]["value"]["messages"]
        messages.append({**copy.deepcopy(messages[0]), "id": "wamid.new", "timestamp": str(wa.T0 + 77)})
        post_webhook(batch)
        new = Message.objects.get(wamid="wamid.new")
        assert new.interaction.state == Interaction.State.QUEUED
        assert Message.objects.get(wamid="wamid.old").interaction.state == Interaction.State.CLOSED
        assert new.interaction.last_inbound_wamid == "wamid.new"

    def test_duplicate_does_not_restart_the_pending_response_timer(self, post_webhook, channel):
        payload = text_payload("wamid.dup")
        post_webhook(payload)
        Interaction.objects.update(awaiting_reply_since=None)  # the agent answered
        post_webhook(payload)
        assert Interaction.objects.get().awaiting_reply_since is None

    def test_duplicate_message_inside_one_batch(self, post_webhook, channel):
        payload = text_payload("wamid.twice")
        messages = payload["entry"][0]["changes"][0]["value"]["messages"]
        messages.append(copy.deepcopy(messages[0]))
        assert post_webhook(payload).status_code == 200
        assert Message.objects.count() == 1


class TestBatches:
    def test_fifty_messages_in_one_post_store_fifty_messages(self, post_webhook, channel):
        customers = [wa.Customer(wa_id=f"49170000{n:04d}", name=f"Customer {n}") for n in range(10)]
        senders = [customers[n % 10] for n in range(50)]  # 10 customers, 5 messages each
        messages = [
            wa.message(sender, "text", {"body": f"message {n}"}, id=f"wamid.batch{n}", timestamp=wa.T0 + n)
            for n, sender in enumerate(senders)
        ]
        change = wa.messages_change(wa.SUPPORT, contacts=map(wa.contact, senders), messages=messages)
        payload = wa.webhook(wa.entry(change, waba_id=wa.SUPPORT.waba_id))
        assert post_webhook(payload).status_code == 200
        assert Message.objects.count() == 50
        assert Interaction.objects.count() == 10
        for interaction in Interaction.objects.all():
            assert interaction.messages.count() == 5

    def test_every_entry_and_change_is_walked(self, post_webhook, channel, sales_channel):
        first = text_payload("wamid.e1", wa_id="4911111111")
        second = wa.payload("inbound_text_ctwa_referral")
        payload = {"object": "whatsapp_business_account", "entry": first["entry"] + second["entry"]}
        payload["entry"][0]["changes"].append(
            copy.deepcopy(text_payload("wamid.e2", wa_id="4922222222")["entry"][0]["changes"][0])
        )
        assert post_webhook(payload).status_code == 200
        assert set(Message.objects.values_list("wamid", flat=True)) == {
            "wamid.e1",
            "wamid.e2",
            wa.RAFAEL_FROM_AD,
        }

    def test_a_batch_of_accounts_changes_messages_and_statuses_is_walked_whole(
        self, post_webhook, channel, sales_channel
    ):
        answer = MessageFactory(
            interaction=InteractionFactory(channel=channel, contact__wa_id=wa.LENA.wa_id),
            direction=Message.Direction.OUTBOUND,
            wamid=wa.OUR_ANSWER,
            status=Message.Status.SENT,
        )
        assert post_webhook(wa.payload("batch")).status_code == 200
        received = Message.objects.filter(direction=Message.Direction.INBOUND).select_related("contact")
        assert sorted((m.channel_id, m.contact.profile_name, m.body) for m in received) == sorted(
            [
                (channel.pk, "Lena Vogel", "Any news on 4471?"),
                (channel.pk, "Jonas Becker", "Hi, I ordered a helmet"),
                (sales_channel.pk, "Rafael Costa", "Is the 54 cm frame still available?"),
            ]
        )
        answer.refresh_from_db()
        assert answer.status == Message.Status.READ
        assert answer.delivered_at.timestamp() == wa.T0 + 2

    def test_messages_of_one_sender_are_matched_by_id_not_position(self, post_webhook, channel):
        payload = text_payload("wamid.a")
        value = payload["entry"][0]["changes"][0]["value"]
        value["contacts"].insert(0, {"profile": {"name": "Someone Else"}, "wa_id": "4999999999"})
        assert post_webhook(payload).status_code == 200
        assert Message.objects.get().contact.profile_name == "Lena Vogel"


class TestStatuses:
    def test_statuses_record_timestamps_and_pricing(self, post_webhook, sales_channel):
        status = wa.payload("status_sent_pmp_marketing")["entry"][0]["changes"][0]["value"]["statuses"][0]
        message = MessageFactory(
            interaction=InteractionFactory(channel=sales_channel),
            direction=Message.Direction.OUTBOUND,
            wamid=status["id"],
            status=Message.Status.QUEUED,
        )
        assert post_webhook(wa.payload("status_sent_pmp_marketing")).status_code == 200
        message.refresh_from_db()
        assert message.status == Message.Status.SENT
        assert message.sent_at == datetime.fromtimestamp(int(status["timestamp"]), tz=UTC)
        assert message.pricing["pricing_model"] == "PMP"
        assert message.pricing["category"] == "marketing"

    @pytest.mark.parametrize(
        "name",
        [
            "status_sent",
            "status_sent_cbp",
            "status_delivered",
            "status_delivered_bsuid",
            "status_read",
            "status_played",
            "status_v24_minimal",
        ],
    )
    def test_every_status_payload_applies(self, post_webhook, channel, sales_channel, name):
        payload = wa.payload(name)
        value = payload["entry"][0]["changes"][0]["value"]
        item = value["statuses"][0]
        target = channel if value["metadata"]["phone_number_id"] == channel.phone_number_id else sales_channel
        message = MessageFactory(
            interaction=InteractionFactory(channel=target),
            direction=Message.Direction.OUTBOUND,
            wamid=item["id"],
            status=Message.Status.QUEUED,
        )
        assert post_webhook(payload).status_code == 200
        message.refresh_from_db()
        assert message.status == item["status"]
        assert getattr(message, f"{item['status']}_at") == datetime.fromtimestamp(
            int(item["timestamp"]), tz=UTC
        )

    def test_failed_keeps_code_title_and_details(self, post_webhook, sales_channel):
        item = wa.payload("status_failed")["entry"][0]["changes"][0]["value"]["statuses"][0]
        message = MessageFactory(
            interaction=InteractionFactory(channel=sales_channel),
            direction=Message.Direction.OUTBOUND,
            wamid=item["id"],
            status=Message.Status.SENT,
        )
        assert post_webhook(wa.payload("status_failed")).status_code == 200
        message.refresh_from_db()
        assert message.status == Message.Status.FAILED
        assert message.error_code == 131049
        assert (
            message.error_title == "This message was not delivered to maintain healthy ecosystem engagement."
        )
        assert message.error_details.startswith("In order to maintain a healthy ecosystem engagement")
        assert message.failed_at is not None

    def test_failed_for_an_experiment_keeps_its_own_code(self, post_webhook, channel):
        message = MessageFactory(
            interaction=InteractionFactory(channel=channel),
            direction=Message.Direction.OUTBOUND,
            wamid=wa.OUR_OFFER,
            status=Message.Status.DELIVERED,
        )
        assert post_webhook(wa.payload("status_failed_130472")).status_code == 200
        message.refresh_from_db()
        assert message.status == Message.Status.FAILED
        assert message.error_code == 130472
        assert message.error_title == "User's number is part of an experiment"
        assert message.error_details.startswith("Failed to send message because this user's phone number")

    def test_statuses_only_move_forward_whatever_their_order(self, post_webhook, outbound):
        order = ["read", "sent", "delivered"]
        for status, ts in zip(order, (300, 100, 200), strict=True):
            post_webhook(status_payload(outbound.wamid, status, 1751000000 + ts))
        outbound.refresh_from_db()
        assert outbound.status == Message.Status.READ
        # every timestamp is kept although delivered and sent came after read
        assert outbound.sent_at.timestamp() == 1751000100
        assert outbound.delivered_at.timestamp() == 1751000200
        assert outbound.read_at.timestamp() == 1751000300

    def test_shuffled_statuses_for_many_messages_end_at_their_highest(self, post_webhook, channel):
        interaction = InteractionFactory(channel=channel)
        messages = [
            MessageFactory(interaction=interaction, direction="out", wamid=f"wamid.s{n}", status="queued")
            for n in range(10)
        ]
        finals = {}
        deliveries = []
        rng = random.Random(7)
        for message in messages:
            chain = ["sent", "delivered", "read"][: rng.randint(1, 3)]
            finals[message.pk] = chain[-1]
            deliveries += [(message.wamid, status, n) for n, status in enumerate(chain)]
        deliveries += deliveries[:5]  # some redelivered
        rng.shuffle(deliveries)
        for wamid, status, n in deliveries:
            assert post_webhook(status_payload(wamid, status, 1751000000 + n)).status_code == 200
        for message in messages:
            message.refresh_from_db()
            assert message.status == finals[message.pk]

    def test_failed_is_terminal(self, post_webhook, outbound):
        errors = [{"code": 131026, "title": "Message undeliverable", "error_data": {"details": "x"}}]
        post_webhook(status_payload(outbound.wamid, "failed", 1751000100, errors))
        post_webhook(status_payload(outbound.wamid, "delivered", 1751000200))
        outbound.refresh_from_db()
        assert outbound.status == Message.Status.FAILED
        assert outbound.error_code == 131026

    def test_a_failure_does_not_undo_read(self, post_webhook, outbound):
        post_webhook(status_payload(outbound.wamid, "read", 1751000100))
        post_webhook(status_payload(outbound.wamid, "failed", 1751000200, [{"code": 131000, "title": "x"}]))
        outbound.refresh_from_db()
        assert outbound.status == Message.Status.READ
        assert outbound.error_code is None

    def test_status_before_its_message_is_applied_when_the_message_exists(self, post_webhook, channel):
        post_webhook(status_payload("wamid.early", "delivered", 1751000200))
        post_webhook(status_payload("wamid.early", "sent", 1751000100))
        assert PendingStatus.objects.count() == 2
        message = MessageFactory(
            interaction=InteractionFactory(channel=channel), direction="out", wamid=None, status="sending"
        )
        message_accepted(message_id=message.pk, wamid="wamid.early")
        message.refresh_from_db()
        assert message.status == Message.Status.DELIVERED
        assert message.sent_at.timestamp() == 1751000100
        assert PendingStatus.objects.count() == 0

    def test_status_on_an_inbound_wamid_is_not_applied(self, post_webhook, channel):
        post_webhook(text_payload("wamid.in"))
        post_webhook(status_payload("wamid.in", "read", 1751000200))
        assert Message.objects.get().status == Message.Status.RECEIVED


class TestWindowAndTimers:
    def test_window_follows_the_newest_origination_time(self, post_webhook, channel):
        post_webhook(text_payload("wamid.new", timestamp=1772537000))
        post_webhook(text_payload("wamid.old", timestamp=1772527000))  # late, older
        interaction = Interaction.objects.get()
        assert interaction.last_inbound_at.timestamp() == 1772537000
        assert interaction.window_expires_at.timestamp() == 1772537000 + 24 * 3600
        assert interaction.reply_due_at.timestamp() == 1772537000 + 86400
        assert interaction.awaiting_reply_since is not None


class TestFailuresAndReplay:
    def test_processing_failure_keeps_the_event_for_retry(self, post_webhook, channel, monkeypatch):
        def explode(**kwargs):
            raise RuntimeError("database hiccup")

        monkeypatch.setattr(webhook_services, "inbound_messages_store", explode)
        assert post_webhook(text_payload("wamid.retry")).status_code == 200
        event = WebhookEvent.objects.get()
        assert event.state == WebhookEvent.State.FAILED
        assert "database hiccup" in event.last_error
        assert event.retry_due_at is not None
        assert Message.objects.count() == 0
        monkeypatch.undo()

        tried = webhook_services.webhook_retry_due(now=event.retry_due_at)
        assert tried == 1
        event.refresh_from_db()
        assert event.state == WebhookEvent.State.PROCESSED
        assert Message.objects.get().wamid == "wamid.retry"

    def test_replay_command_is_idempotent(self, post_webhook, channel, capsys):
        post_webhook(text_payload("wamid.r1"))
        post_webhook(text_payload("wamid.r2", timestamp=wa.T0 + 77))
        call_command("replay_webhooks", "--all")
        call_command("replay_webhooks", "--all")
        assert Message.objects.count() == 2
        assert "2 processed" in capsys.readouterr().out

    def test_replay_after_configuring_a_missing_channel(self, post_webhook, channel, sales_channel):
        sales_channel.delete()
        from conversations.directory import directory

        directory.invalidate()
        post_webhook(wa.payload("inbound_text_ctwa_referral"))
        assert Message.objects.count() == 0
        from tests.factories import ChannelFactory

        ChannelFactory(phone_number_id=wa.SALES.phone_number_id, app_secret=channel.app_secret)
        directory.invalidate()
        call_command("replay_webhooks", "--flagged")
        assert Message.objects.count() == 1

    def test_replay_of_unknown_id_is_a_clear_error(self, channel):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="no webhook event with id 999"):
            call_command("replay_webhooks", "999")


class TestQueryCounts:
    def test_single_message_webhook_costs_three_statements(self, post_webhook, channel):
        post_webhook(text_payload("wamid.warm-up"))  # contact and interaction now exist
        with CaptureQueriesContext(connection) as queries:
            assert post_webhook(text_payload("wamid.counted", timestamp=wa.T0 + 77)).status_code == 200
        sql = statements(queries.captured_queries)
        assert len(sql) <= 3, json.dumps(sql, indent=1)
        assert Message.objects.count() == 2

    def test_single_status_webhook_costs_two_statements(self, post_webhook, outbound):
        post_webhook(status_payload(outbound.wamid, "sent", 1751000100))
        with CaptureQueriesContext(connection) as queries:
            post_webhook(status_payload(outbound.wamid, "delivered", 1751000200))
        assert len(statements(queries.captured_queries)) <= 2


def test_a_status_stranded_as_pending_is_applied_by_the_sweep(post_webhook, channel):
    from conversations.services.statuses import pending_statuses_resolve

    post_webhook(status_payload("wamid.stranded", "delivered", 1751000200))
    # the wamid got recorded without the early status being applied (the race)
    message = MessageFactory(
        interaction=InteractionFactory(channel=channel),
        direction="out",
        wamid="wamid.stranded",
        status="accepted",
    )
    assert pending_statuses_resolve() == 1
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED
    assert PendingStatus.objects.count() == 0
    assert pending_statuses_resolve() == 0
