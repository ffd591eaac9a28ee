"""AGENT and OFFER: an agent's state as their console shows it, and work offered to them."""

from __future__ import annotations

from typing import Any, TypedDict

from conversations.models import AgentProfile
from conversations.models import Message as MessageModel
from conversations.models import Offer as OfferModel
from conversations.payloads.collaboration import Invitation
from conversations.payloads.common import iso, user_name
from conversations.payloads.contacts import Contact, contact_payload
from conversations.payloads.interactions import InteractionSummary
from conversations.payloads.messages import MessageCore, message_payload

#: What the console says under the Ready control for a Not Ready state the agent did not
#: choose (docs/console-protocol.md); none for the others.
NOT_READY_NOTICES = {
    "offer_expired": "You were set to Not Ready because an offer was not accepted in time.",
    "supervisor": "A supervisor set you to Not Ready.",
}


class Agent(TypedDict):
    """The agent's state, with why they are Not Ready (``not_ready_reason``, a code;
    ``not_ready_notice``, what to tell them, empty when there is nothing to tell)."""

    id: int
    username: str
    name: str
    is_ready: bool
    capacity: int
    load: int
    not_ready_reason: str
    not_ready_notice: str
    ready_changed_at: str | None


class TransferTargetAgent(Agent):
    """An agent to transfer to (R4): available when Ready and below capacity."""

    available: bool


class NamedRow(TypedDict):
    id: int
    name: str


class TransferTargets(TypedDict):
    agents: list[TransferTargetAgent]
    groups: list[NamedRow]
    skills: list[NamedRow]
    queues: list[NamedRow]
    #: R5b: the types of target the caller may invite to a conference: "agents", and
    #: "groups" and "skills" when the routing queue option names a queue (the server decides,
    #: the console shows).
    conference_kinds: list[str]


class OfferOrigin(TypedDict):
    """Work coming back: a transfer, or a customer writing to a parked conversation."""

    kind: str
    label: str
    by: str


class Offer(TypedDict):
    """OFFER: the preview an agent sees before Accept / Reject (R2)."""

    id: int
    interaction_id: int
    created_at: str | None
    due_at: str
    contact: Contact
    #: R8: the number this conversation is on.
    customer_wa_id: str
    first_message: MessageCore | None
    latest_message: MessageCore | None
    origin: OfferOrigin | None
    case_data: dict[str, Any]
    queue: str


class Disposition(TypedDict):
    code: str
    label: str


class AgentSnapshot(TypedDict):
    """Everything the console needs to (re)build its state: the page's bootstrap and the
    periodic resync (``GET agent/me/``)."""

    agent: Agent
    #: Every option, effective for this agent.
    options: dict[str, Any]
    emojis: list[str]
    dispositions: list[Disposition]
    map_url_template: str
    offers: list[Offer]
    interactions: list[InteractionSummary]
    invitations: list[Invitation]
    consultations: list[InteractionSummary]


def _notice(reason: str, note: str) -> str:
    """The notice for ``reason``; a supervisor's note (S2) is quoted after it."""
    notice = NOT_READY_NOTICES.get(reason, "")
    if reason == "supervisor" and note:
        notice = f"{notice[:-1]}: {note}"
    return notice


def agent_payload(profile: AgentProfile) -> Agent:
    user = profile.user
    reason = "" if profile.is_ready else profile.not_ready_reason
    return {
        "id": user.pk,
        "username": user.get_username(),
        "name": user_name(user),
        "is_ready": profile.is_ready,
        "capacity": profile.capacity,
        "load": profile.load,
        "not_ready_reason": reason,
        "not_ready_notice": _notice(reason, profile.not_ready_note),
        "ready_changed_at": iso(profile.ready_changed_at),
    }


def transfer_target_agent(profile: AgentProfile) -> TransferTargetAgent:
    return {**agent_payload(profile), "available": profile.is_ready and profile.load < profile.capacity}


def offer_payload(offer: OfferModel, *, first: MessageModel | None, latest: MessageModel | None) -> Offer:
    """The offer with the customer's first and latest message (read by the selector): the
    latest only when it is another one."""
    interaction = offer.interaction
    origin: OfferOrigin | None = None
    if interaction.handoff:
        origin = {
            "kind": interaction.handoff,
            "label": interaction.get_handoff_display(),
            "by": user_name(interaction.handoff_by),
        }
    return {
        "id": offer.pk,
        "interaction_id": interaction.pk,
        "created_at": iso(offer.created_at),
        "due_at": offer.due_at.isoformat(),
        "contact": contact_payload(interaction.contact),
        "customer_wa_id": interaction.customer_wa_id,
        "first_message": message_payload(first) if first else None,
        "latest_message": message_payload(latest) if latest and latest != first else None,
        "origin": origin,
        "case_data": interaction.case_data,
        "queue": interaction.queue.name if interaction.queue_id and interaction.queue else "",
    }
