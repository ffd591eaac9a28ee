"""What the sandbox records, standing in for Meta's side of the wire.

A ``SandboxChat`` is one customer's phone talking to one business number; its
``SandboxMessage`` rows are both directions, as they went over the wire. Uploaded files
are ``SandboxMedia``; every Graph API call is a ``GraphCall`` and every webhook the
sandbox posts to our service is a ``WebhookPost``, so the phone page, tests and demos can
see exactly what crossed the wire.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone


class SandboxChat(models.Model):
    """One customer (``wa_id``) and one business number, as WhatsApp's servers see them."""

    channel = models.ForeignKey("conversations.Channel", on_delete=models.CASCADE, related_name="+")
    wa_id = models.CharField("customer's WhatsApp id", max_length=32)
    profile_name = models.CharField(max_length=256, blank=True)
    #: G2: the customer's business-scoped user id (BSUID): in every webhook, and a
    #: business may send to it (``recipient``). A new number brings a new one.
    user_id = models.CharField("business-scoped user id", max_length=160, blank=True)
    #: G2: the username the customer chose ("" for none); with ``hides_number`` the
    #: webhooks carry no number (no ``wa_id``, no ``from``), only the BSUID.
    username = models.CharField(max_length=100, blank=True)
    hides_number = models.BooleanField(default=False)
    #: G3: the customer stopped marketing messages from this business (Meta refuses
    #: MARKETING templates with 131050 then); "" never chose, "stop" or "resume".
    marketing_preference = models.CharField(max_length=8, blank=True)
    #: The 24-hour customer service window runs from here (free-form sends need it).
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    #: The business asked to show "typing…" (mark-as-read with a typing indicator).
    business_typing_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "wa_id"], name="sandbox_chat_per_customer")]
        indexes = [models.Index(fields=["channel", "-last_activity_at"], name="sandbox_chat_recent_idx")]

    def __str__(self) -> str:
        return f"+{self.wa_id} ↔ {self.channel_id}"


class SandboxNumber(models.Model):
    """G5: a business number's health as Meta reports it (``GET /<phone_number_id>``), and
    the pacing the sandbox plays: the next ``pacing_left`` sends are refused with
    ``pacing_code`` (130429 throughput, 131056 pair rate)."""

    channel = models.OneToOneField("conversations.Channel", on_delete=models.CASCADE, related_name="+")
    quality_rating = models.CharField(max_length=16, default="GREEN")
    messaging_limit = models.CharField(max_length=32, default="TIER_2K")
    name_status = models.CharField(max_length=32, default="APPROVED")
    status = models.CharField(max_length=32, default="CONNECTED")
    throughput_level = models.CharField(max_length=16, default="STANDARD")
    pacing_code = models.PositiveIntegerField(null=True, blank=True)
    pacing_left = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.channel_id}: {self.quality_rating} {self.messaging_limit}"


class SandboxMedia(models.Model):
    """A file uploaded to the sandbox (by the business's Graph API client or the phone page)."""

    class Origin(models.TextChoices):
        BUSINESS = "business", "Uploaded by the business (Graph API)"
        CUSTOMER = "customer", "Sent by the customer (phone page)"

    media_id = models.CharField(max_length=32, unique=True)
    channel = models.ForeignKey("conversations.Channel", on_delete=models.CASCADE, related_name="+")
    origin = models.CharField(max_length=10, choices=Origin)
    file = models.FileField(upload_to="sandbox/", max_length=255)
    filename = models.CharField(max_length=255, blank=True, help_text="As the uploader named it")
    mime_type = models.CharField(max_length=127)
    sha256 = models.CharField(max_length=64, help_text="Hex digest (the webhook carries it base64)")
    file_size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"media {self.media_id} ({self.mime_type})"


class SandboxMessage(models.Model):
    """A message through the sandbox: a business send (Graph API) or a customer's message.

    ``content`` is the message's type object exactly as it went over the wire (the
    ``<type>`` object of the send request, or of the webhook's ``messages[]`` item);
    ``request`` is the whole request body or webhook message object.
    """

    class Direction(models.TextChoices):
        CUSTOMER = "customer", "Customer → business (webhook)"
        BUSINESS = "business", "Business → customer (Graph API)"

    class Status(models.TextChoices):
        """A business message's delivery, as posted to our webhook (statuses go forward only)."""

        ACCEPTED = "accepted", "Accepted (no status posted yet)"
        SENT = "sent"
        DELIVERED = "delivered"
        READ = "read"
        PLAYED = "played"
        FAILED = "failed"

    #: The order of statuses; ``failed`` is terminal and outside it.
    STATUS_ORDER: ClassVar[tuple[str, ...]] = ("accepted", "sent", "delivered", "read", "played")

    chat = models.ForeignKey(SandboxChat, on_delete=models.CASCADE, related_name="messages")
    wamid = models.CharField(max_length=160, unique=True)
    direction = models.CharField(max_length=10, choices=Direction)
    type = models.CharField(max_length=20)
    content = models.JSONField(default=dict, blank=True)
    request = models.JSONField(default=dict, blank=True)
    context_wamid = models.CharField(max_length=160, blank=True)
    #: Templates: header, body, footer and buttons with the parameters filled in.
    rendered = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    # Business messages: delivery as reported to our webhook.
    status = models.CharField(max_length=10, choices=Status, blank=True)
    #: Held while a worker posts this message's statuses, so they leave in order.
    status_lease_until = models.DateTimeField(null=True, blank=True)
    #: Set at send time when the message is doomed (e.g. 131047 outside the window).
    error_code = models.IntegerField(null=True, blank=True)
    error_title = models.CharField(max_length=255, blank=True)
    error_details = models.TextField(blank=True)
    category = models.CharField(max_length=32, blank=True, help_text="Pricing category of the status")
    conversation_id = models.CharField(max_length=64, blank=True)
    customer_seen_at = models.DateTimeField(null=True, blank=True)

    # Customer messages: what our webhook answered, and the business's read receipt.
    webhook_status = models.PositiveSmallIntegerField(null=True, blank=True)
    webhook_error = models.TextField(blank=True)
    business_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["chat", "created_at", "id"], name="sandbox_message_chat_idx")]

    def __str__(self) -> str:
        return f"{self.direction} {self.type} {self.wamid}"

    @property
    def status_rank(self) -> int:
        """Position of ``status`` in ``STATUS_ORDER``; ``failed`` ranks above everything."""
        if self.status == self.Status.FAILED:
            return len(self.STATUS_ORDER)
        return self.STATUS_ORDER.index(self.status) if self.status in self.STATUS_ORDER else 0


class GraphCall(models.Model):
    """One request to the sandbox's Graph API and the answer it got (tokens are not kept)."""

    created_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    channel = models.ForeignKey(
        "conversations.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    request_body = models.JSONField(default=dict, blank=True)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(default=dict, blank=True)
    error_code = models.IntegerField(null=True, blank=True)
    wamid = models.CharField(max_length=160, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.method} {self.path} → {self.response_status}"


class WebhookPost(models.Model):
    """A webhook the sandbox posted to our service: the exact body, its signature and the answer."""

    class Kind(models.TextChoices):
        MESSAGE = "message", "Customer message"
        STATUS = "status", "Message status"
        TEMPLATE = "template", "Template status"

    created_at = models.DateTimeField(default=timezone.now)
    channel = models.ForeignKey("conversations.Channel", on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(
        SandboxMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhook_posts"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    status = models.CharField(max_length=20, blank=True, help_text="For status webhooks")
    url = models.CharField(max_length=500)
    body = models.TextField()
    signature = models.CharField(max_length=80)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.status} → {self.response_status}"

    @property
    def ok(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300


class SandboxTemplate(models.Model):
    """A message template as Meta holds it for a WABA (G1): what the Graph API lists,
    creates, edits and deletes, and what its review decides after a short delay.

    Deleting one keeps the row (``status`` DELETED) so its name stays taken, as at Meta.
    """

    template_id = models.CharField(max_length=32, unique=True)
    waba_id = models.CharField(max_length=64, db_index=True)
    name = models.CharField(max_length=512)
    language = models.CharField(max_length=16)
    category = models.CharField(max_length=16)
    parameter_format = models.CharField(max_length=10, default="POSITIONAL")
    status = models.CharField(max_length=20, default="PENDING")
    rejected_reason = models.CharField(max_length=32, default="NONE")
    #: Why the review rejected it, in words (the webhook's ``rejection_info.reason``).
    rejection_detail = models.CharField(max_length=255, blank=True)
    quality_score = models.CharField(max_length=10, default="UNKNOWN")
    components = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["waba_id", "name", "language"], name="sandbox_template_name_idx")]

    def __str__(self) -> str:
        return f"{self.name} [{self.language}] {self.status}"
