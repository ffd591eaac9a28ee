"""Instant transfer (R4): to an agent, or through routing to an agent group, a skill or a
queue."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations import events
from conversations.exceptions import Conflict, DomainError, NotFound
from conversations.models import AgentGroup, AgentProfile, Interaction, Offer, Queue, Skill
from conversations.options import get_option
from conversations.permissions import ensure_routing_queue
from conversations.services.access import ensure_owner_or_supervisor, interaction_locked
from conversations.services.capacity import capacity_reserve
from conversations.services.collaboration import participations_end
from conversations.services.interactions import interaction_owner_changed
from conversations.services.routing import interaction_capacity_released, interaction_route
from integrations import outbox
from ops import metrics


def interaction_transfer(
    *,
    user: User,
    interaction_id: int,
    agent_id: int | None = None,
    group_id: int | None = None,
    skill_id: int | None = None,
    queue_id: int | None = None,
) -> Interaction:
    """Instant transfer: to an agent (offered to them at once), or through routing to an
    agent group, a skill or a queue (those need the option naming the interaction queue).

    The interaction leaves the transferring agent's console and frees their capacity. If
    the target agent rejects or lets the offer expire, it waits in its queue like any work.
    """
    targets = [t for t in (agent_id, group_id, skill_id, queue_id) if t]
    if len(targets) != 1:
        raise DomainError(
            _("transfer to exactly one target: an agent, an agent group, a skill or a queue"), code="invalid"
        )
    now = timezone.now()
    with transaction.atomic():
        interaction = interaction_locked(interaction_id)
        ensure_owner_or_supervisor(user, interaction, to=_("transfer it"))
        if interaction.state != Interaction.State.ACTIVE:
            raise Conflict(
                _("only an interaction in progress can be transferred (this one: %(state)s)")
                % {"state": interaction.get_state_display()}
            )
        previous_owner = interaction.owner_id
        target_agent = None
        if agent_id:
            target_agent = AgentProfile.objects.select_related("user").filter(user_id=agent_id).first()
            if target_agent is None:
                raise NotFound(_("agent %(agent_id)s does not exist") % {"agent_id": agent_id})
            if agent_id == previous_owner:
                if agent_id == user.pk:
                    raise DomainError(_("the interaction is already yours"), code="invalid")
                raise DomainError(  # a supervisor moving it to the agent who has it
                    _("the interaction is already with %(agent)s")
                    % {"agent": target_agent.user.get_full_name() or target_agent.user.get_username()},
                    code="invalid",
                )
            if not capacity_reserve(target_agent):
                raise Conflict(
                    _("%(agent)s is not available (Not Ready or at capacity)")
                    % {"agent": target_agent.user.get_full_name() or target_agent.user.get_username()},
                    code="target_unavailable",
                )
        else:
            # through the routing queue (the option): checked even for a queue of one's own choice
            through = ensure_routing_queue(
                user,
                needs=_("transfers to an agent group, a skill or a queue"),
                code="transfer_not_configured",
            )
            if queue_id:
                queue = Queue.objects.filter(pk=queue_id).first()
                if queue is None:
                    raise NotFound(_("queue %(queue_id)s does not exist") % {"queue_id": queue_id})
            else:
                queue = through
                if group_id and not AgentGroup.objects.filter(pk=group_id).exists():
                    raise NotFound(_("agent group %(group_id)s does not exist") % {"group_id": group_id})
                if skill_id and not Skill.objects.filter(pk=skill_id).exists():
                    raise NotFound(_("skill %(skill_id)s does not exist") % {"skill_id": skill_id})
            interaction.queue = queue
        interaction_capacity_released(interaction=interaction, now=now)
        participations_end(interaction=interaction, now=now, reason="transferred")
        interaction.owner = None
        interaction.target_group_id = group_id
        interaction.target_skill_id = skill_id
        interaction.handoff, interaction.handoff_by = Interaction.Handoff.TRANSFER, user
        interaction.queued_at = now
        interaction.state = Interaction.State.OFFERED if target_agent else Interaction.State.QUEUED
        interaction.save(
            update_fields=[
                "owner",
                "target_group",
                "target_skill",
                "handoff",
                "handoff_by",
                "queue",
                "queued_at",
                "state",
                "updated_at",
            ]
        )
        interaction_owner_changed(interaction_id=interaction.pk)
        events.interaction_closed(interaction=interaction, owner_id=previous_owner)
        outbox.interaction_transferred(
            interaction=interaction,
            from_agent_id=previous_owner,
            by_user_id=user.pk,
            target={
                "agent_id": agent_id,
                "group_id": group_id,
                "skill_id": skill_id,
                "queue_id": interaction.queue_id,
            },
        )
        if target_agent is not None:
            timeout = get_option(
                "whatsappsession.offer-accept-timeout",
                agent_id=target_agent.user_id,
                group_id=target_agent.group_id,
            )
            offer = Offer.objects.create(
                interaction=interaction,
                agent_id=target_agent.user_id,
                due_at=now + timedelta(seconds=timeout),
            )
            events.offer_created(offer=offer)
            metrics.count_on_commit(metrics.OFFERS, "made")
        else:
            transaction.on_commit(lambda: interaction_route(interaction_id=interaction.pk))
    return interaction
