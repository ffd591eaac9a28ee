"""Reads of the sandbox: channels by credentials, media, templates, chats and their history."""

from __future__ import annotations

import hmac

from django.db.models import Q, QuerySet

from conversations.models import Channel
from sandbox.models import GraphCall, SandboxChat, SandboxMedia, SandboxMessage, SandboxTemplate
from templates_app.models import MessageTemplate

#: How many messages the phone page loads (the newest ones).
HISTORY_LIMIT = 300
RECENT_CHATS_LIMIT = 20


def channel_get(*, phone_number_id: str) -> Channel | None:
    """The active channel of a business phone number id, or None."""
    return Channel.objects.filter(phone_number_id=phone_number_id, is_active=True).first()


def channel_list() -> list[Channel]:
    return list(Channel.objects.filter(is_active=True).order_by("name", "id"))


def channels_for_token(*, token: str) -> list[Channel]:
    """Active channels whose access token is ``token`` (a business token may serve several numbers).

    Compared in constant time, so the time taken says nothing about how close a guess was.
    """
    if not token:
        return []
    return [
        channel
        for channel in Channel.objects.filter(is_active=True).exclude(access_token="")
        if hmac.compare_digest(channel.access_token.encode(), token.encode())
    ]


def media_get(*, media_id: str) -> SandboxMedia | None:
    return SandboxMedia.objects.select_related("channel").filter(media_id=media_id).first()


def media_for_channel(*, media_id: str, channel: Channel) -> SandboxMedia | None:
    return SandboxMedia.objects.filter(media_id=media_id, channel=channel).first()


def template_find(*, channel: Channel, name: str, language: str) -> MessageTemplate | None:
    """The APPROVED WhatsApp template ``name`` in ``language`` usable on ``channel``.

    Languages compare leniently (``en_US`` = ``en-US`` = ``en_us``), as Meta itself writes
    both forms; a template of this number wins over one for every number.
    """
    wanted = normalize_language(language)
    candidates = (
        MessageTemplate.objects.filter(
            name=name,
            status=MessageTemplate.Status.APPROVED,
            kind__in=[MessageTemplate.Kind.NOTIFICATION, MessageTemplate.Kind.RICH_MEDIA],
        )
        .filter(Q(channel=channel) | Q(channel__isnull=True))
        .order_by("channel_id")
    )
    matching = [t for t in candidates if normalize_language(t.language) == wanted]
    matching.sort(key=lambda t: t.channel_id is None)
    return matching[0] if matching else None


def template_held(*, channel: Channel, name: str, language: str) -> SandboxTemplate | None:
    """G1: the template as "Meta" holds it for the number's WABA (its status decides the send)."""
    wanted = normalize_language(language)
    held = SandboxTemplate.objects.filter(waba_id=channel.waba_id, name=name).exclude(status="DELETED")
    return next((t for t in held if normalize_language(t.language) == wanted), None)


def normalize_language(code: str) -> str:
    return code.strip().replace("-", "_").lower()


def chat_get(*, channel: Channel, wa_id: str) -> SandboxChat | None:
    return SandboxChat.objects.filter(channel=channel, wa_id=wa_id).first()


def chat_by_user_id(*, channel: Channel, user_id: str) -> SandboxChat | None:
    return SandboxChat.objects.filter(channel=channel, user_id=user_id).first() if user_id else None


def chat_list_recent(*, channel: Channel, limit: int = RECENT_CHATS_LIMIT) -> list[SandboxChat]:
    return list(SandboxChat.objects.filter(channel=channel).order_by("-last_activity_at", "-id")[:limit])


def chat_messages(*, chat: SandboxChat, limit: int = HISTORY_LIMIT) -> list[SandboxMessage]:
    """The chat's newest ``limit`` messages, oldest first."""
    newest = list(chat.messages.order_by("-created_at", "-id")[:limit])
    newest.reverse()
    return newest


def message_in_chat(*, chat: SandboxChat, wamid: str) -> SandboxMessage | None:
    return chat.messages.filter(wamid=wamid).first()


def graph_calls(*, channel: Channel | None = None, limit: int = 50) -> QuerySet[GraphCall]:
    calls = GraphCall.objects.all()
    if channel is not None:
        calls = calls.filter(channel=channel)
    return calls.order_by("-id")[:limit]
