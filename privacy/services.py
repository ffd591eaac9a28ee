"""Retention and privacy (X4): the purges, a contact's erasure and export.

Retention: the beat's ``retention_purge_task`` (every minute) deletes raw bodies of
processed webhook events older than ``RETENTION_WEBHOOK_BODY_DAYS`` and media files older
than ``RETENTION_MEDIA_DAYS``, at most ``RETENTION_BATCH`` rows of each per run, oldest
first, through partial indexes on their date columns (timers are rows: a run costs what
is due). The rows stay: an event keeps its state, flags and summary; an attachment
becomes "purged" and the transcript says the file was deleted. Idempotent: a row is
picked by its old state and written with the new one.

Erasure replaces what identifies or quotes the customer (names, numbers, identifiers,
message text and structured content, media, notes, case data, raw webhook bodies
naming them) with placeholders; every row stays, so reports still count interactions,
messages, dispositions and times. A contact with an open interaction is refused: its
agent is still talking to the customer (close it, Done, then erase).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypedDict

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext

from audit.models import AuditEntry
from audit.services import audit_record
from conversations.exceptions import Conflict, NotFound, PermissionDenied
from conversations.models import (
    Attachment,
    ConsultationMessage,
    Contact,
    Interaction,
    InteractionNote,
    Message,
    PendingRevision,
    PendingStatus,
    Reaction,
    WebhookEvent,
)
from flows.models import FlowSession
from integrations.models import Delivery
from surveys.models import SurveyRequest

logger = logging.getLogger(__name__)

ERASE_PERMISSION = "conversations.erase_contact_data"
EXPORT_PERMISSION = "conversations.export_contact_data"
#: What erased text reads as.
ERASED = "(erased)"


# --- retention ---------------------------------------------------------------------------


def retention_purge(*, now: datetime, limit: int | None = None) -> int:
    """One run of the retention purge; returns how many rows it purged."""
    limit = limit or settings.RETENTION_BATCH
    purged = 0
    if settings.RETENTION_WEBHOOK_BODY_DAYS:
        cutoff = now - timedelta(days=settings.RETENTION_WEBHOOK_BODY_DAYS)
        purged += webhook_bodies_purge(received_before=cutoff, now=now, limit=limit)
    if settings.RETENTION_MEDIA_DAYS:
        cutoff = now - timedelta(days=settings.RETENTION_MEDIA_DAYS)
        purged += media_files_purge(created_before=cutoff, now=now, limit=limit)
    return purged


def webhook_bodies_purge(*, received_before: datetime, now: datetime, limit: int) -> int:
    """Delete the raw bodies of processed events received before the cutoff (oldest first,
    ``webhook_body_retention_idx``). Failed and flagged events keep theirs: they still
    need replaying or reading."""
    due = list(
        WebhookEvent.objects.filter(
            state=WebhookEvent.State.PROCESSED, body_purged_at__isnull=True, received_at__lt=received_before
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not due:
        return 0
    return WebhookEvent.objects.filter(
        pk__in=due, state=WebhookEvent.State.PROCESSED, body_purged_at__isnull=True
    ).update(body="", body_purged_at=now)


def media_files_purge(*, created_before: datetime, now: datetime, limit: int) -> int:
    """Delete stored files (and thumbnails) created before the cutoff (oldest first,
    ``attachment_retention_idx``); the rows become "purged".

    Files are deleted before the rows are marked: a crash between the two leaves rows
    whose files are gone, which the next run marks (deleting a missing file is a no-op),
    never a file no row points to. No lock is held while the storage works.
    """
    due = list(
        Attachment.objects.filter(state=Attachment.State.STORED, created_at__lt=created_before)
        .order_by("created_at")
        .values_list("pk", "file", "thumbnail")[:limit]
    )
    if not due:
        return 0
    _delete_files(name for _, file, thumbnail in due for name in (file, thumbnail))
    return Attachment.objects.filter(pk__in=[pk for pk, _, _ in due], state=Attachment.State.STORED).update(
        state=Attachment.State.PURGED,
        purge_reason=Attachment.PurgeReason.RETENTION,
        purged_at=now,
        file="",
        thumbnail="",
    )


def _delete_files(names: Iterable[str]) -> None:
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except Exception:  # the row still says purged; the file is reported for the operator
            logger.exception("could not delete media file %s", name)


# --- erasure -----------------------------------------------------------------------------


class ErasureResult(TypedDict):
    """What an erasure did: the contact, when, and how many rows of each kind it blanked."""

    contact_id: int
    erased_at: str
    counts: dict[str, int]


class ContactExport(TypedDict):
    """Everything stored about one contact (and contacts merged into it), as one document."""

    format: str
    exported_at: str
    contact: dict[str, object]
    merged_contacts: list[dict[str, object]]
    interactions: list[dict[str, object]]
    messages: list[dict[str, object]]


class ExportNote(TypedDict):
    """A note or an internal message of an exported interaction."""

    author: str
    body: str
    created_at: str | None


@dataclass
class ErasureReport:
    contact_id: int
    erased_at: datetime
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> ErasureResult:
        return {"contact_id": self.contact_id, "erased_at": self.erased_at.isoformat(), "counts": self.counts}


def _people(contact: Contact) -> list[int]:
    """The contact and every contact merged into it (R8: the same customer's other numbers)."""
    ids, frontier = [contact.pk], [contact.pk]
    while frontier:
        frontier = list(
            Contact.objects.filter(merged_into_id__in=frontier)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return ids


def contact_erase(*, user: User, contact_id: int) -> ErasureReport:
    """Erase one contact's personal data (and that of contacts merged into it); see the
    module docstring. Needs "Can erase contact data"; recorded in the audit log."""
    if not user.has_perm(ERASE_PERMISSION):
        raise PermissionDenied(
            # the permission by its name in the admin (permissions' names are not translated)
            gettext("erasing a contact's data needs the permission 'Can erase contact data'")
        )
    now = timezone.now()
    with transaction.atomic():
        contact = Contact.objects.select_for_update().filter(pk=contact_id).first()
        if contact is None:
            raise NotFound(gettext("contact %(id)s does not exist") % {"id": contact_id})
        people = _people(contact)
        open_ids = sorted(
            Interaction.objects.filter(contact_id__in=people, state__in=Interaction.OPEN_STATES).values_list(
                "pk", flat=True
            )
        )
        if open_ids:
            raise Conflict(
                gettext(
                    "contact %(id)s has open interactions (%(interactions)s): an agent is still talking "
                    "to the customer; close them (Done) first, then erase"
                )
                % {"id": contact_id, "interactions": ", ".join(map(str, open_ids))},
                code="contact_has_open_interactions",
                interaction_ids=open_ids,
            )
        identifiers = _identifiers(people)
        counts, files = _erase_rows(people, now=now)
        audit_record(
            actor=user,
            action=AuditEntry.Action.CONTACT_ERASE,
            target_model=Contact,
            target_id=contact_id,
            details={"contacts": people, **counts},
        )
        transaction.on_commit(lambda: _delete_files(files))
    counts["webhook_bodies"] = _webhook_bodies_naming(identifiers, now=now)
    return ErasureReport(contact_id=contact_id, erased_at=now, counts=counts)


def _identifiers(people: list[int]) -> set[str]:
    found: set[str] = set()
    for wa_id, user_id in Contact.objects.filter(pk__in=people).values_list("wa_id", "user_id"):
        found.update(v for v in (wa_id, user_id) if v)
    for wa_id, user_id in Interaction.objects.filter(contact_id__in=people).values_list(
        "customer_wa_id", "customer_user_id"
    ):
        found.update(v for v in (wa_id, user_id) if v)
    return {v for v in found if not v.startswith("erased-")}


def _erase_rows(people: list[int], *, now: datetime) -> tuple[dict[str, int], list[str]]:
    messages = Message.objects.filter(contact_id__in=people)
    wamids = list(messages.filter(wamid__isnull=False).values_list("wamid", flat=True))
    attachments = Attachment.objects.filter(message__contact_id__in=people).exclude(
        state=Attachment.State.PURGED, purge_reason=Attachment.PurgeReason.ERASURE
    )
    files = [name for pair in attachments.values_list("file", "thumbnail") for name in pair if name]
    counts = {
        "attachments": attachments.update(
            state=Attachment.State.PURGED,
            purge_reason=Attachment.PurgeReason.ERASURE,
            purged_at=now,
            file="",
            thumbnail="",
            file_name="",
            media_id="",
            sha256="",
            last_error="",
            download_due_at=None,
        ),
        # Reactions, parked statuses and edits are keyed by the messages' wamids (which
        # encode the customer's number): they go; the messages stay.
        "reactions": Reaction.objects.filter(target_wamid__in=wamids).delete()[0],
        "pending": PendingStatus.objects.filter(wamid__in=wamids).delete()[0]
        + PendingRevision.objects.filter(original_wamid__in=wamids).delete()[0],
    }
    messages.exclude(body="").update(body=ERASED)
    messages.filter(wamid__isnull=False).update(
        wamid=Concat(models.Value("erased."), Cast("pk", models.CharField()))
    )
    counts["messages"] = messages.update(
        content={}, referral={}, errors=[], error_details="", context_wamid="", pricing={}
    )
    interactions = Interaction.objects.filter(contact_id__in=people)
    interactions.exclude(done_note="").update(done_note=ERASED)
    counts["interactions"] = interactions.update(
        case_data={}, customer_wa_id="", customer_user_id="", last_inbound_wamid=""
    )
    # B5: integrators' outbox rows hold the customer's messages as sent: they go (and
    # with them any still waiting for a receiver), their attempt log too.
    counts["webhook_deliveries"] = (
        Delivery.objects.filter(interaction__contact_id__in=people).delete()[1].get(Delivery._meta.label, 0)
    )
    # B1: the answers an entry flow collected (an order number, …) are the customer's.
    counts["flow_answers"] = FlowSession.objects.filter(interaction__contact_id__in=people).update(answers={})
    counts["notes"] = InteractionNote.objects.filter(interaction__contact_id__in=people).update(body=ERASED)
    # B3: the customer's survey comment is their words; the answer's wamids encode the number.
    surveys = SurveyRequest.objects.filter(contact_id__in=people)
    counts["survey_comments"] = surveys.exclude(comment="").update(comment=ERASED)
    surveys.update(answer_wamid="", comment_wamid="")
    counts["consultation_messages"] = ConsultationMessage.objects.filter(
        interaction__contact_id__in=people
    ).update(body=ERASED)
    for pk in people:
        Contact.objects.filter(pk=pk).update(
            wa_id=f"erased-{pk}",
            user_id=None,
            parent_user_id="",
            username="",
            profile_name="",
            name=ERASED,
            phone="",
            email="",
            identifiers={},
            erased_at=now,
            updated_at=now,
        )
    counts["contacts"] = len(people)
    # The admin's history named the contact (its str() is the customer's name).
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Contact), object_id__in=[str(pk) for pk in people]
    ).update(object_repr=ERASED)
    return counts, files


#: Webhook bodies are searched for the customer's identifiers by these many ids at a time.
WEBHOOK_ERASE_BATCH = 500


def _webhook_bodies_naming(identifiers: set[str], *, now: datetime) -> int:
    """Delete the raw bodies of stored webhooks that name the customer (their number or
    BSUID as a JSON string). Bodies still kept are at most the retention period's worth;
    the search reads them outside the erasure's transaction (no lock held meanwhile), and
    failed (or journaled, not yet processed) events whose body goes are flagged instead of
    retried."""
    purged = 0
    for identifier in sorted(identifiers):
        while True:
            ids = list(
                WebhookEvent.objects.filter(body_purged_at__isnull=True, body__contains=f'"{identifier}"')
                .order_by()
                .values_list("pk", flat=True)[:WEBHOOK_ERASE_BATCH]
            )
            if not ids:
                break
            with transaction.atomic():
                waiting = (WebhookEvent.State.FAILED, WebhookEvent.State.RECEIVED)
                WebhookEvent.objects.filter(pk__in=ids, state__in=waiting).update(
                    state=WebhookEvent.State.FLAGGED, retry_due_at=None
                )
                purged += WebhookEvent.objects.filter(pk__in=ids, body_purged_at__isnull=True).update(
                    body="", body_purged_at=now
                )
    return purged


# --- export ------------------------------------------------------------------------------


def contact_export(*, user: User, contact_id: int) -> ContactExport:
    """Everything stored about one contact (and contacts merged into it), as JSON: the
    contact, its interactions with notes and internal messages, its messages with their
    attachments' metadata (not the files). Needs "Can export contact data"; recorded."""
    if not user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied(
            gettext("exporting a contact's data needs the permission 'Can export contact data'")
        )
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(gettext("contact %(id)s does not exist") % {"id": contact_id})
    people = _people(contact)
    contacts = {c.pk: c for c in Contact.objects.filter(pk__in=people)}
    interactions = list(
        Interaction.objects.filter(contact_id__in=people)
        .select_related("channel", "queue")
        .order_by("created_at", "id")
    )
    notes = _grouped(
        InteractionNote.objects.filter(interaction__contact_id__in=people).select_related("author")
    )
    internal = _grouped(
        ConsultationMessage.objects.filter(interaction__contact_id__in=people).select_related("author")
    )
    messages = (
        Message.objects.filter(contact_id__in=people)
        .select_related("attachment", "author")
        .order_by("origination_at", "id")
    )
    document: ContactExport = {
        "format": "whatsapp-agent-workspace contact export, version 1",
        "exported_at": timezone.now().isoformat(),
        "contact": _contact(contacts[contact.pk]),
        "merged_contacts": [_contact(c) for pk, c in sorted(contacts.items()) if pk != contact.pk],
        "interactions": [_interaction(i, notes.get(i.pk, []), internal.get(i.pk, [])) for i in interactions],
        "messages": [_message(m) for m in messages.iterator(chunk_size=500)],
    }
    audit_record(
        actor=user,
        action=AuditEntry.Action.CONTACT_EXPORT,
        target_model=Contact,
        target_id=contact_id,
        details={
            "contacts": people,
            "interactions": len(document["interactions"]),
            "messages": len(document["messages"]),
        },
    )
    return document


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _who(user: User | None) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _grouped(
    rows: models.QuerySet[InteractionNote] | models.QuerySet[ConsultationMessage],
) -> dict[int, list[ExportNote]]:
    grouped: dict[int, list[ExportNote]] = {}
    for row in rows.order_by("created_at", "id"):
        grouped.setdefault(row.interaction_id, []).append(
            {"author": _who(row.author), "body": row.body, "created_at": _iso(row.created_at)}
        )
    return grouped


def _contact(contact: Contact) -> dict[str, object]:
    return {
        "id": contact.pk,
        "wa_id": contact.wa_id,
        "user_id": contact.user_id,
        "parent_user_id": contact.parent_user_id,
        "username": contact.username,
        "profile_name": contact.profile_name,
        "name": contact.name,
        "phone": contact.phone,
        "email": contact.email,
        "identifiers": contact.identifiers,
        "merged_into": contact.merged_into_id,
        "created_at": _iso(contact.created_at),
        "updated_at": _iso(contact.updated_at),
        "erased_at": _iso(contact.erased_at),
    }


def _interaction(
    interaction: Interaction, notes: list[ExportNote], internal: list[ExportNote]
) -> dict[str, object]:
    return {
        "id": interaction.pk,
        "contact_id": interaction.contact_id,
        "channel": str(interaction.channel),
        "state": interaction.state,
        "origin": interaction.origin,
        "queue": interaction.queue.name if interaction.queue else "",
        "customer_wa_id": interaction.customer_wa_id,
        "customer_user_id": interaction.customer_user_id,
        "case_data": interaction.case_data,
        "disposition": interaction.disposition,
        "done_note": interaction.done_note,
        "created_at": _iso(interaction.created_at),
        "accepted_at": _iso(interaction.accepted_at),
        "closed_at": _iso(interaction.closed_at),
        "notes": notes,
        "internal_messages": internal,
    }


def _message(message: Message) -> dict[str, object]:
    try:
        attachment = message.attachment
    except Attachment.DoesNotExist:
        attachment = None
    return {
        "id": message.pk,
        "interaction_id": message.interaction_id,
        "contact_id": message.contact_id,
        "direction": message.direction,
        "type": message.type,
        "wamid": message.wamid,
        "body": message.body,
        "content": message.content,
        "status": message.status,
        "author": _who(message.author),
        "origination_at": _iso(message.origination_at),
        "arrived_at": _iso(message.arrived_at),
        "sent_at": _iso(message.sent_at),
        "delivered_at": _iso(message.delivered_at),
        "read_at": _iso(message.read_at),
        "failed_at": _iso(message.failed_at),
        "error_code": message.error_code,
        "error_title": message.error_title,
        "attachment": None
        if attachment is None
        else {
            "kind": attachment.kind,
            "mime_type": attachment.mime_type,
            "file_name": attachment.file_name,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "state": attachment.state,
            "created_at": _iso(attachment.created_at),
            "purged_at": _iso(attachment.purged_at),
        },
    }
