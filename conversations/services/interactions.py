"""Interactions: open one per customer and number, keep its window and reply timers."""

from __future__ import annotations

import functools
import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict, Unpack

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import number_format
from django.utils.translation import gettext

from conversations import events
from conversations.exceptions import Conflict, DomainError, NotFound, PermissionDenied
from conversations.limits import CASE_DATA_MAX, NOTE_MAX
from conversations.models import Channel, Contact, Interaction, InteractionNote
from conversations.permissions import user_can_write
from conversations.services.access import ensure_owner_or_supervisor, interaction_locked
from conversations.windows import SERVICE_WINDOW, reply_timeout_for
from reports.services import Fact, Kind, facts_record


@dataclass(frozen=True)
class TouchedInteraction:
    """What the inbound update returns: enough to store messages and push the
    interaction's new state (``events.interaction_payload`` reads these attributes)."""

    id: int
    contact_id: int
    owner_id: int | None
    state: str
    contact_profile_name: str
    #: G2: the contact's WhatsApp identity as stored, so the hot path sees a new BSUID
    #: or username without reading the contact again.
    contact_username: str = ""
    contact_wa_id: str = ""
    contact_user_id: str = ""
    channel_id: int | None = None
    queue_id: int | None = None
    last_inbound_at: datetime | None = None
    last_outbound_at: datetime | None = None
    window_expires_at: datetime | None = None
    awaiting_reply_since: datetime | None = None
    closed_at: datetime | None = None
    customer_wa_id: str = ""
    customer_user_id: str = ""

    @property
    def pk(self) -> int:
        return self.id


def interaction_open_for(*, contact: Contact, channel: Channel, now: datetime) -> tuple[Interaction, bool]:
    """The contact's open interaction on ``channel``, created (queued) when there is none.

    Concurrent webhooks of one new conversation (an album of photos, say) end in one
    interaction: a partial unique constraint decides and the loser reads the winner's.
    The INSERT comes first: its caller (a customer's first message) has just found no open
    interaction, so the read before it would almost always find nothing; the constraint
    catches the rare one there is.
    """
    for _ in range(2):
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
            pass
        existing = Interaction.objects.filter(
            contact=contact, channel=channel, state__in=Interaction.OPEN_STATES
        ).first()
        if existing is not None:
            return existing, False
    raise RuntimeError(f"could not open an interaction for contact {contact.pk}")


#: Returned by the inbound UPDATE for the live ``interaction.changed`` event (no query).
_PAYLOAD_COLUMNS = (
    "channel_id",
    "queue_id",
    "last_inbound_at",
    "last_outbound_at",
    "window_expires_at",
    "awaiting_reply_since",
    "closed_at",
    "customer_wa_id",
    "customer_user_id",
)
_DATETIME_COLUMNS = {
    "last_inbound_at",
    "last_outbound_at",
    "window_expires_at",
    "awaiting_reply_since",
    "closed_at",
}


def _datetime(value: Any) -> datetime | None:
    """A raw cursor's datetime: SQLite gives naive UTC text, PostgreSQL aware datetimes."""
    if value is None or isinstance(value, datetime):
        return value if value is None or timezone.is_aware(value) else timezone.make_aware(value, UTC)
    parsed = parse_datetime(str(value))
    return timezone.make_aware(parsed, UTC) if parsed and timezone.is_naive(parsed) else parsed


def _inbound_update_sql(where: str) -> str:
    """``UPDATE interaction … RETURNING`` recording a customer message; idempotent.

    The window and the reply deadline follow the newest origination time. The pending
    response indicator starts at the first message after the agent's last reply; a
    redelivered message (same wamid, or older than the newest) does not restart it.
    The customer's address (R8) follows the newest message too: replies go to the number
    (or BSUID) the customer writes from now. A message without a number from the same
    BSUID keeps the number (a username hides it; WhatsApp prefers phone sends), and one
    without a BSUID from the same number keeps the BSUID.
    Hand-written (and built once per database) because this is the webhook's hot path:
    the ORM's Case/When version cost more than the rest of the webhook together.
    """
    qn = connection.ops.quote_name
    table, contacts = qn(Interaction._meta.db_table), qn(Contact._meta.db_table)
    last, wamid, waiting = qn("last_inbound_at"), qn("last_inbound_wamid"), qn("awaiting_reply_since")
    newer = f"({last} IS NULL OR {last} < %s)"
    not_older = f"({last} IS NULL OR {last} <= %s)"
    to_wa, to_user = qn("customer_wa_id"), qn("customer_user_id")
    return (
        f"UPDATE {table} SET "
        f"{last} = CASE WHEN {newer} THEN %s ELSE {last} END, "
        f"{qn('window_expires_at')} = CASE WHEN {newer} THEN %s ELSE {qn('window_expires_at')} END, "
        f"{qn('window_due_at')} = CASE WHEN {newer} THEN %s ELSE {qn('window_due_at')} END, "
        f"{qn('reply_due_at')} = CASE WHEN {newer} THEN %s ELSE {qn('reply_due_at')} END, "
        f"{wamid} = CASE WHEN {not_older} THEN %s ELSE {wamid} END, "
        f"{waiting} = CASE WHEN {waiting} IS NULL AND {not_older} AND {wamid} <> %s "
        f"THEN %s ELSE {waiting} END, "
        f"{to_wa} = CASE WHEN {newer} THEN CASE WHEN %s <> '' THEN %s WHEN {to_user} = %s "
        f"THEN {to_wa} ELSE '' END ELSE {to_wa} END, "
        f"{to_user} = CASE WHEN {newer} THEN CASE WHEN %s <> '' THEN %s WHEN {to_wa} = %s "
        f"THEN {to_user} ELSE '' END ELSE {to_user} END, "
        f"{qn('updated_at')} = %s "
        f"WHERE {where} "
        f"RETURNING {qn('id')}, {qn('contact_id')}, {qn('owner_id')}, {qn('state')}, "
        + "".join(
            f"(SELECT {contacts}.{qn(column)} FROM {contacts} "
            f"WHERE {contacts}.{qn('id')} = {table}.{qn('contact_id')}), "
            for column in _CONTACT_COLUMNS
        )
        + f"{', '.join(qn(c) for c in _PAYLOAD_COLUMNS)}"
    )


#: The contact's columns the inbound UPDATE returns (its profile and identity, G2).
_CONTACT_COLUMNS = ("profile_name", "username", "wa_id", "user_id")


def _inbound_update_params(
    *, wamid: str, originated_at: datetime, arrived_at: datetime, wa_id: str | None, user_id: str | None
) -> list[Any]:  # SQL parameters, as the backend adapts them
    # The owner is known only once the row is found: the global value arms the reply timer
    # here, and _touch corrects it when the owner has a value of their own (or their group).
    reply_timeout = reply_timeout_for(None)
    adapt = connection.ops.adapt_datetimefield_value
    ts = adapt(originated_at)
    wa_id, user_id = wa_id or "", user_id or ""
    return [
        ts, ts,
        ts, adapt(originated_at + SERVICE_WINDOW),
        ts, adapt(originated_at + SERVICE_WINDOW),
        ts, adapt(originated_at + reply_timeout),
        ts, wamid,
        ts, wamid, adapt(arrived_at),
        ts, wa_id, wa_id, user_id,
        ts, user_id, user_id, wa_id,
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
            f"(SELECT COALESCE({qn('merged_into_id')}, {qn('id')}) FROM {contacts} WHERE {qn('wa_id')} = %s)"
        ),
        "user_id": (
            f"{qn('channel_id')} = %s AND {qn('state')} IN ({states}) AND {qn('contact_id')} = "
            f"(SELECT COALESCE({qn('merged_into_id')}, {qn('id')}) FROM {contacts} WHERE {qn('user_id')} = %s)"
        ),
    }[key]
    return _inbound_update_sql(where)


class InboundTouch(TypedDict):
    """What a customer message records on its interaction (the inbound UPDATE's values)."""

    wamid: str
    originated_at: datetime
    arrived_at: datetime
    wa_id: str | None
    user_id: str | None


def _touch(
    key: str, where_params: list[int | str | None], **values: Unpack[InboundTouch]
) -> TouchedInteraction | None:
    with connection.cursor() as cursor:
        cursor.execute(_sql(connection.vendor, key), [*_inbound_update_params(**values), *where_params])
        row = cursor.fetchone()
    if not row:
        return None
    interaction_id, contact_id, owner_id, state = row[:4]
    profile = [value or "" for value in row[4:8]]
    extra = dict(zip(_PAYLOAD_COLUMNS, row[8:], strict=True))
    for column in _DATETIME_COLUMNS:
        extra[column] = _datetime(extra[column])
    touched = TouchedInteraction(
        interaction_id,
        contact_id,
        owner_id,
        state,
        contact_profile_name=profile[0],
        contact_username=profile[1],
        contact_wa_id=profile[2],
        contact_user_id=profile[3],
        **extra,
    )
    _reply_timer_for_owner(touched, originated_at=values["originated_at"])
    return touched


def _reply_timer_for_owner(touched: TouchedInteraction, *, originated_at: datetime) -> None:
    """The UPDATE armed the reply timer with the global timeout; an owner with another
    effective value gets theirs. One more query only then (no query in the common case,
    where nobody overrides the global value)."""
    if touched.owner_id is None or touched.last_inbound_at != originated_at:
        return  # nobody's (the global value applies), or an older message armed nothing
    timeout = reply_timeout_for(touched.owner_id)
    if timeout != reply_timeout_for(None):
        Interaction.objects.filter(pk=touched.id, last_inbound_at=originated_at).update(
            reply_due_at=originated_at + timeout
        )


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
        key,
        [channel_id, identity],
        wamid=wamid,
        originated_at=originated_at,
        arrived_at=arrived_at,
        wa_id=wa_id,
        user_id=user_id,
    )


def interaction_touch_inbound(
    *,
    interaction_id: int,
    wamid: str,
    originated_at: datetime,
    arrived_at: datetime,
    wa_id: str | None,
    user_id: str | None,
) -> TouchedInteraction:
    """Record a customer message (from ``wa_id`` / ``user_id``) in a known interaction."""
    touched = _touch(
        "id",
        [interaction_id],
        wamid=wamid,
        originated_at=originated_at,
        arrived_at=arrived_at,
        wa_id=wa_id,
        user_id=user_id,
    )
    assert touched is not None, f"interaction {interaction_id} vanished"
    return touched


# --- the agent's actions on an interaction ------------------------------------------------


def interaction_owned_open(*, user: User, interaction_id: int) -> Interaction:
    """The interaction, locked, for an owner's change: NotFound, PermissionDenied (not the
    owner nor a supervisor) or Conflict (already done) otherwise."""
    interaction = interaction_locked(interaction_id, related=("contact", "channel"))
    ensure_owner_or_supervisor(user, interaction, to=gettext("change it"))
    if not interaction.is_open:
        raise Conflict(gettext("this interaction is already done"), code="closed")
    return interaction


def interaction_case_data_update(
    *, user: User, interaction_id: int, case_data: dict[str, Any]
) -> Interaction:
    """W11: edit the case information (attached data) shown to agents."""
    if not isinstance(case_data, dict) or not all(isinstance(k, str) for k in case_data):
        raise DomainError(gettext("case information is an object of named values"), code="invalid")
    if len(json.dumps(case_data)) > CASE_DATA_MAX:
        raise DomainError(
            gettext("case information is limited to %(limit)s characters")
            % {"limit": number_format(CASE_DATA_MAX, force_grouping=True)},
            code="too_long",
        )
    with transaction.atomic():
        interaction = interaction_owned_open(user=user, interaction_id=interaction_id)
        interaction.case_data = case_data
        interaction.save(update_fields=["case_data", "updated_at"])
        events.interaction_changed(interaction=interaction)
    return interaction


def interaction_note_add(*, user: User, interaction_id: int, body: str) -> InteractionNote:
    """W11: a note in the interaction's history (never sent to the customer)."""
    body = (body or "").strip()
    if not body:
        raise DomainError(gettext("the note is empty"), code="empty")
    if len(body) > NOTE_MAX:
        raise DomainError(
            gettext("notes are limited to %(limit)s characters")
            % {"limit": number_format(NOTE_MAX, force_grouping=True)},
            code="too_long",
        )
    with transaction.atomic():
        interaction = Interaction.objects.filter(pk=interaction_id).first()
        if interaction is None:
            raise NotFound(
                gettext("interaction %(interaction_id)s does not exist") % {"interaction_id": interaction_id}
            )
        if not user_can_write(user=user, interaction=interaction):
            raise PermissionDenied(gettext("only the interaction's agents (or a supervisor) may add notes"))
        note = InteractionNote.objects.create(interaction=interaction, author=user, body=body)
        events.interaction_changed(interaction=interaction)
    return note


# --- timers (the beat) ----------------------------------------------------------------------

#: How many due timers one transaction claims and announces.
TIMER_BATCH = 500
#: How long one tick goes on claiming batches (below the beat's 5-s interval: a tick never
#: outlasts its period, and what is left waits for the next one).
TIMER_TICK_SECONDS = 3.0


def interaction_timers_due(
    *, now: datetime, limit: int = TIMER_BATCH, budget: float = TIMER_TICK_SECONDS
) -> int:
    """O1 / O2: announce each closed 24-hour window and each ended reply window, once per
    customer message (a newer message sets the timer again). Returns how many fired.

    Set-based (issue 14, timers in bulk): a batch of due rows is claimed in one transaction
    (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent ticks take disjoint
    batches; SQLite serialises writers), their column cleared in one UPDATE, the open ones
    read in one query and announced with one hand-over to the channel layer after the
    commit. Batches follow each other until nothing is due or ``budget`` seconds passed.
    A tick reads only what is due (the columns are indexed), so its cost per timer does not
    grow with the number of open interactions."""
    fired = 0
    started = time.monotonic()
    for column, announce in (
        ("window_due_at", events.interactions_window_closed),
        ("reply_due_at", events.interactions_reply_timeout),
    ):
        while True:
            claimed, announced = _timers_fire(column, announce, now=now, limit=limit)
            fired += announced
            if claimed < limit or time.monotonic() - started > budget:
                break
    return fired


def _timers_fire(column: str, announce: Callable[..., None], *, now: datetime, limit: int) -> tuple[int, int]:
    """Claim up to ``limit`` due timers of ``column`` and announce the open interactions'
    ones; (how many were claimed, how many announced)."""
    with transaction.atomic():
        due: dict[int, datetime] = dict(
            Interaction.objects.filter(**{f"{column}__lte": now})
            .order_by(column)
            .select_for_update(skip_locked=True)
            .values_list("pk", column)[:limit]
        )
        if not due:
            return 0, 0
        Interaction.objects.filter(pk__in=list(due)).update(**{column: None})
        interactions = sorted(
            Interaction.objects.select_related("contact").filter(
                pk__in=list(due), state__in=Interaction.OPEN_STATES
            ),
            key=lambda interaction: (due[interaction.pk], interaction.pk),
        )
        announce(interactions=interactions)
        # S3: a breach is a reply timeout that passed with the customer unanswered.
        if column == "reply_due_at":
            facts_record(
                [
                    Fact(
                        Kind.REPLY_BREACH,
                        due[interaction.pk],
                        queue_id=interaction.queue_id,
                        agent_id=interaction.owner_id,
                        channel_id=interaction.channel_id,
                    )
                    for interaction in interactions
                    if interaction.awaiting_reply_since is not None
                ]
            )
    return len(due), len(interactions)


#: How many interactions one re-arming UPDATE names (the SQL stays a bounded size).
REARM_CHUNK = 500


def interaction_reply_timers_rearm(
    *, interactions: QuerySet[Interaction], now: datetime | None = None
) -> list[int]:
    """O2: set the reply timer of the open ones of ``interactions`` to their owner's
    effective reply timeout after the customer's last message, and push each moved
    deadline to the consoles showing it (``interaction.changed``, after the commit).

    Called when the timeout that applies changes: the owner changed (accept, transfer,
    workbin, a conference handed over) or an option value did (global, group, agent).
    Set-based: one query for the owners concerned, then per distinct timeout one SELECT of
    the rows whose deadline moves and one UPDATE per ``REARM_CHUNK`` of them. Idempotent:
    a row already right is neither written nor pushed again. A deadline already announced
    (the column is cleared then) is armed again only if it now lies ahead (a longer timeout
    reopened the reply window), so no reply timeout is announced twice.
    Returns the ids of the interactions whose deadline moved.
    """
    now = now or timezone.now()
    live = interactions.filter(state__in=Interaction.OPEN_STATES, last_inbound_at__isnull=False).order_by()
    owners_by_timeout: dict[timedelta, list[int | None]] = defaultdict(list)
    for owner_id in live.values_list("owner_id", flat=True).distinct():
        owners_by_timeout[reply_timeout_for(owner_id)].append(owner_id)
    moved: list[int] = []
    with transaction.atomic():
        for timeout, owners in owners_by_timeout.items():
            owned_by = Q(owner_id__in=[o for o in owners if o is not None])
            if None in owners:
                owned_by |= Q(owner__isnull=True)
            deadline = F("last_inbound_at") + timeout
            stale = (
                live.filter(owned_by)
                .filter(Q(reply_due_at__isnull=False) | Q(last_inbound_at__gt=now - timeout))
                .exclude(reply_due_at=deadline)
            )
            ids = list(stale.values_list("pk", flat=True))
            for start in range(0, len(ids), REARM_CHUNK):
                stale.filter(pk__in=ids[start : start + REARM_CHUNK]).update(
                    reply_due_at=deadline, updated_at=now
                )
            moved.extend(ids)
        events.interactions_changed(interaction_ids=moved)
    return moved


def interaction_owner_changed(*, interaction_id: int) -> None:
    """The interaction has another owner (or none): their reply timeout applies now."""
    interaction_reply_timers_rearm(interactions=Interaction.objects.filter(pk=interaction_id))
