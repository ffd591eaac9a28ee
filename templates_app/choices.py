"""The vocabulary of message templates: kinds, categories, Meta's statuses, header types.

Apart from the model so that the template rules (``templates_app.composition``), which
the model's ``clean`` applies, can name them without importing the model.
"""

from __future__ import annotations

from django.db import models


class TemplateKind(models.TextChoices):
    NOTIFICATION = "notification", "Notification (text template)"
    RICH_MEDIA = "rich_media", "Rich media notification"
    REPLY_BUTTONS = "reply_buttons", "Interactive: reply buttons"
    LIST = "list", "Interactive: list message"


class TemplateCategory(models.TextChoices):
    MARKETING = "MARKETING"
    UTILITY = "UTILITY"
    AUTHENTICATION = "AUTHENTICATION"


class TemplateStatus(models.TextChoices):
    DRAFT = "DRAFT", "Draft (not submitted)"
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    PAUSED = "PAUSED"
    DISABLED = "DISABLED"
    FLAGGED = "FLAGGED"
    IN_APPEAL = "IN_APPEAL"
    REINSTATED = "REINSTATED"
    ARCHIVED = "ARCHIVED"
    PENDING_DELETION = "PENDING_DELETION"
    DELETED = "DELETED"
    LOCKED = "LOCKED"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"


class TemplateHeaderType(models.TextChoices):
    NONE = "none", "No header"
    TEXT = "text"
    IMAGE = "image"
    VIDEO = "video"
    DOCUMENT = "document"
    LOCATION = "location"


class TemplateParameterFormat(models.TextChoices):
    """How a template's parameters are written: ``{{1}}`` or ``{{first_name}}`` (Meta's
    ``parameter_format``)."""

    POSITIONAL = "POSITIONAL", "Positional ({{1}}, {{2}}, …)"
    NAMED = "NAMED", "Named ({{first_name}}, …)"


class TemplateQuality(models.TextChoices):
    """Meta's quality score of a template (``quality_score.score``)."""

    NONE = "", "—"
    GREEN = "GREEN", "Green (high)"
    YELLOW = "YELLOW", "Yellow (medium)"
    RED = "RED", "Red (low)"
    UNKNOWN = "UNKNOWN", "Unknown (not rated yet)"
