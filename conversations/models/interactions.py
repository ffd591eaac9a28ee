from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Interaction(models.Model):
    """One conversation session of a contact on a channel, from first message to Done."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting in queue")
        OFFERED = "offered", _("Offered to an agent")
        ACTIVE = "active", _("With an agent")
        PARKED = "parked", _("In a workbin")
        CLOSED = "closed", _("Done")

    #: Every state in which the WhatsApp session is alive (new messages join it).
    OPEN_STATES = (State.QUEUED, State.OFFERED, State.ACTIVE, State.PARKED)

    class Origin(models.TextChoices):
        INBOUND = "inbound", _("Inbound")
        OUTBOUND = "outbound", _("Outbound")

    class Handoff(models.TextChoices):
        TRANSFER = "transfer", _("Transferred")
        WORKBIN = "workbin", _("Back from a workbin")

    contact = models.ForeignKey(
        "conversations.Contact", on_delete=models.PROTECT, related_name="interactions"
    )
    channel = models.ForeignKey(
        "conversations.Channel", on_delete=models.PROTECT, related_name="interactions"
    )
    state = models.CharField(max_length=16, choices=State, default=State.QUEUED)
    origin = models.CharField(max_length=16, choices=Origin, default=Origin.INBOUND)
    queue = models.ForeignKey(
        "conversations.Queue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_interactions",
    )
    # Routing constraints of a transfer (R4), cleared when an agent accepts.
    target_group = models.ForeignKey(
        "conversations.AgentGroup", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_skill = models.ForeignKey(
        "conversations.Skill", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # How the interaction came back to routing, for the next agent's offer (cleared on accept).
    handoff = models.CharField(max_length=10, choices=Handoff, blank=True)
    handoff_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # R8: where this conversation's customer is, as they last wrote from it (or as an
    # outbound session reached them): replies go here, not to the contact's first number.
    # A contact may have several numbers (a merged one, a number change); the
    # conversation talks to the one in use. Blank: the contact's own (older rows).
    customer_wa_id = models.CharField(
        _("customer's WhatsApp number"), max_length=32, blank=True, help_text=_("The number replies go to")
    )
    customer_user_id = models.CharField(
        _("customer's business-scoped user id"),
        max_length=160,
        blank=True,
        help_text=_("The BSUID replies go to when there is no number"),
    )
    case_data = models.JSONField(
        _("case information"), default=dict, blank=True, help_text=_("Attached data shown to agents")
    )
    disposition = models.CharField(max_length=100, blank=True)
    done_note = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    #: When the interaction joined its queue (FIFO order of waiting work).
    queued_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The customer-service window and reply timers (DESIGN invariant 4: timers are rows).
    last_inbound_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Origination time of the customer's latest message")
    )
    last_inbound_wamid = models.CharField(max_length=160, blank=True)
    last_outbound_at = models.DateTimeField(null=True, blank=True)
    window_expires_at = models.DateTimeField(
        null=True, blank=True, help_text=_("24 hours after the customer's latest message")
    )
    awaiting_reply_since = models.DateTimeField(
        null=True, blank=True, help_text=_("Arrival of the first unanswered customer message")
    )
    # Timers (DESIGN invariant 4): set with each newer customer message, cleared when the
    # beat has announced them, so a sweep only ever reads what is due.
    window_due_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When to announce that the 24-hour window closed (O1)")
    )
    reply_due_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Reply timeout: after it only a notification can go (O2)")
    )
    # B2 (surveys.services): while the interaction waits in a queue whose care is on, when
    # the sweep next looks at it: the next waiting notice, or the abandonment deadline.
    waiting_due_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Next waiting notice or abandonment check (B2)")
    )

    class Meta:
        ordering = ["-id"]
        permissions = [
            ("start_outbound_session", "Can start WhatsApp conversations (outbound sessions)"),
            ("start_outbound_from_other_media", "Can start WhatsApp conversations from other media"),
            ("supervise_interactions", "Can supervise every WhatsApp interaction"),
        ]
        constraints = [
            # One live session per customer and number, whatever races the webhooks run.
            models.UniqueConstraint(
                fields=["contact", "channel"],
                condition=models.Q(state__in=["queued", "offered", "active", "parked"]),
                name="one_open_interaction_per_contact_channel",
            )
        ]
        indexes = [
            models.Index(fields=["contact", "-created_at"], name="interaction_contact_idx"),
            models.Index(fields=["owner", "state"], name="interaction_owner_state_idx"),
            models.Index(
                fields=["queue", "queued_at", "id"],
                condition=models.Q(state="queued"),
                name="interaction_waiting_idx",
            ),
            # S1: the board reads open interactions, and today's entries and ends, through
            # these: its cost does not grow with the closed history.
            models.Index(
                fields=["state"],
                condition=models.Q(state__in=["queued", "offered", "active", "parked"]),
                name="interaction_open_idx",
            ),
            models.Index(fields=["queued_at"], name="interaction_queued_at_idx"),
            models.Index(fields=["closed_at"], name="interaction_closed_at_idx"),
            models.Index(
                fields=["window_due_at"],
                condition=models.Q(window_due_at__isnull=False),
                name="interaction_window_due_idx",
            ),
            models.Index(
                fields=["reply_due_at"],
                condition=models.Q(reply_due_at__isnull=False),
                name="interaction_reply_due_idx",
            ),
            models.Index(
                fields=["waiting_due_at"],
                condition=models.Q(waiting_due_at__isnull=False),
                name="interaction_waiting_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Interaction {self.pk} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def customer_address(self) -> str:
        """Where replies go (R8): the customer's number in this conversation, else its BSUID,
        else (rows from before the address was kept) the contact's. WhatsApp prefers the
        number when both are known."""
        if self.customer_wa_id or self.customer_user_id:
            return self.customer_wa_id or self.customer_user_id
        contact = self.contact
        return contact.wa_id or contact.user_id or ""


class InteractionNote(models.Model):
    """A note an agent adds to the interaction's history (never sent to the customer)."""

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note on {self.interaction_id}"


class InteractionParticipant(models.Model):
    """A second agent on an interaction: a conference (both write, R5) or a consultation
    (an internal chat about it, invisible to the customer, R6)."""

    class Kind(models.TextChoices):
        CONFERENCE = "conference", _("Conference")
        CONSULTATION = "consultation", _("Consultation")

    class State(models.TextChoices):
        INVITED = "invited", _("Invited")
        JOINED = "joined", _("Joined")
        DECLINED = "declined", _("Declined")
        LEFT = "left", _("Left")

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="participants")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participations"
    )
    kind = models.CharField(max_length=16, choices=Kind)
    state = models.CharField(max_length=10, choices=State, default=State.INVITED)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: R5b: a conference invitation made "via the Group or Skill option" (routing chose the
    #: agent): which group or skill, so the invited agent's notice can say so.
    via_group = models.ForeignKey(
        "conversations.AgentGroup", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via_skill = models.ForeignKey(
        "conversations.Skill", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    joined_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["interaction", "agent", "kind"],
                condition=models.Q(state__in=["invited", "joined"]),
                name="one_live_participation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agent} in {self.interaction_id} ({self.kind}, {self.state})"


class ConsultationMessage(models.Model):
    """An agent-to-agent message about an interaction; never sent to the customer."""

    interaction = models.ForeignKey(
        Interaction, on_delete=models.CASCADE, related_name="consultation_messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Consultation on {self.interaction_id}"
