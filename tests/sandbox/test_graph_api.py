"""P3: the Graph API look-alike refuses what Meta refuses, with Meta's codes, and accepts the rest."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sandbox.models import GraphCall, SandboxChat, SandboxMessage
from templates_app.models import MessageTemplate
from tests.factories import ChannelFactory
from tests.sandbox.conftest import CUSTOMER, GRAPH, PHONE_NUMBER_ID, TOKEN, png_bytes

pytestmark = pytest.mark.django_db


def assert_graph_error(response, code: int, *, http_status: int = 400) -> dict:
    """The response is Meta's error shape with ``code``; return the error object."""
    assert response.status_code == http_status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"].startswith(f"(#{code}) ")
    assert error["type"] in ("OAuthException", "GraphMethodException")
    assert error["fbtrace_id"]
    return error


def upload_png(client, token: str = TOKEN) -> str:
    response = client.post(
        f"{GRAPH}/{PHONE_NUMBER_ID}/media",
        {
            "messaging_product": "whatsapp",
            "type": "image/png",
            "file": SimpleUploadedFile("p.png", png_bytes(), "image/png"),
        },
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200, response.content
    return response.json()["id"]


@pytest.fixture
def order_update(business) -> MessageTemplate:
    """A rich media template with a text header, three body parameters and a dynamic URL button."""
    return MessageTemplate.objects.create(
        name="order_update",
        language="en_US",
        kind=MessageTemplate.Kind.RICH_MEDIA,
        category=MessageTemplate.Category.UTILITY,
        status=MessageTemplate.Status.APPROVED,
        header_type=MessageTemplate.HeaderType.TEXT,
        header_text="Order {{1}}",
        body="Hi {{1}}, your order {{2}} arrives {{3}}.",
        footer="Reply STOP to opt out",
        buttons=[
            {"type": "quick_reply", "text": "Thanks!"},
            {"type": "url", "text": "Track", "url": "https://shop.example/track/{{1}}"},
            {"type": "phone_number", "text": "Call us", "phone_number": "+15550001234"},
        ],
    )


@pytest.fixture
def photo_offer(business) -> MessageTemplate:
    """A marketing template with an image header and no parameters elsewhere."""
    return MessageTemplate.objects.create(
        name="photo_offer",
        language="de",
        kind=MessageTemplate.Kind.RICH_MEDIA,
        category=MessageTemplate.Category.MARKETING,
        status=MessageTemplate.Status.APPROVED,
        header_type=MessageTemplate.HeaderType.IMAGE,
        body="New in store this week!",
    )


def order_update_components(**overrides):
    components = {
        "header": {"type": "header", "parameters": [{"type": "text", "text": "#42"}]},
        "body": {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "Lena"},
                {"type": "text", "text": "#42"},
                {"type": "date_time", "date_time": {"fallback_value": "tomorrow"}},
            ],
        },
        "quick": {
            "type": "button",
            "sub_type": "quick_reply",
            "index": "0",
            "parameters": [{"type": "payload", "payload": "THANKS_42"}],
        },
        "url": {
            "type": "button",
            "sub_type": "url",
            "index": "1",
            "parameters": [{"type": "text", "text": "42"}],
        },
    }
    components.update(overrides)
    return [c for c in components.values() if c is not None]


def template_body(name="order_update", code="en_US", components=None):
    template = {"name": name, "language": {"code": code}}
    if components is not None:
        template["components"] = components
    return {"type": "template", "template": template}


class TestAuthentication:
    def test_a_missing_token_is_a_401_with_code_190(self, graph_send, business):
        error = assert_graph_error(graph_send({"text": {"body": "hi"}}, token=None), 190, http_status=401)
        assert error["type"] == "OAuthException"

    def test_a_wrong_token_is_a_401_with_code_190(self, graph_send, business):
        assert_graph_error(graph_send({"text": {"body": "hi"}}, token="guess"), 190, http_status=401)

    def test_the_token_of_another_number_is_refused(self, graph_send, business):
        ChannelFactory(phone_number_id="100000000000002", access_token="other-token")
        assert_graph_error(graph_send({"text": {"body": "hi"}}, token="other-token"), 190, http_status=401)

    def test_an_inactive_number_takes_no_calls(self, graph_send, business):
        business.is_active = False
        business.save()
        assert_graph_error(graph_send({"text": {"body": "hi"}}), 190, http_status=401)

    def test_an_unknown_phone_number_id_is_code_100(self, graph_send, business):
        error = assert_graph_error(graph_send({"text": {"body": "hi"}}, phone_number_id="999"), 100)
        assert error["type"] == "GraphMethodException"
        assert "'999' does not exist" in error["message"]

    def test_the_bearer_token_may_come_as_access_token_parameter(self, client, business, customer_wrote):
        customer_wrote()
        body = {"messaging_product": "whatsapp", "to": CUSTOMER, "text": {"body": "hi"}}
        response = client.post(
            f"{GRAPH}/{PHONE_NUMBER_ID}/messages?access_token={TOKEN}",
            json.dumps(body),
            content_type="application/json",
        )
        assert response.status_code == 200

    def test_other_methods_and_unknown_paths_answer_in_graph_shape(self, client, business):
        assert_graph_error(client.get(f"{GRAPH}/{PHONE_NUMBER_ID}/messages"), 100)
        error = assert_graph_error(client.get("/sandbox/graph/v23.0/x/y/z"), 2500)
        assert "Unknown path components" in error["message"]


BAD_BODIES = [
    # (description, body, code)
    ("messaging_product missing", {"to": CUSTOMER, "text": {"body": "x"}}, 100),
    ("messaging_product wrong", {"messaging_product": "sms", "to": CUSTOMER, "text": {"body": "x"}}, 100),
    ("no recipient", {"messaging_product": "whatsapp", "text": {"body": "x"}}, 131008),
    (
        "recipient not a phone number",
        {"messaging_product": "whatsapp", "to": "lena", "text": {"body": "x"}},
        100,
    ),
    (
        "recipient is the sender",
        {"messaging_product": "whatsapp", "to": "+1 555 000 1234", "text": {"body": "x"}},
        131021,
    ),
    (
        "group recipient",
        {"messaging_product": "whatsapp", "to": CUSTOMER, "recipient_type": "group", "text": {"body": "x"}},
        131009,
    ),
]


def body(**fields):
    return fields


BAD_MESSAGES = [
    ("unknown type", body(type="poll", poll={}), 131051),
    ("type without its object", body(type="image"), 131008),
    ("text without body", body(type="text", text={}), 131008),
    ("empty text", body(type="text", text={"body": ""}), 131009),
    ("text too long", body(type="text", text={"body": "x" * 4097}), 131009),
    ("preview_url not a boolean", body(type="text", text={"body": "x", "preview_url": "yes"}), 131009),
    (
        "media with id and link",
        body(type="image", image={"id": "1", "link": "https://x.example/a.png"}),
        131009,
    ),
    ("media with neither", body(type="image", image={"caption": "x"}), 131008),
    ("unknown media id", body(type="image", image={"id": "1234567890123456"}), 131053),
    ("javascript link", body(type="document", document={"link": "javascript:alert(1)"}), 131009),
    (
        "caption too long",
        body(type="video", video={"link": "https://x.example/v.mp4", "caption": "c" * 1025}),
        131009,
    ),
    ("location without longitude", body(type="location", location={"latitude": 1}), 131008),
    ("latitude out of range", body(type="location", location={"latitude": 91, "longitude": 0}), 131009),
    ("contact without name", body(type="contacts", contacts=[{"phones": []}]), 131008),
    ("reaction without message_id", body(type="reaction", reaction={"emoji": "👍"}), 131008),
    ("reaction with text", body(type="reaction", reaction={"message_id": "wamid.x", "emoji": "ok"}), 131009),
    (
        "reaction as a reply",
        body(
            type="reaction",
            context={"message_id": "wamid.y"},
            reaction={"message_id": "wamid.x", "emoji": "👍"},
        ),
        131009,
    ),
    (
        "interactive without body",
        body(type="interactive", interactive={"type": "button", "action": {}}),
        131008,
    ),
    (
        "interactive flow",
        body(type="interactive", interactive={"type": "flow", "body": {"text": "x"}, "action": {}}),
        131009,
    ),
]


def buttons(*titles, ids=None):
    ids = ids or [f"id{n}" for n in range(len(titles))]
    return {
        "type": "button",
        "body": {"text": "Pick one"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": i, "title": t}} for i, t in zip(ids, titles, strict=True)
            ]
        },
    }


def rows(count, title="Row"):
    return {
        "type": "list",
        "body": {"text": "Pick one"},
        "action": {
            "button": "Options",
            "sections": [
                {"title": "All", "rows": [{"id": f"r{n}", "title": f"{title}{n}"} for n in range(count)]}
            ],
        },
    }


BAD_INTERACTIVE = [
    ("no buttons", {**buttons("a"), "action": {"buttons": []}}),
    ("four buttons", buttons("a", "b", "c", "d")),
    ("duplicate titles", buttons("Yes", "Yes")),
    ("duplicate ids", buttons("Yes", "No", ids=["same", "same"])),
    ("button title over 20", buttons("x" * 21)),
    ("footer over 60", {**buttons("a"), "footer": {"text": "f" * 61}}),
    ("eleven list rows", rows(11)),
    ("row title over 24", rows(1, title="t" * 24)),
    (
        "list button label over 20",
        {**rows(1), "action": {"button": "b" * 21, "sections": rows(1)["action"]["sections"]}},
    ),
    (
        "list media header",
        {**rows(1), "header": {"type": "image", "image": {"link": "https://x.example/a.png"}}},
    ),
    (
        "cta_url javascript url",
        {
            "type": "cta_url",
            "body": {"text": "x"},
            "action": {"name": "cta_url", "parameters": {"display_text": "Go", "url": "javascript:x"}},
        },
    ),
]


class TestValidation:
    @pytest.mark.parametrize(("description", "payload", "code"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
    def test_envelope_problems_get_meta_codes(self, graph_send, business, description, payload, code):
        assert_graph_error(graph_send(payload, raw=True), code)

    @pytest.mark.parametrize(
        ("description", "payload", "code"), BAD_MESSAGES, ids=[b[0] for b in BAD_MESSAGES]
    )
    def test_message_problems_get_meta_codes(self, graph_send, business, description, payload, code):
        error = assert_graph_error(graph_send(payload), code)
        assert error["error_data"]["messaging_product"] == "whatsapp"
        assert error["error_data"]["details"]

    @pytest.mark.parametrize(
        ("description", "interactive"), BAD_INTERACTIVE, ids=[b[0] for b in BAD_INTERACTIVE]
    )
    def test_interactive_limits_are_131009(self, graph_send, business, description, interactive):
        assert_graph_error(graph_send({"type": "interactive", "interactive": interactive}), 131009)

    def test_a_body_that_is_not_json_is_code_100(self, graph_send, business):
        assert_graph_error(graph_send("{not json", raw=True), 100)
        assert_graph_error(graph_send("[1, 2]", raw=True), 100)

    def test_media_of_the_wrong_kind_is_131053(self, client, graph_send, business):
        media_id = upload_png(client)
        error = assert_graph_error(graph_send({"type": "audio", "audio": {"id": media_id}}), 131053)
        assert "image/png" in error["error_data"]["details"]

    def test_media_uploaded_to_another_number_is_131053(self, client, graph_send, business):
        other = ChannelFactory(phone_number_id="100000000000002", access_token="other-token")
        response = client.post(
            f"{GRAPH}/{other.phone_number_id}/media",
            {"messaging_product": "whatsapp", "file": SimpleUploadedFile("p.png", png_bytes(), "image/png")},
            HTTP_AUTHORIZATION="Bearer other-token",
        )
        assert_graph_error(graph_send({"type": "image", "image": {"id": response.json()["id"]}}), 131053)

    def test_refused_sends_record_nothing_but_the_call(self, graph_send, business):
        graph_send({"type": "poll", "poll": {}})
        assert SandboxMessage.objects.count() == 0
        call = GraphCall.objects.get()
        assert (call.response_status, call.error_code, call.channel) == (400, 131051, business)
        assert call.request_body["type"] == "poll"


class TestTemplateValidation:
    def test_an_unknown_template_is_132001(self, graph_send, business):
        error = assert_graph_error(graph_send(template_body(name="nope")), 132001)
        assert "nope" in error["error_data"]["details"]

    def test_a_template_not_approved_is_132001(self, graph_send, order_update):
        order_update.status = MessageTemplate.Status.PENDING
        order_update.save()
        assert_graph_error(graph_send(template_body(components=order_update_components())), 132001)

    def test_another_numbers_template_is_132001(self, graph_send, order_update):
        order_update.channel = ChannelFactory(phone_number_id="100000000000002")
        order_update.save()
        assert_graph_error(graph_send(template_body(components=order_update_components())), 132001)

    def test_an_interactive_kind_is_not_a_template(self, graph_send, business):
        MessageTemplate.objects.create(
            name="satisfaction", kind=MessageTemplate.Kind.REPLY_BUTTONS, status="APPROVED", body="Ok?"
        )
        assert_graph_error(graph_send(template_body(name="satisfaction", components=[])), 132001)

    def test_a_wrong_language_is_132001(self, graph_send, order_update):
        assert_graph_error(graph_send(template_body(code="de", components=order_update_components())), 132001)

    def test_too_few_body_parameters_is_132000(self, graph_send, order_update):
        components = order_update_components(
            body={"type": "body", "parameters": [{"type": "text", "text": "Lena"}]}
        )
        error = assert_graph_error(graph_send(template_body(components=components)), 132000)
        assert "body" in error["error_data"]["details"]

    def test_a_missing_header_parameter_is_132000(self, graph_send, order_update):
        assert_graph_error(graph_send(template_body(components=order_update_components(header=None))), 132000)

    def test_a_header_parameter_where_there_is_no_header_is_132000(self, graph_send, business):
        MessageTemplate.objects.create(name="plain", status="APPROVED", body="Hello")
        header = {"type": "header", "parameters": [{"type": "text", "text": "x"}]}
        assert_graph_error(graph_send(template_body(name="plain", components=[header])), 132000)

    def test_a_media_header_without_its_parameter_is_132012(self, graph_send, photo_offer):
        error = assert_graph_error(
            graph_send(template_body(name="photo_offer", code="de", components=[])), 132012
        )
        assert "expected IMAGE" in error["error_data"]["details"]

    def test_a_media_header_with_a_text_parameter_is_132012(self, graph_send, photo_offer):
        header = {"type": "header", "parameters": [{"type": "text", "text": "x"}]}
        error = assert_graph_error(
            graph_send(template_body(name="photo_offer", code="de", components=[header])), 132012
        )
        assert "received TEXT" in error["error_data"]["details"]

    def test_an_image_as_a_body_parameter_is_132012(self, graph_send, order_update):
        parameters = [{"type": "image", "image": {"link": "https://x.example/a.png"}}] * 3
        components = order_update_components(body={"type": "body", "parameters": parameters})
        assert_graph_error(graph_send(template_body(components=components)), 132012)

    def test_a_dynamic_url_button_without_its_component_is_131008(self, graph_send, order_update):
        error = assert_graph_error(
            graph_send(template_body(components=order_update_components(url=None))), 131008
        )
        assert "index 1" in error["error_data"]["details"]

    def test_a_url_button_with_two_parameters_is_132000(self, graph_send, order_update):
        url = {
            "type": "button",
            "sub_type": "url",
            "index": "1",
            "parameters": [{"type": "text", "text": "a"}] * 2,
        }
        assert_graph_error(graph_send(template_body(components=order_update_components(url=url))), 132000)

    def test_a_button_component_of_the_wrong_sub_type_is_131009(self, graph_send, order_update):
        url = {"type": "button", "sub_type": "quick_reply", "index": "1", "parameters": []}
        assert_graph_error(graph_send(template_body(components=order_update_components(url=url))), 131009)

    def test_a_button_index_beyond_the_template_is_131009(self, graph_send, order_update):
        extra = {"type": "button", "sub_type": "url", "index": "7", "parameters": []}
        assert_graph_error(graph_send(template_body(components=[*order_update_components(), extra])), 131009)

    def test_a_body_longer_than_1024_once_filled_is_132005(self, graph_send, order_update):
        components = order_update_components(
            body={"type": "body", "parameters": [{"type": "text", "text": "x" * 1000}] * 3}
        )
        assert_graph_error(graph_send(template_body(components=components)), 132005)


class TestValidSends:
    """Each accepted send: Meta's answer shape, the record, and the statuses it schedules."""

    def test_a_text_is_accepted_recorded_and_its_statuses_scheduled(
        self, graph_send, business, customer_wrote, scheduled
    ):
        # given
        customer_wrote()
        # when
        response = graph_send({"to": "+49 151-1234 5678", "text": {"body": "Hello Lena"}})
        # then
        assert response.status_code == 200
        answer = response.json()
        assert answer["messaging_product"] == "whatsapp"
        assert answer["contacts"] == [{"input": "+49 151-1234 5678", "wa_id": CUSTOMER}]
        wamid = answer["messages"][0]["id"]
        assert wamid.startswith("wamid.SBX") and len(wamid) > 30
        message = SandboxMessage.objects.get(wamid=wamid)
        assert (message.direction, message.type, message.content) == (
            "business",
            "text",
            {"body": "Hello Lena"},
        )
        assert message.status == "accepted" and message.error_code is None
        assert message.chat.wa_id == CUSTOMER
        assert scheduled == [
            ("message_status_advance_task", (message.pk, "sent"), 0.2),
            ("message_status_advance_task", (message.pk, "delivered"), 0.5),
        ]
        call = GraphCall.objects.get()
        assert (call.method, call.response_status, call.wamid) == ("POST", 200, wamid)
        assert call.request_body["text"] == {"body": "Hello Lena"}
        assert "Authorization" not in json.dumps(call.request_body)

    def test_ids_are_unique(self, graph_send, business, customer_wrote):
        customer_wrote()
        ids = {graph_send({"text": {"body": str(n)}}).json()["messages"][0]["id"] for n in range(5)}
        assert len(ids) == 5

    def test_status_delays_come_from_settings(
        self, graph_send, business, customer_wrote, scheduled, settings
    ):
        customer_wrote()
        settings.WHATSAPP_SANDBOX_STATUS_DELAYS = (1.5, 3)
        settings.WHATSAPP_SANDBOX_AUTO_READ_SECONDS = 4
        graph_send({"text": {"body": "x"}})
        assert [(args[1], countdown) for _, args, countdown in scheduled] == [
            ("sent", 1.5),
            ("delivered", 3.0),
            ("read", 4.0),
        ]

    @pytest.mark.parametrize(
        ("message_type", "content"),
        [
            ("image", {"link": "https://cdn.example/p.jpg", "caption": "Your parcel"}),
            ("video", {"link": "https://cdn.example/v.mp4"}),
            ("audio", {"link": "https://cdn.example/a.ogg"}),
            (
                "document",
                {"link": "https://cdn.example/i.pdf", "filename": "invoice.pdf", "caption": "Invoice"},
            ),
            ("sticker", {"link": "https://cdn.example/s.webp"}),
            ("location", {"latitude": "52.52", "longitude": 13.405, "name": "Depot", "address": "Berlin"}),
            ("contacts", [{"name": {"formatted_name": "Support"}, "phones": [{"phone": "+15550001234"}]}]),
            ("reaction", {"message_id": "wamid.customer", "emoji": "👍"}),
            ("reaction", {"message_id": "wamid.customer", "emoji": ""}),
            ("interactive", buttons("Yes", "No", "Later")),
            (
                "interactive",
                {**rows(10), "header": {"type": "text", "text": "Shipping"}, "footer": {"text": "VAT incl."}},
            ),
            (
                "interactive",
                {
                    "type": "cta_url",
                    "body": {"text": "Track it"},
                    "action": {
                        "name": "cta_url",
                        "parameters": {"display_text": "Track", "url": "https://x.example/t"},
                    },
                },
            ),
        ],
    )
    def test_every_type_is_accepted_and_recorded(
        self, graph_send, business, customer_wrote, message_type, content
    ):
        customer_wrote()
        response = graph_send(
            {"type": message_type, message_type: content, "biz_opaque_callback_data": "tracker"}
        )
        assert response.status_code == 200, response.content
        message = SandboxMessage.objects.get(wamid=response.json()["messages"][0]["id"])
        assert (message.type, message.content) == (message_type, content)
        assert message.request["biz_opaque_callback_data"] == "tracker"

    def test_uploaded_media_is_sent_by_id_and_replies_keep_their_context(
        self, client, graph_send, business, customer_wrote
    ):
        customer_wrote()
        media_id = upload_png(client)
        response = graph_send(
            {"type": "image", "image": {"id": media_id}, "context": {"message_id": "wamid.q"}}
        )
        assert response.status_code == 200, response.content
        message = SandboxMessage.objects.get(wamid=response.json()["messages"][0]["id"])
        assert message.context_wamid == "wamid.q"

    def test_a_template_is_rendered_with_its_parameters(self, graph_send, order_update):
        # en-US and en_US are the same language (Meta writes both)
        response = graph_send(template_body(code="en-US", components=order_update_components()))
        assert response.status_code == 200, response.content
        message = SandboxMessage.objects.get(wamid=response.json()["messages"][0]["id"])
        assert message.rendered == {
            "name": "order_update",
            "language": "en_US",
            "header": {"type": "text", "text": "Order #42"},
            "body": "Hi Lena, your order #42 arrives tomorrow.",
            "footer": "Reply STOP to opt out",
            "buttons": [
                {"type": "quick_reply", "text": "Thanks!", "payload": "THANKS_42"},
                {"type": "url", "text": "Track", "url": "https://shop.example/track/42"},
                {"type": "phone_number", "text": "Call us", "phone_number": "+15550001234"},
            ],
        }
        assert message.category == "utility"

    def test_a_template_of_this_number_wins_over_one_for_every_number(self, graph_send, business):
        MessageTemplate.objects.create(name="hello", status="APPROVED", body="Hello from anywhere")
        MessageTemplate.objects.create(
            name="hello", status="APPROVED", body="Hello from us", channel=business
        )
        response = graph_send(template_body(name="hello", components=[]))
        assert (
            SandboxMessage.objects.get(wamid=response.json()["messages"][0]["id"]).rendered["body"]
            == "Hello from us"
        )

    def test_a_quick_reply_without_payload_answers_with_its_label(self, graph_send, order_update):
        response = graph_send(template_body(components=order_update_components(quick=None)))
        buttons_ = SandboxMessage.objects.get(wamid=response.json()["messages"][0]["id"]).rendered["buttons"]
        assert buttons_[0]["payload"] == "Thanks!"

    def test_a_media_header_template_takes_an_uploaded_image(self, client, graph_send, photo_offer):
        media_id = upload_png(client)
        header = {"type": "header", "parameters": [{"type": "image", "image": {"id": media_id}}]}
        response = graph_send(template_body(name="photo_offer", code="de", components=[header]))
        assert response.status_code == 200, response.content
        message = SandboxMessage.objects.get(wamid=response.json()["messages"][0]["id"])
        assert message.rendered["header"] == {"type": "image", "image": {"id": media_id}}
        assert message.category == "marketing"


class TestServiceWindow:
    def test_free_form_to_a_customer_who_never_wrote_is_accepted_then_doomed(
        self, graph_send, business, scheduled
    ):
        response = graph_send({"text": {"body": "Hi"}})
        assert response.status_code == 200
        message = SandboxMessage.objects.get()
        assert message.error_code == 131047
        assert message.error_details.startswith("Message failed to send because more than 24 hours")
        # only "sent" is scheduled: it turns into the failed status
        assert [args[1] for _, args, _ in scheduled] == ["sent"]

    def test_free_form_after_more_than_24_hours_is_doomed(self, graph_send, business, customer_wrote):
        customer_wrote(ago=timedelta(hours=24, minutes=1))
        graph_send({"text": {"body": "Hi"}})
        assert SandboxMessage.objects.get().error_code == 131047

    def test_within_24_hours_it_is_not(self, graph_send, business, customer_wrote):
        customer_wrote(ago=timedelta(hours=23, minutes=59))
        graph_send({"text": {"body": "Hi"}})
        assert SandboxMessage.objects.get().error_code is None

    def test_a_template_needs_no_window(self, graph_send, order_update):
        graph_send(template_body(components=order_update_components()))
        assert SandboxMessage.objects.get().error_code is None


class TestMarkAsRead:
    def make_customer_messages(self, business, count=3):
        chat = SandboxChat.objects.create(channel=business, wa_id=CUSTOMER)
        return [
            SandboxMessage.objects.create(
                chat=chat, wamid=f"wamid.in{n}", direction="customer", type="text", content={"body": str(n)}
            )
            for n in range(count)
        ]

    def test_it_marks_the_customers_messages_up_to_that_one_read(
        self, graph_send, business, django_capture_on_commit_callbacks
    ):
        _first, second, _third = self.make_customer_messages(business)
        with django_capture_on_commit_callbacks() as callbacks:
            response = graph_send({"status": "read", "message_id": second.wamid})
        assert response.status_code == 200
        assert response.json() == {"success": True}
        assert [m.business_read_at is not None for m in SandboxMessage.objects.order_by("id")] == [
            True,
            True,
            False,
        ]
        assert len(callbacks) == 1  # the phone page hears about it after commit
        assert SandboxChat.objects.get().business_typing_until is None

    def test_a_typing_indicator_shows_for_about_25_seconds(self, graph_send, business):
        (message,) = self.make_customer_messages(business, 1)
        graph_send({"status": "read", "message_id": message.wamid, "typing_indicator": {"type": "text"}})
        chat = SandboxChat.objects.get()
        remaining = (chat.business_typing_until - message.created_at).total_seconds()
        assert 24 < remaining < 27

    def test_a_reply_ends_the_typing_indicator(self, graph_send, business, customer_wrote):
        (message,) = self.make_customer_messages(business, 1)
        customer_wrote()
        graph_send({"status": "read", "message_id": message.wamid, "typing_indicator": {"type": "text"}})
        graph_send({"text": {"body": "Here I am"}})
        assert SandboxChat.objects.get().business_typing_until is None

    def test_an_unknown_message_is_code_100(self, graph_send, business):
        assert_graph_error(graph_send({"status": "read", "message_id": "wamid.nope"}), 100)

    @pytest.mark.parametrize(
        ("fields", "code"),
        [
            ({"status": "delivered", "message_id": "wamid.in0"}, 131009),
            ({"status": "read"}, 131008),
            ({"status": "read", "message_id": "wamid.in0", "typing_indicator": {"type": "audio"}}, 131009),
        ],
    )
    def test_bad_mark_as_read_bodies(self, graph_send, business, fields, code):
        self.make_customer_messages(business, 1)
        assert_graph_error(graph_send(fields), code)
