"""Integrators' rows: webhook subscriptions (B5) and their outbox, external bots (B4).

The outbox (``Delivery``) is written in the same transaction as the domain change it
reports, one row per subscription and event, so an event is recorded exactly when its
change commits and never for a rolled-back one. Its timer (``next_attempt_due_at``) is a
row the beat sweeps (DESIGN invariant 4).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ops.crypto import EncryptedTextField


class EventType(models.TextChoices):
    """What a subscription can ask for (SPEC B5). ``survey.answered`` is declared for the
    survey after Done (B3), which emits it once it exists."""

    MESSAGE_CREATED = "message.created", _("Message created (customer, agent or bot)")
    MESSAGE_STATUS = "message.status", _("Message status changed (sent, delivered, read, failed)")
    INTERACTION_ROUTED = "interaction.routed", _("Interaction routed (offered to an agent)")
    INTERACTION_ACCEPTED = "interaction.accepted", _("Interaction accepted by an agent")
    INTERACTION_TRANSFERRED = "interaction.transferred", _("Interaction transferred")
    INTERACTION_DONE = "interaction.done", _("Interaction done")
    SURVEY_ANSWERED = "survey.answered", _("Survey answered")


class Subscription(models.Model):
    """An integrator's endpoint and the events it receives there."""

    name = models.CharField(max_length=100)
    url = models.URLField(
        _("URL"), max_length=500, help_text=_("http(s) only; private and loopback addresses are refused")
    )
    # X3: encrypted at rest, write-only in the admin (ops.forms.WriteOnlySecretsMixin).
    secret = EncryptedTextField(
        max_length=255, help_text=_("Signs each delivery (X-Signature-256: sha256=HMAC-SHA256 of the body)")
    )
    event_types = models.JSONField(default=list, help_text=_("The EventType values delivered here"))
    bot = models.ForeignKey(
        "integrations.Bot",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        help_text=_("Only events of the interactions this bot owns (B4); empty: every interaction"),
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    #: Concurrency 1 per subscription: a worker delivering holds this lease (a claim by
    #: conditional UPDATE); a crashed worker's lease simply runs out.
    delivering_until = models.DateTimeField(null=True, blank=True, editable=False)
    #: A receiver that failed is left alone until then (the same backoff as an event's, by
    #: its consecutive failures): a dead or slow receiver costs one attempt per interval,
    #: however many events wait for it.
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    paused_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One event for one subscription: the outbox row, its retries and its outcome."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed (gave up)")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    #: The idempotency key (``X-Webhook-Id``, and ``id`` in the body): the same for every
    #: attempt and replay of this event, so a receiver recognises a duplicate.
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    event_type = models.CharField(max_length=40, choices=EventType)
    #: Events of one interaction are delivered strictly in id order (per subscription).
    interaction = models.ForeignKey(
        "conversations.Interaction", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    #: The exact bytes sent (and signed), fixed when the event is recorded.
    body = models.TextField()
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    replays = models.PositiveIntegerField(default=0, help_text=_("Times an administrator replayed it"))
    created_at = models.DateTimeField(auto_now_add=True)
    #: Retries run for ``INTEGRATIONS_RETRY_FOR`` from here (the recording, or a replay).
    retry_from = models.DateTimeField()
    next_attempt_due_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_id"], name="one_delivery_per_event")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_due_at"],
                condition=models.Q(next_attempt_due_at__isnull=False),
                name="delivery_due_idx",
            ),
            models.Index(
                fields=["subscription", "interaction", "id"],
                condition=models.Q(state="pending"),
                name="delivery_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.pk} to {self.subscription_id} ({self.state})"


class DeliveryAttempt(models.Model):
    """The delivery log: one row per HTTP attempt, with the receiver's answer."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text=_("The receiver's answer, cut short"))
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    replay = models.BooleanField(default=False, help_text=_("Sent after an administrator's replay"))

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"attempt on delivery {self.delivery_id}: {self.status_code or self.error}"


class Bot(models.Model):
    """An external bot (B4): a user of its own (its API token, the bot permission) that
    owns new interactions of a number or a queue before routing, answers through the API
    and hands them off; silent past ``timeout_seconds`` on a customer's message, the
    interaction goes to routing by itself."""

    name = models.CharField(max_length=100)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="bot",
        help_text=_(
            "The bot's user: its API token authenticates the bot; give it the permission "
            '"Can act as an external bot"'
        ),
    )
    channel = models.ForeignKey(
        "conversations.Channel",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Own new interactions of this number"),
    )
    queue = models.ForeignKey(
        "conversations.Queue",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Own new interactions that start in this queue (a number's default queue)"),
    )
    timeout_seconds = models.PositiveIntegerField(
        default=60,
        help_text=_("A customer's message the bot leaves unanswered this long hands off by itself"),
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        permissions = [("act_as_bot", "Can act as an external bot")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(channel__isnull=False) | models.Q(queue__isnull=False),
                name="bot_owns_a_channel_or_queue",
                violation_error_message="Choose the number or the queue whose new interactions the bot takes.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class BotSession(models.Model):
    """A bot's turn on one interaction, from taking it to its hand-off."""

    class Outcome(models.TextChoices):
        HANDED_OFF = "handed_off", _("Handed off by the bot")
        TIMED_OUT = "timed_out", _("Handed off after the bot's timeout")
        CLOSED = "closed", _("Closed while the bot had it")

    interaction = models.ForeignKey(
        "conversations.Interaction", on_delete=models.CASCADE, related_name="bot_sessions"
    )
    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="sessions")
    started_at = models.DateTimeField()
    #: The timer (DESIGN invariant 4): armed by a customer message the bot has not
    #: answered, cleared by the bot's answer; the sweep hands off what is due.
    due_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["interaction"], condition=models.Q(ended_at__isnull=True), name="one_open_bot_session"
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(due_at__isnull=False, ended_at__isnull=True),
                name="bot_session_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.bot} on {self.interaction_id}"
