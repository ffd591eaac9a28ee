"""P1: the webhook endpoint: handshake, signatures, sizes and bad bodies."""

from __future__ import annotations

import copy
import json

import pytest

from conversations.models import Message, WebhookEvent
from tests import cloud_api as wa
from tests.conftest import APP_SECRET
from tests.factories import UserFactory
from whatsapp.inbound import KNOWN_TYPES
from whatsapp.signature import sign

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
        response = post_webhook(wa.payload("inbound_text"), secret="")
        assert response.status_code == 401
        assert WebhookEvent.objects.count() == 0
        assert Message.objects.count() == 0

    def test_wrong_secret_gets_403_and_stores_nothing(self, post_webhook, channel):
        response = post_webhook(wa.payload("inbound_text"), secret="not-the-app-secret")
        assert response.status_code == 403
        assert WebhookEvent.objects.count() == 0
        assert Message.objects.count() == 0

    def test_signature_of_another_body_is_refused(self, post_webhook, channel):
        other = sign(b"{}", APP_SECRET)
        response = post_webhook(wa.payload("inbound_text"), signature=other)
        assert response.status_code == 403
        assert WebhookEvent.objects.count() == 0

    def test_malformed_signature_header_is_refused(self, post_webhook, channel):
        response = post_webhook(wa.payload("inbound_text"), signature="md5=abc")
        assert response.status_code == 403

    def test_signature_is_checked_over_the_raw_bytes(self, post_webhook, channel):
        """Re-serialising would change spacing and escapes; the raw body must be hashed."""
        raw = json.dumps(wa.payload("inbound_text"), indent=7, ensure_ascii=True).encode()
        assert post_webhook(raw).status_code == 200
        assert Message.objects.count() == 1

    def test_a_number_of_another_app_is_not_processed(self, post_webhook, channel, sales_channel):
        """A body signed with app A's secret may not write into app B's number."""
        sales_channel.app_secret = "secret-of-app-b"
        sales_channel.save()
        payload = wa.payload("inbound_text")
        payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = (
            sales_channel.phone_number_id
        )
        response = post_webhook(payload, secret=APP_SECRET)
        assert response.status_code == 200
        assert Message.objects.count() == 0
        event = WebhookEvent.objects.get()
        assert "another app" in event.flags[0]


class TestBodies:
    def test_valid_post_is_stored_before_the_200(self, post_webhook, channel):
        response = post_webhook(wa.payload("inbound_text"))
        assert response.status_code == 200
        event = WebhookEvent.objects.get()
        assert event.state == WebhookEvent.State.PROCESSED
        assert json.loads(event.body) == wa.payload("inbound_text")
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
        payload = wa.payload("inbound_text")
        payload["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = "a\u0000b"
        assert post_webhook(payload).status_code == 200
        assert Message.objects.get().body == "ab"

    def test_a_lone_surrogate_is_replaced_and_the_message_stays_readable(self, post_webhook, client, channel):
        payload = wa.payload("inbound_text")
        payload["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = "PLACEHOLDER"
        # json.dumps escapes non-ASCII, as Meta does: an emoji as a surrogate pair, plus a
        # lone half of one (a truncated emoji).
        body = json.dumps(payload).replace("PLACEHOLDER", "a\\ud800b \\ud83d\\ude00").encode()
        assert post_webhook(body).status_code == 200
        message = Message.objects.get()
        assert message.body == "a\ufffdb \U0001f600"
        supervisor = UserFactory(is_staff=True, is_superuser=True)
        client.force_login(supervisor)
        response = client.get(f"/api/v1/interactions/{message.interaction_id}/messages/")
        assert response.status_code == 200
        assert response.json()["messages"][0]["body"] == "a\ufffdb \U0001f600"

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
        payload = wa.payload("inbound_text")
        payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
        assert post_webhook(payload).status_code == 200
        event = WebhookEvent.objects.get()
        assert "no active channel has phone_number_id '999'" in event.flags[0]
        assert Message.objects.count() == 0

    def test_unknown_field_is_kept_and_acknowledged(self, post_webhook, channel):
        payload = {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "history", "value": {"history": []}}]}],
        }
        assert post_webhook(payload).status_code == 200
        assert "'history' is not handled" in WebhookEvent.objects.get().flags[0]

    def test_three_megabyte_payload_is_accepted(self, post_webhook, channel):
        payload = wa.payload("inbound_text")
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


PAYLOAD_NAMES = sorted(name for name in wa.PAYLOADS if name.startswith(("inbound_", "status_")))
WRONG_VALUES = ("text", ["a", 1], 7, None, {"unexpected": {"nested": True}})


def _nodes(value, path=()):
    """Every object and value under ``value``, with its path."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield (*path, key), child
        yield from _nodes(child, (*path, key))


def _replaced(payload: dict, path: tuple, new) -> dict:
    payload = copy.deepcopy(payload)
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return payload


class TestAnySignedBodyIsKept:
    """Whatever shape a signed body has, it is stored and answered with a 2xx or a clear
    4xx: never a 500, never lost (Meta would retry a 500 for days, failing each time)."""

    @pytest.mark.parametrize("kind", [t for t in KNOWN_TYPES if t != "request_welcome"])
    @pytest.mark.parametrize("wrong", ["a string", ["a", "list"], 42])
    def test_known_type_with_content_of_another_shape_is_stored_as_unsupported(
        self, post_webhook, channel, kind, wrong
    ):
        payload = wa.payload("inbound_text")
        message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
        del message["text"]
        message.update({"type": kind, kind: wrong})
        response = post_webhook(payload)
        assert response.status_code == 200
        stored = Message.objects.get()
        if kind == "contacts" and isinstance(wrong, list):
            assert stored.type == "contacts"  # a list is the right shape for shared contacts
        elif kind == "unsupported":
            assert stored.type == "unsupported"
        else:
            assert stored.type == "unsupported"
            assert stored.content["unsupported_type"] == kind
            assert stored.content["raw"] == wrong
        assert WebhookEvent.objects.get().state == WebhookEvent.State.PROCESSED

    @pytest.mark.parametrize("name", PAYLOAD_NAMES)
    def test_every_field_of_every_payload_may_be_of_any_shape(self, client, channel, sales_channel, name):
        original = wa.payload(name)
        value_path = ("entry", 0, "changes", 0, "value")
        value = original["entry"][0]["changes"][0]["value"]
        bodies = [
            _replaced(original, (*value_path, *path), wrong)
            for path, _ in _nodes(value)
            if path[0] != "metadata"
            for wrong in WRONG_VALUES
        ]
        assert len(bodies) > 20
        for index, payload in enumerate(bodies):
            body = json.dumps(payload).encode()
            response = client.post(
                "/webhooks/whatsapp/",
                data=body,
                content_type="application/json",
                HTTP_X_HUB_SIGNATURE_256=sign(body, APP_SECRET),
            )
            # The envelope is intact (only 'value' is changed): a WhatsApp webhook, acknowledged.
            assert response.status_code == 200, (index, response.content)
            assert WebhookEvent.objects.count() == index + 1, "an acknowledged body was not stored"
        # The parser itself coped with every shape (the catch-all never had to):
        assert not any(
            flag.startswith("parse failed")
            for flags in WebhookEvent.objects.values_list("flags", flat=True)
            for flag in flags
        )
