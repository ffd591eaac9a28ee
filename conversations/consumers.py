"""The agent console's WebSocket: one per browser tab, authenticated, thin.

It carries live events (from ``events.py``, after commit) to the browser, and one
command: ``subscribe`` to the interactions the agent has open, checked against what the
agent may see. State changes go through the REST API: one path, one set of checks.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from conversations import events, selectors

MAX_SUBSCRIPTIONS = 50


def _visible_ids(user: Any, ids: list[int]) -> set[int]:
    return set(selectors.interaction_list_for_user(user=user).filter(pk__in=ids).values_list("pk", flat=True))


def _hello(user: Any) -> dict[str, Any]:
    from conversations.services.routing import agent_profile_for

    return events.agent_payload(agent_profile_for(user))


class AgentConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)  # before accept(): the handshake is refused
            return
        self.user = user
        self.interaction_groups: set[str] = set()
        await self.channel_layer.group_add(events.agent_group(user.pk), self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "agent": await database_sync_to_async(_hello)(user)})

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "user"):
            return
        await self.channel_layer.group_discard(events.agent_group(self.user.pk), self.channel_name)
        for group in self.interaction_groups:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        command = content.get("command") if isinstance(content, dict) else None
        if command == "ping":
            await self.send_json({"type": "pong"})
        elif command == "subscribe":
            await self._subscribe(content.get("interaction_ids"))
        else:
            await self._error("unknown_command", f"unknown command {command!r}; use 'subscribe' or 'ping'")

    async def _subscribe(self, ids: Any) -> None:
        if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            await self._error("bad_command", "interaction_ids must be a list of numbers")
            return
        if len(ids) > MAX_SUBSCRIPTIONS:
            await self._error("bad_command", f"at most {MAX_SUBSCRIPTIONS} interactions at once")
            return
        visible = await database_sync_to_async(_visible_ids)(self.user, ids)
        wanted = {events.interaction_group(i) for i in visible}
        for group in wanted - self.interaction_groups:
            await self.channel_layer.group_add(group, self.channel_name)
        for group in self.interaction_groups - wanted:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.interaction_groups = wanted
        refused = sorted(set(ids) - visible)
        await self.send_json({"type": "subscribed", "interaction_ids": sorted(visible), "refused": refused})

    async def _error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    async def _forward(self, event: dict[str, Any]) -> None:
        await self.send_json(event)

    # Channel-layer events: the type "a.b_c" arrives at the handler "a_b_c" and is sent
    # to the browser as it is.
    message_created = _forward
    message_updated = _forward
    message_status = _forward
    message_reaction = _forward
    interaction_changed = _forward
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
    participants_changed = _forward
    consultation_message = _forward
    consultation_ended = _forward
    conference_withdrawn = _forward
