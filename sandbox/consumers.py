"""The customer phone page's WebSocket: one per open chat, receive-only, thin.

The page plays the public customer, so there is no login: the socket only checks that
the business number exists and the customer id is a phone number, then relays the
chat's group events (``events.py``) as JSON frames. Everything the customer does goes
through the JSON endpoints, which are also the sandbox's programmatic API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from sandbox import events, selectors
from sandbox.phone_input import PHONE_NUMBER_ID_RE, WA_ID_RE
from waproject import broadcasts


class PhoneConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        phone_number_id, wa_id = str(kwargs["phone_number_id"]), str(kwargs["wa_id"])
        self.group_name = ""
        if not (PHONE_NUMBER_ID_RE.match(phone_number_id) and WA_ID_RE.match(wa_id)):
            await self.close(code=4400)  # before accept(): the handshake is refused
            return
        channel = await database_sync_to_async(selectors.channel_get)(phone_number_id=phone_number_id)
        if channel is None:
            await self.close(code=4404)
            return
        self.group_name = events.phone_group(phone_number_id, wa_id)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group_name:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        await self.send_json(
            {
                "type": "error",
                "message": "this socket only pushes updates; use the /sandbox/phone/api/ endpoints",
            }
        )

    # Channel-layer events ("sandbox.message" → sandbox_message)
    async def broadcast_batch(self, event: Mapping[str, object]) -> None:
        """Several events from one commit to one group (``waproject.broadcasts``), in order."""
        await broadcasts.dispatch_batch(self, event)

    async def sandbox_message(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "message", "message": event["message"]})

    async def sandbox_chat(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "chat", "chat": event["chat"]})
