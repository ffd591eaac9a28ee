"""Interactions: open one per customer and number, keep its window and reply timers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Case, F, Q, Subquery, Value, When
from django.utils import timezone

from conversations.db import update_returning
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


def _as_dt(value: datetime) -> Value:
    return Value(value, output_field=models.DateTimeField())


def _inbound_values(*, wamid: str, originated_at: datetime, arrived_at: datetime) -> dict:
    """Column updates for a customer message; applying them twice changes nothing.

    The window and the reply deadline follow the newest origination time. The pending
    response indicator starts at the first message after the agent's last reply; a
    redelivered message (same wamid, or older than the newest) does not restart it.
    """
    reply_timeout = timedelta(seconds=get_option("whatsappsession.reply-timeout"))
    newer = Q(last_inbound_at__isnull=True) | Q(last_inbound_at__lt=originated_at)
    not_older = Q(last_inbound_at__isnull=True) | Q(last_inbound_at__lte=originated_at)
    starts_wait = Q(awaiting_reply_since__isnull=True) & not_older & ~Q(last_inbound_wamid=wamid)
    return {
        "last_inbound_at": Case(When(newer, then=_as_dt(originated_at)), default=F("last_inbound_at")),
        "window_expires_at": Case(
            When(newer, then=_as_dt(originated_at + SERVICE_WINDOW)), default=F("window_expires_at")
        ),
        "reply_due_at": Case(
            When(newer, then=_as_dt(originated_at + reply_timeout)), default=F("reply_due_at")
        ),
        "last_inbound_wamid": Case(When(not_older, then=Value(wamid)), default=F("last_inbound_wamid")),
        "awaiting_reply_since": Case(
            When(starts_wait, then=_as_dt(arrived_at)), default=F("awaiting_reply_since")
        ),
        "updated_at": _as_dt(timezone.now()),
    }


_RETURNING = ("id", "contact_id", "owner_id", "state")


def _profile_name_sql() -> str:
    qn = connection.ops.quote_name
    contact, interaction = qn(Contact._meta.db_table), qn(Interaction._meta.db_table)
    return (
        f"(SELECT {contact}.{qn('profile_name')} FROM {contact} "
        f"WHERE {contact}.{qn('id')} = {interaction}.{qn('contact_id')})"
    )


def _touch(queryset: models.QuerySet, **values_kwargs) -> TouchedInteraction | None:
    rows = update_returning(
        queryset, _inbound_values(**values_kwargs), _RETURNING, extra_returning_sql=_profile_name_sql()
    )
    return TouchedInteraction(*rows[0]) if rows else None


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
    identity = Contact.objects.filter(wa_id=wa_id) if wa_id else Contact.objects.filter(user_id=user_id)
    queryset = Interaction.objects.filter(
        channel_id=channel_id,
        state__in=Interaction.OPEN_STATES,
        contact_id=Subquery(identity.values("id")[:1]),
    )
    return _touch(queryset, wamid=wamid, originated_at=originated_at, arrived_at=arrived_at)


def interaction_touch_inbound(
    *, interaction_id: int, wamid: str, originated_at: datetime, arrived_at: datetime
) -> TouchedInteraction:
    touched = _touch(
        Interaction.objects.filter(pk=interaction_id),
        wamid=wamid,
        originated_at=originated_at,
        arrived_at=arrived_at,
    )
    assert touched is not None, f"interaction {interaction_id} vanished"
    return touched
