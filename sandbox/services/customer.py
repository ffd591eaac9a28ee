"""The customer's side (the phone page): send a message, report messages seen or played."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from conversations.models import Channel
from sandbox import events, wire
from sandbox.models import SandboxChat, SandboxMessage, WebhookPost
from sandbox.phone_input import CustomerMessage
from sandbox.services.common import chat_touch, envelope, request_status, webhook_post

logger = logging.getLogger(__name__)


def customer_message_send(
    *, channel: Channel, wa_id: str, profile_name: str, message: CustomerMessage
) -> tuple[SandboxMessage, WebhookPost]:
    """The customer sends a message: record it, then POST its webhook to our service at once.

    The message counts for the 24-hour window even if our webhook refuses it: the
    customer did write (Meta would retry the webhook).
    """
    now = timezone.now()
    with transaction.atomic():
        chat = chat_touch(channel=channel, wa_id=wa_id, now=now, profile_name=profile_name)
        chat.last_customer_message_at = now
        chat.save(update_fields=["last_customer_message_at"])
        wamid = wire.new_wamid(wa_id)
        item: dict[str, Any] = {}
        if message.context_wamid:
            item["context"] = {"from": channel.display_phone_number, "id": message.context_wamid}
        item.update(wire.customer_ids(wa_id=wa_id, user_id=chat.user_id, hides_number=chat.hides_number))
        item.update({"id": wamid, "timestamp": wire.unix(now), "type": message.type})
        item[message.type] = message.content
        record = SandboxMessage.objects.create(
            chat=chat,
            wamid=wamid,
            direction=SandboxMessage.Direction.CUSTOMER,
            type=message.type,
            content=message.content,
            request=item,
            context_wamid=message.context_wamid,
            created_at=now,
        )
        events.message_changed(record)
    payload = envelope(
        channel,
        **wire.inbound_value(
            wa_id=wa_id,
            profile_name=chat.profile_name,
            message=item,
            user_id=chat.user_id,
            username=chat.username,
            hides_number=chat.hides_number,
        ),
    )
    post = webhook_post(channel=channel, payload=payload, kind=WebhookPost.Kind.MESSAGE, message=record)
    record.webhook_status = post.response_status
    record.webhook_error = post.error
    record.save(update_fields=["webhook_status", "webhook_error"])
    events.message_changed(record)
    return record, post


def customer_seen(*, chat: SandboxChat) -> int:
    """The customer has the chat open: the business's delivered messages become "read"."""
    unseen = chat.messages.filter(
        direction=SandboxMessage.Direction.BUSINESS, customer_seen_at__isnull=True, error_code__isnull=True
    )
    ids = list(unseen.values_list("pk", flat=True))
    if ids:
        SandboxMessage.objects.filter(pk__in=ids, customer_seen_at__isnull=True).update(
            customer_seen_at=timezone.now()
        )
    request_status(ids, SandboxMessage.Status.READ)
    return len(ids)


def customer_played(*, chat: SandboxChat, wamid: str) -> bool:
    """The customer played a business voice/audio message: it becomes "played" (after "read")."""
    message = chat.messages.filter(
        wamid=wamid, direction=SandboxMessage.Direction.BUSINESS, type="audio"
    ).first()
    if message is None or message.error_code:
        return False
    request_status([message.pk], SandboxMessage.Status.PLAYED)
    return True
