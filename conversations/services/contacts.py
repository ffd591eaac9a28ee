"""Contacts: identify WhatsApp senders, follow number changes."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from conversations import events
from conversations.exceptions import DomainError, NotFound
from conversations.models import Contact
from conversations.whatsapp.inbound import SenderProfile

logger = logging.getLogger(__name__)


def contact_resolve(*, sender: SenderProfile) -> Contact:
    """Find or create the contact of a WhatsApp sender and keep its WhatsApp profile fresh.

    Identity is ``wa_id`` and/or ``user_id`` (BSUID); the profile name never identifies
    anyone. Concurrent first messages of a new customer resolve to one contact: the
    unique constraints decide, and the loser reads the winner's row.
    """
    for _ in range(2):
        contact = _find(sender)
        if contact is not None:
            _refresh_profile(contact, sender)
            return contact
        try:
            with transaction.atomic():
                return Contact.objects.create(
                    wa_id=sender.wa_id,
                    user_id=sender.user_id,
                    parent_user_id=sender.parent_user_id,
                    profile_name=sender.profile_name,
                    username=sender.username,
                    phone=f"+{sender.wa_id}" if sender.wa_id else "",
                )
        except IntegrityError:
            continue  # created meanwhile by a concurrent webhook: read it
    raise RuntimeError(f"could not resolve contact {sender.key}")


def _find(sender: SenderProfile) -> Contact | None:
    lookup = Q()
    if sender.wa_id:
        lookup |= Q(wa_id=sender.wa_id)
    if sender.user_id:
        lookup |= Q(user_id=sender.user_id)
    matches = list(Contact.objects.filter(lookup)[:2])
    # A wa_id match wins over a BSUID match when both exist as separate contacts.
    matches.sort(key=lambda c: c.wa_id != sender.wa_id)
    return matches[0] if matches else None


def _refresh_profile(contact: Contact, sender: SenderProfile) -> None:
    changed = []
    if sender.profile_name and contact.profile_name != sender.profile_name:
        contact.profile_name = sender.profile_name
        changed.append("profile_name")
    if sender.username and contact.username != sender.username:
        contact.username = sender.username
        changed.append("username")
    if sender.user_id and not contact.user_id and not Contact.objects.filter(user_id=sender.user_id).exists():
        contact.user_id = sender.user_id
        changed.append("user_id")
    if sender.parent_user_id and contact.parent_user_id != sender.parent_user_id:
        contact.parent_user_id = sender.parent_user_id
        changed.append("parent_user_id")
    if sender.wa_id and not contact.wa_id and not Contact.objects.filter(wa_id=sender.wa_id).exists():
        contact.wa_id = sender.wa_id
        changed.append("wa_id")
    if changed:
        contact.save(update_fields=[*changed, "updated_at"])


def contact_profile_name_update(*, contact_id: int, profile_name: str) -> None:
    """Record the WhatsApp profile name the customer now uses."""
    Contact.objects.filter(pk=contact_id).exclude(profile_name=profile_name).update(profile_name=profile_name)


def contact_change_number(*, old_wa_id: str, new_wa_id: str) -> Contact | None:
    """Follow a ``user_changed_number`` system message: the contact keeps its history.

    Idempotent: a replay finds the contact already on the new number. When another
    contact already has the new number, both are kept (a supervisor merges them) and the
    old number is only recorded, so nothing is lost or silently merged.
    """
    contact = Contact.objects.filter(wa_id=old_wa_id).first()
    if contact is None:
        return Contact.objects.filter(wa_id=new_wa_id).first()
    previous = list(contact.identifiers.get("previous_wa_ids", []))
    if old_wa_id not in previous:
        previous.append(old_wa_id)
    contact.identifiers = {**contact.identifiers, "previous_wa_ids": previous}
    fields = ["identifiers", "updated_at"]
    if Contact.objects.filter(wa_id=new_wa_id).exclude(pk=contact.pk).exists():
        contact.identifiers["number_change_conflict"] = new_wa_id
        logger.warning("contact %s changed to %s, which another contact has", contact.pk, new_wa_id)
    else:
        contact.wa_id = new_wa_id
        if contact.phone in ("", f"+{old_wa_id}"):
            contact.phone = f"+{new_wa_id}"
            fields.append("phone")
        fields.append("wa_id")
    contact.save(update_fields=fields)
    return contact


EDITABLE_CONTACT_FIELDS = ("name", "email", "phone", "identifiers")


def contact_update(*, user: Any, contact_id: int, **changes: Any) -> Contact:
    """W11: edit the contact database's fields (never the WhatsApp identity)."""
    unknown = set(changes) - set(EDITABLE_CONTACT_FIELDS)
    if unknown:
        raise DomainError(
            f"these contact fields cannot be edited: {', '.join(sorted(unknown))}", code="invalid"
        )
    with transaction.atomic():
        contact = Contact.objects.select_for_update().filter(pk=contact_id).first()
        if contact is None:
            raise NotFound(f"contact {contact_id} does not exist")
        for field_name, value in changes.items():
            setattr(contact, field_name, value)
        try:
            contact.full_clean(exclude=["wa_id", "user_id"])
        except ValidationError as exc:
            raise DomainError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()), code="invalid"
            ) from exc
        contact.save(update_fields=[*changes, "updated_at"])
        events.contact_changed(contact=contact)
    return contact
