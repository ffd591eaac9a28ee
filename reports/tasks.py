"""S3's beat job: count the customer messages the webhooks stored (reports.services)."""

from __future__ import annotations

from celery import shared_task

from reports.services import inbound_messages_tally


@shared_task
def inbound_tally_task() -> int:
    return inbound_messages_tally()
