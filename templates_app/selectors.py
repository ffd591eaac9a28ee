"""Reads of standard responses and templates (what an agent may insert or send)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet

from templates_app.composition import template_parameters
from templates_app.models import MessageTemplate, StandardResponse


def templates_usable(*, channel: Any) -> QuerySet[MessageTemplate]:
    """Templates Meta approved, for this number or for every number (the number's own first)."""
    return (
        MessageTemplate.objects.filter(status=MessageTemplate.Status.APPROVED)
        .filter(Q(channel=channel) | Q(channel__isnull=True))
        .order_by(F("channel").asc(nulls_last=True), "name", "language")
    )


def templates_sendable(*, channel: Any) -> QuerySet[MessageTemplate]:
    """What an agent may send on this number: approved templates, and our interactive
    messages (reply buttons, lists: no Meta approval) unless disabled."""
    notification = Q(kind__in=[MessageTemplate.Kind.NOTIFICATION, MessageTemplate.Kind.RICH_MEDIA])
    usable = (notification & Q(status=MessageTemplate.Status.APPROVED)) | (
        ~notification & ~Q(status__in=[MessageTemplate.Status.DISABLED, MessageTemplate.Status.DELETED])
    )
    return (
        MessageTemplate.objects.filter(usable)
        .filter(Q(channel=channel) | Q(channel__isnull=True))
        .order_by(F("channel").asc(nulls_last=True), "kind", "name", "language")
    )


def default_notification_template(*, channel: Any) -> MessageTemplate | None:
    """O2: the notification the agent's text is appended to once the reply window ended.

    It must have exactly one body parameter, ``{{1}}``: the agent's text.
    """
    for template in templates_usable(channel=channel).filter(is_default_notification=True):
        if template_parameters(template.body) == [1] and not template_parameters(template.header_text):
            return template
    return None


def standard_responses_search(*, query: str = "") -> QuerySet[StandardResponse]:
    """The Standard Response Library: active responses by name, shortcut or text."""
    responses = StandardResponse.objects.filter(is_active=True).select_related("category")
    if query:
        query = query.lstrip("/")
        responses = responses.filter(
            Q(name__icontains=query) | Q(shortcut__istartswith=query) | Q(text__icontains=query)
        )
    return responses.order_by("category__sort_order", "category__name", "name")
