"""WhatsApp's customer-service window (SPEC O1) and the reply window (SPEC O2).

Free-form messages may go only within 24 hours of the customer's last message; after the
reply timeout, the agent's text goes out as the default notification template. The
timer, the send and the console's deadline all read the rules here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from django.utils import timezone

from conversations.options import get_option

if TYPE_CHECKING:
    from conversations.models import Interaction

#: WhatsApp's customer-service window: free-form messages only within it (SPEC O1).
SERVICE_WINDOW = timedelta(hours=24)
#: After it, the agent's text goes out as the default notification (SPEC O2); the owner's
#: effective value (agent, else group, else global) applies.
REPLY_TIMEOUT = "whatsappsession.reply-timeout"


def reply_timeout_for(owner_id: int | None) -> timedelta:
    """The reply timeout of an interaction owned by ``owner_id`` (None: nobody's, the global
    value). The one place the timer, the send and the console's deadline read it from."""
    return timedelta(seconds=get_option(REPLY_TIMEOUT, agent_id=owner_id))


def window_is_open(interaction: Interaction, *, now: datetime | None = None) -> bool:
    """Inside WhatsApp's 24-hour customer-service window (SPEC O1)."""
    now = now or timezone.now()
    return interaction.window_expires_at is not None and now < interaction.window_expires_at


class InboundTimes(Protocol):
    """What the reply window reads: an Interaction, or the inbound update's row."""

    @property
    def last_inbound_at(self) -> datetime | None: ...

    @property
    def owner_id(self) -> int | None: ...


def reply_window_ends_at(interaction: InboundTimes) -> datetime | None:
    """O2: when the reply timeout after the customer's last message ends."""
    if interaction.last_inbound_at is None:
        return None
    return interaction.last_inbound_at + reply_timeout_for(interaction.owner_id)


def reply_window_is_open(interaction: Interaction, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    ends = reply_window_ends_at(interaction)
    return window_is_open(interaction, now=now) and ends is not None and now < ends
