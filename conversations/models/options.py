from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BusinessAttribute(models.Model):
    """A named list of values: disposition codes, emojis, interaction subtypes, …"""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BusinessAttributeValue(models.Model):
    attribute = models.ForeignKey(BusinessAttribute, on_delete=models.CASCADE, related_name="values")
    name = models.CharField(max_length=100, help_text=_("The stored code (or the emoji itself)"))
    display_name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    sort_order = models.IntegerField(default=0)
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["attribute", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["attribute", "name"], name="attribute_value_unique")]

    def __str__(self) -> str:
        return self.display_name or self.name


class OptionValue(models.Model):
    """An administrator's value for a ``whatsappsession.*`` option.

    Global when neither ``agent_group`` nor ``agent`` is set; an agent's value beats
    their group's, which beats the global one, which beats the built-in default.
    """

    key = models.CharField(max_length=120)
    value = models.JSONField()
    agent_group = models.ForeignKey(
        "conversations.AgentGroup", null=True, blank=True, on_delete=models.CASCADE
    )
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(agent_group__isnull=True) | models.Q(agent__isnull=True),
                name="option_one_scope",
            ),
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(agent_group__isnull=True, agent__isnull=True),
                name="option_global_once",
            ),
            models.UniqueConstraint(
                fields=["key", "agent_group"],
                condition=models.Q(agent_group__isnull=False),
                name="option_group_once",
            ),
            models.UniqueConstraint(
                fields=["key", "agent"],
                condition=models.Q(agent__isnull=False),
                name="option_agent_once",
            ),
        ]

    def __str__(self) -> str:
        scope = (
            f"agent {self.agent}"
            if self.agent_id
            else f"group {self.agent_group}"
            if self.agent_group_id
            else "global"
        )
        return f"{self.key} ({scope})"
