"""Agents' profiles and capacity: who is an agent, and how much work each holds.

``AgentProfile.load`` counts pending offers, active interactions and conferences joined;
a slot is reserved with ``load < capacity`` in the WHERE clause (two dispatchers never
take one agent's last slot twice) and released when the work ends. The beat recomputes
the loads from the rows to heal any drift.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext

from conversations import events
from conversations.exceptions import DomainError
from conversations.models import AgentProfile, Interaction, Offer, Queue
from conversations.permissions import ensure_agent


def agent_profile_for(user: User) -> AgentProfile:
    """The user's agent profile. Agents have one (the admin or ``seed_demo`` gives it); a
    supervisor working in the console gets one (Not Ready, no queues) on first use; anyone
    else is refused (P6: a content manager never becomes an agent by calling the API)."""
    profile = AgentProfile.objects.filter(user=user).first()
    if profile is None:
        ensure_agent(user)  # refuses all but supervisors here
        profile, _ = AgentProfile.objects.get_or_create(user=user)
    return profile


def agent_language_set(*, user: User, language: str) -> AgentProfile:
    """U4: the language the user's console and our pages speak: a code of
    ``settings.LANGUAGES``, or "" to follow the browser's. Any other value is refused
    (400), not stored: the middleware would otherwise activate a language with no
    catalogue."""
    codes = [code for code, _name in settings.LANGUAGES]
    if language and language not in codes:
        raise DomainError(
            gettext('unknown language %(language)s: choose one of %(codes)s, or "" for the browser\'s')
            % {"language": repr(language), "codes": ", ".join(codes)},
            code="unknown_language",
        )
    profile = agent_profile_for(user)
    if profile.language != language:
        profile.language = language
        profile.save(update_fields=["language"])
    return profile


def agents_available(
    *, queue_id: int | None, group_id: int | None = None, skill_id: int | None = None
) -> QuerySet[AgentProfile]:
    """Who routing may offer work to now, in routing order: Ready, below capacity, in the
    queue ``queue_id`` with every skill it requires, in the agent group ``group_id`` and
    with ``skill_id`` (a transfer's or a conference invitation's target, R4, R5b); least
    busy first, then longest idle (``idle_since``: when the agent last became free). The
    queue's skills are a subquery, not a query of their own."""
    candidates = AgentProfile.objects.filter(is_ready=True, load__lt=F("capacity"))
    if group_id:
        candidates = candidates.filter(group_id=group_id)
    if skill_id:
        candidates = candidates.filter(skills=skill_id)
    if queue_id:
        candidates = candidates.filter(queues=queue_id)
        # no skill the queue requires that the agent lacks
        lacking = Queue.skills.through.objects.filter(queue_id=queue_id).exclude(
            Exists(
                AgentProfile.skills.through.objects.filter(
                    agentprofile_id=OuterRef(OuterRef("pk")), skill_id=OuterRef("skill_id")
                )
            )
        )
        candidates = candidates.exclude(Exists(lacking))
    return candidates.order_by("load", F("idle_since").asc(nulls_first=True), "pk")


def capacity_reserve(profile: AgentProfile) -> bool:
    """Take one of the agent's free slots, if they are Ready and have one."""
    reserved = AgentProfile.objects.filter(pk=profile.pk, is_ready=True, load__lt=F("capacity")).update(
        load=F("load") + 1
    )
    if reserved:
        events.agent_state_changed(user_id=profile.user_id)
    return bool(reserved)


def capacity_release(agent_id: int, *, now: datetime) -> None:
    """Give the agent's slot back (an offer ended, a conversation left them); an agent with
    nothing left becomes idle now (longest idle is offered first)."""
    AgentProfile.objects.filter(user_id=agent_id, load__gt=0).update(load=F("load") - 1)
    AgentProfile.objects.filter(user_id=agent_id, load=0).update(idle_since=now)
    events.agent_state_changed(user_id=agent_id)


def agent_loads_reconcile() -> int:
    """Recompute every agent's load from the rows (heals drift after a crash)."""
    fixed = 0
    truth = AgentProfile.objects.annotate(
        active=Count(
            "user__owned_interactions",
            filter=Q(user__owned_interactions__state=Interaction.State.ACTIVE),
            distinct=True,
        ),
        offered=Count("user__offers", filter=Q(user__offers__state=Offer.State.PENDING), distinct=True),
        guest=Count(
            "user__participations",
            filter=Q(
                user__participations__kind="conference",
                user__participations__state="joined",
                user__participations__interaction__state=Interaction.State.ACTIVE,
            ),
            distinct=True,
        ),
    )
    for profile in truth:
        expected = profile.active + profile.offered + profile.guest
        if profile.load != expected:
            fixed += AgentProfile.objects.filter(pk=profile.pk, load=profile.load).update(load=expected)
    return fixed
