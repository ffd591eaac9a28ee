"""ASGI entry point: HTTP (Django; static files by its WhiteNoise middleware) and the console's
WebSockets.

Run it with any ASGI server, e.g. ``uvicorn waproject.asgi:application``. In the
embedded default the lifespan startup also starts the in-process beat.
"""

import asyncio
import os
from urllib.parse import urlsplit

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "waproject.settings")
django_asgi_app = get_asgi_application()

# Imported after Django is set up: routing pulls in consumers and models.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator, WebsocketDenier  # noqa: E402
from django.conf import settings  # noqa: E402

from waproject.embedded import EmbeddedBeat  # noqa: E402
from waproject.heap import freeze_startup_heap  # noqa: E402
from waproject.routing import websocket_urlpatterns  # noqa: E402
from waproject.slowclients import SlowBodyTimeout  # noqa: E402


class Lifespan:
    """Answer the ASGI lifespan protocol: on startup, freeze the start-up heap
    (``waproject.heap``) and start the embedded beat; on shutdown, stop the beat and let
    the webhook journal finish what it holds."""

    def __init__(self, app):
        self.app = app
        self.beat = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "lifespan":
            return await self.app(scope, receive, send)
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                freeze_startup_heap()
                if settings.EMBEDDED and settings.EMBEDDED_BEAT:
                    self.beat = EmbeddedBeat(settings.CELERY_BEAT_SCHEDULE)
                    self.beat.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.beat is not None:
                    self.beat.stop()
                # The webhook journal stores and processes what it was given, off the loop
                # (its last live events are sent on it).
                await asyncio.to_thread(webhooks.webhook_journal.stop)
                await send({"type": "lifespan.shutdown.complete"})
                return


class RequestSizeLimit:
    """Refuse bodies larger than ``settings.MAX_REQUEST_BYTES`` before Django spools them to
    disk: at once when ``Content-Length`` says so, else (a chunked body) as soon as the bytes
    received pass the limit; the app then sees the client gone and stops reading."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = settings.MAX_REQUEST_BYTES
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                return await _too_large(send)
        received, refused, started = 0, False, False

        async def counting_receive():
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await _too_large(send)
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message):
            nonlocal started
            if refused:
                return  # our 413 was the answer; the app's late reply is dropped
            started = started or message["type"] == "http.response.start"
            await send(message)

        return await self.app(scope, counting_receive, tracking_send)


async def _too_large(send) -> None:
    body = b'{"error": {"code": "too_large", "message": "the request body is too large"}}'
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SameOriginWebsocket:
    """Accept a console socket only from the page's own origin (``Origin`` naming the host
    and port the browser connected to) or one of ``CSRF_TRUSTED_ORIGINS``, like Django's
    CSRF check. Browsers send cookies to every port of a host, and channels'
    AllowedHostsOriginValidator ignores the port: a page on another local port could
    otherwise open an agent's socket."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not _same_origin(dict(scope.get("headers", []))):
            return await WebsocketDenier()(scope, receive, send)
        return await self.app(scope, receive, send)


def _same_origin(headers: dict) -> bool:
    origin = headers.get(b"origin", b"").decode("latin-1")
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    parts = urlsplit(origin)
    host = headers.get(b"host", b"").decode("latin-1")
    return parts.scheme in ("http", "https") and bool(host) and parts.netloc.lower() == host.lower()


class HttpPathRouter:
    """Send a few exact HTTP paths to their own ASGI apps, everything else to Django."""

    def __init__(self, routes, default):
        self.routes, self.default = routes, default

    async def __call__(self, scope, receive, send):
        app = self.routes.get(scope.get("path"), self.default)
        return await app(scope, receive, send)


from conversations import webhooks  # noqa: E402

application = Lifespan(
    ProtocolTypeRouter(
        {
            # The webhook is machine-to-machine: it skips Django's browser middleware.
            # A body that goes silent is cut off (waproject/slowclients.py).
            "http": SlowBodyTimeout(
                RequestSizeLimit(HttpPathRouter({webhooks.PATH: webhooks.WebhookApp()}, django_asgi_app))
            ),
            "websocket": AllowedHostsOriginValidator(
                SameOriginWebsocket(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
            ),
        }
    )
)
