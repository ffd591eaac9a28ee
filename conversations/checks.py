"""System checks for a deployment (``manage.py check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import connection

#: The key the embedded demo runs with; anyone can read it in the repository.
DEMO_SECRET_KEY = "insecure-demo-key-change-me-in-production-3f1c9a7e"


@register(Tags.security, deploy=True)
def demo_secret_key_check(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """Sessions and CSRF tokens signed with a public key can be forged: say so loudly
    outside the embedded demo."""
    if settings.SECRET_KEY != DEMO_SECRET_KEY or settings.EMBEDDED:
        return []
    return [
        Warning(
            "SECRET_KEY is the public demo key while running with DATABASE_URL / REDIS_URL",
            hint="Set the SECRET_KEY environment variable to a long random value.",
            id="conversations.W001",
        )
    ]


@register()
def webhook_journal_processing_check(app_configs: object, **kwargs: object) -> list[Error]:
    """``WEBHOOK_JOURNAL_PROCESSING`` names where the journal's events are processed; the
    drainer finds them by PostgreSQL's ``LISTEN``, holds its place by an advisory lock."""
    processing = settings.WEBHOOK_JOURNAL_PROCESSING
    if processing not in ("server", "drainer"):
        return [
            Error(
                f"WEBHOOK_JOURNAL_PROCESSING is {processing!r}",
                hint='Use "server" (each web process processes what it stored) or "drainer".',
                id="conversations.E001",
            )
        ]
    if processing == "drainer" and settings.WEBHOOK_JOURNAL and connection.vendor != "postgresql":
        return [
            Error(
                "WEBHOOK_JOURNAL_PROCESSING=drainer needs PostgreSQL (DATABASE_URL)",
                hint='Use "server" with SQLite, or leave the journal off there.',
                id="conversations.E002",
            )
        ]
    return []
