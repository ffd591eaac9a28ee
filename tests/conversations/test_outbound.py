"""P2: sending through the Cloud API: queued first, in order, retried, never twice."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import random
import re
import socket
import time
import tracemalloc
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from conversations.exceptions import Conflict, DomainError
from conversations.models import Attachment, Message, OptionValue, PendingStatus
from conversations.services import media as media_services
from conversations.services import sending, wire_messages
from conversations.services.outbound import OutboundSpec, message_retry, message_send
from tests.factories import AgentProfileFactory, InteractionFactory, MessageFactory
from tests.graph_standin import start_graph_standin
from waproject.embedded import runner
from whatsapp.limits import GRAPH_API_VERSION, MB

S = Message.Status


@pytest.fixture
def graph(settings):
    standin = start_graph_standin()
    settings.WHATSAPP_GRAPH_BASE_URL = standin.base_url
    yield standin
    standin.close()


@pytest.fixture
def agent(db):
    return AgentProfileFactory().user


@pytest.fixture
def interaction(db, channel, agent):
    now = timezone.now()
    return InteractionFactory(
        channel=channel,
        owner=agent,
        contact__wa_id="4915112345678",
        last_inbound_at=now - timedelta(minutes=5),
        window_expires_at=now + timedelta(hours=23),
        awaiting_reply_since=now - timedelta(minutes=5),
    )


@pytest.fixture
def fast_backoff(monkeypatch):
    monkeypatch.setattr(sending, "BACKOFF_BASE_SECONDS", 0.05)


def send_text(agent, interaction, body="Hello!", **kwargs) -> Message:
    return message_send(
        user=agent, interaction_id=interaction.pk, spec=OutboundSpec(type="text", body=body, **kwargs)
    )


@pytest.mark.django_db
class TestSending:
    def test_text_is_queued_then_sent_with_the_documented_json(
        self, graph, agent, interaction, django_capture_on_commit_callbacks
    ):
        wamid = graph.accept()
        with django_capture_on_commit_callbacks(execute=True):
            message = send_text(agent, interaction, "Hello! 👋")
        [request] = graph.sends()
        assert request.path == f"/{GRAPH_API_VERSION}/{interaction.channel.phone_number_id}/messages"
        assert request.headers["authorization"] == "Bearer test-access-token"
        assert request.json() == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+4915112345678",
            "type": "text",
            "text": {"body": "Hello! 👋"},
            "biz_opaque_callback_data": f"wa-msg:{message.pk}",
        }
        message.refresh_from_db()
        assert message.status == S.ACCEPTED
        assert message.wamid == wamid
        assert message.author == agent
        interaction.refresh_from_db()
        assert interaction.awaiting_reply_since is None  # the pending indicator stops
        assert interaction.last_outbound_at is not None

    def test_reply_to_a_customer_message_carries_its_context(
        self, graph, agent, interaction, django_capture_on_commit_callbacks
    ):
        quoted = MessageFactory(interaction=interaction, wamid="wamid.customer-1")
        graph.accept()
        with django_capture_on_commit_callbacks(execute=True):
            send_text(agent, interaction, "About that:", reply_to_message_id=quoted.pk)
        assert graph.sends()[0].json()["context"] == {"message_id": "wamid.customer-1"}

    def test_a_reply_quotes_only_a_delivered_message_of_this_number(self, agent, interaction, sales_channel):
        """WhatsApp resolves the quote on the sending number: a message of the same customer
        on another of our numbers, or one never delivered, is refused (400 bad_reply)."""
        elsewhere = InteractionFactory(channel=sales_channel, contact=interaction.contact)
        other_number = MessageFactory(interaction=elsewhere, channel=sales_channel, wamid="wamid.sales-1")
        undelivered = MessageFactory(interaction=interaction, wamid="")
        for quoted in (other_number, undelivered):
            with pytest.raises(DomainError) as refused:
                send_text(agent, interaction, "About that:", reply_to_message_id=quoted.pk)
            assert refused.value.code == "bad_reply"
        assert not Message.objects.filter(body="About that:").exists()

    def test_the_same_client_ref_sends_once(
        self, graph, agent, interaction, django_capture_on_commit_callbacks
    ):
        graph.accept()
        with django_capture_on_commit_callbacks(execute=True):
            first = send_text(agent, interaction, client_ref="tab1-0001")
            second = send_text(agent, interaction, client_ref="tab1-0001")
        assert first.pk == second.pk
        assert len(graph.sends()) == 1

    def test_permanent_error_marks_the_message_failed_with_the_reason(
        self, graph, agent, interaction, django_capture_on_commit_callbacks
    ):
        graph.reply_error(400, 131026, "Message undeliverable", "The recipient is not on WhatsApp")
        with django_capture_on_commit_callbacks(execute=True):
            message = send_text(agent, interaction)
        message.refresh_from_db()
        assert message.status == S.FAILED
        assert message.error_code == 131026
        assert message.error_title == "Message undeliverable"
        assert message.error_details == "The recipient is not on WhatsApp"
        assert len(graph.sends()) == 1

    def test_template_only_error_from_the_api_marks_failed(
        self, graph, agent, interaction, django_capture_on_commit_callbacks
    ):
        graph.reply_error(400, 131047, "Re-engagement message", "More than 24 hours have passed")
        with django_capture_on_commit_callbacks(execute=True):
            message = send_text(agent, interaction)
        message.refresh_from_db()
        assert (message.status, message.error_code) == (S.FAILED, 131047)

    def test_re_engagement_failure_by_status_webhook_marks_the_message_failed(
        self, graph, agent, interaction, post_webhook, django_capture_on_commit_callbacks
    ):
        wamid = graph.accept()
        with django_capture_on_commit_callbacks(execute=True):
            message = send_text(agent, interaction)
        failed = {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"phone_number_id": interaction.channel.phone_number_id},
                "statuses": [{"id": wamid, "status": "failed", "timestamp": "1751000000", "recipient_id": "1",
                              "errors": [{"code": 131047, "title": "Re-engagement message",
                                          "error_data": {"details": "More than 24 hours have passed"}}]}],
            }}]}],
        }  # fmt: skip
        assert post_webhook(failed).status_code == 200
        message.refresh_from_db()
        assert (message.status, message.error_code, message.error_title) == (
            S.FAILED,
            131047,
            "Re-engagement message",
        )
        assert message.error_details == "More than 24 hours have passed"

    def test_manual_retry_really_sends_again(
        self, graph, agent, interaction, django_capture_on_commit_callbacks
    ):
        graph.reply_error(400, 131026, "Message undeliverable")
        wamid = "wamid.second-try"
        with django_capture_on_commit_callbacks(execute=True):
            message = send_text(agent, interaction)
        graph.accept(wamid)
        with django_capture_on_commit_callbacks(execute=True):
            message_retry(user=agent, message_id=message.pk)
        message.refresh_from_db()
        assert len(graph.sends()) == 2
        assert (message.status, message.wamid, message.error_code) == (S.ACCEPTED, wamid, None)

    def test_retry_refuses_a_message_that_did_not_fail(self, agent, interaction):
        message = MessageFactory(interaction=interaction, direction="out", status=S.DELIVERED, author=agent)
        with pytest.raises(Conflict, match="only failed messages"):
            message_retry(user=agent, message_id=message.pk)


@pytest.mark.django_db
class TestRefusals:
    def test_free_form_outside_the_window_is_refused_with_a_clear_error(self, agent, interaction):
        interaction.window_expires_at = timezone.now() - timedelta(minutes=1)
        interaction.save()
        with pytest.raises(Conflict, match="only a notification") as caught:
            send_text(agent, interaction)
        assert caught.value.code == "window_closed"
        assert Message.objects.count() == 0

    def test_after_the_reply_timeout_text_goes_out_as_the_default_notification(
        self, graph, agent, interaction, django_capture_on_commit_callbacks
    ):
        from templates_app.models import MessageTemplate

        MessageTemplate.objects.create(
            name="thanks_for_patience",
            language="en_US",
            status=MessageTemplate.Status.APPROVED,
            body="Thank you for your patience! {{1}}",
            is_default_notification=True,
        )
        interaction.last_inbound_at = timezone.now() - timedelta(days=2)
        interaction.window_expires_at = interaction.last_inbound_at + timedelta(hours=24)
        interaction.save()
        graph.accept()
        with django_capture_on_commit_callbacks(execute=True):
            message = send_text(agent, interaction, "Your refund is on its way.\n\nBest,  Alice")
        assert message.type == "template"
        assert message.body == "Thank you for your patience! Your refund is on its way. Best, Alice"
        assert graph.sends()[0].json()["template"] == {
            "name": "thanks_for_patience",
            "language": {"code": "en_US"},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": "Your refund is on its way. Best, Alice"}],
                }
            ],
        }

    def test_a_shorter_reply_timeout_ends_free_text_before_the_24_hours(self, agent, interaction):
        OptionValue.objects.create(key="whatsappsession.reply-timeout", value=60)
        from conversations import options

        options.invalidate()
        interaction.last_inbound_at = timezone.now() - timedelta(minutes=2)
        interaction.save()
        with pytest.raises(Conflict, match="no default notification template is configured"):
            send_text(agent, interaction)

    def test_template_is_allowed_outside_the_window(
        self, graph, agent, interaction, django_capture_on_commit_callbacks
    ):
        interaction.window_expires_at = None
        interaction.save()
        graph.accept()
        spec = OutboundSpec(
            type="template",
            body="Thank you for your patience! Your parcel left.",
            content={
                "template": {
                    "name": "thanks_for_patience",
                    "language": "en_US",
                    "components": [
                        {"type": "body", "parameters": [{"type": "text", "text": "Your parcel left."}]}
                    ],
                }
            },
        )
        with django_capture_on_commit_callbacks(execute=True):
            message_send(user=agent, interaction_id=interaction.pk, spec=spec)
        assert graph.sends()[0].json()["template"]["name"] == "thanks_for_patience"

    def test_text_over_the_byte_limit_is_refused(self, agent, interaction):
        with pytest.raises(DomainError, match="bytes in UTF-8; the limit is 4096"):
            send_text(agent, interaction, "😀" * 1025)  # 4100 bytes

    def test_only_the_owner_writes(self, interaction):
        stranger = AgentProfileFactory().user
        with pytest.raises(DomainError, match="only the agent who owns"):
            send_text(stranger, interaction)

    def test_closed_interaction_refuses(self, agent, interaction):
        interaction.state = "closed"
        interaction.save()
        with pytest.raises(Conflict, match="this interaction is done"):
            send_text(agent, interaction)

    def test_invalid_interactive_message_is_refused_before_queueing(self, agent, interaction):
        spec = OutboundSpec(
            type="interactive",
            body="Pick one",
            content={"interactive": {"type": "button", "buttons": [{"id": "a", "title": "x" * 21}]}},
        )
        with pytest.raises(DomainError, match="20"):
            message_send(user=agent, interaction_id=interaction.pk, spec=spec)
        assert Message.objects.count() == 0


class TestBackoff:
    """The wait before a retry: exponential, jittered ±25 %, and never above the cap."""

    @pytest.mark.parametrize(("jitter", "factor"), [("low", 0.75), ("mid", 1.0), ("high", 1.25)])
    def test_grows_exponentially_within_the_jitter_band(self, monkeypatch, jitter, factor):
        monkeypatch.setattr(
            random, "uniform", {"low": min, "mid": lambda a, b: (a + b) / 2, "high": max}[jitter]
        )
        assert [sending.backoff(n) for n in range(1, 6)] == [factor * 2**k for k in range(5)]

    def test_jitter_spreads_the_waits(self):
        random.seed(20250101)
        waits = [sending.backoff(4) for _ in range(500)]
        assert 6.0 <= min(waits) < 6.5  # 8 s - 25 %
        assert 9.5 < max(waits) <= 10.0  # 8 s + 25 %
        assert len({round(w, 3) for w in waits}) > 400

    def test_the_jittered_wait_never_exceeds_the_cap(self, monkeypatch):
        monkeypatch.setattr(random, "uniform", max)  # the highest jitter
        cap = sending.BACKOFF_CAP_SECONDS
        assert sending.backoff(9) == cap  # 256 s × 1.25 = 320 s, capped
        assert sending.backoff(30) == cap
        monkeypatch.setattr(random, "uniform", min)
        assert sending.backoff(9) == 192.0  # below the cap: still jittered
        monkeypatch.undo()
        random.seed(7)
        assert max(sending.backoff(n) for n in range(1, 40) for _ in range(20)) <= cap


@pytest.mark.django_db(transaction=True)
class TestRetries:
    """With committed data: retries run on the embedded runner's timer, as in production."""

    def test_retry_on_503_and_429_with_backoff_and_no_double_send(
        self, graph, agent, interaction, fast_backoff
    ):
        graph.reply_error(503, 131016, "Service unavailable")
        graph.reply_error(400, 130429, "Rate limit hit")
        wamid = graph.accept()
        message = send_text(agent, interaction)
        assert runner.wait_idle(timeout=10)
        message.refresh_from_db()
        sends = graph.sends()
        assert len(sends) == 3
        assert (message.status, message.wamid, message.send_attempts) == (S.ACCEPTED, wamid, 3)
        # exponential: ~0.05 s then ~0.1 s (±25 % jitter), measured on the wire
        first_gap, second_gap = sends[1].at - sends[0].at, sends[2].at - sends[1].at
        assert 0.035 <= first_gap < 1.0
        assert 0.07 <= second_gap < 1.5
        assert all(s.json() == sends[0].json() for s in sends)  # the same message each time

    def test_messages_leave_in_the_order_they_were_written(self, graph, agent, interaction, fast_backoff):
        graph.reply_error(503, 131000, "Something went wrong")  # the first one must wait
        for _ in range(3):
            graph.accept()
        for n in range(3):
            send_text(agent, interaction, f"part {n}")
        assert runner.wait_idle(timeout=10)
        bodies = [s.json()["text"]["body"] for s in graph.sends()]
        assert bodies == ["part 0", "part 0", "part 1", "part 2"]
        assert set(Message.objects.values_list("status", flat=True)) == {S.ACCEPTED}

    def test_connection_refused_is_retried_automatically_and_sent_once(
        self, graph, agent, interaction, settings, monkeypatch
    ):
        """A connect failure proves the request never reached Meta: retried without waiting for anyone."""
        monkeypatch.setattr(sending, "BACKOFF_BASE_SECONDS", 0.3)
        settings.WHATSAPP_GRAPH_BASE_URL = f"http://127.0.0.1:{closed_port()}"
        wamid = graph.accept()
        message = send_text(agent, interaction)
        deadline = time.monotonic() + 5
        while message.send_attempts == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
            message.refresh_from_db()
        # the first try failed to connect: the message waits for its automatic retry
        assert (message.status, message.send_attempts) == (S.QUEUED, 1)
        assert "ConnectError" in message.error_title
        assert message.next_attempt_at is not None and message.send_started_at is None
        settings.WHATSAPP_GRAPH_BASE_URL = graph.base_url  # WhatsApp is reachable again
        assert runner.wait_idle(timeout=10)
        message.refresh_from_db()
        assert (message.status, message.wamid, message.send_attempts) == (S.ACCEPTED, wamid, 2)
        assert len(graph.sends()) == 1

    def test_connection_refused_every_time_fails_at_the_bound(
        self, agent, interaction, settings, fast_backoff, monkeypatch
    ):
        monkeypatch.setattr(sending, "MAX_SEND_ATTEMPTS", 3)
        settings.WHATSAPP_GRAPH_BASE_URL = f"http://127.0.0.1:{closed_port()}"
        message = send_text(agent, interaction)
        assert runner.wait_idle(timeout=10)
        message.refresh_from_db()
        assert (message.status, message.send_attempts, message.error_code) == (S.FAILED, 3, None)
        assert "ConnectError" in message.error_title

    def test_retries_stop_at_the_bound(self, graph, agent, interaction, fast_backoff, monkeypatch):
        monkeypatch.setattr(sending, "MAX_SEND_ATTEMPTS", 3)
        for _ in range(5):
            graph.reply_error(503, 131016, "Service unavailable")
        message = send_text(agent, interaction)
        assert runner.wait_idle(timeout=10)
        message.refresh_from_db()
        assert len(graph.sends()) == 3
        assert (message.status, message.error_code) == (S.FAILED, 131016)


@pytest.mark.django_db(transaction=True)
class TestCrashSafety:
    def test_send_interrupted_after_whatsapp_accepted_it_is_not_repeated(
        self, graph, agent, interaction, post_webhook
    ):
        graph.drop()  # WhatsApp got the request; the answer never came back
        message = send_text(agent, interaction)
        message.refresh_from_db()
        assert message.status == S.SENDING
        assert message.send_started_at is not None
        # the beat's sweeps run: nothing is sent again
        now = timezone.now() + timedelta(seconds=90)
        sending.outbound_due_sweep(now=now)
        sending.abandoned_sends_sweep(now=now)
        assert runner.wait_idle()
        assert len(graph.sends()) == 1
        # WhatsApp's status webhook names our message: it is reconciled
        status = {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "1",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {"phone_number_id": interaction.channel.phone_number_id},
                                "statuses": [
                                    {
                                        "id": "wamid.reached-meta",
                                        "status": "sent",
                                        "timestamp": str(int(timezone.now().timestamp())),
                                        "recipient_id": "4915112345678",
                                        "biz_opaque_callback_data": f"wa-msg:{message.pk}",
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
        assert post_webhook(status).status_code == 200
        message.refresh_from_db()
        assert (message.wamid, message.status) == ("wamid.reached-meta", S.SENT)
        assert len(graph.sends()) == 1

    def test_unconfirmed_send_is_marked_failed_not_resent(self, graph, agent, interaction):
        graph.drop()
        graph.accept()
        message = send_text(agent, interaction)
        later = send_text(agent, interaction, "second")
        sending.abandoned_sends_sweep(now=timezone.now() + sending.RECONCILE_GRACE + timedelta(seconds=1))
        assert runner.wait_idle()
        message.refresh_from_db()
        later.refresh_from_db()
        assert message.status == S.FAILED
        assert "may or may not have reached the customer" in message.error_details
        assert later.status == S.ACCEPTED  # the queue moves on
        assert [s.json()["text"]["body"] for s in graph.sends()] == ["Hello!", "second"]

    def test_late_status_after_the_sweep_gave_up_reconciles_and_retry_sends_nothing(
        self, graph, agent, interaction, post_webhook
    ):
        # given: the answer to a send is lost and the sweep marks it failed after the grace
        graph.drop()
        message = send_text(agent, interaction)
        sending.abandoned_sends_sweep(now=timezone.now() + sending.RECONCILE_GRACE + timedelta(seconds=1))
        assert runner.wait_idle()
        message.refresh_from_db()
        assert (message.status, message.wamid) == (S.FAILED, None)
        # when: WhatsApp's (retried) status webhook naming the message arrives late
        late = status_payload(interaction, "wamid.late", "delivered", callback=f"wa-msg:{message.pk}")
        assert post_webhook(late).status_code == 200
        # then: the message is reconciled, its failure cleared, nothing is parked
        message.refresh_from_db()
        assert (message.status, message.wamid) == (S.DELIVERED, "wamid.late")
        assert (message.failed_at, message.error_code, message.error_title) == (None, None, "")
        assert message.delivered_at is not None
        assert not PendingStatus.objects.exists()
        # and a retry is refused (it did not fail any more): WhatsApp got exactly one POST
        graph.accept()
        with pytest.raises(Conflict, match="only failed messages"):
            message_retry(user=agent, message_id=message.pk)
        assert runner.wait_idle()
        assert len(graph.sends()) == 1

    def test_retry_reconciles_a_parked_status_instead_of_sending_again(self, graph, agent, interaction):
        # given: a send failed by the sweep, and a status naming it that was parked
        # (it arrived while nothing could adopt it)
        message = MessageFactory(
            interaction=interaction,
            direction="out",
            wamid=None,
            status=S.FAILED,
            author=agent,
            send_started_at=timezone.now() - timedelta(minutes=10),
            failed_at=timezone.now(),
            error_title="Sending was interrupted",
        )
        [status] = status_payload(interaction, "wamid.parked", "read", callback=f"wa-msg:{message.pk}")[
            "entry"
        ][0]["changes"][0]["value"]["statuses"]
        PendingStatus.objects.create(
            channel=interaction.channel,
            wamid="wamid.parked",
            status="read",
            occurred_at=timezone.now(),
            payload=status,
        )
        graph.accept()
        # when: the agent retries
        returned = message_retry(user=agent, message_id=message.pk)
        assert runner.wait_idle()
        # then: the parked status is applied; nothing is sent
        message.refresh_from_db()
        assert (returned.status, message.status, message.wamid) == (S.READ, S.READ, "wamid.parked")
        assert message.error_title == ""
        assert not PendingStatus.objects.exists()
        assert graph.sends() == []

    def test_claim_abandoned_before_calling_whatsapp_is_sent_once(self, graph, agent, interaction):
        message = MessageFactory(
            interaction=interaction,
            direction="out",
            wamid=None,
            status=S.SENDING,
            author=agent,
            send_claimed_at=timezone.now() - timedelta(minutes=5),
        )
        wamid = graph.accept()
        sending.abandoned_sends_sweep(now=timezone.now())
        assert runner.wait_idle()
        message.refresh_from_db()
        assert (message.status, message.wamid) == (S.ACCEPTED, wamid)
        assert len(graph.sends()) == 1


def closed_port() -> int:
    """A local port nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def status_payload(interaction, wamid: str, status: str, *, callback: str = "") -> dict:
    """A status webhook for ``wamid``, echoing ``callback`` as WhatsApp echoes our callback data."""
    item = {
        "id": wamid,
        "status": status,
        "timestamp": str(int(timezone.now().timestamp())),
        "recipient_id": "4915112345678",
    }
    if callback:
        item["biz_opaque_callback_data"] = callback
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"phone_number_id": interaction.channel.phone_number_id},
        "statuses": [item],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }


def png_bytes(size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.django_db
class TestMedia:
    def test_agent_image_is_uploaded_then_sent_by_id(
        self, graph, agent, interaction, django_capture_on_commit_callbacks
    ):
        attachment = media_services.attachment_upload(user=agent, data=png_bytes(), file_name="photo.pdf")
        assert (attachment.kind, attachment.mime_type) == ("image", "image/png")  # by content
        graph.reply_json(200, {"id": "media-123"})
        graph.accept()
        with django_capture_on_commit_callbacks(execute=True):
            message_send(
                user=agent,
                interaction_id=interaction.pk,
                spec=OutboundSpec(type="image", body="Here it is", attachment_id=attachment.pk),
            )
        upload, send = graph.requests
        assert upload.path.endswith("/media")
        assert b'name="messaging_product"' in upload.body and b"image/png" in upload.body
        assert send.json()["image"] == {"id": "media-123", "caption": "Here it is"}
        attachment.refresh_from_db()
        assert attachment.media_id == "media-123"

    def test_a_palette_screenshot_is_stored_as_8_bit_rgb(self, agent):
        buffer = io.BytesIO()
        Image.new("P", (20, 10), 2).save(buffer, "PNG")
        attachment = media_services.attachment_upload(
            user=agent, data=buffer.getvalue(), file_name="shot.png"
        )
        with attachment.file.open("rb") as stored, Image.open(stored) as image:
            assert (image.format, image.mode, image.size) == ("PNG", "RGB", (20, 10))
        assert attachment.size == attachment.file.size

    def test_file_that_is_not_a_whatsapp_type_is_refused_by_content(self, agent):
        from conversations.media import MediaRejected

        with pytest.raises(MediaRejected):
            media_services.attachment_upload(
                user=agent, data=b"MZ\x90\x00" + b"\x00" * 200, file_name="cat.jpg"
            )
        assert Attachment.objects.count() == 0

    def test_a_large_upload_is_vetted_and_stored_without_being_read_into_memory(self, agent, tmp_path):
        """An upload arrives as a (temporary) file: it is checked by its headers and in
        chunks and stored by streaming it, so a 30 MB document never sits in memory."""
        path = tmp_path / "manual.pdf"
        with path.open("wb") as out:
            out.write(b"%PDF-1.7\n")
            for _ in range(30):
                out.write(b"0" * MB)
        with path.open("rb") as upload:
            tracemalloc.start()
            try:
                attachment = media_services.attachment_upload(user=agent, file=upload, file_name="manual.pdf")
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
        try:
            assert (attachment.kind, attachment.mime_type) == ("document", "application/pdf")
            assert attachment.size == attachment.file.size == path.stat().st_size
            assert peak < 4 * MB
        finally:
            attachment.file.delete(save=False)

    def test_an_upload_larger_than_whatsapp_takes_is_refused_413_in_the_error_envelope(
        self, client, agent, monkeypatch
    ):
        monkeypatch.setattr(media_services, "LARGEST_MEDIA_BYTES", 1000)
        client.force_login(agent)
        upload = SimpleUploadedFile("notes.txt", b"x" * 1001, content_type="text/plain")
        response = client.post("/api/v1/attachments/", {"file": upload})
        assert response.status_code == 413
        assert response.json() == {
            "error": {"code": "media_rejected", "message": "files are limited to 1000 bytes"}
        }
        assert Attachment.objects.count() == 0

    def test_inbound_image_is_downloaded_checked_and_thumbnailed(self, graph, interaction):
        data = png_bytes((800, 600))
        message = MessageFactory(interaction=interaction, type="image", wamid="wamid.img")
        attachment = Attachment.objects.create(
            message=message,
            kind="image",
            media_id="media-9",
            mime_type="image/png",
            sha256=base64.b64encode(hashlib.sha256(data).digest()).decode(),
        )
        url = f"{graph.base_url}/download/media-9"
        graph.reply_json(
            200, {"url": url, "mime_type": "image/png", "sha256": "", "file_size": len(data), "id": "media-9"}
        )
        graph.reply(404, b"expired")  # the first URL expired: a fresh one is fetched on the retry
        graph.reply_json(
            200, {"url": url, "mime_type": "image/png", "sha256": "", "file_size": len(data), "id": "media-9"}
        )
        graph.reply(200, data, content_type="image/png")
        assert media_services.attachment_download(attachment_id=attachment.pk) is None  # will retry
        Attachment.objects.filter(pk=attachment.pk).update(download_due_at=timezone.now())
        stored = media_services.attachment_download(attachment_id=attachment.pk)
        assert stored.state == Attachment.State.STORED
        assert stored.size == len(data)
        assert stored.file.read() == data
        assert (stored.width, stored.height) == (800, 600)
        with Image.open(stored.thumbnail) as thumb:
            assert max(thumb.size) == 320
        lookups = [r for r in graph.requests if r.path.startswith(f"/{GRAPH_API_VERSION}/media-9")]
        assert len(lookups) == 2  # a fresh URL for each attempt
        assert all(r.headers["authorization"] == "Bearer test-access-token" for r in graph.requests)

    def test_every_inbound_file_shows_its_name_and_size(self, client, graph, agent, interaction):
        """M1b: a photo or a voice message carries no file name from WhatsApp; the transcript
        gets one from its kind and type, with the size once downloaded (a document keeps
        the customer's own name, cleaned); a download is saved under that name."""
        voice = b"OggS" + b"\x00" * 60
        files = {
            "wamid.photo": ("image", "media-p", "image/png", png_bytes(), "", False),
            "wamid.voice": ("audio", "media-v", "audio/ogg; codecs=opus", voice, "", True),
            "wamid.doc": ("document", "media-d", "application/pdf", b"%PDF-1.4 x", "Offer\u202e.pdf", False),
        }
        attachments = {}
        for wamid, (kind, media_id, mime, _data, name, is_voice) in files.items():
            message = MessageFactory(interaction=interaction, type=kind, wamid=wamid)
            attachments[wamid] = Attachment.objects.create(
                message=message, kind=kind, media_id=media_id, mime_type=mime, file_name=name, voice=is_voice
            )
        client.force_login(agent)

        def shown() -> dict[str, tuple[str, int | None]]:
            page = client.get(f"/api/v1/interactions/{interaction.pk}/messages/").json()["messages"]
            return {m["wamid"]: (m["attachment"]["file_name"], m["attachment"]["size"]) for m in page}

        # before the download: names already, no size yet
        assert shown() == {
            "wamid.photo": ("image.png", None),
            "wamid.voice": ("voice message.ogg", None),
            "wamid.doc": ("Offer.pdf", None),
        }
        for wamid, (_kind, media_id, mime, data, _name, _voice) in files.items():
            url = f"{graph.base_url}/download/{media_id}"
            graph.reply_json(200, {"url": url, "mime_type": mime, "sha256": "", "file_size": len(data)})
            graph.reply(200, data, content_type=mime.split(";")[0])
            media_services.attachment_download(attachment_id=attachments[wamid].pk)
        assert shown() == {
            "wamid.photo": ("image.png", len(png_bytes())),
            "wamid.voice": ("voice message.ogg", len(voice)),
            "wamid.doc": ("Offer.pdf", 10),
        }
        saved = client.get(f"/api/v1/attachments/{attachments['wamid.voice'].pk}/file/?download=1")
        assert 'filename="voice message.ogg"' in saved["Content-Disposition"]

    def test_inbound_media_with_a_wrong_checksum_is_refused(self, graph, interaction):
        message = MessageFactory(interaction=interaction, type="image", wamid="wamid.img2")
        attachment = Attachment.objects.create(
            message=message, kind="image", media_id="m2", sha256=base64.b64encode(b"\x00" * 32).decode()
        )
        graph.reply_json(200, {"url": f"{graph.base_url}/d/m2", "mime_type": "image/png", "id": "m2"})
        graph.reply(200, png_bytes(), content_type="image/png")
        result = media_services.attachment_download(attachment_id=attachment.pk)
        assert result.state == Attachment.State.FAILED
        assert "does not match the checksum" in result.last_error

    def test_inbound_media_shorter_than_the_announced_size_is_refused(self, graph, interaction):
        data = png_bytes()
        message = MessageFactory(interaction=interaction, type="image", wamid="wamid.img3")
        attachment = Attachment.objects.create(
            message=message,
            kind="image",
            media_id="m3",
            sha256=base64.b64encode(hashlib.sha256(data).digest()).decode(),
        )
        info = {"url": f"{graph.base_url}/d/m3", "mime_type": "image/png", "id": "m3"}
        graph.reply_json(200, {**info, "file_size": len(data) + 100})
        graph.reply(200, data, content_type="image/png")
        result = media_services.attachment_download(attachment_id=attachment.pk)
        assert result.state == Attachment.State.FAILED
        assert f"is {len(data)} bytes but WhatsApp announced {len(data) + 100} bytes" in result.last_error
        assert not result.file

    def test_media_lookup_checksum_is_used_when_the_webhook_carried_none(self, graph, interaction):
        data = png_bytes()
        info = {"url": f"{graph.base_url}/d/m4", "mime_type": "image/png", "file_size": len(data)}
        wrong, right = Attachment.objects.bulk_create(
            Attachment(
                message=MessageFactory(interaction=interaction, type="image", wamid=f"wamid.img-{n}"),
                kind="image",
                media_id=f"m4-{n}",
                sha256="",  # the webhook carried no sha256
            )
            for n in (1, 2)
        )
        graph.reply_json(200, {**info, "sha256": hashlib.sha256(b"another file").hexdigest()})
        graph.reply(200, data, content_type="image/png")
        graph.reply_json(200, {**info, "sha256": hashlib.sha256(data).hexdigest()})
        graph.reply(200, data, content_type="image/png")
        refused = media_services.attachment_download(attachment_id=wrong.pk)
        stored = media_services.attachment_download(attachment_id=right.pk)
        assert refused.state == Attachment.State.FAILED
        assert "does not match the checksum" in refused.last_error
        assert stored.state == Attachment.State.STORED
        assert stored.file.read() == data


def test_payload_json_for_an_interactive_list(db, interaction, agent):
    message = Message(
        interaction=interaction,
        channel=interaction.channel,
        contact=interaction.contact,
        type="interactive",
        body="Choose a delivery slot",
        content={
            "interactive": {
                "type": "list",
                "button": "Slots",
                "sections": [{"title": "Tomorrow", "rows": [{"id": "am", "title": "Morning"}]}],
            }
        },
    )
    assert json.loads(json.dumps(wire_messages.build_payload(message))) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+4915112345678",
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "Choose a delivery slot"},
            "action": {
                "button": "Slots",
                "sections": [{"title": "Tomorrow", "rows": [{"id": "am", "title": "Morning"}]}],
            },
        },
    }


@pytest.mark.django_db
class TestDueSweep:
    """The beat's sweep flushes each due interaction once per run, oldest due first."""

    @staticmethod
    def queued(interaction, *, due_in: timedelta | None = None, arrived_ago=timedelta(0), n: int = 1):
        now = timezone.now()
        return [
            MessageFactory(
                interaction=interaction,
                direction=Message.Direction.OUTBOUND,
                status=S.QUEUED,
                wamid=None,
                next_attempt_at=None if due_in is None else now + due_in,
                arrived_at=now - arrived_ago,
            )
            for _ in range(n)
        ]

    @staticmethod
    def sent_ids(graph) -> list[int]:
        return [int(s.json()["biz_opaque_callback_data"].removeprefix("wa-msg:")) for s in graph.sends()]

    def test_a_backlog_behind_a_waiting_retry_does_not_starve_another_interactions_retry(
        self, graph, channel
    ):
        # given: one conversation's head waits for its retry, 150 messages queued behind it
        busy = InteractionFactory(channel=channel)
        self.queued(busy, due_in=timedelta(minutes=2))
        self.queued(busy, n=150)
        # and another conversation's retry is due
        other = InteractionFactory(channel=channel)
        [due] = self.queued(other, due_in=-timedelta(seconds=30))
        graph.accept()

        flushed = sending.outbound_due_sweep(now=timezone.now())

        assert flushed == 1  # only the interaction whose head is due
        assert self.sent_ids(graph) == [due.pk]
        assert Message.objects.get(pk=due.pk).status == S.ACCEPTED
        assert Message.objects.filter(interaction=busy, status=S.QUEUED).count() == 151  # still waiting

    def test_each_due_interaction_is_flushed_once_oldest_due_first(self, graph, channel):
        now = timezone.now()
        # three interactions, each with a due head and more due messages behind it
        late = InteractionFactory(channel=channel)
        late_msgs = self.queued(late, due_in=-timedelta(seconds=5), n=3)
        never_started = InteractionFactory(channel=channel)
        never_msgs = self.queued(
            never_started, arrived_ago=timedelta(minutes=5), n=3
        )  # due since it was written
        retry = InteractionFactory(channel=channel)
        retry_msgs = self.queued(retry, due_in=-timedelta(minutes=1), n=3)
        for _ in range(3):
            graph.accept()

        assert sending.outbound_due_sweep(now=now, limit=1) == 1
        assert self.sent_ids(graph) == [m.pk for m in never_msgs]  # the oldest due: all its queue leaves

        assert sending.outbound_due_sweep(now=now, limit=2) == 2
        for _ in range(6):
            graph.accept()
        assert self.sent_ids(graph)[3:] == [m.pk for m in retry_msgs + late_msgs]

    def test_the_sweep_selects_one_row_per_interaction(self, graph, channel):
        busy = InteractionFactory(channel=channel)
        messages = self.queued(busy, n=5)
        for _ in messages:
            graph.accept()
        with CaptureQueriesContext(connection) as queries:
            assert sending.outbound_due_sweep(now=timezone.now()) == 1
        [sweep] = [q["sql"] for q in queries.captured_queries if "next_attempt_at" in q["sql"]][:1]
        selected = {
            c for c in re.findall(r'"(\w+)"', sweep.split(" FROM ")[0]) if c != Message._meta.db_table
        }
        assert selected == {"interaction_id"}  # not the default ordering's columns
        # one head per interaction: no grouping, read in the order of the due index and cut at the batch
        assert "GROUP BY" not in sweep and "DISTINCT" not in sweep
        assert (
            'ORDER BY COALESCE("conversations_message"."next_attempt_at", "conversations_message"."arrived_at")'
            in sweep
        )
        assert sweep.endswith("LIMIT 100")
        assert self.sent_ids(graph) == [m.pk for m in messages]  # one flush sends the whole queue, in order
