"""Routing's configuration (queues, skills, agent groups), agents and their users: deleted only when nothing depends on them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User as AuthUser
from django.http import HttpRequest
from django.utils.translation import gettext

from conversations import selectors
from conversations.admin.base import GuardedDeleteAdmin, ReadOnlyAdmin
from conversations.models import (
    AgentGroup,
    AgentProfile,
    Offer,
    Queue,
    Skill,
)
from conversations.services.options import (
    agents_moved_to_another_group,
)


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


def _agent_work_blockers(user: AuthUser) -> list[str]:
    work = selectors.agent_open_work(user)
    return [gettext("still has %(work)s: hand them over first") % {"work": ", ".join(work)}] if work else []


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
