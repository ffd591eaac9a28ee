"""Administration of channels, routing, options; read-only views of what WhatsApp sent.

What has rules goes through the services (adding or editing a contact, closing an
interaction); what the services keep consistent is never deleted here (an interaction, an
offer, a message) and configuration still in use says why it cannot go (a queue with
waiting work, an agent with open conversations). docs/architecture.md lists each case.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from conversations import options, selectors
from conversations.directory import directory
from conversations.exceptions import DomainError
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
from conversations.permissions import can_edit_contact, user_is_supervisor
from conversations.services import contacts as contact_services
from conversations.services.done import interaction_done
from conversations.services.options import (
    agents_moved_to_another_group,
    option_value_save,
    option_values_delete,
)
from conversations.services.webhooks import webhook_event_process


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows that only WhatsApp (through the webhook) or the services write: shown, never
    added, changed or deleted here (a deleted message leaves a hole in a transcript, a
    deleted offer a reserved agent and an interaction nobody is offered, a deleted webhook
    event the only copy of what Meta sent)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
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

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        directory.invalidate()  # "delete selected" too (a number with history is protected)


class ContactAddForm(forms.ModelForm):
    """A contact entered by hand: a WhatsApp number and/or a BSUID, written the way the
    webhook writes them, so the customer's first message finds this contact."""

    wa_id = forms.CharField(
        label="WhatsApp number",
        required=False,
        max_length=40,
        help_text="Country code first, e.g. +49 151 1234 5678 (spaces, dashes and a leading '+' are dropped)",
    )
    user_id = forms.CharField(
        label="Business-scoped user id (BSUID)",
        required=False,
        max_length=160,
        help_text="e.g. US.13491208655302741918",
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
            raise forms.ValidationError('Identifiers are an object of named values, e.g. {"crm": "C-1024"}')
        return value or {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("wa_id") and not cleaned.get("user_id") and not self.has_error("wa_id"):
            self.add_error("wa_id", "Give a WhatsApp number, a business-scoped user id (BSUID), or both.")
        return cleaned


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    """Contacts: added by hand with a validated WhatsApp number and/or BSUID (the
    identity is read-only afterwards); edits go through ``contact_update`` (its rule,
    validation, and the consoles showing the change), merges through the console (R8)."""

    list_display = ("__str__", "wa_id", "profile_name", "name", "phone", "email", "created_at")
    search_fields = ("wa_id", "user_id", "profile_name", "name", "phone", "email")
    readonly_fields = (
        "wa_id",
        "user_id",
        "parent_user_id",
        "username",
        "profile_name",
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
                contact_services.contact_update(user=request.user, contact_id=obj.pk, **changes)
            return
        created = contact_services.contact_create(
            **{name: form.cleaned_data.get(name) for name in ContactAddForm.Meta.fields}
        )
        obj.pk = created.pk
        obj.refresh_from_db()


class InteractionNoteInline(admin.TabularInline):
    """Notes are the interaction's history: added in the console (``interaction_note_add``)."""

    model = InteractionNote
    extra = 0
    can_delete = False
    readonly_fields = ("author", "body", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    """Interactions are shown, never written here: every change has a service with rules
    (routing, capacity, workbins, the customer's window), used from the console and the
    API. A supervisor may close stuck ones with the "Done" action (``interaction_done``).
    Deleting one would delete its transcript and leave its workbin item, offers and
    agents' capacity behind: refused."""

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

    actions = ["close"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # interactions start from a customer's message or the outbound API

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_close_permission(self, request: HttpRequest) -> bool:
        return user_is_supervisor(request.user)

    @admin.action(description="Done: close the selected interactions", permissions=["close"])
    def close(self, request: HttpRequest, queryset: Any) -> None:
        closed, refused = 0, []
        for pk in queryset.filter(state__in=Interaction.OPEN_STATES).values_list("pk", flat=True):
            try:
                interaction_done(user=request.user, interaction_id=pk)
                closed += 1
            except DomainError as exc:
                refused.append(f"{pk}: {exc.message}")
        self.message_user(request, f"{closed} interaction(s) closed.", messages.INFO)
        if refused:
            self.message_user(request, "Not closed: " + "; ".join(refused), messages.WARNING)


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
        results = [webhook_event_process(event_id=pk) for pk in queryset.values_list("pk", flat=True)]
        done = sum(1 for e in results if e is not None and e.state == WebhookEvent.State.PROCESSED)
        self.message_user(request, f"{done} of {len(results)} events processed.", messages.INFO)


@admin.register(Queue)
class QueueAdmin(GuardedDeleteAdmin):
    list_display = ("name", "description")
    search_fields = ("name",)
    filter_horizontal = ("skills",)

    def delete_blockers(self, obj: Queue) -> list[str]:
        return selectors.queue_delete_blockers(obj)


@admin.register(Skill)
class SkillAdmin(GuardedDeleteAdmin):
    search_fields = ("name",)

    def delete_blockers(self, obj: Skill) -> list[str]:
        return selectors.skill_delete_blockers(obj)


@admin.register(AgentGroup)
class AgentGroupAdmin(GuardedDeleteAdmin):
    search_fields = ("name",)

    def delete_blockers(self, obj: AgentGroup) -> list[str]:
        return selectors.agent_group_delete_blockers(obj)


def _agent_work_blockers(user: Any) -> list[str]:
    work = selectors.agent_open_work(user)
    return [f"still has {', '.join(work)}: hand them over first"] if work else []


@admin.register(AgentProfile)
class AgentProfileAdmin(GuardedDeleteAdmin):
    list_display = ("user", "is_ready", "not_ready_reason", "capacity", "load", "group", "idle_since")
    list_filter = ("is_ready", "group", "queues")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    filter_horizontal = ("queues", "skills")
    readonly_fields = ("is_ready", "not_ready_reason", "ready_changed_at", "idle_since", "load")

    def delete_blockers(self, obj: AgentProfile) -> list[str]:
        return _agent_work_blockers(obj.user)

    # The admin saves in one transaction; the service follows the move in it (O2 timers).
    def save_model(self, request: HttpRequest, obj: AgentProfile, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if "group" in form.changed_data:
            agents_moved_to_another_group(user_ids=[obj.user_id])


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    """Offers come and go with routing; deleting a pending one stranded its interaction."""

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
    readonly_fields = ("is_ready", "not_ready_reason", "ready_changed_at", "idle_since", "load")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AgentUserAdmin(GuardedDeleteAdmin, UserAdmin):
    """Users; one with open work as an agent stays until it is handed over (deleting them
    deleted their offers and personal workbin and left their conversations ownerless)."""

    inlines = [AgentProfileInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is AgentProfile:
            moved = [f.instance.user_id for f in formset.forms if "group" in f.changed_data]
            agents_moved_to_another_group(user_ids=moved)

    def delete_blockers(self, obj: Any) -> list[str]:
        return _agent_work_blockers(obj)


@admin.register(InteractionParticipant)
class InteractionParticipantAdmin(ReadOnlyAdmin):
    list_display = ("interaction", "agent", "kind", "state", "created_at", "joined_at", "left_at")
    list_filter = ("kind", "state")


@admin.register(ConsultationMessage)
class ConsultationMessageAdmin(ReadOnlyAdmin):
    list_display = ("interaction", "author", "created_at")
    search_fields = ("body",)
