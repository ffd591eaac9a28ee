"""Template management at "Meta" (G1): list a WABA's templates page by page, create,
edit and delete them, and review each submission after a short delay
(``WHATSAPP_SANDBOX_TEMPLATE_REVIEW_SECONDS``): PENDING → APPROVED, or REJECTED with a
reason, each time posting the signed ``message_template_status_update`` webhook.

The templates our service already holds as APPROVED (created before it could submit, or
by the demo's seed) count as approved at Meta too: the first call on a WABA adopts them,
so a pull does not mark them deleted. A deleted template keeps its row (DELETED).
"""

from __future__ import annotations

import base64
import hmac
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from conversations.models import Channel
from sandbox import jobs, wire
from sandbox.errors import GraphError, auth_error, unknown_object
from sandbox.models import SandboxTemplate, WebhookPost
from sandbox.services import common
from sandbox.validation.definitions import (
    check_category,
    check_components,
    check_name,
    check_parameter_format,
    refused,
    review_rejection,
)
from templates_app.models import MessageTemplate
from whatsapp.templates import template_components

#: Seconds from a submission to its review's webhook (the setting can shorten it).
DEFAULT_REVIEW_SECONDS = 3.0
PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX = 25, 100
#: Statuses in which Meta lets a template be edited.
EDITABLE = ("APPROVED", "REJECTED", "PAUSED")


def review_seconds() -> float:
    """``WHATSAPP_SANDBOX_TEMPLATE_REVIEW_SECONDS``: how long a submission stays PENDING."""
    value = getattr(settings, "WHATSAPP_SANDBOX_TEMPLATE_REVIEW_SECONDS", DEFAULT_REVIEW_SECONDS)
    return max(float(value), common.MIN_COUNTDOWN)


def waba_authenticate(*, waba_id: str, token: str) -> Channel:
    """A number of WABA ``waba_id`` whose access token is ``token`` (it acts for the WABA)."""
    if not token:
        raise auth_error("An access token is required: send Authorization: Bearer <token>.")
    channels = Channel.objects.filter(is_active=True, waba_id=waba_id).order_by("pk")
    if not channels:
        raise unknown_object(waba_id)
    for channel in channels:
        if channel.access_token and hmac.compare_digest(channel.access_token.encode(), token.encode()):
            return channel
    raise auth_error(f"The access token does not belong to WhatsApp Business Account {waba_id}.")


def template_authenticate(*, template_id: str, token: str) -> tuple[SandboxTemplate, Channel] | None:
    """The template ``template_id`` and a number of its WABA that ``token`` belongs to (None: no template)."""
    template = SandboxTemplate.objects.filter(template_id=template_id).first()
    if template is None:
        return None
    return template, waba_authenticate(waba_id=template.waba_id, token=token)


def _new_id() -> str:
    return str(10**15 + secrets.randbelow(9 * 10**15))


def templates_adopt(*, waba_id: str) -> int:
    """Adopt our service's APPROVED notifications of this WABA's numbers that "Meta" lacks."""
    channels = list(Channel.objects.filter(waba_id=waba_id))
    only_waba = (
        not Channel.objects.exclude(waba_id=waba_id).exclude(waba_id="").filter(is_active=True).exists()
    )
    owned = Q(channel__in=channels) | Q(channel__isnull=True) if only_waba else Q(channel__in=channels)
    known = set(SandboxTemplate.objects.filter(waba_id=waba_id).values_list("name", "language"))
    adopted = 0
    for row in MessageTemplate.objects.filter(
        owned, status=MessageTemplate.Status.APPROVED, kind__in=["notification", "rich_media"]
    ).order_by("pk"):
        if (row.name, row.language) in known:
            continue
        known.add((row.name, row.language))
        SandboxTemplate.objects.create(
            template_id=row.whatsapp_template_id or _new_id(),
            waba_id=waba_id,
            name=row.name,
            language=row.language,
            category=row.category,
            parameter_format=row.parameter_format,
            status="APPROVED",
            components=template_components(
                parameter_format=row.parameter_format,
                header_format=row.header_type,
                header_text=row.header_text,
                body=row.body,
                footer=row.footer,
                buttons=list(row.buttons or []),
            ),
        )
        adopted += 1
    return adopted


def template_object(template: SandboxTemplate) -> dict[str, object]:
    """A template as the Graph API lists it."""
    return {
        "id": template.template_id,
        "name": template.name,
        "language": template.language,
        "status": template.status,
        "category": template.category,
        "parameter_format": template.parameter_format,
        "components": template.components,
        "quality_score": {"score": template.quality_score, "date": int(template.updated_at.timestamp())},
        "rejected_reason": template.rejected_reason,
    }


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return max(int(text.removeprefix("offset:")), 0)
    except (ValueError, UnicodeDecodeError):
        raise GraphError(100, "Invalid cursor: after.") from None


def template_list(*, waba_id: str, params: dict[str, str], url: str) -> dict[str, object]:
    """``GET /<WABA_ID>/message_templates``: one page (``limit``, ``after``), Meta's paging."""
    with transaction.atomic():
        templates_adopt(waba_id=waba_id)
    try:
        limit = int(params.get("limit") or PAGE_LIMIT_DEFAULT)
    except ValueError:
        raise GraphError(100, "limit must be a number.") from None
    limit = min(max(limit, 1), PAGE_LIMIT_MAX)
    offset = _offset(params["after"]) if params.get("after") else 0
    rows = SandboxTemplate.objects.filter(waba_id=waba_id).exclude(status="DELETED")
    for name in ("name", "language", "status", "category"):
        if params.get(name):
            rows = rows.filter(**{name: params[name]})
    page = list(rows.order_by("id")[offset : offset + limit + 1])
    body: dict[str, object] = {"data": [template_object(t) for t in page[:limit]]}
    paging: dict[str, object] = {
        "cursors": {"before": _cursor(offset), "after": _cursor(offset + min(limit, len(page)))}
    }
    if len(page) > limit:
        paging["next"] = f"{url}?{urlencode({**params, 'limit': limit, 'after': _cursor(offset + limit)})}"
    body["paging"] = paging
    return body


def template_create(*, channel: Channel, waba_id: str, body: object) -> dict[str, object]:
    """``POST /<WABA_ID>/message_templates``: refused at once as Meta refuses, else PENDING
    with its review scheduled."""
    if not isinstance(body, dict):
        raise refused("The request body must be a JSON object.")
    name = check_name(body.get("name"))
    language = body.get("language")
    if not isinstance(language, str) or not language.strip():
        raise refused("language is required.")
    category = check_category(body.get("category"))
    parameter_format = check_parameter_format(body.get("parameter_format"))
    components = check_components(body.get("components"), parameter_format=parameter_format)
    with transaction.atomic():
        templates_adopt(waba_id=waba_id)
        taken = SandboxTemplate.objects.select_for_update().filter(
            waba_id=waba_id, name=name, language=language
        )
        if taken.exclude(status="DELETED").exists():
            raise refused(f"Content in this language already exists: {name} [{language}].", subcode=2388024)
        if taken.exists():
            raise refused(f"{name} was deleted; its name cannot be used for 30 days.", subcode=2388023)
        template = SandboxTemplate.objects.create(
            template_id=_new_id(),
            waba_id=waba_id,
            name=name,
            language=language,
            category=category,
            parameter_format=parameter_format,
            components=components,
        )
        _review_schedule(template, channel)
    return {"id": template.template_id, "status": template.status, "category": template.category}


def template_edit(*, template: SandboxTemplate, channel: Channel, body: object) -> dict[str, object]:
    """``POST /<TEMPLATE_ID>``: new components (and category, unless approved); back to review."""
    if not isinstance(body, dict):
        raise refused("The request body must be a JSON object.")
    if template.status not in EDITABLE:
        raise refused(
            f"A template can be edited when APPROVED, REJECTED or PAUSED; this one is {template.status}."
        )
    unknown = set(body) - {"components", "category", "message_send_ttl_seconds"}
    if unknown:
        raise refused(
            f"Only category, components and message_send_ttl_seconds can be edited, not {sorted(unknown)[0]}."
        )
    with transaction.atomic():
        if "category" in body:
            category = check_category(body["category"])
            if template.status == "APPROVED" and category != template.category:
                raise refused("The category of an approved template cannot be edited.")
            template.category = category
        if "components" in body:
            template.components = check_components(
                body["components"], parameter_format=template.parameter_format
            )
        template.status, template.rejected_reason, template.rejection_detail = "PENDING", "NONE", ""
        template.updated_at = timezone.now()
        template.save()
        _review_schedule(template, channel)
    return {"success": True}


def template_delete(*, waba_id: str, name: str, template_id: str = "") -> dict[str, object]:
    """``DELETE /<WABA_ID>/message_templates?name=[&hsm_id=]``: every language of ``name``, or one."""
    if not name:
        raise refused("The parameter name is required.")
    with transaction.atomic():
        templates_adopt(waba_id=waba_id)
        rows = SandboxTemplate.objects.filter(waba_id=waba_id, name=name).exclude(status="DELETED")
        if template_id:
            rows = rows.filter(template_id=template_id)
        found = list(rows)
        if not found:
            raise refused(f"Template {name} does not exist.", subcode=2593002)
        if any(t.status == "DISABLED" for t in found):
            raise refused("A DISABLED template cannot be deleted.")
        rows.update(status="DELETED", updated_at=timezone.now())
    return {"success": True}


def _review_schedule(template: SandboxTemplate, channel: Channel) -> None:
    common.enqueue_on_commit(
        jobs.TEMPLATE_REVIEW, template.pk, template.updated_at.isoformat(), countdown=review_seconds()
    )


def template_review(*, template_pk: int, submitted_at: str) -> WebhookPost | None:
    """Decide a PENDING submission and post its status webhook; idempotent (a review of an
    older submission, or of one decided already, does nothing)."""
    with transaction.atomic():
        template = SandboxTemplate.objects.select_for_update().filter(pk=template_pk).first()
        if (
            template is None
            or template.status != "PENDING"
            or template.updated_at.isoformat() != submitted_at
        ):
            return None
        reason = review_rejection(template.components)
        if reason:
            template.status, template.rejected_reason, template.rejection_detail = (
                "REJECTED",
                "INVALID_FORMAT",
                reason,
            )
        else:
            template.status, template.rejected_reason, template.rejection_detail = "APPROVED", "NONE", ""
        template.updated_at = timezone.now()
        template.save()
    channel = Channel.objects.filter(waba_id=template.waba_id, is_active=True).order_by("pk").first()
    if channel is None:
        return None
    return common.webhook_post(
        channel=channel,
        payload=status_update_payload(template),
        kind=WebhookPost.Kind.TEMPLATE,
        status=template.status,
    )


def status_update_payload(template: SandboxTemplate) -> dict[str, object]:
    """The ``message_template_status_update`` webhook of the template's current status."""
    value: dict[str, object] = {
        "event": template.status,
        "message_template_id": int(template.template_id),
        "message_template_name": template.name,
        "message_template_language": template.language.replace("_", "-"),
        "message_template_category": template.category,
        "reason": template.rejected_reason,
    }
    if template.rejection_detail:
        value["rejection_info"] = {
            "reason": template.rejection_detail,
            "recommendation": "Edit the body and submit it again.",
        }
    return wire.waba_envelope(waba_id=template.waba_id, field="message_template_status_update", value=value)
