"""Business numbers and contacts: added and edited through the services' rules."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from conversations.directory import directory
from conversations.exceptions import DomainError
from conversations.models import (
    Channel,
    Contact,
)
from conversations.permissions import can_edit_contact
from conversations.services import contacts as contact_services
from conversations.services import health as health_services
from ops.forms import WriteOnlySecretsMixin
from privacy.admin import ContactPrivacyAdminMixin
from waproject.requests import signed_in_user
from whatsapp.errors import CloudApiError

#: A business number as WhatsApp writes it (``metadata.display_phone_number``): the country
#: code and number, digits only; E.164 allows 15 at most. A leading "+" is accepted and dropped.
DISPLAY_PHONE_NUMBER = re.compile(r"\+?([0-9]{6,15})")


class ChannelForm(WriteOnlySecretsMixin, forms.ModelForm):
    #: X3: stored encrypted; the form says whether each is set, never what it is.
    secret_fields = ("access_token", "app_secret", "verify_token")

    def clean_display_phone_number(self) -> str:
        value = self.cleaned_data["display_phone_number"].strip()
        match = DISPLAY_PHONE_NUMBER.fullmatch(value)
        if not match:
            raise forms.ValidationError(
                gettext(
                    "Enter the number as 6 to 15 digits, country code first, e.g. 15550001234 "
                    "(a leading '+' is allowed); %(value)s is not"
                )
                % {"value": repr(value[:40])}
            )
        return match.group(1)

    class Meta:
        model = Channel
        fields = (
            "name",
            "phone_number_id",
            "display_phone_number",
            "waba_id",
            "app_id",
            "access_token",
            "app_secret",
            "verify_token",
            "default_queue",
            "is_active",
        )
        help_texts = {
            "display_phone_number": _(
                "Digits only, country code first, e.g. 15550001234 (a leading '+' is dropped)"
            )
        }


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = (
        "name",
        "display_phone_number",
        "phone_number_id",
        "default_queue",
        "is_active",
        "health",
        "messaging_limit",
    )
    list_filter = ("is_active", "quality_rating")
    search_fields = ("name", "display_phone_number", "phone_number_id", "waba_id")
    actions = ("pull_number_health",)
    #: G5: the number's health mirrors Meta: read-only, pulled or from webhooks.
    readonly_fields = (
        "health",
        "messaging_limit",
        "verified_name",
        "name_status",
        "number_status",
        "throughput_level",
        "health_checked_at",
        "account_event",
        "send_paused_until",
    )
    fieldsets = (
        (None, {"fields": ChannelForm.Meta.fields}),
        (
            _("Number health at Meta (read-only: pull it with the action “Pull number health from Meta”)"),
            {"fields": readonly_fields},
        ),
    )

    @admin.display(description=_("Quality"), ordering="quality_rating")
    def health(self, obj: Channel) -> str:
        """G5: the quality rating; a drop is shown until the rating is GREEN again."""
        rating = obj.quality_rating or gettext("not checked")
        if obj.quality_dropped_at:
            return gettext("⚠ %(rating)s: quality dropped on %(at)s UTC") % {
                "rating": rating,
                "at": f"{obj.quality_dropped_at:%Y-%m-%d %H:%M}",
            }
        return rating

    @admin.action(description=_("Pull number health from Meta (quality, limit, name, status)"))
    def pull_number_health(self, request: HttpRequest, queryset: Any) -> None:
        for channel in queryset:
            try:
                pulled = health_services.channel_health_pull(channel_id=channel.pk)
            except CloudApiError as exc:
                self.message_user(
                    request,
                    gettext("%(channel)s: Meta refused: %(error)s") % {"channel": channel, "error": exc},
                    level=messages.ERROR,
                )
                continue
            level = messages.WARNING if pulled.quality_dropped_at else messages.SUCCESS
            self.message_user(
                request,
                gettext("%(channel)s: quality %(quality)s, limit %(limit)s, status %(status)s")
                % {
                    "channel": pulled,
                    "quality": pulled.quality_rating or "?",
                    "limit": pulled.messaging_limit or "?",
                    "status": pulled.number_status or "?",
                },
                level=level,
            )

    def save_model(self, request: HttpRequest, obj: Channel, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        directory.invalidate()  # this process at once; the others within seconds

    def delete_model(self, request: HttpRequest, obj: Channel) -> None:
        super().delete_model(request, obj)
        directory.invalidate()

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        directory.invalidate()  # "delete selected" too (a number with history is protected)


class ContactAddForm(forms.ModelForm):
    """A contact entered by hand: a WhatsApp number and/or a BSUID, written the way the
    webhook writes them, so the customer's first message finds this contact."""

    wa_id = forms.CharField(
        label=_("WhatsApp number"),
        required=False,
        max_length=40,
        help_text=_(
            "Country code first, e.g. +49 151 1234 5678 (spaces, dashes and a leading '+' are dropped)"
        ),
    )
    user_id = forms.CharField(
        label=_("Business-scoped user id (BSUID)"),
        required=False,
        max_length=160,
        help_text=_("e.g. US.13491208655302741918"),
    )

    class Meta:
        model = Contact
        fields = ("wa_id", "user_id", "name", "phone", "email", "identifiers")

    def _normalised(self, field: str, normalise: Any) -> str | None:
        value = (self.cleaned_data.get(field) or "").strip()
        if not value:
            return None
        try:
            return normalise(value)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean_wa_id(self) -> str | None:
        return self._normalised("wa_id", contact_services.wa_id_normalise)

    def clean_user_id(self) -> str | None:
        return self._normalised("user_id", contact_services.bsuid_normalise)

    def clean_identifiers(self) -> Any:
        value = self.cleaned_data.get("identifiers")
        if value is not None and not isinstance(value, dict):
            raise forms.ValidationError(
                gettext('Identifiers are an object of named values, e.g. {"crm": "C-1024"}')
            )
        return value or {}

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean() returns, never None here
        if not cleaned.get("wa_id") and not cleaned.get("user_id") and not self.has_error("wa_id"):
            self.add_error(
                "wa_id", gettext("Give a WhatsApp number, a business-scoped user id (BSUID), or both.")
            )
        return cleaned


@admin.register(Contact)
class ContactAdmin(ContactPrivacyAdminMixin, admin.ModelAdmin):
    """Contacts: added by hand with a validated WhatsApp number and/or BSUID (the
    identity is read-only afterwards); edits go through ``contact_update`` (its rule,
    validation, and the consoles showing the change), merges through the console (R8)."""

    list_display = (
        "__str__",
        "wa_id",
        "profile_name",
        "name",
        "phone",
        "email",
        "marketing_preference",
        "created_at",
    )
    list_filter = ("marketing_preference",)
    search_fields = ("wa_id", "user_id", "username", "profile_name", "name", "phone", "email")
    readonly_fields = (
        "wa_id",
        "user_id",
        "parent_user_id",
        "username",
        "profile_name",
        # G3: the customer's choice at WhatsApp, mirrored (user_preferences), never edited here.
        "marketing_preference",
        "marketing_preference_at",
        "merged_into",
        "created_at",
        "updated_at",
    )

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs.update(form=ContactAddForm, fields=ContactAddForm.Meta.fields)
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ContactAddForm.Meta.fields if obj is None else super().get_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """``contact_update``'s own rule: supervisors, and agents in the contact's conversations."""
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_edit_contact(request.user, obj.pk))

    def save_model(self, request: HttpRequest, obj: Contact, form: Any, change: bool) -> None:
        if change:
            changes = {
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name in contact_services.EDITABLE_CONTACT_FIELDS
            }
            if changes:
                contact_services.contact_update(user=signed_in_user(request), contact_id=obj.pk, **changes)
            return
        created = contact_services.contact_create(
            **{name: form.cleaned_data.get(name) for name in ContactAddForm.Meta.fields}
        )
        obj.pk = created.pk
        obj.refresh_from_db()
