"""What a webhook's values must fit to be stored: the columns each one goes to.

The wire (``whatsapp.inbound``) parses without a database; it checks each string it hands
on against a :class:`~whatsapp.records.StorageLimits` built here from the models, so a
migration that changes a column changes the check with it (DESIGN invariant 7: one value
too long must not fail the whole webhook's transaction).
"""

from __future__ import annotations

import functools

from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations

from whatsapp.records import StorageLimits

from .contacts import Contact
from .interactions import Interaction
from .messages import Attachment, Message, PendingStatus, Reaction
from .revisions import PendingRevision

#: The columns each stored string of a webhook goes to, as ``(model, field, extra)`` where
#: ``extra`` counts the characters added when stored (a contact's phone is ``+`` and the
#: ``wa_id``). A value must fit all of its columns.
STORED_IN: dict[str, tuple[tuple[type, str, int], ...]] = {
    "id": (
        (Message, "wamid", 0),
        (Interaction, "last_inbound_wamid", 0),
        (Reaction, "wamid", 0),
        (PendingRevision, "wamid", 0),
    ),
    "from": ((Contact, "wa_id", 0), (Contact, "phone", 1), (Interaction, "customer_wa_id", 0)),
    "from_user_id": ((Contact, "user_id", 0), (Interaction, "customer_user_id", 0)),
    "parent_user_id": ((Contact, "parent_user_id", 0),),
    "profile.name": ((Contact, "profile_name", 0),),
    "profile.username": ((Contact, "username", 0),),
    "context.id": ((Message, "context_wamid", 0),),
    "media.id": ((Attachment, "media_id", 0),),
    "media.mime_type": ((Attachment, "mime_type", 0),),
    "media.sha256": ((Attachment, "sha256", 0),),
    "media.filename": ((Attachment, "file_name", 0),),
    "reaction.message_id": ((Reaction, "target_wamid", 0),),
    "reaction.emoji": ((Reaction, "emoji", 0),),
    "original_message_id": ((PendingRevision, "original_wamid", 0),),
    "system.wa_id": ((Contact, "wa_id", 0), (Contact, "phone", 1)),
    "status.id": ((Message, "wamid", 0), (PendingStatus, "wamid", 0)),
}


def field_max_length(model: type[models.Model], name: str) -> int:
    """The ``max_length`` of a model's text column (a field without one is a mistake here)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.max_length is None:
        raise TypeError(f"{model.__name__}.{name} has no max_length")
    return field.max_length


def _max_length(name: str) -> int:
    return min(field_max_length(model, field_name) - extra for model, field_name, extra in STORED_IN[name])


@functools.cache
def webhook_limits() -> StorageLimits:
    """The limits ``whatsapp.inbound`` checks a webhook's values against (read once): each
    string's longest storable value, and the integers the status error code's column holds
    on every database (SQLite's are wider than PostgreSQL's)."""
    error_code = Message._meta.get_field("error_code").get_internal_type()
    return StorageLimits(
        lengths={name: _max_length(name) for name in STORED_IN},
        error_code_range=BaseDatabaseOperations.integer_field_ranges[error_code],
    )
