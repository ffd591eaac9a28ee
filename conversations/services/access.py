"""The checks every service of an interaction starts with: lock it (or 404), and refuse
who may not take an owner's action.

In the services, not in ``permissions``: the refusal depends on what the user may *see*
(a selector), so that someone who cannot see the interaction gets the 404 its reading
gives them, not a 403 that tells it exists.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from conversations.exceptions import NotFound, PermissionDenied
from conversations.models import Interaction
from conversations.permissions import is_owner_or_supervisor
from conversations.selectors.interactions import interaction_list_for_user


def interaction_locked(interaction_id: int, *, related: Sequence[str] = ()) -> Interaction:
    """The interaction, locked for the rest of the transaction (``SELECT … FOR UPDATE``;
    ``related``: what to read with it), or NotFound. Call inside ``transaction.atomic``."""
    queryset = Interaction.objects.select_for_update()
    if related:
        queryset = queryset.select_related(*related)
    interaction = queryset.filter(pk=interaction_id).first()
    if interaction is None:
        raise NotFound(
            _("interaction %(interaction_id)s does not exist") % {"interaction_id": interaction_id}
        )
    return interaction


def ensure_owner_or_supervisor(user: User, interaction: Interaction, *, to: str) -> None:
    """Only the interaction's owner, or a supervisor, may ``to`` (e.g. ``_("transfer it")``,
    translated by the caller: the refusal is in the request's language):
    the one check every owner-only action makes, in the service (P6).

    Someone who may not even see the interaction gets the 404 its reading gives them (the
    interaction "does not exist or is not yours"), not a 403 that tells it exists; a 403 is
    for those who see it without owning it (a conference guest, an agent offered it…).
    """
    if is_owner_or_supervisor(user, interaction):
        return
    if not interaction_list_for_user(user=user).filter(pk=interaction.pk).exists():
        raise NotFound(
            _("interaction %(interaction_id)s does not exist or is not yours")
            % {"interaction_id": interaction.pk}
        )
    raise PermissionDenied(
        _("only the agent who owns this interaction (or a supervisor) may %(action)s") % {"action": to}
    )
