"""System checks of the operations app (X3): keys that work, and no public secrets in
production.

"Production" here is the scaled mode, or the embedded one with DEBUG off and the
sandbox off (someone serving real WhatsApp traffic from one process).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from conversations.models import Channel
from ops.crypto import DEMO_FIELD_ENCRYPTION_KEY, configured_keys, keys_check

#: The sandbox's credentials (the defaults of WHATSAPP_*): public, in the repository.
SANDBOX_SECRETS = {
    "access_token": "sandbox-access-token",
    "app_secret": "sandbox-app-secret",
    "verify_token": "sandbox-verify-token",
}


def in_production() -> bool:
    return not settings.EMBEDDED or (not settings.DEBUG and not settings.WHATSAPP_SANDBOX_ENABLED)


@register(Tags.security)
def encryption_keys_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Every FIELD_ENCRYPTION_KEYS entry must be a Fernet key, or no secret can be read."""
    try:
        keys_check(configured_keys())
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="ops.E001")]
    return []


@register(Tags.security, deploy=True)
def public_secrets_check(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """The demo encryption key and the sandbox's secrets are in the repository: anyone can
    read secrets encrypted with the one and forge webhooks signed with the other."""
    if not in_production():
        return []
    found: list[Warning] = []
    if DEMO_FIELD_ENCRYPTION_KEY in configured_keys():
        found.append(
            Warning(
                "FIELD_ENCRYPTION_KEYS contains the public demo key: the channels' secrets in the "
                "database are readable by anyone with the repository",
                hint="Generate a key (Fernet.generate_key()), put it first in FIELD_ENCRYPTION_KEYS, "
                "run `manage.py rotate_encryption_keys`, then remove the demo key.",
                id="ops.W001",
            )
        )
    found.extend(_sandbox_secret_warnings())
    return found


def _sandbox_secret_warnings() -> list[Warning]:
    names = [
        f"WHATSAPP_{field.upper()}"
        for field, value in SANDBOX_SECRETS.items()
        if getattr(settings, f"WHATSAPP_{field.upper()}") == value
    ]
    channels = _channels_with_sandbox_secrets()
    if not names and not channels:
        return []
    where = []
    if channels:
        where.append(f"active channels {', '.join(channels)}")
    if names:
        where.append(f"settings {', '.join(names)} (what seed_demo gives a channel)")
    return [
        Warning(
            "the sandbox's public credentials are in use: " + "; ".join(where),
            hint="Give each channel the access token, app secret and verify token of your Meta app "
            "(admin › Channels), and set the WHATSAPP_* variables or stop running seed_demo.",
            id="ops.W002",
        )
    ]


def _channels_with_sandbox_secrets() -> list[str]:
    """Active channels holding a sandbox secret (decrypted to compare); [] when the database
    cannot be read (checks also run before ``migrate``)."""
    try:
        return [
            channel.name
            for channel in Channel.objects.filter(is_active=True)
            if any(getattr(channel, field) == value for field, value in SANDBOX_SECRETS.items())
        ]
    except Exception:  # no table yet, no database, a key that does not open
        return []
