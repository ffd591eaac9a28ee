"""MESSAGE and ATTACHMENT: a transcript line and its file, as REST and live events show them.

``message_payload`` is the message alone (an offer's preview of the customer's words);
``message_full_payload`` adds what the transcript shows with it: its file, reactions, the
message it quotes, its author, and whether it was edited or deleted.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from django.urls import reverse

from conversations.media import shown_name_of
from conversations.models import Attachment as AttachmentModel
from conversations.models import Message as MessageModel
from conversations.models import Reaction as ReactionModel
from conversations.payloads.common import user_name
from whatsapp.errors import PACING_CODES


class Attachment(TypedDict):
    """A message's file; ``url`` / ``thumbnail_url`` once stored (auth-checked downloads)."""

    id: int
    kind: str
    mime_type: str
    #: M1b: the file's name, for every kind: the customer's own (documents), else one from
    #: the kind and type ("image.jpg", "voice message.ogg"). Customer text: escape it.
    file_name: str
    #: bytes, once the file is stored (None while it downloads)
    size: int | None
    state: str
    voice: bool
    animated: bool
    width: int | None
    height: int | None
    url: str | None
    thumbnail_url: str | None
    #: X4: what became of a deleted file ("The file was deleted on …"), else None
    notice: str | None


class MessageCore(TypedDict):
    """A message alone (no file, reactions or quote): what an offer previews."""

    id: int
    interaction_id: int
    contact_id: int
    channel_id: int
    direction: str
    type: str
    wamid: str | None
    body: str
    content: dict[str, Any]
    context_wamid: str
    forwarded: bool
    frequently_forwarded: bool
    referral: dict[str, Any]
    errors: list[Any]
    origination_at: str
    arrived_at: str
    status: str
    error_code: int | None
    error_title: str
    error_details: str
    author_id: int | None
    #: sent by a bot or an automated flow, not a person (B4)
    automated: bool
    #: G4: sent from the WhatsApp Business app on the same number (a message echo).
    from_business_app: bool
    #: G5: WhatsApp asked to slow down (130429 / 131056): queued, it leaves after a pause.
    waiting_to_send: bool


class Reaction(TypedDict):
    """One side's reaction to a message: the customer's ("in") or the business's ("out")."""

    direction: str
    #: "" only for the business's removal that failed (its ``error`` says why)
    emoji: str
    #: U1, the business's reaction only (an agent's), sent like a message: queued, sending,
    #: accepted, sent, delivered, read or failed
    status: NotRequired[str]
    #: why the business's reaction failed ("" unless it did)
    error: NotRequired[str]
    #: the agent who reacted
    author_name: NotRequired[str]


def reaction_payload(reaction: ReactionModel) -> Reaction:
    """A reaction as the transcript shows it under its message; the business's says where
    its send stands and who reacted."""
    shown: Reaction = {"direction": reaction.direction, "emoji": reaction.emoji}
    if reaction.direction == MessageModel.Direction.OUTBOUND:
        author = getattr(reaction, "author", None) if reaction.author_id else None
        shown["status"] = reaction.status
        shown["error"] = reaction.error_title if reaction.status == MessageModel.Status.FAILED else ""
        shown["author_name"] = user_name(author)
    return shown


class Quoted(TypedDict):
    """The message a reply quotes (its text cut to 300 characters)."""

    id: int
    body: str
    direction: str
    type: str
    content: dict[str, Any]


class Message(MessageCore):
    """MESSAGE: a transcript line with everything the console shows with it."""

    attachment: Attachment | None
    reactions: list[Reaction]
    quoted: Quoted | None
    author_name: str
    revoked: bool
    edited: bool


class SentMessage(Message):
    """A message just sent: ``replayed`` when the same ``client_ref`` was sent before."""

    replayed: bool


def attachment_notice(attachment: AttachmentModel) -> str | None:
    """X4: the text the transcript shows instead of a deleted file; None while it is there."""
    if attachment.state != AttachmentModel.State.PURGED:
        return None
    if attachment.purge_reason == "erasure":
        return "The file was erased with the contact's data."
    when = f" on {attachment.purged_at:%Y-%m-%d}" if attachment.purged_at else ""
    return f"The file was deleted{when}: media are kept for a limited time (retention policy)."


def attachment_payload(attachment: AttachmentModel | None) -> Attachment | None:
    if attachment is None:
        return None
    return {
        "id": attachment.pk,
        "kind": attachment.kind,
        "mime_type": attachment.mime_type,
        "file_name": shown_name_of(attachment),
        "size": attachment.size,
        "state": attachment.state,
        "notice": attachment_notice(attachment),
        "voice": attachment.voice,
        "animated": attachment.animated,
        "width": attachment.width,
        "height": attachment.height,
        "url": reverse("attachment-file", args=[attachment.pk]) if attachment.file else None,
        "thumbnail_url": reverse("attachment-thumbnail", args=[attachment.pk])
        if attachment.thumbnail
        else None,
    }


def message_payload(message: MessageModel) -> MessageCore:
    """The one JSON shape of a message alone."""
    return {
        "id": message.pk,
        "interaction_id": message.interaction_id,
        "contact_id": message.contact_id,
        "channel_id": message.channel_id,
        "direction": message.direction,
        "type": message.type,
        "wamid": message.wamid,
        "body": message.body,
        "content": message.content,
        "context_wamid": message.context_wamid,
        "forwarded": message.forwarded,
        "frequently_forwarded": message.frequently_forwarded,
        "referral": message.referral,
        "errors": message.errors,
        "origination_at": message.origination_at.isoformat(),
        "arrived_at": message.arrived_at.isoformat(),
        "status": message.status,
        "error_code": message.error_code,
        "error_title": message.error_title,
        "error_details": message.error_details,
        "author_id": message.author_id,
        "automated": message.automated,
        "from_business_app": message.from_business_app,
        "waiting_to_send": message.status == MessageModel.Status.QUEUED
        and message.error_code in PACING_CODES,
    }


def quoted_payload(message: MessageModel) -> Quoted:
    return {
        "id": message.pk,
        "body": message.body[:300],
        "direction": message.direction,
        "type": message.type,
        "content": message.content,
    }


def message_full_payload(
    message: MessageModel,
    *,
    attachment: AttachmentModel | None = None,
    reactions: list[Reaction] | None = None,
    quoted: Quoted | None = None,
) -> Message:
    """MESSAGE: the message, its file, reactions, quoted message, author (what a page read
    for them, see ``selectors.messages_payload``)."""
    author = getattr(message, "author", None) if message.author_id else None
    return {
        **message_payload(message),
        "attachment": attachment_payload(attachment),
        "reactions": reactions or [],
        "quoted": quoted,
        "author_name": user_name(author),
        "revoked": message.revoked_at is not None,
        "edited": message.edited_at is not None,
    }
