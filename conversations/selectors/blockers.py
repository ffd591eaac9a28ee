"""What the admin may not delete, and why: the reasons its delete page lists (nothing is
deleted while one remains)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext

from conversations.models import AgentGroup, Channel, Interaction, InteractionParticipant, Offer, Queue, Skill
from workbins.models import WorkbinItem


def _open_interactions(**lookup: Any) -> int:
    return Interaction.objects.filter(state__in=Interaction.OPEN_STATES, **lookup).count()


def queue_delete_blockers(queue: Queue) -> list[str]:
    """Why ``queue`` may not be deleted: work waiting or going on in it would lose its
    queue (and be offered to anyone), new conversations of a number would have none."""
    reasons = []
    if waiting := _open_interactions(queue=queue):
        reasons.append(
            gettext("%(count)d open interaction(s) are in this queue: let them finish or move them first")
            % {"count": waiting}
        )
    if numbers := list(Channel.objects.filter(default_queue=queue).values_list("name", flat=True)):
        reasons.append(
            gettext("new conversations of %(numbers)s go to this queue: choose another first")
            % {"numbers": ", ".join(numbers)}
        )
    return reasons


def skill_delete_blockers(skill: Skill) -> list[str]:
    """Why ``skill`` may not be deleted: a transfer waiting for an agent with it would go to
    anyone, and a queue requiring it would silently stop requiring it."""
    reasons = []
    if waiting := _open_interactions(target_skill=skill):
        reasons.append(
            gettext("%(count)d open interaction(s) were transferred to this skill and wait for it")
            % {"count": waiting}
        )
    if queues := list(skill.queue_set.values_list("name", flat=True)):
        reasons.append(
            gettext("the queue(s) %(queues)s require it: remove it from them first")
            % {"queues": ", ".join(queues)}
        )
    return reasons


def agent_group_delete_blockers(group: AgentGroup) -> list[str]:
    """Why ``group`` may not be deleted: a transfer waiting for it would go to anyone, and
    its workbins (deleted with it) hold parked interactions nobody could open again."""
    reasons = []
    if waiting := _open_interactions(target_group=group):
        reasons.append(
            gettext("%(count)d open interaction(s) were transferred to this group and wait for it")
            % {"count": waiting}
        )
    if parked := WorkbinItem.objects.filter(workbin__agent_group=group).count():
        reasons.append(
            gettext("its workbin(s) hold %(count)d parked interaction(s): open or move them first")
            % {"count": parked}
        )
    return reasons


def agent_open_work(user: User) -> list[str]:
    """What ``user`` still has open as an agent; deleting them (or their agent profile)
    would strand it: conversations without their agent, offers nobody answers, a
    personal workbin deleted with its parked interactions."""
    P = InteractionParticipant
    work = []
    if owned := _open_interactions(owner=user):
        work.append(gettext("%(count)d open interaction(s)") % {"count": owned})
    if offered := Offer.objects.filter(agent=user, state=Offer.State.PENDING).count():
        work.append(gettext("%(count)d pending offer(s)") % {"count": offered})
    if joined := P.objects.filter(agent=user, state__in=[P.State.INVITED, P.State.JOINED]).count():
        work.append(gettext("%(count)d conference or consultation(s)") % {"count": joined})
    if parked := WorkbinItem.objects.filter(workbin__owner=user).count():
        work.append(gettext("%(count)d interaction(s) in their personal workbin") % {"count": parked})
    return work
