"""CONTACT: a customer, as every API answer and live event shows them."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from conversations.models import Contact as ContactModel
from conversations.models.contacts import NameSource
from conversations.payloads.common import iso


class Contact(TypedDict):
    """A customer (W11): WhatsApp identity (read-only), the contact database's fields, and,
    in the directory's lists, whether the caller may open their history."""

    id: int
    #: U2: the name every screen shows (``Contact.shown_name``'s rule), and where it
    #: comes from: "crm", "profile" (with the number's last digits), "username", "number"
    #: or "nickname" (number hidden). The console shows ``profile_name`` beside it only
    #: when the name is not the profile name.
    display_name: str
    name_source: NameSource
    name: str
    profile_name: str
    wa_id: str | None
    user_id: str | None
    #: G2: the linked portfolio's BSUID, and the WhatsApp username the customer chose.
    parent_user_id: str
    username: str
    #: G3: "stop" or "resume" (the customer's last choice about marketing messages, and
    #: when), "" when they never chose.
    marketing_preference: str
    marketing_preference_at: str | None
    phone: str
    email: str
    identifiers: dict[str, Any]
    created_at: str | None
    updated_at: str | None
    #: May the caller open the contact's history? (lists of the directory only)
    history_visible: NotRequired[bool]


def contact_payload(contact: ContactModel, *, history_visible: bool | None = None) -> Contact:
    shown, source = contact.shown_name
    payload: Contact = {
        "id": contact.pk,
        "display_name": shown,
        "name_source": source,
        "name": contact.name,
        "profile_name": contact.profile_name,
        "wa_id": contact.wa_id,
        "user_id": contact.user_id,
        "parent_user_id": contact.parent_user_id,
        "username": contact.username,
        "marketing_preference": contact.marketing_preference,
        "marketing_preference_at": iso(contact.marketing_preference_at),
        "phone": contact.phone,
        "email": contact.email,
        "identifiers": contact.identifiers,
        "created_at": iso(contact.created_at),
        "updated_at": iso(contact.updated_at),
    }
    if history_visible is not None:
        payload["history_visible"] = history_visible
    return payload
