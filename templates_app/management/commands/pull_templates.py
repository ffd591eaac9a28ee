"""G1: ``manage.py pull_templates [--waba <id>]``: mirror Meta's templates now (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from conversations.exceptions import DomainError
from templates_app import syncing


class Command(BaseCommand):
    help = "Pull every template of each WhatsApp Business Account (or of --waba) from Meta."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--waba", default="", help="Only this WABA id")

    def handle(self, *args: object, **options: object) -> None:
        waba_id = options.get("waba")
        try:
            reports = syncing.templates_pull(
                waba_id=waba_id if isinstance(waba_id, str) and waba_id else None
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if not reports:
            self.stdout.write("No active number has a WABA id: nothing to pull.")
        for waba, report in reports.items():
            self.stdout.write(f"WABA {waba}: {report}")
