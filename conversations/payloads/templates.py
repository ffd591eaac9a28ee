"""TEMPLATE and STANDARD_RESPONSE: what an agent may send or insert (T1-T4)."""

from __future__ import annotations

from typing import Any, TypedDict

from django.urls import reverse

from templates_app.composition import Composed, ParameterSlots, parameter_slots
from templates_app.models import MessageTemplate
from templates_app.models import StandardResponse as StandardResponseModel


class Template(TypedDict):
    """A message template (notification, rich media) or an interactive message of ours."""

    id: int
    kind: str
    name: str
    language: str
    category: str
    status: str
    parameter_format: str
    quality_score: str
    header_type: str
    header_text: str
    has_header_file: bool
    body: str
    footer: str
    buttons: list[Any]
    list_button: str
    sections: list[Any]
    parameters: ParameterSlots
    is_default_notification: bool


class ResponseAttachment(TypedDict):
    id: int
    file_name: str
    mime_type: str
    size: int


class StandardResponse(TypedDict):
    """A standard response of the library (T1): text to insert, maybe a notification
    template to insert instead, and files to send."""

    id: int
    name: str
    category: str
    shortcut: str
    text: str
    notification_template_id: int | None
    attachments: list[ResponseAttachment]


class TemplatePreview(TypedDict):
    """The Notification editor's preview: the filled template as the customer reads it."""

    type: str
    body: str
    rendered: dict[str, Any]
    header_file: str | None


def template_payload(template: MessageTemplate) -> Template:
    return {
        "id": template.pk,
        "kind": template.kind,
        "name": template.name,
        "language": template.language,
        "category": template.category,
        "status": template.status,
        "parameter_format": template.parameter_format,
        "quality_score": template.quality_score,
        "header_type": template.header_type,
        "header_text": template.header_text,
        "has_header_file": bool(template.header_media),
        "body": template.body,
        "footer": template.footer,
        "buttons": template.buttons,
        "list_button": template.list_button,
        "sections": template.sections,
        "parameters": parameter_slots(template),
        "is_default_notification": template.is_default_notification,
    }


def standard_response_payload(response: StandardResponseModel) -> StandardResponse:
    """A standard response with its files (prefetch ``attachments`` for a list)."""
    return {
        "id": response.pk,
        "name": response.name,
        "category": str(response.category),
        "shortcut": response.shortcut or "",
        "text": response.text,
        "notification_template_id": response.notification_id,
        "attachments": [
            {"id": a.pk, "file_name": a.file_name, "mime_type": a.mime_type, "size": a.size}
            for a in response.attachments.all()
        ],
    }


def template_preview_payload(template: MessageTemplate, composed: Composed) -> TemplatePreview:
    return {
        "type": composed.type,
        "body": composed.body,
        "rendered": composed.content["rendered"],
        "header_file": reverse("template-header-file", args=[template.pk]) if template.header_media else None,
    }
