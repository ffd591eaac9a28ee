"""Contacts: identify WhatsApp senders, follow number changes."""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext

from conversations import events
from conversations.exceptions import Conflict, DomainError, NotFound, PermissionDenied
from conversations.models import Contact, Interaction, Message
from conversations.permissions import can_edit_contact, user_is_supervisor
from conversations.selectors.contacts import contact_list
from conversations.services.access import ensure_owner_or_supervisor
from whatsapp.records import SenderProfile

logger = logging.getLogger(__name__)


#: A WhatsApp number as the webhook's ``wa_id`` has it: country code first (never 0), then
#: the number, digits only; E.164 allows 15 at most.
WA_ID = re.compile(r"[1-9][0-9]{5,14}")
#: A business-scoped user id: an ISO country code, a dot, up to 128 letters and digits
#: (``US.13491208655302741918``; a parent BSUID has ``ENT.`` after the country).
BSUID = re.compile(r"[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}")


def wa_id_normalise(phone: str) -> str:
    """A number as a person types it (``+49 151 1234-5678``) as the webhook's ``wa_id``
    (``4915112345678``), so that the customer's messages find the contact."""
    compact = re.sub(r"[\s\-().]", "", phone or "")
    digits = compact[1:] if compact.startswith("+") else compact
    if not WA_ID.fullmatch(digits):
        raise DomainError(
            gettext(
                "%(value)s is not a WhatsApp number: 6 to 15 digits, country code first "
                "(e.g. +49 151 1234 5678), without a leading 0 or 00"
            )
            % {"value": repr((phone or "")[:40])},
            code="bad_phone",
        )
    return digits


def bsuid_normalise(value: str) -> str:
    """A business-scoped user id as WhatsApp writes it (its country code upper case)."""
    text = (value or "").strip()
    text = text[:2].upper() + text[2:]
    if not BSUID.fullmatch(text):
        raise DomainError(
            gettext(
                "%(value)s is not a business-scoped user id: a country code, a dot and up to "
                "128 letters and digits, e.g. US.13491208655302741918"
            )
            % {"value": repr((value or "")[:40])},
            code="bad_user_id",
        )
    return text


def contact_create(
    *,
    wa_id: str | None = None,
    user_id: str | None = None,
    name: str = "",
    phone: str = "",
    email: str = "",
    identifiers: dict[str, Any] | None = None,
) -> Contact:
    """A contact entered by hand (the admin): a WhatsApp number and/or a BSUID, written as
    the webhook writes them, so the customer's first message reaches this contact. A
    number or BSUID another contact has is refused (``duplicate``), never a second contact."""
    wa_id = wa_id_normalise(wa_id) if wa_id else None
    user_id = bsuid_normalise(user_id) if user_id else None
    if not (wa_id or user_id):
        raise DomainError(
            gettext("give a WhatsApp number, a business-scoped user id (BSUID), or both"), code="invalid"
        )
    if identifiers is not None and not isinstance(identifiers, dict):
        raise DomainError(gettext("identifiers are an object of named values"), code="invalid")
    contact = Contact(
        wa_id=wa_id,
        user_id=user_id,
        name=(name or "").strip(),
        phone=(phone or "").strip() or (f"+{wa_id}" if wa_id else ""),
        email=email or "",
        identifiers=identifiers or {},
    )
    try:
        contact.full_clean(exclude=["wa_id", "user_id"])
    except ValidationError as exc:
        raise DomainError(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()), code="invalid"
        ) from exc
    taken = Q(wa_id=wa_id) if wa_id else Q(pk__in=[])
    if user_id:
        taken |= Q(user_id=user_id)
    duplicate = Conflict(
        gettext("another contact already has this WhatsApp number or business-scoped user id"),
        code="duplicate",
    )
    if Contact.objects.filter(taken).exists():
        raise duplicate
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:  # created meanwhile
        raise duplicate from None
    return contact


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
            return _canonical(contact)
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


def _canonical(contact: Contact) -> Contact:
    """The contact a merged one now stands for (R8), following merges to the end."""
    seen = {contact.pk}
    while contact.merged_into_id and contact.merged_into_id not in seen:
        seen.add(contact.merged_into_id)
        contact = Contact.objects.get(pk=contact.merged_into_id)
    return contact


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


def sender_news(*, sender: SenderProfile, profile_name: str, username: str, wa_id: str, user_id: str) -> bool:
    """Does ``sender`` tell something the contact (as stored: these values) lacks? The
    webhook's hot path asks this before reading the contact again (G2: a BSUID that
    joins a number, a username the customer chose)."""
    return bool(
        (sender.profile_name and sender.profile_name != profile_name)
        or (sender.username and sender.username != username)
        or (sender.user_id and sender.user_id != user_id)
        or (sender.wa_id and not wa_id)
    )


def contact_username_seen(*, sender: SenderProfile) -> bool:
    """G2: a status webhook names the customer's username (delivered / read): a known
    contact gets it (never created for it). Returns whether a contact changed."""
    if not sender.username or not (sender.wa_id or sender.user_id):
        return False
    lookup = Q(wa_id=sender.wa_id) if sender.wa_id else Q(user_id=sender.user_id)
    contact = Contact.objects.filter(lookup).exclude(username=sender.username).only("pk").first()
    if contact is None:
        return False
    return contact_identity_refresh(contact_id=contact.pk, sender=sender) is not None


def contact_identity_refresh(*, contact_id: int, sender: SenderProfile) -> Contact | None:
    """G2: keep a known contact's WhatsApp identity as the customer's latest message gives
    it (the profile name, the username, a BSUID or a number it did not have), so that a
    later message carrying only one of the ids still finds this contact. None when the
    contact is gone."""
    contact = Contact.objects.select_for_update().filter(pk=contact_id).first()
    if contact is None:
        return None
    if _refresh_profile(contact, sender):
        events.contact_changed(contact=contact)  # the consoles show the new username at once
    return contact


def _refresh_profile(contact: Contact, sender: SenderProfile) -> list[str]:
    """Record what the sender says of themselves that the contact lacks; the changed fields."""
    changed: list[str] = []
    if sender.profile_name and contact.profile_name != sender.profile_name:
        contact.profile_name = sender.profile_name
        changed.append("profile_name")
    if sender.username and contact.username != sender.username:
        contact.username = sender.username
        changed.append("username")
    if (
        sender.user_id
        and contact.user_id != sender.user_id
        and not Contact.objects.filter(user_id=sender.user_id).exists()
    ):
        # A first BSUID, or a new one (its change notice missed or still on its way):
        # replies go to the id WhatsApp uses now; the old one is kept on record.
        if contact.user_id:
            _remember(contact, "previous_user_ids", contact.user_id)
            changed.append("identifiers")
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
    return changed


def _remember(contact: Contact, key: str, value: str) -> None:
    """Add ``value`` to the contact's list of former identities under ``key`` (once)."""
    kept = list(contact.identifiers.get(key, []))
    if value and value not in kept:
        contact.identifiers = {**contact.identifiers, key: [*kept, value]}


def contact_change_user_id(
    *, sender: SenderProfile, previous_user_id: str, new_user_id: str, parent_user_id: str = ""
) -> Contact | None:
    """G2: follow a ``user_changed_user_id`` notice (or the BSUID half of a number change):
    the customer keeps their contact, now under ``new_user_id``; the open conversations
    reply to the new id (the old one stops working at WhatsApp).

    The contact is the one of the previous BSUID, else of the sender's ids. Idempotent: a
    replay finds it already on the new id. When another contact already has the new id,
    both are kept (a supervisor merges them) and the conflict is recorded. A customer we
    never heard of is not created (the notice says nothing else about them): None.
    """
    old = previous_user_id or sender.user_id or ""
    contact = (
        (Contact.objects.filter(user_id=old).first() if old else None)
        or Contact.objects.filter(user_id=new_user_id).first()
        or (Contact.objects.filter(wa_id=sender.wa_id).first() if sender.wa_id else None)
    )
    if contact is None:
        return None
    contact = _canonical(contact)
    if old and old != new_user_id:
        Interaction.objects.filter(customer_user_id=old, state__in=Interaction.OPEN_STATES).update(
            customer_user_id=new_user_id
        )
    if contact.user_id == new_user_id:
        return contact  # a replay, or the message that named the new id came first
    fields = ["identifiers", "updated_at"]
    if Contact.objects.filter(user_id=new_user_id).exclude(pk=contact.pk).exists():
        contact.identifiers = {**contact.identifiers, "user_id_change_conflict": new_user_id}
        logger.warning("contact %s changed to a BSUID another contact has", contact.pk)
    else:
        _remember(contact, "previous_user_ids", contact.user_id or "")
        contact.user_id = new_user_id
        fields.append("user_id")
        if parent_user_id:
            contact.parent_user_id = parent_user_id
            fields.append("parent_user_id")
    contact.save(update_fields=fields)
    return contact


def contact_address_in_use(*, contact: Contact) -> tuple[str, str]:
    """R8: the (number, BSUID) to reach ``contact`` at: the address of their latest
    conversation (the number they last wrote from, a merged alias's say) while it is still
    one of theirs (not a number they changed away from), else their own. A contact keeps
    all its numbers; this is the one in use."""
    wa_ids, user_ids = _identities_of(contact)
    latest = (
        Interaction.objects.filter(contact=contact)
        .filter(Q(customer_wa_id__in=wa_ids) | Q(customer_wa_id="", customer_user_id__in=user_ids))
        .order_by("-created_at", "-id")
        .values_list("customer_wa_id", "customer_user_id")
        .first()
    )
    if latest is not None:
        return latest
    return contact.wa_id or "", contact.user_id or ""


def _identities_of(contact: Contact) -> tuple[set[str], set[str]]:
    """The numbers and BSUIDs that reach ``contact``: its own and its merged aliases'."""
    wa_ids, user_ids = set(), set()
    members, frontier = {contact.pk}, [contact]
    while frontier:
        for member in frontier:
            wa_ids.update([member.wa_id] if member.wa_id else [])
            user_ids.update([member.user_id] if member.user_id else [])
        frontier = list(
            Contact.objects.filter(merged_into__in=[m.pk for m in frontier]).exclude(pk__in=members)
        )
        members.update(m.pk for m in frontier)
    return wa_ids, user_ids


def contact_change_number(*, sender: SenderProfile, new_wa_id: str) -> Contact:
    """Follow a ``user_changed_number`` system message (``sender`` is on the old number):
    the contact keeps its history.

    Idempotent: a replay finds the contact already on the new number. When another
    contact already has the new number, both are kept (a supervisor merges them) and the
    old number is only recorded, so nothing is lost or silently merged. A sender we never
    heard from starts on the new number.
    """
    old_wa_id = sender.wa_id or ""
    if old_wa_id:
        # The open conversations on the old number go on on the new one (R8: replies go
        # where the customer is); closed ones keep the number they were held on.
        Interaction.objects.filter(customer_wa_id=old_wa_id, state__in=Interaction.OPEN_STATES).update(
            customer_wa_id=new_wa_id
        )
    contact = Contact.objects.filter(wa_id=old_wa_id).first()
    if contact is None:
        contact = Contact.objects.filter(wa_id=new_wa_id).first() or contact_resolve(
            sender=dataclasses.replace(sender, wa_id=new_wa_id)
        )
        if old_wa_id not in contact.identifiers.get("previous_wa_ids", []):
            previous = [*contact.identifiers.get("previous_wa_ids", []), old_wa_id]
            contact.identifiers = {**contact.identifiers, "previous_wa_ids": previous}
            contact.save(update_fields=["identifiers", "updated_at"])
        return contact
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


def contact_update(*, user: User, contact_id: int, **changes: Any) -> Contact:
    """W11: edit the contact database's fields (never the WhatsApp identity): supervisors,
    and agents writing in one of the contact's open conversations."""
    if not can_edit_contact(user, contact_id):
        raise PermissionDenied(
            gettext("only the agents of this customer's open conversation may edit the contact")
        )
    unknown = set(changes) - set(EDITABLE_CONTACT_FIELDS)
    if unknown:
        raise DomainError(
            gettext("these contact fields cannot be edited: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))},
            code="invalid",
        )
    with transaction.atomic():
        contact = Contact.objects.select_for_update().filter(pk=contact_id).first()
        if contact is None:
            raise NotFound(gettext("contact %(contact_id)s does not exist") % {"contact_id": contact_id})
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


def _ensure_may_merge(*, user: User, source_id: int, target_id: int) -> None:
    """P6: supervisors merge any two contacts; an agent assigns the customer of a
    conversation they own to a contact they may see (the directory, or their own)."""
    if user_is_supervisor(user):
        return
    if not Interaction.objects.filter(
        contact_id=source_id, owner_id=user.pk, state__in=Interaction.OPEN_STATES
    ).exists():
        raise PermissionDenied(
            gettext(
                "only the agent of this customer's open conversation (or a supervisor) may assign it to a contact"
            )
        )
    if not contact_list(user=user).filter(pk=target_id).exists():
        raise NotFound(
            gettext("contact %(contact_id)s does not exist or is not yours to see")
            % {"contact_id": target_id}
        )


def contact_merge(*, user: User, source_id: int, target_id: int) -> Contact:
    """R8: the customer behind ``source`` (e.g. a new, unknown number) is ``target``.

    Checked here (P6): a supervisor, or the agent owning the source's open conversation
    and able to see the target. Everything of the source moves to the target (interactions, messages), the source
    stays as an alias so that its number keeps reaching the target, and its identifiers
    are kept in the target's. Refused when both have a conversation open on the same
    number (finish one first), so no two open sessions ever meet in one contact.
    """
    if source_id == target_id:
        raise DomainError(gettext("a contact cannot be merged into itself"), code="invalid")
    _ensure_may_merge(user=user, source_id=source_id, target_id=target_id)
    with transaction.atomic():
        contacts = {
            c.pk: c for c in Contact.objects.select_for_update().filter(pk__in=[source_id, target_id])
        }
        if source_id not in contacts or target_id not in contacts:
            raise NotFound(gettext("both contacts must exist"))
        source, target = contacts[source_id], contacts[target_id]
        if target.merged_into_id:
            raise DomainError(
                gettext("the target was itself merged into another contact: use that one"), code="invalid"
            )
        open_states = Interaction.OPEN_STATES
        source_open = set(
            Interaction.objects.filter(contact=source, state__in=open_states).values_list(
                "channel_id", flat=True
            )
        )
        target_open = set(
            Interaction.objects.filter(contact=target, state__in=open_states).values_list(
                "channel_id", flat=True
            )
        )
        if source_open & target_open:
            raise Conflict(
                gettext("both contacts have a conversation open on the same number: finish one first"),
                code="both_open",
            )
        # The moved conversations keep talking to the number they were held on (R8): rows
        # from before the address was kept get the source's now, not the target's.
        Interaction.objects.filter(contact=source, customer_wa_id="", customer_user_id="").update(
            customer_wa_id=source.wa_id or "", customer_user_id=source.user_id or ""
        )
        moved = Interaction.objects.filter(contact=source).update(contact=target)
        Message.objects.filter(contact=source).update(contact=target)
        merged = list(target.identifiers.get("merged_contacts", []))
        merged.append(
            {
                "id": source.pk,
                "wa_id": source.wa_id,
                "user_id": source.user_id,
                "profile_name": source.profile_name,
            }
        )
        target.identifiers = {**target.identifiers, "merged_contacts": merged}
        if not target.name and source.name:
            target.name = source.name
        target.save(update_fields=["identifiers", "name", "updated_at"])
        source.merged_into = target
        source.save(update_fields=["merged_into", "updated_at"])
        logger.info("contact %s merged into %s by %s (%s interactions)", source.pk, target.pk, user.pk, moved)
        events.contact_changed(contact=target, merged_contact_ids=[source.pk])
    return target


def interaction_contact_assign(*, user: User, interaction_id: int, contact_id: int) -> Contact:
    """R8: the customer of this interaction (an unknown number, say) is a known contact:
    its owner (or a supervisor) merges the interaction's contact into it."""
    interaction = Interaction.objects.filter(pk=interaction_id).only("pk", "owner_id", "contact_id").first()
    if interaction is None:
        raise NotFound(
            gettext("interaction %(interaction_id)s does not exist") % {"interaction_id": interaction_id}
        )
    ensure_owner_or_supervisor(user, interaction, to=gettext("assign its contact"))
    return contact_merge(user=user, source_id=interaction.contact_id, target_id=contact_id)
