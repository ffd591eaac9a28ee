from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """A WhatsApp message in either direction, as stored for the transcript.

    ``origination_at`` is WhatsApp's timestamp (when the customer sent it), ``arrived_at``
    when our webhook received it; both are kept (DESIGN invariant 6). Outbound messages
    exist (status ``queued``, their own id) before the Cloud API is called; ``wamid`` is
    filled when WhatsApp accepts them.
    """

    class Direction(models.TextChoices):
        INBOUND = "in", _("From the customer")
        OUTBOUND = "out", _("To the customer")

    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")
        AUDIO = "audio", _("Audio")
        DOCUMENT = "document", _("Document")
        STICKER = "sticker", _("Sticker")
        LOCATION = "location", _("Location")
        CONTACTS = "contacts", _("Contacts")
        INTERACTIVE = "interactive", _("Interactive")
        BUTTON = "button", _("Template button reply")
        ORDER = "order", _("Order")
        SYSTEM = "system", _("System")
        TEMPLATE = "template", _("Template")
        REVOKE = "revoke", _("Revoke")
        EDIT = "edit", _("Edit")
        REQUEST_WELCOME = "request_welcome", _("Request Welcome")
        UNSUPPORTED = "unsupported", _("Unsupported")

    MEDIA_TYPES = (Type.IMAGE, Type.VIDEO, Type.AUDIO, Type.DOCUMENT, Type.STICKER)
    #: Not a column: set on the message an idempotent send answers again (a client_ref
    #: replayed), so the API answers 200 with ``"replayed": true`` instead of 201.
    replayed: bool = False

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")  # inbound
        QUEUED = "queued", _("Queued")  # outbound, waiting for its turn (or its retry)
        SENDING = "sending", _("Sending")  # a worker is calling the Cloud API for it
        ACCEPTED = "accepted", _("Accepted by WhatsApp")  # has a wamid; ticks come by webhook
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        PLAYED = "played", _("Played")
        FAILED = "failed", _("Failed")

    channel = models.ForeignKey("conversations.Channel", on_delete=models.PROTECT, related_name="messages")
    interaction = models.ForeignKey(
        "conversations.Interaction", on_delete=models.CASCADE, related_name="messages"
    )
    contact = models.ForeignKey("conversations.Contact", on_delete=models.PROTECT, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction)
    type = models.CharField(max_length=20, choices=Type, default=Type.TEXT)
    wamid = models.CharField(_("WhatsApp message id"), max_length=160, null=True, blank=True)
    body = models.TextField(blank=True, help_text=_("Text, caption, or the label of a choice"))
    content = models.JSONField(
        default=dict, blank=True, help_text=_("The type's structured content, as WhatsApp sent it")
    )
    context_wamid = models.CharField(
        max_length=160, blank=True, help_text=_("The message this one replies to")
    )
    forwarded = models.BooleanField(default=False)
    frequently_forwarded = models.BooleanField(default=False)
    referral = models.JSONField(default=dict, blank=True, help_text=_("Click-to-WhatsApp ad"))
    errors = models.JSONField(default=list, blank=True, help_text=_("Errors WhatsApp attached"))
    origination_at = models.DateTimeField(help_text=_("WhatsApp's timestamp"))
    arrived_at = models.DateTimeField(help_text=_("When we received (or created) it"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The agent who sent it"),
    )
    #: Sent by software, not a person (B4: an external bot): the transcript marks it.
    automated = models.BooleanField(default=False, help_text=_("Sent by a bot or an automated flow"))
    #: G4 (coexistence): the business sent it from the WhatsApp Business app on the same
    #: number (a message echo), not through this service: no author, never sent by us.
    from_business_app = models.BooleanField(default=False)

    status = models.CharField(max_length=12, choices=Status, default=Status.RECEIVED)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    played_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    error_code = models.IntegerField(null=True, blank=True)
    error_title = models.CharField(max_length=255, blank=True)
    error_details = models.TextField(blank=True)
    pricing = models.JSONField(default=dict, blank=True)

    # Outbound sending: an idempotency key from the client, the retry timer, and when the
    # Cloud API call of the current attempt started (a crash after it is ambiguous: the
    # message may have left, so it is reconciled, never blindly sent again).
    client_ref = models.CharField(max_length=64, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    send_claimed_at = models.DateTimeField(null=True, blank=True)
    send_started_at = models.DateTimeField(null=True, blank=True)

    revoked_at = models.DateTimeField(null=True, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    #: S3: a customer's message counted in the reports' tallies. The webhook's hot path
    #: stays three statements: a sweep counts what it stored (``reports.services``).
    tallied = models.BooleanField(default=False)

    class Meta:
        ordering = ["origination_at", "id"]
        constraints = [
            # Idempotency by WhatsApp id (DESIGN invariant 2): NULLs (queued outbound
            # messages) never collide.
            models.UniqueConstraint(fields=["channel", "wamid"], name="message_wamid_per_channel"),
            models.UniqueConstraint(
                fields=["interaction", "client_ref"],
                condition=~models.Q(client_ref=""),
                name="message_client_ref_per_interaction",
            ),
        ]
        indexes = [
            models.Index(fields=["contact", "origination_at", "id"], name="message_contact_time_idx"),
            models.Index(fields=["interaction", "origination_at", "id"], name="message_interaction_time_idx"),
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="queued"),
                name="message_send_due_idx",
            ),
            models.Index(
                fields=["send_claimed_at"],
                condition=models.Q(status="sending"),
                name="message_sending_idx",
            ),
            # The outbound sweep reads queued sends in the order they fell due and stops at its
            # batch: its cost follows the batch, not the backlog (issue 14, target 4).
            models.Index(
                Coalesce("next_attempt_at", "arrived_at"),
                "id",
                condition=models.Q(status="queued", direction="out"),
                name="message_outbound_due_idx",
            ),
            # S3: the customer messages the reports' sweep has not counted yet.
            models.Index(
                fields=["id"],
                condition=models.Q(direction="in", tallied=False),
                name="message_untallied_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.type} {self.wamid or self.pk}"


class Attachment(models.Model):
    """The file of a media message: downloaded from WhatsApp, or uploaded by an agent."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for download")
        STORED = "stored", _("Stored")
        FAILED = "failed", _("Failed")
        PURGED = "purged", "File deleted"  # X4: retention or erasure; the row stays

    class PurgeReason(models.TextChoices):
        RETENTION = "retention", _("Kept for the retention period, then deleted")
        ERASURE = "erasure", _("Erased with the contact's data")

    message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachment"
    )
    kind = models.CharField(max_length=12, help_text=_("image, video, audio, document or sticker"))
    media_id = models.CharField(_("WhatsApp media id"), max_length=160, blank=True)
    mime_type = models.CharField(max_length=127, blank=True)
    sha256 = models.CharField(max_length=100, blank=True, help_text=_("As WhatsApp sent it"))
    file = models.FileField(upload_to="attachments/%Y/%m/", blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    thumbnail = models.FileField(upload_to="thumbnails/%Y/%m/", blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    voice = models.BooleanField(default=False, help_text=_("A recorded voice note"))
    animated = models.BooleanField(default=False)
    state = models.CharField(max_length=12, choices=State, default=State.PENDING)
    download_attempts = models.PositiveSmallIntegerField(default=0)
    download_due_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    purge_reason = models.CharField(max_length=10, choices=PurgeReason, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["download_due_at"],
                condition=models.Q(state="pending"),
                name="attachment_download_due_idx",
            ),
            # X4: the retention purge reads stored files, oldest first.
            models.Index(
                fields=["created_at"], condition=models.Q(state="stored"), name="attachment_retention_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.file_name or f"{self.kind} {self.media_id or self.pk}"


class Reaction(models.Model):
    """An emoji reaction on a message; one per side (customer, business) and message.

    WhatsApp reuses the reaction's message id for a change or a removal, so reactions
    are keyed by the message they react to and applied only when newer.
    """

    channel = models.ForeignKey("conversations.Channel", on_delete=models.CASCADE, related_name="+")
    #: The message reacted to, by wamid: it may predate our records, so no foreign key.
    target_wamid = models.CharField(max_length=160)
    direction = models.CharField(max_length=3, choices=Message.Direction)
    emoji = models.CharField(max_length=32, blank=True, help_text=_("Empty: reaction removed"))
    wamid = models.CharField(max_length=160, blank=True)
    reacted_at = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # U1: the business's own reaction (direction "out", an agent reacted to a customer's
    # message) is sent to WhatsApp after the commit. Its send state, like a message's:
    # queued, sending, accepted (a wamid), then the statuses WhatsApp reports, or failed.
    # Empty for the customer's reactions. ``revision`` counts the agent's changes: a send
    # records its answer only while the row still holds what it sent.
    status = models.CharField(max_length=12, choices=Message.Status, blank=True)
    revision = models.PositiveIntegerField(default=0)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    send_claimed_at = models.DateTimeField(null=True, blank=True)
    error_code = models.IntegerField(null=True, blank=True)
    error_title = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "target_wamid", "direction"], name="reaction_per_side")
        ]
        indexes = [
            # U1: the agents' reactions waiting for their (re)send, for the outbound sweep.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["queued", "sending"]),
                name="reaction_send_due_idx",
            ),
            # U1: a status webhook names our reaction by its own wamid.
            models.Index(
                fields=["channel", "wamid"],
                condition=models.Q(direction="out"),
                name="reaction_out_wamid_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.emoji or '(removed)'} on {self.target_wamid}"


class PendingStatus(models.Model):
    """A status webhook that arrived before its message had a wamid; applied later."""

    channel = models.ForeignKey("conversations.Channel", on_delete=models.CASCADE, related_name="+")
    wamid = models.CharField(max_length=160)
    status = models.CharField(max_length=12)
    occurred_at = models.DateTimeField()
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = _("pending statuses")
        constraints = [
            models.UniqueConstraint(fields=["channel", "wamid", "status"], name="pending_status_once")
        ]

    def __str__(self) -> str:
        return f"{self.status} for {self.wamid}"
