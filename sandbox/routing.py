"""WebSocket routes of the sandbox's customer phone page (mounted only when the sandbox is enabled)."""

from django.urls import re_path

from sandbox import consumers

websocket_urlpatterns = [
    re_path(
        r"^ws/sandbox/phone/(?P<phone_number_id>[A-Za-z0-9_-]{1,64})/(?P<wa_id>\d{6,15})/$",
        consumers.PhoneConsumer.as_asgi(),
    ),
]
