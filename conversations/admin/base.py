"""Admin classes for what only the services write, and for configuration in use."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows that only WhatsApp (through the webhook) or the services write: shown, never
    added, changed or deleted here (a deleted message leaves a hole in a transcript, a
    deleted offer a reserved agent and an interaction nobody is offered, a deleted webhook
    event the only copy of what Meta sent)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class GuardedDeleteAdmin(admin.ModelAdmin):
    """Configuration that may be deleted unless something still depends on it.

    ``delete_blockers(obj)`` says why ``obj`` must stay (the services' reasons); the delete
    page and the "delete selected" action show them like protected objects and delete
    nothing (``get_deleted_objects`` is Django's hook for both)."""

    def delete_blockers(self, obj: Any) -> list[str]:
        return []

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        blocked = [f"{obj}: {reason}" for obj in objs for reason in self.delete_blockers(obj)]
        return deleted, counts, perms_needed, [*protected, *blocked]
