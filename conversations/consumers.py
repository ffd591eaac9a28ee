"""The agent console's WebSocket: one per browser tab, authenticated, thin.

Commands go to services through ``database_sync_to_async``; events arrive from
``events.py`` (after commit) and become JSON frames.
"""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from conversations import events


class AgentConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)  # before accept(): the handshake is refused
            return
        self.user_id = user.pk
        self.groups_joined: set[str] = set()
        await self._join(events.agent_group(user.pk))
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def _join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.add(group)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or not isinstance(content.get("command"), str):
            await self.send_json({"type": "error", "code": "bad_command", "message": 'send {"command": …}'})
            return
        await self.send_json(
            {"type": "error", "code": "unknown_command", "message": f"unknown command {content['command']!r}"}
        )

    # Channel-layer events ("interaction.message_created" → interaction_message_created)
    async def interaction_message_created(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "message.created", "message": event["message"]})

    async def interaction_message_updated(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "message.updated", "message": event["message"]})

    async def interaction_message_status_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "message.status", **{k: v for k, v in event.items() if k != "type"}})

    async def interaction_reaction_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "message.reaction", **{k: v for k, v in event.items() if k != "type"}})
