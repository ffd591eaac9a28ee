"""Media: upload, describe, download (by a short-lived signed URL, like Meta's) and delete."""

from __future__ import annotations

import hashlib
import logging
import mimetypes
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse

from conversations.models import Channel
from sandbox import events, selectors, wire
from sandbox.errors import (
    GraphError,
    auth_error,
)
from sandbox.models import SandboxMedia
from sandbox.services.common import DEFAULT_MEDIA_URL_SECONDS, MEDIA_DOWNLOAD_SALT
from sandbox.validation import (
    MEDIA_MAX_BYTES,
    MEDIA_MIME_TYPES,
    base_mime,
    media_kind_for_mime,
)

logger = logging.getLogger(__name__)

_MAGIC = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n", "application/pdf": b"%PDF-"}


def media_upload(*, channel: Channel, upload: UploadedFile, declared_type: str, origin: str) -> SandboxMedia:
    """Store an uploaded file under ``sandbox/`` in the default storage; refuse what Meta refuses (131053)."""
    mime = base_mime(declared_type or upload.content_type or mimetypes.guess_type(upload.name or "")[0] or "")
    kind = media_kind_for_mime(mime)
    if kind is None:
        supported = ", ".join(t for types in MEDIA_MIME_TYPES.values() for t in types)
        raise GraphError(
            131053,
            f"Param file must be a file with one of the following types: {supported}. Got {mime or 'none'}.",
        )
    if upload.size is not None and upload.size > MEDIA_MAX_BYTES[kind]:
        raise GraphError(
            131053, f"The file is {upload.size} bytes; {kind} files may be at most {MEDIA_MAX_BYTES[kind]}."
        )
    if not upload.size:
        raise GraphError(131053, "The file is empty.")
    digest = hashlib.sha256()
    head = b""
    for chunk in upload.chunks():
        if len(head) < 16:
            head += chunk[:16]
        digest.update(chunk)
    if not _content_matches(mime, head):
        raise GraphError(
            131053, f"The file's content is not {mime}: the declared type and the file do not match."
        )
    upload.seek(0)
    media = SandboxMedia(
        media_id=wire.new_media_id(),
        channel=channel,
        origin=origin,
        filename=(upload.name or "")[:255],
        mime_type=declared_type.strip() if declared_type and base_mime(declared_type) == mime else mime,
        sha256=digest.hexdigest(),
        file_size=upload.size,
    )
    extension = mimetypes.guess_extension(mime) or ""
    media.file.save(f"{media.media_id}{extension}", upload, save=False)
    media.save()
    return media


def _content_matches(mime: str, head: bytes) -> bool:
    """Check the first bytes of the kinds that have a signature (a renamed file is a 131053 at Meta)."""
    if mime == "image/webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    magic = _MAGIC.get(mime)
    return magic is None or head.startswith(magic)


def media_info(*, media: SandboxMedia) -> dict[str, Any]:
    """``GET /<media_id>``: where to download the file for the next few minutes (reference §7)."""
    return {
        "messaging_product": "whatsapp",
        "url": media_download_url(media=media),
        "mime_type": media.mime_type,
        "sha256": media.sha256,
        "file_size": media.file_size,
        "id": media.media_id,
    }


def media_download_url(*, media: SandboxMedia) -> str:
    """An absolute, signed, short-lived URL (like Meta's lookaside URLs, it also needs the token)."""
    signed = signing.TimestampSigner(salt=MEDIA_DOWNLOAD_SALT).sign(media.media_id)
    query = urlencode({"mid": signed, "source": "getMedia"})
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{reverse('sandbox:media-download')}?{query}"


def media_from_download(*, signed: str, token: str) -> SandboxMedia | None:
    """The media a download URL names, if the URL is genuine and fresh and ``token`` may read it.

    Raises ``GraphError`` (401) for a missing or unknown token; None means 404.
    """
    if not token:
        raise auth_error("An access token is required: send Authorization: Bearer <token>.")
    allowed = selectors.channels_for_token(token=token)
    if not allowed:
        raise auth_error("The access token could not be decrypted or does not belong to any number.")
    max_age = getattr(settings, "WHATSAPP_SANDBOX_MEDIA_URL_SECONDS", DEFAULT_MEDIA_URL_SECONDS)
    try:
        media_id = signing.TimestampSigner(salt=MEDIA_DOWNLOAD_SALT).unsign(signed, max_age=max_age)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    media = selectors.media_get(media_id=media_id)
    if media is None or media.channel not in allowed:
        return None
    return media


def media_from_phone_link(*, signed: str) -> SandboxMedia | None:
    try:
        media_id = signing.TimestampSigner(salt=events.PHONE_MEDIA_SALT).unsign(
            signed, max_age=events.PHONE_MEDIA_MAX_AGE
        )
    except signing.BadSignature:
        return None
    return selectors.media_get(media_id=media_id)


def media_delete(*, media: SandboxMedia) -> None:
    """Forget an uploaded file and its bytes (messages already on the phone keep their id)."""
    storage, name = media.file.storage, media.file.name
    media.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
