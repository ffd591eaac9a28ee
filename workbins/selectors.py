"""Reads of workbins: what an agent may open, with the interactions waiting there."""

from __future__ import annotations

from typing import Any

from conversations import events
from workbins.models import WorkbinItem
from workbins.services import workbin_personal_for, workbins_accessible


def workbin_list_for_user(*, user: Any) -> list[dict[str, Any]]:
    """The user's workbins (their personal one always listed) and the items in them."""
    workbin_personal_for(user=user)
    workbins = list(workbins_accessible(user=user).order_by("kind", "name"))
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
                "contact": events.contact_payload(item.interaction.contact),
                "placed_at": item.placed_at.isoformat(),
                "reason": item.reason,
                "placed_by": item.placed_by.get_username() if item.placed_by else "",
                "last_inbound_at": events._iso(item.interaction.last_inbound_at),
            }
        )
    return [{"id": w.pk, "name": w.name, "kind": w.kind, "items": by_workbin[w.pk]} for w in workbins]
