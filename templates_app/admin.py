"""Content managers' admin for standard responses and templates (built out with T5)."""

from django.contrib import admin

from templates_app.models import (
    MessageTemplate,
    StandardResponse,
    StandardResponseAttachment,
    StandardResponseCategory,
)


@admin.register(StandardResponseCategory)
class StandardResponseCategoryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "sort_order")
    search_fields = ("name",)


class StandardResponseAttachmentInline(admin.TabularInline):
    model = StandardResponseAttachment
    extra = 0


@admin.register(StandardResponse)
class StandardResponseAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "shortcut", "is_active", "updated_at")
    list_filter = ("category", "is_active")
    search_fields = ("name", "shortcut", "text")
    inlines = [StandardResponseAttachmentInline]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "language", "kind", "category", "status", "is_default_notification")
    list_filter = ("kind", "category", "status", "language")
    search_fields = ("name", "body")
    readonly_fields = ("status_reason", "whatsapp_template_id", "created_at", "updated_at")
