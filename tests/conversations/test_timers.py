"""O1 / O2 timers: the beat announces closed windows and ended reply windows, once each;
the reply timer follows the owner's reply timeout, whoever the owner and whatever the option."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations.models import AgentGroup, BusinessAttribute, Interaction, Offer, OptionValue
from conversations.options import get_option
from conversations.services import routing
from conversations.services.collaboration import conference_answer, conference_invite, conference_leave
from conversations.services.done import interaction_done
from conversations.services.interactions import (
    interaction_reply_timers_rearm,
    interaction_timers_due,
)
from conversations.services.options import option_value_save, option_values_delete
from conversations.windows import reply_window_ends_at
from tests.cloud_api import payload
from tests.factories import AgentProfileFactory, InteractionFactory, QueueFactory, UserFactory
from workbins.models import Workbin
from workbins.services import interaction_park, interaction_unpark

pytestmark = pytest.mark.django_db(transaction=True)


def listen(group: str) -> str:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return channel


def received(channel: str) -> list[dict]:
    """The events the channel got, a ``broadcast.batch`` opened into its events."""
    layer = get_channel_layer()
    frames: list[dict] = []
    while True:
        try:
            message = async_to_sync(_receive)(layer, channel)
        except TimeoutError:
            return frames
        frames.extend(message["events"] if message["type"] == "broadcast.batch" else [message])


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


# --- O2: the reply timeout of the interaction's owner -------------------------------------------

REPLY_TIMEOUT = "whatsappsession.reply-timeout"
DAY = timedelta(seconds=86400)


@pytest.fixture
def queue(channel):
    queue = QueueFactory(name="General")
    channel.default_queue = queue
    channel.save()
    return queue


def customer_writes(post_webhook, *, wamid: str, at) -> None:
    """The customer of the fixtures writes, originated at ``at``."""
    body = payload("inbound_text")
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    message.update({"id": wamid, "timestamp": str(int(at.timestamp()))})
    assert post_webhook(body).status_code == 200


def whole_seconds_ago(**ago):
    return (timezone.now() - timedelta(**ago)).replace(microsecond=0)


def set_option(value, *, agent=None, agent_group=None) -> OptionValue:
    return option_value_save(
        option=OptionValue(key=REPLY_TIMEOUT, value=value, agent=agent, agent_group=agent_group)
    )


def open_interaction(channel, owner, *, last_inbound_at, timeout=DAY):
    """An interaction in progress whose reply timer was armed with ``timeout``."""
    return InteractionFactory(
        channel=channel,
        owner=owner,
        last_inbound_at=last_inbound_at,
        window_expires_at=last_inbound_at + timedelta(hours=24),
        window_due_at=last_inbound_at + timedelta(hours=24),
        reply_due_at=last_inbound_at + timeout,
    )


@pytest.mark.parametrize("scope", ["agent", "group"])
def test_a_customer_message_arms_the_reply_timer_with_the_owners_timeout(post_webhook, channel, scope):
    group = AgentGroup.objects.create(name="Fast replies")
    agent = AgentProfileFactory(group=group).user
    set_option(120, **({"agent": agent} if scope == "agent" else {"agent_group": group}))
    customer_writes(post_webhook, wamid="wamid.first", at=whole_seconds_ago(minutes=10))
    Interaction.objects.update(owner=agent, state=Interaction.State.ACTIVE)

    later = whole_seconds_ago(minutes=1)
    customer_writes(post_webhook, wamid="wamid.later", at=later)

    interaction = Interaction.objects.get()
    assert interaction.last_inbound_at == later
    assert interaction.reply_due_at == later + timedelta(seconds=120)  # not a day
    assert reply_window_ends_at(interaction) == interaction.reply_due_at  # what sending uses


def test_an_agent_who_accepts_gets_their_reply_timeout_and_the_timer_fires_after_it(
    post_webhook, channel, queue
):
    # the customer writes while nobody owns the conversation: the global timeout (a day)
    profile = AgentProfileFactory()
    profile.queues.add(queue)
    agent = profile.user
    set_option(120, agent=agent)
    wrote_at = whole_seconds_ago(seconds=30)
    customer_writes(post_webhook, wamid="wamid.first", at=wrote_at)
    interaction = Interaction.objects.get()
    assert interaction.reply_due_at == wrote_at + DAY
    # the agent goes Ready and accepts the offer: their 120 seconds apply
    routing.agent_set_ready(user=agent, ready=True)
    offer = Offer.objects.get(interaction=interaction, agent=agent)
    routing.offer_accept(user=agent, offer_id=offer.pk)
    interaction.refresh_from_db()
    assert interaction.reply_due_at == wrote_at + timedelta(seconds=120)

    inbox = listen(f"agent.{agent.pk}")
    assert interaction_timers_due(now=timezone.now()) == 0
    assert interaction_timers_due(now=wrote_at + timedelta(seconds=121)) == 1  # not a day later
    assert [f["type"] for f in received(inbox)] == ["interaction.reply_timeout"]


def test_the_agent_who_opens_a_parked_interaction_gets_their_reply_timeout(channel):
    team = AgentGroup.objects.create(name="Tier 2")
    parker = AgentProfileFactory(group=team).user
    opener = AgentProfileFactory(group=team).user
    shared = Workbin.objects.create(name="Tier 2 follow-ups", kind="group", agent_group=team)
    set_option(300, agent=opener)
    wrote_at = whole_seconds_ago(minutes=1)
    interaction = open_interaction(channel, parker, last_inbound_at=wrote_at)

    interaction_park(user=parker, interaction_id=interaction.pk, workbin_id=shared.pk)
    interaction.refresh_from_db()
    assert interaction.reply_due_at == wrote_at + DAY  # nobody's: the global value
    interaction_unpark(user=opener, interaction_id=interaction.pk)
    interaction.refresh_from_db()
    assert interaction.reply_due_at == wrote_at + timedelta(seconds=300)


def test_the_guest_who_takes_over_a_conference_gets_their_reply_timeout(channel):
    owner = AgentProfileFactory().user
    guest = AgentProfileFactory().user
    routing.agent_set_ready(user=guest, ready=True)
    set_option(90, agent=guest)
    BusinessAttribute.objects.create(name="InternalConferenceInvite")
    wrote_at = whole_seconds_ago(seconds=30)
    interaction = open_interaction(channel, owner, last_inbound_at=wrote_at)
    invitation = conference_invite(user=owner, interaction_id=interaction.pk, agent_id=guest.pk)
    conference_answer(user=guest, participant_id=invitation.pk, accept=True)
    assert Interaction.objects.get(pk=interaction.pk).reply_due_at == wrote_at + DAY  # still the owner's

    conference_leave(user=owner, interaction_id=interaction.pk)  # the guest stays: theirs now

    interaction.refresh_from_db()
    assert interaction.owner == guest
    assert interaction.reply_due_at == wrote_at + timedelta(seconds=90)


def test_lowering_the_reply_timeout_rearms_open_interactions_and_tells_their_consoles(channel):
    agent = AgentProfileFactory().user
    wrote_at = whole_seconds_ago(minutes=5)
    interaction = open_interaction(channel, agent, last_inbound_at=wrote_at)
    done = open_interaction(channel, agent, last_inbound_at=wrote_at)
    Interaction.objects.filter(pk=done.pk).update(state=Interaction.State.CLOSED, reply_due_at=None)
    # (a console listens afresh at each step: a drained channels_redis inbox is bound to its loop)
    console, agent_console = listen(f"interaction.{interaction.pk}"), listen(f"agent.{agent.pk}")

    option = set_option(120)

    interaction.refresh_from_db()
    assert interaction.reply_due_at == wrote_at + timedelta(seconds=120)
    frames = received(console)
    assert [f["type"] for f in frames] == ["interaction.changed"]
    assert frames[0]["interaction"]["reply_window_ends_at"] == (wrote_at + timedelta(seconds=120)).isoformat()
    assert [f["type"] for f in received(agent_console)] == ["options.changed"]
    assert Interaction.objects.get(pk=done.pk).reply_due_at is None  # a closed one is left alone
    # the new deadline has passed: the beat announces it at its next tick, once
    assert interaction_timers_due(now=timezone.now()) == 1

    # saving the same value again changes nothing and announces nothing again
    console = listen(f"interaction.{interaction.pk}")
    option_value_save(option=option)
    assert Interaction.objects.get(pk=interaction.pk).reply_due_at is None
    assert [f["type"] for f in received(console)] == []
    assert interaction_timers_due(now=timezone.now()) == 0

    # back to the default (a day): the reply window is open again, and so is its timer
    console = listen(f"interaction.{interaction.pk}")
    option_values_delete(queryset=OptionValue.objects.filter(pk=option.pk))
    assert Interaction.objects.get(pk=interaction.pk).reply_due_at == wrote_at + DAY
    frames = received(console)
    assert [f["type"] for f in frames] == ["interaction.changed"]
    assert frames[0]["interaction"]["reply_window_ends_at"] == (wrote_at + DAY).isoformat()


def test_a_group_value_rearms_its_members_interactions_only_and_an_agent_value_beats_it(channel):
    group = AgentGroup.objects.create(name="Fast replies")
    member = AgentProfileFactory(group=group).user
    member_with_own_value = AgentProfileFactory(group=group).user
    set_option(600, agent=member_with_own_value)
    outsider = AgentProfileFactory().user
    wrote_at = whole_seconds_ago(minutes=1)
    members = open_interaction(channel, member, last_inbound_at=wrote_at)
    own = open_interaction(channel, member_with_own_value, last_inbound_at=wrote_at, timeout=timedelta(600))
    outsiders = open_interaction(channel, outsider, last_inbound_at=wrote_at)
    Interaction.objects.filter(pk=own.pk).update(reply_due_at=wrote_at + timedelta(seconds=600))

    option = set_option(120, agent_group=group)

    def due(interaction):
        return Interaction.objects.get(pk=interaction.pk).reply_due_at - wrote_at

    assert (due(members), due(own), due(outsiders)) == (timedelta(seconds=120), timedelta(seconds=600), DAY)
    option_values_delete(queryset=OptionValue.objects.filter(pk=option.pk))
    assert (due(members), due(own), due(outsiders)) == (DAY, timedelta(seconds=600), DAY)


def test_an_option_value_moved_to_another_agent_rearms_both(channel):
    first, second = AgentProfileFactory().user, AgentProfileFactory().user
    option = set_option(120, agent=first)
    wrote_at = whole_seconds_ago(minutes=1)
    firsts = open_interaction(channel, first, last_inbound_at=wrote_at, timeout=timedelta(seconds=120))
    seconds = open_interaction(channel, second, last_inbound_at=wrote_at)

    option.agent = second
    option_value_save(option=option)

    assert Interaction.objects.get(pk=firsts.pk).reply_due_at == wrote_at + DAY
    assert Interaction.objects.get(pk=seconds.pk).reply_due_at == wrote_at + timedelta(seconds=120)


def test_the_admin_saves_and_deletes_reply_timeouts_through_the_service(client, channel):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    agent = AgentProfileFactory().user
    wrote_at = whole_seconds_ago(minutes=1)
    interaction = open_interaction(channel, agent, last_inbound_at=wrote_at)

    response = client.post(
        "/admin/conversations/optionvalue/add/",
        {"key": REPLY_TIMEOUT, "value": "120", "agent_group": "", "agent": str(agent.pk)},
    )
    assert response.status_code == 302, response.content
    assert Interaction.objects.get(pk=interaction.pk).reply_due_at == wrote_at + timedelta(seconds=120)

    option = OptionValue.objects.get(key=REPLY_TIMEOUT)
    response = client.post(
        "/admin/conversations/optionvalue/",
        {"action": "delete_selected", "_selected_action": [option.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not OptionValue.objects.exists()
    assert Interaction.objects.get(pk=interaction.pk).reply_due_at == wrote_at + DAY


def test_rearming_costs_the_same_for_many_interactions(channel):
    owners = [AgentProfileFactory().user for _ in range(4)]
    set_option(300, agent=owners[0])
    wrote_at = whole_seconds_ago(minutes=1)

    def queries_for(count: int) -> int:
        for n in range(count):
            open_interaction(channel, owners[n % 4], last_inbound_at=wrote_at, timeout=timedelta(hours=1))
        get_option(REPLY_TIMEOUT)  # the options snapshot is fresh: not counted
        with CaptureQueriesContext(connection) as captured:
            moved = interaction_reply_timers_rearm(interactions=Interaction.objects.all())
        assert len(moved) == count
        Interaction.objects.all().delete()
        return len(captured)

    # the owners; per distinct timeout (300 s, a day) one SELECT and one UPDATE; the
    # transaction; after it, one read of the moved interactions for the consoles
    assert queries_for(40) == queries_for(8) == 8


def test_an_agent_moved_to_a_group_with_its_own_timeout_in_the_admin_gets_it(client, channel):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    group = AgentGroup.objects.create(name="Fast replies")
    set_option(120, agent_group=group)
    profile = AgentProfileFactory()
    wrote_at = whole_seconds_ago(minutes=1)
    interaction = open_interaction(channel, profile.user, last_inbound_at=wrote_at)

    response = client.post(
        f"/admin/conversations/agentprofile/{profile.pk}/change/",
        {"user": profile.user_id, "capacity": 3, "group": group.pk},
    )
    assert response.status_code == 302, response.content
    assert Interaction.objects.get(pk=interaction.pk).reply_due_at == wrote_at + timedelta(seconds=120)
