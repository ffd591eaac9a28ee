"""CONTACT: a customer, as every API answer and live event shows them."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from conversations.models import Contact as ContactModel
from conversations.payloads.common import iso


class Contact(TypedDict):
    """A customer (W11): WhatsApp identity (read-only), the contact database's fields, and,
    in the directory's lists, whether the caller may open their history."""

    id: int
    display_name: str
    name: str
    profile_name: str
    wa_id: str | None
    user_id: str | None
    phone: str
    email: str
    identifiers: dict[str, Any]
    created_at: str | None
    updated_at: str | None
    #: May the caller open the contact's history? (lists of the directory only)
    history_visible: NotRequired[bool]


def contact_payload(contact: ContactModel, *, history_visible: bool | None = None) -> Contact:
    payload: Contact = {
        "id": contact.pk,
        "display_name": contact.display_name,
        "name": contact.name,
        "profile_name": contact.profile_name,
        "wa_id": contact.wa_id,
        "user_id": contact.user_id,
        "phone": contact.phone,
        "email": contact.email,
        "identifiers": contact.identifiers,
        "created_at": iso(contact.created_at),
        "updated_at": iso(contact.updated_at),
    }
    if history_visible is not None:
        payload["history_visible"] = history_visible
    return payload
