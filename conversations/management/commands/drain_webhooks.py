"""Process the webhook journal's events in a process of its own (``WEBHOOK_JOURNAL_PROCESSING=drainer``)."""

from __future__ import annotations

import os
import signal
from types import FrameType

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from conversations.webhooks.drainer import Drainer


class Command(BaseCommand):
    help = (
        "Process the webhooks the web processes stored and acknowledged (WEBHOOK_JOURNAL=1, "
        "WEBHOOK_JOURNAL_PROCESSING=drainer; PostgreSQL). One drainer is active at a time; "
        "another started stands by and takes over when it stops. SIGTERM or Ctrl-C: process "
        "what was read, then exit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--processors",
            type=int,
            default=None,
            help="processing threads (default WEBHOOK_JOURNAL_PROCESSORS)",
        )

        parser.add_argument(
            "--nice",
            type=int,
            default=0,
            help="lower the drainer's CPU priority by this much (0-19): on a machine it shares with web "
            "processes, acknowledgements first, processing behind them",
        )

    def handle(self, *args: object, processors: int | None, nice: int, **options: object) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("the drainer needs PostgreSQL (DATABASE_URL)")
        if processors is not None and not 1 <= processors <= 64:
            raise CommandError("--processors must be between 1 and 64")
        if not (settings.WEBHOOK_JOURNAL and settings.WEBHOOK_JOURNAL_PROCESSING == "drainer"):
            self.stderr.write(
                "note: the web processes store webhooks for a drainer only with WEBHOOK_JOURNAL=1 and "
                "WEBHOOK_JOURNAL_PROCESSING=drainer; this one processes whatever journaled events it finds"
            )
        if not 0 <= nice <= 19:
            raise CommandError("--nice must be between 0 and 19")
        if nice:
            os.nice(nice)
        drainer = Drainer(processors=processors)

        def stop(signum: int, frame: FrameType | None) -> None:
            drainer.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        drainer.run()
