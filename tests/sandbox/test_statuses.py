"""P3: status webhooks flow from the sandbox to OUR webhook over real HTTP, signed, in order."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from conversations.models import Message, WebhookEvent
from conversations.services.statuses import pending_statuses_apply
from sandbox.models import SandboxMessage, WebhookPost
from tests.conftest import APP_SECRET
from tests.factories import ContactFactory, InteractionFactory
from tests.sandbox.conftest import CUSTOMER, DISPLAY_NUMBER, PHONE_NUMBER_ID, WABA_ID
from waproject.embedded import runner
from whatsapp.signature import sign

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def send_recorded(business, graph_send):
    """Send through the Graph API, then create our side of it as our client does: the outbound
    Message (status "queued") with the returned wamid. A status that overtook the answer
    waits in PendingStatus and is applied then."""
    interaction = InteractionFactory(channel=business, contact=ContactFactory(wa_id=CUSTOMER))

    def send(body: dict) -> tuple[str, Message]:
        response = graph_send(body)
        assert response.status_code == 200, response.content
        wamid = response.json()["messages"][0]["id"]
        now = timezone.now()
        message = Message.objects.create(
            channel=business,
            interaction=interaction,
            contact=interaction.contact,
            direction=Message.Direction.OUTBOUND,
            status=Message.Status.QUEUED,
            wamid=wamid,
            body="Hello",
            origination_at=now,
            arrived_at=now,
        )
        pending_statuses_apply(channel=business, wamid=wamid)
        return wamid, message

    return send


def posted_statuses(wamid: str) -> list[str]:
    return list(
        WebhookPost.objects.filter(kind="status", message__wamid=wamid)
        .order_by("id")
        .values_list("status", flat=True)
    )


class TestDelivery:
    def test_sent_then_delivered_reach_our_webhook_and_update_the_message(
        self, live, graph_send, phone_send, send_recorded
    ):
        # given: the customer wrote, so the window is open
        assert phone_send({"type": "text", "text": "Hi"}).json()["webhook"]["status"] == 200
        # when
        wamid, message = send_recorded({"text": {"body": "Hello Lena"}})
        assert runner.wait_idle(10)
        # then
        message.refresh_from_db()
        assert message.wamid == wamid
        assert message.status == Message.Status.DELIVERED
        assert message.sent_at is not None and message.delivered_at is not None
        assert message.pricing["category"] == "service"
        posts = WebhookPost.objects.filter(kind="status").order_by("id")
        assert [(p.status, p.response_status) for p in posts] == [("sent", 200), ("delivered", 200)]
        assert SandboxMessage.objects.get(wamid=wamid).status == "delivered"

    def test_status_envelopes_have_the_cloud_api_shape(self, live, graph_send, customer_wrote, send_recorded):
        customer_wrote()
        wamid, _ = send_recorded({"text": {"body": "x"}, "biz_opaque_callback_data": "t-1"})
        assert runner.wait_idle(10)
        sent, delivered = (json.loads(p.body) for p in WebhookPost.objects.order_by("id"))
        entry = sent["entry"][0]
        assert sent["object"] == "whatsapp_business_account"
        assert entry["id"] == WABA_ID
        change = entry["changes"][0]
        assert change["field"] == "messages"
        value = change["value"]
        assert value["messaging_product"] == "whatsapp"
        assert value["metadata"] == {
            "display_phone_number": DISPLAY_NUMBER,
            "phone_number_id": PHONE_NUMBER_ID,
        }
        status = value["statuses"][0]
        assert (status["id"], status["status"], status["recipient_id"]) == (wamid, "sent", CUSTOMER)
        assert isinstance(status["timestamp"], str) and status["timestamp"].isdigit()
        assert status["biz_opaque_callback_data"] == "t-1"
        assert status["conversation"]["origin"] == {"type": "service"}
        assert int(status["conversation"]["expiration_timestamp"]) > int(status["timestamp"])
        assert status["pricing"] == {
            "billable": False,
            "pricing_model": "PMP",
            "type": "free_customer_service",
            "category": "service",
        }
        assert delivered["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] == "delivered"

    def test_webhooks_are_signed_with_the_channels_app_secret(
        self, live, graph_send, phone_send, customer_wrote, send_recorded
    ):
        customer_wrote()
        phone_send({"type": "text", "text": "Hi"})
        send_recorded({"text": {"body": "x"}})
        assert runner.wait_idle(10)
        posts = list(WebhookPost.objects.all())
        assert len(posts) == 3
        for post in posts:
            assert post.signature == sign(post.body.encode(), APP_SECRET)
            assert post.response_status == 200
        # our webhook verified and stored exactly those bytes
        assert sorted(WebhookEvent.objects.values_list("body", "signature")) == sorted(
            (p.body, p.signature) for p in posts
        )

    def test_a_template_is_billed_in_its_category(self, live, graph_send, business, send_recorded):
        from templates_app.models import MessageTemplate

        MessageTemplate.objects.create(name="promo", status="APPROVED", category="MARKETING", body="Sale!")
        _, message = send_recorded(
            {"type": "template", "template": {"name": "promo", "language": {"code": "en_US"}}}
        )
        assert runner.wait_idle(10)
        message.refresh_from_db()
        assert message.status == Message.Status.DELIVERED
        assert message.pricing["category"] == "marketing"
        assert message.pricing["type"] == "regular"


class TestServiceWindow:
    def test_free_form_outside_the_window_fails_with_131047(self, live, graph_send, business, send_recorded):
        # given: this customer never wrote to the number
        # when
        wamid, message = send_recorded({"text": {"body": "Are you there?"}})
        assert runner.wait_idle(10)
        # then
        message.refresh_from_db()
        assert message.status == Message.Status.FAILED
        assert message.error_code == 131047
        assert message.error_title == "Re-engagement message"
        assert message.error_details == (
            "Message failed to send because more than 24 hours have passed since the customer last "
            "replied to this number."
        )
        assert posted_statuses(wamid) == ["failed"]
        error = json.loads(WebhookPost.objects.get().body)["entry"][0]["changes"][0]["value"]["statuses"][0][
            "errors"
        ][0]
        assert (error["code"], error["title"], error["message"]) == (
            131047,
            "Re-engagement message",
            "Re-engagement message",
        )
        assert error["error_data"]["details"].startswith("Message failed to send")
        assert error["href"]


class TestRead:
    def test_auto_read_posts_read_after_delivered(
        self, live, graph_send, customer_wrote, send_recorded, settings
    ):
        settings.WHATSAPP_SANDBOX_AUTO_READ_SECONDS = 0.15
        customer_wrote()
        wamid, message = send_recorded({"text": {"body": "x"}})
        assert runner.wait_idle(10)
        message.refresh_from_db()
        assert message.status == Message.Status.READ
        assert posted_statuses(wamid) == ["sent", "delivered", "read"]

    def test_statuses_stay_in_order_when_read_comes_first(
        self, live, graph_send, customer_wrote, send_recorded, settings
    ):
        """The read is due before sent and delivered: it posts them first, and they then do nothing."""
        settings.WHATSAPP_SANDBOX_STATUS_DELAYS = (0.3, 0.4)
        settings.WHATSAPP_SANDBOX_AUTO_READ_SECONDS = 0.01
        customer_wrote()
        wamid, _ = send_recorded({"text": {"body": "x"}})
        assert runner.wait_idle(10)
        assert posted_statuses(wamid) == ["sent", "delivered", "read"]
        stamps = [
            json.loads(p.body)["entry"][0]["changes"][0]["value"]["statuses"][0]["timestamp"]
            for p in WebhookPost.objects.order_by("id")
        ]
        assert stamps == sorted(stamps)

    def test_the_phone_seeing_a_message_posts_read(
        self, live, client, graph_send, customer_wrote, send_recorded
    ):
        customer_wrote()
        wamid, message = send_recorded({"text": {"body": "x"}})
        assert runner.wait_idle(10)
        response = client.post(
            "/sandbox/phone/api/seen",
            json.dumps({"phone_number_id": PHONE_NUMBER_ID, "wa_id": CUSTOMER}),
            content_type="application/json",
        )
        assert response.json() == {"read": 1}
        assert runner.wait_idle(10)
        message.refresh_from_db()
        assert message.status == Message.Status.READ
        assert posted_statuses(wamid) == ["sent", "delivered", "read"]
        # seen again: nothing more to read
        assert client.post(
            "/sandbox/phone/api/seen",
            json.dumps({"phone_number_id": PHONE_NUMBER_ID, "wa_id": CUSTOMER}),
            content_type="application/json",
        ).json() == {"read": 0}

    def test_playing_an_audio_message_posts_played(
        self, live, client, graph_send, customer_wrote, send_recorded
    ):
        customer_wrote()
        wamid, message = send_recorded({"type": "audio", "audio": {"link": "https://cdn.example/a.ogg"}})
        assert runner.wait_idle(10)
        body = {"phone_number_id": PHONE_NUMBER_ID, "wa_id": CUSTOMER, "message_id": wamid}
        response = client.post("/sandbox/phone/api/played", json.dumps(body), content_type="application/json")
        assert response.json() == {"played": True}
        assert runner.wait_idle(10)
        assert posted_statuses(wamid) == ["sent", "delivered", "read", "played"]
        message.refresh_from_db()
        assert message.status == Message.Status.PLAYED


class TestWebhookDown:
    def test_a_refused_status_is_retried_and_nothing_is_skipped(
        self, live, graph_send, customer_wrote, monkeypatch
    ):
        """Our webhook answers 503 once: the status is posted again, and "delivered" waits for it."""
        import httpx

        from sandbox import tasks

        customer_wrote()
        monkeypatch.setattr(tasks, "WEBHOOK_RETRIES_MAX", 3)
        real_post = httpx.post
        calls = {"n": 0}

        def flaky(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 1:
                return httpx.Response(503, text="busy")
            return real_post(*args, **kwargs)

        monkeypatch.setattr(httpx, "post", flaky)
        wamid = graph_send({"text": {"body": "x"}}).json()["messages"][0]["id"]
        assert runner.wait_idle(10)
        posts = list(WebhookPost.objects.order_by("id").values_list("status", "response_status"))
        assert posts == [("sent", 503), ("sent", 200), ("delivered", 200)]
        assert SandboxMessage.objects.get(wamid=wamid).status == "delivered"
