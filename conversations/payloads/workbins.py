"""WORKBIN and WORKBIN_ITEM: where parked conversations wait (R7), and each of them."""

from __future__ import annotations

from typing import TypedDict

from conversations.payloads.common import iso
from conversations.payloads.contacts import Contact, contact_payload
from workbins.models import Workbin as WorkbinModel
from workbins.models import WorkbinItem as WorkbinItemModel


class WorkbinItem(TypedDict):
    """A parked interaction: its customer, who parked it when and why."""

    interaction_id: int
    contact: Contact
    placed_at: str
    reason: str
    placed_by: str
    last_inbound_at: str | None


class SignOutPreview(TypedDict):
    """What signing out will do now (the logout rules, ``services/signout.py``): the
    console says it and asks before the agent signs out."""

    #: The agent's conversations in progress: they move to ``workbin``.
    conversations: int
    #: Their customers (the first few), as the list names them.
    customers: list[str]
    #: The personal workbin they move to.
    workbin: str
    #: Pending offers: withdrawn, offered to another agent.
    offers: int
    #: What will happen, in one paragraph (empty: nothing is moved).
    summary: str


class Workbin(TypedDict):
    """A personal or group workbin the user may open, with what waits in it; ``mine`` marks
    the user's own personal one."""

    id: int
    name: str
    kind: str
    mine: bool
    items: list[WorkbinItem]


def workbin_item_payload(item: WorkbinItemModel) -> WorkbinItem:
    """An item (``select_related("interaction__contact", "placed_by")`` for a list)."""
    return {
        "interaction_id": item.interaction_id,
        "contact": contact_payload(item.interaction.contact),
        "placed_at": item.placed_at.isoformat(),
        "reason": item.reason,
        "placed_by": item.placed_by.get_username() if item.placed_by else "",
        "last_inbound_at": iso(item.interaction.last_inbound_at),
    }


def workbin_payload(workbin: WorkbinModel, *, name: str, mine: bool, items: list[WorkbinItem]) -> Workbin:
    return {"id": workbin.pk, "name": name, "kind": workbin.kind, "mine": mine, "items": items}
