"""G5: the business number's health as Meta keeps it (quality rating, messaging limit,
name review, status, throughput), its ``GET /<phone_number_id>`` answer and its
``phone_number_quality_update`` webhook; and pacing: the next sends refused with 130429
(the number's throughput) or 131056 (too many messages to one user)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from conversations.models import Channel
from sandbox.errors import GraphError
from sandbox.models import SandboxNumber, WebhookPost
from sandbox.services.common import webhook_post

QUALITY_RANK = {"RED": 1, "YELLOW": 2, "GREEN": 3}
PACING_CODES = (130429, 131056)


class NumberChangeError(ValueError):
    """A health change the sandbox cannot play."""


def number_of(channel: Channel) -> SandboxNumber:
    number, _ = SandboxNumber.objects.get_or_create(channel=channel)
    return number


def number_info(*, channel: Channel, fields: str = "") -> dict[str, Any]:
    """``GET /<phone_number_id>[?fields=…]`` as Meta answers it (the fields asked for, and id)."""
    number = number_of(channel)
    known: dict[str, Any] = {
        "display_phone_number": channel.display_phone_number,
        "verified_name": channel.name,
        "quality_rating": number.quality_rating,
        "name_status": number.name_status,
        "status": number.status,
        "code_verification_status": "VERIFIED",
        "platform_type": "CLOUD_API",
        "throughput": {"level": number.throughput_level},
        "messaging_limit_tier": number.messaging_limit,
        "whatsapp_business_manager_messaging_limit": number.messaging_limit,
    }
    wanted = [f.strip() for f in fields.split(",") if f.strip()] or [
        "display_phone_number",
        "verified_name",
        "quality_rating",
    ]
    unknown = [f for f in wanted if f not in known]
    if unknown:
        raise GraphError(
            100,
            f"Tried accessing nonexisting field ({unknown[0]}) on node type (WhatsAppBusinessPhoneNumber)",
        )
    return {**{f: known[f] for f in wanted}, "id": channel.phone_number_id}


def number_health_set(
    *, channel: Channel, quality_rating: str | None = None, messaging_limit: str | None = None
) -> tuple[SandboxNumber, WebhookPost | None]:
    """Meta rated the number again (or changed its limit): stored, and posted as a
    ``phone_number_quality_update`` (DOWNGRADE / UPGRADE, the limit) when it changed."""
    number = number_of(channel)
    old_quality, old_limit = number.quality_rating, number.messaging_limit
    if quality_rating is not None:
        if quality_rating not in (*QUALITY_RANK, "UNKNOWN"):
            raise NumberChangeError(_("quality_rating is GREEN, YELLOW, RED or UNKNOWN"))
        number.quality_rating = quality_rating
    if messaging_limit is not None:
        if not messaging_limit or len(messaging_limit) > 32:
            raise NumberChangeError(_("messaging_limit is a tier such as TIER_2K"))
        number.messaging_limit = messaging_limit
    number.save()
    if (number.quality_rating, number.messaging_limit) == (old_quality, old_limit):
        return number, None
    lower = QUALITY_RANK.get(number.quality_rating, 0) < QUALITY_RANK.get(old_quality, 0)
    event = "DOWNGRADE" if lower else "UPGRADE"
    if number.quality_rating == "RED" and lower:
        event = "FLAGGED"
    value = {
        "display_phone_number": channel.display_phone_number,
        "event": event,
        "old_limit": old_limit,
        "current_limit": number.messaging_limit,
        "max_daily_conversations_per_business": number.messaging_limit,
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": channel.waba_id or "0",
                "changes": [{"value": value, "field": "phone_number_quality_update"}],
            }
        ],
    }
    return number, webhook_post(channel=channel, payload=payload, kind=WebhookPost.Kind.STATUS)


def number_pacing_set(*, channel: Channel, code: int, times: int) -> SandboxNumber:
    """The next ``times`` sends of this number are refused with ``code``."""
    if code not in PACING_CODES:
        raise NumberChangeError(_("pacing code is 130429 (throughput) or 131056 (pair rate)"))
    if not 0 <= times <= 100:
        raise NumberChangeError(_("times is 0 to 100"))
    number = number_of(channel)
    number.pacing_code, number.pacing_left = code, times
    number.save(update_fields=["pacing_code", "pacing_left"])
    return number


def number_pace_send(*, channel: Channel) -> None:
    """Refuse this send if the number is being paced (Meta's 130429 / 131056)."""
    with transaction.atomic():
        paced = SandboxNumber.objects.filter(channel=channel, pacing_left__gt=0).update(
            pacing_left=F("pacing_left") - 1
        )
        if not paced:
            return
        code = SandboxNumber.objects.get(channel=channel).pacing_code or 130429
    if code == 131056:
        raise GraphError(
            131056,
            "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.",
        )
    raise GraphError(130429, "Cloud API message throughput has been reached.")
