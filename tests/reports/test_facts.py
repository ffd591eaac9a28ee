"""S3: each fact a report counts is recorded by the service where it happens, in the same
transaction: messages in and out by type, the first response, the handle time and the
disposition at Done, a reply-timeout breach, a notification fallback, offers rejected or
expired."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations.models import AgentProfile, Interaction, Offer
from conversations.services import routing
from conversations.services.done import interaction_done
from conversations.services.interactions import interaction_timers_due
from conversations.services.outbound import OutboundSpec, message_send
from reports.models import BUCKETS, Tally, TallyDetail, bucket_column
from reports.services import Fact, Kind, duration_bucket, facts_record, inbound_messages_tally
from tests.cloud_api import payload
from tests.factories import AgentProfileFactory, InteractionFactory, QueueFactory

pytestmark = pytest.mark.django_db


def counted(column: str, *, dim: str = "", dim_id: int = 0) -> int:
    return sum(Tally.objects.filter(dim=dim, dim_id=dim_id, whole_day=False).values_list(column, flat=True))


def detailed(kind: str, detail: str) -> int:
    return sum(TallyDetail.objects.filter(kind=kind, detail=detail).values_list("n", flat=True))


def bucket_of(duration: str, seconds: float, *, dim: str = "", dim_id: int = 0) -> int:
    return counted(bucket_column(duration, duration_bucket(seconds)), dim=dim, dim_id=dim_id)


@pytest.fixture
def queue(channel):
    queue = QueueFactory(name="General")
    channel.default_queue = queue
    channel.save()
    return queue


@pytest.fixture
def agent(queue):
    profile = AgentProfileFactory()
    profile.queues.add(queue)
    return profile.user


def owned(channel, queue, agent, **fields) -> Interaction:
    now = timezone.now()
    defaults = {
        "last_inbound_at": now - timedelta(minutes=5),
        "window_expires_at": now + timedelta(hours=23),
        "awaiting_reply_since": now - timedelta(minutes=5),
        "accepted_at": now - timedelta(minutes=4),
    }
    return InteractionFactory.create(channel=channel, queue=queue, owner=agent, **{**defaults, **fields})


def test_a_customer_message_counts_in_by_type_for_its_queue_number_and_owner(post_webhook, channel, queue):
    assert post_webhook(payload("inbound_text")).status_code == 200
    assert post_webhook(payload("inbound_image")).status_code == 200
    assert counted("messages_in") == 0  # not in the webhook: its hot path stays 3 statements
    assert inbound_messages_tally() == 2
    assert inbound_messages_tally() == 0  # counted once
    assert detailed(Kind.MESSAGE_IN, "text") == 1
    assert detailed(Kind.MESSAGE_IN, "image") == 1
    assert counted("messages_in", dim="queue", dim_id=queue.pk) == 2
    assert counted("messages_in", dim="channel", dim_id=channel.pk) == 2
    assert counted("messages_in", dim="agent", dim_id=0) == 2  # nobody owns it yet


def test_a_redelivered_message_counts_once(post_webhook, channel, queue):
    post_webhook(payload("inbound_text"))
    post_webhook(payload("inbound_text"))
    inbound_messages_tally()
    assert counted("messages_in") == 1


def test_the_first_agent_message_is_the_first_response_timed_from_the_start(channel, queue, agent):
    interaction = owned(channel, queue, agent)
    Interaction.objects.filter(pk=interaction.pk).update(created_at=timezone.now() - timedelta(seconds=42))
    message_send(user=agent, interaction_id=interaction.pk, spec=OutboundSpec(type="text", body="Hi"))
    message_send(user=agent, interaction_id=interaction.pk, spec=OutboundSpec(type="text", body="More"))
    assert detailed(Kind.MESSAGE_OUT, "text") == 2
    assert counted("messages_out", dim="agent", dim_id=agent.pk) == 2
    assert counted("first_responses") == 1
    assert counted("first_response_seconds") == pytest.approx(42, abs=1)
    assert bucket_of("first_response", 42) == 1
    assert counted("first_responses", dim="agent", dim_id=agent.pk) == 1


def test_an_outbound_session_has_no_first_response(channel, queue, agent):
    interaction = owned(channel, queue, agent, origin=Interaction.Origin.OUTBOUND)
    message_send(user=agent, interaction_id=interaction.pk, spec=OutboundSpec(type="text", body="Hi"))
    assert counted("first_responses") == 0


def test_text_after_the_reply_timeout_is_a_notification_fallback(channel, queue, agent):
    from templates_app.models import MessageTemplate

    MessageTemplate.objects.create(
        name="thanks_for_patience",
        language="en_US",
        status=MessageTemplate.Status.APPROVED,
        body="Thank you for your patience! {{1}}",
        is_default_notification=True,
    )
    two_days_ago = timezone.now() - timedelta(days=2)
    interaction = owned(
        channel,
        queue,
        agent,
        last_inbound_at=two_days_ago,
        window_expires_at=two_days_ago + timedelta(hours=24),
    )
    message_send(user=agent, interaction_id=interaction.pk, spec=OutboundSpec(type="text", body="Sorry!"))
    assert counted("notification_fallbacks", dim="agent", dim_id=agent.pk) == 1
    assert detailed(Kind.MESSAGE_OUT, "template") == 1


def test_done_records_the_handle_time_and_the_disposition(channel, queue, agent):
    interaction = owned(channel, queue, agent, accepted_at=timezone.now() - timedelta(seconds=250))
    AgentProfile.objects.filter(user=agent).update(load=1)
    interaction_done(user=agent, interaction_id=interaction.pk)
    assert counted("handled", dim="queue", dim_id=queue.pk) == 1
    assert bucket_of("handle_time", 250, dim="queue", dim_id=queue.pk) == 1
    assert counted("handle_time_seconds") == pytest.approx(250, abs=1)
    assert detailed(Kind.DISPOSITION, "") == 1


def test_a_reply_timeout_with_the_customer_unanswered_is_a_breach(channel, queue, agent):
    past = timezone.now() - timedelta(seconds=5)
    unanswered = owned(channel, queue, agent, reply_due_at=past)
    owned(channel, queue, agent, reply_due_at=past, awaiting_reply_since=None, contact__wa_id="4915000000001")
    interaction_timers_due(now=timezone.now())
    assert counted("reply_breaches") == 1
    assert counted("reply_breaches", dim="agent", dim_id=agent.pk) == 1
    assert unanswered.queue_id == queue.pk


def test_offers_rejected_and_expired_count_for_the_agent(
    channel, queue, agent, django_capture_on_commit_callbacks
):
    routing.agent_set_ready(user=agent, ready=True)
    first = InteractionFactory(channel=channel, queue=queue, state=Interaction.State.QUEUED)
    offer = routing.interaction_route(interaction_id=first.pk)
    other = AgentProfileFactory()
    other.queues.add(queue)
    routing.agent_set_ready(user=other.user, ready=True)
    with django_capture_on_commit_callbacks(execute=True):
        routing.offer_reject(user=agent, offer_id=offer.pk)
    assert counted("offers_rejected", dim="agent", dim_id=agent.pk) == 1
    pending = Offer.objects.get(state=Offer.State.PENDING)
    routing.offers_expire_due(now=pending.due_at + timedelta(seconds=1))
    assert counted("offers_expired", dim="agent", dim_id=pending.agent_id) == 1
    assert counted("offers_expired", dim="queue", dim_id=queue.pk) == 1


def test_facts_of_one_hour_add_up_in_one_row_per_key(channel):
    at = timezone.now().replace(minute=10)
    facts_record([Fact(Kind.MESSAGE_IN, at, channel_id=channel.pk, detail="text")] * 3)
    facts_record([Fact(Kind.MESSAGE_IN, at.replace(minute=50), channel_id=channel.pk, detail="text")])
    row = Tally.objects.get(dim="channel", whole_day=False)
    assert Tally.objects.get(dim="channel", whole_day=True).messages_in == 4
    assert row.messages_in == 4
    assert detailed(Kind.MESSAGE_IN, "text") == 4
    assert row.hour == at.replace(minute=0, second=0, microsecond=0)


@pytest.mark.parametrize(
    ("seconds", "bucket"), [(0, 0), (4.9, 0), (5, 1), (42, 7), (-3, 0), (10**6, len(BUCKETS))]
)
def test_a_duration_counts_in_the_bucket_below_its_upper_bound(seconds, bucket):
    assert duration_bucket(seconds) == bucket
