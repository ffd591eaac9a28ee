"""Re-encrypt every encrypted field with the first key of FIELD_ENCRYPTION_KEYS (X3)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ops.key_rotation import rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret (channel tokens, app secrets, verify tokens) with the "
        "first key of FIELD_ENCRYPTION_KEYS, and encrypt plaintext left from before. Safe to run "
        "while the service runs and to run again; afterwards the other keys can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = rotate_all()
        for label, (checked, rotated) in counts.items():
            self.stdout.write(f"{label}: {rotated} of {checked} values re-encrypted")
        self.stdout.write("done: every secret is encrypted with the first key")
