"""Read receipts and "typing…": what the customer's phone shows of the agent's attention.

Best effort: a failure is logged, the customer only misses a tick or an indicator.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.cache import cache
from django.utils.translation import gettext as _

from conversations import jobs
from conversations.exceptions import NotFound, PermissionDenied
from conversations.models import Interaction, Message
from conversations.permissions import user_can_write
from conversations.selectors.interactions import interaction_get_for_user
from conversations.windows import window_is_open
from waproject.embedded import enqueue_best_effort, enqueue_on_commit
from whatsapp.client import CloudApiClient
from whatsapp.errors import CloudApiError

logger = logging.getLogger(__name__)


def message_mark_read(
    *, message_id: int, typing_indicator: bool = False, client: CloudApiClient | None = None
) -> None:
    """Blue ticks for a customer's message (and the earlier ones of the thread); with
    ``typing_indicator``, "typing…" on their phone too.

    Best effort: a failure is logged; the customer only misses a tick.
    """
    message = (
        Message.objects.select_related("channel")
        .filter(pk=message_id, direction=Message.Direction.INBOUND)
        .first()
    )
    if message is None or not message.wamid:
        return
    owns_client = client is None
    client = client or CloudApiClient.for_channel(message.channel)
    try:
        client.mark_as_read(message.wamid, typing_indicator=typing_indicator)
    except CloudApiError as error:
        logger.warning("could not mark message %s as read: %s", message_id, error)
    finally:
        if owns_client:
            client.close()


def interaction_mark_read(*, user: User, interaction_id: int, message_id: int) -> int | None:
    """The agent has seen the customer's messages up to ``message_id``: blue ticks on their
    phone for the latest inbound one (WhatsApp marks the earlier ones with it). Returns the
    message marked, None when there is none; for the agents writing in the interaction."""
    interaction = interaction_get_for_user(user=user, interaction_id=interaction_id)
    if not user_can_write(user=user, interaction=interaction):
        raise PermissionDenied(_("only the interaction's agents mark the customer's messages as read"))
    latest = (
        Message.objects.filter(
            interaction=interaction, pk__lte=message_id, direction=Message.Direction.INBOUND
        )
        .order_by("-id")
        .values_list("pk", flat=True)
        .first()
    )
    if latest is not None:
        enqueue_on_commit(jobs.MESSAGE_MARK_READ, latest)
    return latest


# --- the agent is typing -----------------------------------------------------------------

#: WhatsApp shows "typing…" for 25 seconds or until the reply arrives; while the agent
#: types, one indicator per interaction goes at most this often (the agent's message
#: accepted by WhatsApp ends it, so typing again after a send shows it again at once).
TYPING_EVERY = timedelta(seconds=20)


def _typing_key(interaction_id: int) -> str:
    return f"whatsapp-typing:{interaction_id}"


def interaction_typing(*, user: User, interaction_id: int) -> bool:
    """The agent is typing: show "typing…" on the customer's phone; True when it goes.

    The Cloud API shows it with a mark-as-read of the customer's latest message (its id is
    required), so it goes only while the conversation is open, inside the 24-hour window,
    and after the customer wrote; at most once per :data:`TYPING_EVERY` per interaction,
    counted in the cache all server processes share.
    """
    interaction = Interaction.objects.filter(pk=interaction_id).first()
    if interaction is None:
        raise NotFound(
            _("interaction %(interaction_id)s does not exist") % {"interaction_id": interaction_id}
        )
    if not user_can_write(user=user, interaction=interaction):
        raise PermissionDenied(_("only the agents writing in this interaction show that they are typing"))
    if not (interaction.is_open and window_is_open(interaction) and interaction.last_inbound_wamid):
        return False
    latest = (
        Message.objects.filter(
            channel_id=interaction.channel_id,
            wamid=interaction.last_inbound_wamid,
            direction=Message.Direction.INBOUND,
        )
        .values_list("pk", flat=True)
        .first()
    )
    if latest is None or not _cache_call(
        "add", _typing_key(interaction.pk), True, TYPING_EVERY.total_seconds()
    ):
        return False
    return enqueue_best_effort(jobs.MESSAGE_MARK_READ, latest, typing=True)  # "typing…" is a courtesy


def typing_ended(interaction_id: int) -> None:
    """The agent's message reached WhatsApp: the phone stopped showing "typing…"."""
    _cache_call("delete", _typing_key(interaction_id))


def _cache_call(method: str, *args: Any) -> Any:
    """A cache operation that never fails the caller (the indicator is best effort)."""
    try:
        return getattr(cache, method)(*args)
    except Exception as error:  # the cache's Redis is unreachable
        logger.warning("typing indicator: cache %s failed: %r", method, error)
        return None
