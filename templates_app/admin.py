"""Content managers' admin for standard responses and templates (built out with T5)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_protect

from conversations.admin import GuardedDeleteAdmin
from conversations.exceptions import DomainError
from templates_app import syncing
from templates_app.forms import MessageTemplateAdminForm, StandardResponseAttachmentForm
from templates_app.models import (
    MessageTemplate,
    StandardResponse,
    StandardResponseAttachment,
    StandardResponseCategory,
)
from templates_app.parameter_labels import LABEL_MAX
from templates_app.selectors import template_delete_blockers
from whatsapp import limits


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
    live preview (change_form.html). G1: the status, quality and category mirror Meta
    (pull, webhooks) and are read-only; "Submit to Meta" sends a template for review and
    shows Meta's refusal field by field; "Pull from Meta" (the list's button, also the
    ``pull_templates`` command and a beat task) mirrors every template; "Delete at Meta"
    deletes the selected ones there. One that standard responses insert, or the last
    default notification, is not deleted."""

    form = MessageTemplateAdminForm
    change_list_template = "admin/templates_app/messagetemplate/change_list.html"
    list_display = (
        "name",
        "language",
        "kind",
        "category",
        "status",
        "quality_score",
        "is_default_notification",
    )
    list_filter = ("kind", "category", "status", "quality_score", "language")
    search_fields = ("name", "body")
    actions = ["delete_at_meta"]
    readonly_fields = (
        "status",
        "status_reason",
        "quality_score",
        "upcoming_category",
        "whatsapp_template_id",
        "synced_at",
        "sync_problems",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("kind", "name", "language", "category", "channel", "is_default_notification")}),
        (
            _("Content"),
            {
                "fields": (
                    "parameter_format",
                    "header_type",
                    "header_text",
                    "header_media",
                    "body",
                    "parameter_labels",
                    "footer",
                )
            },
        ),
        (
            _("Buttons and lists"),
            {
                "fields": ("buttons", "list_button", "sections"),
                "description": _(
                    "Each button, list section and option has its own fields, checked as you type; "
                    "the live preview shows the message as WhatsApp does. Without JavaScript (or "
                    'with "Edit as JSON"): buttons as [{"type": "quick_reply", "text": "Yes"}], '
                    '[{"type": "url", "text": "Track", "url": "https://example.com/t/{{1}}"}, '
                    '{"type": "phone_number", "text": "Call us", "phone_number": "+15550001234"}] or, '
                    'for reply buttons, [{"type": "reply", "id": "yes", "text": "Yes"}]; list sections '
                    'as [{"title": "Slots", "rows": [{"id": "am", "title": "Morning", "description": "8-12"}]}].'
                ),
            },
        ),
        (
            _("WhatsApp (mirrors Meta)"),
            {
                "fields": (
                    "submit_to_meta",
                    "status",
                    "status_reason",
                    "quality_score",
                    "upcoming_category",
                    "whatsapp_template_id",
                    "synced_at",
                    "sync_problems",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )

    @method_decorator(csrf_protect)
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Django's, without its one transaction around the whole request: "Submit to Meta"
        calls Meta while the form is validated, and a write lock held meanwhile (SQLite
        takes it at BEGIN IMMEDIATE) would keep the sandbox, which writes to the same
        database, waiting for us while we wait for it. The save itself is one statement."""
        # Django's undecorated body of changeform_view, absent from the stubs.
        return self._changeform_view(request, object_id, form_url, extra_context)  # type: ignore[attr-defined]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """U3: the editor checks each field against WhatsApp's limits, the server's own."""
        context["template_limits"] = {
            "button_title": limits.BUTTON_TITLE_MAX,
            "template_button_text": limits.TEMPLATE_BUTTON_TEXT_MAX,
            "section_title": limits.SECTION_TITLE_MAX,
            "row_title": limits.ROW_TITLE_MAX,
            "row_description": limits.ROW_DESCRIPTION_MAX,
            "row_id": limits.ROW_ID_MAX,
            "label": LABEL_MAX,
        }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        if getattr(form, "submitted", False):
            messages.success(
                request,
                gettext("%(template)s was submitted to Meta: %(status)s. Its status follows Meta's answer.")
                % {"template": obj, "status": obj.status},
            )

    def get_urls(self) -> list:
        pull = path(
            "pull/", self.admin_site.admin_view(self.pull_view), name="templates_app_messagetemplate_pull"
        )
        return [pull, *super().get_urls()]

    def pull_view(self, request: HttpRequest) -> HttpResponse:
        """POST: pull every WABA's templates now; the list shows what changed."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        reports = syncing.templates_pull()
        if not reports:
            messages.warning(request, gettext("No active number has a WABA id: nothing to pull."))
        for waba, report in reports.items():
            level = messages.WARNING if report.problems else messages.SUCCESS
            messages.add_message(
                request,
                level,
                gettext("Pulled WABA %(waba)s: %(report)s") % {"waba": waba, "report": report.summary()},
            )
        return HttpResponseRedirect(reverse("admin:templates_app_messagetemplate_changelist"))

    @admin.action(description=_("Delete the selected templates at Meta (kept here, marked deleted)"))
    def delete_at_meta(self, request: HttpRequest, queryset: QuerySet[MessageTemplate]) -> None:
        for template in queryset:
            try:
                syncing.template_delete_at_meta(template=template)
            except DomainError as exc:
                messages.error(request, f"{template}: {exc.message}")
            else:
                messages.success(
                    request, gettext("%(template)s was deleted at Meta") % {"template": template}
                )

    def delete_blockers(self, obj: MessageTemplate) -> list[str]:
        return template_delete_blockers(obj)
