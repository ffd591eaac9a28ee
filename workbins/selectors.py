"""Reads of workbins: what an agent may open, with the interactions waiting there."""

from __future__ import annotations

from typing import Any

from conversations import payloads
from workbins.models import WorkbinItem
from workbins.services import DEFAULT_PERSONAL_NAME, workbin_personal_for, workbins_accessible


def workbin_list_for_user(*, user: Any) -> list[dict[str, Any]]:
    """The user's workbins (their personal one always listed) and the items in them."""
    workbin_personal_for(user=user)
    workbins = list(workbins_accessible(user=user).select_related("owner"))
    items = (
        WorkbinItem.objects.filter(workbin__in=workbins)
        .select_related("interaction__contact", "placed_by")
        .order_by("-placed_at")
    )
    by_workbin: dict[int, list[dict[str, Any]]] = {w.pk: [] for w in workbins}
    for item in items:
        by_workbin[item.workbin_id].append(
            {
                "interaction_id": item.interaction_id,
                "contact": payloads.contact_payload(item.interaction.contact),
                "placed_at": item.placed_at.isoformat(),
                "reason": item.reason,
                "placed_by": item.placed_by.get_username() if item.placed_by else "",
                "last_inbound_at": payloads.iso(item.interaction.last_inbound_at),
            }
        )
    listed = [
        {
            "id": w.pk,
            "name": _label(w, user=user),
            "kind": w.kind,
            "mine": w.owner_id == user.pk,
            "items": by_workbin[w.pk],
        }
        for w in workbins
    ]
    return sorted(listed, key=lambda w: (not w["mine"], w["kind"], w["name"]))  # the user's own first


def _label(workbin: Any, *, user: Any) -> str:
    """A supervisor sees every agent's personal workbin: each is named after its owner."""
    if workbin.kind != workbin.Kind.PERSONAL or workbin.owner_id in (None, user.pk):
        return workbin.name
    owner = workbin.owner.get_full_name() or workbin.owner.get_username()
    return f"{owner}'s workbin" if workbin.name == DEFAULT_PERSONAL_NAME else f"{workbin.name} ({owner})"
