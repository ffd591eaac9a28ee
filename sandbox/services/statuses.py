"""Each business message's statuses (sent, delivered, read, played, or failed), posted to
our webhook later, in order, from Celery tasks: one worker at a time per message (a lease)."""

from __future__ import annotations

import enum
import logging

from django.db.models import Q
from django.utils import timezone

from sandbox import events, wire
from sandbox.errors import (
    webhook_error,
)
from sandbox.models import SandboxMessage, WebhookPost
from sandbox.services.common import SERVICE_WINDOW, STATUS_LEASE, envelope, webhook_post

logger = logging.getLogger(__name__)


class StatusOutcome(enum.Enum):
    DONE = "done"
    #: Another worker is posting this message's statuses: try again shortly.
    BUSY = "busy"
    #: Our webhook did not answer 2xx: the status stays unposted, try again later.
    WEBHOOK_FAILED = "webhook_failed"


def _status_steps(message: SandboxMessage, wanted: str) -> list[str]:
    """The statuses still to post, in order, to bring ``message`` to ``wanted``."""
    Status = SandboxMessage.Status
    if message.status == Status.FAILED:
        return []
    if message.error_code:
        return [Status.FAILED]
    if wanted == Status.PLAYED and message.type != "audio":
        wanted = Status.READ  # only audio is "played"
    order = SandboxMessage.STATUS_ORDER
    if wanted not in order:
        return []
    return list(order[message.status_rank + 1 : order.index(wanted) + 1])


def message_status_advance(*, message_id: int, status: str) -> StatusOutcome:
    """Post every status of a business message up to ``status`` that was not posted yet, in order.

    Several workers may be due for one message at once (the "delivered" timer fires while
    "sent" is still on the wire, the page reports it read): a lease on the row lets one
    of them post at a time, so our webhook gets the statuses in order. Asking again for a
    status already posted does nothing.
    """
    now = timezone.now()
    claimed = (
        SandboxMessage.objects.filter(pk=message_id, direction=SandboxMessage.Direction.BUSINESS)
        .filter(Q(status_lease_until__isnull=True) | Q(status_lease_until__lt=now))
        .update(status_lease_until=now + STATUS_LEASE)
    )
    if not claimed:
        exists = SandboxMessage.objects.filter(
            pk=message_id, direction=SandboxMessage.Direction.BUSINESS
        ).exists()
        return StatusOutcome.BUSY if exists else StatusOutcome.DONE
    try:
        message = SandboxMessage.objects.select_related("chat__channel").get(pk=message_id)
        for step in _status_steps(message, status):
            post = _status_post(message, step)
            if not post.ok:
                return StatusOutcome.WEBHOOK_FAILED
            message.status = step
            message.save(update_fields=["status"])
            events.message_changed(message)
        return StatusOutcome.DONE
    finally:
        SandboxMessage.objects.filter(pk=message_id).update(status_lease_until=None)


def _status_post(message: SandboxMessage, status: str) -> WebhookPost:
    chat = message.chat
    channel = chat.channel
    at = timezone.now()
    errors = None
    if status == SandboxMessage.Status.FAILED:
        errors = [webhook_error(message.error_code or 131000, message.error_details)]
    item = wire.status_object(
        wamid=message.wamid,
        status=status,
        at=at,
        recipient_id=chat.wa_id,
        category=message.category or "service",
        conversation_id=message.conversation_id,
        # Pricing rides on "sent" and on "delivered" only (reference §5).
        with_pricing=status in (SandboxMessage.Status.SENT, SandboxMessage.Status.DELIVERED),
        conversation_expires_at=at + SERVICE_WINDOW if status == SandboxMessage.Status.SENT else None,
        errors=errors,
        biz_opaque_callback_data=str((message.request or {}).get("biz_opaque_callback_data") or ""),
        recipient_user_id=chat.user_id,
        hides_number=chat.hides_number,
    )
    payload = envelope(channel, statuses=[item])
    return webhook_post(
        channel=channel, payload=payload, kind=WebhookPost.Kind.STATUS, message=message, status=status
    )
