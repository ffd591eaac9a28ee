"""INTERACTION: a conversation with a customer, in three sizes defined once each.

- :class:`InteractionState`: ids, state, window and deadlines: what live events that move
  them carry (``interaction.changed``, ``…window_closed``, ``…reply_timeout``); built on the
  webhook's hot path from the inbound ``UPDATE … RETURNING`` without a query.
- :class:`InteractionSummary`: the state, the record (origin, disposition, times) and the
  contact, plus what the viewer may do with it (``actions``, ``part``) when one asked:
  console tabs, lists (``GET interactions/``), the agent's snapshot, offers accepted.
- :class:`InteractionDetail`: the summary with case information, notes, participants,
  channel, queue and owner: a tab's content (``GET interactions/{id}/``, ``…/console/``).

Besides them, a contact's history lists :class:`InteractionHistoryEntry` rows (names, not
ids: it is read, never acted on).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NotRequired, Protocol, TypedDict

from conversations.models import Channel as ChannelModel
from conversations.models import Interaction as InteractionModel
from conversations.models import InteractionNote, InteractionParticipant
from conversations.payloads.common import iso, user_name
from conversations.payloads.contacts import Contact, contact_payload
from conversations.windows import reply_window_ends_at
from surveys.payloads import SurveyResult, survey_result


class InteractionStateSource(Protocol):
    """What :func:`interaction_payload` reads: an ``Interaction``, or the inbound UPDATE's
    ``TouchedInteraction`` (the same attributes, no query)."""

    # Read-only (properties): a model's non-null column matches an optional one here.
    @property
    def pk(self) -> int: ...

    @property
    def state(self) -> str: ...

    @property
    def owner_id(self) -> int | None: ...

    @property
    def queue_id(self) -> int | None: ...

    @property
    def contact_id(self) -> int: ...

    @property
    def channel_id(self) -> int | None: ...

    @property
    def customer_wa_id(self) -> str: ...

    @property
    def customer_user_id(self) -> str: ...

    @property
    def last_inbound_at(self) -> datetime | None: ...

    @property
    def last_outbound_at(self) -> datetime | None: ...

    @property
    def window_expires_at(self) -> datetime | None: ...

    @property
    def awaiting_reply_since(self) -> datetime | None: ...

    @property
    def closed_at(self) -> datetime | None: ...


class InteractionState(TypedDict):
    """The interaction's state: ids, timestamps, and the customer's number in this
    conversation (R8: the one replies go to, which the header shows; blank means the
    contact's own)."""

    id: int
    state: str
    owner_id: int | None
    queue_id: int | None
    contact_id: int
    channel_id: int | None
    customer_wa_id: str
    customer_user_id: str
    last_inbound_at: str | None
    last_outbound_at: str | None
    window_expires_at: str | None
    awaiting_reply_since: str | None
    reply_window_ends_at: str | None
    closed_at: str | None


class Viewer(TypedDict):
    """What the viewer may do with the interaction (the console offers exactly these,
    DESIGN invariant 8) and their part in it, for labels."""

    actions: list[str]
    part: str
    #: S2: a supervisor's interventions (barge in, take over, move), as the services allow.
    interventions: list[str]


class InteractionSummary(InteractionState):
    origin: str
    disposition: str
    created_at: str
    accepted_at: str | None
    contact: Contact
    actions: NotRequired[list[str]]
    part: NotRequired[str]
    interventions: NotRequired[list[str]]


class Note(TypedDict):
    id: int
    body: str
    author: str
    created_at: str


class Participant(TypedDict):
    """An agent in the conversation besides its owner: a conference guest or a consulted
    agent, invited or joined."""

    id: int
    agent_id: int
    name: str
    kind: str
    state: str


class ChannelRef(TypedDict):
    id: int
    name: str
    display_phone_number: str


class OwnerRef(TypedDict):
    id: int
    name: str


class InteractionDetail(InteractionSummary):
    case_data: dict[str, Any]
    queue: str
    channel: ChannelRef
    notes: list[Note]
    participants: list[Participant]
    owner: OwnerRef | None
    #: B3: the satisfaction survey sent after Done, and the customer's answer
    survey: SurveyResult | None


class InteractionHistoryEntry(TypedDict):
    """One conversation in a contact's history (W11), on any number."""

    id: int
    state: str
    channel: str
    owner: str
    created_at: str
    closed_at: str | None
    disposition: str
    done_note: str
    #: B3: the satisfaction survey sent after Done, and the customer's answer
    survey: SurveyResult | None


class TranscriptSession(TypedDict):
    """An interaction a transcript page's messages belong to (its separators)."""

    id: int
    created_at: str
    channel_id: int
    state: str


def interaction_payload(interaction: InteractionStateSource) -> InteractionState:
    return {
        "id": interaction.pk,
        "state": interaction.state,
        "owner_id": interaction.owner_id,
        "queue_id": interaction.queue_id,
        "contact_id": interaction.contact_id,
        "channel_id": interaction.channel_id,
        "customer_wa_id": interaction.customer_wa_id,
        "customer_user_id": interaction.customer_user_id,
        "last_inbound_at": iso(interaction.last_inbound_at),
        "last_outbound_at": iso(interaction.last_outbound_at),
        "window_expires_at": iso(interaction.window_expires_at),
        "awaiting_reply_since": iso(interaction.awaiting_reply_since),
        "reply_window_ends_at": iso(reply_window_ends_at(interaction)),
        "closed_at": iso(interaction.closed_at),
    }


def interaction_summary_payload(
    interaction: InteractionModel,
    *,
    viewer: Viewer | None = None,
    history_visible: bool | None = None,
) -> InteractionSummary:
    """INTERACTION_SUMMARY; with ``viewer`` (what the asking user may do) when given, and
    ``history_visible`` on its contact in the directory's lists."""
    # The state is exactly an InteractionState (no "actions" or "part", which only a viewer
    # adds below); mypy's extra checks cannot know a TypedDict has no more keys than it says.
    summary: InteractionSummary = {
        **interaction_payload(interaction),  # type: ignore[typeddict-item]
        "origin": interaction.origin,
        "disposition": interaction.disposition,
        "created_at": interaction.created_at.isoformat(),
        "accepted_at": iso(interaction.accepted_at),
        "contact": contact_payload(interaction.contact, history_visible=history_visible),
    }
    if viewer is not None:
        summary["actions"] = viewer["actions"]
        summary["part"] = viewer["part"]
        summary["interventions"] = viewer["interventions"]
    return summary


def note_payload(note: InteractionNote) -> Note:
    return {
        "id": note.pk,
        "body": note.body,
        "author": user_name(note.author),
        "created_at": note.created_at.isoformat(),
    }


def participant_payload(participant: InteractionParticipant) -> Participant:
    return {
        "id": participant.pk,
        "agent_id": participant.agent_id,
        "name": user_name(participant.agent),
        "kind": participant.kind,
        "state": participant.state,
    }


def channel_ref(channel: ChannelModel) -> ChannelRef:
    return {"id": channel.pk, "name": channel.name, "display_phone_number": channel.display_phone_number}


def interaction_detail_payload(
    interaction: InteractionModel,
    *,
    viewer: Viewer,
    notes: list[InteractionNote],
    participants: list[Participant],
) -> InteractionDetail:
    """INTERACTION: the summary, case information, notes, participants (read by the
    selector), and what the viewer may do with it."""
    return {
        **interaction_summary_payload(interaction, viewer=viewer),
        "case_data": interaction.case_data,
        "queue": interaction.queue.name if interaction.queue else "",
        "channel": channel_ref(interaction.channel),
        "notes": [note_payload(n) for n in notes],
        "participants": participants,
        "owner": {"id": interaction.owner_id, "name": user_name(interaction.owner)}
        if interaction.owner_id
        else None,
        "survey": survey_result(interaction) if interaction.state == interaction.State.CLOSED else None,
    }


def interaction_history_entry(interaction: InteractionModel) -> InteractionHistoryEntry:
    return {
        "id": interaction.pk,
        "state": interaction.state,
        "channel": interaction.channel.name,
        "owner": user_name(interaction.owner),
        "created_at": interaction.created_at.isoformat(),
        "closed_at": iso(interaction.closed_at),
        "disposition": interaction.disposition,
        "done_note": interaction.done_note,
        "survey": survey_result(interaction) if interaction.state == interaction.State.CLOSED else None,
    }


def transcript_session(interaction: InteractionModel) -> TranscriptSession:
    return {
        "id": interaction.pk,
        "created_at": interaction.created_at.isoformat(),
        "channel_id": interaction.channel_id,
        "state": interaction.state,
    }
