"""Routing (R1, R2): queues, agents' Ready state and capacity, offers.

A waiting interaction is offered to one available agent of its queue — Ready, below
capacity, with the queue's skills — longest idle first. The agent accepts or rejects;
no answer before ``due_at`` redirects it (a due-time row swept by the beat). Nobody
available: it waits, in arrival order, and is offered as soon as someone becomes Ready
or frees capacity.

Races between dispatchers (webhook threads, workers, the beat) are settled by
conditional UPDATEs: an agent's capacity is reserved with ``load < capacity`` in the
WHERE clause and an interaction is claimed with ``state = 'queued'``; whoever loses
simply tries the next candidate. ``AgentProfile.load`` counts pending offers plus
active interactions; the sweep recomputes it from the rows to heal any drift.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations import events
from conversations.exceptions import Conflict, NotFound, PermissionDenied
from conversations.models import AgentProfile, Interaction, Offer, Queue
from conversations.options import get_option
from conversations.services.capacity import (
    agent_profile_for,
    agents_available,
    capacity_release,
    capacity_reserve,
)
from conversations.services.interactions import interaction_owner_changed
from integrations import outbox
from ops import metrics
from reports.services import Fact, Kind, facts_record

logger = logging.getLogger(__name__)

#: An agent who rejected (or let expire) an interaction is passed over for it while
#: anyone else can take it; after this long they may be offered it again.
REOFFER_AFTER = timedelta(seconds=60)
DISPATCH_BATCH = 50


# --- agents ---------------------------------------------------------------------------


def agent_set_ready(
    *, user: User, ready: bool, reason: str = AgentProfile.NotReadyReason.CHOSEN
) -> AgentProfile:
    """Ready / Not Ready for WhatsApp. Going Not Ready withdraws pending offers (they
    are offered to someone else); going Ready takes waiting work at once. ``reason`` (an
    ``AgentProfile.NotReadyReason``) is kept with the Not Ready state, so the agent's
    console says why whenever it loads (``payloads.agent_payload``)."""
    now = timezone.now()
    with transaction.atomic():
        profile = AgentProfile.objects.select_for_update().get(pk=agent_profile_for(user).pk)
        reason = "" if ready else AgentProfile.NotReadyReason(reason)
        changed = []
        if profile.is_ready != ready:
            profile.is_ready = ready
            profile.ready_changed_at = now
            if ready and profile.load == 0:
                profile.idle_since = now
            changed += ["is_ready", "ready_changed_at", "idle_since"]
        if profile.not_ready_reason != reason:
            profile.not_ready_reason = reason
            changed.append("not_ready_reason")
        if changed:
            profile.save(update_fields=changed)
        if not ready:
            for offer in Offer.objects.filter(agent=user, state=Offer.State.PENDING):
                _close_offer(offer, state=Offer.State.WITHDRAWN, now=now)
        events.agent_state_changed(user_id=profile.user_id)
        transaction.on_commit(dispatch_waiting)
    return profile


# --- offers ---------------------------------------------------------------------------


def _available_agents(interaction: Interaction, *, now: datetime) -> list[AgentProfile]:
    """Candidates for a waiting interaction, in routing order, less its recent decliners.
    One query: the queue's skills and the recent refusals are subqueries (a new
    conversation's routing is on the webhook's path, where each round trip shows)."""
    declined = Offer.objects.filter(
        interaction_id=interaction.pk,
        agent_id=OuterRef("user_id"),
        state__in=(Offer.State.REJECTED, Offer.State.EXPIRED),
        responded_at__gte=now - REOFFER_AFTER,
    )
    return list(
        agents_available(
            queue_id=interaction.queue_id,
            group_id=interaction.target_group_id,  # a transfer to an agent group (R4)
            skill_id=interaction.target_skill_id,  # a transfer to a skill (R4)
        ).exclude(Exists(declined))
    )


def interaction_requeue(
    *, interaction: Interaction, queue: Queue | None, skill_id: int | None, now: datetime
) -> None:
    """An automated owner (an entry flow, B1; an external bot, B4) hands the interaction to
    routing, inside the caller's transaction: waiting in ``queue`` (else the queue it is in,
    else the number's default) for ``skill_id``, its ``case_data`` as the caller set it, and
    offered once the change commits."""
    interaction.state = Interaction.State.QUEUED
    interaction.owner = None
    interaction.accepted_at = None
    interaction.queued_at = now
    if queue is not None:
        interaction.queue = queue
    elif interaction.queue_id is None:
        interaction.queue_id = interaction.channel.default_queue_id
    interaction.target_skill_id = skill_id
    interaction.save(
        update_fields=[
            "state",
            "owner",
            "accepted_at",
            "queued_at",
            "queue",
            "target_skill",
            "case_data",
            "updated_at",
        ]
    )
    interaction_owner_changed(interaction_id=interaction.pk)  # the agents' reply timeout applies
    events.interaction_changed(interaction=interaction)
    interaction_id = interaction.pk
    transaction.on_commit(lambda: interaction_route(interaction_id=interaction_id))


def interaction_route(*, interaction_id: int) -> Offer | None:
    """Offer a waiting interaction to the best available agent; None if nobody is.

    Safe to call from anywhere at any time: a claimed interaction or a full agent makes
    it a no-op for that candidate.
    """
    now = timezone.now()
    with transaction.atomic():
        interaction = (
            Interaction.objects.select_related("queue", "contact", "handoff_by")
            .filter(pk=interaction_id)
            .first()
        )
        if interaction is None or interaction.state != Interaction.State.QUEUED:
            return None
        for agent in _available_agents(interaction, now=now):
            if not capacity_reserve(agent):
                continue  # someone else took the agent's last slot
            claimed = Interaction.objects.filter(pk=interaction.pk, state=Interaction.State.QUEUED).update(
                state=Interaction.State.OFFERED
            )
            if not claimed:
                capacity_release(agent.user_id, now=now)
                return None
            timeout = get_option(
                "whatsappsession.offer-accept-timeout", agent_id=agent.user_id, group_id=agent.group_id
            )
            try:
                with transaction.atomic():
                    offer = Offer.objects.create(
                        interaction=interaction,
                        agent_id=agent.user_id,
                        due_at=now + timedelta(seconds=timeout),
                    )
            except IntegrityError:  # a pending offer exists already (another dispatcher)
                capacity_release(agent.user_id, now=now)
                return None
            interaction.state = Interaction.State.OFFERED
            events.offer_created(offer=offer)
            outbox.interaction_routed(interaction=interaction, agent_id=agent.user_id, offer_id=offer.pk)
            metrics.count_on_commit(metrics.OFFERS, "made")
            return offer
    return None


def _close_offer(offer: Offer, *, state: str, now: datetime) -> bool:
    """End a pending offer without acceptance and put the interaction back in its queue."""
    closed = Offer.objects.filter(pk=offer.pk, state=Offer.State.PENDING).update(
        state=state, responded_at=now
    )
    if not closed:
        return False
    metrics.count_on_commit(metrics.OFFERS, state)  # rejected, expired
    place = Interaction.objects.filter(pk=offer.interaction_id).values_list("queue_id", "channel_id").first()
    queue_id, channel_id = place if place is not None else (None, None)
    kind = Kind.OFFER_REJECTED if state == Offer.State.REJECTED else Kind.OFFER_EXPIRED
    facts_record([Fact(kind, now, queue_id=queue_id, agent_id=offer.agent_id, channel_id=channel_id)])  # S3
    capacity_release(offer.agent_id, now=now)
    Interaction.objects.filter(pk=offer.interaction_id, state=Interaction.State.OFFERED).update(
        state=Interaction.State.QUEUED
    )
    events.offer_withdrawn(
        agent_id=offer.agent_id, offer_id=offer.pk, reason=state, interaction_id=offer.interaction_id
    )
    transaction.on_commit(dispatch_waiting)  # this one (oldest first) and whatever else waits
    return True


def _pending_offer_of(*, user: User, offer_id: int) -> Offer:
    offer = Offer.objects.select_related("interaction").filter(pk=offer_id).first()
    if offer is None:
        raise NotFound(_("offer %(offer_id)s does not exist") % {"offer_id": offer_id})
    if offer.agent_id != user.pk:
        raise PermissionDenied(_("this interaction was offered to another agent"))
    if offer.state != Offer.State.PENDING:
        raise Conflict(_offer_answered(offer.state), code=f"offer_{offer.state}")
    return offer


def _offer_answered(state: str) -> str:
    """Why an offer can no longer be answered, in the request's language."""
    if state == Offer.State.ACCEPTED:
        return _("this offer was already accepted")
    if state == Offer.State.REJECTED:
        return _("this offer was already rejected")
    if state == Offer.State.EXPIRED:
        return _("this offer has already expired")
    return _("this offer was already withdrawn")


def offer_accept(*, user: User, offer_id: int) -> Interaction:
    """Accept: the interaction becomes the agent's (its window opens in the console)."""
    now = timezone.now()
    with transaction.atomic():
        offer = _pending_offer_of(user=user, offer_id=offer_id)
        if not Offer.objects.filter(pk=offer.pk, state=Offer.State.PENDING).update(
            state=Offer.State.ACCEPTED, responded_at=now
        ):
            raise Conflict(_("this offer was answered meanwhile"), code="offer_answered")
        metrics.count_on_commit(metrics.OFFERS, "accepted")
        Interaction.objects.filter(pk=offer.interaction_id, state=Interaction.State.OFFERED).update(
            state=Interaction.State.ACTIVE,
            owner=user,
            accepted_at=now,
            target_group=None,
            target_skill=None,
            handoff="",
            handoff_by=None,
        )
        interaction_owner_changed(interaction_id=offer.interaction_id)  # their reply timeout (O2)
        interaction = Interaction.objects.select_related("contact", "channel", "queue").get(
            pk=offer.interaction_id
        )
        events.offer_withdrawn(agent_id=user.pk, offer_id=offer.pk, reason="accepted")
        events.interaction_assigned(interaction=interaction)
        outbox.interaction_accepted(interaction=interaction)
    return interaction


def offer_reject(*, user: User, offer_id: int) -> None:
    """Reject: the interaction goes back to its queue and is offered to the next agent."""
    with transaction.atomic():
        offer = _pending_offer_of(user=user, offer_id=offer_id)
        if not _close_offer(offer, state=Offer.State.REJECTED, now=timezone.now()):
            raise Conflict(_("this offer was answered meanwhile"), code="offer_answered")


def offers_expire_due(*, now: datetime, limit: int = DISPATCH_BATCH) -> int:
    """Redirect offers nobody answered in time; the silent agent goes Not Ready (RONA).

    Cost grows with what is due (partial index on pending offers' ``due_at``).
    """
    due = list(
        Offer.objects.filter(state=Offer.State.PENDING, due_at__lte=now)
        .select_related("agent")
        .order_by("due_at")[:limit]
    )
    expired = 0
    for offer in due:
        with transaction.atomic():
            if _close_offer(offer, state=Offer.State.EXPIRED, now=now):
                expired += 1
                # Not Ready (and their other offers withdrawn): the console says why.
                agent_set_ready(
                    user=offer.agent, ready=False, reason=AgentProfile.NotReadyReason.OFFER_EXPIRED
                )
    return expired


# --- the queue ----------------------------------------------------------------------------


@dataclass
class _FreeAgent:
    """An agent with free capacity as the sweep saw them (refreshed after a lost race)."""

    profile_id: int
    user_id: int
    group_id: int | None
    free: int
    queue_ids: set[int] = field(default_factory=set)
    skill_ids: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class _Waiting:
    pk: int
    queue_id: int | None
    queued_at: datetime | None
    target_group_id: int | None
    target_skill_id: int | None


def _free_agents() -> dict[int, _FreeAgent]:
    """Ready agents below capacity, with their queues and skills: three queries."""
    agents = {
        user_id: _FreeAgent(profile_id=pk, user_id=user_id, group_id=group_id, free=capacity - load)
        for pk, user_id, group_id, capacity, load in AgentProfile.objects.filter(
            is_ready=True, load__lt=F("capacity")
        ).values_list("pk", "user_id", "group_id", "capacity", "load")
    }
    if not agents:
        return agents
    by_profile = {agent.profile_id: agent.user_id for agent in agents.values()}  # M2M rows name profiles
    for profile_id, queue_id in AgentProfile.queues.through.objects.filter(
        agentprofile_id__in=by_profile
    ).values_list("agentprofile_id", "queue_id"):
        agents[by_profile[profile_id]].queue_ids.add(queue_id)
    for profile_id, skill_id in AgentProfile.skills.through.objects.filter(
        agentprofile_id__in=by_profile
    ).values_list("agentprofile_id", "skill_id"):
        agents[by_profile[profile_id]].skill_ids.add(skill_id)
    return agents


def _can_take(
    agent: _FreeAgent, item: _Waiting, *, required: dict[int, set[int]], declined: dict[int, set[int]]
) -> bool:
    """The in-memory twin of ``_available_agents``' filter for one agent and one item."""
    if agent.free <= 0 or agent.user_id in declined.get(item.pk, ()):
        return False
    if item.queue_id is not None and (
        item.queue_id not in agent.queue_ids or not required.get(item.queue_id, set()) <= agent.skill_ids
    ):
        return False
    if item.target_group_id is not None and agent.group_id != item.target_group_id:
        return False
    return item.target_skill_id is None or item.target_skill_id in agent.skill_ids


def _waiting_for(agents: dict[int, _FreeAgent], *, limit: int) -> tuple[list[_Waiting], dict[int, set[int]]]:
    """The oldest ``limit`` waiting interactions of each queue some free agent can serve,
    merged oldest first, and the skills each of the agents' queues requires. Queues nobody
    free can serve are not read at all, so their backlog never holds up another queue's
    work (no head-of-line blocking)."""
    member_queues = {q for agent in agents.values() for q in agent.queue_ids}
    required: dict[int, set[int]] = {q: set() for q in member_queues}
    for queue_id, skill_id in Queue.skills.through.objects.filter(queue_id__in=member_queues).values_list(
        "queue_id", "skill_id"
    ):
        required[queue_id].add(skill_id)
    servers: dict[int | None, list[_FreeAgent]] = {None: list(agents.values())}  # None: no queue
    for queue_id, skills in required.items():
        able = [a for a in agents.values() if queue_id in a.queue_ids and skills <= a.skill_ids]
        if able:
            servers[queue_id] = able
    items: list[_Waiting] = []
    for served_queue_id, able in servers.items():
        groups = {a.group_id for a in able if a.group_id is not None}
        skills = {s for a in able for s in a.skill_ids}
        rows = (
            Interaction.objects.filter(
                Q(queue_id=served_queue_id) if served_queue_id is not None else Q(queue__isnull=True),
                state=Interaction.State.QUEUED,
            )
            # work transferred to a group or skill nobody free has cannot be taken now
            .filter(Q(target_group__isnull=True) | Q(target_group_id__in=groups))
            .filter(Q(target_skill__isnull=True) | Q(target_skill_id__in=skills))
            .order_by(F("queued_at").asc(nulls_last=True), "id")
            .values_list("pk", "queue_id", "queued_at", "target_group_id", "target_skill_id")[:limit]
        )
        items.extend(_Waiting(*row) for row in rows)
    items.sort(key=lambda w: (w.queued_at is None, w.queued_at or timezone.now(), w.pk))
    return items, required


def dispatch_waiting(*, limit: int = DISPATCH_BATCH) -> int:
    """Offer waiting interactions to free agents: oldest first within each queue, and an
    interaction is tried only when a free agent may take it (Ready, below capacity, in its
    queue with the queue's skills, in its target group / skill, not a recent decliner).

    Interactions nobody free can serve (a queue without Ready agents, say) cost nothing
    and block nobody. Queries per sweep: a fixed handful, plus one per queue that some
    free agent serves, plus the offers made (each through ``interaction_route``, which
    still picks the least busy, longest idle agent and settles races).
    """
    agents = _free_agents()
    if not agents:
        return 0
    items, required = _waiting_for(agents, limit=limit)
    declined: dict[int, set[int]] = {}
    if items:
        for interaction_id, agent_id in Offer.objects.filter(
            interaction_id__in=[w.pk for w in items],
            state__in=(Offer.State.REJECTED, Offer.State.EXPIRED),
            responded_at__gte=timezone.now() - REOFFER_AFTER,
        ).values_list("interaction_id", "agent_id"):
            declined.setdefault(interaction_id, set()).add(agent_id)
    offered = attempts = 0
    for item in items:
        if attempts >= limit or not any(a.free > 0 for a in agents.values()):
            break
        if not any(_can_take(a, item, required=required, declined=declined) for a in agents.values()):
            continue
        attempts += 1
        offer = interaction_route(interaction_id=item.pk)
        if offer is not None:
            offered += 1
            if offer.agent_id in agents:
                agents[offer.agent_id].free -= 1
        else:  # another dispatcher took the item or the agent meanwhile: look again
            fresh = _free_agents()
            for user_id, agent in agents.items():
                agent.free = fresh[user_id].free if user_id in fresh else 0
    return offered


def offers_withdraw(*, interaction_id: int, now: datetime) -> int:
    """End the interaction's pending offer without routing it again (it is being closed)."""
    withdrawn = 0
    for offer in Offer.objects.filter(interaction_id=interaction_id, state=Offer.State.PENDING):
        if Offer.objects.filter(pk=offer.pk, state=Offer.State.PENDING).update(
            state=Offer.State.WITHDRAWN, responded_at=now
        ):
            capacity_release(offer.agent_id, now=now)
            events.offer_withdrawn(
                agent_id=offer.agent_id,
                offer_id=offer.pk,
                reason=Offer.State.WITHDRAWN,
                interaction_id=offer.interaction_id,
            )
            withdrawn += 1
    return withdrawn


def interaction_capacity_released(*, interaction: Interaction, now: datetime) -> None:
    """The owner no longer handles ``interaction`` (Done, parked, transferred)."""
    if interaction.owner_id:
        capacity_release(interaction.owner_id, now=now)
    transaction.on_commit(dispatch_waiting)
