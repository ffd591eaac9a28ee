"""P5: saving and deleting option values, and what follows from a change at once.

Every writer of ``OptionValue`` rows (the admin above all) goes through these services, so
a change is not only read within ``options.SNAPSHOT_SECONDS`` by every process: what was
computed from the old value moves too. The reply timers of the open interactions whose
owner the change concerns are armed again (O2), their consoles get the new deadline, and
the consoles of the agents concerned fetch their options again.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from conversations import events, options
from conversations.exceptions import DomainError
from conversations.models import AgentProfile, Interaction, OptionValue
from conversations.services.interactions import interaction_reply_timers_rearm
from conversations.windows import REPLY_TIMEOUT

#: Who an option row applies to: ("global", None), ("group", group id), ("agent", user id).
Scope = tuple[str, int | None]


def _scope(option: OptionValue) -> Scope:
    if option.agent_id:
        return ("agent", option.agent_id)
    if option.agent_group_id:
        return ("group", option.agent_group_id)
    return ("global", None)


def option_value_save(*, option: OptionValue) -> OptionValue:
    """Create or change an option value (the admin's form already cleaned it).

    An edit may move the row to another key or scope: the agents of the old scope lose the
    value, so both scopes count as changed.
    """
    try:
        option.value = options.coerce(option.key, option.value)
    except options.OptionError as exc:
        raise DomainError(str(exc), code="invalid") from exc
    if option.agent_id and option.agent_group_id:
        raise DomainError(
            gettext("an option value applies to an agent group or an agent, not both"), code="invalid"
        )
    with transaction.atomic():
        before = OptionValue.objects.select_for_update().filter(pk=option.pk).first() if option.pk else None
        option.save()
        changed = [(option.key, _scope(option))]
        if before is not None:
            changed.append((before.key, _scope(before)))
        options_changed(changed=changed)
    return option


def option_values_delete(*, queryset: QuerySet[OptionValue]) -> int:
    """Delete option values (one, or the admin's bulk action): defaults apply again."""
    with transaction.atomic():
        rows = list(queryset.select_for_update())
        OptionValue.objects.filter(pk__in=[row.pk for row in rows]).delete()
        options_changed(changed=[(row.key, _scope(row)) for row in rows])
    return len(rows)


def agents_moved_to_another_group(*, user_ids: Iterable[int]) -> None:
    """Agents changed agent group (saved in the current transaction): the group values
    that apply to them changed, so their reply timers and consoles follow, as for a change
    of their own values."""
    options_changed(changed=[(REPLY_TIMEOUT, ("agent", user_id)) for user_id in user_ids])


def options_changed(*, changed: Iterable[tuple[str, Scope]]) -> None:
    """Option values of these keys and scopes were written in the current transaction.

    This process reads the new values at once (the others within the snapshot's refresh);
    a changed reply timeout arms the reply timers of the open interactions it concerns
    again; the consoles of the agents concerned fetch their options after the commit.
    """
    changed = list(changed)
    if not changed:
        return
    options.invalidate()
    transaction.on_commit(options.invalidate)  # a refresh between now and the commit read the old rows
    scopes = {scope for _, scope in changed}
    if any(key == REPLY_TIMEOUT for key, _ in changed):
        interaction_reply_timers_rearm(
            interactions=Interaction.objects.filter(_owners_in(s for k, s in changed if k == REPLY_TIMEOUT))
        )
    events.options_changed(user_ids=_agents_in(scopes))


def _owners_in(scopes: Iterable[Scope]) -> Q:
    """Interactions whose owner an option of these scopes applies to (global: every one,
    owned by nobody included)."""
    condition = Q(pk__in=[])
    for kind, ident in set(scopes):
        if kind == "global":
            return Q()
        if kind == "group":
            condition |= Q(owner__agent_profile__group_id=ident)
        else:
            condition |= Q(owner_id=ident)
    return condition


def _agents_in(scopes: set[Scope]) -> list[int]:
    if ("global", None) in scopes:
        return list(AgentProfile.objects.values_list("user_id", flat=True))
    groups = [ident for kind, ident in scopes if kind == "group"]
    agents = {ident for kind, ident in scopes if kind == "agent" and ident is not None}
    if groups:
        agents |= set(AgentProfile.objects.filter(group_id__in=groups).values_list("user_id", flat=True))
    return sorted(agents)
