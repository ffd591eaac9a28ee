"""Live updates to browsers: group names, who receives what, and the payloads (built by
``conversations.payloads``), sent after commit through ``waproject.broadcasts``.

Every event leaves after the transaction that caused it commits (DESIGN invariant 3), so
no browser sees data that was rolled back. Delivery through the channel layer is
at-most-once; browsers catch up from the database by their last seen message id. The
services call these emitters; an emitter never calls a service.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction

from conversations import jobs, payloads, selectors
from conversations.models import (
    AgentProfile,
    ConsultationMessage,
    Contact,
    Interaction,
    InteractionParticipant,
    Message,
    Offer,
)
from waproject.broadcasts import (
    broadcast_lazy_on_commit,
    broadcast_on_commit,
    coalesced_on_commit,
    deliver,
)
from waproject.embedded import enqueue

logger = logging.getLogger(__name__)


def agent_group(user_id: int) -> str:
    return f"agent.{user_id}"


def interaction_group(interaction_id: int) -> str:
    return f"interaction.{interaction_id}"


#: S1: the supervisors' board listens here (console sockets that asked for it).
BOARD_GROUP = "board"
#: S1: the agents' waiting counts. One member per web process (its live watch's channel,
#: ``console/live.py``), which hands each change to the process's sockets that show
#: counts: one channel-layer message per process, not one per agent's socket.
QUEUE_COUNTS_GROUP = "queue.counts"


def board_changed() -> None:
    """Something the board shows changed (an interaction queued, offered, accepted, closed;
    an agent's state or load; a customer's message): after the commit, ``board.changed``
    with the waiting count of every queue, at most once every ``BOARD_PUSH_INTERVAL``
    seconds per process (``None``: no board pushes). Supervisors' sockets read their board
    again (at most as often); each web process passes the counts on to its agents'
    sockets (``queue.counts``)."""
    every = getattr(settings, "BOARD_PUSH_INTERVAL", 1.0)
    if every is None:
        return

    def send() -> None:
        waiting = [[q, n] for q, n in sorted(selectors.queue_waiting_counts().items())]
        # "at": which change this is: the sockets of a process share one board read per change.
        changed = {"type": "board.changed", "waiting": waiting, "at": time.time_ns()}
        deliver([(BOARD_GROUP, changed), (QUEUE_COUNTS_GROUP, {"type": "queue.counts", "waiting": waiting})])

    coalesced_on_commit((BOARD_GROUP, "board.changed"), send, every=every)
    coalesced_on_commit((BOARD_SNAPSHOT_GROUP, "publish"), _board_publish_if_watched, every=every)


#: S1: the sockets of supervisors watching the whole board (no filter, default sorting)
#: listen here for the board itself, read once per change by a worker (``board.snapshot``).
BOARD_SNAPSHOT_GROUP = "board.snapshot"
#: Cache key set (with an expiry) while some supervisor watches the whole board: without
#: it no snapshot is read.
BOARD_WATCHED_KEY = "waproject:board:watched"
#: How long a watching socket's mark lasts; sockets renew it well before.
BOARD_WATCHED_TTL = 60


def _board_publish_if_watched() -> None:
    """After a change (coalesced per process): a worker reads the board once and pushes it
    to every supervisor watching it, when someone does. The web processes, which carry the
    webhooks, neither read nor encode it: 10 supervisors cost one read per change, in the
    worker, instead of a read in every web process that heard of the change."""
    try:
        if cache.get(BOARD_WATCHED_KEY):
            enqueue(jobs.BOARD_PUBLISH)
    except Exception:
        # Redis away: the change itself is committed and its caller (a webhook, say) must
        # not fail over the board; the watching sockets read the next change themselves.
        logger.warning("could not enqueue the board's snapshot", exc_info=True)


def board_publish() -> None:
    """The whole board, encoded once, to every socket watching it (``board.snapshot``: the
    ``board`` frame's JSON text, which the sockets send as it is)."""
    board = selectors.board_snapshot(selectors.BoardFilters())
    text = json.dumps({"type": "board", "board": board})
    deliver([(BOARD_SNAPSHOT_GROUP, {"type": "board.snapshot", "text": text, "at": time.time_ns()})])


_RELOAD = object()


def message_created(*, message: Message, owner_id: int | None, attachment: Any = _RELOAD) -> None:
    """To the interaction's group only: every console with the interaction open subscribed
    to it (the owner included), so one group send reaches everyone, once.

    A new customer message has no reactions yet and its file (if any) is known: its full
    payload is built without a query (the webhook's hot path). Otherwise the message is
    read again after the commit.
    """
    board_changed()
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


def message_updated(*, message: Message) -> None:
    """A message changed in place (an edit or delete, a file downloaded, a retry): its full
    state, read after the commit."""
    _message_reloaded(message.pk, message.interaction_id, "message.updated")


def reaction_changed(
    *,
    interaction_id: int,
    message_id: int,
    direction: str,
    emoji: str,
    status: str = "",
    error: str = "",
    author_name: str = "",
) -> None:
    """A reaction set, changed or removed on a message, to every console showing it.

    U1: the business's reaction (``direction`` "out", an agent's) also says where its send
    stands (``status``: queued … read, or failed with ``error``) and who reacted."""
    broadcast_on_commit(
        [interaction_group(interaction_id)],
        "message.reaction",
        {
            "message_id": message_id,
            "interaction_id": interaction_id,
            "direction": direction,
            "emoji": emoji,
            "status": status,
            "error": error,
            "author_name": author_name,
        },
    )


def interactions_window_closed(*, interactions: Sequence[Interaction]) -> None:
    """O1: these interactions' 24-hour windows closed: only notifications (templates) can go now."""
    _to_interactions_and_owners(interactions, "interaction.window_closed")


def interactions_reply_timeout(*, interactions: Sequence[Interaction]) -> None:
    """O2: these interactions' reply windows ended: the agent's text goes out as a notification."""
    _to_interactions_and_owners(interactions, "interaction.reply_timeout")


def _interaction_and_owner_groups(interaction: Interaction) -> list[str]:
    groups = [interaction_group(interaction.pk)]
    if interaction.owner_id:
        groups.append(agent_group(interaction.owner_id))
    return groups


def _to_interactions_and_owners(interactions: Sequence[Interaction], event_type: str) -> None:
    """To each interaction's group and its owner's, after the commit: one board change and
    one hand-over to the channel layer for a whole tick of timers, not one per timer."""
    if not interactions:
        return
    board_changed()
    broadcasts = [
        (group, message)
        for interaction in interactions
        for message in ({"type": event_type, "interaction": payloads.interaction_payload(interaction)},)
        for group in _interaction_and_owner_groups(interaction)
    ]
    transaction.on_commit(lambda: deliver(broadcasts))


def interaction_changed(*, interaction: payloads.InteractionStateSource) -> None:
    """To the interaction's group: every console showing it subscribed to it."""
    board_changed()
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
    board_changed()
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
    board_changed()

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
    board_changed()
    broadcast_on_commit(
        [agent_group(offer.agent_id)], "offer.created", {"offer": selectors.offer_payload(offer)}
    )


def offer_withdrawn(*, agent_id: int, offer_id: int, reason: str, interaction_id: int | None = None) -> None:
    """The offer is gone; unless it was accepted, the agent lost the interaction (given
    ``interaction_id``, a socket of theirs that subscribed to it leaves its group)."""
    board_changed()
    broadcast_on_commit([agent_group(agent_id)], "offer.withdrawn", {"offer_id": offer_id, "reason": reason})
    if interaction_id is not None and reason != "accepted":
        access_revoked(interaction_id=interaction_id)


def interaction_assigned(*, interaction: Interaction) -> None:
    """The interaction became one agent's: whoever saw it only through a workbin may not
    any more (an interaction opened from a shared workbin)."""
    board_changed()
    access_revoked(interaction_id=interaction.pk)
    if interaction.owner is not None:  # always: assigned means owned
        _assigned(interaction, interaction.owner)


def _assigned(interaction: Interaction, user: User) -> None:
    """``interaction.assigned`` to ``user``'s consoles: the summary with what they may do
    with it (``actions``), read after the commit."""

    def build() -> dict[str, Any]:
        return {"interaction": selectors.interaction_summary(interaction, user=user)}

    broadcast_lazy_on_commit([agent_group(user.pk)], "interaction.assigned", build)


def interaction_closed(*, interaction: Interaction, owner_id: int | None) -> None:
    """The interaction left its owner's console (Done, transferred, parked)."""
    board_changed()
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


def contact_changed(*, contact: Contact, merged_contact_ids: list[int] | None = None) -> None:
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
    board_changed()
    broadcast_on_commit([agent_group(u) for u in user_ids], "workbin.changed", {"workbin_id": workbin_id})


# --- conference and consultation --------------------------------------------------------------


def conference_invited(*, invitation: InteractionParticipant, interaction: Interaction) -> None:
    broadcast_on_commit(
        [agent_group(invitation.agent_id)],
        "conference.invited",
        {
            **payloads.invitation_payload(
                invitation, interaction=payloads.interaction_summary_payload(interaction)
            )
        },
    )


def interaction_assigned_to(*, interaction: Interaction, user: User) -> None:
    """Open the interaction in one agent's console (a conference guest)."""
    board_changed()
    _assigned(interaction, user)


def interaction_closed_for(*, interaction: Interaction, user_id: int) -> None:
    """Close the interaction's tab in one agent's console (they left a conference)."""
    board_changed()
    broadcast_on_commit([agent_group(user_id)], "interaction.closed", {"interaction_id": interaction.pk})
    access_revoked(interaction_id=interaction.pk)


def participants_changed(*, interaction: Interaction) -> None:
    board_changed()
    interaction_id = interaction.pk
    broadcast_lazy_on_commit(
        [interaction_group(interaction_id)],
        "participants.changed",
        lambda: {
            "interaction_id": interaction_id,
            "participants": selectors.participants_payload(interaction_id),
        },
    )


def consultation_message(*, message: ConsultationMessage, user_ids: list[int]) -> None:
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


# --- supervision (S2) -------------------------------------------------------------------------


def supervision_notice(*, user_id: int, kind: str, interaction_id: int | None, supervisor: str) -> None:
    """Tell an agent what a supervisor did to them or their work (``kind``: "monitoring",
    "barged_in", "taken_over", "not_ready", "signed_out"): their console shows a notice."""
    broadcast_on_commit(
        [agent_group(user_id)],
        "supervision.notice",
        {"kind": kind, "interaction_id": interaction_id, "supervisor": supervisor},
    )
