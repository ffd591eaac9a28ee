"""Interactions (closed with the Done action, through the service) and what WhatsApp sent: shown, never changed here."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from conversations.admin.base import ReadOnlyAdmin
from conversations.exceptions import DomainError
from conversations.models import (
    Attachment,
    ConsultationMessage,
    Interaction,
    InteractionNote,
    InteractionParticipant,
    Message,
    PendingRevision,
    PendingStatus,
    Reaction,
    WebhookEvent,
)
from conversations.permissions import user_is_supervisor
from conversations.services.done import interaction_done
from conversations.services.webhooks import webhook_event_process
from waproject.requests import signed_in_user


class InteractionNoteInline(admin.TabularInline):
    """Notes are the interaction's history: added in the console (``interaction_note_add``)."""

    model = InteractionNote
    extra = 0
    can_delete = False
    readonly_fields = ("author", "body", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: Interaction | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Interaction | None = None) -> bool:
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

    def has_change_permission(self, request: HttpRequest, obj: Interaction | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Interaction | None = None) -> bool:
        return False

    def has_close_permission(self, request: HttpRequest) -> bool:
        return user_is_supervisor(request.user)

    @admin.action(description=_("Done: close the selected interactions"), permissions=["close"])
    def close(self, request: HttpRequest, queryset: QuerySet[Interaction]) -> None:
        closed, refused = 0, []
        for pk in queryset.filter(state__in=Interaction.OPEN_STATES).values_list("pk", flat=True):
            try:
                interaction_done(user=signed_in_user(request), interaction_id=pk)
                closed += 1
            except DomainError as exc:
                refused.append(f"{pk}: {exc.message}")
        self.message_user(
            request,
            ngettext("%(count)d interaction closed.", "%(count)d interactions closed.", closed)
            % {"count": closed},
            messages.INFO,
        )
        if refused:
            self.message_user(
                request,
                gettext("Not closed: %(reasons)s") % {"reasons": "; ".join(refused)},
                messages.WARNING,
            )


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

    @admin.display(description=_("body"))
    def body_preview(self, obj: Message) -> str:
        return obj.body[:80]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "file_name", "mime_type", "size", "state", "created_at")
    list_filter = ("kind", "state")
    search_fields = ("media_id", "file_name")


@admin.register(Reaction)
class ReactionAdmin(ReadOnlyAdmin):
    list_display = ("target_wamid", "direction", "emoji", "status", "author", "reacted_at")
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

    @admin.display(description=_("flags"))
    def flag_count(self, obj: WebhookEvent) -> int:
        return len(obj.flags)

    @admin.display(description=_("body"))
    def pretty_body(self, obj: WebhookEvent) -> str:
        if obj.body_purged_at is not None:
            return gettext("(deleted on %(at)s UTC: retention or a contact's erasure)") % {
                "at": f"{obj.body_purged_at:%Y-%m-%d %H:%M}"
            }
        try:
            return json.dumps(json.loads(obj.body), indent=2, ensure_ascii=False)[:20000]
        except ValueError:
            return obj.body[:20000]

    @admin.action(description=_("Process the selected events again (idempotent)"))
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        results = [webhook_event_process(event_id=pk) for pk in queryset.values_list("pk", flat=True)]
        done = sum(1 for e in results if e is not None and e.state == WebhookEvent.State.PROCESSED)
        self.message_user(
            request,
            gettext("%(done)d of %(total)d events processed.") % {"done": done, "total": len(results)},
            messages.INFO,
        )


@admin.register(InteractionParticipant)
class InteractionParticipantAdmin(ReadOnlyAdmin):
    list_display = ("interaction", "agent", "kind", "state", "created_at", "joined_at", "left_at")
    list_filter = ("kind", "state")


@admin.register(ConsultationMessage)
class ConsultationMessageAdmin(ReadOnlyAdmin):
    list_display = ("interaction", "author", "created_at")
    search_fields = ("body",)
