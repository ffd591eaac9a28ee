"""Celery tasks of the sandbox: thin, id in, one service call (STYLE § D).

Scheduled with ``waproject.embedded.enqueue(..., countdown=…)`` so the status delays work
the same with a broker and in the embedded mode. Retries stay here.
"""

from __future__ import annotations

from celery import shared_task

from sandbox import services
from waproject.embedded import enqueue

#: Another worker holds the message's lease: look again this soon, for as long as a lease lasts (60 s).
BUSY_RETRY_SECONDS = 0.05
BUSY_RETRIES_MAX = 1200
#: Our webhook did not take a status: retry with backoff (1 s, 2 s, 4 s, …) this many times.
WEBHOOK_RETRIES_MAX = 6


@shared_task
def message_status_advance_task(
    message_id: int, status: str, busy_retries: int = 0, webhook_retries: int = 0
) -> str:
    """Post a business message's statuses up to ``status`` to our webhook, in order. Idempotent."""
    outcome = services.message_status_advance(message_id=message_id, status=status)
    if outcome is services.StatusOutcome.BUSY and busy_retries < BUSY_RETRIES_MAX:
        enqueue(
            message_status_advance_task,
            message_id,
            status,
            busy_retries + 1,
            webhook_retries,
            countdown=BUSY_RETRY_SECONDS,
        )
    elif outcome is services.StatusOutcome.WEBHOOK_FAILED and webhook_retries < WEBHOOK_RETRIES_MAX:
        enqueue(
            message_status_advance_task,
            message_id,
            status,
            busy_retries,
            webhook_retries + 1,
            countdown=2.0**webhook_retries,
        )
    return outcome.value


@shared_task
def template_review_task(template_pk: int, submitted_at: str, webhook_retries: int = 0) -> str:
    """Decide a submitted template and post its status webhook; a refused webhook is
    posted again with backoff (the decision is not taken twice)."""
    post = services.template_review(template_pk=template_pk, submitted_at=submitted_at)
    if post is not None and not post.ok and webhook_retries < WEBHOOK_RETRIES_MAX:
        enqueue(template_status_repost_task, post.pk, webhook_retries + 1, countdown=2.0**webhook_retries)
    return "none" if post is None else post.status


@shared_task
def template_status_repost_task(post_id: int, webhook_retries: int) -> bool:
    """Post a template status webhook our service did not take again (idempotent there)."""
    post = services.webhook_repost(post_id=post_id)
    if post is not None and not post.ok and webhook_retries < WEBHOOK_RETRIES_MAX:
        enqueue(template_status_repost_task, post.pk, webhook_retries + 1, countdown=2.0**webhook_retries)
    return post is not None and post.ok
