"""WebSocket routes of the sandbox's customer phone page."""

websocket_urlpatterns: list = []
