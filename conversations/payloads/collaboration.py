"""Conference invitations (R5) and the consultation's internal chat (R6)."""

from __future__ import annotations

from typing import TypedDict

from conversations.models import ConsultationMessage as ConsultationMessageModel
from conversations.payloads.common import user_name
from conversations.payloads.interactions import InteractionSummary


class ConsultationMessage(TypedDict):
    """A message of the internal chat about an interaction (never sent to the customer)."""

    id: int
    interaction_id: int
    author_id: int | None
    author_name: str
    body: str
    created_at: str


class Invitation(TypedDict):
    """An invitation to join a conversation (a conference)."""

    invitation_id: int
    inviter: str
    interaction: InteractionSummary


def consultation_payload(message: ConsultationMessageModel) -> ConsultationMessage:
    return {
        "id": message.pk,
        "interaction_id": message.interaction_id,
        "author_id": message.author_id,
        "author_name": user_name(message.author),
        "body": message.body,
        "created_at": message.created_at.isoformat(),
    }
