"""The contact admin's privacy actions (X4): export one contact's data as a JSON file, and
erase contacts' data after a confirmation page. Each calls the service, which checks the
permission and records the action in the audit log."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from conversations.exceptions import DomainError
from privacy import services
from waproject.requests import signed_in_user


class ContactPrivacyAdminMixin(admin.ModelAdmin):
    """For the Contact ModelAdmin: the "export" and "erase" actions, shown to users with
    the matching permission."""

    actions = ["export_contact_data", "erase_contact_data"]

    def has_export_contact_data_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(services.EXPORT_PERMISSION)

    def has_erase_contact_data_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(services.ERASE_PERMISSION)

    @admin.action(description=_("Export the contact's data (JSON)"), permissions=["export_contact_data"])
    def export_contact_data(self, request: HttpRequest, queryset: Any) -> HttpResponse | None:
        ids = list(queryset.values_list("pk", flat=True)[:2])
        if len(ids) != 1:
            self.message_user(request, gettext("Select exactly one contact to export."), messages.WARNING)
            return None
        document = services.contact_export(user=signed_in_user(request), contact_id=ids[0])
        response = HttpResponse(
            json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            content_type="application/json",
        )
        response["Content-Disposition"] = f'attachment; filename="contact-{ids[0]}.json"'
        return response

    @admin.action(description=_("Erase the contacts' data…"), permissions=["erase_contact_data"])
    def erase_contact_data(self, request: HttpRequest, queryset: Any) -> HttpResponse | None:
        contacts = list(queryset.order_by("pk")[:100])
        if request.POST.get("confirmed") != "yes":
            return TemplateResponse(
                request,
                "admin/privacy/erase_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": gettext("Erase contacts' data?"),
                    "contacts": contacts,
                    "opts": self.model._meta,
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        erased, refused = 0, []
        for contact in contacts:
            try:
                services.contact_erase(user=signed_in_user(request), contact_id=contact.pk)
                erased += 1
            except DomainError as exc:
                refused.append(
                    gettext("contact %(id)s: %(reason)s") % {"id": contact.pk, "reason": exc.message}
                )
        self.message_user(
            request,
            ngettext("%(count)d contact erased.", "%(count)d contacts erased.", erased) % {"count": erased},
            messages.INFO,
        )
        if refused:
            self.message_user(
                request,
                gettext("Not erased: %(reasons)s") % {"reasons": "; ".join(refused)},
                messages.WARNING,
            )
        return None
