"""A real HTTP receiver for integrators' webhooks, on 127.0.0.1 (a test's stand-in for an
integrator's server): it checks each delivery's signature as a receiver would, keeps what
it got, and can be down (its port closed), failing (answering 5xx) or up."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from integrations.signing import ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_valid


@dataclass
class Received:
    key: str
    timestamp: str
    body: bytes
    signed: bool

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    secret: str
    port: int = 0
    received: list[Received] = field(default_factory=list)
    #: Answer 500 to the next this many requests (after reading them: the sender cannot
    #: know the event arrived, so it sends it again, with the same key).
    fail_next: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def up(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.received.append(
                    Received(
                        key=self.headers.get(ID_HEADER, ""),
                        timestamp=self.headers.get(TIMESTAMP_HEADER, ""),
                        body=body,
                        signed=signature_valid(body, receiver.secret, self.headers.get(SIGNATURE_HEADER)),
                    )
                )
                status = 500 if receiver.fail_next > 0 else 204
                receiver.fail_next = max(receiver.fail_next - 1, 0)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def reserve_port(self) -> Receiver:
        """A free port to be down on (nothing listens there until ``up``)."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        return self

    def keys(self) -> list[str]:
        return [r.key for r in self.received]
