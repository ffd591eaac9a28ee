"""A scripted stand-in for Meta's Graph API: a real HTTP server on a local port.

Tests queue the answers the next requests get (``reply``, ``reply_json``, ``drop``) and
read back what our client really sent over the wire. Nothing of our own code is mocked.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"{}"
    content_type: str = "application/json"
    #: Read the request, record it, then close the connection without answering
    #: (the request reached "Meta"; the answer was lost).
    drop: bool = False


@dataclass
class GraphStandIn:
    server: ThreadingHTTPServer
    requests: list[Recorded] = field(default_factory=list)
    answers: deque[Answer] = field(default_factory=deque)
    default: Answer = field(default_factory=Answer)
    _counter: int = 0

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def reply(self, status: int, body: bytes | str = b"{}", content_type: str = "application/json") -> None:
        self.answers.append(Answer(status, body.encode() if isinstance(body, str) else body, content_type))

    def reply_json(self, status: int, payload: Any) -> None:
        self.reply(status, json.dumps(payload))

    def reply_error(self, status: int, code: int, message: str, details: str = "") -> None:
        error = {
            "message": f"(#{code}) {message}",
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "Atrace",
        }
        if details:
            error["error_data"] = {"messaging_product": "whatsapp", "details": details}
        self.reply_json(status, {"error": error})

    def accept(self, wamid: str | None = None) -> str:
        """Queue a successful /messages answer; returns the wamid it carries."""
        self._counter += 1
        wamid = wamid or f"wamid.STANDIN{self._counter:04d}"
        self.reply_json(
            200,
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": "+1", "wa_id": "1"}],
                "messages": [{"id": wamid}],
            },
        )
        return wamid

    def drop(self) -> None:
        self.answers.append(Answer(drop=True))

    def sends(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/messages")]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_graph_standin() -> GraphStandIn:
    standin: GraphStandIn

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            standin.requests.append(
                Recorded(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                    time.time(),
                )
            )
            answer = standin.answers.popleft() if standin.answers else standin.default
            if answer.drop:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        do_GET = do_POST = do_DELETE = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    standin = GraphStandIn(server=server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return standin
