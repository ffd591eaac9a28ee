from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ops.crypto import EncryptedTextField


class Channel(models.Model):
    """One WhatsApp business phone number and the credentials of its Meta app."""

    name = models.CharField(max_length=100)
    phone_number_id = models.CharField(
        max_length=64, unique=True, help_text=_("value.metadata.phone_number_id in webhooks")
    )
    display_phone_number = models.CharField(max_length=32, help_text=_("Digits only, no '+'"))
    waba_id = models.CharField(_("WABA id"), max_length=64, blank=True)
    app_id = models.CharField(
        _("Meta app id"),
        max_length=64,
        blank=True,
        help_text=_("The Meta app the token belongs to: a template's media header sample is uploaded to it"),
    )
    # X3: encrypted at rest (FIELD_ENCRYPTION_KEYS); read decrypted.
    access_token = EncryptedTextField(help_text=_("System-user or business token for the Graph API"))
    app_secret = EncryptedTextField(max_length=255, help_text=_("Signs webhooks (X-Hub-Signature-256)"))
    verify_token = EncryptedTextField(
        max_length=255, help_text=_("Answer to Meta's hub.verify_token handshake")
    )
    default_queue = models.ForeignKey(
        "conversations.Queue",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Where new inbound interactions of this number wait for an agent"),
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # G5: the number's health at Meta, pulled (GET /<phone_number_id>) and followed from
    # the phone_number_quality_update and account_update webhooks; read-only: it mirrors Meta.
    quality_rating = models.CharField(max_length=16, blank=True, help_text=_("GREEN, YELLOW, RED or UNKNOWN"))
    messaging_limit = models.CharField(
        max_length=64, blank=True, help_text=_("Business-initiated conversations per 24 h (e.g. TIER_2K)")
    )
    verified_name = models.CharField(_("verified name"), max_length=256, blank=True)
    name_status = models.CharField(max_length=32, blank=True)
    number_status = models.CharField(_("number status"), max_length=32, blank=True)
    throughput_level = models.CharField(max_length=16, blank=True)
    health_checked_at = models.DateTimeField(null=True, blank=True)
    #: When the quality last dropped (GREEN → YELLOW → RED, or flagged): supervisors are
    #: shown it until it is back up.
    quality_dropped_at = models.DateTimeField(null=True, blank=True)
    #: The latest account_update (event and details), e.g. a restriction or a violation.
    account_event = models.JSONField(default=dict, blank=True)
    #: G5: Meta answered 130429 (the number's throughput): nothing is sent on this number
    #: before this time (backoff), the messages wait "to send".
    send_paused_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (+{self.display_phone_number})"
