"""Customer deletes and edits that arrived before the message they change."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PendingRevision(models.Model):
    """A ``revoke`` or ``edit`` webhook whose original message is not stored yet.

    WhatsApp does not order webhooks, so a customer's edit can overtake the message it
    edits. It waits here, and the webhook sweep applies it once the original exists.
    """

    class Kind(models.TextChoices):
        REVOKE = "revoke", _("Revoke")
        EDIT = "edit", _("Edit")

    channel = models.ForeignKey("conversations.Channel", on_delete=models.CASCADE, related_name="+")
    wamid = models.CharField(_("WhatsApp id of the revoke or edit"), max_length=160)
    original_wamid = models.CharField(_("WhatsApp id of the message it changes"), max_length=160)
    kind = models.CharField(max_length=8, choices=Kind)
    occurred_at = models.DateTimeField()
    payload = models.JSONField(default=dict, help_text=_("The parsed revoke or edit, to apply later"))
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "wamid"], name="pending_revision_once")]

    def __str__(self) -> str:
        return f"{self.kind} of {self.original_wamid}"
