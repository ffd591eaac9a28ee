"""Two agents on one interaction: conference (R5) and consultation (R6).

Conference: the owner invites another agent, by name or through routing to an agent group
or a skill (R5b, which needs the option naming the routing queue); once they accept, both see the
conversation and write to the customer. Either can leave; when the owner leaves, the
remaining agent keeps the conversation. Needs the business attribute
``InternalConferenceInvite`` (the source product's switch for the feature).

Consultation: the owner opens an internal chat about the interaction with another agent,
who can then read the conversation; their messages never reach the customer.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations import events
from conversations.exceptions import Conflict, DomainError, NotFound, PermissionDenied
from conversations.limits import CONSULTATION_MESSAGE_MAX
from conversations.models import (
    AgentGroup,
    AgentProfile,
    ConsultationMessage,
    Interaction,
    InteractionParticipant,
    Skill,
)
from conversations.payloads import user_name
from conversations.permissions import (
    CONFERENCE_ATTRIBUTE,
    conferences_enabled,
    ensure_routing_queue,
    is_owner_or_supervisor,
    may_leave_conference,
    may_write_consultation,
)
from conversations.services.access import ensure_owner_or_supervisor, interaction_locked
from conversations.services.capacity import agents_available, capacity_release
from conversations.services.interactions import interaction_owner_changed

P = InteractionParticipant


def _interaction_owned(*, user: User, interaction_id: int) -> Interaction:
    interaction = interaction_locked(interaction_id, related=("contact",))
    ensure_owner_or_supervisor(user, interaction, to=_("invite someone to it"))
    if interaction.state != Interaction.State.ACTIVE:
        raise Conflict(
            _("only an interaction in progress can be shared (this one: %(state)s)")
            % {"state": interaction.get_state_display()}
        )
    return interaction


def _agent(agent_id: int, *, not_user: User) -> AgentProfile:
    if agent_id == not_user.pk:
        raise DomainError(_("invite another agent, not yourself"), code="invalid")
    profile = AgentProfile.objects.select_related("user").filter(user_id=agent_id).first()
    if profile is None:
        raise NotFound(_("agent %(agent_id)s does not exist") % {"agent_id": agent_id})
    return profile


def participants_of(interaction_id: int, *, kind: str | None = None) -> list[int]:
    """Agents who joined the interaction (as conference or consultation partners)."""
    joined = P.objects.filter(interaction_id=interaction_id, state=P.State.JOINED)
    if kind:
        joined = joined.filter(kind=kind)
    return list(joined.values_list("agent_id", flat=True))


# --- conference (R5) --------------------------------------------------------------------------


def conference_invite(
    *,
    user: User,
    interaction_id: int,
    agent_id: int | None = None,
    group_id: int | None = None,
    skill_id: int | None = None,
) -> InteractionParticipant:
    """Invite one agent to the conversation: by name (``agent_id``, who must be Ready), or
    "via the Group or Skill option" (R5b): routing chooses the agent of the agent group or
    with the skill, as it would offer them work (Ready, below capacity, in the routing queue
    the option names, least busy then longest idle), never the inviter, the owner or an
    agent already in or invited to the conversation. Exactly one of the three."""
    if len([t for t in (agent_id, group_id, skill_id) if t]) != 1:
        raise DomainError(_("invite exactly one target: an agent, an agent group or a skill"), code="invalid")
    if not conferences_enabled():
        raise Conflict(
            _("conferences need the business attribute %(attribute)s (an interaction subtype)")
            % {"attribute": CONFERENCE_ATTRIBUTE},
            code="conference_disabled",
        )
    with transaction.atomic():
        interaction = _interaction_owned(user=user, interaction_id=interaction_id)
        if agent_id:
            profile = _agent(agent_id, not_user=user)
            if not profile.is_ready:
                raise Conflict(
                    _("%(agent)s is not Ready") % {"agent": user_name(profile.user)},
                    code="target_unavailable",
                )
            try:
                with transaction.atomic():
                    invitation = P.objects.create(
                        interaction=interaction, agent=profile.user, kind=P.Kind.CONFERENCE, invited_by=user
                    )
            except IntegrityError:
                raise Conflict(
                    _("%(agent)s is already invited or in this conversation")
                    % {"agent": user_name(profile.user)}
                ) from None
        else:
            invitation = _invite_routed(
                user=user, interaction=interaction, group_id=group_id, skill_id=skill_id
            )
        events.conference_invited(invitation=invitation, interaction=interaction)
    return invitation


def _invite_routed(
    *, user: User, interaction: Interaction, group_id: int | None, skill_id: int | None
) -> InteractionParticipant:
    """R5b: invite the agent routing picks in the agent group or with the skill."""
    queue = ensure_routing_queue(
        user, needs=_("conference invitations to an agent group or a skill"), code="conference_not_configured"
    )
    group = skill = None
    if group_id:
        group = AgentGroup.objects.filter(pk=group_id).first()
        if group is None:
            raise NotFound(_("agent group %(group_id)s does not exist") % {"group_id": group_id})
    if skill_id:
        skill = Skill.objects.filter(pk=skill_id).first()
        if skill is None:
            raise NotFound(_("skill %(skill_id)s does not exist") % {"skill_id": skill_id})
    taken = set(
        P.objects.filter(interaction=interaction, state__in=[P.State.INVITED, P.State.JOINED]).values_list(
            "agent_id", flat=True
        )
    )
    taken |= {user.pk, interaction.owner_id or user.pk}  # a supervisor may invite to an agent's conversation
    for candidate in agents_available(queue_id=queue.pk, group_id=group_id, skill_id=skill_id).select_related(
        "user"
    ):
        if candidate.user_id in taken:
            continue
        try:
            with transaction.atomic():
                return P.objects.create(
                    interaction=interaction,
                    agent=candidate.user,
                    kind=P.Kind.CONFERENCE,
                    invited_by=user,
                    via_group=group,
                    via_skill=skill,
                )
        except IntegrityError:  # invited meanwhile by another request: the next one
            continue
    if group is not None:
        message = _(
            "nobody in the agent group %(group)s is available now (Ready and below capacity, in the queue %(queue)s)"
        ) % {"group": group.name, "queue": queue.name}
    else:
        message = _(
            "nobody with the skill %(skill)s is available now (Ready and below capacity, in the queue %(queue)s)"
        ) % {"skill": skill.name if skill else "", "queue": queue.name}
    raise Conflict(
        message,
        code="target_unavailable",
    )


def conference_answer(*, user: User, participant_id: int, accept: bool) -> InteractionParticipant:
    """The invited agent joins (the conversation opens in their console) or declines."""
    now = timezone.now()
    with transaction.atomic():
        invitation = P.objects.select_for_update().filter(pk=participant_id, kind=P.Kind.CONFERENCE).first()
        if invitation is None or invitation.agent_id != user.pk:
            raise NotFound(
                _("conference invitation %(participant_id)s does not exist or is not yours")
                % {"participant_id": participant_id}
            )
        if invitation.state != P.State.INVITED:
            if invitation.state == P.State.JOINED:
                raise Conflict(_("this invitation was already accepted"))
            if invitation.state == P.State.DECLINED:
                raise Conflict(_("this invitation was already declined"))
            raise Conflict(_("you already left this conversation"))
        interaction = Interaction.objects.select_related("contact").get(pk=invitation.interaction_id)
        if accept:
            if interaction.state != Interaction.State.ACTIVE:
                raise Conflict(_("this conversation has ended meanwhile"), code="closed")
            if not AgentProfile.objects.filter(user=user, load__lt=F("capacity")).update(load=F("load") + 1):
                raise Conflict(_("you are at your capacity: finish a conversation first"), code="at_capacity")
            invitation.state, invitation.joined_at = P.State.JOINED, now
            events.agent_state_changed(user_id=user.pk)
            events.interaction_assigned_to(interaction=interaction, user=user)
        else:
            invitation.state, invitation.left_at = P.State.DECLINED, now
        invitation.save(update_fields=["state", "joined_at", "left_at"])
        events.participants_changed(interaction=interaction)
    return invitation


def conference_leave(*, user: User, interaction_id: int) -> Interaction:
    """Leave a conference. An invited agent leaves; the owner leaving hands the
    conversation to the agent who stays."""
    now = timezone.now()
    with transaction.atomic():
        interaction = interaction_locked(interaction_id, related=("contact",))
        joined = list(
            P.objects.select_for_update()
            .filter(interaction=interaction, kind=P.Kind.CONFERENCE, state=P.State.JOINED)
            .order_by("joined_at", "id")
        )
        if not may_leave_conference(user, interaction, guest_ids={p.agent_id for p in joined}):
            if interaction.owner_id == user.pk:
                raise Conflict(_("nobody else is in this conversation: use Done to end it"))
            raise PermissionDenied(_("you are not in this conference"))
        mine = next((p for p in joined if p.agent_id == user.pk), None)
        if mine is not None:
            mine.state, mine.left_at = P.State.LEFT, now
            mine.save(update_fields=["state", "left_at"])
        else:  # the owner hands the conversation to the agent who joined first
            successor = joined[0]
            successor.state, successor.left_at = P.State.LEFT, now  # now the owner, not a guest
            successor.save(update_fields=["state", "left_at"])
            interaction.owner_id = successor.agent_id
            interaction.save(update_fields=["owner", "updated_at"])
            interaction_owner_changed(interaction_id=interaction.pk)
        capacity_release(user.pk, now=now)
        events.interaction_closed_for(interaction=interaction, user_id=user.pk)
        events.participants_changed(interaction=interaction)
        events.interaction_changed(interaction=interaction)
    return interaction


# --- consultation (R6) -------------------------------------------------------------------------


def consultation_start(*, user: User, interaction_id: int, agent_id: int, body: str) -> ConsultationMessage:
    """Ask another agent about the interaction; they can read it while consulted."""
    with transaction.atomic():
        interaction = _interaction_owned(user=user, interaction_id=interaction_id)
        profile = _agent(agent_id, not_user=user)
        P.objects.get_or_create(
            interaction=interaction,
            agent=profile.user,
            kind=P.Kind.CONSULTATION,
            state=P.State.JOINED,
            defaults={"invited_by": user, "joined_at": timezone.now()},
        )
        message = _consultation_message(user=user, interaction=interaction, body=body)
        events.participants_changed(interaction=interaction)
    return message


def consultation_send(*, user: User, interaction_id: int, body: str) -> ConsultationMessage:
    with transaction.atomic():
        interaction = Interaction.objects.filter(pk=interaction_id).first()
        if interaction is None:
            raise NotFound(
                _("interaction %(interaction_id)s does not exist") % {"interaction_id": interaction_id}
            )
        consultants = participants_of(interaction.pk, kind=P.Kind.CONSULTATION)
        if not may_write_consultation(user, interaction, consultant_ids=consultants):
            raise PermissionDenied(_("you are not in this consultation"))
        return _consultation_message(user=user, interaction=interaction, body=body)


def consultation_post(
    *, user: User, interaction_id: int, body: str, agent_id: int | None = None
) -> ConsultationMessage:
    """R6: with ``agent_id``, start a consultation with that agent (or write to them again);
    without, write in the consultation going on."""
    if agent_id:
        return consultation_start(user=user, interaction_id=interaction_id, agent_id=agent_id, body=body)
    return consultation_send(user=user, interaction_id=interaction_id, body=body)


def consultation_end(*, user: User, interaction_id: int) -> int:
    """The consulted agent leaves, or the owner ends every consultation of the interaction."""
    now = timezone.now()
    with transaction.atomic():
        interaction = Interaction.objects.filter(pk=interaction_id).first()
        if interaction is None:
            raise NotFound(
                _("interaction %(interaction_id)s does not exist") % {"interaction_id": interaction_id}
            )
        live = P.objects.filter(interaction=interaction, kind=P.Kind.CONSULTATION, state=P.State.JOINED)
        if not is_owner_or_supervisor(user, interaction):  # a consulted agent leaves it
            live = live.filter(agent=user)
            if not live.exists():
                raise PermissionDenied(_("you are not in this consultation"))
        ended = list(live.values_list("agent_id", flat=True))
        if not ended:
            return 0
        live.update(state=P.State.LEFT, left_at=now)
        owner = [interaction.owner_id] if interaction.owner_id is not None else []
        events.consultation_ended(interaction_id=interaction.pk, user_ids=[*ended, *owner])
        events.participants_changed(interaction=interaction)
    return len(ended)


def _consultation_message(*, user: User, interaction: Interaction, body: str) -> ConsultationMessage:
    body = (body or "").strip()
    if not body:
        raise DomainError(_("the message is empty"), code="empty")
    if len(body) > CONSULTATION_MESSAGE_MAX:
        raise DomainError(
            _("consultation messages are limited to %(limit)s characters")
            % {"limit": CONSULTATION_MESSAGE_MAX},
            code="too_long",
        )
    message = ConsultationMessage.objects.create(interaction=interaction, author=user, body=body)
    recipients = [interaction.owner_id, *participants_of(interaction.pk, kind=P.Kind.CONSULTATION)]
    events.consultation_message(message=message, user_ids=[r for r in recipients if r])
    return message


def participations_end(*, interaction: Interaction, now: Any, reason: str) -> int:
    """The interaction leaves its owner (Done, transfer, workbin): everyone else leaves too.

    Conference guests leave (their capacity freed, their tab closed), pending invitations
    are withdrawn, consultations end. Returns how many participations ended.
    """
    ended = 0
    for participation in P.objects.select_for_update().filter(
        interaction=interaction, state__in=[P.State.INVITED, P.State.JOINED]
    ):
        if participation.state == P.State.INVITED:
            participation.state = P.State.DECLINED
            events.conference_withdrawn(
                invitation_id=participation.pk, user_id=participation.agent_id, reason=reason
            )
        else:
            participation.state = P.State.LEFT
            if participation.kind == P.Kind.CONFERENCE:
                capacity_release(participation.agent_id, now=now)
                events.interaction_closed_for(interaction=interaction, user_id=participation.agent_id)
            else:
                events.consultation_ended(interaction_id=interaction.pk, user_ids=[participation.agent_id])
        participation.left_at = now
        participation.save(update_fields=["state", "left_at"])
        ended += 1
    if ended:
        events.participants_changed(interaction=interaction)
    return ended
