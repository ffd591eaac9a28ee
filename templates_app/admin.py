"""Content managers' admin for standard responses and templates (built out with T5)."""

from django.contrib import admin

from conversations.admin import GuardedDeleteAdmin
from templates_app.forms import MessageTemplateAdminForm, StandardResponseAttachmentForm
from templates_app.models import (
    MessageTemplate,
    StandardResponse,
    StandardResponseAttachment,
    StandardResponseCategory,
)
from templates_app.selectors import template_delete_blockers


@admin.register(StandardResponseCategory)
class StandardResponseCategoryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "sort_order")
    search_fields = ("name",)


class StandardResponseAttachmentInline(admin.TabularInline):
    """Type and size are read from the file (``StandardResponseAttachmentForm``), not typed."""

    model = StandardResponseAttachment
    form = StandardResponseAttachmentForm
    fields = ("file", "file_name", "mime_type", "size", "sort_order")
    readonly_fields = ("mime_type", "size")
    extra = 0


@admin.register(StandardResponse)
class StandardResponseAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "shortcut", "is_active", "updated_at")
    list_filter = ("category", "is_active")
    search_fields = ("name", "shortcut", "text")
    inlines = [StandardResponseAttachmentInline]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(GuardedDeleteAdmin):
    """Templates with WhatsApp's rules checked on save (``MessageTemplate.clean``) and a
    live preview (change_form.html); the status mirrors Meta's approval webhooks. One that
    standard responses insert, or the last default notification, is not deleted."""

    form = MessageTemplateAdminForm
    list_display = ("name", "language", "kind", "category", "status", "is_default_notification")
    list_filter = ("kind", "category", "status", "language")
    search_fields = ("name", "body")
    readonly_fields = ("status_reason", "whatsapp_template_id", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("kind", "name", "language", "category", "channel", "is_default_notification")}),
        ("Content", {"fields": ("header_type", "header_text", "header_media", "body", "footer")}),
        (
            "Buttons and lists",
            {
                "fields": ("buttons", "list_button", "sections"),
                "description": (
                    'Buttons as JSON, e.g. [{"type": "quick_reply", "text": "Yes"}], '
                    '[{"type": "url", "text": "Track", "url": "https://example.com/t/{{1}}"}, '
                    '{"type": "phone_number", "text": "Call us", "phone_number": "+15550001234"}] or, '
                    'for reply buttons, [{"type": "reply", "id": "yes", "text": "Yes"}]. List sections: '
                    '[{"title": "Slots", "rows": [{"id": "am", "title": "Morning", "description": "8-12"}]}].'
                ),
            },
        ),
        (
            "WhatsApp",
            {"fields": ("status", "status_reason", "whatsapp_template_id", "created_at", "updated_at")},
        ),
    )

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def delete_blockers(self, obj: MessageTemplate) -> list[str]:
        return template_delete_blockers(obj)
