"""Workbins: created and renamed here; what is in them moves only through the services
(park, open again, the customer writes, Done), so nothing parked is ever stranded."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext

from conversations.admin import GuardedDeleteAdmin
from workbins.models import Workbin, WorkbinItem
from workbins.selectors import workbin_delete_blockers


class WorkbinForm(forms.ModelForm):
    class Meta:
        model = Workbin
        fields = ("name", "kind", "owner", "agent_group")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean() returns, never None here
        owner = cleaned.get("owner")
        kind = cleaned.get("kind")
        if kind == Workbin.Kind.PERSONAL and owner is not None:
            # The services find an agent's personal workbin by its owner: one each.
            others = Workbin.objects.filter(kind=Workbin.Kind.PERSONAL, owner=owner).exclude(
                pk=self.instance.pk
            )
            if others.exists():
                self.add_error(
                    "owner", gettext("%(owner)s already has a personal workbin.") % {"owner": owner}
                )
        moved = {"kind", "owner", "agent_group"} & set(self.changed_data)
        if self.instance.pk and moved and self.instance.items.exists():
            raise forms.ValidationError(
                gettext(
                    "Interactions are parked in this workbin: its kind, owner and group stay until they leave it."
                )
            )
        return cleaned


@admin.register(Workbin)
class WorkbinAdmin(GuardedDeleteAdmin):
    form = WorkbinForm
    list_display = ("name", "kind", "owner", "agent_group")
    list_filter = ("kind",)
    search_fields = ("name",)

    def delete_blockers(self, obj: Workbin) -> list[str]:
        return workbin_delete_blockers(obj)


@admin.register(WorkbinItem)
class WorkbinItemAdmin(admin.ModelAdmin):
    """Shown only: an item leaves with its interaction (opened again, the customer wrote,
    Done). Deleting one left a parked interaction that no workbin shows."""

    list_display = ("interaction", "workbin", "placed_at", "reason")
    list_filter = ("reason", "workbin")
    readonly_fields = ("interaction", "workbin", "placed_at", "placed_by", "reason")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: WorkbinItem | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: WorkbinItem | None = None) -> bool:
        return False
