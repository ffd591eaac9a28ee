"""Which business number a conversation starts on."""

from __future__ import annotations

from django.utils.translation import gettext as _

from conversations.exceptions import NotFound
from conversations.models import Channel


def channel_for_sending(*, channel_id: int | None = None) -> Channel:
    """The active number ``channel_id``, or without one THE default: the first active
    number configured (lowest id). Previews, the template list and outbound sessions all
    ask this, so an integrator previews on the very number the session then starts on.
    Raises NotFound when there is no such active number."""
    channels = Channel.objects.filter(is_active=True)
    channel = channels.filter(pk=channel_id).first() if channel_id else channels.order_by("pk").first()
    if channel is None:
        raise NotFound(
            _("no such active WhatsApp number")
            if channel_id
            else _("no active WhatsApp number is configured")
        )
    return channel
