"""R1, R2: offers go to available agents, longest idle first; reject, timeout, Not Ready."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations.exceptions import Conflict, PermissionDenied
from conversations.models import AgentProfile, Interaction, Offer
from conversations.services import capacity, routing
from tests.cloud_api import payload
from tests.factories import AgentProfileFactory, InteractionFactory, QueueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(channel):
    queue = QueueFactory(name="General")
    channel.default_queue = queue
    channel.save()
    return queue


def ready_agent(queue, *, idle_minutes: int = 0, capacity: int = 3) -> AgentProfile:
    profile = AgentProfileFactory.create(capacity=capacity)
    profile.queues.add(queue)
    routing.agent_set_ready(user=profile.user, ready=True)
    AgentProfile.objects.filter(pk=profile.pk).update(
        idle_since=timezone.now() - timedelta(minutes=idle_minutes)
    )
    profile.refresh_from_db()
    return profile


def waiting(queue, channel, *, minutes_ago: int = 0) -> Interaction:
    return InteractionFactory.create(
        channel=channel,
        queue=queue,
        state=Interaction.State.QUEUED,
        queued_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_first_customer_message_is_offered_to_the_longest_idle_agent(post_webhook, channel, queue):
    ready_agent(queue, idle_minutes=1)
    longest_idle = ready_agent(queue, idle_minutes=30)
    assert post_webhook(payload("inbound_text")).status_code == 200
    interaction = Interaction.objects.get()
    offer = Offer.objects.get()
    assert interaction.state == Interaction.State.OFFERED
    assert offer.agent == longest_idle.user
    assert offer.state == Offer.State.PENDING
    assert (offer.due_at - offer.created_at).total_seconds() == pytest.approx(30, abs=1)
    longest_idle.refresh_from_db()
    assert longest_idle.load == 1  # the offer reserves capacity


def test_not_ready_full_or_other_queue_agents_are_skipped(channel, queue):
    other_queue = QueueFactory(name="Billing")
    not_ready = AgentProfileFactory()
    not_ready.queues.add(queue)
    full = ready_agent(queue, idle_minutes=50, capacity=1)
    AgentProfile.objects.filter(pk=full.pk).update(load=1)
    elsewhere = ready_agent(other_queue, idle_minutes=60)
    chosen = ready_agent(queue, idle_minutes=5)
    interaction = waiting(queue, channel)
    offer = routing.interaction_route(interaction_id=interaction.pk)
    assert offer.agent == chosen.user
    assert elsewhere.user != offer.agent


def test_queue_skills_are_required(channel, queue):
    from conversations.models import Skill

    german = Skill.objects.create(name="German")
    queue.skills.add(german)
    ready_agent(queue, idle_minutes=60)  # lacks the skill
    speaker = ready_agent(queue, idle_minutes=1)
    speaker.skills.add(german)
    offer = routing.interaction_route(interaction_id=waiting(queue, channel).pk)
    assert offer.agent == speaker.user


def test_accept_makes_the_interaction_the_agents(channel, queue):
    agent = ready_agent(queue)
    interaction = waiting(queue, channel)
    offer = routing.interaction_route(interaction_id=interaction.pk)
    accepted = routing.offer_accept(user=agent.user, offer_id=offer.pk)
    assert (accepted.state, accepted.owner, accepted.accepted_at is not None) == (
        Interaction.State.ACTIVE,
        agent.user,
        True,
    )
    agent.refresh_from_db()
    assert agent.load == 1


def test_reject_returns_interaction_to_queue_and_offers_it_to_the_next_agent(
    channel, queue, django_capture_on_commit_callbacks
):
    first = ready_agent(queue, idle_minutes=10)
    second = ready_agent(queue, idle_minutes=5)
    interaction = waiting(queue, channel)
    offer = routing.interaction_route(interaction_id=interaction.pk)
    assert offer.agent == first.user
    with django_capture_on_commit_callbacks(execute=True):
        routing.offer_reject(user=first.user, offer_id=offer.pk)
    offer.refresh_from_db()
    assert offer.state == Offer.State.REJECTED
    next_offer = Offer.objects.get(state=Offer.State.PENDING)
    assert next_offer.agent == second.user
    first.refresh_from_db()
    assert first.load == 0 and first.is_ready


def test_offer_times_out_and_is_redirected(channel, queue, django_capture_on_commit_callbacks):
    silent = ready_agent(queue, idle_minutes=10)
    other = ready_agent(queue, idle_minutes=5)
    offer = routing.interaction_route(interaction_id=waiting(queue, channel).pk)
    assert offer.agent == silent.user
    with django_capture_on_commit_callbacks(execute=True):
        assert routing.offers_expire_due(now=timezone.now()) == 0  # not due yet
        assert routing.offers_expire_due(now=offer.due_at + timedelta(seconds=1)) == 1
    offer.refresh_from_db()
    assert offer.state == Offer.State.EXPIRED
    assert Offer.objects.get(state=Offer.State.PENDING).agent == other.user
    silent.refresh_from_db()
    assert not silent.is_ready  # redirect on no answer: the silent agent is Not Ready


def test_expiry_sweep_is_idempotent(channel, queue, django_capture_on_commit_callbacks):
    ready_agent(queue)
    offer = routing.interaction_route(interaction_id=waiting(queue, channel).pk)
    later = offer.due_at + timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert routing.offers_expire_due(now=later) == 1
        assert routing.offers_expire_due(now=later) == 0


def test_nobody_available_waits_in_order_and_is_offered_when_someone_becomes_ready(
    channel, queue, django_capture_on_commit_callbacks
):
    older = waiting(queue, channel, minutes_ago=5)
    newer = waiting(queue, channel, minutes_ago=1)
    assert routing.interaction_route(interaction_id=newer.pk) is None
    agent = AgentProfileFactory(capacity=1)
    agent.queues.add(queue)
    with django_capture_on_commit_callbacks(execute=True):
        routing.agent_set_ready(user=agent.user, ready=True)
    offer = Offer.objects.get()
    assert offer.interaction == older  # first come, first served
    newer.refresh_from_db()
    assert newer.state == Interaction.State.QUEUED


def test_freed_capacity_takes_the_next_waiting_interaction(
    channel, queue, django_capture_on_commit_callbacks
):
    from conversations.services.done import interaction_done

    agent = ready_agent(queue, capacity=1)
    first = waiting(queue, channel, minutes_ago=3)
    second = waiting(queue, channel, minutes_ago=2)
    offer = routing.interaction_route(interaction_id=first.pk)
    routing.offer_accept(user=agent.user, offer_id=offer.pk)
    assert routing.interaction_route(interaction_id=second.pk) is None  # full
    with django_capture_on_commit_callbacks(execute=True):
        interaction_done(user=agent.user, interaction_id=first.pk)
    assert Offer.objects.get(state=Offer.State.PENDING).interaction == second


def test_going_not_ready_never_strands_an_offer(channel, queue, django_capture_on_commit_callbacks):
    leaving = ready_agent(queue, idle_minutes=10)
    staying = ready_agent(queue, idle_minutes=1)
    offer = routing.interaction_route(interaction_id=waiting(queue, channel).pk)
    assert offer.agent == leaving.user
    with django_capture_on_commit_callbacks(execute=True):
        routing.agent_set_ready(user=leaving.user, ready=False)
    offer.refresh_from_db()
    assert offer.state == Offer.State.WITHDRAWN
    assert Offer.objects.get(state=Offer.State.PENDING).agent == staying.user


def test_logging_out_withdraws_offers(client, channel, queue, django_capture_on_commit_callbacks):
    agent = ready_agent(queue)
    offer = routing.interaction_route(interaction_id=waiting(queue, channel).pk)
    client.force_login(agent.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/logout/")
    offer.refresh_from_db()
    assert offer.state == Offer.State.WITHDRAWN
    agent.refresh_from_db()
    assert not agent.is_ready


def test_only_the_offered_agent_may_answer(channel, queue):
    ready_agent(queue, idle_minutes=10)
    intruder = AgentProfileFactory()
    offer = routing.interaction_route(interaction_id=waiting(queue, channel).pk)
    with pytest.raises(PermissionDenied):
        routing.offer_accept(user=intruder.user, offer_id=offer.pk)


def test_an_answered_offer_cannot_be_answered_again(channel, queue):
    agent = ready_agent(queue)
    offer = routing.interaction_route(interaction_id=waiting(queue, channel).pk)
    routing.offer_accept(user=agent.user, offer_id=offer.pk)
    with pytest.raises(Conflict, match="already accepted"):
        routing.offer_reject(user=agent.user, offer_id=offer.pk)


def test_load_reconcile_heals_drift(channel, queue):
    agent = ready_agent(queue)
    offer = routing.interaction_route(interaction_id=waiting(queue, channel).pk)
    routing.offer_accept(user=agent.user, offer_id=offer.pk)
    AgentProfile.objects.filter(pk=agent.pk).update(load=3)  # drifted
    assert capacity.agent_loads_reconcile() == 1
    agent.refresh_from_db()
    assert agent.load == 1


def test_least_busy_agent_goes_before_a_longer_idle_busy_one(channel, queue):
    busy = ready_agent(queue, idle_minutes=60)
    AgentProfile.objects.filter(pk=busy.pk).update(load=2)
    free = ready_agent(queue, idle_minutes=1)
    offer = routing.interaction_route(interaction_id=waiting(queue, channel).pk)
    assert offer.agent == free.user


def test_done_by_a_supervisor_withdraws_the_pending_offer(channel, queue, django_capture_on_commit_callbacks):
    from conversations.services.done import interaction_done
    from tests.factories import UserFactory

    agent = ready_agent(queue)
    interaction = waiting(queue, channel)
    offer = routing.interaction_route(interaction_id=interaction.pk)
    supervisor = UserFactory(is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        interaction_done(user=supervisor, interaction_id=interaction.pk)
    offer.refresh_from_db()
    agent.refresh_from_db()
    assert offer.state == Offer.State.WITHDRAWN
    assert agent.load == 0 and agent.is_ready


# --- the sweep: no head-of-line blocking across queues ----------------------------------------


def test_backlog_of_a_queue_without_agents_does_not_hold_up_another_queue_on_going_ready(
    channel, queue, django_capture_on_commit_callbacks
):
    # given 60 interactions waiting (older) in a queue nobody serves, one in another queue
    for minutes in range(60):
        waiting(queue, channel, minutes_ago=100 - minutes)
    billing = QueueFactory(name="Billing")
    waiting_billing = waiting(billing, channel)
    agent = AgentProfileFactory()
    agent.queues.add(billing)
    # when the Billing agent goes Ready
    with django_capture_on_commit_callbacks(execute=True):
        routing.agent_set_ready(user=agent.user, ready=True)
    # then the Billing interaction is offered to them
    offer = Offer.objects.get()
    assert (offer.interaction, offer.agent, offer.state) == (waiting_billing, agent.user, Offer.State.PENDING)
    waiting_billing.refresh_from_db()
    assert waiting_billing.state == Interaction.State.OFFERED
    assert Interaction.objects.filter(queue=queue, state=Interaction.State.QUEUED).count() == 60


def test_sweep_offers_another_queues_work_behind_a_backlog_nobody_serves(channel, queue):
    for minutes in range(60):
        waiting(queue, channel, minutes_ago=100 - minutes)
    billing = QueueFactory(name="Billing")
    agent = AgentProfileFactory()
    agent.queues.add(billing)
    AgentProfile.objects.filter(pk=agent.pk).update(is_ready=True)  # Ready before the work came
    waiting_billing = waiting(billing, channel)
    assert routing.dispatch_waiting() == 1
    assert Offer.objects.get().interaction == waiting_billing


def test_sweep_costs_a_fixed_number_of_queries_when_nobody_can_take_the_backlog(
    channel, queue, django_assert_max_num_queries
):
    for minutes in range(120):
        waiting(queue, channel, minutes_ago=200 - minutes)
    with django_assert_max_num_queries(1):
        assert routing.dispatch_waiting() == 0  # nobody Ready: one query
    elsewhere = AgentProfileFactory()
    elsewhere.queues.add(QueueFactory(name="Billing"))
    AgentProfile.objects.filter(pk=elsewhere.pk).update(is_ready=True)
    with django_assert_max_num_queries(7):  # agents, queues, skills, queue skills, 2 queues' waiting
        assert routing.dispatch_waiting() == 0
    assert not Offer.objects.exists()


def test_sweep_serves_each_queue_oldest_first_across_the_agents_queues(channel, queue):
    billing = QueueFactory(name="Billing")
    agent = ready_agent(queue, capacity=2)
    agent.queues.add(billing)
    newest = waiting(queue, channel, minutes_ago=1)
    oldest = waiting(billing, channel, minutes_ago=9)
    middle = waiting(queue, channel, minutes_ago=5)
    assert routing.dispatch_waiting() == 2
    assert set(Offer.objects.values_list("interaction", flat=True)) == {oldest.pk, middle.pk}
    newest.refresh_from_db()
    assert newest.state == Interaction.State.QUEUED


def test_sweep_passes_over_work_transferred_to_a_group_nobody_free_belongs_to(channel, queue):
    from conversations.models import AgentGroup

    agent = ready_agent(queue, capacity=1)
    for minutes in range(60):  # older work waiting for an agent group without free agents
        transferred = waiting(queue, channel, minutes_ago=100 - minutes)
        transferred.target_group = AgentGroup.objects.get_or_create(name="Escalations")[0]
        transferred.save(update_fields=["target_group"])
    plain = waiting(queue, channel, minutes_ago=1)
    assert routing.dispatch_waiting() == 1
    assert (Offer.objects.get().interaction, Offer.objects.get().agent) == (plain, agent.user)


def test_sweep_does_not_reoffer_to_the_agent_who_just_rejected_it(
    channel, queue, django_capture_on_commit_callbacks
):
    agent = ready_agent(queue, capacity=1)
    rejected = waiting(queue, channel, minutes_ago=5)
    offer = routing.interaction_route(interaction_id=rejected.pk)
    routing.offer_reject(user=agent.user, offer_id=offer.pk)
    later = waiting(queue, channel, minutes_ago=1)
    assert routing.dispatch_waiting() == 1
    assert Offer.objects.get(state=Offer.State.PENDING).interaction == later
    rejected.refresh_from_db()
    assert rejected.state == Interaction.State.QUEUED


def test_sweep_skips_queues_whose_skills_the_free_agents_lack(channel, queue):
    from conversations.models import Skill

    queue.skills.add(Skill.objects.create(name="German"))
    ready_agent(queue)  # in the queue but without the skill
    waiting(queue, channel)
    assert routing.dispatch_waiting() == 0
    assert not Offer.objects.exists()
