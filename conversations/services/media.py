"""Attachments: download what customers send, vet and store what agents send (M1, M2).

Inbound media arrive as an id in the webhook; the file is fetched by a task (a fresh
5-minute URL on every try), checked against WhatsApp's announced size and sha256 (the
media lookup's ``file_size``; the webhook's sha256, else the lookup's), stored
with Django's storage API (local files by default, any backend by setting) and, for
images, given a thumbnail. Retries are timer rows (``download_due_at``), so a crashed
worker's download is picked up by the beat sweep.
"""

from __future__ import annotations

import io
import logging
import mimetypes
import random
import secrets
from datetime import datetime, timedelta
from typing import BinaryIO

from django.contrib.auth.models import User
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations import events, jobs
from conversations.media import (
    MediaRejected,
    check_inbound_download,
    check_outbound_file,
    clean_file_name,
    human_size,
    make_thumbnail,
)
from conversations.media.images import image_converted_for_whatsapp
from conversations.media.sniff import as_file, size_of
from conversations.models import Attachment
from conversations.options import get_option
from waproject.embedded import enqueue
from whatsapp.client import CloudApiClient
from whatsapp.errors import CloudApiError, ErrorKind
from whatsapp.limits import LARGEST_MEDIA_BYTES

logger = logging.getLogger(__name__)

#: WhatsApp does not deliver inbound files over its largest (error 131052 instead).
INBOUND_MAX_BYTES = LARGEST_MEDIA_BYTES
MAX_DOWNLOAD_ATTEMPTS = 8
DOWNLOAD_BATCH = 50
#: Retries due sooner than this are scheduled on the broker; later ones wait for the sweep.
SCHEDULED_RETRY_MAX_SECONDS = 60
THUMBNAIL_KINDS = ("image", "sticker")


def _download_backoff(attempt: int) -> float:
    """Seconds before download retry ``attempt``: 5 s doubling, jittered ±20 %, at most an hour."""
    return float(min(5 * 2 ** (attempt - 1) * random.uniform(0.8, 1.2), 3600))


def attachment_download(*, attachment_id: int, client: CloudApiClient | None = None) -> Attachment | None:
    """Fetch, check and store one inbound file; idempotent and safe to run concurrently."""
    attachment = (
        Attachment.objects.select_related("message__channel")
        .filter(pk=attachment_id, state=Attachment.State.PENDING, message__isnull=False)
        .first()
    )
    if attachment is None or not attachment.media_id or attachment.message is None:
        return None  # (the query asked for a message)
    attempt = attachment.download_attempts + 1
    delay = _download_backoff(attempt)
    # Claim this attempt; the due time doubles as a lease if this worker dies.
    claimed = Attachment.objects.filter(
        pk=attachment.pk, state=Attachment.State.PENDING, download_attempts=attachment.download_attempts
    ).update(download_attempts=attempt, download_due_at=timezone.now() + timedelta(seconds=delay))
    if not claimed:
        return None  # another worker has it
    owns_client = client is None
    client = client or CloudApiClient.for_channel(attachment.message.channel)
    try:
        info = client.get_media(attachment.media_id)  # a fresh URL on every attempt
        data = client.download_media(info.url, max_bytes=INBOUND_MAX_BYTES)
        # The webhook's sha256 first; the media lookup's when the webhook carried none.
        check_inbound_download(
            data=data,
            expected_sha256=attachment.sha256 or info.sha256,
            expected_size=info.file_size,
            max_size=INBOUND_MAX_BYTES,
        )
    except CloudApiError as error:
        if error.kind == ErrorKind.RETRYABLE and attempt < MAX_DOWNLOAD_ATTEMPTS:
            Attachment.objects.filter(pk=attachment.pk).update(last_error=str(error)[:2000])
            if delay <= SCHEDULED_RETRY_MAX_SECONDS:
                enqueue(jobs.ATTACHMENT_DOWNLOAD, attachment.pk, countdown=delay)
            # a longer wait is left to the sweep of download_due_at (a broker holding a
            # task for an hour would hand it out again after its visibility timeout)
            return None
        return _download_failed(attachment, str(error))
    except MediaRejected as rejected:
        return _download_failed(attachment, rejected.message)
    finally:
        if owns_client:
            client.close()
    return _store_download(attachment, data, mime_type=info.mime_type or attachment.mime_type)


def _store_download(attachment: Attachment, data: bytes, *, mime_type: str) -> Attachment:
    base_mime = mime_type.split(";")[0].strip()
    extension = mimetypes.guess_extension(base_mime) or ""
    name = attachment.file_name or f"{attachment.kind}-{attachment.pk}{extension}"
    attachment.file.save(clean_file_name(name, mime_type=base_mime), ContentFile(data), save=False)
    attachment.size = len(data)
    attachment.mime_type = mime_type or attachment.mime_type
    if attachment.kind in THUMBNAIL_KINDS:
        _add_thumbnail(attachment, data)
    attachment.state = Attachment.State.STORED
    attachment.download_due_at = None
    attachment.last_error = ""
    with transaction.atomic():
        attachment.save(
            update_fields=[
                "file",
                "size",
                "mime_type",
                "thumbnail",
                "width",
                "height",
                "state",
                "download_due_at",
                "last_error",
            ]
        )
        if attachment.message is not None:  # always: an inbound file belongs to its message
            events.message_updated(message=attachment.message)
    return attachment


def _add_thumbnail(attachment: Attachment, data: bytes) -> None:
    try:
        thumbnail = make_thumbnail(data)
    except MediaRejected as rejected:  # the file is kept; the console shows an icon instead
        logger.info("no thumbnail for attachment %s: %s", attachment.pk, rejected.message)
        return
    attachment.thumbnail.save(f"thumb-{secrets.token_hex(6)}.jpg", ContentFile(thumbnail.data), save=False)
    attachment.width, attachment.height = thumbnail.width, thumbnail.height


def _download_failed(attachment: Attachment, reason: str) -> Attachment:
    with transaction.atomic():
        Attachment.objects.filter(pk=attachment.pk).update(
            state=Attachment.State.FAILED, download_due_at=None, last_error=reason[:2000]
        )
        attachment.refresh_from_db()
        if attachment.message is not None:  # always: an inbound file belongs to its message
            events.message_updated(message=attachment.message)
    logger.warning("attachment %s could not be downloaded: %s", attachment.pk, reason)
    return attachment


def attachment_download_due(*, now: datetime, limit: int = DOWNLOAD_BATCH) -> int:
    """Start the downloads whose (re)try is due; returns how many."""
    due = list(
        Attachment.objects.filter(
            state=Attachment.State.PENDING, download_due_at__lte=now, message__isnull=False
        )
        .order_by("download_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    for attachment_id in due:
        enqueue(jobs.ATTACHMENT_DOWNLOAD, attachment_id)
    return len(due)


class MediaTooLarge(MediaRejected):
    """A file larger than WhatsApp takes of any kind: refused before it is looked at."""

    status = 413


def attachment_upload(
    *, user: User, file_name: str, data: bytes | None = None, file: BinaryIO | None = None
) -> Attachment:
    """Vet and store a file an agent wants to send (checked by content, not by name).

    ``file``: an upload as received (read in chunks and by its headers, stored by
    streaming it: a 100 MB document never sits in memory); or ``data``, its bytes. Raises
    :class:`MediaRejected` with a precise message; nothing is stored then.
    """
    given = data if data is not None else file
    if given is None:
        raise MediaRejected(_("no file was given"))
    source = as_file(given)
    size = size_of(source)
    if size > LARGEST_MEDIA_BYTES:
        raise MediaTooLarge(
            _("files are limited to %(size)s") % {"size": human_size(LARGEST_MEDIA_BYTES, translated=True)}
        )
    allowed = [
        t.strip() for t in get_option("whatsappsession.attachment-allowed-types", agent_id=user.pk).split(",")
    ]
    converted = image_converted_for_whatsapp(source)  # a palette screenshot, a greyscale scan
    if converted is not None:
        source = io.BytesIO(converted)
    checked = check_outbound_file(
        data=source,
        file_name=file_name,
        max_size=get_option("whatsappsession.attachment-max-size", agent_id=user.pk),
        allowed_types=[t for t in allowed if t] or None,
    )
    attachment = Attachment(
        kind=checked.kind,
        mime_type=checked.mime_type,
        file_name=checked.upload_name,
        size=checked.size,
        state=Attachment.State.STORED,
        uploaded_by=user,
    )
    source.seek(0)
    attachment.file.save(checked.upload_name, File(source), save=False)
    if checked.kind in THUMBNAIL_KINDS:  # images and stickers: a few MB at most, checked above
        source.seek(0)
        _add_thumbnail(attachment, source.read())
    attachment.save()
    return attachment
