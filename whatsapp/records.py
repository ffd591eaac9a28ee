"""What a webhook says, as plain records (no database): senders, messages, statuses,
changes; the storage limits the caller passes to check them against; WhatsApp's times."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

#: How far ahead of our arrival time a WhatsApp timestamp may be (the two clocks differ a
#: little). A later time is not believed: it would move the 24-hour window (and the
#: message's place in the transcript) into the future, so free-form sends would be
#: allowed that Meta refuses. It is replaced by the arrival time, and flagged.
CLOCK_SKEW = timedelta(minutes=5)

#: WhatsApp did not exist before 2009: an earlier time (0, a negative number) is no
#: WhatsApp timestamp either; it is replaced by the arrival time, and flagged.
EARLIEST_TIMESTAMP = datetime(2009, 1, 1, tzinfo=UTC)

#: The webhook's strings that the caller stores, each by the name :class:`StorageLimits`
#: gives its limit under (``profile.name``: a contact's profile name; ``status.id``: a
#: status's message id…).
STORED_FIELDS = (
    "id",
    "from",
    "from_user_id",
    "parent_user_id",
    "profile.name",
    "profile.username",
    "context.id",
    "media.id",
    "media.mime_type",
    "media.sha256",
    "media.filename",
    "reaction.message_id",
    "reaction.emoji",
    "original_message_id",
    "system.wa_id",
    "status.id",
)


@dataclass(frozen=True)
class StorageLimits:
    """What the caller can store of a webhook: the longest value of each of
    :data:`STORED_FIELDS` (its columns' ``max_length``, minus what storing adds) and the
    range of the status error code's column.

    The wire has no database: the domain, which knows its columns, builds this from its
    models (``conversations.models.bounds``) and passes it to :func:`parse_webhook`, so a
    migration that changes a column changes the check with it.
    """

    lengths: Mapping[str, int]
    error_code_range: tuple[int, int]

    def __post_init__(self) -> None:
        missing = set(STORED_FIELDS) - set(self.lengths)
        if missing:
            raise ValueError(f"no storage limit for {', '.join(sorted(missing))}")

    def fits(self, value: str, name: str) -> bool:
        return len(value) <= self.lengths[name]

    def too_long(self, value: str, name: str, label: str = "") -> str:
        return f"'{label or name}' has {len(value)} characters, more than the {self.lengths[name]} stored"


class WebhookPayloadError(ValueError):
    """The body is not a WhatsApp Business Account webhook."""


@dataclass(frozen=True)
class SenderProfile:
    wa_id: str | None
    user_id: str | None
    parent_user_id: str = ""
    profile_name: str = ""
    username: str = ""

    @property
    def key(self) -> tuple[str | None, str | None]:
        return (self.wa_id, self.user_id)


@dataclass(frozen=True)
class MediaRef:
    kind: str
    media_id: str
    mime_type: str = ""
    sha256: str = ""
    filename: str = ""
    url: str = ""
    voice: bool = False
    animated: bool = False


@dataclass
class InboundMessage:
    wamid: str
    type: str
    timestamp: datetime
    sender: SenderProfile
    body: str = ""
    content: dict[str, Any] = field(default_factory=dict)
    context_wamid: str = ""
    forwarded: bool = False
    frequently_forwarded: bool = False
    referral: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    media: MediaRef | None = None

    @property
    def is_plain(self) -> bool:
        """True for messages that only join the transcript (no side effect elsewhere)."""
        return self.type not in ("reaction", "system", "revoke", "edit")


@dataclass
class StatusUpdate:
    wamid: str
    status: str
    timestamp: datetime
    recipient_id: str = ""
    recipient_user_id: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    pricing: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def error(self) -> dict[str, Any]:
        return self.errors[0] if self.errors else {}


@dataclass(frozen=True)
class PreferenceUpdate:
    """G3: one ``user_preferences[]`` item: the customer stopped or resumed a category of
    messages (``marketing_messages``) at ``timestamp``."""

    customer: SenderProfile
    category: str
    value: str
    timestamp: datetime
    detail: str = ""


@dataclass
class Change:
    """One ``entry[].changes[]`` item."""

    field: str
    waba_id: str
    phone_number_id: str = ""
    display_phone_number: str = ""
    # dataclasses.field by its full name: ``field`` is a column of this record
    messages: list[InboundMessage] = dataclasses.field(default_factory=list)
    statuses: list[StatusUpdate] = dataclasses.field(default_factory=list)
    errors: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    value: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: G2: the ``contacts[]`` of a ``messages`` change (on statuses too: a delivered or
    #: read status names the customer's username, if they have one).
    profiles: list[SenderProfile] = dataclasses.field(default_factory=list)
    #: G3: a ``user_preferences`` change's items.
    preferences: list[PreferenceUpdate] = dataclasses.field(default_factory=list)
    #: G4: a ``smb_message_echoes`` change's items: what the business sent from the
    #: WhatsApp Business app, each with the customer it went to as its ``sender``.
    echoes: list[InboundMessage] = dataclasses.field(default_factory=list)


@dataclass
class ParsedWebhook:
    changes: list[Change]
    problems: list[str]

    @property
    def phone_number_ids(self) -> set[str]:
        return {c.phone_number_id for c in self.changes if c.phone_number_id}


def parse_timestamp(value: object, *, received_at: datetime) -> tuple[datetime, str]:
    """WhatsApp's Unix seconds (strings, sometimes ints) as an aware UTC datetime, and what
    was wrong with it ("" when nothing).

    A missing value is the arrival time. So is one that is no Unix time, one later than
    the arrival (beyond :data:`CLOCK_SKEW`) or earlier than WhatsApp: believed, such a
    time would move the conversation's window, or overflow the date arithmetic after it.
    """
    if value is None or value == "":
        return received_at, ""
    try:
        stamp = datetime.fromtimestamp(int(str(value).strip()), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return received_at, f"timestamp {str(value)[:40]!r} is not a Unix time; the arrival time is used"
    if stamp > received_at + CLOCK_SKEW:
        return received_at, (
            f"timestamp {stamp.isoformat()} is later than the arrival ({received_at.isoformat()}); "
            "the arrival time is used"
        )
    if stamp < EARLIEST_TIMESTAMP:
        return (
            received_at,
            f"timestamp {stamp.isoformat()} is before WhatsApp existed; the arrival time is used",
        )
    return stamp, ""


def list_of(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def dict_of(value: object) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (a bad part never sinks the rest)."""
    return value if isinstance(value, dict) else {}


def text_of(value: object) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))
