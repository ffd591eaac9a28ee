"""G4: business-app coexistence. With coexistence the business also answers from the
WhatsApp Business app on the same number; Meta sends those messages as echoes
(``smb_message_echoes``). Each joins the right conversation's transcript as a business
message "sent from the business app": it counts as the business's reply for the pending
response indicator (W5), while the 24-hour window keeps following only the customer's
messages (O1). A redelivered echo changes nothing (its wamid is stored once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import F, Q

from conversations import events, jobs
from conversations.db import insert_ignore_returning
from conversations.models import Attachment, Channel, Contact, Interaction, Message
from conversations.services.contacts import contact_identity_refresh
from waproject.embedded import enqueue_on_commit
from whatsapp.records import InboundMessage


@dataclass
class EchoReport:
    stored: int = 0
    duplicates: int = 0
    #: Echoes to a customer with no conversation on this number (kept in the event only).
    unplaced: list[str] = field(default_factory=list)


def echoes_store(*, channel: Channel, echoes: list[InboundMessage], arrived_at: datetime) -> EchoReport:
    """Store one change's echoes (call inside the webhook's transaction)."""
    report = EchoReport()
    for echo in echoes:
        interaction = _interaction_for(channel=channel, echo=echo)
        if interaction is None:
            report.unplaced.append(echo.wamid)
            continue
        row = Message(
            channel=channel,
            interaction=interaction,
            contact_id=interaction.contact_id,
            direction=Message.Direction.OUTBOUND,
            type=echo.type,
            wamid=echo.wamid,
            body=echo.body,
            content=echo.content,
            context_wamid=echo.context_wamid,
            origination_at=echo.timestamp,
            arrived_at=arrived_at,
            status=Message.Status.SENT,
            sent_at=echo.timestamp,
            from_business_app=True,
        )
        inserted = insert_ignore_returning(Message, [row])
        if not inserted:
            report.duplicates += 1  # a redelivery: already in the transcript
            continue
        row.pk = inserted[0][0]
        report.stored += 1
        attachment = _attachment(row, echo, arrived_at=arrived_at)
        _count_as_reply(interaction, echo)
        events.message_created(message=row, owner_id=interaction.owner_id, attachment=attachment)
        events.interaction_changed(interaction=Interaction.objects.get(pk=interaction.pk))
    return report


def _interaction_for(*, channel: Channel, echo: InboundMessage) -> Interaction | None:
    """The conversation the echo belongs to: the customer's open one on this number, else
    their latest one here. An echo never opens a conversation (the business wrote from
    the app, no agent is needed); one to a customer without any is left in the event."""
    sender = echo.sender
    lookup = Q(pk__in=[])
    if sender.wa_id:
        lookup |= Q(wa_id=sender.wa_id)
    if sender.user_id:
        lookup |= Q(user_id=sender.user_id)
    contact = Contact.objects.filter(lookup).first()
    if contact is None:
        return None
    if contact.merged_into_id:
        contact = Contact.objects.get(pk=contact.merged_into_id)
    if sender.user_id and not contact.user_id:
        contact_identity_refresh(contact_id=contact.pk, sender=sender)
    return (
        Interaction.objects.filter(contact=contact, channel=channel)
        .order_by(F("closed_at").asc(nulls_first=True), "-id")  # open first, then latest
        .first()
    )


def _count_as_reply(interaction: Interaction, echo: InboundMessage) -> None:
    """W5: the business answered (from the app): the pending response indicator stops if
    the echo is not older than the customer's last message. The window is untouched."""
    answered = Q(last_inbound_at__isnull=True) | Q(last_inbound_at__lte=echo.timestamp)
    Interaction.objects.filter(pk=interaction.pk).filter(answered).update(awaiting_reply_since=None)
    Interaction.objects.filter(pk=interaction.pk).filter(
        Q(last_outbound_at__isnull=True) | Q(last_outbound_at__lt=echo.timestamp)
    ).update(last_outbound_at=echo.timestamp)


def _attachment(row: Message, echo: InboundMessage, *, arrived_at: datetime) -> Attachment | None:
    """An echoed photo or document is downloaded like a customer's (M1)."""
    media = echo.media
    if media is None or not media.media_id:
        return None
    attachment = Attachment.objects.create(
        message_id=row.pk,
        kind=media.kind,
        media_id=media.media_id,
        mime_type=media.mime_type,
        sha256=media.sha256,
        file_name=media.filename,
        voice=media.voice,
        animated=media.animated,
        download_due_at=arrived_at,
    )
    if settings.WHATSAPP_MEDIA_AUTO_DOWNLOAD:
        enqueue_on_commit(jobs.ATTACHMENT_DOWNLOAD, attachment.pk)
    return attachment
