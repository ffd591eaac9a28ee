from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from templates_app.choices import (
    TemplateCategory,
    TemplateHeaderType,
    TemplateKind,
    TemplateParameterFormat,
    TemplateQuality,
    TemplateStatus,
)
from templates_app.composition import template_problems
from whatsapp.limits import FOOTER_MAX, LIST_BUTTON_MAX, TEXT_HEADER_MAX


class StandardResponseCategory(models.Model):
    """A folder of the Standard Response Library (categories nest)."""

    name = models.CharField(max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = _("standard response categories")
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="category_name_per_parent")]

    def __str__(self) -> str:
        return f"{self.parent} › {self.name}" if self.parent_id else self.name


class StandardResponse(models.Model):
    """A prepared reply: text first, then each attachment as its own message."""

    category = models.ForeignKey(StandardResponseCategory, on_delete=models.PROTECT, related_name="responses")
    name = models.CharField(max_length=150)
    shortcut = models.SlugField(
        max_length=40, unique=True, null=True, blank=True, help_text=_("Typed as /shortcut")
    )
    text = models.TextField(blank=True)
    language = models.CharField(max_length=16, blank=True)
    notification = models.ForeignKey(
        "templates_app.MessageTemplate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Insert this template (a Notification) instead of plain text"),
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name


class StandardResponseAttachment(models.Model):
    response = models.ForeignKey(StandardResponse, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="responses/%Y/%m/")
    file_name = models.CharField(max_length=255)
    mime_type = models.CharField(max_length=127)
    size = models.PositiveBigIntegerField()
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.file_name


class MessageTemplate(models.Model):
    """A WhatsApp message template (notification, rich media) or an interactive message.

    Notifications and rich media notifications mirror templates approved by Meta
    (``status``); reply buttons and lists are interactive messages of ours, allowed only
    inside the 24-hour window.
    """

    Kind = TemplateKind
    Category = TemplateCategory
    Status = TemplateStatus
    HeaderType = TemplateHeaderType
    ParameterFormat = TemplateParameterFormat
    Quality = TemplateQuality

    kind = models.CharField(max_length=16, choices=Kind, default=Kind.NOTIFICATION)
    name = models.CharField(
        max_length=512, help_text=_("WhatsApp template name: lowercase letters, digits, underscores")
    )
    language = models.CharField(max_length=16, default="en_US")
    category = models.CharField(max_length=16, choices=Category, default=Category.UTILITY)
    channel = models.ForeignKey(
        "conversations.Channel",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="templates",
        help_text=_("Empty: usable on every number"),
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    status_reason = models.CharField(max_length=255, blank=True)
    status_before_archive = models.CharField(
        max_length=20,
        blank=True,
        help_text=_("The status an ARCHIVED template returns to when Meta unarchives it"),
    )
    whatsapp_template_id = models.CharField(max_length=64, blank=True)
    parameter_format = models.CharField(
        max_length=10,
        choices=ParameterFormat,
        default=ParameterFormat.POSITIONAL,
        help_text=_("Named: parameters written {{first_name}}; positional: {{1}}, {{2}}"),
    )
    # G1: mirrored from Meta (pull and webhooks), never typed.
    quality_score = models.CharField(max_length=10, choices=Quality, blank=True, default=Quality.NONE)
    upcoming_category = models.CharField(
        max_length=16, blank=True, help_text=_("Meta announced it will re-categorise the template as this")
    )
    meta_components = models.JSONField(
        default=list, blank=True, help_text=_("The components as Meta last returned them")
    )
    sync_problems = models.JSONField(
        default=list,
        blank=True,
        help_text=_("What the last pull could not understand (the template is kept)"),
    )
    synced_at = models.DateTimeField(null=True, blank=True, help_text=_("Last seen in a pull from Meta"))
    header_type = models.CharField(max_length=10, choices=HeaderType, default=HeaderType.NONE)
    header_text = models.CharField(max_length=TEXT_HEADER_MAX, blank=True)
    header_media = models.FileField(upload_to="templates/%Y/%m/", blank=True)
    body = models.TextField(help_text=_("Parameters as {{1}}, {{2}}, …"))
    footer = models.CharField(max_length=FOOTER_MAX, blank=True)
    buttons = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Quick replies, call-to-action (phone, URL) or reply buttons"),
    )
    list_button = models.CharField(
        max_length=LIST_BUTTON_MAX, blank=True, help_text=_("List messages: the label that opens the list")
    )
    sections = models.JSONField(default=list, blank=True, help_text=_("List messages: sections"))
    # U3: what each positional parameter is, as the agent's field is labelled.
    parameter_labels = models.JSONField(
        default=dict,
        blank=True,
        help_text=_(
            'What each parameter is, for the agent: {"body.2": "Order number"} '
            "(named parameters are labelled by their names unless given one here)"
        ),
    )
    is_default_notification = models.BooleanField(
        default=False,
        help_text=_("Used when the reply window ended: the agent's text fills its {{1}}"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "language"]
        permissions = [
            ("change_reply_button_attachment", "WhatsApp Can Change Attachments in Reply Button"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "language", "channel"], name="template_name_language_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.language}]"

    def clean(self) -> None:
        """T5: refuse what WhatsApp would refuse (limits, button rules, parameters)."""
        problems = template_problems(self)
        if problems:
            raise ValidationError(problems)


class TemplatePull(models.Model):
    """G1: when each WABA's templates are pulled next (the beat sweeps ``pull_due_at``),
    and what the last pull did."""

    waba_id = models.CharField(_("WABA id"), max_length=64, unique=True)
    pull_due_at = models.DateTimeField(db_index=True)
    pulled_at = models.DateTimeField(null=True, blank=True)
    report = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"WABA {self.waba_id}: next pull {self.pull_due_at:%Y-%m-%d %H:%M} UTC"
