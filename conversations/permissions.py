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


def ensure_owner_or_supervisor(user: Any, interaction: Any, *, to: str) -> None:
    """Only the interaction's owner, or a supervisor, may ``to`` (e.g. "transfer it"):
    the one check every owner-only action makes, in the service (P6).

    Someone who may not even see the interaction gets the 404 its reading gives them (the
    interaction "does not exist or is not yours"), not a 403 that tells it exists; a 403 is
    for those who see it without owning it (a conference guest, an agent offered it…).
    """
    from conversations.exceptions import NotFound, PermissionDenied
    from conversations.selectors import interaction_list_for_user  # selectors import this module

    if interaction.owner_id == user.pk or user_is_supervisor(user):
        return
    if not interaction_list_for_user(user=user).filter(pk=interaction.pk).exists():
        raise NotFound(f"interaction {interaction.pk} does not exist or is not yours")
    raise PermissionDenied(f"only the agent who owns this interaction (or a supervisor) may {to}")
