"""O6: one interaction found by a search, with the names a result list shows."""

from __future__ import annotations

from typing import TypedDict

from conversations.models import Interaction
from conversations.payloads.common import iso, user_name
from conversations.payloads.interactions import InteractionSummary, interaction_summary_payload


class InteractionSearchHit(TypedDict):
    """A search result: the interaction's summary, who had it, where, and when it ended."""

    interaction: InteractionSummary
    owner_name: str
    queue_name: str
    channel_name: str
    closed_at: str | None


def interaction_search_hit(interaction: Interaction, *, history_visible: bool) -> InteractionSearchHit:
    return {
        "interaction": interaction_summary_payload(interaction, history_visible=history_visible),
        "owner_name": user_name(interaction.owner),
        "queue_name": interaction.queue.name if interaction.queue else "",
        "channel_name": interaction.channel.name,
        "closed_at": iso(interaction.closed_at),
    }
