"""Recording integrators' events (B5): the one module the domain services call.

Each function is called by a service inside the transaction of the change it reports and
writes one outbox row per subscription that wants the event (``Delivery``), so the event
is recorded exactly when the change commits; after the commit the subscription's delivery
task is enqueued (it runs in the worker, never in the request or the webhook). With no
subscription for an event type nothing is built or written (no query: the subscriptions
are a cached snapshot).

Also here, because it rides on the same hook: an external bot's silence timer (B4) is
armed by a customer's message on an interaction the bot owns and cleared by the bot's
answer.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from conversations import payloads
from conversations.db import insert_ignore_returning
from conversations.models import Interaction, Message
from integrations import jobs, selectors
from integrations.models import BotSession, Delivery, EventType
from waproject.embedded import enqueue_on_commit

#: The event's ``data``, built only when a subscription wants the event (JSON-able values).
Data = Callable[[], Mapping[str, object]]


def record(event_type: str, *, interaction_id: int | None, owner_id: int | None, data: Data) -> int:
    """Write the event's outbox rows (call inside the change's transaction); returns how
    many subscriptions will receive it. ``data`` is built only if one does."""
    targets = selectors.subscriptions_for(event_type, owner_id=owner_id)
    if not targets:
        return 0
    now = timezone.now()
    event_id = uuid.uuid4()
    body = json.dumps(
        {
            "id": str(event_id),
            "type": event_type,
            "occurred_at": now.isoformat(),
            "interaction_id": interaction_id,
            "data": data(),
        },
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    # The webhook's hot path: a prepared INSERT (conversations.db), not the ORM's compiler.
    insert_ignore_returning(
        Delivery,
        [
            Delivery(
                subscription_id=target.id,
                event_id=event_id,
                event_type=event_type,
                interaction_id=interaction_id,
                body=body,
                retry_from=now,
                next_attempt_due_at=now,
            )
            for target in targets
        ],
    )
    for target in targets:
        enqueue_on_commit(jobs.SUBSCRIPTION_DELIVER, target.id)
    return len(targets)


def message_created(*, message: Message, owner_id: int | None) -> None:
    """A customer's, agent's or bot's message joined an interaction."""
    record(
        EventType.MESSAGE_CREATED,
        interaction_id=message.interaction_id,
        owner_id=owner_id,
        data=lambda: {"message": payloads.message_payload(message)},
    )
    bot = selectors.bot_of_user(owner_id)
    if bot is None:
        return
    sessions = BotSession.objects.filter(interaction_id=message.interaction_id, ended_at__isnull=True)
    if message.direction == "in":
        # The customer spoke: the bot has timeout_seconds to answer (armed once, not reset
        # by the customer's next messages).
        sessions.filter(due_at__isnull=True).update(
            due_at=timezone.now() + timedelta(seconds=bot.timeout_seconds)
        )
    elif message.author_id == bot.user_id:
        sessions.update(due_at=None)  # the bot answered: it is not silent


def message_status_changed(
    *, message_id: int, interaction_id: int, status: str, error: Mapping[str, object] | None
) -> None:
    record(
        EventType.MESSAGE_STATUS,
        interaction_id=interaction_id,
        owner_id=None,
        data=lambda: {"message_id": message_id, "status": status, "error": error or {}},
    )


def _interaction_event(
    event_type: str, interaction: Interaction, *, owner_id: int | None, **extra: object
) -> None:
    record(
        event_type,
        interaction_id=interaction.pk,
        owner_id=owner_id,
        data=lambda: {"interaction": payloads.interaction_payload(interaction), **extra},
    )


def interaction_routed(*, interaction: Interaction, agent_id: int, offer_id: int) -> None:
    """Routing offered the interaction to an agent (R1, R2)."""
    _interaction_event(
        EventType.INTERACTION_ROUTED, interaction, owner_id=None, agent_id=agent_id, offer_id=offer_id
    )


def interaction_accepted(*, interaction: Interaction) -> None:
    _interaction_event(
        EventType.INTERACTION_ACCEPTED,
        interaction,
        owner_id=interaction.owner_id,
        agent_id=interaction.owner_id,
    )


def _bot_turn_ended(*, interaction_id: int, owner_id: int | None) -> None:
    """The interaction left its bot otherwise than by a hand-off (a supervisor transferred
    it, the bot closed it): the bot's session ends, its timer with it."""
    if selectors.bot_of_user(owner_id) is not None:
        BotSession.objects.filter(interaction_id=interaction_id, ended_at__isnull=True).update(
            ended_at=timezone.now(), due_at=None, outcome=BotSession.Outcome.CLOSED
        )


def interaction_transferred(
    *, interaction: Interaction, from_agent_id: int | None, by_user_id: int, target: dict[str, int | None]
) -> None:
    _bot_turn_ended(interaction_id=interaction.pk, owner_id=from_agent_id)
    _interaction_event(
        EventType.INTERACTION_TRANSFERRED,
        interaction,
        owner_id=from_agent_id,
        from_agent_id=from_agent_id,
        by_user_id=by_user_id,
        target=target,
    )


def interaction_done(*, interaction: Interaction, owner_id: int | None) -> None:
    _bot_turn_ended(interaction_id=interaction.pk, owner_id=owner_id)
    _interaction_event(
        EventType.INTERACTION_DONE,
        interaction,
        owner_id=owner_id,
        agent_id=owner_id,
        disposition=interaction.disposition,
    )
