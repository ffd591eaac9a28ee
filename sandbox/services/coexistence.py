"""G4: coexistence. The business also answers from the WhatsApp Business app on the same
number: the customer's phone shows the message, and Meta posts it to our webhook as an
echo (``smb_message_echoes``), which the sandbox plays here."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from sandbox import events, wire
from sandbox.models import SandboxChat, SandboxMessage, WebhookPost
from sandbox.services.common import envelope, webhook_post


def business_app_text_send(*, chat: SandboxChat, text: str) -> tuple[SandboxMessage, WebhookPost]:
    """The business wrote ``text`` to this customer from the WhatsApp Business app: it
    shows on the phone at once and its echo is posted (never through the Graph API)."""
    now = timezone.now()
    with transaction.atomic():
        message = SandboxMessage.objects.create(
            chat=chat,
            wamid=wire.new_wamid(chat.wa_id),
            direction=SandboxMessage.Direction.BUSINESS,
            type="text",
            content={"body": text},
            request={"business_app": True},
            created_at=now,
            status=SandboxMessage.Status.DELIVERED,
        )
        events.message_changed(message)
    item: dict[str, object] = {"from": chat.channel.display_phone_number}
    if not chat.hides_number:
        item["to"] = chat.wa_id
    if chat.user_id:
        item["to_user_id"] = chat.user_id
    item.update(id=message.wamid, timestamp=wire.unix(now), type="text", text={"body": text})
    payload = envelope(chat.channel, field="smb_message_echoes", message_echoes=[item])
    post = webhook_post(channel=chat.channel, payload=payload, kind=WebhookPost.Kind.MESSAGE, message=message)
    return message, post
