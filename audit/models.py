from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One recorded action (X5): written once, never changed or deleted (``save`` refuses an
    update, ``delete`` refuses; the admin offers neither).

    Why not Django's ``LogEntry``: it records admin edits only (no reads, erasures,
    exports or interventions), has no client address, and is shown per object. Admin edits
    are mirrored here from it (``audit.signals``), so this is the one list to read.
    """

    class Action(models.TextChoices):
        INTERACTION_READ = "interaction.read", _("Opened an interaction that is not theirs")
        INTERACTION_INTERVENE = "interaction.intervene", _("Intervened in an interaction")
        AGENT_INTERVENE = "agent.intervene", _("Changed an agent's state (Not Ready, signed out)")
        ADMIN_ADD = "admin.add", _("Added in the admin")
        ADMIN_CHANGE = "admin.change", _("Changed in the admin")
        ADMIN_DELETE = "admin.delete", _("Deleted in the admin")
        PERMISSIONS_CHANGE = "permissions.change", _("Changed permissions or groups")
        CONTACT_ERASE = "contact.erase", _("Erased a contact's data")
        CONTACT_EXPORT = "contact.export", _("Exported a contact's data")

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: The actor's username when it acted (kept if the user is deleted); "" for the system.
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    #: What the target was called (never a customer's name or number: see audit.services).
    target_repr = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["-at"], name="audit_at_idx"),
            models.Index(fields=["actor", "-at"], name="audit_actor_idx"),
            models.Index(fields=["action", "-at"], name="audit_action_idx"),
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name or 'system'} {self.action} {self.target_repr}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("audit entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("audit entries are never deleted")
