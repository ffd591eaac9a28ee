"""Record actions in the audit log (X5). :func:`audit_record` is the entry point every
feature calls, in the transaction of what it records (an erasure that rolls back leaves
no entry)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import models
from django.utils import translation

from audit.models import AuditEntry
from conversations.models import Interaction
from conversations.permissions import user_is_supervisor
from ops import logs

#: Rows whose ``str()`` may hold a customer's name, number or words: the log names them
#: by type and id only, so an erased contact leaves nothing readable here.
PERSONAL_MODELS = {
    "conversations.contact",
    "conversations.message",
    "conversations.attachment",
    "conversations.reaction",
    "conversations.pendingstatus",
    "conversations.pendingrevision",
    "conversations.interactionnote",
    "conversations.consultationmessage",
}


def target_label(model: type[models.Model] | None, pk: Any, obj: Any = None) -> str:
    if model is None:
        return ""
    if model._meta.label_lower in PERSONAL_MODELS or obj is None:
        with translation.override("en"):  # stored: the same words whoever's language acted
            return f"{model._meta.verbose_name} {pk}"
    return str(obj)[:200]


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    details: dict[str, Any] | None = None,
    target_model: type[models.Model] | None = None,
    target_id: Any = None,
    target_repr: str | None = None,
    ip_address: str | None = None,
) -> AuditEntry:
    """Record that ``actor`` (a user, or None for the system) did ``action`` (an
    ``AuditEntry.Action`` value, or a new dotted name) to ``target`` (a row, or
    ``target_model`` + ``target_id``), with JSON ``details``. The address and request id
    come from the request being served unless given."""
    if target is not None:
        target_model, target_id = type(target), target.pk
    request = logs.current_request()
    context = logs.current()
    if ip_address is None:
        ip_address = context.get("client_ip") or (request.META.get("REMOTE_ADDR") if request else None)
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=user,
        actor_name=user.get_username() if user else "",
        action=action,
        target_type=ContentType.objects.get_for_model(target_model, for_concrete_model=False)
        if target_model
        else None,
        target_id="" if target_id is None else str(target_id),
        target_repr=target_repr if target_repr is not None else target_label(target_model, target_id, target),
        details=details or {},
        ip_address=ip_address or None,
        request_id=str(context.get("request_id", ""))[:64],
    )


def interaction_read_record(
    *, user: User | AnonymousUser, interaction_id: int, session_key: str | None
) -> bool:
    """A supervisor opened an interaction that is not theirs: record it once per session
    (or, for an API token, once per user) and interaction, not on every poll. Returns
    whether an entry was written. Agents cost no query (they only see their own work)."""
    if not user_is_supervisor(user):
        return False
    key = f"audit:read:{session_key or f'user-{user.pk}'}:{interaction_id}"
    if cache.get(key) is not None:
        return False
    row = Interaction.objects.filter(pk=interaction_id).values("owner_id", "state").first()
    if row is None:
        return False
    if row["owner_id"] == user.pk:
        cache.set(key, "own", settings.SESSION_COOKIE_AGE)
        return False
    if not cache.add(key, "recorded", settings.SESSION_COOKIE_AGE):
        return False  # another request of the same session recorded it meanwhile
    audit_record(
        actor=user,
        action=AuditEntry.Action.INTERACTION_READ,
        target_model=Interaction,
        target_id=interaction_id,
        target_repr=f"interaction {interaction_id}",
        details={"owner_id": row["owner_id"], "state": row["state"]},
    )
    return True
