"""The agent console's page (server-rendered shell; data over REST, live over WebSocket)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from conversations import selectors
from conversations.models import BusinessAttributeValue
from conversations.services.interactions import disposition_codes

DEFAULT_EMOJIS = [
    "😀",
    "😊",
    "🙂",
    "😉",
    "😍",
    "🙏",
    "👍",
    "👌",
    "👏",
    "🎉",
    "❤️",
    "✅",
    "📦",
    "⏰",
    "🚚",
    "💬",
    "🤔",
    "😢",
]


@login_required
def console(request: HttpRequest) -> HttpResponse:
    snapshot = selectors.agent_snapshot(user=request.user)
    options = snapshot["options"]
    emoji_attribute = options.get("whatsappsession.emojis-business-attribute") or ""
    emojis = (
        list(
            BusinessAttributeValue.objects.filter(attribute__name=emoji_attribute)
            .order_by("sort_order", "id")
            .values_list("name", flat=True)
        )
        if emoji_attribute
        else []
    )
    bootstrap = {
        **snapshot,
        "emojis": emojis or DEFAULT_EMOJIS,
        "dispositions": [
            {"code": c, "label": label} for c, label in disposition_codes(user=request.user).items()
        ],
        "map_url_template": options.get("whatsappsession.location-map-url-template", ""),
        "urls": {"ws": "/ws/console/", "api": "/api/v1/"},
        "server_time": timezone.now().isoformat(),
    }
    return render(request, "conversations/console.html", {"bootstrap": bootstrap})
