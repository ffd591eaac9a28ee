"""What the admin may not delete, and why: the reasons its delete page lists (nothing is
deleted while one remains)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from conversations.models import AgentGroup, Channel, Interaction, InteractionParticipant, Offer, Queue, Skill
from workbins.models import WorkbinItem


def _open_interactions(**lookup: Any) -> int:
    return Interaction.objects.filter(state__in=Interaction.OPEN_STATES, **lookup).count()


def queue_delete_blockers(queue: Queue) -> list[str]:
    """Why ``queue`` may not be deleted: work waiting or going on in it would lose its
    queue (and be offered to anyone), new conversations of a number would have none."""
    reasons = []
    if waiting := _open_interactions(queue=queue):
        reasons.append(f"{waiting} open interaction(s) are in this queue: let them finish or move them first")
    if numbers := list(Channel.objects.filter(default_queue=queue).values_list("name", flat=True)):
        reasons.append(f"new conversations of {', '.join(numbers)} go to this queue: choose another first")
    return reasons


def skill_delete_blockers(skill: Skill) -> list[str]:
    """Why ``skill`` may not be deleted: a transfer waiting for an agent with it would go to
    anyone, and a queue requiring it would silently stop requiring it."""
    reasons = []
    if waiting := _open_interactions(target_skill=skill):
        reasons.append(f"{waiting} open interaction(s) were transferred to this skill and wait for it")
    if queues := list(skill.queue_set.values_list("name", flat=True)):
        reasons.append(f"the queue(s) {', '.join(queues)} require it: remove it from them first")
    return reasons


def agent_group_delete_blockers(group: AgentGroup) -> list[str]:
    """Why ``group`` may not be deleted: a transfer waiting for it would go to anyone, and
    its workbins (deleted with it) hold parked interactions nobody could open again."""
    reasons = []
    if waiting := _open_interactions(target_group=group):
        reasons.append(f"{waiting} open interaction(s) were transferred to this group and wait for it")
    if parked := WorkbinItem.objects.filter(workbin__agent_group=group).count():
        reasons.append(f"its workbin(s) hold {parked} parked interaction(s): open or move them first")
    return reasons


def agent_open_work(user: User) -> list[str]:
    """What ``user`` still has open as an agent; deleting them (or their agent profile)
    would strand it: conversations without their agent, offers nobody answers, a
    personal workbin deleted with its parked interactions."""
    P = InteractionParticipant
    work = []
    if owned := _open_interactions(owner=user):
        work.append(f"{owned} open interaction(s)")
    if offered := Offer.objects.filter(agent=user, state=Offer.State.PENDING).count():
        work.append(f"{offered} pending offer(s)")
    if joined := P.objects.filter(agent=user, state__in=[P.State.INVITED, P.State.JOINED]).count():
        work.append(f"{joined} conference or consultation(s)")
    if parked := WorkbinItem.objects.filter(workbin__owner=user).count():
        work.append(f"{parked} interaction(s) in their personal workbin")
    return work
