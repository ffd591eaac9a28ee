"""Admin of integrators' subscriptions (B5): the subscriptions themselves, and the delivery
log, read-only, with a replay action."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from conversations.admin.base import ReadOnlyAdmin
from integrations import services
from integrations.addresses import url_refusal
from integrations.models import Bot, BotSession, Delivery, DeliveryAttempt, EventType, Subscription
from ops.forms import WriteOnlySecretsMixin
from waproject.requests import signed_in_user


class SubscriptionForm(WriteOnlySecretsMixin, forms.ModelForm):
    #: X3: stored encrypted; the form says whether it is set, never what it is.
    secret_fields = ("secret",)

    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("http(s) only; private and loopback addresses are refused"),
    )
    event_types = forms.MultipleChoiceField(
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The events delivered to this URL"),
    )

    class Meta:
        model = Subscription
        fields = ("name", "url", "secret", "event_types", "bot", "is_active")

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        refusal = url_refusal(url)
        if refusal:
            raise forms.ValidationError(
                gettext("This URL cannot receive webhooks: %(reason)s.") % {"reason": refusal}
            )
        return url

    def clean_secret(self) -> str:
        secret = self.cleaned_data.get("secret", "")
        if secret and len(secret) < 16:
            raise forms.ValidationError(gettext("Use a secret of at least 16 characters (a random one)."))
        return secret

    def clean_event_types(self) -> list[str]:
        return sorted(set(self.cleaned_data["event_types"]))


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = (
        "name",
        "url",
        "events",
        "bot",
        "is_active",
        "pending",
        "consecutive_failures",
        "paused_until",
    )
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    actions = ["resume"]

    @admin.action(description=_("Try the receiver again now (end its pause after failures)"))
    def resume(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        for subscription_id in queryset.values_list("pk", flat=True):
            services.subscription_resume(subscription_id=subscription_id)
        self.message_user(request, gettext("The receivers will be tried again now."), messages.SUCCESS)

    @admin.display(description=_("events"))
    def events(self, obj: Subscription) -> str:
        return ", ".join(obj.event_types)

    @admin.display(description=_("waiting deliveries"))
    def pending(self, obj: Subscription) -> int:
        return obj.deliveries.filter(state=Delivery.State.PENDING).count()


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("attempted_at", "status_code", "error", "response_body", "duration_ms", "replay")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """The delivery log: what was sent, each attempt with the receiver's answer. Written
    only by the services; an administrator may replay (the same idempotency key)."""

    list_display = (
        "id",
        "event_type",
        "subscription",
        "interaction_id",
        "state",
        "attempts",
        "last_status_code",
        "created_at",
        "next_attempt_due_at",
    )
    list_filter = ("state", "event_type", "subscription")
    search_fields = ("event_id",)
    list_select_related = ("subscription",)
    readonly_fields = (
        "subscription",
        "event_id",
        "event_type",
        "interaction",
        "state",
        "attempts",
        "replays",
        "created_at",
        "retry_from",
        "next_attempt_due_at",
        "delivered_at",
        "last_status_code",
        "last_error",
        "body",
    )
    fields = readonly_fields
    inlines = [DeliveryAttemptInline]
    actions = ["replay"]

    def has_view_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return request.user.has_perm("integrations.view_delivery")

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("integrations.change_delivery")

    @admin.action(
        description=_("Replay the selected deliveries (same idempotency key)"), permissions=["replay"]
    )
    def replay(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = services.deliveries_replay(
            delivery_ids=list(queryset.values_list("pk", flat=True)), user=signed_in_user(request)
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery will be sent again.", "%(count)d deliveries will be sent again.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )


class BotForm(forms.ModelForm):
    class Meta:
        model = Bot
        fields = ("name", "user", "channel", "queue", "timeout_seconds", "is_active")

    def clean_user(self) -> User | None:
        user = self.cleaned_data["user"]
        if user is not None and (user.is_superuser or user.is_staff):
            raise forms.ValidationError(
                gettext(
                    "Give the bot a user of its own (not a staff account): its API token acts as the bot."
                )
            )
        return user

    def clean_timeout_seconds(self) -> int:
        value = self.cleaned_data["timeout_seconds"]
        if not 5 <= value <= 24 * 3600:
            raise forms.ValidationError(gettext("Between 5 seconds and a day."))
        return value


@admin.register(Bot)
class BotAdmin(admin.ModelAdmin):
    """B4: which number or queue a bot takes, and how long it may stay silent. The bot's
    user needs the permission "Can act as an external bot" and an API token (Tokens)."""

    form = BotForm
    list_display = ("name", "user", "channel", "queue", "timeout_seconds", "is_active", "may_act")
    list_filter = ("is_active",)
    list_select_related = ("user", "channel", "queue")

    @admin.display(boolean=True, description=_("has the bot permission"))
    def may_act(self, obj: Bot) -> bool:
        return obj.user.has_perm("integrations.act_as_bot")


@admin.register(BotSession)
class BotSessionAdmin(ReadOnlyAdmin):
    list_display = ("id", "bot", "interaction_id", "started_at", "due_at", "ended_at", "outcome")
    list_filter = ("outcome", "bot")
    list_select_related = ("bot",)
