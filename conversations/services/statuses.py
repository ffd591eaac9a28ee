"""Delivery statuses of outbound messages: only ever forward, failure is terminal.

sent < delivered < read < played; ``failed`` replaces queued / sent / delivered and is
never replaced (a late ``delivered`` does not undo ``read``, nothing undoes ``failed``).
Each status's own timestamp is kept even when it arrives after a later one. A status
whose message has no wamid yet (the send's answer is still on its way, or a crash lost
it) waits in ``PendingStatus`` and is applied when the wamid is recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from conversations import events, payloads
from conversations.models import Channel, Message, PendingStatus, Reaction
from conversations.models.bounds import webhook_limits
from integrations import outbox
from whatsapp.errors import error_from_webhook
from whatsapp.records import StatusUpdate
from whatsapp.statuses import parse_status

S = Message.Status
RANK: dict[str, int] = {
    S.QUEUED: 0,
    S.SENDING: 0,
    S.ACCEPTED: 1,
    S.SENT: 2,
    S.DELIVERED: 3,
    S.READ: 4,
    S.PLAYED: 5,
}
#: The states a failure may replace (a message read by the customer did not fail).
FAILABLE = (S.QUEUED, S.SENDING, S.ACCEPTED, S.SENT, S.DELIVERED)
#: Meta's error title is cut to its column (the whole text stays in the raw event).
ERROR_TITLE_MAX = Message._meta.get_field("error_title").max_length


def _status_update_sql(update: StatusUpdate, with_pricing: bool) -> str:
    """The monotonic status UPDATE … RETURNING (hand-written: the webhook's hot path)."""
    qn = connection.ops.quote_name
    stamp = qn(f"{update.status}_at")
    status = qn("status")

    def one_of(states: Sequence[str]) -> str:
        return f"{status} IN ({', '.join(repr(str(s)) for s in states)})"

    sets = [f"{stamp} = COALESCE({stamp}, %s)"]
    if update.status == S.FAILED:
        failable = one_of(list(FAILABLE))
        for column in ("status", "error_code", "error_title", "error_details"):
            sets.append(f"{qn(column)} = CASE WHEN {failable} THEN %s ELSE {qn(column)} END")
    else:
        lower = [state for state, rank in RANK.items() if rank < RANK[update.status]]
        sets.append(f"{status} = CASE WHEN {one_of(lower)} THEN %s ELSE {status} END")
    if with_pricing:
        sets.append(f"{qn('pricing')} = %s")
    returning = ", ".join(
        qn(c) for c in ("id", "interaction_id", "status", "error_code", "error_title", "error_details")
    )
    return (
        f"UPDATE {qn(Message._meta.db_table)} SET {', '.join(sets)} "
        f"WHERE {qn('channel_id')} = %s AND {qn('wamid')} = %s AND {qn('direction')} = 'out' "
        f"RETURNING {returning}"
    )


def _status_update_params(update: StatusUpdate) -> list[Any]:
    params: list[Any] = [connection.ops.adapt_datetimefield_value(update.timestamp)]
    if update.status == S.FAILED:
        error = error_from_webhook(update.error)
        params += [S.FAILED, error.code, error.title[:ERROR_TITLE_MAX], error.details]
    else:
        params.append(update.status)
    if update.pricing:
        params.append(Message._meta.get_field("pricing").get_db_prep_save(update.pricing, connection))
    return params


#: Every send carries ``biz_opaque_callback_data`` naming our message; WhatsApp echoes it
#: in the statuses, which identifies a message whose send answer was lost.
CALLBACK_PREFIX = "wa-msg:"


def callback_data(message_id: int) -> str:
    return f"{CALLBACK_PREFIX}{message_id}"


def message_id_from_callback(value: Any) -> int | None:
    if isinstance(value, str) and value.startswith(CALLBACK_PREFIX):
        rest = value[len(CALLBACK_PREFIX) :]
        return int(rest) if rest.isdigit() else None
    return None


def _reconcile_wamid(*, channel: Channel, update: StatusUpdate) -> bool:
    """A status for a wamid we never recorded, naming one of our messages: the send went
    through but its answer was lost (a crash, a timeout). Record the wamid now."""
    message_id = message_id_from_callback(update.raw.get("biz_opaque_callback_data"))
    if message_id is None:
        return False
    return message_adopt_wamid(channel=channel, message_id=message_id, wamid=update.wamid)


def _adoptable() -> Q:
    """Messages handed to WhatsApp whose answer never told us the wamid.

    Still queued or being sent, or *failed after the request left* (``send_started_at``
    set): the abandoned-sends sweep marks an unconfirmed send failed after its grace, and
    a status webhook echoing our callback data is proof WhatsApp accepted it after all.
    Without this, that late status would be parked forever and a manual retry would
    deliver the message twice.
    """
    return Q(status__in=(S.QUEUED, S.SENDING)) | Q(status=S.FAILED, send_started_at__isnull=False)


def message_adopt_wamid(*, channel: Channel, message_id: int, wamid: str) -> bool:
    """Record ``wamid`` on an outbound message whose send answer was lost; False if none.

    The message becomes ``accepted`` (a failure recorded by the sweep is cleared), so the
    status that proved the acceptance can then be applied on top.
    """
    try:
        with transaction.atomic():
            adopted = (
                Message.objects.filter(
                    pk=message_id, channel=channel, direction=Message.Direction.OUTBOUND, wamid__isnull=True
                )
                .filter(_adoptable())
                .update(
                    wamid=wamid,
                    status=S.ACCEPTED,
                    next_attempt_at=None,
                    failed_at=None,
                    error_code=None,
                    error_title="",
                    error_details="",
                )
            )
    except IntegrityError:  # the wamid already belongs to another message: not ours to take
        return False
    if adopted:
        events.message_updated(message=Message.objects.only("pk", "interaction_id").get(pk=message_id))
    return bool(adopted)


def accepted_wamid_pending(*, channel: Channel, message_id: int) -> str | None:
    """The wamid of a parked status naming ``message_id`` by its callback data, if any:
    evidence that WhatsApp accepted a send whose answer we never got."""
    return (
        PendingStatus.objects.filter(
            channel=channel, payload__biz_opaque_callback_data=callback_data(message_id)
        )
        .order_by("occurred_at", "pk")
        .values_list("wamid", flat=True)
        .first()
    )


def status_apply(*, channel: Channel, update: StatusUpdate) -> bool:
    """Apply one status webhook; False when its message is not known (yet)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _status_update_sql(update, bool(update.pricing)),
            [*_status_update_params(update), channel.pk, update.wamid],
        )
        rows = cursor.fetchall()
    if not rows and _reconcile_wamid(channel=channel, update=update):
        return status_apply(channel=channel, update=update)
    if not rows and reaction_status_apply(channel=channel, update=update):
        return True
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
    error = {"code": code, "title": title, "details": details} if status == S.FAILED else None
    events.message_status_changed(
        message_id=message_id, interaction_id=interaction_id, status=status, error=error
    )
    outbox.message_status_changed(  # B5, same transaction
        message_id=message_id, interaction_id=interaction_id, status=status, error=error
    )
    return True


def reaction_status_apply(*, channel: Channel, update: StatusUpdate) -> bool:
    """U1: a status of the business's reaction (WhatsApp reports them like a message's);
    False when ``update`` names none of ours. Forward only; a failure is terminal."""
    with transaction.atomic():
        reaction = (
            Reaction.objects.select_for_update(of=("self",))
            .select_related("author")
            .filter(channel=channel, wamid=update.wamid, direction=Message.Direction.OUTBOUND)
            .first()
        )
        if reaction is None:
            return False
        if update.status == S.FAILED:
            if reaction.status not in FAILABLE:
                return True
            error = error_from_webhook(update.error)
            reaction.status, reaction.error_code = S.FAILED, error.code
            reaction.error_title = error.title[:ERROR_TITLE_MAX]
        elif reaction.status == S.FAILED or RANK.get(update.status, -1) <= RANK.get(reaction.status, -1):
            return True
        else:
            reaction.status = update.status
        reaction.save(update_fields=["status", "error_code", "error_title"])
        reaction_announce(reaction)
    return True


def reaction_announce(reaction: Reaction) -> None:
    """The business's reaction as it stands now, to the consoles showing its message."""
    target = (
        Message.objects.filter(channel_id=reaction.channel_id, wamid=reaction.target_wamid)
        .values("id", "interaction_id")
        .first()
    )
    if target is None:
        return
    shown = payloads.reaction_payload(reaction)
    events.reaction_changed(
        interaction_id=target["interaction_id"],
        message_id=target["id"],
        direction=reaction.direction,
        emoji=shown["emoji"],
        status=shown.get("status", ""),
        error=shown.get("error", ""),
        author_name=shown.get("author_name", ""),
    )


def pending_statuses_apply(*, channel: Channel, wamid: str) -> int:
    """Apply statuses that arrived before ``wamid`` was recorded; returns how many."""
    pending = list(PendingStatus.objects.filter(channel=channel, wamid=wamid))
    for row in pending:
        update = parse_status(row.payload, row.occurred_at, limits=webhook_limits()) or StatusUpdate(
            wamid=wamid, status=row.status, timestamp=row.occurred_at
        )
        status_apply(channel=channel, update=update)
    if pending:
        PendingStatus.objects.filter(pk__in=[row.pk for row in pending]).delete()
    return len(pending)


#: Statuses of messages we never sent (another system on the same number) are kept this
#: long for an administrator to see, then dropped.
PENDING_STATUS_TTL_DAYS = 30


def pending_statuses_resolve(*, limit: int = 200) -> int:
    """Apply early statuses whose message got its wamid meanwhile.

    ``message_accepted`` applies them when it records the wamid, but a status can slip
    in between (it was stored as pending while the wamid's transaction was committing);
    this sweep catches those. Also forgets pending statuses older than a month.
    """
    known = Message.objects.filter(
        channel_id=OuterRef("channel_id"), wamid=OuterRef("wamid"), direction=Message.Direction.OUTBOUND
    )
    pairs = list(
        PendingStatus.objects.filter(Exists(known)).values_list("channel_id", "wamid").distinct()[:limit]
    )
    for channel_id, wamid in pairs:
        pending_statuses_apply(channel=Channel(pk=channel_id), wamid=wamid)
    PendingStatus.objects.filter(
        received_at__lt=timezone.now() - timedelta(days=PENDING_STATUS_TTL_DAYS)
    ).delete()
    return len(pairs)
