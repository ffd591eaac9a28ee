"""The agent console's page (server-rendered shell; data over REST, live over WebSocket)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from conversations import selectors


@login_required
def console(request: HttpRequest) -> HttpResponse:
    bootstrap = {
        # agent, options, emojis, dispositions, map template…: what agent/me/ refreshes
        **selectors.agent_snapshot(user=request.user),
        "urls": {"ws": "/ws/console/", "api": "/api/v1/"},
        "server_time": timezone.now().isoformat(),
    }
    return render(request, "conversations/console.html", {"bootstrap": bootstrap})
