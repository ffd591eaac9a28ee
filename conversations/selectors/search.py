"""O6: search the interactions a user may see (the same scope as every read of them:
``interaction_list_for_user``) by contact, number or username, message text, dates,
agent, queue, disposition and state.

Message text: on PostgreSQL a full-text search (``to_tsvector('simple', body)``, words
in any language, no stemming) answered by a GIN index (migration
``conversations.0018_message_body_search``); on SQLite, the embedded default, a
case-insensitive substring match (``icontains``), which reads every message of the
interactions in scope: right for a single-machine install's history, and the documented
fallback. Contacts: on PostgreSQL by word prefixes of their names and username and by the
start of their number (indexed, ``0020_contact_search``); on SQLite by substring (names,
username, any part of a number, the conversation's number too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from conversations.models import Contact, Interaction, Message
from conversations.selectors.interactions import interaction_list_for_user

#: Up to this many matching contacts are passed by id (else as a subquery).
CONTACTS_BY_ID = 1000
#: The PostgreSQL text-search configuration of the index and the query (they must match).
SEARCH_CONFIG = "simple"


@dataclass(frozen=True)
class InteractionSearch:
    """What to look for; empty fields do not filter."""

    contact: str = ""
    text: str = ""
    created_from: datetime | None = None
    created_before: datetime | None = None
    agent_id: int | None = None
    queue_id: int | None = None
    disposition: str | None = None
    state: str | None = None


def full_text_search() -> bool:
    """Whether message text is searched with PostgreSQL's full-text index."""
    return connection.vendor == "postgresql"


def _is_number(text: str) -> str:
    """The digits of ``text`` when it is (part of) a phone number: 3 digits or more and
    nothing else than spaces, +, -, dots and parentheses; else ""."""
    digits = re.sub(r"[^0-9]", "", text)
    return digits if len(digits) >= 3 and not re.sub(r"[0-9\s+\-.()]", "", text) else ""


def _name_query(text: str) -> str:
    """A PostgreSQL tsquery of every word of ``text`` as a prefix ("lena schm" gives
    ``'lena':* & 'schm':*``); words keep letters, digits, ``.``, ``_`` and ``-`` only,
    so no operator of the query language gets through."""
    words = [re.sub(r"[^\w.\-]", "", word) for word in text.lstrip("@").split()]
    return " & ".join(f"'{word}':*" for word in words if word.strip(".-"))


def _contacts_matching(text: str) -> QuerySet[Contact]:
    digits = _is_number(text)
    if full_text_search():
        # Word prefixes of the names and username, the start of the number: both indexed
        # (migration 0020_contact_search).
        found = Q(pk__in=[])
        query = "" if digits else _name_query(text)  # a number is looked for as a number
        if query:
            table = Contact._meta.db_table
            names = RawSQL(
                f"SELECT id FROM {table} WHERE to_tsvector('{SEARCH_CONFIG}'::regconfig, "
                "name || ' ' || profile_name || ' ' || username) "
                f"@@ to_tsquery('{SEARCH_CONFIG}'::regconfig, %s)",
                [query],
            )
            found |= Q(pk__in=names)
        if digits:
            found |= Q(wa_id__startswith=digits)
        return Contact.objects.filter(found)
    found = (
        Q(name__icontains=text) | Q(profile_name__icontains=text) | Q(username__icontains=text.lstrip("@"))
    )
    if digits:
        found |= Q(wa_id__contains=digits) | Q(phone__contains=digits)
    return Contact.objects.filter(found)


def _with_text(interactions: QuerySet[Interaction], text: str) -> QuerySet[Interaction]:
    if full_text_search():
        table = Message._meta.db_table
        matching = RawSQL(
            f"SELECT interaction_id FROM {table} WHERE to_tsvector('{SEARCH_CONFIG}'::regconfig, body)"
            f" @@ plainto_tsquery('{SEARCH_CONFIG}'::regconfig, %s)",
            [text],
        )
        return interactions.filter(pk__in=matching)
    return interactions.filter(
        Exists(Message.objects.filter(interaction_id=OuterRef("pk"), body__icontains=text))
    )


def interaction_search(*, user: User, search: InteractionSearch) -> QuerySet[Interaction]:
    """The interactions ``user`` may see that match ``search`` (newest first by id)."""
    found = interaction_list_for_user(user=user)
    if search.contact:
        contacts = _contacts_matching(search.contact)
        # A few contacts (the usual case) are named by id, so each is found through the
        # interactions' contact index; the planner guessed thousands for a subquery and
        # walked every interaction instead.
        ids = list(contacts.values_list("pk", flat=True)[: CONTACTS_BY_ID + 1])
        by_contact = Q(contact_id__in=ids) if len(ids) <= CONTACTS_BY_ID else Q(contact__in=contacts)
        digits = _is_number(search.contact)
        if digits and not full_text_search():  # the number this conversation used (R8)
            by_contact |= Q(customer_wa_id__contains=digits)
        found = found.filter(by_contact)
    if search.text:
        found = _with_text(found, search.text)
    if search.created_from:
        found = found.filter(created_at__gte=search.created_from)
    if search.created_before:
        found = found.filter(created_at__lt=search.created_before)
    if search.agent_id:
        found = found.filter(owner_id=search.agent_id)
    if search.queue_id:
        found = found.filter(queue_id=search.queue_id)
    if search.disposition is not None:
        found = found.filter(disposition=search.disposition)
    if search.state:
        found = found.filter(state=search.state)
    return found.order_by("-id")
