"""The console's WebSocket protocol: uvicorn's own, compressing each message on its own.

Browsers offer permessage-deflate and uvicorn accepts it with a compressor and a
decompressor kept for the connection's whole life ("context takeover"): about 46 KB of
zlib state a socket, half of an idle console socket's memory (issue 14, target 5,
``docs/benchmarks.md``). Asking for no context takeover in both directions (RFC 7692
§7.1.1) makes each message compress on a fresh zlib stream that is freed once the
message is out: large frames (the board, transcript pages) are still compressed, small
ones cost a little more CPU and bytes, and an idle socket holds no zlib state at all.

``python -m waproject.serve`` runs uvicorn with this protocol when its ``--ws`` is
``auto`` or ``websockets-sansio`` (the default); ``--ws-per-message-deflate false`` still
turns compression off.
"""

from __future__ import annotations

import asyncio

from uvicorn._types import ASGISendEvent
from uvicorn.config import Config
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
from websockets.server import ServerProtocol

#: uvicorn's own choices for the window and memory (a 4 KB window, memLevel 5).
WINDOW_BITS = 12
COMPRESS_SETTINGS = {"memLevel": 5}


def per_message_deflate() -> ServerPerMessageDeflateFactory:
    """permessage-deflate without context takeover, in both directions."""
    return ServerPerMessageDeflateFactory(
        server_no_context_takeover=True,
        client_no_context_takeover=True,
        server_max_window_bits=WINDOW_BITS,
        client_max_window_bits=WINDOW_BITS,
        compress_settings=dict(COMPRESS_SETTINGS),
    )


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol with :func:`per_message_deflate`, which lets
    the handshake go once it is answered (uvicorn keeps the parsed request and its response
    for the connection's life, header objects that nothing reads again: 2.3 KB a socket by
    ``bench/socket_floor.py``; the app's scope has its own copy of the request's headers,
    and websockets' parser still holds the request)."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, object],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        if self.config.ws_per_message_deflate:
            # The parent built its connection with context takeover; nothing has been
            # negotiated yet (no byte has been read), so it is replaced as it was built.
            self.conn = ServerProtocol(
                extensions=[per_message_deflate()],
                max_size=self.config.ws_max_size,
                logger=self.conn.logger,
            )
        self.handshake_released = False

    async def send(self, message: ASGISendEvent) -> None:
        await super().send(message)
        if self.handshake_complete and not self.handshake_released:
            # Answered (accepted, refused or replaced by the app's own response): uvicorn
            # reads the handshake (set before the app runs) only until then.
            del self.request, self.response
            self.handshake_released = True


def lean_protocol(choice: str | type[asyncio.Protocol]) -> str | type[asyncio.Protocol]:
    """The protocol to give uvicorn for its ``--ws`` choice: ours for the default."""
    if choice in ("auto", "websockets-sansio"):
        return LeanWebSocketProtocol
    return choice
