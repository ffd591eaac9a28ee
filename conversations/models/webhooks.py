from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WebhookEvent(models.Model):
    """A webhook POST exactly as received (signature already verified).

    Stored before the 200 goes out (DESIGN invariant 1): Meta offers no way to fetch a
    past webhook, so this row is the only copy. Processing can be replayed from it.
    """

    class State(models.TextChoices):
        #: Stored by the journal (``WEBHOOK_JOURNAL``), acknowledged, not processed yet.
        RECEIVED = "received", _("Received, not processed yet")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed, will retry")
        FLAGGED = "flagged", _("Stored, not processable")

    received_at = models.DateTimeField()
    body = models.TextField()
    signature = models.CharField(max_length=80, blank=True, help_text=_("X-Hub-Signature-256"))
    state = models.CharField(max_length=12, choices=State)
    attempts = models.PositiveSmallIntegerField(default=1)
    processed_at = models.DateTimeField(null=True, blank=True)
    retry_due_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    #: Why parts of the event were not applied (unknown number, unknown field, …).
    flags = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    #: X4: when the raw body was deleted (retention, or a contact's erasure); the row, its
    #: state, flags and summary stay. A purged event cannot be replayed.
    body_purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["retry_due_at"],
                condition=models.Q(state__in=["failed", "received"]),
                name="webhook_retry_due_idx",
            ),
            models.Index(fields=["state", "-received_at"], name="webhook_state_idx"),
            # X4: the retention purge reads only processed bodies still kept, oldest first.
            models.Index(
                fields=["received_at"],
                condition=models.Q(state="processed", body_purged_at__isnull=True),
                name="webhook_body_retention_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Webhook {self.pk} ({self.state})"
