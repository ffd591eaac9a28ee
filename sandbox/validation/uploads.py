"""The Resumable Upload API's sessions and file handles as the sandbox issues them (G1: a
template's media header sample). Both are signed, so the sandbox keeps no rows for them:
a session says which app, length and type it was opened for; a handle says what file
(type, size, SHA-256) was uploaded, and a template definition's ``header_handle`` is
checked against it.
"""

from __future__ import annotations

from django.core import signing

SESSION_SALT = "sandbox.resumable-upload.session"
HANDLE_SALT = "sandbox.resumable-upload.handle"
#: The file types the Resumable Upload API accepts (Meta's list).
FILE_TYPES = ("application/pdf", "image/jpeg", "image/jpg", "image/png", "video/mp4")
#: Which uploaded type each media header's sample may be.
HEADER_FILE_TYPES = {
    "IMAGE": ("image/jpeg", "image/jpg", "image/png"),
    "VIDEO": ("video/mp4",),
    "DOCUMENT": ("application/pdf",),
}
#: Our sandbox keeps samples small (Meta's limits are larger; a sample needs no more).
FILE_LENGTH_MAX = 16 * 1024 * 1024


def session_id(*, app_id: str, file_length: int, file_type: str, file_name: str) -> str:
    return "upload:" + signing.dumps(
        {"app": app_id, "length": file_length, "type": file_type, "name": file_name}, salt=SESSION_SALT
    )


def session_read(value: str) -> dict[str, object] | None:
    """The session's facts, or None when it is not one the sandbox opened."""
    if not value.startswith("upload:"):
        return None
    try:
        facts = signing.loads(value.removeprefix("upload:"), salt=SESSION_SALT)
    except signing.BadSignature:
        return None
    return facts if isinstance(facts, dict) else None


def file_handle(*, file_type: str, file_length: int, sha256: str) -> str:
    return "4::" + signing.dumps(
        {"type": file_type, "length": file_length, "sha256": sha256}, salt=HANDLE_SALT
    )


def handle_read(value: object) -> dict[str, object] | None:
    """What an uploaded file's handle names, or None when the sandbox never issued it."""
    if not isinstance(value, str) or not value.startswith("4::"):
        return None
    try:
        facts = signing.loads(value.removeprefix("4::"), salt=HANDLE_SALT)
    except signing.BadSignature:
        return None
    return facts if isinstance(facts, dict) else None
