from __future__ import annotations

from django.db import models

from ops.crypto import EncryptedTextField


class Channel(models.Model):
    """One WhatsApp business phone number and the credentials of its Meta app."""

    name = models.CharField(max_length=100)
    phone_number_id = models.CharField(
        max_length=64, unique=True, help_text="value.metadata.phone_number_id in webhooks"
    )
    display_phone_number = models.CharField(max_length=32, help_text="Digits only, no '+'")
    waba_id = models.CharField("WABA id", max_length=64, blank=True)
    # X3: encrypted at rest (FIELD_ENCRYPTION_KEYS); read decrypted.
    access_token = EncryptedTextField(help_text="System-user or business token for the Graph API")
    app_secret = EncryptedTextField(max_length=255, help_text="Signs webhooks (X-Hub-Signature-256)")
    verify_token = EncryptedTextField(max_length=255, help_text="Answer to Meta's hub.verify_token handshake")
    default_queue = models.ForeignKey(
        "conversations.Queue",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Where new inbound interactions of this number wait for an agent",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (+{self.display_phone_number})"
