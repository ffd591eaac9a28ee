"""The agent console's page (server-rendered shell; data over REST, live over WebSocket)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from conversations import selectors
from conversations.exceptions import PermissionDenied
from conversations.services.capacity import agent_profile_for


@login_required
def console(request: HttpRequest) -> HttpResponse:
    try:
        profile = agent_profile_for(request.user)  # a supervisor gets one on first use
    except PermissionDenied:
        # P6: not an agent (a content manager, say): a page that says so, not a console
        # whose every request would fail.
        return render(request, "console/not_an_agent.html", status=403)
    bootstrap = {
        # agent, options, emojis, dispositions, map template…: what agent/me/ refreshes
        **selectors.agent_snapshot(user=request.user, profile=profile),
        "urls": {"ws": "/ws/console/", "api": "/api/v1/"},
        "server_time": timezone.now().isoformat(),
    }
    return render(request, "console/console.html", {"bootstrap": bootstrap})
