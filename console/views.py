"""The agent console's page (server-rendered shell; data over REST, live over WebSocket)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language

from conversations import selectors
from conversations.exceptions import PermissionDenied
from conversations.permissions import signed_out_by_supervisor, user_is_supervisor
from conversations.services.capacity import agent_profile_for
from waproject.requests import SignedInHttpRequest


@login_required
def console(request: SignedInHttpRequest) -> HttpResponse:
    try:
        profile = agent_profile_for(request.user)  # a supervisor gets one on first use
    except PermissionDenied:
        # P6: not an agent (a content manager, say): a page that says so, not a console
        # whose every request would fail.
        return render(request, "console/not_an_agent.html", status=403)
    if signed_out_by_supervisor(request.user, profile):
        logout(request)  # S2: a supervisor signed them out: this login ends
        return redirect_to_login(request.get_full_path())
    bootstrap = {
        # agent, options, emojis, dispositions, map template…: what agent/me/ refreshes
        **selectors.agent_snapshot(user=request.user, profile=profile),
        "urls": {"ws": "/ws/console/", "api": "/api/v1/"},
        # S1: the board for supervisors, with what its filters offer
        "is_supervisor": user_is_supervisor(request.user),
        "board_choices": selectors.board_choices() if user_is_supervisor(request.user) else None,
        "server_time": timezone.now().isoformat(),
        # U4: the header's language menu ("" follows the browser's); names in their own language
        "language": {
            "chosen": profile.language,
            "active": get_language(),
            "choices": [{"code": code, "name": name} for code, name in settings.LANGUAGES],
        },
    }
    return render(request, "console/console.html", {"bootstrap": bootstrap})
