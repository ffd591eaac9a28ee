"""G3: the customer's marketing preference, as WhatsApp reports it (``user_preferences``
webhooks, or the older ``user_preference_changed`` system message)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from conversations import events
from conversations.models import Contact
from conversations.services.contacts import contact_resolve
from whatsapp.records import SenderProfile

#: The only category WhatsApp reports today.
MARKETING = "marketing_messages"


def marketing_preference_apply(*, customer: SenderProfile, value: str, at: datetime) -> bool:
    """Record that the customer stopped (``stop``) or resumed (``resume``) marketing
    messages at ``at``. Only a newer choice wins (within one second, the later webhook),
    so a redelivered or late webhook changes nothing. A customer we never heard of gets a contact: the choice must hold when the
    business writes to them first (O5). Returns whether the contact changed."""
    if value not in ("stop", "resume"):
        return False
    contact = contact_resolve(sender=customer)
    updated = (
        Contact.objects.filter(pk=contact.pk)
        .filter(Q(marketing_preference_at__isnull=True) | Q(marketing_preference_at__lte=at))
        .exclude(marketing_preference=value, marketing_preference_at=at)  # a redelivery
        # updated_at moves too (``update`` skips auto_now): it is the version consoles keep
        # the newest contact by, and a contact read before this change must look older
        .update(marketing_preference=value, marketing_preference_at=at, updated_at=timezone.now())
    )
    if updated:
        contact.refresh_from_db()
        events.contact_changed(contact=contact)
    return bool(updated)
