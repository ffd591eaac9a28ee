"""Who may do what, beyond owning an interaction (P6)."""

from __future__ import annotations

from typing import Any

#: Supervisors see and act on every interaction. Staff status alone only opens the admin:
#: content managers have it, and must not read transcripts or write to customers.
SUPERVISE = "conversations.supervise_interactions"
#: The contact directory (O3, R8): every contact's details and history. Without it an
#: agent sees only the contacts of the interactions they may see.
BROWSE_DIRECTORY = "conversations.browse_contact_directory"


def user_is_supervisor(user: Any) -> bool:
    """Superusers, and staff users given "Can supervise every WhatsApp interaction" (directly
    or through a group such as "Supervisors"). Agents are not staff: answering for them
    costs no query, which matters on every console request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or (user.is_staff and user.has_perm(SUPERVISE)))


def user_can_browse_directory(user: Any) -> bool:
    """Supervisors, and users given "Can browse the contact directory" (the demo's
    "Agents" group has it)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user_is_supervisor(user) or user.has_perm(BROWSE_DIRECTORY)


def user_is_agent(user: Any) -> bool:
    """Agents are the users with an agent profile (given in the admin, or by ``seed_demo``):
    that, not staff status nor a group name, is what routing, transfers and the console
    count on. Nobody becomes an agent by opening the console: a content manager stays one."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    from conversations.models import AgentProfile

    return AgentProfile.objects.filter(user=user).exists()


def ensure_agent(user: Any) -> None:
    """The console and the agent API are for agents, and supervisors (P6): refuse anyone
    else (a content manager keeps templates and standard responses in the admin)."""
    from conversations.exceptions import PermissionDenied

    if not (user_is_agent(user) or user_is_supervisor(user)):
        raise PermissionDenied(
            "only agents (users with an agent profile) and supervisors use the agent console and its API",
            code="not_an_agent",
        )


def ensure_owner_or_supervisor(user: Any, interaction: Any, *, to: str) -> None:
    """Only the interaction's owner, or a supervisor, may ``to`` (e.g. "transfer it"):
    the one check every owner-only action makes, in the service (P6)."""
    from conversations.exceptions import PermissionDenied

    if interaction.owner_id != user.pk and not user_is_supervisor(user):
        raise PermissionDenied(f"only the agent who owns this interaction (or a supervisor) may {to}")
