"""Reads of contacts: the directory, and who may open a contact's history (W11, P6)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from conversations import payloads
from conversations.exceptions import NotFound
from conversations.models import Contact, Interaction
from conversations.permissions import user_can_browse_directory, user_is_supervisor
from conversations.selectors.interactions import interaction_list_for_user


def contact_list(*, user: User, search: str = "") -> QuerySet[Contact]:
    """The contacts ``user`` may read (merged aliases left out: their contact stands for
    them): the whole directory with "Can browse the contact directory" (supervisors too),
    else only the contacts of the interactions they may see (P6)."""
    queryset = Contact.objects.filter(merged_into__isnull=True)
    if not user_can_browse_directory(user):
        queryset = queryset.filter(pk__in=interaction_list_for_user(user=user).values("contact_id"))
    if search:
        digits = "".join(ch for ch in search if ch.isdigit())
        lookup = Q(name__icontains=search) | Q(profile_name__icontains=search) | Q(email__icontains=search)
        if digits:
            lookup |= Q(wa_id__contains=digits) | Q(phone__contains=digits)
        queryset = queryset.filter(lookup)
    return queryset


def contact_get_for_user(*, user: User, contact_id: int) -> Contact:
    contact = contact_list(user=user).filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(
            _("contact %(contact_id)s does not exist or is not yours to see") % {"contact_id": contact_id}
        )
    return contact


def contact_history_visible_ids(*, user: User, contact_ids: Iterable[int]) -> set[int]:
    """THE rule of who may open a contact's history (W11), for many contacts at once (one
    query whatever their number): supervisors see every history; an agent, the history of
    a contact whose interactions they may see now (own, are offered, are invited to, can
    open from a workbin): an expired or withdrawn offer is no link. The directory
    permission shows contacts' details, not their history: that lists other agents' work
    with its dispositions and Done notes. The history endpoint and every payload that offers
    "History" (the directory's) ask this, through :func:`can_view_contact_history` or
    directly: change the rule here only."""
    ids = set(contact_ids)
    if not ids or user_is_supervisor(user):
        return ids
    visible = interaction_list_for_user(user=user).filter(contact_id__in=ids)
    return set(visible.values_list("contact_id", flat=True))


def can_view_contact_history(*, user: User, contact_id: int) -> bool:
    """May ``user`` open this contact's history? (:func:`contact_history_visible_ids`)"""
    return contact_id in contact_history_visible_ids(user=user, contact_ids=[contact_id])


def contact_history(*, contact_id: int) -> list[payloads.InteractionHistoryEntry]:
    """W11: every interaction of the contact, on every channel, newest first."""
    interactions = (
        Interaction.objects.filter(contact_id=contact_id)
        .select_related("channel", "owner", "queue", "survey")
        .order_by("-created_at", "-id")
    )
    return [payloads.interaction_history_entry(i) for i in interactions]
