"""R7 workbins: park an interaction (its WhatsApp session stays alive), open it again.

Parking takes the interaction out of the agent's console and frees their capacity; it
waits in a personal or group workbin. The agent (or a member of the group) opens it
again from there. At logout the agent's open interactions move to their personal
workbin. When the customer writes to a parked interaction, it leaves the workbin and is
routed to an available agent, like new work.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from conversations import events
from conversations.exceptions import Conflict, NotFound, PermissionDenied
from conversations.models import AgentProfile, Interaction
from conversations.services.access import ensure_owner_or_supervisor, interaction_locked
from conversations.services.capacity import agent_profile_for
from conversations.services.collaboration import participations_end
from conversations.services.interactions import interaction_owner_changed
from conversations.services.routing import interaction_capacity_released, interaction_route
from workbins.models import DEFAULT_PERSONAL_NAME, Workbin, WorkbinItem
from workbins.selectors import interactions_parked_at_logout, workbins_accessible


def workbin_personal_for(*, user: User) -> Workbin:
    """The agent's personal workbin, created on first use."""
    workbin, _ = Workbin.objects.get_or_create(
        kind=Workbin.Kind.PERSONAL, owner=user, defaults={"name": DEFAULT_PERSONAL_NAME}
    )
    return workbin


def interaction_park(
    *, user: User, interaction_id: int, workbin_id: int | None = None, reason: str = WorkbinItem.Reason.MOVED
) -> WorkbinItem:
    """Move the agent's interaction to a workbin (their personal one by default)."""
    now = timezone.now()
    with transaction.atomic():
        interaction = interaction_locked(interaction_id)
        ensure_owner_or_supervisor(user, interaction, to=gettext("move it to a workbin"))
        if interaction.state != Interaction.State.ACTIVE:
            raise Conflict(
                gettext("only an interaction in progress can be parked (this one: %(state)s)")
                % {"state": interaction.get_state_display()}
            )
        workbin: Workbin | None
        if workbin_id is None:
            workbin = workbin_personal_for(user=user)
        else:
            workbin = workbins_accessible(user=user).filter(pk=workbin_id).first()
            if workbin is None:
                raise NotFound(
                    gettext("workbin %(workbin_id)s does not exist or is not yours")
                    % {"workbin_id": workbin_id}
                )
        owner_id = interaction.owner_id
        interaction_capacity_released(interaction=interaction, now=now)
        participations_end(interaction=interaction, now=now, reason="parked")
        interaction.state = Interaction.State.PARKED
        interaction.owner = None
        interaction.save(update_fields=["state", "owner", "updated_at"])
        interaction_owner_changed(interaction_id=interaction.pk)
        item = WorkbinItem.objects.create(
            interaction=interaction, workbin=workbin, placed_by=user, reason=reason
        )
        events.interaction_closed(interaction=interaction, owner_id=owner_id)
        events.workbin_changed(workbin_id=workbin.pk, user_ids=_members(workbin))
    return item


def interaction_unpark(*, user: User, interaction_id: int) -> Interaction:
    """Open a parked interaction again: it becomes the user's, in their console."""
    now = timezone.now()
    with transaction.atomic():
        item = (
            WorkbinItem.objects.select_for_update()
            .select_related("interaction", "workbin")
            .filter(interaction_id=interaction_id)
            .first()
        )
        if item is None:
            raise NotFound(
                gettext("interaction %(interaction_id)s is not in a workbin")
                % {"interaction_id": interaction_id}
            )
        if not workbins_accessible(user=user).filter(pk=item.workbin_id).exists():
            raise PermissionDenied(gettext("this interaction is in a workbin you cannot open"))
        profile = agent_profile_for(user)  # only an agent takes the conversation
        if not AgentProfile.objects.filter(pk=profile.pk, load__lt=F("capacity")).update(load=F("load") + 1):
            raise Conflict(
                gettext("you are at your capacity (%(capacity)s interactions): finish one first")
                % {"capacity": profile.capacity},
                code="at_capacity",
            )
        interaction = item.interaction
        workbin_id, members = item.workbin_id, _members(item.workbin)
        item.delete()
        interaction.state = Interaction.State.ACTIVE
        interaction.owner = user
        interaction.accepted_at = now
        interaction.save(update_fields=["state", "owner", "accepted_at", "updated_at"])
        interaction_owner_changed(interaction_id=interaction.pk)
        events.interaction_assigned(interaction=interaction)
        events.agent_state_changed(user_id=user.pk)
        events.workbin_changed(workbin_id=workbin_id, user_ids=members)
    return interaction


def agent_interactions_park_all(*, user: User) -> int:
    """At logout: the agent's interactions in progress move to their personal workbin."""
    ids = list(interactions_parked_at_logout(user=user).values_list("pk", flat=True))
    for interaction_id in ids:
        interaction_park(user=user, interaction_id=interaction_id, reason=WorkbinItem.Reason.LOGOUT)
    return len(ids)


def interaction_release_on_customer_message(*, interaction_id: int) -> bool:
    """The customer wrote to a parked interaction: out of the workbin, routed as new work."""
    with transaction.atomic():
        item = WorkbinItem.objects.select_related("workbin").filter(interaction_id=interaction_id).first()
        released = Interaction.objects.filter(pk=interaction_id, state=Interaction.State.PARKED).update(
            state=Interaction.State.QUEUED,
            queued_at=timezone.now(),
            handoff=Interaction.Handoff.WORKBIN,
            handoff_by=item.placed_by_id if item is not None else None,
        )
        if not released:
            return False
        if item is not None:
            members = _members(item.workbin)
            workbin_id = item.workbin_id
            item.delete()
            events.workbin_changed(workbin_id=workbin_id, user_ids=members)
            events.access_revoked(interaction_id=interaction_id)  # members' sockets stop receiving it
        interaction_route(interaction_id=interaction_id)
    return True


def _members(workbin: Workbin) -> list[int]:
    if workbin.kind == Workbin.Kind.PERSONAL:
        return [workbin.owner_id] if workbin.owner_id is not None else []
    return list(
        AgentProfile.objects.filter(group_id=workbin.agent_group_id).values_list("user_id", flat=True)
    )


def workbin_items_remove(*, interaction_id: int) -> None:
    """The interaction was closed (Done by a supervisor, say): it leaves its workbin."""
    item = WorkbinItem.objects.select_related("workbin").filter(interaction_id=interaction_id).first()
    if item is not None:
        members, workbin_id = _members(item.workbin), item.workbin_id
        item.delete()
        events.workbin_changed(workbin_id=workbin_id, user_ids=members)
