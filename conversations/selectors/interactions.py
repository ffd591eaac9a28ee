"""Reads of interactions (STYLE § B): what a user may see, and what they may do with it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from conversations import payloads
from conversations.exceptions import NotFound
from conversations.models import Interaction, InteractionNote, InteractionParticipant, Offer
from conversations.permissions import (
    interaction_actions,
    interaction_interventions,
    joined_participants,
    user_is_supervisor,
    viewer_part,
)
from workbins.selectors import workbins_accessible


def interaction_list_for_user(*, user: User) -> QuerySet[Interaction]:
    """Supervisors see every interaction; an agent, those they own, are offered, or can
    open from their workbins (P6)."""
    queryset = Interaction.objects.select_related("contact", "channel", "owner", "queue")
    if user_is_supervisor(user):
        return queryset
    offered = Offer.objects.filter(agent=user, state=Offer.State.PENDING).values("interaction_id")
    parked = workbins_accessible(user=user).filter(items__isnull=False).values("items__interaction_id")
    joined = InteractionParticipant.objects.filter(
        agent=user, state=InteractionParticipant.State.JOINED
    ).values("interaction_id")
    return queryset.filter(Q(owner=user) | Q(pk__in=offered) | Q(pk__in=parked) | Q(pk__in=joined))


def interactions_live_for_user(*, user: User, interaction_ids: list[int]) -> set[int]:
    """The interactions among ``interaction_ids`` whose live events the user may receive
    (the console socket's subscriptions): those they may see, and for an agent only while
    open (a closed one is history, read over REST)."""
    visible = interaction_list_for_user(user=user).filter(pk__in=interaction_ids)
    if not user_is_supervisor(user):
        visible = visible.filter(state__in=Interaction.OPEN_STATES)
    return set(visible.values_list("pk", flat=True))


def interaction_get_for_user(*, user: User, interaction_id: int) -> Interaction:
    interaction = interaction_list_for_user(user=user).filter(pk=interaction_id).first()
    if interaction is None:
        raise NotFound(
            _("interaction %(interaction_id)s does not exist or is not yours")
            % {"interaction_id": interaction_id}
        )
    return interaction


def interaction_viewer_payload(
    *,
    user: User,
    interaction: Interaction,
    joined: list[tuple[int, str]] | None = None,
    conferences: bool | None = None,
) -> payloads.Viewer:
    """What ``user`` may do with the interaction (``actions``) and their part in it, for
    labels (``part``): the console shows exactly these (DESIGN invariant 8)."""
    if joined is None:
        joined = joined_participants([interaction.pk])[interaction.pk]
    return {
        "actions": interaction_actions(user, interaction, joined=joined, conferences=conferences),
        "part": viewer_part(user, interaction, joined=joined),
        "interventions": interaction_interventions(user, interaction, joined=joined),
    }


def interaction_viewer(*, user: User, interaction_id: int) -> payloads.Viewer | dict[str, Any]:
    """``interaction_viewer_payload`` by id (the console socket adds it to the frames that
    change it); empty when the interaction is gone."""
    interaction = (
        Interaction.objects.filter(pk=interaction_id).only("pk", "state", "owner_id", "contact_id").first()
    )
    if interaction is None:
        gone: dict[str, Any] = {}
        return gone
    return interaction_viewer_payload(user=user, interaction=interaction)


def interaction_summary(
    interaction: Interaction, *, user: User | None = None, **viewer: Any
) -> payloads.InteractionSummary:
    """INTERACTION_SUMMARY; for a ``user``, with what they may do with it (``viewer``: the
    participants or the conference switch when the caller already read them)."""
    return payloads.interaction_summary_payload(
        interaction,
        viewer=interaction_viewer_payload(user=user, interaction=interaction, **viewer) if user else None,
    )


def interaction_detail(interaction: Interaction, *, user: User) -> payloads.InteractionDetail:
    """INTERACTION: the summary, case information, notes, participants, and what ``user``
    may do with it."""
    notes = list(InteractionNote.objects.filter(interaction=interaction).select_related("author"))
    participants = participants_payload(interaction.pk)
    joined = [(p["agent_id"], p["kind"]) for p in participants if p["state"] == "joined"]
    return payloads.interaction_detail_payload(
        interaction,
        viewer=interaction_viewer_payload(user=user, interaction=interaction, joined=joined),
        notes=notes,
        participants=participants,
    )


def interaction_monitor_detail(interaction: Interaction, *, user: User) -> payloads.InteractionDetail:
    """S2: INTERACTION as a supervisor monitoring it sees it: read-only (no actions), their
    part "monitor" (the console opens it without a composer)."""
    detail = interaction_detail(interaction, user=user)
    detail["actions"] = []
    detail["part"] = "monitor"
    return detail


def participants_payload(interaction_id: int) -> list[payloads.Participant]:
    """The agents invited to or in the conversation besides its owner (one query)."""
    return [
        payloads.participant_payload(p)
        for p in InteractionParticipant.objects.filter(
            interaction_id=interaction_id, state__in=["invited", "joined"]
        ).select_related("agent")
    ]
