"""B5 in the admin: subscriptions (write-only secret, refused URLs), the read-only delivery
log and its replay action."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from integrations.models import Bot, Delivery, EventType, Subscription
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db

SECRET = "a-long-random-secret-of-the-integrator"


def add(admin_client, **fields):
    data = {
        "name": "CRM",
        "url": "https://hooks.example.com/wa",
        "secret": SECRET,
        "event_types": [EventType.MESSAGE_CREATED, EventType.INTERACTION_DONE],
        "is_active": "on",
        **fields,
    }
    return admin_client.post("/admin/integrations/subscription/add/", data)


def test_a_subscription_is_added_with_its_events_and_an_encrypted_write_only_secret(admin_client):
    assert add(admin_client).status_code == 302
    subscription = Subscription.objects.get()
    assert subscription.secret == SECRET
    assert subscription.event_types == ["interaction.done", "message.created"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM integrations_subscription")
        assert cursor.fetchone()[0].startswith("fernet:")
    page = admin_client.get(f"/admin/integrations/subscription/{subscription.pk}/change/").content.decode()
    assert SECRET not in page and "stored encrypted, never shown" in page
    # Saving without typing the secret keeps it.
    response = admin_client.post(
        f"/admin/integrations/subscription/{subscription.pk}/change/",
        {
            "name": "CRM 2",
            "url": subscription.url,
            "secret": "",
            "event_types": ["message.status"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.secret == SECRET and subscription.event_types == ["message.status"]


@pytest.mark.parametrize(
    "url,reason",
    [
        ("http://127.0.0.1:8000/hooks", "not a public address"),
        ("http://169.254.169.254/latest/", "not a public address"),
        ("http://localhost/hooks", "not a public host"),
        ("ftp://hooks.example.com/", "only http:// and https:// URLs"),
    ],
)
def test_a_private_or_odd_url_is_refused_with_the_reason(admin_client, url, reason):
    response = add(admin_client, url=url)
    assert response.status_code == 200 and reason in response.content.decode()
    assert not Subscription.objects.exists()


def test_a_short_secret_is_refused(admin_client):
    response = add(admin_client, secret="short")
    assert "at least 16 characters" in response.content.decode()


def test_the_delivery_log_is_read_only_and_replays(admin_client, channel):
    subscription = Subscription.objects.create(
        name="CRM", url="https://hooks.example.com/", secret=SECRET, event_types=["message.created"]
    )
    row = Delivery.objects.create(
        subscription=subscription,
        event_type="message.created",
        body='{"id":"x"}',
        state=Delivery.State.FAILED,
        retry_from="2026-01-01T00:00:00Z",
        attempts=30,
    )
    assert admin_client.get("/admin/integrations/delivery/").status_code == 200
    page = admin_client.get(f"/admin/integrations/delivery/{row.pk}/change/").content.decode()
    assert 'name="_save"' not in page  # no save button: read-only
    assert admin_client.get("/admin/integrations/delivery/add/").status_code == 403
    response = admin_client.post(
        "/admin/integrations/delivery/", {"action": "replay", "_selected_action": [row.pk]}, follow=True
    )
    assert "1 delivery will be sent again" in response.content.decode()
    row.refresh_from_db()
    assert row.state == Delivery.State.PENDING and row.replays == 1 and row.next_attempt_due_at is not None
    from audit.models import AuditEntry

    entry = AuditEntry.objects.get(action="integrations.replay")
    assert entry.actor_name == "admin" and entry.details["deliveries"] == [row.pk]


class TestBotAdmin:
    def test_a_bot_takes_a_number_with_a_user_of_its_own(self, admin_client, channel):
        user = grant(UserFactory(username="faq-bot"), "act_as_bot")
        response = admin_client.post(
            "/admin/integrations/bot/add/",
            {
                "name": "FAQ bot",
                "user": user.pk,
                "channel": channel.pk,
                "timeout_seconds": 90,
                "is_active": "on",
            },
        )
        assert response.status_code == 302
        bot = Bot.objects.get()
        assert bot.channel == channel and bot.timeout_seconds == 90
        assert "the bot permission" in admin_client.get("/admin/integrations/bot/").content.decode()

    @pytest.mark.parametrize(
        "fields,reason",
        [
            ({}, "Choose the number or the queue"),
            ({"timeout_seconds": 1}, "Between 5 seconds and a day"),
            ({"staff": True}, "not a staff account"),
        ],
    )
    def test_refused_with_the_reason(self, admin_client, channel, fields, reason):
        user = UserFactory(username="some-bot", is_staff=fields.pop("staff", False))
        data = {"name": "Bot", "user": user.pk, "timeout_seconds": 60, "is_active": "on"}
        if reason != "Choose the number or the queue":
            data["channel"] = channel.pk
        response = admin_client.post("/admin/integrations/bot/add/", {**data, **fields})
        assert response.status_code == 200 and reason in response.content.decode()
        assert not Bot.objects.exists()


def test_a_paused_receiver_is_tried_again_from_the_admin(admin_client):
    subscription = Subscription.objects.create(
        name="CRM", url="https://hooks.example.com/", secret=SECRET, event_types=["message.created"],
        consecutive_failures=4, paused_until=timezone.now() + timedelta(minutes=5),
    )  # fmt: skip
    response = admin_client.post(
        "/admin/integrations/subscription/",
        {"action": "resume", "_selected_action": [subscription.pk]},
        follow=True,
    )
    assert "tried again now" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.paused_until is None
