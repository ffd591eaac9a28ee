"""G1 on the wire: Meta's template objects, pages and webhooks read into the product's
words; the creation body built from them; a pull follows the pages."""

from __future__ import annotations

import httpx
import pytest

from tests import meta_templates as mt
from tests.graph_standin import start_graph_standin
from whatsapp.client import CloudApiClient
from whatsapp.errors import CloudApiError
from whatsapp.templates import (
    template_components,
    template_create_body,
    template_error_field,
    template_page_parse,
    template_parse,
    template_update_parse,
)


def test_every_part_of_a_named_template_is_read():
    record = template_parse(mt.ORDER_SHIPPED)
    assert (record.id, record.name, record.language, record.status) == (
        "1689556908129832",
        "order_shipped",
        "en_US",
        "APPROVED",
    )
    assert (record.parameter_format, record.quality_score, record.category) == ("NAMED", "GREEN", "UTILITY")
    assert (record.header_format, record.header_text) == ("text", "Order {{order_id}}")
    assert record.body == "Hi {{first_name}}, your parcel is on its way."
    assert record.footer == "Reply STOP to opt out"
    assert [b["type"] for b in record.buttons] == ["url", "phone_number", "copy_code"]
    assert record.buttons[0]["url"] == "https://shop.example/t/{{1}}"
    assert record.problems == []


@pytest.mark.parametrize(
    ("obj", "header"),
    [
        (mt.SPRING_SALE, "image"),
        (mt.STORE_LOCATION, "location"),
        (mt.WELCOME_VIDEO, "video"),
        (mt.INVOICE, "document"),
    ],
)
def test_every_header_format(obj, header):
    assert template_parse(obj).header_format == header


def test_status_quality_and_rejection_reason():
    paused = template_parse(mt.SPRING_SALE)
    assert (paused.status, paused.quality_score, paused.parameter_format) == ("PAUSED", "RED", "POSITIONAL")
    assert [b["type"] for b in paused.buttons] == ["quick_reply", "flow"]
    assert template_parse(mt.STORE_LOCATION).rejected_reason == "INVALID_FORMAT"
    assert template_parse({**mt.STORE_LOCATION, "rejected_reason": "NONE"}).rejected_reason == ""


def test_an_unknown_component_keeps_the_template_and_marks_it():
    record = template_parse(mt.CAROUSEL)
    assert record.body == "See our picks"
    assert record.problems == ["component type 'CAROUSEL' is not supported"]
    assert record.components == mt.CAROUSEL["components"]


def test_a_page_skips_what_is_no_template_and_says_so():
    page = template_page_parse(
        mt.page([mt.ORDER_SHIPPED, "junk", {"id": "1"}], after="c2", next_url="https://x/next")
    )
    assert [t.name for t in page.templates] == ["order_shipped"]
    assert page.problems == [
        "data[1]: a template is not a JSON object",
        "data[2]: template 1 has no name or language",
    ]
    assert (page.after, page.next_url) == ("c2", "https://x/next")
    with pytest.raises(ValueError, match="no data list"):
        template_page_parse({"error": {}})


def test_the_creation_body_carries_examples_and_meta_button_types():
    components = template_components(
        parameter_format="NAMED",
        header_format="text",
        header_text="Order {{order_id}}",
        body="Hi {{first_name}}, order {{order_id}} ships",
        footer="Bye",
        buttons=[
            {"type": "url", "text": "Track", "url": "https://s.example/{{1}}"},
            {"type": "quick_reply", "text": "OK"},
        ],
    )
    body = template_create_body(
        name="order_shipped",
        language="en_US",
        category="UTILITY",
        parameter_format="NAMED",
        components=components,
    )
    assert body["parameter_format"] == "NAMED"
    header, text, footer, buttons = body["components"]
    assert header["example"] == {
        "header_text_named_params": [{"param_name": "order_id", "example": "sample order id"}]
    }
    assert [p["param_name"] for p in text["example"]["body_text_named_params"]] == ["first_name", "order_id"]
    assert footer == {"type": "FOOTER", "text": "Bye"}
    assert [b["type"] for b in buttons["buttons"]] == ["URL", "QUICK_REPLY"]
    assert buttons["buttons"][0]["example"] == ["https://s.example/sample"]
    positional = template_components(
        parameter_format="POSITIONAL",
        header_format="none",
        header_text="",
        body="Hi {{1}} {{2}}",
        footer="",
        buttons=[],
    )
    assert positional == [
        {"type": "BODY", "text": "Hi {{1}} {{2}}", "example": {"body_text": [["sample 1", "sample 2"]]}}
    ]


def test_meta_refusals_name_their_field():
    assert template_error_field(2388299, "Variables can't be at the start or end of the template.") == "body"
    assert template_error_field(2388073, "Footer format incorrect") == "footer"
    assert template_error_field(2388040, "The header text is too long") == "header_text"
    assert template_error_field(2388024, "Content in this language already exists") == "name"
    assert template_error_field(None, "something else") is None


class TestWebhooks:
    def test_status(self):
        value = {
            "event": "REJECTED",
            "message_template_id": 12,
            "message_template_name": "a",
            "message_template_language": "en-US",
            "reason": "INVALID_FORMAT",
            "rejection_info": {"reason": "Variables at the end", "recommendation": "Add text"},
        }
        update = template_update_parse("message_template_status_update", value)
        assert (update.template_id, update.language, update.status) == ("12", "en_US", "REJECTED")
        assert update.reason == "INVALID_FORMAT: Variables at the end"

    def test_quality_and_category(self):
        quality = template_update_parse(
            "message_template_quality_update", {"new_quality_score": "YELLOW", "message_template_id": 12}
        )
        assert quality.quality_score == "YELLOW"
        impending = template_update_parse(
            "template_category_update",
            {"message_template_id": 12, "new_category": "UTILITY", "correct_category": "MARKETING"},
        )
        assert (impending.category, impending.upcoming_category) == ("UTILITY", "MARKETING")
        done = template_update_parse(
            "template_category_update",
            {"message_template_id": 12, "new_category": "MARKETING", "previous_category": "UTILITY"},
        )
        assert (done.category, done.upcoming_category) == ("MARKETING", "")

    @pytest.mark.parametrize(
        "value",
        [
            [],
            {"event": "APPROVED"},
            {"event": "NOPE", "message_template_id": 1},
            {"event": "APPROVED", "message_template_id": True},
        ],
    )
    def test_wrong_shapes_are_refused_plainly(self, value):
        with pytest.raises(ValueError):
            template_update_parse("message_template_status_update", value)


@pytest.fixture
def graph():
    standin = start_graph_standin()
    yield standin
    standin.close()


def test_a_pull_follows_the_pages(graph):
    with CloudApiClient(
        access_token="t", phone_number_id="1", base_url=graph.base_url, api_version="v23.0"
    ) as client:
        graph.reply_json(
            200,
            mt.page(
                [mt.ORDER_SHIPPED],
                after="c1",
                next_url=f"{graph.base_url}/v23.0/55/message_templates?after=c1",
            ),
        )
        graph.reply_json(
            200, mt.page([mt.SPRING_SALE], after="c2", next_url="https://elsewhere.example/next")
        )
        graph.reply_json(200, mt.page([mt.CAROUSEL, 7]))
        templates, problems = client.message_templates_all("55")
    assert [t.name for t in templates] == ["order_shipped", "spring_sale", "autumn_carousel"]
    assert problems == ["data[1]: a template is not a JSON object"]
    first, second, third = graph.requests
    assert first.path.startswith("/v23.0/55/message_templates?") and "fields=" in first.path
    assert second.path == "/v23.0/55/message_templates?after=c1"
    # a next link to another host is not followed with our token: the cursor is used
    assert "after=c2" in third.path and third.path.startswith("/v23.0/55/message_templates")


def test_create_edit_delete_and_a_refusal(graph):
    with CloudApiClient(
        access_token="t", phone_number_id="1", base_url=graph.base_url, api_version="v23.0"
    ) as client:
        graph.reply_json(200, {"id": "991", "status": "PENDING", "category": "UTILITY"})
        assert client.template_create("55", {"name": "x"}) == {
            "id": "991",
            "status": "PENDING",
            "category": "UTILITY",
        }
        graph.reply_json(200, {"success": True})
        client.template_edit("991", {"components": []})
        graph.reply_json(200, {"success": True})
        client.template_delete("55", name="x", template_id="991")
        graph.reply_json(
            400,
            {
                "error": {
                    "message": "(#100) Invalid parameter",
                    "code": 100,
                    "error_subcode": 2388299,
                    "error_user_msg": "Variables can't be at the start or end of the template.",
                }
            },
        )
        with pytest.raises(CloudApiError) as raised:
            client.template_create("55", {"name": "x"})
    assert (raised.value.code, raised.value.subcode) == (100, 2388299)
    assert "start or end" in raised.value.details
    methods = [(r.method, r.path) for r in graph.requests]
    assert methods == [
        ("POST", "/v23.0/55/message_templates"),
        ("POST", "/v23.0/991"),
        ("DELETE", "/v23.0/55/message_templates?name=x&hsm_id=991"),
        ("POST", "/v23.0/55/message_templates"),
    ]


def test_a_media_headers_sample_goes_through_the_resumable_upload():
    seen: list[httpx.Request] = []

    def meta(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/uploads"):
            return httpx.Response(200, json={"id": "upload:MTphdHRhY2htZW50:abc?sig=1"})
        return httpx.Response(200, json={"h": "4::aW1hZ2U="})

    client = CloudApiClient(
        access_token="tok",
        phone_number_id="1",
        base_url="https://graph.example",
        api_version="v23.0",
        transport=httpx.MockTransport(meta),
    )
    handle = client.template_sample_upload("42", data=b"\x89PNG", file_type="image/png", file_name="a.png")
    assert handle == "4::aW1hZ2U="
    start, send = seen
    assert start.method == "POST" and start.headers["authorization"] == "Bearer tok"
    assert dict(start.url.params) == {"file_name": "a.png", "file_length": "4", "file_type": "image/png"}
    assert send.url.raw_path.decode() == "/v23.0/upload:MTphdHRhY2htZW50:abc?sig=1"
    assert (send.headers["authorization"], send.headers["file_offset"]) == ("OAuth tok", "0")
    assert send.content == b"\x89PNG"


def test_a_media_header_carries_its_sample_handle():
    components = template_components(
        parameter_format="POSITIONAL",
        header_format="document",
        header_text="",
        body="Your menu.",
        footer="",
        buttons=[],
        header_handle="4::aGFuZGxl",
    )
    assert components[0] == {
        "type": "HEADER",
        "format": "DOCUMENT",
        "example": {"header_handle": ["4::aGFuZGxl"]},
    }
