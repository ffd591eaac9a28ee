"""The audit log in the admin (X5): administrators read and filter it; nobody edits it.

Filters: action, date (hierarchy and list filter), the target's type, and the actor;
search by actor, target, address or request id. ``?target_type__id__exact=<ct>&target_id=<id>``
lists everything recorded about one object. Visible to superusers, and to staff given
"Can view audit entry".
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry


class ActorFilter(admin.SimpleListFilter):
    """The users who appear in the log (not every user of the site)."""

    title = _("actor")
    parameter_name = "actor_name"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[AuditEntry]
    ) -> list[tuple[str, str]]:
        names = AuditEntry.objects.order_by("actor_name").values_list("actor_name", flat=True).distinct()
        return [(name or "-", name or gettext("(system)")) for name in names[:200]]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(actor_name="" if value == "-" else value)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_name", "action", "target_type", "target_id", "target_repr", "ip_address")
    list_filter = ("action", ActorFilter, ("target_type", admin.RelatedOnlyFieldListFilter), "at")
    search_fields = ("actor_name", "action", "target_repr", "target_id", "ip_address", "request_id")
    date_hierarchy = "at"
    list_select_related = ("target_type",)
    readonly_fields = (
        "at",
        "actor",
        "actor_name",
        "action",
        "target_type",
        "target_id",
        "target_repr",
        "details",
        "ip_address",
        "request_id",
    )
    actions = None  # no "delete selected"

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        return lookup in ("target_id", "target_id__exact", "actor__id__exact") or super().lookup_allowed(
            lookup, value, request
        )

    def has_view_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or user.has_perm("audit.view_auditentry"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
