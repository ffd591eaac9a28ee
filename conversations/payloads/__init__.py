"""The JSON shape of each entity, defined once: REST answers, live events and selectors
build them here, and the OpenAPI schema documents the same definitions.

Each shape is a ``TypedDict`` (the schema's component of that name, see
``conversations/api/schema.py``) next to the one function that builds it from model
instances. Builders do not query: what a shape needs beyond the instance (a page's
reactions, an offer's first message, what the viewer may do) the selectors read and pass
in. docs/console-protocol.md names them in capitals (MESSAGE, INTERACTION_SUMMARY…).
"""

from conversations.payloads.agents import (
    Agent,
    AgentSnapshot,
    Disposition,
    NamedRow,
    Offer,
    TransferTargetAgent,
    TransferTargets,
    agent_payload,
    offer_payload,
    transfer_target_agent,
)
from conversations.payloads.collaboration import ConsultationMessage, Invitation, consultation_payload
from conversations.payloads.common import iso, user_name
from conversations.payloads.contacts import Contact, contact_payload
from conversations.payloads.interactions import (
    InteractionDetail,
    InteractionHistoryEntry,
    InteractionState,
    InteractionSummary,
    Note,
    Participant,
    TranscriptSession,
    Viewer,
    interaction_detail_payload,
    interaction_history_entry,
    interaction_payload,
    interaction_summary_payload,
    note_payload,
    participant_payload,
    transcript_session,
)
from conversations.payloads.messages import (
    Attachment,
    Message,
    MessageCore,
    Quoted,
    Reaction,
    SentMessage,
    attachment_payload,
    message_full_payload,
    message_payload,
    quoted_payload,
)
from conversations.payloads.pages import CatchUp, ContactHistory, StartedSession, TranscriptPage
from conversations.payloads.templates import (
    StandardResponse,
    Template,
    TemplatePreview,
    standard_response_payload,
    template_payload,
    template_preview_payload,
)
from conversations.payloads.workbins import Workbin, WorkbinItem, workbin_item_payload, workbin_payload

__all__ = [
    "Agent",
    "AgentSnapshot",
    "Attachment",
    "CatchUp",
    "ConsultationMessage",
    "Contact",
    "ContactHistory",
    "Disposition",
    "InteractionDetail",
    "InteractionHistoryEntry",
    "InteractionState",
    "InteractionSummary",
    "Invitation",
    "Message",
    "MessageCore",
    "NamedRow",
    "Note",
    "Offer",
    "Participant",
    "Quoted",
    "Reaction",
    "SentMessage",
    "StandardResponse",
    "StartedSession",
    "Template",
    "TemplatePreview",
    "TranscriptPage",
    "TranscriptSession",
    "TransferTargetAgent",
    "TransferTargets",
    "Viewer",
    "Workbin",
    "WorkbinItem",
    "agent_payload",
    "attachment_payload",
    "consultation_payload",
    "contact_payload",
    "interaction_detail_payload",
    "interaction_history_entry",
    "interaction_payload",
    "interaction_summary_payload",
    "iso",
    "message_full_payload",
    "message_payload",
    "note_payload",
    "offer_payload",
    "participant_payload",
    "quoted_payload",
    "standard_response_payload",
    "template_payload",
    "template_preview_payload",
    "transcript_session",
    "transfer_target_agent",
    "user_name",
    "workbin_item_payload",
    "workbin_payload",
]
