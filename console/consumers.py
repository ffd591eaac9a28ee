"""The agent console's WebSocket: one per browser tab, authenticated, thin.

It carries live events (from ``events.py``, after commit) to the browser, and one
command: ``subscribe`` to the interactions the agent has open, checked against what the
agent may see. State changes go through the REST API: one path, one set of checks.

Access is checked again whenever it may end (``access.revoked``: Done, transfer, reject,
a withdrawn offer, leaving a conference...): a socket whose agent lost an interaction
leaves its group. Logging out closes the session's sockets (``session.ended``, 4401).

The channel layer may fail under a socket (a Redis restart): joins are retried, and a
socket that cannot join is closed with 1013 (try again later), never answered with a 500;
:mod:`console.live` closes sockets whose memberships were lost with 1012.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth.models import User

from console import live
from conversations import events, payloads, selectors
from conversations.api.inputs import MAX_ID
from conversations.exceptions import PermissionDenied
from conversations.services.capacity import agent_profile_for
from ops import metrics

MAX_SUBSCRIPTIONS = 50


#: Close code of a socket whose user is signed out (the console stops reconnecting).
SIGNED_OUT = 4401
#: Close code of a socket whose user is not an agent (nor a supervisor): P6.
NOT_AN_AGENT = 4403


def _session_tag(scope: dict[str, Any]) -> str:
    session_key = getattr(scope.get("session"), "session_key", None)
    return events.session_tag(session_key) if session_key else ""


def _interaction_id(event: dict[str, Any]) -> Any:
    """The interaction an interaction-group event is about."""
    for holder, key in ((event, "interaction_id"), (event.get("message"), "interaction_id")):
        if isinstance(holder, dict) and key in holder:
            return holder[key]
    interaction = event.get("interaction")
    return interaction.get("id") if isinstance(interaction, dict) else None


def _hello(user: User) -> payloads.Agent | None:
    """The agent's state for the greeting; None for a user who is not an agent."""
    try:
        return payloads.agent_payload(agent_profile_for(user))
    except PermissionDenied:
        return None


class AgentConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=SIGNED_OUT)  # before accept(): the handshake is refused
            return
        hello = await database_sync_to_async(_hello)(user)
        if hello is None:
            await self.close(code=NOT_AN_AGENT)  # the console is for agents (P6)
            return
        self.session = _session_tag(self.scope)
        self.interaction_groups: set[str] = set()
        joined = await live.join(self.channel_layer, events.agent_group(user.pk), self.channel_name)
        await self.accept()
        if not joined:
            await self.close(code=live.TRY_AGAIN_LATER)  # a clear code: the console reconnects
            return
        self.user = user
        live.watch(self)
        metrics.socket_opened(self)  # X2: wa_live_sockets
        await self.send_json({"type": "hello", "agent": hello})

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "user"):
            return
        metrics.socket_closed(self)
        await live.unwatch(self)
        await live.leave(self.channel_layer, events.agent_group(self.user.pk), self.channel_name)
        for group in self.interaction_groups:
            await live.leave(self.channel_layer, group, self.channel_name)

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        """A socket being closed needs no more watching (its disconnect may come later)."""
        await live.unwatch(self)
        await super().close(code=code, reason=reason)

    async def rejoin(self) -> None:
        """Join this socket's groups again (memberships lapse after the layer's expiry)."""
        for group in [events.agent_group(self.user.pk), *self.interaction_groups]:
            if not await live.join(self.channel_layer, group, self.channel_name):
                await self.close(code=live.TRY_AGAIN_LATER)
                return

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        """A frame that is not a JSON text frame gets an error frame; the socket stays open
        (the base class raised, which closed the socket and lost the agent's live events)."""
        if text_data is None:
            await self._error("bad_command", 'commands are JSON text frames, e.g. {"command": "ping"}')
            return
        try:
            content = await self.decode_json(text_data)
        except (ValueError, RecursionError):
            await self._error("bad_command", 'a command is a JSON object, e.g. {"command": "ping"}')
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        command = content.get("command") if isinstance(content, dict) else None
        if command == "ping":
            await self.send_json({"type": "pong"})
        elif command == "subscribe":
            await self._subscribe(content.get("interaction_ids"))
        else:
            named = repr(command)[:80]  # repr escapes what JSON text cannot hold; cut: no echo of 1 MB
            await self._error("unknown_command", f"unknown command {named}; use 'subscribe' or 'ping'")

    async def _subscribe(self, ids: Any) -> None:
        if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) and 1 <= i <= MAX_ID for i in ids
        ):
            # An id beyond the database's range raised in the query and closed the socket.
            await self._error("bad_command", f"interaction_ids must be a list of ids (1 to {MAX_ID})")
            return
        if len(ids) > MAX_SUBSCRIPTIONS:
            await self._error("bad_command", f"at most {MAX_SUBSCRIPTIONS} interactions at once")
            return
        visible = await database_sync_to_async(selectors.interactions_live_for_user)(
            user=self.user, interaction_ids=ids
        )
        wanted = {events.interaction_group(i) for i in visible}
        for group in wanted - self.interaction_groups:
            if not await live.join(self.channel_layer, group, self.channel_name):
                await self.close(code=live.TRY_AGAIN_LATER)
                return
            self.interaction_groups.add(group)
        for group in self.interaction_groups - wanted:
            await live.leave(self.channel_layer, group, self.channel_name)
        self.interaction_groups = wanted
        refused = sorted(set(ids) - visible)
        await self.send_json({"type": "subscribed", "interaction_ids": sorted(visible), "refused": refused})

    async def _error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    async def _forward(self, event: dict[str, Any]) -> None:
        await self.send_json(event)

    async def _forward_subscribed(self, event: dict[str, Any]) -> None:
        """An interaction group's event, unless this socket left the group meanwhile (an
        event queued on the channel before the discard is dropped here)."""
        interaction_id = _interaction_id(event)
        if interaction_id is None or events.interaction_group(interaction_id) in self.interaction_groups:
            await self.send_json(event)

    async def access_revoked(self, event: dict[str, Any]) -> None:
        """Someone may have lost the interaction: this socket checks its agent still may see
        it, else leaves its group (and tells the browser, which ignores unknown frames)."""
        interaction_id = event.get("interaction_id")
        group = events.interaction_group(interaction_id)
        if group not in self.interaction_groups:
            return
        if interaction_id in await database_sync_to_async(selectors.interactions_live_for_user)(
            user=self.user, interaction_ids=[interaction_id]
        ):
            return
        await live.leave(self.channel_layer, group, self.channel_name)
        self.interaction_groups.discard(group)
        await self.send_json({"type": "access.revoked", "interaction_id": interaction_id})

    async def participants_changed(self, event: dict[str, Any]) -> None:
        """Who is in the conversation changed, and with it what this socket's agent may do
        (a guest left, the owner handed over): the frame carries their ``actions`` and
        ``part``, computed for them."""
        interaction_id = _interaction_id(event)
        if events.interaction_group(interaction_id) not in self.interaction_groups:
            return
        viewer = await database_sync_to_async(selectors.interaction_viewer)(
            user=self.user, interaction_id=interaction_id
        )
        await self.send_json({**event, **viewer})

    async def session_ended(self, event: dict[str, Any]) -> None:
        """The user logged out: this session's sockets (all of the user's when the
        session is unknown) close as signed out."""
        if not event.get("session") or event["session"] == self.session:
            await self.close(code=SIGNED_OUT)

    # Channel-layer events: the type "a.b_c" arrives at the handler "a_b_c" and is sent
    # to the browser as it is.
    message_created = _forward_subscribed
    message_updated = _forward_subscribed
    message_status = _forward_subscribed
    message_reaction = _forward_subscribed
    interaction_changed = _forward_subscribed
    interaction_assigned = _forward
    interaction_closed = _forward
    interaction_window_closed = _forward
    interaction_reply_timeout = _forward
    offer_created = _forward
    offer_withdrawn = _forward
    agent_state = _forward
    contact_changed = _forward
    workbin_changed = _forward
    conference_invited = _forward
    consultation_message = _forward
    consultation_ended = _forward
    conference_withdrawn = _forward
    options_changed = _forward
