"""Reads of standard responses and templates (what an agent may insert or send)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext

from conversations.exceptions import DomainError, NotFound
from templates_app.composition import template_parameters, template_refusal
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


def template_delete_blockers(template: MessageTemplate) -> list[str]:
    """Why ``template`` may not be deleted: standard responses that insert it would
    silently insert their plain text instead, and without a default notification an
    agent's text after the reply window can no longer be sent (O2)."""
    reasons = []
    if responses := list(
        StandardResponse.objects.filter(notification=template).values_list("name", flat=True)
    ):
        reasons.append(
            gettext("the standard response(s) %(names)s insert it: change them first")
            % {"names": ", ".join(responses)}
        )
    others = MessageTemplate.objects.filter(is_default_notification=True).exclude(pk=template.pk)
    if template.is_default_notification and not others.exists():
        reasons.append(
            gettext("it is the default notification (sent after the reply window): choose another first")
        )
    return reasons


def template_sendable_get(*, channel: Any, template_id: int) -> MessageTemplate:
    """A template the agent may send on this number: NotFound when it is not one of this
    number's, a DomainError saying why when Meta does not let it be sent (G1: only
    APPROVED notifications; PAUSED, DISABLED, PENDING, REJECTED… are refused by name)."""
    template = (
        MessageTemplate.objects.filter(pk=template_id)
        .filter(Q(channel=channel) | Q(channel__isnull=True))
        .first()
    )
    if template is None:
        raise NotFound(
            gettext("template %(id)s does not exist or is not for this number") % {"id": template_id}
        )
    refusal = template_refusal(template)
    if refusal:
        raise DomainError(refusal, code="template_not_approved", status=template.status)
    return template


def template_with_header_file(*, template_id: int) -> MessageTemplate | None:
    """The template, if it has a header file of its own (shown by the preview)."""
    template = MessageTemplate.objects.filter(pk=template_id).first()
    return template if template is not None and template.header_media else None
