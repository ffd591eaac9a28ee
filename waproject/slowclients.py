"""Deadlines for clients that send slowly, which uvicorn alone does not close.

uvicorn arms a timer only *between* requests on a kept-alive connection
(``--timeout-keep-alive``), and disarms it as soon as one byte of the next request
arrives. A connection that sends half a request line or half its headers and then stays
silent is kept for ever: 200 of them were still open after an hour (issue 11, X6). A body
that stops half-way is the same, one level up: the application waits on ``receive()``.

Two deadlines close them:

- ``HTTP_HEADER_TIMEOUT`` (seconds, default 10): from the connection's start (or the end
  of the previous answer on a kept-alive connection) until the request's headers are
  complete. The HTTP protocol classes below add it to uvicorn's own (``waproject.serve``
  runs uvicorn with them); the client gets a 408 and the connection is closed.
- ``HTTP_BODY_TIMEOUT`` (seconds, default 30): the longest silence while a request body is
  being read (not the whole upload: a 100 MB file over a slow line keeps going as long as
  bytes keep coming). :class:`SlowBodyTimeout` (ASGI, in ``waproject/asgi.py``) answers
  408 and tells the application the client is gone.

WebSockets are not affected: the header deadline stops at the upgrade, and the body one
applies to HTTP requests only.
"""

from __future__ import annotations

import asyncio
import os
from asyncio import TimerHandle
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_TIMEOUT_TEXT = b"the request took too long"
REQUEST_TIMEOUT_ANSWER = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(_TIMEOUT_TEXT), _TIMEOUT_TEXT)
)


def header_timeout() -> float:
    return float(os.environ.get("HTTP_HEADER_TIMEOUT") or 10)


def body_timeout() -> float:
    return float(os.environ.get("HTTP_BODY_TIMEOUT") or 30)


class HeaderDeadline:
    """Mixin for uvicorn's HTTP protocols: close a connection whose request headers do not
    arrive within :func:`header_timeout` seconds.

    Its ``super()`` calls reach the uvicorn protocol it is mixed into (httptools' or h11's,
    see below), which the type checker cannot see from the mixin: hence their
    ``type: ignore[misc]``.
    """

    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    cycle: Any

    _header_deadline: TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)  # type: ignore[misc]

    def data_received(self, data: bytes) -> None:
        super().data_received(data)  # type: ignore[misc]
        if self._request_in_progress():
            self._disarm_header_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        # The next request on this connection gets the same deadline (the keep-alive
        # timer stops at its first byte); a pipelined one already has its headers.
        if not self.transport.is_closing() and not self._request_in_progress():
            self._arm_header_deadline()

    def handle_websocket_upgrade(self, *args: Any) -> None:
        self._disarm_header_deadline()  # the socket has its own pings and timeouts
        super().handle_websocket_upgrade(*args)  # type: ignore[misc]

    def _request_in_progress(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _arm_header_deadline(self) -> None:
        self._disarm_header_deadline()
        self._header_deadline = self.loop.call_later(header_timeout(), self._header_deadline_passed)

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _header_deadline_passed(self) -> None:
        self._header_deadline = None
        if self._request_in_progress() or self.transport.is_closing():
            return
        self.transport.write(REQUEST_TIMEOUT_ANSWER)
        self.transport.close()


# uvicorn's protocols take an asyncio.Transport, narrower than asyncio.BaseProtocol's
# BaseTransport: the mixin says the same as they do.
class TimedHttpToolsProtocol(HeaderDeadline, HttpToolsProtocol):  # type: ignore[misc]
    """uvicorn's httptools protocol with the header deadline."""


class TimedH11Protocol(HeaderDeadline, H11Protocol):  # type: ignore[misc]  # as above
    """uvicorn's h11 protocol with the header deadline."""


class SlowBodyTimeout:
    """ASGI middleware: a request body that goes silent for :func:`body_timeout` seconds
    gets a 408 and the application sees the client gone (``http.disconnect``).

    Only reads that still expect body bytes are timed: once the body is complete, an
    application waiting on ``receive()`` is listening for the client to go away (Django
    does that for the whole view), which may take as long as the view does.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = body_timeout()
        body_done = timed_out = started = False

        async def timed_receive() -> dict:
            nonlocal body_done, timed_out
            if timed_out:
                return {"type": "http.disconnect"}
            if body_done:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), limit)
            except TimeoutError:
                timed_out = True
                if not started:
                    await _request_timeout(send)
                return {"type": "http.disconnect"}
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def tracking_send(message: dict) -> None:
            nonlocal started
            if timed_out:
                return  # our 408 was the answer
            started = started or message["type"] == "http.response.start"
            await send(message)

        return await self.app(scope, timed_receive, tracking_send)


async def _request_timeout(send: Any) -> None:
    body = b'{"error": {"code": "request_timeout", "message": "the request body stopped arriving"}}'
    await send(
        {
            "type": "http.response.start",
            "status": 408,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
