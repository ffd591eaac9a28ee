"""Conference invitations (R5) and the consultation's internal chat (R6)."""

from __future__ import annotations

from typing import TypedDict

from conversations.models import ConsultationMessage as ConsultationMessageModel
from conversations.models import InteractionParticipant
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


class InvitationVia(TypedDict):
    """R5b: the agent group or skill through which routing chose the invited agent."""

    #: "group" or "skill"
    kind: str
    id: int
    name: str


class Invitation(TypedDict):
    """An invitation to join a conversation (a conference)."""

    invitation_id: int
    inviter: str
    #: R5b: invited "via the Group or Skill option" (None: invited by name).
    via: InvitationVia | None
    interaction: InteractionSummary


def invitation_via(invitation: InteractionParticipant) -> InvitationVia | None:
    """Read ``via_group`` / ``via_skill`` with the invitation (``select_related``)."""
    if invitation.via_group is not None:
        return {"kind": "group", "id": invitation.via_group.pk, "name": invitation.via_group.name}
    if invitation.via_skill is not None:
        return {"kind": "skill", "id": invitation.via_skill.pk, "name": invitation.via_skill.name}
    return None


def invitation_payload(invitation: InteractionParticipant, *, interaction: InteractionSummary) -> Invitation:
    """The conference invitation as the invited agent's console shows it (the
    conference.invited frame and the snapshot's ``invitations``)."""
    return {
        "invitation_id": invitation.pk,
        "inviter": user_name(invitation.invited_by),
        "via": invitation_via(invitation),
        "interaction": interaction,
    }


def consultation_payload(message: ConsultationMessageModel) -> ConsultationMessage:
    return {
        "id": message.pk,
        "interaction_id": message.interaction_id,
        "author_id": message.author_id,
        "author_name": user_name(message.author),
        "body": message.body,
        "created_at": message.created_at.isoformat(),
    }
