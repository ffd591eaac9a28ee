"""The agent console's pages (server-rendered; live updates come over the WebSocket)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def console(request: HttpRequest) -> HttpResponse:
    return render(request, "conversations/console.html", {})
