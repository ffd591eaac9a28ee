"""Process stored webhook events again. Idempotent: replaying changes only what was missed."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from conversations.models import WebhookEvent
from conversations.services.webhooks import webhook_event_process


class Command(BaseCommand):
    help = (
        "Process stored WhatsApp webhook events again: failed ones (and journaled ones not "
        "processed yet) by default, or the given ids, or every event with --all (e.g. after configuring a missing channel)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="event ids to replay")
        parser.add_argument("--all", action="store_true", help="replay every stored event, oldest first")
        parser.add_argument("--flagged", action="store_true", help="include events stored with flags")

    def handle(self, *args, ids: list[int], all: bool, flagged: bool, **options) -> None:
        events = WebhookEvent.objects.order_by("received_at", "id")
        if ids:
            events = events.filter(pk__in=ids)
            missing = set(ids) - set(events.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"no webhook event with id {', '.join(map(str, sorted(missing)))}")
        elif not all:
            # Journaled events not processed yet too: with no beat running, this is how they are.
            states = [WebhookEvent.State.FAILED, WebhookEvent.State.RECEIVED]
            states += [WebhookEvent.State.PROCESSED] if flagged else []
            events = events.filter(state__in=states)
            if flagged:
                events = events.exclude(state=WebhookEvent.State.PROCESSED, flags=[])
        counts: dict[str, int] = {}
        for event_id in events.values_list("pk", flat=True).iterator():
            event = webhook_event_process(event_id=event_id)
            state = event.state if event else "locked"
            counts[state] = counts.get(state, 0) + 1
        summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "nothing to replay"
        self.stdout.write(summary)
