"""Signing out: an agent who logs out strands nothing."""

from __future__ import annotations

from django.contrib.auth.models import User

from conversations import events
from conversations.models import AgentProfile
from conversations.services.routing import agent_set_ready
from workbins.services import agent_interactions_park_all


def agent_logged_out(*, user: User, session_key: str | None = None) -> None:
    """Logging out never strands an offer (the agent goes Not Ready) and moves the agent's
    interactions in progress to their personal workbin (R7). The session's console sockets
    close: a signed-out browser receives nothing more."""
    events.session_ended(user_id=user.pk, session_key=session_key)
    if AgentProfile.objects.filter(user=user).exists():
        agent_set_ready(user=user, ready=False, reason=AgentProfile.NotReadyReason.SIGNED_OUT)
    agent_interactions_park_all(user=user)
