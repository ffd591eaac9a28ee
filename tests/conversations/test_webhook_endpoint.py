"""P1: the webhook endpoint: handshake, signatures, sizes and bad bodies."""

from __future__ import annotations

import json

import pytest

from conversations.models import Message, WebhookEvent
from conversations.whatsapp.signature import sign
from tests.conftest import APP_SECRET, load_fixture

pytestmark = pytest.mark.django_db


class TestHandshake:
    def test_handshake_answers_the_challenge_as_plain_text(self, client, channel):
        response = client.get(
            "/webhooks/whatsapp/",
            {
                "hub.mode": "subscribe",
                "hub.verify_token": channel.verify_token,
                "hub.challenge": "1158201444",
            },
        )
        assert response.status_code == 200
        assert response.content == b"1158201444"
        assert response["Content-Type"].startswith("text/plain")

    def test_handshake_with_a_wrong_token_is_refused(self, client, channel):
        response = client.get(
            "/webhooks/whatsapp/",
            {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "42"},
        )
        assert response.status_code == 403
        assert b"42" not in response.content

    def test_handshake_without_subscribe_mode_is_a_clear_400(self, client, channel):
        response = client.get("/webhooks/whatsapp/", {"hub.verify_token": channel.verify_token})
        assert response.status_code == 400
        assert "hub.mode=subscribe" in response.json()["error"]

    def test_other_methods_are_not_allowed(self, client, channel):
        assert client.put("/webhooks/whatsapp/").status_code == 405


class TestSignature:
    def test_missing_signature_gets_401_and_stores_nothing(self, post_webhook, channel):
        response = post_webhook(load_fixture("inbound_text.json"), secret="")
        assert response.status_code == 401
        assert WebhookEvent.objects.count() == 0
        assert Message.objects.count() == 0

    def test_wrong_secret_gets_403_and_stores_nothing(self, post_webhook, channel):
        response = post_webhook(load_fixture("inbound_text.json"), secret="not-the-app-secret")
        assert response.status_code == 403
        assert WebhookEvent.objects.count() == 0
        assert Message.objects.count() == 0

    def test_signature_of_another_body_is_refused(self, post_webhook, channel):
        other = sign(b"{}", APP_SECRET)
        response = post_webhook(load_fixture("inbound_text.json"), signature=other)
        assert response.status_code == 403
        assert WebhookEvent.objects.count() == 0

    def test_malformed_signature_header_is_refused(self, post_webhook, channel):
        response = post_webhook(load_fixture("inbound_text.json"), signature="md5=abc")
        assert response.status_code == 403

    def test_signature_is_checked_over_the_raw_bytes(self, post_webhook, channel):
        """Re-serialising would change spacing and escapes; the raw body must be hashed."""
        raw = json.dumps(load_fixture("inbound_text.json"), indent=7, ensure_ascii=True).encode()
        assert post_webhook(raw).status_code == 200
        assert Message.objects.count() == 1

    def test_a_number_of_another_app_is_not_processed(self, post_webhook, channel, status_channel):
        """A body signed with app A's secret may not write into app B's number."""
        status_channel.app_secret = "secret-of-app-b"
        status_channel.save()
        payload = load_fixture("inbound_text.json")
        payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = (
            status_channel.phone_number_id
        )
        response = post_webhook(payload, secret=APP_SECRET)
        assert response.status_code == 200
        assert Message.objects.count() == 0
        event = WebhookEvent.objects.get()
        assert "another app" in event.flags[0]


class TestBodies:
    def test_valid_post_is_stored_before_the_200(self, post_webhook, channel):
        response = post_webhook(load_fixture("inbound_text.json"))
        assert response.status_code == 200
        event = WebhookEvent.objects.get()
        assert event.state == WebhookEvent.State.PROCESSED
        assert json.loads(event.body) == load_fixture("inbound_text.json")
        assert event.summary == {"messages": 1, "new_interactions": 1}

    def test_malformed_json_is_stored_flagged_and_answered_400(self, post_webhook, channel):
        response = post_webhook(b'{"object": "whatsapp_business_account", "entry": [')
        assert response.status_code == 400
        assert "not valid JSON" in response.json()["error"]
        event = WebhookEvent.objects.get()
        assert event.state == WebhookEvent.State.FLAGGED
        assert response.json()["event_id"] == event.pk

    def test_wrong_object_is_a_clear_400(self, post_webhook, channel):
        response = post_webhook({"object": "page", "entry": []})
        assert response.status_code == 400
        assert "whatsapp_business_account" in response.json()["error"]
        assert Message.objects.count() == 0

    def test_body_that_is_not_an_object_is_a_clear_400(self, post_webhook, channel):
        response = post_webhook([1, 2, 3])
        assert response.status_code == 400
        assert "JSON object" in response.json()["error"]

    def test_non_utf8_body_is_a_clear_400(self, post_webhook, channel):
        response = post_webhook(b"\xff\xfe\x00garbage")
        assert response.status_code == 400
        assert "UTF-8" in response.json()["error"]

    def test_nul_characters_in_text_are_dropped_not_a_failure(self, post_webhook, channel):
        payload = load_fixture("inbound_text.json")
        payload["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = "a\u0000b"
        assert post_webhook(payload).status_code == 200
        assert Message.objects.get().body == "ab"

    def test_missing_fields_are_flagged_not_a_500(self, post_webhook, channel):
        payload = {
            "object": "whatsapp_business_account",
            "entry": [
                {"id": "1", "changes": [{"field": "messages"}]},
                {"id": "2"},
                {
                    "id": "3",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "metadata": {"phone_number_id": channel.phone_number_id},
                                "messages": [{"type": "text", "text": {"body": "no id"}}, "junk"],
                                "statuses": [{"id": "wamid.x", "status": "teleported"}],
                            },
                        }
                    ],
                },
            ],
        }
        response = post_webhook(payload)
        assert response.status_code == 200
        event = WebhookEvent.objects.get()
        assert event.state == WebhookEvent.State.PROCESSED
        assert any("entry[0].changes[0] has no 'value'" in f for f in event.flags)
        assert any("entry[1] has no 'changes'" in f for f in event.flags)
        assert any("messages[0] has no message id" in f for f in event.flags)
        assert any("statuses[0]" in f for f in event.flags)
        assert Message.objects.count() == 0

    def test_unknown_phone_number_is_kept_for_replay(self, post_webhook, channel):
        payload = load_fixture("inbound_text.json")
        payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
        assert post_webhook(payload).status_code == 200
        event = WebhookEvent.objects.get()
        assert "no active channel has phone_number_id '999'" in event.flags[0]
        assert Message.objects.count() == 0

    def test_unknown_field_is_kept_and_acknowledged(self, post_webhook, channel):
        payload = {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "account_update", "value": {"event": "X"}}]}],
        }
        assert post_webhook(payload).status_code == 200
        assert "'account_update' is not handled" in WebhookEvent.objects.get().flags[0]

    def test_three_megabyte_payload_is_accepted(self, post_webhook, channel):
        payload = load_fixture("inbound_text.json")
        message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
        body = json.dumps(payload).encode()
        message["text"]["body"] = "x" * (3 * 1024 * 1024 - len(body) - 10)
        body = json.dumps(payload).encode()
        assert 3 * 1024 * 1024 - 100 < len(body) <= 3 * 1024 * 1024
        assert post_webhook(body).status_code == 200
        stored = Message.objects.get()
        assert len(stored.body) == len(message["text"]["body"])

    def test_body_over_three_megabytes_is_refused_with_413(self, post_webhook, channel):
        body = b'{"object": "whatsapp_business_account", "pad": "' + b"x" * (3 * 1024 * 1024) + b'"}'
        response = post_webhook(body)
        assert response.status_code == 413
        assert WebhookEvent.objects.count() == 0
