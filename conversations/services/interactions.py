"""Interactions: open one per customer and number, keep its window and reply timers."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from conversations.models import Channel, Contact, Interaction
from conversations.options import get_option

#: WhatsApp's customer-service window: free-form messages only within it (SPEC O1).
SERVICE_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class TouchedInteraction:
    """What the inbound update returns: enough to store messages and push events."""

    id: int
    contact_id: int
    owner_id: int | None
    state: str
    contact_profile_name: str


def interaction_open_for(*, contact: Contact, channel: Channel, now: datetime) -> tuple[Interaction, bool]:
    """The contact's open interaction on ``channel``, created (queued) when there is none.

    Concurrent webhooks of one new conversation (an album of photos, say) end in one
    interaction: a partial unique constraint decides and the loser reads the winner's.
    """
    for _ in range(2):
        existing = Interaction.objects.filter(
            contact=contact, channel=channel, state__in=Interaction.OPEN_STATES
        ).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                return (
                    Interaction.objects.create(
                        contact=contact,
                        channel=channel,
                        queue_id=channel.default_queue_id,
                        state=Interaction.State.QUEUED,
                        queued_at=now,
                    ),
                    True,
                )
        except IntegrityError:
            continue
    raise RuntimeError(f"could not open an interaction for contact {contact.pk}")


def _inbound_update_sql(where: str) -> str:
    """``UPDATE interaction … RETURNING`` recording a customer message; idempotent.

    The window and the reply deadline follow the newest origination time. The pending
    response indicator starts at the first message after the agent's last reply; a
    redelivered message (same wamid, or older than the newest) does not restart it.
    Hand-written (and built once per database) because this is the webhook's hot path:
    the ORM's Case/When version cost more than the rest of the webhook together.
    """
    qn = connection.ops.quote_name
    table, contacts = qn(Interaction._meta.db_table), qn(Contact._meta.db_table)
    last, wamid, waiting = qn("last_inbound_at"), qn("last_inbound_wamid"), qn("awaiting_reply_since")
    newer = f"({last} IS NULL OR {last} < %s)"
    not_older = f"({last} IS NULL OR {last} <= %s)"
    return (
        f"UPDATE {table} SET "
        f"{last} = CASE WHEN {newer} THEN %s ELSE {last} END, "
        f"{qn('window_expires_at')} = CASE WHEN {newer} THEN %s ELSE {qn('window_expires_at')} END, "
        f"{qn('reply_due_at')} = CASE WHEN {newer} THEN %s ELSE {qn('reply_due_at')} END, "
        f"{wamid} = CASE WHEN {not_older} THEN %s ELSE {wamid} END, "
        f"{waiting} = CASE WHEN {waiting} IS NULL AND {not_older} AND {wamid} <> %s "
        f"THEN %s ELSE {waiting} END, "
        f"{qn('updated_at')} = %s "
        f"WHERE {where} "
        f"RETURNING {qn('id')}, {qn('contact_id')}, {qn('owner_id')}, {qn('state')}, "
        f"(SELECT {contacts}.{qn('profile_name')} FROM {contacts} "
        f"WHERE {contacts}.{qn('id')} = {table}.{qn('contact_id')})"
    )


def _inbound_update_params(*, wamid: str, originated_at: datetime, arrived_at: datetime) -> list:
    reply_timeout = timedelta(seconds=get_option("whatsappsession.reply-timeout"))
    adapt = connection.ops.adapt_datetimefield_value
    ts = adapt(originated_at)
    return [
        ts, ts,
        ts, adapt(originated_at + SERVICE_WINDOW),
        ts, adapt(originated_at + reply_timeout),
        ts, wamid,
        ts, wamid, adapt(arrived_at),
        adapt(timezone.now()),
    ]  # fmt: skip


@functools.cache
def _sql(vendor: str, key: str) -> str:
    qn = connection.ops.quote_name
    states = ", ".join(f"'{state}'" for state in Interaction.OPEN_STATES)
    contacts = qn(Contact._meta.db_table)
    where = {
        "id": f"{qn('id')} = %s",
        "wa_id": (
            f"{qn('channel_id')} = %s AND {qn('state')} IN ({states}) AND {qn('contact_id')} = "
            f"(SELECT {qn('id')} FROM {contacts} WHERE {qn('wa_id')} = %s)"
        ),
        "user_id": (
            f"{qn('channel_id')} = %s AND {qn('state')} IN ({states}) AND {qn('contact_id')} = "
            f"(SELECT {qn('id')} FROM {contacts} WHERE {qn('user_id')} = %s)"
        ),
    }[key]
    return _inbound_update_sql(where)


def _touch(key: str, where_params: list, **values) -> TouchedInteraction | None:
    with connection.cursor() as cursor:
        cursor.execute(_sql(connection.vendor, key), [*_inbound_update_params(**values), *where_params])
        row = cursor.fetchone()
    return TouchedInteraction(*row) if row else None


def interaction_touch_inbound_by_sender(
    *,
    channel_id: int,
    wa_id: str | None,
    user_id: str | None,
    wamid: str,
    originated_at: datetime,
    arrived_at: datetime,
) -> TouchedInteraction | None:
    """The hot path: find the sender's open interaction and record their message, in one
    UPDATE … RETURNING. None when the sender has no open interaction here."""
    key, identity = ("wa_id", wa_id) if wa_id else ("user_id", user_id)
    return _touch(
        key, [channel_id, identity], wamid=wamid, originated_at=originated_at, arrived_at=arrived_at
    )


def interaction_touch_inbound(
    *, interaction_id: int, wamid: str, originated_at: datetime, arrived_at: datetime
) -> TouchedInteraction:
    touched = _touch("id", [interaction_id], wamid=wamid, originated_at=originated_at, arrived_at=arrived_at)
    assert touched is not None, f"interaction {interaction_id} vanished"
    return touched
