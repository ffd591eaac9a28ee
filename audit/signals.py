"""What the audit log records by itself (X5): the admin's changes and permission changes.

Admin: Django writes every add / change / delete made in the admin through
``LogEntry.objects.log_actions`` (bulk deletions included, which send no ``post_save``):
that one call is wrapped, and each entry it writes is mirrored here with the client's
address. That covers options, channels, templates, queues, users…

Permissions: groups and permissions of users, and permissions of groups, by any path
(admin, shell, a future API): ``m2m_changed`` on the three relations, with what was added
or removed by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry, LogEntryManager
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.db.models.signals import m2m_changed

from audit.services import PERSONAL_MODELS, audit_record, target_label
from ops.logs import current_request

_FLAGS = {ADDITION: "admin.add", CHANGE: "admin.change", DELETION: "admin.delete"}


def connect() -> None:
    if not getattr(LogEntryManager.log_actions, "_audited", False):
        original = LogEntryManager.log_actions

        def log_actions(
            self: LogEntryManager, user_id: int, queryset: Any, action_flag: int, *args: Any, **kw: Any
        ):
            written = original(self, user_id, queryset, action_flag, *args, **kw)
            entries = written if isinstance(written, list) else [written]
            _mirror([e for e in entries if isinstance(e, LogEntry)])
            return written

        log_actions._audited = True  # type: ignore[attr-defined]  # a mark of ours: wrapped once
        # Wrapping Django's method in place (the only hook for bulk admin deletions): mypy
        # sees a plain function replace an overloaded method.
        LogEntryManager.log_actions = log_actions  # type: ignore[method-assign,assignment]

    User = get_user_model()
    for relation in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(_permissions_changed, sender=relation, dispatch_uid=f"audit.{relation.__name__}")


def _mirror(entries: list[LogEntry]) -> None:
    for entry in entries:
        model = (
            ContentType.objects.get_for_id(entry.content_type_id).model_class()
            if entry.content_type_id
            else None
        )
        details: dict[str, Any] = {"admin_log_id": entry.pk}
        message = entry.get_change_message()
        if message:
            details["change"] = message
        audit_record(
            actor=entry.user,
            action=_FLAGS.get(entry.action_flag, f"admin.{entry.action_flag}"),
            target_model=model,
            target_id=entry.object_id,
            target_repr=target_label(model, entry.object_id)
            if model is not None and _personal(model)
            else entry.object_repr,
            details=details,
        )


def _personal(model: type[Model]) -> bool:
    return model._meta.label_lower in PERSONAL_MODELS


def _permissions_changed(
    sender: type[Model],
    instance: Model,
    action: str,
    reverse: bool,
    model: type[Model],
    pk_set: set[int] | None,
    **kwargs: object,
) -> None:
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if action == "pre_clear":
        # What a clear removes, read before it happens (post_clear gives no pk_set).
        pk_set = set(getattr(instance, _field_name(sender, reverse)).values_list("pk", flat=True))
        action = "post_remove"
        if not pk_set:
            return
    if not pk_set:
        return
    names = sorted(_describe(model, pk_set))
    request = current_request()
    audit_record(
        actor=getattr(request, "user", None),
        action="permissions.change",
        target=instance,
        details={
            "relation": _relation_label(sender),
            ("added" if action == "post_add" else "removed"): names,
        },
    )


def _field_name(sender: type[Model], reverse: bool) -> str:
    User = get_user_model()
    if sender is User.groups.through:
        return "user_set" if reverse else "groups"
    if sender is User.user_permissions.through:
        return "user_set" if reverse else "user_permissions"
    return "group_set" if reverse else "permissions"


def _relation_label(sender: type[Model]) -> str:
    User = get_user_model()
    if sender is User.groups.through:
        return "user groups"
    if sender is User.user_permissions.through:
        return "user permissions"
    return "group permissions"


def _describe(model: type[Model], pks: Iterable[int]) -> list[str]:
    if model is Permission:
        return [
            f"{app}.{codename}"
            for app, codename in Permission.objects.filter(pk__in=pks).values_list(
                "content_type__app_label", "codename"
            )
        ]
    return [str(obj) for obj in model._default_manager.filter(pk__in=pks)]
