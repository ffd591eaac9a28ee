"""State changes of standard responses and message templates."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from templates_app.models import MessageTemplate


def template_status_apply(*, value: dict[str, Any]) -> int:
    """Mirror a ``message_template_status_update`` webhook onto our templates.

    Matched by WhatsApp's template id, else by name and language; returns how many
    templates changed.
    """
    status = str(value.get("event", "")).upper()
    if status not in MessageTemplate.Status.values:
        return 0
    match = Q()
    if value.get("message_template_id"):
        match |= Q(whatsapp_template_id=str(value["message_template_id"]))
    if value.get("message_template_name") and value.get("message_template_language"):
        language = str(value["message_template_language"])
        match |= Q(
            name=str(value["message_template_name"]),
            # Meta writes en-US in this webhook and en_US everywhere else.
            language__in={language, language.replace("-", "_")},
        )
    if not match:
        return 0
    reason = str(value.get("reason") or "")
    if reason.upper() == "NONE":
        reason = ""
    return MessageTemplate.objects.filter(match).update(status=status, status_reason=reason[:255])
