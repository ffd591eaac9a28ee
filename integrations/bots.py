"""External bots (B4): a bot owns new interactions of its number or queue before routing,
answers through the API, and hands them off to a queue or skill with case data; a bot
silent past its timeout hands off by itself.

A bot is a user (its API token, the permission "Can act as an external bot") that owns
the interaction the way an agent does (state ``active``, owner the bot's user), so the
existing endpoints work for it on what it owns and on nothing else: sending (its messages
carry it as their author, and the transcript marks them as a bot's), case data, Done.
Routing never sees an active interaction, so nothing is offered while the bot has it. The
bot learns of messages through a subscription limited to its interactions (B5).
"""

from __future__ import annotations

import json
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext

from conversations.exceptions import Conflict, DomainError, NotFound, PermissionDenied
from conversations.limits import CASE_DATA_MAX
from conversations.models import Interaction, Queue, Skill
from conversations.services.access import interaction_locked
from conversations.services.routing import interaction_requeue
from integrations import selectors
from integrations.models import Bot, BotSession

SWEEP_BATCH = 100


def bot_take_over(*, interaction: Interaction, now: datetime) -> bool:
    """A new interaction (call in the transaction that opened it): if a bot owns its number
    or queue, it becomes the bot's and is not routed; True if it did. The customer's first
    message, stored next, arms the bot's silence timer (``integrations.outbox``)."""
    bot = selectors.bot_for_new_interaction(channel_id=interaction.channel_id, queue_id=interaction.queue_id)
    if bot is None:
        return False
    Interaction.objects.filter(pk=interaction.pk, state=Interaction.State.QUEUED).update(
        state=Interaction.State.ACTIVE, owner_id=bot.user_id, accepted_at=now
    )
    interaction.state, interaction.owner_id, interaction.accepted_at = (
        Interaction.State.ACTIVE,
        bot.user_id,
        now,
    )
    BotSession.objects.create(interaction=interaction, bot_id=bot.id, started_at=now)
    return True


def _bot_of(user: User) -> Bot:
    bot = Bot.objects.filter(user=user, is_active=True).first()
    if bot is None or not user.has_perm("integrations.act_as_bot"):
        raise PermissionDenied(gettext("only an active external bot may hand off an interaction"))
    return bot


def bot_handoff(
    *,
    user: User,
    interaction_id: int,
    queue_id: int | None = None,
    skill_id: int | None = None,
    case_data: dict[str, object] | None = None,
) -> Interaction:
    """The bot is done with the customer: the interaction goes to routing, to ``queue_id``
    (else the queue it started in), constrained to ``skill_id`` if given, with
    ``case_data`` added to its case information (shown to the agent who takes it)."""
    bot = _bot_of(user)
    if case_data is not None and (
        not isinstance(case_data, dict) or not all(isinstance(k, str) for k in case_data)
    ):
        raise DomainError(gettext("case information is an object of named values"), code="invalid")
    with transaction.atomic():
        interaction = interaction_locked(interaction_id)
        session = BotSession.objects.filter(interaction=interaction, bot=bot, ended_at__isnull=True).first()
        if interaction.owner_id != user.pk and session is None:
            raise NotFound(
                gettext("interaction %(id)s does not exist or is not this bot's") % {"id": interaction_id}
            )
        if (
            session is None
            or interaction.state != Interaction.State.ACTIVE
            or interaction.owner_id != user.pk
        ):
            raise Conflict(gettext("this interaction is not with the bot any more"), code="not_with_bot")
        queue = None
        if queue_id is not None:
            queue = Queue.objects.filter(pk=queue_id).first()
            if queue is None:
                raise NotFound(gettext("queue %(id)s does not exist") % {"id": queue_id})
        if skill_id is not None and not Skill.objects.filter(pk=skill_id).exists():
            raise NotFound(gettext("skill %(id)s does not exist") % {"id": skill_id})
        merged = {**(interaction.case_data or {}), **(case_data or {})}
        if len(json.dumps(merged)) > CASE_DATA_MAX:
            raise DomainError(
                gettext("case information is limited to %(max)s characters")
                % {"max": number_format(CASE_DATA_MAX, force_grouping=True)},
                code="too_long",
            )
        interaction.case_data = merged
        _to_routing(
            interaction, session, queue=queue, skill_id=skill_id, outcome=BotSession.Outcome.HANDED_OFF
        )
    return interaction


def _to_routing(
    interaction: Interaction, session: BotSession, *, queue: Queue | None, skill_id: int | None, outcome: str
) -> None:
    """The interaction leaves the bot for routing (inside the caller's transaction)."""
    now = timezone.now()
    interaction_requeue(interaction=interaction, queue=queue, skill_id=skill_id, now=now)
    BotSession.objects.filter(pk=session.pk).update(ended_at=now, due_at=None, outcome=outcome)


def bot_timeouts_due(*, now: datetime, limit: int = SWEEP_BATCH) -> int:
    """Interactions whose bot left a customer's message unanswered past its timeout go to
    routing by themselves (to the queue they started in); sessions of interactions that
    left the bot otherwise (closed, taken over by a supervisor) just end."""
    due = list(
        BotSession.objects.filter(ended_at__isnull=True, due_at__lte=now)
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )
    handed = 0
    for session_id in due:
        with transaction.atomic():
            session = (
                BotSession.objects.select_for_update().filter(pk=session_id, ended_at__isnull=True).first()
            )
            if session is None or session.due_at is None or session.due_at > now:
                continue  # the bot answered, or handed off, meanwhile
            interaction = interaction_locked(session.interaction_id, related=("channel",))
            if interaction.state != Interaction.State.ACTIVE or interaction.owner_id != session.bot.user_id:
                BotSession.objects.filter(pk=session.pk).update(
                    ended_at=now, due_at=None, outcome=BotSession.Outcome.CLOSED
                )
                continue
            _to_routing(interaction, session, queue=None, skill_id=None, outcome=BotSession.Outcome.TIMED_OUT)
            handed += 1
    return handed
