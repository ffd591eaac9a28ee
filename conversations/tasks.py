"""Celery tasks: thin entry points that take ids and call one service (STYLE § D)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from conversations import events
from conversations.services import (
    capacity,
    inbound,
    interactions,
    media,
    reactions,
    receipts,
    routing,
    sending,
    statuses,
    webhooks,
)

# Services enqueue these by name (conversations.jobs): they never import this module.


@shared_task
def webhook_retry_sweep_task() -> int:
    """Process stored webhook events whose processing failed and whose retry is due, and
    apply customers' edits and deletes whose original message has arrived meanwhile."""
    return webhooks.webhook_retry_due(now=timezone.now()) + inbound.pending_revisions_resolve()


@shared_task
def webhook_event_process_task(event_id: int) -> None:
    webhooks.webhook_event_process(event_id=event_id)


@shared_task
def interaction_outbox_flush_task(interaction_id: int) -> int:
    """Send the interaction's queued messages in order (idempotent: claims each row)."""
    return sending.interaction_outbox_flush(interaction_id=interaction_id)


@shared_task
def outbound_sweep_task() -> int:
    """Flush interactions with due retries; recover sends of crashed workers; apply
    statuses that arrived before their message's wamid; send the agents' reactions whose
    send or retry is due (U1)."""
    now = timezone.now()
    return (
        sending.outbound_due_sweep(now=now)
        + sending.abandoned_sends_sweep(now=now)
        + statuses.pending_statuses_resolve()
        + reactions.reactions_due_sweep(now=now)
    )


@shared_task
def reaction_send_task(reaction_id: int) -> bool:
    """U1: send the business's reaction to a customer's message (idempotent: claims the row)."""
    return reactions.reaction_send(reaction_id=reaction_id)


@shared_task
def attachment_download_task(attachment_id: int) -> None:
    """Download an inbound media file from WhatsApp (retried with a fresh URL each time)."""
    media.attachment_download(attachment_id=attachment_id)


@shared_task
def attachment_download_sweep_task() -> int:
    """Retry media downloads that are due (the timer rows of failed attempts)."""
    return media.attachment_download_due(now=timezone.now())


@shared_task
def message_mark_read_task(message_id: int, typing: bool = False) -> None:
    """Tell WhatsApp the agent read the customer's message (blue ticks on their phone),
    and with ``typing`` that the agent is typing ("typing…" on their phone)."""
    receipts.message_mark_read(message_id=message_id, typing_indicator=typing)


@shared_task
def routing_sweep_task() -> int:
    """Redirect expired offers (R2) and offer waiting interactions to available agents (R1)."""
    return routing.offers_expire_due(now=timezone.now()) + routing.dispatch_waiting()


@shared_task
def agent_load_reconcile_task() -> int:
    return capacity.agent_loads_reconcile()


@shared_task
def interaction_timers_task() -> int:
    """Announce closed 24-hour windows (O1) and ended reply windows (O2)."""
    return interactions.interaction_timers_due(now=timezone.now())


@shared_task
def board_publish_task() -> None:
    """S1: read the whole board once and push it to every supervisor watching it (off the
    web processes, which carry the webhooks)."""
    events.board_publish()
