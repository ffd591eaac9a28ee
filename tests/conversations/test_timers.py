"""O1 / O2 timers: the beat announces closed windows and ended reply windows, once each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from conversations.models import Interaction
from conversations.services.interactions import interaction_done, interaction_timers_due
from tests.cloud_api import payload
from tests.factories import AgentProfileFactory, InteractionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def listen(group: str) -> str:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return channel


def received(channel: str) -> list[dict]:
    layer = get_channel_layer()
    frames = []
    while True:
        try:
            frames.append(async_to_sync(_receive)(layer, channel))
        except TimeoutError:
            return frames


async def _receive(layer, channel):
    import asyncio

    return await asyncio.wait_for(layer.receive(channel), 0.3)


def test_customer_message_arms_both_timers(post_webhook, channel):
    post_webhook(payload("inbound_text"))
    interaction = Interaction.objects.get()
    assert interaction.window_due_at == interaction.window_expires_at
    assert interaction.reply_due_at == interaction.last_inbound_at + timedelta(seconds=86400)


def test_closed_window_and_ended_reply_window_are_announced_once(channel):
    agent = AgentProfileFactory().user
    past = timezone.now() - timedelta(seconds=1)
    interaction = InteractionFactory(channel=channel, owner=agent, window_due_at=past, reply_due_at=past)
    inbox = listen(f"agent.{agent.pk}")
    assert interaction_timers_due(now=timezone.now()) == 2
    assert interaction_timers_due(now=timezone.now()) == 0  # once
    types = [f["type"] for f in received(inbox)]
    assert types == ["interaction.window_closed", "interaction.reply_timeout"]
    interaction.refresh_from_db()
    assert interaction.window_due_at is None and interaction.reply_due_at is None


def test_a_newer_customer_message_arms_the_timers_again(post_webhook, channel):
    post_webhook(payload("inbound_text"))
    Interaction.objects.update(window_due_at=None, reply_due_at=None)  # announced
    later = payload("inbound_text")
    message = later["entry"][0]["changes"][0]["value"]["messages"][0]
    message.update({"id": "wamid.later", "timestamp": str(int(message["timestamp"]) + 60)})
    post_webhook(later)
    interaction = Interaction.objects.get()
    assert interaction.window_due_at is not None and interaction.reply_due_at is not None


def test_done_interactions_are_not_announced(channel):
    agent = AgentProfileFactory().user
    interaction = InteractionFactory(channel=channel, owner=agent, state="active")
    interaction_done(user=agent, interaction_id=interaction.pk)
    Interaction.objects.filter(pk=interaction.pk).update(window_due_at=timezone.now() - timedelta(seconds=1))
    assert interaction_timers_due(now=timezone.now()) == 0


def test_a_tick_reads_only_what_is_due(channel, django_assert_max_num_queries):
    past = timezone.now() - timedelta(seconds=1)
    future = timezone.now() + timedelta(hours=5)
    InteractionFactory.create_batch(30, channel=channel, window_due_at=future, reply_due_at=future)
    InteractionFactory(channel=channel, window_due_at=past)
    with django_assert_max_num_queries(8):
        assert interaction_timers_due(now=timezone.now()) == 1
