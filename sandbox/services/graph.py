"""The Graph API's side (our client calls these through the views): authentication, the
record of calls, sending a message and marking one read."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from conversations.models import Channel
from sandbox import events, selectors, wire
from sandbox.errors import (
    REENGAGEMENT_DETAILS,
    TITLES,
    GraphError,
    auth_error,
    unknown_object,
)
from sandbox.models import GraphCall, SandboxMedia, SandboxMessage
from sandbox.services.common import (
    RECORD_TEXT_MAX,
    SERVICE_WINDOW,
    TYPING_INDICATOR,
    chat_touch,
    schedule_statuses,
)
from sandbox.services.numbers import number_pace_send
from sandbox.validation import (
    MarkRead,
    OutboundSend,
    parse_request,
)

logger = logging.getLogger(__name__)


def graph_channel_authenticate(*, phone_number_id: str, token: str) -> Channel:
    """The channel a ``/<phone_number_id>/…`` call acts on, if ``token`` is its access token."""
    if not token:
        raise auth_error("An access token is required: send Authorization: Bearer <token>.")
    allowed = selectors.channels_for_token(token=token)
    if not allowed:
        raise auth_error("The access token could not be decrypted or does not belong to any number.")
    channel = selectors.channel_get(phone_number_id=phone_number_id)
    if channel is None:
        raise unknown_object(phone_number_id)
    if channel not in allowed:
        raise auth_error(f"The access token does not belong to phone number id {phone_number_id}.")
    return channel


def graph_media_authenticate(
    *, media_id: str, token: str, phone_number_id: str = "", method: str = "get"
) -> SandboxMedia:
    """The media a ``/<media_id>`` call acts on, if ``token`` belongs to the number that holds it."""
    if not token:
        raise auth_error("An access token is required: send Authorization: Bearer <token>.")
    allowed = selectors.channels_for_token(token=token)
    if not allowed:
        raise auth_error("The access token could not be decrypted or does not belong to any number.")
    media = selectors.media_get(media_id=media_id)
    if (
        media is None
        or media.channel not in allowed
        or (phone_number_id and media.channel.phone_number_id != phone_number_id)
    ):
        raise unknown_object(media_id, method)
    return media


def graph_call_record(
    *,
    method: str,
    path: str,
    channel: Channel | None,
    request_body: Any,
    response_status: int,
    response_body: Any,
) -> GraphCall:
    """Keep one Graph API exchange (never the token) for the phone page's log and for tests."""
    error = response_body.get("error") if isinstance(response_body, dict) else None
    messages = response_body.get("messages") if isinstance(response_body, dict) else None
    wamid = (
        messages[0].get("id", "")
        if isinstance(messages, list) and messages and isinstance(messages[0], dict)
        else ""
    )
    return GraphCall.objects.create(
        method=method,
        path=path[:500],
        channel=channel,
        request_body=_recordable(request_body),
        response_status=response_status,
        response_body=_recordable(response_body),
        error_code=error.get("code") if isinstance(error, dict) else None,
        wamid=wamid,
    )


def _recordable(value: Any) -> Any:
    if isinstance(value, str) and len(value) > RECORD_TEXT_MAX:
        return value[:RECORD_TEXT_MAX] + "…"
    return value


def graph_messages_post(*, channel: Channel, body: Any) -> dict[str, Any]:
    """``POST /<phone_number_id>/messages``: a send or a mark-as-read; answers like Meta."""
    request = parse_request(body, channel=channel)
    if isinstance(request, MarkRead):
        business_mark_read(channel=channel, mark=request)
        return {"success": True}
    number_pace_send(channel=channel)  # G5: 130429 / 131056 when the number is paced
    message = business_message_send(channel=channel, send=request, body=body)
    # G2: a phone send names the WhatsApp id, a BSUID send the user id (reference §2.3).
    recipient = {"wa_id": request.wa_id} if request.wa_id else {"user_id": request.to_input}
    return {
        "messaging_product": "whatsapp",
        "contacts": [{"input": request.to_input, **recipient}],
        "messages": [{"id": message.wamid}],
    }


@transaction.atomic
def business_message_send(*, channel: Channel, send: OutboundSend, body: dict[str, Any]) -> SandboxMessage:
    """Accept a valid send: record it, show it on the phone, schedule its status webhooks.

    Like Meta, a free-form message outside the customer service window is accepted and
    then fails asynchronously (131047), so our service must reconcile from webhooks.
    """
    now = timezone.now()
    wa_id = send.wa_id or _wa_id_of_user(channel=channel, user_id=send.to_input)
    chat = chat_touch(channel=channel, wa_id=wa_id, now=now)
    in_window = (
        chat.last_customer_message_at is not None and now - chat.last_customer_message_at <= SERVICE_WINDOW
    )
    message = SandboxMessage(
        chat=chat,
        wamid=wire.new_wamid(wa_id),
        direction=SandboxMessage.Direction.BUSINESS,
        type=send.type,
        content=send.content,
        request=body,
        context_wamid=send.context_wamid,
        rendered=send.rendered,
        created_at=now,
        status=SandboxMessage.Status.ACCEPTED,
        category=send.category,
        conversation_id=uuid.uuid4().hex,
    )
    if not send.is_template and not in_window:
        message.error_code = 131047
        message.error_title = TITLES[131047]
        message.error_details = REENGAGEMENT_DETAILS
    elif send.is_template and send.category == "marketing" and chat.marketing_preference == "stop":
        # G3: the customer stopped marketing messages: accepted, then failed (reference §3).
        message.error_code = 131050
        message.error_title = TITLES[131050]
        message.error_details = "The user has chosen to stop receiving marketing messages from your business."
    message.save()
    if chat.business_typing_until is not None:
        # A reply ends the typing indicator, as on a real phone.
        chat.business_typing_until = None
        chat.save(update_fields=["business_typing_until"])
        events.chat_changed(chat)
    events.message_changed(message)
    schedule_statuses(message)
    return message


def _wa_id_of_user(*, channel: Channel, user_id: str) -> str:
    """G2: the customer a BSUID names. A BSUID WhatsApp replaced (a number change, a
    changed id) reaches nobody any more."""
    chat = selectors.chat_by_user_id(channel=channel, user_id=user_id)
    if chat is None:
        raise GraphError(
            131026,
            f"No WhatsApp user has the business-scoped user id {user_id} (it may have changed).",
        )
    return chat.wa_id


@transaction.atomic
def business_mark_read(*, channel: Channel, mark: MarkRead) -> None:
    """The business read the customer's messages up to ``mark.message_id`` (blue ticks on the phone)."""
    target = (
        SandboxMessage.objects.select_related("chat")
        .filter(chat__channel=channel, wamid=mark.message_id, direction=SandboxMessage.Direction.CUSTOMER)
        .first()
    )
    if target is None:
        raise GraphError(100, f"message_id {mark.message_id} is not a message this phone number received.")
    chat = target.chat
    chat.channel = channel
    now = timezone.now()
    chat.messages.filter(
        Q(created_at__lt=target.created_at) | Q(created_at=target.created_at, id__lte=target.pk),
        direction=SandboxMessage.Direction.CUSTOMER,
        business_read_at__isnull=True,
    ).update(business_read_at=now)
    if mark.typing_indicator:
        chat.business_typing_until = now + TYPING_INDICATOR
        chat.save(update_fields=["business_typing_until"])
    events.chat_changed(chat, read_up_to=target.pk)
