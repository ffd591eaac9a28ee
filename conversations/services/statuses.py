"""Delivery statuses of outbound messages: only ever forward, failure is terminal.

sent < delivered < read < played; ``failed`` replaces queued / sent / delivered and is
never replaced (a late ``delivered`` does not undo ``read``, nothing undoes ``failed``).
Each status's own timestamp is kept even when it arrives after a later one. A status
whose message has no wamid yet (the send's answer is still on its way, or a crash lost
it) waits in ``PendingStatus`` and is applied when the wamid is recorded.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Case, F, Value, When
from django.db.models.functions import Coalesce

from conversations import events
from conversations.db import update_returning
from conversations.models import Channel, Message, PendingStatus
from conversations.whatsapp.inbound import StatusUpdate, parse_status

S = Message.Status
RANK = {S.QUEUED: 0, S.SENT: 1, S.DELIVERED: 2, S.READ: 3, S.PLAYED: 4}
#: The states a failure may replace (a message read by the customer did not fail).
FAILABLE = (S.QUEUED, S.SENT, S.DELIVERED)


def _status_values(update: StatusUpdate) -> dict[str, Any]:
    stamp = Value(update.timestamp, output_field=models.DateTimeField())
    timestamp_field = f"{update.status}_at"
    values: dict[str, Any] = {timestamp_field: Coalesce(F(timestamp_field), stamp)}
    if update.status == S.FAILED:
        error = update.error
        becomes_failed = models.Q(status__in=FAILABLE)

        def on_failure(value: Any, name: str, field: models.Field) -> Case:
            return Case(When(becomes_failed, then=Value(value, output_field=field)), default=F(name))

        values.update(
            status=on_failure(S.FAILED, "status", models.CharField()),
            error_code=on_failure(_int_or_none(error.get("code")), "error_code", models.IntegerField()),
            error_title=on_failure(
                str(error.get("title") or error.get("message") or "")[:255], "error_title", models.CharField()
            ),
            error_details=on_failure(
                str((error.get("error_data") or {}).get("details") or ""), "error_details", models.TextField()
            ),
        )
    else:
        lower = [status for status, rank in RANK.items() if rank < RANK[update.status]]
        values["status"] = Case(When(status__in=lower, then=Value(update.status)), default=F("status"))
    if update.pricing:
        values["pricing"] = Value(update.pricing, output_field=models.JSONField())
    return values


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def status_apply(*, channel: Channel, update: StatusUpdate) -> bool:
    """Apply one status webhook; False when its message is not known (yet)."""
    rows = update_returning(
        Message.objects.filter(channel=channel, wamid=update.wamid, direction=Message.Direction.OUTBOUND),
        _status_values(update),
        ("id", "interaction_id", "status", "error_code", "error_title", "error_details"),
    )
    if not rows:
        PendingStatus.objects.bulk_create(
            [
                PendingStatus(
                    channel=channel,
                    wamid=update.wamid,
                    status=update.status,
                    occurred_at=update.timestamp,
                    payload=update.raw,
                )
            ],
            ignore_conflicts=True,
        )
        return False
    message_id, interaction_id, status, code, title, details = rows[0]
    events.message_status_changed(
        message_id=message_id,
        interaction_id=interaction_id,
        status=status,
        error={"code": code, "title": title, "details": details} if status == S.FAILED else None,
    )
    return True


def pending_statuses_apply(*, channel: Channel, wamid: str) -> int:
    """Apply statuses that arrived before ``wamid`` was recorded; returns how many."""
    pending = list(PendingStatus.objects.filter(channel=channel, wamid=wamid))
    for row in pending:
        update = parse_status(row.payload, row.occurred_at) or StatusUpdate(
            wamid=wamid, status=row.status, timestamp=row.occurred_at
        )
        status_apply(channel=channel, update=update)
    if pending:
        PendingStatus.objects.filter(pk__in=[row.pk for row in pending]).delete()
    return len(pending)


def outbound_wamid_record(*, message: Message, wamid: str) -> None:
    """WhatsApp accepted ``message`` as ``wamid``: remember it, then apply any early status.

    Accepted is not yet ``sent``: the ticks come by status webhook.
    """
    message.wamid = wamid
    message.save(update_fields=["wamid"])
    pending_statuses_apply(channel=message.channel, wamid=wamid)
