from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

#: The name of a personal workbin made on first use (its owner sees it so).
DEFAULT_PERSONAL_NAME = "My workbin"


class Workbin(models.Model):
    """A place to park interactions: personal (one agent) or shared by an agent group."""

    class Kind(models.TextChoices):
        PERSONAL = "personal", _("Personal")
        GROUP = "group", _("Group")

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.PERSONAL)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="workbins",
    )
    agent_group = models.ForeignKey(
        "conversations.AgentGroup",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="workbins",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="personal", owner__isnull=False, agent_group__isnull=True)
                    | models.Q(kind="group", owner__isnull=True, agent_group__isnull=False)
                ),
                name="workbin_owner_matches_kind",
            )
        ]

    def __str__(self) -> str:
        return self.name


class WorkbinItem(models.Model):
    """An interaction sitting in a workbin (it leaves when reopened or the customer writes)."""

    class Reason(models.TextChoices):
        MOVED = "moved", _("Moved by the agent")
        LOGOUT = "logout", _("Agent logged out")

    interaction = models.OneToOneField(
        "conversations.Interaction", on_delete=models.CASCADE, related_name="workbin_item"
    )
    workbin = models.ForeignKey(Workbin, on_delete=models.CASCADE, related_name="items")
    placed_at = models.DateTimeField(auto_now_add=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=10, choices=Reason, default=Reason.MOVED)

    class Meta:
        ordering = ["-placed_at"]

    def __str__(self) -> str:
        return f"{self.interaction} in {self.workbin}"
