"""Who may do what, beyond owning an interaction (P6)."""

from __future__ import annotations

from typing import Any

#: Supervisors see and act on every interaction. Staff status alone only opens the admin:
#: content managers have it, and must not read transcripts or write to customers.
SUPERVISE = "conversations.supervise_interactions"


def user_is_supervisor(user: Any) -> bool:
    """Superusers, and staff users given "Can supervise every WhatsApp interaction" (directly
    or through a group such as "Supervisors"). Agents are not staff: answering for them
    costs no query, which matters on every console request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or (user.is_staff and user.has_perm(SUPERVISE)))
