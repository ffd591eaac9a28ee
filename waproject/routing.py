"""WebSocket URL patterns gathered from the apps."""

from django.conf import settings

from console.routing import websocket_urlpatterns as conversation_patterns

websocket_urlpatterns = [*conversation_patterns]

if settings.WHATSAPP_SANDBOX_ENABLED:  # lazy on purpose: the sandbox's sockets only when it is on
    from sandbox.routing import websocket_urlpatterns as sandbox_patterns

    websocket_urlpatterns += sandbox_patterns
