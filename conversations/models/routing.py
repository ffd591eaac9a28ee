from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Skill(models.Model):
    """A competence an agent has and an interaction may need (e.g. a language)."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentGroup(models.Model):
    """A team of agents; options can be overridden per group."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Queue(models.Model):
    """Where interactions wait to be offered to an available agent of the queue."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    skills = models.ManyToManyField(
        Skill, blank=True, help_text=_("An agent needs all of these to be offered the queue's work")
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentProfile(models.Model):
    """What makes a Django user an agent: Ready state, capacity, queues, skills, group."""

    class NotReadyReason(models.TextChoices):
        """Why the agent is Not Ready: the console's notice, later the supervisors' board."""

        CHOSEN = "chosen", _("The agent chose Not Ready")
        OFFER_EXPIRED = "offer_expired", _("An offer was not accepted in time")
        SIGNED_OUT = "signed_out", _("The agent signed out")
        SUPERVISOR = "supervisor", _("A supervisor set the agent Not Ready")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile"
    )
    is_ready = models.BooleanField(_("Ready for WhatsApp"), default=False)
    capacity = models.PositiveSmallIntegerField(
        default=3, help_text=_("How many interactions the agent handles at once")
    )
    queues = models.ManyToManyField(Queue, blank=True, related_name="agents")
    skills = models.ManyToManyField(Skill, blank=True, related_name="agents")
    group = models.ForeignKey(
        AgentGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="agents"
    )
    ready_changed_at = models.DateTimeField(null=True, blank=True)
    #: Why the agent is Not Ready (empty while Ready, and for an agent never set either way).
    not_ready_reason = models.CharField(max_length=16, choices=NotReadyReason, blank=True)
    #: S2: what the supervisor who set the agent Not Ready wrote (the agent's console shows it).
    not_ready_note = models.CharField(max_length=200, blank=True)
    #: S2: when a supervisor signed the agent out; a login older than this opens no console.
    signed_out_at = models.DateTimeField(null=True, blank=True)
    #: When the agent last became idle (no interaction); drives longest-idle-first routing.
    idle_since = models.DateTimeField(null=True, blank=True)
    #: Interactions owned now (active or offered); kept by the routing services.
    load = models.PositiveSmallIntegerField(default=0)
    #: U4: the language of the console and our pages for this user (a code of
    #: ``settings.LANGUAGES``); blank follows the browser's (Accept-Language).
    language = models.CharField(
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text="The console's language; empty: the browser's",
    )

    class Meta:
        indexes = [models.Index(fields=["is_ready", "idle_since"], name="agent_ready_idle_idx")]

    def __str__(self) -> str:
        return f"Agent {self.user}"


class Offer(models.Model):
    """An interaction offered to one agent, waiting for Accept or Reject."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    interaction = models.ForeignKey(
        "conversations.Interaction", on_delete=models.CASCADE, related_name="offers"
    )
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="offers")
    state = models.CharField(max_length=16, choices=State, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    #: Accept timeout; the beat sweep redirects pending offers past it.
    due_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["interaction"],
                condition=models.Q(state="pending"),
                name="one_pending_offer_per_interaction",
            )
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=models.Q(state="pending"), name="offer_pending_due_idx")
        ]

    def __str__(self) -> str:
        return f"Offer of {self.interaction_id} to {self.agent_id} ({self.state})"
