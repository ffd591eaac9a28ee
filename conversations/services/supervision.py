"""S2: a supervisor intervenes, from the board or an interaction: monitor silently, barge
in, take over, transfer or move to a queue or workbin, set an agent Not Ready with a
reason, sign an agent out.

Every action is checked here (supervisors only: ``permissions.user_is_supervisor``) and
recorded in the audit log (``audit_record``, in the same transaction: an action that rolls
back leaves no entry). The moves reuse the services agents use (transfer, park, Ready
state, logout), so a supervisor's move follows the same rules and pushes the same events.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from audit.services import audit_record
from conversations import events
from conversations.exceptions import Conflict, DomainError, NotFound, PermissionDenied
from conversations.models import AgentProfile, Interaction, InteractionParticipant
from conversations.options import get_option
from conversations.payloads import user_name
from conversations.permissions import signed_out_by_supervisor, user_is_supervisor
from conversations.services.access import interaction_locked
from conversations.services.capacity import agent_profile_for
from conversations.services.collaboration import participations_end
from conversations.services.interactions import interaction_owner_changed
from conversations.services.routing import agent_set_ready, interaction_capacity_released, offers_withdraw
from conversations.services.signout import agent_logged_out
from conversations.services.transfer import interaction_transfer
from workbins.services import interaction_park

MONITOR_NOTIFY_OPTION = "whatsappsession.supervisor-monitor-notify-agent"
#: The longest reason a supervisor gives for setting an agent Not Ready.
NOT_READY_NOTE_MAX = 200
P = InteractionParticipant


def ensure_supervisor(user: User | AnonymousUser, *, to: str) -> None:
    if not user_is_supervisor(user):
        raise PermissionDenied(_("only supervisors may %(action)s") % {"action": to}, code="not_a_supervisor")


def _record_interaction(user: User, interaction: Interaction, action: str, **details: object) -> None:
    audit_record(
        actor=user,
        action=AuditEntry.Action.INTERACTION_INTERVENE,
        target_model=Interaction,
        target_id=interaction.pk,
        target_repr=f"interaction {interaction.pk}",
        details={"action": action, "owner_id": interaction.owner_id, **details},
    )


def _record_agent(user: User, agent: AgentProfile, action: str, **details: object) -> None:
    audit_record(
        actor=user,
        action=AuditEntry.Action.AGENT_INTERVENE,
        target=agent.user,
        details={"action": action, **details},
    )


def _open_interaction(interaction_id: int) -> Interaction:
    interaction = interaction_locked(interaction_id)
    if interaction.state not in Interaction.OPEN_STATES:
        raise Conflict(
            _("interaction %(interaction_id)s is closed") % {"interaction_id": interaction_id}, code="closed"
        )
    return interaction


def interaction_monitor(*, user: User, interaction_id: int) -> Interaction:
    """Watch an open interaction read-only (the console opens it without a composer). The
    agent is told only when the option ``whatsappsession.supervisor-monitor-notify-agent``
    says so for them."""
    ensure_supervisor(user, to=_("monitor interactions"))
    with transaction.atomic():
        interaction = _open_interaction(interaction_id)
        told = bool(
            interaction.owner_id and interaction.owner_id != user.pk
            and get_option(MONITOR_NOTIFY_OPTION, agent_id=interaction.owner_id)
        )  # fmt: skip
        if told and interaction.owner_id is not None:
            events.supervision_notice(
                user_id=interaction.owner_id,
                kind="monitoring",
                interaction_id=interaction.pk,
                supervisor=user_name(user),
            )
        _record_interaction(user, interaction, "monitor", agent_told=told)
    return interaction


def interaction_barge_in(*, user: User, interaction_id: int) -> InteractionParticipant:
    """Join an interaction in progress as a conference participant: the supervisor writes
    to the customer beside the agent (the conversation opens in their console; leaving it
    is leaving the conference). No invitation, no capacity check: a supervisor's choice."""
    ensure_supervisor(user, to=_("barge in"))
    now = timezone.now()
    with transaction.atomic():
        interaction = _open_interaction(interaction_id)
        if interaction.state != Interaction.State.ACTIVE:
            raise Conflict(
                _("only an interaction in progress can be joined (this one: %(state)s)")
                % {"state": interaction.get_state_display()},
                code="not_active",
            )
        if interaction.owner_id == user.pk:
            raise Conflict(_("this interaction is already yours"), code="already_yours")
        profile = agent_profile_for(user)
        invited = P.objects.filter(
            interaction=interaction, agent=user, kind=P.Kind.CONFERENCE, state=P.State.INVITED
        ).first()
        if invited is not None:
            invited.state = P.State.DECLINED  # joining on one's own replaces the invitation
            invited.left_at = now
            invited.save(update_fields=["state", "left_at"])
        try:
            with transaction.atomic():
                participant = P.objects.create(
                    interaction=interaction,
                    agent=user,
                    kind=P.Kind.CONFERENCE,
                    state=P.State.JOINED,
                    invited_by=user,
                    joined_at=now,
                )
        except IntegrityError:
            raise Conflict(_("you are already in this conversation"), code="already_joined") from None
        AgentProfile.objects.filter(pk=profile.pk).update(load=F("load") + 1)
        events.agent_state_changed(user_id=user.pk)
        events.interaction_assigned_to(interaction=interaction, user=user)
        events.participants_changed(interaction=interaction)
        if interaction.owner_id:
            events.supervision_notice(
                user_id=interaction.owner_id,
                kind="barged_in",
                interaction_id=interaction.pk,
                supervisor=user_name(user),
            )
        _record_interaction(user, interaction, "barge_in")
    return participant


def interaction_take_over(*, user: User, interaction_id: int) -> Interaction:
    """Make an open interaction the supervisor's own: in progress (its agent's capacity
    freed, the agent told, the conference ended), waiting in its queue, or offered (the
    offer withdrawn). Parked work is opened from its workbin instead."""
    ensure_supervisor(user, to=_("take over interactions"))
    now = timezone.now()
    with transaction.atomic():
        interaction = _open_interaction(interaction_id)
        if interaction.state == Interaction.State.PARKED:
            raise Conflict(_("this interaction is in a workbin: open it from there"), code="parked")
        if interaction.owner_id == user.pk:
            raise Conflict(_("this interaction is already yours"), code="already_yours")
        profile = agent_profile_for(user)
        previous_owner = interaction.owner_id
        previous_state = interaction.state
        if previous_state == Interaction.State.ACTIVE:
            interaction_capacity_released(interaction=interaction, now=now)
            participations_end(interaction=interaction, now=now, reason="taken_over")
        elif previous_state == Interaction.State.OFFERED:
            offers_withdraw(interaction_id=interaction.pk, now=now)
        AgentProfile.objects.filter(pk=profile.pk).update(load=F("load") + 1)
        interaction.owner = user
        interaction.state = Interaction.State.ACTIVE
        interaction.accepted_at = interaction.accepted_at or now
        interaction.target_group = None
        interaction.target_skill = None
        interaction.handoff, interaction.handoff_by = "", None
        interaction.save(
            update_fields=[
                "owner",
                "state",
                "accepted_at",
                "target_group",
                "target_skill",
                "handoff",
                "handoff_by",
                "updated_at",
            ]
        )
        interaction_owner_changed(interaction_id=interaction.pk)
        if previous_owner:
            events.interaction_closed(interaction=interaction, owner_id=previous_owner)
            events.supervision_notice(
                user_id=previous_owner,
                kind="taken_over",
                interaction_id=interaction.pk,
                supervisor=user_name(user),
            )
        events.interaction_assigned(interaction=interaction)
        events.agent_state_changed(user_id=user.pk)
        _record_interaction(user, interaction, "take_over", previous_owner_id=previous_owner)
    return interaction


def interaction_move(
    *,
    user: User,
    interaction_id: int,
    agent_id: int | None = None,
    group_id: int | None = None,
    skill_id: int | None = None,
    queue_id: int | None = None,
    workbin_id: int | None = None,
) -> Interaction:
    """Transfer an interaction in progress to an agent, an agent group, a skill or a queue
    (the agents' transfer, R4), or move it to a workbin (R7), recorded as the supervisor's."""
    ensure_supervisor(user, to=_("move interactions"))
    targets = [t for t in (agent_id, group_id, skill_id, queue_id, workbin_id) if t]
    if len(targets) != 1:
        raise DomainError(
            _("move to exactly one target: an agent, an agent group, a skill, a queue or a workbin"),
            code="invalid",
        )
    with transaction.atomic():
        owner_id = Interaction.objects.filter(pk=interaction_id).values_list("owner_id", flat=True).first()
        if workbin_id:
            item = interaction_park(user=user, interaction_id=interaction_id, workbin_id=workbin_id)
            interaction = item.interaction
        else:
            interaction = interaction_transfer(
                user=user,
                interaction_id=interaction_id,
                agent_id=agent_id,
                group_id=group_id,
                skill_id=skill_id,
                queue_id=queue_id,
            )
        target = {k: v for k, v in (("agent_id", agent_id), ("group_id", group_id), ("skill_id", skill_id),
                                     ("queue_id", queue_id), ("workbin_id", workbin_id)) if v}  # fmt: skip
        audit_record(
            actor=user,
            action=AuditEntry.Action.INTERACTION_INTERVENE,
            target_model=Interaction,
            target_id=interaction.pk,
            target_repr=f"interaction {interaction.pk}",
            details={"action": "park" if workbin_id else "transfer", "owner_id": owner_id, **target},
        )
    return interaction


def _agent_profile(agent_id: int) -> AgentProfile:
    profile = AgentProfile.objects.select_related("user").filter(user_id=agent_id).first()
    if profile is None:
        raise NotFound(_("agent %(agent_id)s does not exist") % {"agent_id": agent_id})
    return profile


def _ensure_not_signed_out(profile: AgentProfile) -> None:
    """A supervisor signed the agent out and they have not logged in since: another sign-out
    or a Not Ready would only rewrite that state (the board would show them Not Ready, the
    audit log a second intervention), so both are refused until the agent logs in again."""
    if signed_out_by_supervisor(profile.user, profile):
        raise Conflict(
            _("%(agent)s is signed out until they log in again")
            % {"agent": profile.user.get_full_name() or profile.user.get_username()},
            code="signed_out",
        )


def agent_set_not_ready(*, user: User, agent_id: int, note: str = "") -> AgentProfile:
    """Set an agent Not Ready, with the supervisor's reason (shown in the agent's console
    and on the board). Their pending offers go to others; their conversations stay theirs."""
    ensure_supervisor(user, to=_("set agents Not Ready"))
    note = note.strip()
    if len(note) > NOT_READY_NOTE_MAX:
        raise DomainError(
            _("the reason is at most %(limit)s characters") % {"limit": NOT_READY_NOTE_MAX}, code="invalid"
        )
    with transaction.atomic():
        profile = _agent_profile(agent_id)
        _ensure_not_signed_out(profile)
        agent_set_ready(user=profile.user, ready=False, reason=AgentProfile.NotReadyReason.SUPERVISOR)
        AgentProfile.objects.filter(pk=profile.pk).update(not_ready_note=note)
        events.supervision_notice(
            user_id=profile.user_id, kind="not_ready", interaction_id=None, supervisor=user_name(user)
        )
        _record_agent(user, profile, "not_ready", note=note)
        profile.refresh_from_db()
    return profile


def agent_sign_out(*, user: User, agent_id: int) -> AgentProfile:
    """Sign an agent out as their logout does: Not Ready (signed out), their conversations
    in progress to their personal workbin, every console socket of theirs closed; their
    current login opens no console any more (``signed_out_at``: they log in again)."""
    ensure_supervisor(user, to=_("sign agents out"))
    with transaction.atomic():
        profile = _agent_profile(agent_id)
        if profile.user_id == user.pk:
            raise DomainError(_("sign yourself out with Log out"), code="invalid")
        _ensure_not_signed_out(profile)
        parked = Interaction.objects.filter(owner_id=agent_id, state=Interaction.State.ACTIVE).count()
        events.supervision_notice(
            user_id=profile.user_id, kind="signed_out", interaction_id=None, supervisor=user_name(user)
        )
        agent_logged_out(user=profile.user)
        AgentProfile.objects.filter(pk=profile.pk).update(signed_out_at=timezone.now())
        _record_agent(user, profile, "sign_out", parked=parked)
        profile.refresh_from_db()
    return profile
