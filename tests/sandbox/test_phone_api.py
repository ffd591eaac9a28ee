"""P3: the phone API plays the customer; OUR webhook receives and stores what it sends."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conversations.models import Attachment, Contact, Message, Reaction
from sandbox.models import SandboxChat, SandboxMessage, WebhookPost
from templates_app.models import MessageTemplate
from tests.conftest import APP_SECRET
from tests.sandbox.conftest import CUSTOMER, DISPLAY_NUMBER, PDF_BYTES, PHONE_NUMBER_ID, WABA_ID, png_bytes
from waproject.embedded import runner
from whatsapp.signature import sign


def phone_upload(client, data: bytes, name: str, mime: str) -> dict:
    response = client.post(
        "/sandbox/phone/api/media",
        {"phone_number_id": PHONE_NUMBER_ID, "file": SimpleUploadedFile(name, data, mime)},
    )
    assert response.status_code == 200, response.content
    return response.json()


def webhook_message(post: WebhookPost) -> dict:
    return json.loads(post.body)["entry"][0]["changes"][0]["value"]["messages"][0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("business")
class TestCustomerMessagesReachOurWebhook:
    def test_a_text(self, live, phone_send):
        response = phone_send({"type": "text", "text": "Hi, where is my parcel?"})
        assert response.status_code == 200, response.content
        answer = response.json()
        assert answer["webhook"]["ok"] and answer["webhook"]["status"] == 200
        assert answer["webhook"]["url"] == live.url + "/webhooks/whatsapp/"
        message = Message.objects.get()
        assert (message.direction, message.type, message.body) == ("in", "text", "Hi, where is my parcel?")
        assert message.wamid == answer["message"]["wamid"]
        assert Contact.objects.get().profile_name == "Lena Vogel"
        assert message.contact.wa_id == CUSTOMER

    def test_the_envelope_is_the_cloud_api_one_and_signed(self, live, phone_send):
        phone_send({"type": "text", "text": {"body": "Hello"}})
        post = WebhookPost.objects.get()
        assert post.signature == sign(post.body.encode(), APP_SECRET)
        payload = json.loads(post.body)
        assert payload["object"] == "whatsapp_business_account"
        entry = payload["entry"][0]
        assert entry["id"] == WABA_ID
        assert entry["changes"][0]["field"] == "messages"
        value = entry["changes"][0]["value"]
        assert value["messaging_product"] == "whatsapp"
        assert value["metadata"] == {
            "display_phone_number": DISPLAY_NUMBER,
            "phone_number_id": PHONE_NUMBER_ID,
        }
        user_id = SandboxChat.objects.get().user_id
        assert value["contacts"] == [
            {"profile": {"name": "Lena Vogel"}, "wa_id": CUSTOMER, "user_id": user_id}
        ]
        item = value["messages"][0]
        assert (item["from"], item["type"], item["text"]) == (CUSTOMER, "text", {"body": "Hello"})
        assert item["id"].startswith("wamid.SBX") and item["timestamp"].isdigit()

    def test_an_image_with_a_caption(self, live, client, phone_send):
        data = png_bytes()
        media = phone_upload(client, data, "photo.png", "image/png")
        response = phone_send({"type": "image", "image": {"id": media["id"], "caption": "The box was open"}})
        assert response.json()["webhook"]["status"] == 200
        message = Message.objects.get()
        assert (message.type, message.body) == ("image", "The box was open")
        attachment = Attachment.objects.get(message=message)
        assert (attachment.kind, attachment.media_id, attachment.mime_type) == (
            "image",
            media["id"],
            "image/png",
        )
        # Meta's webhooks carry the digest base64-encoded
        assert attachment.sha256 == base64.b64encode(hashlib.sha256(data).digest()).decode()
        item = webhook_message(WebhookPost.objects.get())
        assert set(item["image"]) == {"id", "mime_type", "sha256", "caption"}

    def test_a_document_keeps_its_filename(self, live, client, phone_send):
        media = phone_upload(client, PDF_BYTES, "Rechnung März.pdf", "application/pdf")
        phone_send({"type": "document", "document": {"id": media["id"]}})
        message = Message.objects.get()
        assert message.type == "document"
        assert Attachment.objects.get(message=message).file_name == "Rechnung März.pdf"
        assert webhook_message(WebhookPost.objects.get())["document"]["filename"] == "Rechnung März.pdf"

    def test_a_location(self, live, phone_send):
        location = {"latitude": 52.52, "longitude": "13.405", "name": "Depot", "address": "Berlin"}
        phone_send({"type": "location", "location": location})
        message = Message.objects.get()
        assert message.type == "location"
        assert message.content == {
            "latitude": 52.52,
            "longitude": 13.405,
            "name": "Depot",
            "address": "Berlin",
        }
        assert webhook_message(WebhookPost.objects.get())["location"]["longitude"] == 13.405

    def test_a_reply_quotes_the_business_message(self, live, phone_send, graph_send):
        phone_send({"type": "text", "text": "Hi"})
        wamid = graph_send({"text": {"body": "Which order?"}}).json()["messages"][0]["id"]
        phone_send({"type": "text", "text": "#42", "reply_to": wamid})
        assert Message.objects.get(body="#42").context_wamid == wamid
        item = webhook_message(WebhookPost.objects.filter(kind="message").last())
        assert item["context"] == {"from": DISPLAY_NUMBER, "id": wamid}

    def test_tapping_a_reply_button(self, live, phone_send, graph_send):
        phone_send({"type": "text", "text": "Hi"})
        interactive = {
            "type": "button",
            "body": {"text": "Did that help?"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "yes-1", "title": "Yes"}}]},
        }
        wamid = graph_send({"type": "interactive", "interactive": interactive}).json()["messages"][0]["id"]
        response = phone_send({"type": "button_reply", "message_id": wamid, "reply_id": "yes-1"})
        assert response.json()["webhook"]["status"] == 200
        message = Message.objects.get(type="interactive")
        assert message.content["reply_type"] == "button_reply"
        assert (message.content["id"], message.content["title"], message.body) == ("yes-1", "Yes", "Yes")
        assert message.context_wamid == wamid
        item = webhook_message(WebhookPost.objects.filter(kind="message").last())
        assert item["interactive"] == {
            "type": "button_reply",
            "button_reply": {"id": "yes-1", "title": "Yes"},
        }
        assert item["context"] == {"from": DISPLAY_NUMBER, "id": wamid}

    def test_choosing_a_list_row(self, live, phone_send, graph_send):
        phone_send({"type": "text", "text": "Hi"})
        interactive = {
            "type": "list",
            "body": {"text": "Pick a speed"},
            "action": {
                "button": "Options",
                "sections": [
                    {
                        "title": "Fast",
                        "rows": [{"id": "express", "title": "Express", "description": "Next day"}],
                    }
                ],
            },
        }
        wamid = graph_send({"type": "interactive", "interactive": interactive}).json()["messages"][0]["id"]
        phone_send({"type": "list_reply", "message_id": wamid, "reply_id": "express"})
        message = Message.objects.get(type="interactive")
        assert message.content["reply_type"] == "list_reply"
        assert (message.content["id"], message.content["description"]) == ("express", "Next day")
        assert message.context_wamid == wamid

    def test_tapping_a_template_quick_reply(self, live, phone_send, graph_send):
        MessageTemplate.objects.create(
            name="delivery",
            status="APPROVED",
            kind=MessageTemplate.Kind.RICH_MEDIA,
            body="Your parcel arrives today.",
            buttons=[
                {"type": "quick_reply", "text": "Thanks!"},
                {"type": "quick_reply", "text": "Change it"},
            ],
        )
        template = {
            "name": "delivery",
            "language": {"code": "en_US"},
            "components": [
                {
                    "type": "button",
                    "sub_type": "quick_reply",
                    "index": "1",
                    "parameters": [{"type": "payload", "payload": "CHANGE"}],
                }
            ],
        }
        wamid = graph_send({"type": "template", "template": template}).json()["messages"][0]["id"]
        phone_send({"type": "button", "message_id": wamid, "index": 1})
        message = Message.objects.get(type="button")
        assert message.content == {"payload": "CHANGE", "text": "Change it"}
        assert (message.body, message.context_wamid) == ("Change it", wamid)

    def test_a_reaction_and_its_removal(self, live, phone_send, graph_send):
        phone_send({"type": "text", "text": "Hi"})
        wamid = graph_send({"text": {"body": "Your parcel is here"}}).json()["messages"][0]["id"]
        # when: the customer reacts
        phone_send({"type": "reaction", "message_id": wamid, "emoji": "👍"})
        # then
        reaction = Reaction.objects.get(target_wamid=wamid, direction="in")
        assert reaction.emoji == "👍"
        # when: the same emoji again removes it (the webhook omits the emoji, like Meta's)
        phone_send({"type": "reaction", "message_id": wamid, "emoji": "👍"})
        reaction.refresh_from_db()
        assert reaction.emoji == ""
        assert webhook_message(WebhookPost.objects.filter(kind="message").last())["reaction"] == {
            "message_id": wamid
        }

    def test_a_customer_message_opens_the_service_window(self, live, phone_send, graph_send):
        phone_send({"type": "text", "text": "Hi"})
        wamid = graph_send({"text": {"body": "Hello!"}}).json()["messages"][0]["id"]
        assert runner.wait_idle(10)
        assert SandboxMessage.objects.get(wamid=wamid).status == "delivered"
        assert SandboxChat.objects.get().profile_name == "Lena Vogel"


@pytest.mark.django_db
class TestWhenOurWebhookIsDown:
    def test_the_answer_says_so_and_the_message_is_kept(self, phone_send, business, settings):
        settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
        response = phone_send({"type": "text", "text": "Hello?"})
        assert response.status_code == 200
        webhook = response.json()["webhook"]
        assert webhook["ok"] is False and webhook["status"] is None
        assert "ConnectError" in webhook["error"]
        message = SandboxMessage.objects.get()
        assert message.webhook_status is None and message.webhook_error
        assert response.json()["message"]["webhook_error"] == message.webhook_error


@pytest.mark.django_db
class TestBadInput:
    """Every mistake is a precise 4xx JSON answer, never a 500."""

    @pytest.mark.parametrize(
        ("fields", "status", "field"),
        [
            ({"type": "text", "text": "hi", "phone_number_id": "999"}, 404, "phone_number_id"),
            ({"type": "text", "text": "hi", "phone_number_id": "bad id!"}, 400, "phone_number_id"),
            ({"type": "text", "text": "hi", "wa_id": "lena"}, 400, "wa_id"),
            ({"type": "text", "text": "hi", "wa_id": 4915112345678}, 400, "wa_id"),
            ({"type": "text", "text": "hi", "profile_name": "x" * 300}, 400, "profile_name"),
            ({"type": "fax"}, 400, "type"),
            ({"type": "text"}, 400, "text"),
            ({"type": "text", "text": "   "}, 400, "text"),
            ({"type": "text", "text": "x" * 4097}, 400, "text"),
            ({"type": "text", "text": "hi", "reply_to": "wamid.nope"}, 404, "reply_to"),
            ({"type": "image", "image": {"id": "123"}}, 404, "image.id"),
            ({"type": "image", "image": "123"}, 400, "image"),
            (
                {"type": "location", "location": {"latitude": "north", "longitude": 1}},
                400,
                "location.latitude",
            ),
            ({"type": "location", "location": {"latitude": 10, "longitude": 181}}, 400, "location.longitude"),
            ({"type": "button_reply", "message_id": "wamid.nope", "reply_id": "x"}, 404, "message_id"),
            ({"type": "button_reply", "reply_id": "x"}, 400, "message_id"),
            ({"type": "reaction", "message_id": "wamid.nope", "emoji": "👍"}, 404, "message_id"),
        ],
    )
    def test_send_refuses_bad_fields(self, phone_send, business, fields, status, field):
        response = phone_send(fields)
        assert response.status_code == status, response.content
        assert response.json()["field"] == field
        assert response.json()["error"]
        assert WebhookPost.objects.count() == 0

    def test_tapping_a_button_that_is_not_there(self, client, phone_send, graph_send, customer_wrote):
        customer_wrote()
        interactive = {
            "type": "button",
            "body": {"text": "?"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "a", "title": "A"}}]},
        }
        wamid = graph_send({"type": "interactive", "interactive": interactive}).json()["messages"][0]["id"]
        response = phone_send({"type": "button_reply", "message_id": wamid, "reply_id": "b"})
        assert (response.status_code, response.json()["field"]) == (404, "reply_id")
        # a list reply to a button message is not a thing either
        response = phone_send({"type": "list_reply", "message_id": wamid, "reply_id": "a"})
        assert response.status_code == 404
        # nor a quick reply to something that is not a template
        response = phone_send({"type": "button", "message_id": wamid, "index": 0})
        assert response.status_code == 404

    def test_reacting_with_text_is_refused(self, phone_send, graph_send, customer_wrote):
        customer_wrote()
        wamid = graph_send({"text": {"body": "x"}}).json()["messages"][0]["id"]
        response = phone_send({"type": "reaction", "message_id": wamid, "emoji": "<b>"})
        assert (response.status_code, response.json()["field"]) == (400, "emoji")

    def test_non_json_bodies(self, client, business):
        url = "/sandbox/phone/api/send"
        assert client.post(url, {"type": "text"}).status_code == 415  # a plain form post
        response = client.post(url, "{nope", content_type="application/json")
        assert response.status_code == 400 and "JSON" in response.json()["error"]
        assert client.post(url, "[1]", content_type="application/json").status_code == 400
        assert client.get(url).status_code == 405

    def test_media_upload_mistakes(self, client, business):
        url = "/sandbox/phone/api/media"
        assert client.post(url, {"phone_number_id": PHONE_NUMBER_ID}).status_code == 400
        bad = SimpleUploadedFile("x.exe", b"MZ....", "application/x-msdownload")
        response = client.post(url, {"phone_number_id": PHONE_NUMBER_ID, "file": bad})
        assert response.status_code == 400 and response.json()["field"] == "file"
        assert client.post(url, "{}", content_type="application/json").status_code == 415

    def test_history_seen_played_and_calls_validate_too(self, client, business):
        assert (
            client.get("/sandbox/phone/api/history", {"phone_number_id": PHONE_NUMBER_ID}).status_code == 400
        )
        assert client.get("/sandbox/phone/api/history", {"wa_id": CUSTOMER}).status_code == 400
        body = json.dumps({"phone_number_id": PHONE_NUMBER_ID, "wa_id": CUSTOMER})
        assert (
            client.post("/sandbox/phone/api/seen", body, content_type="application/json").status_code == 404
        )
        played = json.dumps({"phone_number_id": PHONE_NUMBER_ID, "wa_id": CUSTOMER, "message_id": "x"})
        assert (
            client.post("/sandbox/phone/api/played", played, content_type="application/json").status_code
            == 404
        )
        calls = client.get("/sandbox/phone/api/calls", {"phone_number_id": PHONE_NUMBER_ID, "limit": "many"})
        assert calls.status_code == 400
