from django.contrib import admin

from workbins.models import Workbin, WorkbinItem


@admin.register(Workbin)
class WorkbinAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "owner", "agent_group")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(WorkbinItem)
class WorkbinItemAdmin(admin.ModelAdmin):
    list_display = ("interaction", "workbin", "placed_at", "reason")
    list_filter = ("reason", "workbin")
    readonly_fields = ("interaction", "workbin", "placed_at", "placed_by", "reason")

    def has_add_permission(self, request):
        return False
