"""System checks for a deployment (``manage.py check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

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
