"""G5: each number's health at Meta: quality rating, messaging limit, verified name and
its review, status, throughput; pulled on demand (the admin, ``GET /<phone_number_id>``)
and followed from the ``phone_number_quality_update`` and ``account_update`` webhooks.

A drop in quality (GREEN → YELLOW → RED, or the number flagged) is stamped
(``quality_dropped_at``) and shown to supervisors (in the admin and on their live board, pushed when it changes) until the rating is GREEN
again: a RED number is close to having its messaging limit lowered.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from conversations import events
from conversations.models import Channel
from whatsapp.client import CloudApiClient
from whatsapp.records import text_of

logger = logging.getLogger(__name__)

#: Better is higher; UNKNOWN (a new number) is no rating.
QUALITY_RANK = {"RED": 1, "YELLOW": 2, "GREEN": 3}
#: ``phone_number_quality_update`` events that say the quality dropped, or came back.
DROP_EVENTS = ("FLAGGED", "DOWNGRADE")
RECOVERY_EVENTS = ("UNFLAGGED", "UPGRADE")


def channel_health_pull(*, channel_id: int, client: CloudApiClient | None = None) -> Channel:
    """Read the number's health from Meta and store it (CloudApiError when Meta refuses;
    the admin shows it). The HTTP call runs outside any transaction."""
    channel = Channel.objects.get(pk=channel_id)
    owns_client = client is None
    client = client or CloudApiClient.for_channel(channel)
    try:
        data = client.get_phone_number()
    finally:
        if owns_client:
            client.close()
    raw_throughput = data.get("throughput")
    throughput: dict[str, object] = raw_throughput if isinstance(raw_throughput, dict) else {}
    limit = data.get("whatsapp_business_manager_messaging_limit") or data.get("messaging_limit_tier")
    if isinstance(limit, dict):  # the portfolio limit may come as an object
        limit = limit.get("current_limit") or limit.get("limit") or ""
    return _health_store(
        channel_id=channel_id,
        now=timezone.now(),
        pulled=True,
        quality=text_of(data.get("quality_rating")).upper(),
        changes={
            "messaging_limit": text_of(limit)[:64],
            "verified_name": text_of(data.get("verified_name"))[:256],
            "name_status": text_of(data.get("name_status"))[:32],
            "number_status": text_of(data.get("status"))[:32],
            "throughput_level": text_of(throughput.get("level"))[:16],
        },
    )


def _health_store(
    *,
    channel_id: int,
    now: datetime,
    quality: str,
    changes: dict[str, str],
    event: str = "",
    pulled: bool = False,
) -> Channel:
    """Store what Meta says of the number; a redelivered webhook changes nothing."""
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel_id)
        fields = ["health_checked_at"] if pulled else []
        if pulled:
            channel.health_checked_at = now
        for name, value in changes.items():
            if value and getattr(channel, name) != value:
                setattr(channel, name, value)
                fields.append(name)
        if quality and quality != channel.quality_rating:
            dropped = QUALITY_RANK.get(quality, 0) < QUALITY_RANK.get(channel.quality_rating, 0)
            if dropped and QUALITY_RANK.get(quality):
                channel.quality_dropped_at = now
                logger.warning("number %s: quality dropped to %s", channel.display_phone_number, quality)
            elif quality == "GREEN":
                channel.quality_dropped_at = None
            channel.quality_rating = quality
            fields += ["quality_rating", "quality_dropped_at"]
        if event in DROP_EVENTS and channel.quality_dropped_at is None:
            channel.quality_dropped_at = now
            fields.append("quality_dropped_at")
            logger.warning("number %s: %s", channel.display_phone_number, event)
        elif (
            event in RECOVERY_EVENTS
            and channel.quality_dropped_at is not None
            and channel.quality_rating in ("", "GREEN", "UNKNOWN")
        ):
            channel.quality_dropped_at = None
            fields.append("quality_dropped_at")
        if fields:
            channel.save(update_fields=sorted(set(fields)))
        if {"quality_rating", "quality_dropped_at", "messaging_limit"} & set(fields):
            events.board_changed()  # the supervisors' board lists the numbers that dropped (after the commit)
    return channel


def phone_number_quality_apply(*, channels: list[Channel], value: Mapping[str, object], at: datetime) -> int:
    """The ``phone_number_quality_update`` webhook (WABA-level: the number is named by its
    display number): the event and the messaging limit (``current_limit``, deprecated,
    or the portfolio's ``max_daily_conversations_per_business``). Returns how many of
    ``channels`` (those of the signing app and the WABA) it changed."""
    if not isinstance(value.get("event"), str):
        return 0  # a wrong shape: flagged by the parser, kept in the event
    number = "".join(ch for ch in text_of(value.get("display_phone_number")) if ch.isdigit())
    event = text_of(value.get("event")).upper()
    limit = text_of(value.get("max_daily_conversations_per_business") or value.get("current_limit"))
    changed = 0
    for channel in channels:
        if channel.display_phone_number != number:
            continue
        _health_store(
            channel_id=channel.pk, now=at, quality="", changes={"messaging_limit": limit[:64]}, event=event
        )
        changed += 1
    return changed


def account_update_apply(*, channels: list[Channel], value: Mapping[str, object], at: datetime) -> int:
    """The ``account_update`` webhook: the latest event of the account (a restriction, a
    violation, a ban…) with its details, on each number of the account, for the admin."""
    record = {"event": text_of(value.get("event")), "at": at.isoformat(), "details": value}
    return Channel.objects.filter(pk__in=[c.pk for c in channels]).update(account_event=record)
