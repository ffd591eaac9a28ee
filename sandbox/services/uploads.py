"""Meta's Resumable Upload API, played by the sandbox (G1): what a template's IMAGE, VIDEO
or DOCUMENT header needs as its sample (``example.header_handle``).

``POST /<APP_ID>/uploads?file_name=&file_length=&file_type=`` (the app's token, as a
Bearer token or ``access_token``) opens a session → ``{"id": "upload:<session>"}``;
``POST /upload:<session>`` with ``Authorization: OAuth <token>``, ``file_offset: 0`` and the
bytes as the body → ``{"h": "<handle>"}``. The sandbox takes a file in one piece (offset 0);
resuming is answered with ``file_offset`` of 0, as Meta does for a session that got nothing.
"""

from __future__ import annotations

import hashlib
import hmac

from conversations.models import Channel
from sandbox.errors import GraphError, auth_error, unknown_object
from sandbox.validation.uploads import FILE_LENGTH_MAX, FILE_TYPES, file_handle, session_id, session_read


def app_authenticate(*, app_id: str, token: str) -> Channel:
    """A number of Meta app ``app_id`` whose access token is ``token``."""
    if not token:
        raise auth_error("An access token is required: send Authorization: Bearer <token>.")
    channels = Channel.objects.filter(is_active=True, app_id=app_id).order_by("pk")
    if not channels:
        raise unknown_object(app_id)
    for channel in channels:
        if channel.access_token and hmac.compare_digest(channel.access_token.encode(), token.encode()):
            return channel
    raise auth_error(f"The access token does not belong to app {app_id}.")


def upload_session_open(*, app_id: str, params: dict[str, str]) -> dict[str, object]:
    """Step 1: a session for one file of the stated length and type."""
    file_type = params.get("file_type", "")
    if file_type not in FILE_TYPES:
        raise GraphError(100, f"file_type must be one of {', '.join(FILE_TYPES)}.")
    try:
        file_length = int(params.get("file_length", ""))
    except ValueError:
        raise GraphError(100, "file_length must be the file's size in bytes.") from None
    if not 0 < file_length <= FILE_LENGTH_MAX:
        raise GraphError(100, f"file_length must be between 1 and {FILE_LENGTH_MAX} bytes.")
    name = params.get("file_name", "")[:255]
    return {"id": session_id(app_id=app_id, file_length=file_length, file_type=file_type, file_name=name)}


def upload_receive(
    *, session: str, token: str, file_offset: str, data: bytes
) -> tuple[dict[str, object], Channel]:
    """Step 2: the file's bytes from offset 0; its handle, and the number whose token sent it."""
    facts = session_read(session)
    if facts is None:
        raise unknown_object(session)
    channel = app_authenticate(app_id=str(facts["app"]), token=token)
    if file_offset.strip() != "0":
        raise GraphError(100, "file_offset must be 0: the sandbox takes the whole file at once.")
    if len(data) != facts["length"]:
        raise GraphError(100, f"The session is for {facts['length']} bytes; {len(data)} were sent.")
    handle = file_handle(
        file_type=str(facts["type"]), file_length=len(data), sha256=hashlib.sha256(data).hexdigest()
    )
    return {"h": handle}, channel
