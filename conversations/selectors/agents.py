"""Reads for an agent's console: their snapshot, offers, transfer targets, the options'
lists (emojis, disposition codes), a consultation's messages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q, Subquery
from django.utils.translation import gettext as _

from conversations import payloads
from conversations.exceptions import NotFound, PermissionDenied
from conversations.models import (
    AgentGroup,
    AgentProfile,
    BusinessAttributeValue,
    ConsultationMessage,
    Interaction,
    InteractionParticipant,
    Message,
    Offer,
    Queue,
    Skill,
)
from conversations.options import get_option, options_for
from conversations.permissions import (
    conferences_enabled,
    ensure_agent,
    joined_participants,
    routing_queue,
    user_is_supervisor,
)
from conversations.selectors.interactions import interaction_summary
from conversations.selectors.messages import HIDDEN_TYPES

#: W8: the emoji picker's set when ``whatsappsession.emojis-business-attribute`` names none.
DEFAULT_EMOJIS = ["😀", "😊", "🙂", "😉", "😍", "🙏", "👍", "👌", "👏", "🎉", "❤️", "✅", "📦", "⏰", "🚚", "💬", "🤔", "😢"]  # fmt: skip


def console_emojis(*, options: dict[str, Any]) -> list[str]:
    """W8: the values of the business attribute the options name, else the default set."""
    attribute = options.get("whatsappsession.emojis-business-attribute") or ""
    if not attribute:
        return list(DEFAULT_EMOJIS)
    emojis = list(
        BusinessAttributeValue.objects.filter(attribute__name=attribute)
        .order_by("sort_order", "id")
        .values_list("name", flat=True)
    )
    return emojis or list(DEFAULT_EMOJIS)


def disposition_codes(*, user: User) -> dict[str, str]:
    """The disposition codes offered at Done: code -> label (business attribute values)."""
    name = get_option("whatsappsession.disposition-business-attribute", agent_id=user.pk)
    values = BusinessAttributeValue.objects.filter(attribute__name=name).order_by("sort_order", "id")
    return {v.name: v.display_name or v.name for v in values}


def agent_snapshot(*, user: User, profile: AgentProfile | None = None) -> payloads.AgentSnapshot:
    """Everything the console needs to (re)build its state: the page's bootstrap and the
    periodic resync. What options decide (the emoji set, the disposition codes, the map
    template) is here too, so that a change reaches open consoles without a reload.

    ``profile``: the agent's (``services.capacity.agent_profile_for`` gives supervisors one
    on first use: a write, so the entry point asks it first); read here when not given.
    """
    if profile is None:
        profile = AgentProfile.objects.select_related("user").get(user=user)
    offers = (
        Offer.objects.filter(agent=user, state=Offer.State.PENDING)
        .select_related("interaction__contact", "interaction__queue", "interaction__handoff_by")
        .order_by("created_at")
    )
    guest_of = InteractionParticipant.objects.filter(
        agent=user, kind=InteractionParticipant.Kind.CONFERENCE, state=InteractionParticipant.State.JOINED
    ).values("interaction_id")
    interactions = (
        Interaction.objects.filter(Q(owner=user) | Q(pk__in=guest_of), state=Interaction.State.ACTIVE)
        .select_related("contact")
        .order_by("accepted_at", "id")
    )
    P = InteractionParticipant
    invitations = P.objects.filter(
        agent=user, kind=P.Kind.CONFERENCE, state=P.State.INVITED, interaction__state=Interaction.State.ACTIVE
    ).select_related("interaction__contact", "invited_by", "via_group", "via_skill")
    consulted = (
        Interaction.objects.filter(
            state=Interaction.State.ACTIVE,
            participants__agent=user,
            participants__kind=P.Kind.CONSULTATION,
            participants__state=P.State.JOINED,
        )
        .select_related("contact")
        .distinct()
    )
    options = options_for(agent_id=user.pk, group_id=profile.group_id)
    owned, invited, consulting = list(interactions), list(invitations), list(consulted)
    # What the agent may do with each: the participants of all in one query, the conference
    # switch read once.
    shown = [*owned, *consulting]
    joined = joined_participants(i.pk for i in shown)
    conferences = conferences_enabled() if shown else False

    def summary(interaction: Interaction) -> payloads.InteractionSummary:
        return interaction_summary(
            interaction, user=user, joined=joined[interaction.pk], conferences=conferences
        )

    return {
        "agent": payloads.agent_payload(profile),
        "options": options,
        "emojis": console_emojis(options=options),
        "dispositions": [{"code": c, "label": label} for c, label in disposition_codes(user=user).items()],
        "map_url_template": options.get("whatsappsession.location-map-url-template") or "",
        "offers": [offer_payload(offer) for offer in offers],
        "interactions": [summary(i) for i in owned],
        "invitations": [
            payloads.invitation_payload(invitation, interaction=interaction_summary(invitation.interaction))
            for invitation in invited
        ],
        "consultations": [summary(i) for i in consulting],
    }


def offer_payload(offer: Offer) -> payloads.Offer:
    """OFFER, with the customer's first and latest message (one query: both are picked by
    subqueries; a new conversation's offer is made on the webhook's path)."""
    customer = Message.objects.filter(
        interaction_id=offer.interaction_id, direction=Message.Direction.INBOUND
    ).exclude(type__in=HIDDEN_TYPES)
    first_id = customer.order_by("origination_at", "id").values("id")[:1]
    latest_id = customer.order_by("-origination_at", "-id").values("id")[:1]
    both = {m.pk: m for m in Message.objects.filter(Q(pk=Subquery(first_id)) | Q(pk=Subquery(latest_id)))}
    rows = sorted(both.values(), key=lambda m: (m.origination_at, m.pk))
    first = rows[0] if rows else None
    latest = rows[-1] if rows else None
    return payloads.offer_payload(offer, first=first, latest=latest)


def transfer_targets(*, user: User, search: str = "") -> payloads.TransferTargets:
    """R4 target search by name: agents (with their state), agent groups, skills, queues;
    for agents and supervisors (the caller is left out of the agents)."""
    ensure_agent(user)
    agents = AgentProfile.objects.select_related("user").order_by("user__first_name", "user__username")
    if search:
        agents = agents.filter(
            Q(user__username__icontains=search)
            | Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
        )
    agents = agents.exclude(user_id=user.pk)

    def named(model: Any) -> list[payloads.NamedRow]:
        rows = model.objects.filter(name__icontains=search) if search else model.objects.all()
        return [{"id": row.pk, "name": row.name} for row in rows.order_by("name")[:50]]

    return {
        "agents": [payloads.transfer_target_agent(a) for a in agents[:50]],
        "groups": named(AgentGroup),
        "skills": named(Skill),
        "queues": named(Queue),
        "conference_kinds": ["agents", "groups", "skills"] if routing_queue(user) else ["agents"],
    }


def consultation_messages(*, user: User, interaction_id: int) -> list[payloads.ConsultationMessage]:
    """R6: the internal chat about an interaction, oldest first: for its owner, the agents
    consulted (now or before) and supervisors."""
    interaction = Interaction.objects.filter(pk=interaction_id).first()
    if interaction is None:
        raise NotFound(
            _("interaction %(interaction_id)s does not exist") % {"interaction_id": interaction_id}
        )
    P = InteractionParticipant
    was_in = P.objects.filter(interaction=interaction, kind=P.Kind.CONSULTATION, agent=user).exists()
    if interaction.owner_id != user.pk and not was_in and not user_is_supervisor(user):
        raise PermissionDenied(_("you are not in this consultation"))
    return [
        payloads.consultation_payload(m)
        for m in ConsultationMessage.objects.filter(interaction=interaction).select_related("author")
    ]
