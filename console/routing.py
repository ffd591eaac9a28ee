"""WebSocket routes of the agent console."""

from django.urls import path

from console import consumers

websocket_urlpatterns = [
    path("ws/console/", consumers.AgentConsumer.as_asgi()),
]
