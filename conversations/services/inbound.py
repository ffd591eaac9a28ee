"""Store customer messages of one webhook change: idempotent by wamid, pushed after commit.

A sender's plain messages take the hot path: one UPDATE … RETURNING that finds and
touches their open interaction, one INSERT … ON CONFLICT DO NOTHING for the messages.
A first message (no open interaction) takes the slow path: resolve the contact, open a
queued interaction. Reactions, number changes, revokes and edits act on other rows.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef

from conversations import events, jobs
from conversations.db import insert_ignore_returning
from conversations.models import (
    Attachment,
    Channel,
    Contact,
    Interaction,
    Message,
    PendingRevision,
    Reaction,
)
from conversations.services.contacts import (
    contact_change_number,
    contact_change_user_id,
    contact_identity_refresh,
    contact_resolve,
    sender_news,
)
from conversations.services.interactions import (
    InboundTouch,
    TouchedInteraction,
    interaction_open_for,
    interaction_touch_inbound,
    interaction_touch_inbound_by_sender,
)
from conversations.services.preferences import marketing_preference_apply
from conversations.services.routing import interaction_route
from flows.services import flow_customer_messages, flow_take_over
from integrations import outbox
from integrations.bots import bot_take_over
from surveys.services import survey_replies_take
from waproject.embedded import enqueue_on_commit
from whatsapp.records import InboundMessage, SenderProfile
from workbins.services import interaction_release_on_customer_message

logger = logging.getLogger(__name__)


@dataclass
class InboundReport:
    stored: int = 0
    duplicates: int = 0
    reactions: int = 0
    revisions_pending: int = 0
    new_interactions: list[int] = field(default_factory=list)
    parked_interactions: list[int] = field(default_factory=list)
    media_attachment_ids: list[int] = field(default_factory=list)


def inbound_messages_store(
    *, channel: Channel, messages: list[InboundMessage], arrived_at: datetime
) -> InboundReport:
    """Store one change's customer messages (call inside the webhook's transaction)."""
    report = InboundReport()
    by_sender: dict[tuple[str | None, str | None], list[InboundMessage]] = defaultdict(list)
    side_effects: list[InboundMessage] = []
    for message in messages:
        if message.type == "reaction":
            report.reactions += _reaction_apply(channel=channel, message=message)
        elif message.type in ("system", "revoke", "edit"):
            side_effects.append(message)
        else:
            by_sender[message.sender.key].append(message)
    for sender_messages in by_sender.values():
        _store_for_sender(channel=channel, messages=sender_messages, arrived_at=arrived_at, report=report)
    # After the plain messages: a number change then moves what the batch stored, and
    # an edit finds an original that came in the same POST.
    for message in side_effects:
        if message.type == "system":
            _system_apply(channel=channel, message=message, arrived_at=arrived_at, report=report)
        else:
            _revision_apply(channel=channel, message=message, arrived_at=arrived_at, report=report)
    for interaction_id in report.new_interactions:
        interaction_route(interaction_id=interaction_id)  # R1: offered within the same commit
    for interaction_id in report.parked_interactions:
        interaction_release_on_customer_message(interaction_id=interaction_id)  # R7
    return report


def _store_for_sender(
    *, channel: Channel, messages: list[InboundMessage], arrived_at: datetime, report: InboundReport
) -> None:
    # B3: a tap on a survey's choice belongs to the surveyed (closed) interaction.
    messages = survey_replies_take(channel=channel, messages=messages, arrived_at=arrived_at)
    if not messages:
        return
    latest = max(messages, key=lambda m: m.timestamp)
    sender = latest.sender
    touch: InboundTouch = {
        "wamid": latest.wamid,
        "originated_at": latest.timestamp,
        "arrived_at": arrived_at,
        "wa_id": sender.wa_id,
        "user_id": sender.user_id,
    }
    touched = interaction_touch_inbound_by_sender(channel_id=channel.pk, **touch)
    if touched is None:
        # The slow path: a redelivery of messages stored in a closed interaction must not
        # open a new one (the hot path's INSERT … ON CONFLICT cannot tell in time).
        fresh = _not_yet_stored(channel=channel, messages=messages)
        report.duplicates += len(messages) - len(fresh)
        # B3: with no conversation open, a pending survey comment is not a new conversation.
        fresh = survey_replies_take(channel=channel, messages=fresh, arrived_at=arrived_at, comments=True)
        if not fresh:
            return
        messages = fresh
        latest = max(messages, key=lambda m: m.timestamp)
        touch = {**touch, "wamid": latest.wamid, "originated_at": latest.timestamp}
        contact = contact_resolve(sender=sender)
        interaction, created = interaction_open_for(contact=contact, channel=channel, now=arrived_at)
        # B4: a bot that owns the number or queue takes it before routing (no offer); else
        # B1: the number's entry flow does (flows.services: the precedence).
        if (
            created
            and not bot_take_over(interaction=interaction, now=arrived_at)
            and not flow_take_over(interaction=interaction, now=arrived_at)
        ):
            report.new_interactions.append(interaction.pk)
        touched = interaction_touch_inbound(interaction_id=interaction.pk, **touch)
    elif sender_news(
        sender=sender,
        profile_name=touched.contact_profile_name,
        username=touched.contact_username,
        wa_id=touched.contact_wa_id,
        user_id=touched.contact_user_id,
    ):
        # G2: a BSUID joining a number (or the reverse), a new username: recorded now,
        # so a later message with only one of the ids finds this contact.
        contact_identity_refresh(contact_id=touched.contact_id, sender=sender)
    if touched.state == Interaction.State.PARKED:
        report.parked_interactions.append(touched.id)
    events.interaction_changed(interaction=touched)  # window, pending reply: live
    _insert_messages(
        channel=channel, touched=touched, messages=messages, arrived_at=arrived_at, report=report
    )


def _message_row(
    m: InboundMessage, *, channel_id: int, interaction_id: int, contact_id: int, arrived_at: datetime
) -> Message:
    return Message(
        channel_id=channel_id,
        interaction_id=interaction_id,
        contact_id=contact_id,
        direction=Message.Direction.INBOUND,
        type=m.type,
        wamid=m.wamid,
        body=m.body,
        content=m.content,
        context_wamid=m.context_wamid,
        forwarded=m.forwarded,
        frequently_forwarded=m.frequently_forwarded,
        referral=m.referral,
        errors=m.errors,
        origination_at=m.timestamp,
        arrived_at=arrived_at,
        status=Message.Status.RECEIVED,
    )


def _not_yet_stored(*, channel: Channel, messages: list[InboundMessage]) -> list[InboundMessage]:
    stored = set(
        Message.objects.filter(channel=channel, wamid__in=[m.wamid for m in messages]).values_list(
            "wamid", flat=True
        )
    )
    return [m for m in messages if m.wamid not in stored]


def _insert_messages(
    *,
    channel: Channel,
    touched: TouchedInteraction,
    messages: list[InboundMessage],
    arrived_at: datetime,
    report: InboundReport,
) -> None:
    rows = [
        _message_row(
            m,
            channel_id=channel.pk,
            interaction_id=touched.id,
            contact_id=touched.contact_id,
            arrived_at=arrived_at,
        )
        for m in messages
    ]
    inserted = dict((wamid, pk) for pk, wamid in insert_ignore_returning(Message, rows, ("id", "wamid")))
    report.duplicates += len(rows) - len(inserted)
    report.stored += len(inserted)
    created = []
    for row, parsed in zip(rows, messages, strict=True):
        if row.wamid in inserted:
            row.pk = inserted[row.wamid]
            created.append((row, parsed))
    attachments = [
        Attachment(
            message_id=row.pk,
            kind=parsed.media.kind,
            media_id=parsed.media.media_id,
            mime_type=parsed.media.mime_type,
            sha256=parsed.media.sha256,
            file_name=parsed.media.filename,
            voice=parsed.media.voice,
            animated=parsed.media.animated,
            download_due_at=arrived_at,
        )
        for row, parsed in created
        if parsed.media is not None and parsed.media.media_id
    ]
    if attachments:
        Attachment.objects.bulk_create(attachments)
        for attachment in attachments:
            report.media_attachment_ids.append(attachment.pk)
            if settings.WHATSAPP_MEDIA_AUTO_DOWNLOAD:
                enqueue_on_commit(jobs.ATTACHMENT_DOWNLOAD, attachment.pk)
    by_message = {attachment.message_id: attachment for attachment in attachments}
    for row, _parsed in created:
        events.message_created(message=row, owner_id=touched.owner_id, attachment=by_message.get(row.pk))
        outbox.message_created(message=row, owner_id=touched.owner_id)  # B5, same transaction
    # B1: what was just inserted (never a redelivery) starts or advances the entry flow.
    flow_customer_messages(owner_id=touched.owner_id, messages=[row for row, _parsed in created])


def _revision_apply(
    *, channel: Channel, message: InboundMessage, arrived_at: datetime, report: InboundReport
) -> None:
    """A customer's delete or edit changes the original message (which is kept for the
    record), never the conversation: it neither opens an interaction nor asks for a reply.
    One that overtook its original waits in ``PendingRevision``."""
    original_wamid = message.content.get("original_message_id", "")
    original = (
        Message.objects.select_for_update()
        .filter(channel=channel, wamid=original_wamid, direction=Message.Direction.INBOUND)
        .first()
        if original_wamid
        else None
    )
    if original is None:
        if original_wamid:
            PendingRevision.objects.bulk_create(
                [
                    PendingRevision(
                        channel=channel,
                        wamid=message.wamid,
                        original_wamid=original_wamid,
                        kind=message.type,
                        occurred_at=message.timestamp,
                        payload=_revision_payload(message),
                    )
                ],
                ignore_conflicts=True,
            )
        report.revisions_pending += 1
        return
    record = _message_row(
        message,
        channel_id=channel.pk,
        interaction_id=original.interaction_id,
        contact_id=original.contact_id,
        arrived_at=arrived_at,
    )
    if not insert_ignore_returning(Message, [record]):
        report.duplicates += 1  # a redelivery: already applied
        return
    report.stored += 1
    if message.type == "revoke":
        if original.revoked_at is None:
            original.revoked_at = message.timestamp
            original.save(update_fields=["revoked_at"])
    elif original.edited_at is None or original.edited_at < message.timestamp:
        history = list(original.content.get("previous_bodies", []))
        history.append(original.body)
        original.content = {**original.content, "previous_bodies": history}
        original.body = message.body
        original.edited_at = message.timestamp
        original.save(update_fields=["content", "body", "edited_at"])
    events.message_updated(message=original)


def _revision_payload(message: InboundMessage) -> dict[str, object]:
    return {
        "type": message.type,
        "body": message.body,
        "content": message.content,
        "timestamp": message.timestamp.isoformat(),
        "wa_id": message.sender.wa_id,
        "user_id": message.sender.user_id,
    }


def pending_revisions_resolve(*, limit: int = 200) -> int:
    """Apply the deletes and edits whose original message has arrived meanwhile."""
    arrived = Message.objects.filter(channel_id=OuterRef("channel_id"), wamid=OuterRef("original_wamid"))
    due = list(
        PendingRevision.objects.filter(Exists(arrived))
        .select_related("channel")
        .order_by("occurred_at", "pk")[:limit]
    )
    applied = 0
    for pending in due:
        with transaction.atomic():
            if not PendingRevision.objects.filter(pk=pending.pk).delete()[0]:
                continue  # another sweep took it
            data = pending.payload
            message = InboundMessage(
                wamid=pending.wamid,
                type=pending.kind,
                timestamp=datetime.fromisoformat(data["timestamp"]),
                sender=SenderProfile(wa_id=data.get("wa_id"), user_id=data.get("user_id")),
                body=data.get("body", ""),
                content=data.get("content", {}),
            )
            report = InboundReport()
            _revision_apply(
                channel=pending.channel, message=message, arrived_at=pending.received_at, report=report
            )
            applied += report.stored
    return applied


def _reaction_apply(*, channel: Channel, message: InboundMessage) -> int:
    """Set (or remove, when the emoji is empty) the customer's reaction; only newer wins."""
    target_wamid = message.content.get("message_id", "")
    if not target_wamid:
        return 0
    emoji = message.content.get("emoji", "")
    for _ in range(2):
        current = (
            Reaction.objects.select_for_update()
            .filter(channel=channel, target_wamid=target_wamid, direction=Message.Direction.INBOUND)
            .first()
        )
        if current is not None:
            if current.reacted_at > message.timestamp or _is_replayed_reaction(current, message, emoji):
                return 0
            current.emoji, current.wamid, current.reacted_at = emoji, message.wamid, message.timestamp
            current.save(update_fields=["emoji", "wamid", "reacted_at"])
            break
        try:
            with transaction.atomic():
                Reaction.objects.create(
                    channel=channel,
                    target_wamid=target_wamid,
                    direction=Message.Direction.INBOUND,
                    emoji=emoji,
                    wamid=message.wamid,
                    reacted_at=message.timestamp,
                )
            break
        except IntegrityError:
            continue
    target = (
        Message.objects.filter(channel=channel, wamid=target_wamid).values("id", "interaction_id").first()
    )
    if target is not None:
        events.reaction_changed(
            interaction_id=target["interaction_id"],
            message_id=target["id"],
            direction=Message.Direction.INBOUND,
            emoji=emoji,
        )
    return 1


def _is_replayed_reaction(current: Reaction, message: InboundMessage, emoji: str) -> bool:
    """A redelivered reaction after its own removal (WhatsApp gives a removal the id and
    the second of the reaction it removes): the removal stands."""
    return (
        current.reacted_at == message.timestamp
        and current.wamid == message.wamid
        and bool(emoji)
        and not current.emoji
    )


#: System notices that change who the customer is at WhatsApp (G2).
_IDENTITY_CHANGES = ("user_changed_number", "customer_changed_number", "user_changed_user_id")


def _system_apply(
    *, channel: Channel, message: InboundMessage, arrived_at: datetime, report: InboundReport
) -> None:
    """A number change moves the contact to its new number; the notice joins its history
    (its open interaction, else its latest one) and never opens a conversation: a contact
    with no conversation here gets the new number and no notice."""
    content = message.content
    new_wa_id = str(content.get("wa_id") or content.get("new_wa_id") or "")
    new_user_id = str(content.get("user_id") or "")
    previous_user_id = str(content.get("previous_user_id") or "")
    kind = content.get("type")
    contact: Contact | None
    if kind in ("user_changed_number", "customer_changed_number") and message.sender.wa_id and new_wa_id:
        contact = contact_change_number(sender=message.sender, new_wa_id=new_wa_id)
        if new_user_id:  # G2: a new number comes with a new BSUID
            contact_change_user_id(
                sender=dataclasses.replace(message.sender, wa_id=contact.wa_id, user_id=contact.user_id),
                previous_user_id=previous_user_id or contact.user_id or "",
                new_user_id=new_user_id,
                parent_user_id=str(content.get("parent_user_id") or ""),
            )
            contact.refresh_from_db()
    elif kind in _IDENTITY_CHANGES and new_user_id:
        # A BSUID change; or a number change of a customer who hides the number (no
        # ``from``): the new number joins the contact if it has none.
        contact = contact_change_user_id(
            sender=message.sender,
            previous_user_id=previous_user_id,
            new_user_id=new_user_id,
            parent_user_id=str(content.get("parent_user_id") or ""),
        )
        if contact is None:
            return  # a customer we never heard of: nothing to follow
        if new_wa_id:
            contact = (
                contact_identity_refresh(
                    contact_id=contact.pk, sender=SenderProfile(wa_id=new_wa_id, user_id=new_user_id)
                )
                or contact
            )
    elif kind == "user_preference_changed" and content.get("marketing") in ("stop", "resume"):
        # G3, the older form of ``user_preferences``: a system message.
        marketing_preference_apply(customer=message.sender, value=content["marketing"], at=message.timestamp)
        contact = contact_resolve(sender=message.sender)
    else:
        contact = contact_resolve(sender=message.sender)
    interaction = (
        Interaction.objects.filter(contact=contact, channel=channel)
        .order_by(F("closed_at").asc(nulls_first=True), "-id")  # open first, then latest
        .only("id", "owner_id", "contact_id", "state")
        .first()
    )
    if interaction is None:
        return
    touched = TouchedInteraction(
        id=interaction.pk,
        contact_id=contact.pk,
        owner_id=interaction.owner_id,
        state=interaction.state,
        contact_profile_name=contact.profile_name,
    )
    _insert_messages(
        channel=channel, touched=touched, messages=[message], arrived_at=arrived_at, report=report
    )
