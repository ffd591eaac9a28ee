"""Administration of channels, routing, options; read-only views of what WhatsApp sent."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from conversations import options
from conversations.directory import directory
from conversations.models import (
    AgentGroup,
    AgentProfile,
    Attachment,
    BusinessAttribute,
    BusinessAttributeValue,
    Channel,
    ConsultationMessage,
    Contact,
    Interaction,
    InteractionNote,
    InteractionParticipant,
    Message,
    Offer,
    OptionValue,
    PendingRevision,
    PendingStatus,
    Queue,
    Reaction,
    Skill,
    WebhookEvent,
)
from conversations.services.options import (
    agents_moved_to_another_group,
    option_value_save,
    option_values_delete,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows that only WhatsApp (through the webhook) or the services write."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


#: A business number as WhatsApp writes it (``metadata.display_phone_number``): the country
#: code and number, digits only; E.164 allows 15 at most. A leading "+" is accepted and dropped.
DISPLAY_PHONE_NUMBER = re.compile(r"\+?([0-9]{6,15})")


class ChannelForm(forms.ModelForm):
    def clean_display_phone_number(self) -> str:
        value = self.cleaned_data["display_phone_number"].strip()
        match = DISPLAY_PHONE_NUMBER.fullmatch(value)
        if not match:
            raise forms.ValidationError(
                f"Enter the number as 6 to 15 digits, country code first, e.g. 15550001234 "
                f"(a leading '+' is allowed); {value[:40]!r} is not"
            )
        return match.group(1)

    class Meta:
        model = Channel
        fields = (
            "name",
            "phone_number_id",
            "display_phone_number",
            "waba_id",
            "access_token",
            "app_secret",
            "verify_token",
            "default_queue",
            "is_active",
        )
        help_texts = {
            "display_phone_number": "Digits only, country code first, e.g. 15550001234 (a leading '+' is dropped)"
        }
        widgets = {
            "access_token": forms.PasswordInput(render_value=True),
            "app_secret": forms.PasswordInput(render_value=True),
            "verify_token": forms.PasswordInput(render_value=True),
        }


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = ("name", "display_phone_number", "phone_number_id", "default_queue", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "display_phone_number", "phone_number_id", "waba_id")

    def save_model(self, request: HttpRequest, obj: Channel, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        directory.invalidate()  # this process at once; the others within seconds

    def delete_model(self, request: HttpRequest, obj: Channel) -> None:
        super().delete_model(request, obj)
        directory.invalidate()


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("__str__", "wa_id", "profile_name", "name", "phone", "email", "created_at")
    search_fields = ("wa_id", "user_id", "profile_name", "name", "phone", "email")
    readonly_fields = (
        "wa_id",
        "user_id",
        "parent_user_id",
        "username",
        "profile_name",
        "created_at",
        "updated_at",
    )


class InteractionNoteInline(admin.TabularInline):
    model = InteractionNote
    extra = 0
    readonly_fields = ("author", "created_at")


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ("id", "contact", "channel", "state", "owner", "queue", "created_at", "closed_at")
    list_filter = ("state", "channel", "queue", "origin")
    search_fields = ("contact__wa_id", "contact__name", "contact__profile_name")
    list_select_related = ("contact", "channel", "owner", "queue")
    raw_id_fields = ("contact",)
    readonly_fields = (
        "contact",
        "channel",
        "state",
        "origin",
        "owner",
        "created_at",
        "queued_at",
        "accepted_at",
        "closed_at",
        "last_inbound_at",
        "last_inbound_wamid",
        "last_outbound_at",
        "window_expires_at",
        "window_due_at",
        "awaiting_reply_since",
        "reply_due_at",
        "target_group",
        "target_skill",
    )
    inlines = [InteractionNoteInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # interactions start from a customer's message or the outbound API


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "direction",
        "type",
        "contact",
        "body_preview",
        "status",
        "origination_at",
        "arrived_at",
    )
    list_filter = ("direction", "type", "status", "channel")
    search_fields = ("wamid", "body", "contact__wa_id")
    list_select_related = ("contact",)
    date_hierarchy = "origination_at"

    @admin.display(description="body")
    def body_preview(self, obj: Message) -> str:
        return obj.body[:80]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "file_name", "mime_type", "size", "state", "created_at")
    list_filter = ("kind", "state")
    search_fields = ("media_id", "file_name")


@admin.register(Reaction)
class ReactionAdmin(ReadOnlyAdmin):
    list_display = ("target_wamid", "direction", "emoji", "reacted_at")
    search_fields = ("target_wamid",)


@admin.register(PendingStatus)
class PendingStatusAdmin(ReadOnlyAdmin):
    list_display = ("wamid", "status", "occurred_at", "received_at")
    search_fields = ("wamid",)


@admin.register(PendingRevision)
class PendingRevisionAdmin(ReadOnlyAdmin):
    list_display = ("original_wamid", "kind", "occurred_at", "received_at")
    list_filter = ("kind",)
    search_fields = ("original_wamid", "wamid")


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "received_at", "state", "attempts", "summary", "flag_count")
    list_filter = ("state",)
    search_fields = ("body",)
    readonly_fields = (
        "received_at",
        "state",
        "attempts",
        "processed_at",
        "retry_due_at",
        "last_error",
        "flags",
        "summary",
        "pretty_body",
    )
    exclude = ("body", "signature")
    actions = ["replay"]

    @admin.display(description="flags")
    def flag_count(self, obj: WebhookEvent) -> int:
        return len(obj.flags)

    @admin.display(description="body")
    def pretty_body(self, obj: WebhookEvent) -> str:
        try:
            return json.dumps(json.loads(obj.body), indent=2, ensure_ascii=False)[:20000]
        except ValueError:
            return obj.body[:20000]

    @admin.action(description="Process the selected events again (idempotent)")
    def replay(self, request: HttpRequest, queryset: Any) -> None:
        from conversations.services.webhooks import webhook_event_process

        results = [webhook_event_process(event_id=pk) for pk in queryset.values_list("pk", flat=True)]
        done = sum(1 for e in results if e is not None and e.state == WebhookEvent.State.PROCESSED)
        self.message_user(request, f"{done} of {len(results)} events processed.", messages.INFO)


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ("name", "description")
    search_fields = ("name",)
    filter_horizontal = ("skills",)


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(AgentGroup)
class AgentGroupAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "is_ready", "capacity", "load", "group", "idle_since")
    list_filter = ("is_ready", "group", "queues")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    filter_horizontal = ("queues", "skills")
    readonly_fields = ("is_ready", "ready_changed_at", "idle_since", "load")

    # The admin saves in one transaction; the service follows the move in it (O2 timers).
    def save_model(self, request: HttpRequest, obj: AgentProfile, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if "group" in form.changed_data:
            agents_moved_to_another_group(user_ids=[obj.user_id])


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    list_display = ("id", "interaction", "agent", "state", "created_at", "due_at", "responded_at")
    list_filter = ("state",)


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
        help_text="true/false, a number, or text, as the option expects", widget=forms.TextInput
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
        cleaned = super().clean()
        key, value = cleaned.get("key"), cleaned.get("value")
        if key and value is not None:
            try:
                cleaned["value"] = options.coerce(key, value)
            except options.OptionError as exc:
                self.add_error("value", str(exc))
        if cleaned.get("agent_group") and cleaned.get("agent"):
            raise forms.ValidationError("An option value applies to an agent group or an agent, not both.")
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


class AgentProfileInline(admin.StackedInline):
    model = AgentProfile
    can_delete = False
    filter_horizontal = ("queues", "skills")
    readonly_fields = ("is_ready", "ready_changed_at", "idle_since", "load")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AgentUserAdmin(UserAdmin):
    inlines = [AgentProfileInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is AgentProfile:
            moved = [f.instance.user_id for f in formset.forms if "group" in f.changed_data]
            agents_moved_to_another_group(user_ids=moved)


@admin.register(InteractionParticipant)
class InteractionParticipantAdmin(ReadOnlyAdmin):
    list_display = ("interaction", "agent", "kind", "state", "created_at", "joined_at", "left_at")
    list_filter = ("kind", "state")


@admin.register(ConsultationMessage)
class ConsultationMessageAdmin(ReadOnlyAdmin):
    list_display = ("interaction", "author", "created_at")
    search_fields = ("body",)
