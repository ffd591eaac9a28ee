"""The customer's identity and choices at WhatsApp (G2, G3), played from the phone page:
a username that hides the number, a new number (which brings a new BSUID), a new BSUID,
stopping and resuming marketing messages. Each change is posted to our webhook as Meta
posts it: a ``system`` message (``user_changed_number``, ``user_changed_user_id``) or a
``user_preferences`` change."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sandbox import events, wire
from sandbox.models import SandboxChat, WebhookPost
from sandbox.services.common import envelope, webhook_post


class IdentityChangeError(ValueError):
    """The change cannot be made (the new number has a chat already, say)."""


def customer_profile_set(
    *, chat: SandboxChat, username: str | None, hides_number: bool | None
) -> SandboxChat:
    """The customer chose (or dropped) a username, and whether it hides the number. No
    webhook: WhatsApp says it with the customer's next message (``profile.username``, and
    no ``wa_id`` / ``from`` when the number is hidden)."""
    if username is not None:
        chat.username = username
    if hides_number is not None:
        chat.hides_number = hides_number and bool(chat.username)  # only a username hides it
    chat.save(update_fields=["username", "hides_number"])
    events.chat_changed(chat)
    return chat


def customer_number_change(*, chat: SandboxChat, new_wa_id: str) -> tuple[SandboxChat, WebhookPost]:
    """The customer moved to ``new_wa_id``: a new number is a new BSUID. Posts the
    ``user_changed_number`` notice (from the old number, with the new one and both BSUIDs)."""
    old_wa_id, old_user_id = chat.wa_id, chat.user_id
    if new_wa_id == old_wa_id:
        raise IdentityChangeError(_("this is already the customer's number"))
    chat.wa_id, chat.user_id = new_wa_id, wire.new_user_id()
    try:
        with transaction.atomic():
            chat.save(update_fields=["wa_id", "user_id"])
    except IntegrityError:
        raise IdentityChangeError(_("another chat with this business has the new number")) from None
    notice = {
        "body": f"User {chat.profile_name or old_wa_id} changed from {old_wa_id} to {new_wa_id}",
        "wa_id": new_wa_id,
        "type": "user_changed_number",
        "user_id": chat.user_id,
        "previous_user_id": old_user_id,
    }
    sender = {} if chat.hides_number else {"from": old_wa_id}
    return chat, _system_post(chat, notice, sender=sender, tag=old_wa_id)


def customer_user_id_change(*, chat: SandboxChat) -> tuple[SandboxChat, WebhookPost]:
    """WhatsApp gave the customer a new BSUID (no number to share): the
    ``user_changed_user_id`` notice names the previous and the new id, and no sender."""
    old_user_id = chat.user_id
    chat.user_id = wire.new_user_id()
    chat.save(update_fields=["user_id"])
    notice = {
        "body": f"User {chat.username or chat.profile_name or 'unknown'} changed their business-scoped user id",
        "type": "user_changed_user_id",
        "user_id": chat.user_id,
        "previous_user_id": old_user_id,
    }
    return chat, _system_post(chat, notice, sender={}, tag=chat.wa_id)


def _system_post(
    chat: SandboxChat, notice: dict[str, Any], *, sender: dict[str, str], tag: str
) -> WebhookPost:
    item: dict[str, object] = {
        **sender,
        "id": wire.new_wamid(tag),
        "timestamp": wire.unix(timezone.now()),
        "type": "system",
    }
    item["system"] = notice
    payload = envelope(chat.channel, messages=[item])
    post = webhook_post(channel=chat.channel, payload=payload, kind=WebhookPost.Kind.MESSAGE)
    events.chat_changed(chat)
    return post


def customer_marketing_set(*, chat: SandboxChat, value: str) -> tuple[SandboxChat, WebhookPost]:
    """G3: the customer stops (``stop``) or resumes (``resume``) marketing messages from
    this business: Meta posts a ``user_preferences`` change, and refuses MARKETING
    templates to a stopped customer (131050)."""
    if value not in ("stop", "resume"):
        raise IdentityChangeError(_('the marketing preference is "stop" or "resume"'))
    chat.marketing_preference = value
    chat.save(update_fields=["marketing_preference"])
    detail = (
        "User requested to stop marketing messages"
        if value == "stop"
        else ("User requested to resume marketing messages")
    )
    preference: dict[str, Any] = {
        "detail": detail,
        "category": "marketing_messages",
        "value": value,
        "timestamp": int(timezone.now().timestamp()),
    }
    ids = {} if chat.hides_number else {"wa_id": chat.wa_id}
    if chat.user_id:
        ids["user_id"] = chat.user_id
    value_body = {
        "contacts": [
            wire.contact_object(chat.wa_id, chat.profile_name, chat.user_id, chat.username, chat.hides_number)
        ],
        "user_preferences": [{**ids, **preference}],
    }
    payload = envelope(chat.channel, field="user_preferences", **value_body)
    post = webhook_post(channel=chat.channel, payload=payload, kind=WebhookPost.Kind.MESSAGE)
    events.chat_changed(chat)
    return chat, post
