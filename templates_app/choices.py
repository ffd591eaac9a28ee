"""The vocabulary of message templates: kinds, categories, Meta's statuses, header types.

Apart from the model so that the template rules (``templates_app.composition``), which
the model's ``clean`` applies, can name them without importing the model.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TemplateKind(models.TextChoices):
    NOTIFICATION = "notification", _("Notification (text template)")
    RICH_MEDIA = "rich_media", _("Rich media notification")
    REPLY_BUTTONS = "reply_buttons", _("Interactive: reply buttons")
    LIST = "list", _("Interactive: list message")


class TemplateCategory(models.TextChoices):
    MARKETING = "MARKETING", _("Marketing")
    UTILITY = "UTILITY", _("Utility")
    AUTHENTICATION = "AUTHENTICATION", _("Authentication")


class TemplateStatus(models.TextChoices):
    DRAFT = "DRAFT", _("Draft (not submitted)")
    PENDING = "PENDING", _("Pending")
    APPROVED = "APPROVED", _("Approved")
    REJECTED = "REJECTED", _("Rejected")
    PAUSED = "PAUSED", _("Paused")
    DISABLED = "DISABLED", _("Disabled")
    FLAGGED = "FLAGGED", _("Flagged")
    IN_APPEAL = "IN_APPEAL", _("In Appeal")
    REINSTATED = "REINSTATED", _("Reinstated")
    ARCHIVED = "ARCHIVED", _("Archived")
    PENDING_DELETION = "PENDING_DELETION", _("Pending Deletion")
    DELETED = "DELETED", _("Deleted")
    LOCKED = "LOCKED", _("Locked")
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED", _("Limit Exceeded")


class TemplateHeaderType(models.TextChoices):
    NONE = "none", _("No header")
    TEXT = "text", _("Text")
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video")
    DOCUMENT = "document", _("Document")
    LOCATION = "location", _("Location")


class TemplateParameterFormat(models.TextChoices):
    """How a template's parameters are written: ``{{1}}`` or ``{{first_name}}`` (Meta's
    ``parameter_format``)."""

    POSITIONAL = "POSITIONAL", _("Positional ({{1}}, {{2}}, …)")
    NAMED = "NAMED", _("Named ({{first_name}}, …)")


class TemplateQuality(models.TextChoices):
    """Meta's quality score of a template (``quality_score.score``)."""

    NONE = "", _("—")
    GREEN = "GREEN", _("Green (high)")
    YELLOW = "YELLOW", _("Yellow (medium)")
    RED = "RED", _("Red (low)")
    UNKNOWN = "UNKNOWN", _("Unknown (not rated yet)")
