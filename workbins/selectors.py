"""Reads of workbins: what an agent may open, with the interactions waiting there."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils.translation import gettext, ngettext

from conversations import payloads
from conversations.models import AgentProfile, Interaction, Offer
from conversations.permissions import user_is_supervisor
from workbins.models import DEFAULT_PERSONAL_NAME, Workbin, WorkbinItem


def workbins_accessible(*, user: User) -> QuerySet[Workbin]:
    """Workbins the user may open: their own, and their agent group's (all: supervisors)."""
    group_id = AgentProfile.objects.filter(user=user).values_list("group_id", flat=True).first()
    access = Q(kind=Workbin.Kind.PERSONAL, owner=user)
    if group_id:
        access |= Q(kind=Workbin.Kind.GROUP, agent_group_id=group_id)
    if user_is_supervisor(user):
        access = Q()
    return Workbin.objects.filter(access)


def workbin_list_for_user(*, user: User) -> list[payloads.Workbin]:
    """The user's workbins and the items in them, theirs first (the entry point creates
    their personal workbin first, ``services.workbin_personal_for``, so it is always
    listed)."""
    workbins = list(workbins_accessible(user=user).select_related("owner"))
    items = (
        WorkbinItem.objects.filter(workbin__in=workbins)
        .select_related("interaction__contact", "placed_by")
        .order_by("-placed_at")
    )
    by_workbin: dict[int, list[payloads.WorkbinItem]] = {w.pk: [] for w in workbins}
    for item in items:
        by_workbin[item.workbin_id].append(payloads.workbin_item_payload(item))
    listed = [
        payloads.workbin_payload(
            w, name=_label(w, user=user), mine=w.owner_id == user.pk, items=by_workbin[w.pk]
        )
        for w in workbins
    ]
    return sorted(listed, key=lambda w: (not w["mine"], w["kind"], w["name"]))  # the user's own first


def _label(workbin: Any, *, user: User) -> str:
    """A supervisor sees every agent's personal workbin: each is named after its owner."""
    if workbin.kind != workbin.Kind.PERSONAL or workbin.owner_id in (None, user.pk):
        return workbin.name
    owner = workbin.owner.get_full_name() or workbin.owner.get_username()
    return f"{owner}'s workbin" if workbin.name == DEFAULT_PERSONAL_NAME else f"{workbin.name} ({owner})"


def workbin_delete_blockers(workbin: Workbin) -> list[str]:
    """Why ``workbin`` may not be deleted: its parked interactions would stay parked with
    no workbin to open them from."""
    parked = WorkbinItem.objects.filter(workbin=workbin).count()
    return (
        [gettext("%(count)d parked interaction(s) wait in it: open or move them first") % {"count": parked}]
        if parked
        else []
    )


#: How many customers the sign-out question names (the rest are counted).
SIGN_OUT_NAMED = 5


def interactions_parked_at_logout(*, user: User) -> QuerySet[Interaction]:
    """What logging out moves to the agent's personal workbin (R7): their interactions in
    progress. ``services.agent_interactions_park_all`` and the console's question before
    signing out (:func:`sign_out_preview`) read the same rule."""
    return Interaction.objects.filter(owner=user, state=Interaction.State.ACTIVE)


def sign_out_preview(*, user: User) -> payloads.SignOutPreview:
    """What signing out would do now, for the console to say before it happens: the
    conversations in progress move to the personal workbin, pending offers go to another
    agent (``services/signout.py``: Not Ready, then park all). A read: the personal
    workbin is named as it will be, not created."""
    interactions = list(interactions_parked_at_logout(user=user).select_related("contact").order_by("pk"))
    customers = [payloads.contact_payload(i.contact)["display_name"] for i in interactions[:SIGN_OUT_NAMED]]
    workbin = (
        Workbin.objects.filter(kind=Workbin.Kind.PERSONAL, owner=user).values_list("name", flat=True).first()
        or DEFAULT_PERSONAL_NAME
    )
    offers = Offer.objects.filter(agent=user, state=Offer.State.PENDING).count()
    parts = []
    if interactions:
        more = len(interactions) - len(customers)
        named = ", ".join(customers)
        if more:
            named = ngettext("%(names)s and %(count)d more", "%(names)s and %(count)d more", more) % {
                "names": named,
                "count": more,
            }
        parts.append(
            ngettext(
                "Your %(count)d open conversation (%(names)s) moves to your workbin “%(workbin)s” "
                "and leaves your console: open it there when you are back.",
                "Your %(count)d open conversations (%(names)s) move to your workbin “%(workbin)s” "
                "and leave your console: open them there when you are back.",
                len(interactions),
            )
            % {"count": len(interactions), "names": named, "workbin": workbin}
        )
        parts.append(
            gettext("A customer who writes meanwhile is routed again as new work, to an agent who is Ready.")
        )
    if offers:
        parts.append(
            ngettext(
                "Your %(count)d pending offer goes to another agent.",
                "Your %(count)d pending offers go to another agent.",
                offers,
            )
            % {"count": offers}
        )
    return {
        "conversations": len(interactions),
        "customers": customers,
        "workbin": workbin,
        "offers": offers,
        "summary": " ".join(parts),
    }
