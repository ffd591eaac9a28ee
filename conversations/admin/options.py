"""Business attributes and option values: every save or delete goes through the options service (its snapshot, re-armed timers)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from conversations import options
from conversations.models import (
    BusinessAttribute,
    BusinessAttributeValue,
    OptionValue,
)
from conversations.services.options import (
    option_value_save,
    option_values_delete,
)


class BusinessAttributeValueInline(admin.TabularInline):
    model = BusinessAttributeValue
    extra = 1


@admin.register(BusinessAttribute)
class BusinessAttributeAdmin(admin.ModelAdmin):
    list_display = ("name", "description")
    search_fields = ("name",)
    inlines = [BusinessAttributeValueInline]


class OptionValueForm(forms.ModelForm):
    key = forms.ChoiceField(choices=[(k, k) for k in sorted(options.DEFINITIONS)])
    value = forms.CharField(
        help_text=_("true/false, a number, or text, as the option expects"), widget=forms.TextInput
    )

    class Meta:
        model = OptionValue
        fields = ("key", "value", "agent_group", "agent")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["value"] = (
                str(self.instance.value).lower()
                if isinstance(self.instance.value, bool)
                else self.instance.value
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean() returns, never None here
        key, value = cleaned.get("key"), cleaned.get("value")
        if key and value is not None:
            try:
                cleaned["value"] = options.coerce(key, value)
            except options.OptionError as exc:
                self.add_error("value", str(exc))
        if cleaned.get("agent_group") and cleaned.get("agent"):
            raise forms.ValidationError(
                gettext("An option value applies to an agent group or an agent, not both.")
            )
        return cleaned


@admin.register(OptionValue)
class OptionValueAdmin(admin.ModelAdmin):
    form = OptionValueForm
    list_display = ("key", "value", "agent_group", "agent", "updated_at")
    list_filter = ("agent_group",)
    search_fields = ("key",)

    # Through the services: the change also re-arms the reply timers it concerns (O2) and
    # reaches the consoles at once.
    def save_model(self, request: HttpRequest, obj: OptionValue, form: Any, change: bool) -> None:
        option_value_save(option=obj)

    def delete_model(self, request: HttpRequest, obj: OptionValue) -> None:
        option_values_delete(queryset=OptionValue.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        option_values_delete(queryset=queryset)
