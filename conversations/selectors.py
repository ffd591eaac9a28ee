"""Permission-scoped reads (STYLE § B): what a user may see, with the joins it needs."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from conversations.exceptions import NotFound
from conversations.models import Contact, Interaction, Message


def user_is_supervisor(user: Any) -> bool:
    return bool(user.is_staff or user.is_superuser)


def interaction_list_for_user(*, user: Any) -> QuerySet[Interaction]:
    """Supervisors see every interaction; an agent, those they own or are offered."""
    queryset = Interaction.objects.select_related("contact", "channel", "owner", "queue")
    if user_is_supervisor(user):
        return queryset
    return queryset.filter(Q(owner=user) | Q(offers__agent=user, offers__state="pending")).distinct()


def interaction_get_for_user(*, user: Any, interaction_id: int) -> Interaction:
    interaction = interaction_list_for_user(user=user).filter(pk=interaction_id).first()
    if interaction is None:
        raise NotFound(f"interaction {interaction_id} does not exist or is not yours")
    return interaction


def contact_list(*, search: str = "") -> QuerySet[Contact]:
    queryset = Contact.objects.all()
    if search:
        digits = "".join(ch for ch in search if ch.isdigit())
        lookup = Q(name__icontains=search) | Q(profile_name__icontains=search) | Q(email__icontains=search)
        if digits:
            lookup |= Q(wa_id__contains=digits) | Q(phone__contains=digits)
        queryset = queryset.filter(lookup)
    return queryset


def message_list_for_interaction(*, interaction: Interaction) -> QuerySet[Message]:
    return (
        Message.objects.filter(interaction=interaction)
        .select_related("attachment")
        .order_by("origination_at", "id")
    )
