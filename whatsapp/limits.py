"""WhatsApp's limits, defined once: what the Cloud API accepts (reference §6, §7, §8).

The payload builders check them before a request (``whatsapp.payloads``), the template
rules before a template is saved (``templates_app.composition``), the media checks
before a file is stored (``conversations.media``), the options and the API's inputs cap
their values with them. The sandbox, which plays Meta's side of the wire, keeps its own
copy on purpose: it checks our client as Meta would, so it must not share its mistakes.
"""

from __future__ import annotations

KB = 1024
MB = 1024 * KB

# --- messages (§6) ---------------------------------------------------------------------

TEXT_BODY_MAX = 4096
CAPTION_MAX = 1024
CAPTION_KINDS = ("image", "video", "document")

# --- interactive messages: reply buttons and lists (§6) --------------------------------------

BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
BUTTONS_BODY_MAX = 1024  # the reply-button doc; the list doc allows 4096
LIST_BODY_MAX = 4096
LIST_BUTTON_MAX = 20
SECTIONS_MAX = 10
ROWS_MAX = 10  # in total, across all sections
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
ROW_ID_MAX = 200
SECTION_TITLE_MAX = 24
FOOTER_MAX = 60
TEXT_HEADER_MAX = 60

# --- templates (§8) ---------------------------------------------------------------------------

TEMPLATE_BODY_MAX = 1024
TEMPLATE_BUTTON_TEXT_MAX = 25
QUICK_REPLIES_MAX = 3
URL_BUTTONS_MAX = 2
PHONE_BUTTONS_MAX = 1
#: Parameters are numbered {{1}} to {{TEMPLATE_PARAMETERS_MAX}}: WhatsApp's own ceiling (a
#: body of 1024 characters holds far fewer); a larger number is a typo.
TEMPLATE_PARAMETERS_MAX = 100

# --- media (§7) -------------------------------------------------------------------------------

MEDIA_KINDS = ("image", "video", "audio", "document", "sticker")
#: Largest file WhatsApp accepts per kind.
MEDIA_MAX_BYTES: dict[str, int] = {
    "image": 5 * MB,
    "video": 16 * MB,
    "audio": 16 * MB,
    "document": 100 * MB,
    "sticker": 500 * KB,  # animated; static stickers: STATIC_STICKER_MAX_BYTES
}
STATIC_STICKER_MAX_BYTES = 100 * KB
#: The largest file of any kind: WhatsApp neither sends nor accepts more (error 131052).
LARGEST_MEDIA_BYTES = max(MEDIA_MAX_BYTES.values())

_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

#: The MIME types WhatsApp accepts for sending, and the message kind each one goes out as.
MEDIA_MIME_TYPES: dict[str, str] = {
    "image/jpeg": "image",
    "image/png": "image",
    "audio/aac": "audio",
    "audio/amr": "audio",
    "audio/mpeg": "audio",
    "audio/mp4": "audio",
    "audio/ogg": "audio",
    "video/mp4": "video",
    "video/3gpp": "video",
    "text/plain": "document",
    "application/pdf": "document",
    "application/msword": "document",
    "application/vnd.ms-excel": "document",
    "application/vnd.ms-powerpoint": "document",
    _DOCX: "document",
    _XLSX: "document",
    _PPTX: "document",
    "image/webp": "sticker",
}


#: G5: the Graph API versions the client (and the sandbox) implement, oldest first; the
#: newest is the default of the one setting ``WHATSAPP_API_VERSION`` (reference §7:
#: v26.0 is the latest, released 2026-07-29; v23.0 is available until 2027-10-08).
GRAPH_API_VERSIONS = ("v23.0", "v24.0", "v25.0", "v26.0")
GRAPH_API_VERSION = GRAPH_API_VERSIONS[-1]
