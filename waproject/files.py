"""Serving stored files that users or WhatsApp gave us, safely, from one place.

A customer's attachment, a template's header file or a sandbox media file may hold
anything (HTML, SVG with scripts…): it is served as the content type we decided, never
sniffed by the browser, and in a sandbox so that it can never run in our origin.
"""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse

#: No script, no plugin, no same-origin access: a stored file is only ever data.
CONTENT_SECURITY_POLICY = "default-src 'none'; sandbox"


def secure_file_response(
    stored: FieldFile,
    *,
    content_type: str | None = None,
    file_name: str | None = None,
    download: bool = False,
    private_cache_seconds: int | None = None,
) -> FileResponse:
    """Stream ``stored`` (opened here, read in chunks) as ``content_type`` (None: guessed
    from the name), as a download named ``file_name`` when ``download``.

    Raises OSError (FileNotFoundError…) when the storage lost the file: the caller decides
    what that answers.
    """
    response = FileResponse(
        stored.open("rb"),
        content_type=content_type,
        as_attachment=download,
        filename=file_name or "",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    if private_cache_seconds is not None:
        response["Cache-Control"] = f"private, max-age={private_cache_seconds}"
    return response
