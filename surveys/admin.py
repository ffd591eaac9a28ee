"""Admin of B2 and B3: a queue's waiting notices, abandonment timeout and survey (checked
by ``QueueCare.clean``: WhatsApp's limits on buttons and titles, the interval's bounds, the
notice's placeholders), and the surveys sent, read-only."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from conversations.admin.base import ReadOnlyAdmin
from surveys.models import QueueCare, SurveyRequest


@admin.register(QueueCare)
class QueueCareAdmin(admin.ModelAdmin):
    list_display = (
        "queue",
        "waiting_notices",
        "waiting_interval_minutes",
        "abandon_after_minutes",
        "survey_enabled",
    )
    list_filter = ("waiting_notices", "survey_enabled")
    fieldsets = (
        (None, {"fields": ("queue",)}),
        (
            _("While waiting (B2)"),
            {
                "fields": (
                    "waiting_notices",
                    "waiting_interval_minutes",
                    "waiting_text",
                    "abandon_after_minutes",
                )
            },
        ),
        (
            _("After Done (B3)"),
            {
                "fields": (
                    "survey_enabled",
                    "survey_question",
                    "survey_choices",
                    "survey_satisfied_from",
                    "survey_comment_prompt",
                    "survey_comment_minutes",
                    "survey_min_days",
                )
            },
        ),
    )


@admin.register(SurveyRequest)
class SurveyRequestAdmin(ReadOnlyAdmin):
    list_display = ("interaction", "queue", "agent", "sent_at", "score", "answer_title", "comment")
    list_filter = ("queue", "score")
    list_select_related = ("interaction", "queue", "agent")
    date_hierarchy = "sent_at"
