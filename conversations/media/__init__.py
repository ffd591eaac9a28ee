"""Media checks for attachments (SPEC M1 receive, M2 send), without touching the database.

The type of a file is decided by its content (:mod:`.sniff`), never by its name; the name
is only cleaned for display and storage (:mod:`.names`). WhatsApp's rules for what may be
sent and received are in :mod:`.checks`, images (re-encoding, thumbnails) in
:mod:`.images`. WhatsApp's own numbers (sizes, accepted types) are ``whatsapp.limits``.
The public API is re-exported here.
"""

from conversations.media.checks import CheckedFile, check_inbound_download, check_outbound_file, kind_for_mime
from conversations.media.errors import MediaRejected
from conversations.media.images import (
    MAX_IMAGE_PIXELS,
    Thumbnail,
    image_for_whatsapp,
    make_thumbnail,
    webp_is_animated,
)
from conversations.media.names import (
    MAX_FILE_NAME_LENGTH,
    clean_file_name,
    human_size,
    shown_file_name,
    shown_name_of,
)
from conversations.media.sniff import sniff_mime

__all__ = [
    "MAX_FILE_NAME_LENGTH",
    "MAX_IMAGE_PIXELS",
    "CheckedFile",
    "MediaRejected",
    "Thumbnail",
    "check_inbound_download",
    "check_outbound_file",
    "clean_file_name",
    "human_size",
    "image_for_whatsapp",
    "kind_for_mime",
    "make_thumbnail",
    "shown_file_name",
    "shown_name_of",
    "sniff_mime",
    "webp_is_animated",
]
