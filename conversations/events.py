"""Live updates to browsers: group names, who receives what, and the payloads (built by
``conversations.payloads``), sent after commit through ``waproject.broadcasts``.

Every event leaves after the transaction that caused it commits (DESIGN invariant 3), so
no browser sees data that was rolled back. Delivery through the channel layer is
at-most-once; browsers catch up from the database by their last seen message id. The
services call these emitters; an emitter never calls a service.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from conversations import payloads, selectors
from conversations.models import AgentProfile, Interaction, Message, Offer
from waproject.broadcasts import broadcast_lazy_on_commit, broadcast_on_commit, deliver

logger = logging.getLogger(__name__)


def agent_group(user_id: int) -> str:
    return f"agent.{user_id}"


def interaction_group(interaction_id: int) -> str:
    return f"interaction.{interaction_id}"


_RELOAD = object()


def message_created(*, message: Any, owner_id: int | None, attachment: Any = _RELOAD) -> None:
    """To the interaction's group only: every console with the interaction open subscribed
    to it (the owner included), so one group send reaches everyone, once.

    A new customer message has no reactions yet and its file (if any) is known: its full
    payload is built without a query (the webhook's hot path). Otherwise the message is
    read again after the commit.
    """
    if attachment is _RELOAD or message.context_wamid:
        _message_reloaded(message.pk, message.interaction_id, "message.created")
        return
    payload = payloads.message_full_payload(message, attachment=attachment)
    broadcast_on_commit([interaction_group(message.interaction_id)], "message.created", {"message": payload})


def _message_reloaded(message_id: int, interaction_id: int, event_type: str) -> None:
    def build() -> dict[str, Any]:
        fresh = Message.objects.select_related("attachment", "author").get(pk=message_id)
        return {"message": selectors.messages_payload([fresh])[0]}

    broadcast_lazy_on_commit([interaction_group(interaction_id)], event_type, build)


def message_status_changed(
    *, message_id: int, interaction_id: int, status: str, error: dict[str, Any] | None = None
) -> None:
    broadcast_on_commit(
        [interaction_group(interaction_id)],
        "message.status",
        {"message_id": message_id, "interaction_id": interaction_id, "status": status, "error": error or {}},
    )


def message_updated(*, message: Any) -> None:
    """A message changed in place (an edit or delete, a file downloaded, a retry): its full
    state, read after the commit."""
    _message_reloaded(message.pk, message.interaction_id, "message.updated")


def reaction_changed(*, interaction_id: int, message_id: int, direction: str, emoji: str) -> None:
    broadcast_on_commit(
        [interaction_group(interaction_id)],
        "message.reaction",
        {"message_id": message_id, "interaction_id": interaction_id, "direction": direction, "emoji": emoji},
    )


def interaction_window_closed(*, interaction: Any) -> None:
    """O1: the 24-hour window closed: only notifications (templates) can go now."""
    _to_interaction_and_owner(interaction, "interaction.window_closed")


def interaction_reply_timeout(*, interaction: Any) -> None:
    """O2: the reply window ended: the agent's text will go out as a notification."""
    _to_interaction_and_owner(interaction, "interaction.reply_timeout")


def _to_interaction_and_owner(interaction: Any, event_type: str) -> None:
    groups = [interaction_group(interaction.pk)]
    if interaction.owner_id:
        groups.append(agent_group(interaction.owner_id))
    broadcast_on_commit(groups, event_type, {"interaction": payloads.interaction_payload(interaction)})


def interaction_changed(*, interaction: Any) -> None:
    """To the interaction's group: every console showing it subscribed to it."""
    broadcast_on_commit(
        [interaction_group(interaction.pk)],
        "interaction.changed",
        {"interaction": payloads.interaction_payload(interaction)},
    )


#: How many interactions one query reads when many changed at once.
CHANGED_CHUNK = 500


def interactions_changed(*, interaction_ids: list[int]) -> None:
    """Many interactions changed at once (an option moved their reply deadline): after the
    commit, each one still open sends ``interaction.changed`` to its group, read in chunks
    (one query per chunk, not one per interaction)."""
    ids = sorted(set(interaction_ids))
    if not ids:
        return

    def send() -> None:
        for start in range(0, len(ids), CHANGED_CHUNK):
            rows = Interaction.objects.filter(
                pk__in=ids[start : start + CHANGED_CHUNK], state__in=Interaction.OPEN_STATES
            )
            deliver(
                [
                    (
                        interaction_group(row.pk),
                        {"type": "interaction.changed", "interaction": payloads.interaction_payload(row)},
                    )
                    for row in rows
                ]
            )

    transaction.on_commit(send)


def options_changed(*, user_ids: Iterable[int]) -> None:
    """Option values that apply to these agents changed: their consoles fetch the options
    again (agent/me/) at once instead of at the next periodic resync."""
    broadcast_on_commit([agent_group(u) for u in user_ids], "options.changed", {})


def agent_state_changed(*, user_id: int) -> None:
    """The agent's Ready state, why they are Not Ready, and their load, read after the
    commit (so out-of-order events still end with the current state)."""

    def payload() -> dict[str, Any]:
        fresh = AgentProfile.objects.select_related("user").get(user_id=user_id)
        return {
            "agent": payloads.agent_payload(fresh),
            "reason": fresh.not_ready_reason if not fresh.is_ready else "",
        }

    broadcast_lazy_on_commit([agent_group(user_id)], "agent.state", payload)


def offer_created(*, offer: Offer) -> None:
    """The offer's preview, to the agent's consoles (read now: the customer's first and
    latest message)."""
    broadcast_on_commit(
        [agent_group(offer.agent_id)], "offer.created", {"offer": selectors.offer_payload(offer)}
    )


def offer_withdrawn(*, agent_id: int, offer_id: int, reason: str, interaction_id: int | None = None) -> None:
    """The offer is gone; unless it was accepted, the agent lost the interaction (given
    ``interaction_id``, a socket of theirs that subscribed to it leaves its group)."""
    broadcast_on_commit([agent_group(agent_id)], "offer.withdrawn", {"offer_id": offer_id, "reason": reason})
    if interaction_id is not None and reason != "accepted":
        access_revoked(interaction_id=interaction_id)


def interaction_assigned(*, interaction: Any) -> None:
    """The interaction became one agent's: whoever saw it only through a workbin may not
    any more (an interaction opened from a shared workbin)."""
    access_revoked(interaction_id=interaction.pk)
    _assigned(interaction, interaction.owner)


def _assigned(interaction: Any, user: User) -> None:
    """``interaction.assigned`` to ``user``'s consoles: the summary with what they may do
    with it (``actions``), read after the commit."""

    def build() -> dict[str, Any]:
        return {"interaction": selectors.interaction_summary(interaction, user=user)}

    broadcast_lazy_on_commit([agent_group(user.pk)], "interaction.assigned", build)


def interaction_closed(*, interaction: Any, owner_id: int | None) -> None:
    """The interaction left its owner's console (Done, transferred, parked)."""
    groups = [interaction_group(interaction.pk)]
    if owner_id:
        groups.append(agent_group(owner_id))
    broadcast_on_commit(groups, "interaction.closed", {"interaction_id": interaction.pk})
    access_revoked(interaction_id=interaction.pk)


def access_revoked(*, interaction_id: int) -> None:
    """Someone may have lost access to the interaction: after the commit, every socket
    subscribed to it checks again and leaves the interaction's group if its agent may no
    longer see it, so it receives no more of its messages.

    Sent to the interaction's group rather than to the agents who lost access: only the
    sockets that have it open do the check, and the check (not the sender's guess) decides,
    so a supervisor or a workbin member who still may see it keeps receiving.
    """
    broadcast_on_commit(
        [interaction_group(interaction_id)], "access.revoked", {"interaction_id": interaction_id}
    )


def session_tag(session_key: str) -> str:
    """A login session's name on the channel layer (never the session key itself)."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:32]


def session_ended(*, user_id: int, session_key: str | None) -> None:
    """The user logged out: that session's sockets close (code 4401, "signed out"); with
    no session key known, every socket of the user does."""
    broadcast_on_commit(
        [agent_group(user_id)], "session.ended", {"session": session_tag(session_key) if session_key else ""}
    )


def contact_changed(*, contact: Any, merged_contact_ids: list[int] | None = None) -> None:
    """Every open interaction of the contact shows the new details (``merged_contact_ids``:
    contacts just merged into it, which consoles may still show)."""

    def build() -> dict[str, Any]:
        return {"contact": payloads.contact_payload(contact), "merged_contact_ids": merged_contact_ids or []}

    ids = list(
        Interaction.objects.filter(contact=contact, state__in=Interaction.OPEN_STATES).values_list(
            "pk", flat=True
        )
    )
    broadcast_lazy_on_commit([interaction_group(i) for i in ids], "contact.changed", build)


def workbin_changed(*, workbin_id: int, user_ids: list[int]) -> None:
    """A workbin's content changed: its members' consoles refresh their workbin list."""
    broadcast_on_commit([agent_group(u) for u in user_ids], "workbin.changed", {"workbin_id": workbin_id})


# --- conference and consultation --------------------------------------------------------------


def conference_invited(*, invitation: Any, interaction: Any, inviter: str) -> None:
    broadcast_on_commit(
        [agent_group(invitation.agent_id)],
        "conference.invited",
        {
            "invitation_id": invitation.pk,
            "inviter": inviter,
            "interaction": payloads.interaction_summary_payload(interaction),
        },
    )


def interaction_assigned_to(*, interaction: Any, user: User) -> None:
    """Open the interaction in one agent's console (a conference guest)."""
    _assigned(interaction, user)


def interaction_closed_for(*, interaction: Any, user_id: int) -> None:
    """Close the interaction's tab in one agent's console (they left a conference)."""
    broadcast_on_commit([agent_group(user_id)], "interaction.closed", {"interaction_id": interaction.pk})
    access_revoked(interaction_id=interaction.pk)


def participants_changed(*, interaction: Any) -> None:
    interaction_id = interaction.pk
    broadcast_lazy_on_commit(
        [interaction_group(interaction_id)],
        "participants.changed",
        lambda: {
            "interaction_id": interaction_id,
            "participants": selectors.participants_payload(interaction_id),
        },
    )


def consultation_message(*, message: Any, user_ids: list[int]) -> None:
    """To the agents of the consultation only (never the interaction's group)."""
    broadcast_on_commit(
        [agent_group(u) for u in user_ids],
        "consultation.message",
        {"message": payloads.consultation_payload(message)},
    )


def consultation_ended(*, interaction_id: int, user_ids: list[int]) -> None:
    broadcast_on_commit(
        [agent_group(u) for u in user_ids if u], "consultation.ended", {"interaction_id": interaction_id}
    )
    access_revoked(interaction_id=interaction_id)  # the consulted agents may not see it any more


def conference_withdrawn(*, invitation_id: int, user_id: int, reason: str) -> None:
    """An invitation became void (the conversation ended, moved or was transferred)."""
    broadcast_on_commit(
        [agent_group(user_id)], "conference.withdrawn", {"invitation_id": invitation_id, "reason": reason}
    )
