"""G1 × P3: the sandbox holds templates as Meta does: the same endpoints, shapes and
errors; a submission stays PENDING for WHATSAPP_SANDBOX_TEMPLATE_REVIEW_SECONDS, then is
APPROVED or REJECTED with a reason, and its signed webhook reaches our service."""

from __future__ import annotations

import json
import time

import pytest

from sandbox.models import SandboxTemplate, WebhookPost
from templates_app import syncing
from templates_app.composition import compose
from templates_app.models import MessageTemplate
from tests.sandbox.conftest import GRAPH, TOKEN, WABA_ID
from tests.sandbox.test_graph_api import assert_graph_error
from waproject.embedded import runner

URL = f"{GRAPH}/{WABA_ID}/message_templates"


def definition(**overrides):
    return {
        "name": "table_ready",
        "language": "en_US",
        "category": "UTILITY",
        "components": [
            {
                "type": "BODY",
                "text": "Hello {{1}}, your table is ready now.",
                "example": {"body_text": [["Ada"]]},
            }
        ],
        **overrides,
    }


def post(client, body, *, token=TOKEN, url=URL):
    return client.post(
        url, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


@pytest.mark.django_db
class TestGraph:
    def test_create_answers_pending_and_schedules_the_review(
        self, client, business, scheduled, settings, django_capture_on_commit_callbacks
    ):
        settings.WHATSAPP_SANDBOX_TEMPLATE_REVIEW_SECONDS = 1.5
        with django_capture_on_commit_callbacks(execute=True):
            response = post(client, definition())
        assert response.status_code == 200, response.content
        answer = response.json()
        assert (answer["status"], answer["category"]) == ("PENDING", "UTILITY")
        template = SandboxTemplate.objects.get(template_id=answer["id"])
        assert scheduled == [("template_review_task", (template.pk, template.updated_at.isoformat()), 1.5)]

    @pytest.mark.parametrize(
        ("change", "subcode", "said"),
        [
            ({"name": "Table Ready"}, None, "lowercase letters"),
            ({"category": "PROMO"}, None, "category must be one of"),
            (
                {"components": [{"type": "BODY", "text": "Hi"}, {"type": "FOOTER", "text": "Code {{1}}"}]},
                2388073,
                "Footer",
            ),
            (
                {
                    "components": [
                        {"type": "HEADER", "format": "TEXT", "text": "{{1}} and {{2}}"},
                        {"type": "BODY", "text": "Hi"},
                    ]
                },
                2388047,
                "one variable",
            ),
            ({"components": [{"type": "BODY", "text": "x" * 1025}]}, 2388040, "longer than 1024"),
            (
                {
                    "components": [
                        {"type": "BODY", "text": "Hi"},
                        {"type": "BUTTONS", "buttons": [{"type": "TELEPORT"}]},
                    ]
                },
                None,
                "Unknown button type",
            ),
            ({"components": [{"type": "BODY", "text": "Hi {{name}} there"}]}, 2388047, "POSITIONAL"),
            ({"components": [{"type": "FOOTER", "text": "x"}]}, None, "needs a BODY"),
        ],
    )
    def test_a_bad_definition_is_refused_as_meta_refuses_it(self, client, business, change, subcode, said):
        error = assert_graph_error(post(client, definition(**change)), 100)
        assert error.get("error_subcode") == subcode
        assert said in error["error_data"]["details"]
        assert not SandboxTemplate.objects.exists()

    def test_a_name_in_use_and_the_token_of_another_waba(self, client, business):
        assert post(client, definition()).status_code == 200
        error = assert_graph_error(post(client, definition()), 100)
        assert error["error_subcode"] == 2388024
        assert_graph_error(post(client, definition(), token="wrong"), 190, http_status=401)
        assert_graph_error(post(client, definition(), url=f"{GRAPH}/999/message_templates"), 100)

    def test_list_pages_edit_and_delete(self, client, business):
        for n in range(3):
            post(client, definition(name=f"notice_{n}"))
        first = client.get(URL, {"limit": 2}, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").json()
        assert [t["name"] for t in first["data"]] == ["notice_0", "notice_1"]
        assert (
            first["data"][0]["status"] == "PENDING"
            and first["data"][0]["quality_score"]["score"] == "UNKNOWN"
        )
        second = client.get(first["paging"]["next"], HTTP_AUTHORIZATION=f"Bearer {TOKEN}").json()
        assert [t["name"] for t in second["data"]] == ["notice_2"] and "next" not in second["paging"]
        template = SandboxTemplate.objects.get(name="notice_0")
        pending_edit = post(
            client, {"components": definition()["components"]}, url=f"{GRAPH}/{template.template_id}"
        )
        assert "can be edited when APPROVED" in assert_graph_error(pending_edit, 100)["error_data"]["details"]
        SandboxTemplate.objects.filter(pk=template.pk).update(status="APPROVED")
        recategorised = post(client, {"category": "MARKETING"}, url=f"{GRAPH}/{template.template_id}")
        assert "cannot be edited" in assert_graph_error(recategorised, 100)["error_data"]["details"]
        edited = post(
            client,
            {"components": [{"type": "BODY", "text": "Hello {{1}}, it is ready."}]},
            url=f"{GRAPH}/{template.template_id}",
        )
        assert edited.json() == {"success": True}
        deleted = client.delete(f"{URL}?name=notice_1", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert deleted.json() == {"success": True}
        assert SandboxTemplate.objects.get(name="notice_1").status == "DELETED"
        names = [t["name"] for t in client.get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").json()["data"]]
        assert names == ["notice_0", "notice_2"]
        again = post(client, definition(name="notice_1"))
        assert assert_graph_error(again, 100)["error_subcode"] == 2388023


@pytest.mark.django_db(transaction=True)
def test_a_submission_is_approved_after_the_delay_and_our_template_follows(live, business, settings):
    settings.WHATSAPP_SANDBOX_TEMPLATE_REVIEW_SECONDS = 0.4
    good = MessageTemplate(name="table_ready", language="en_US", body="Hello {{1}}, your table is ready now.")
    bad = MessageTemplate(name="table_soon", language="en_US", body="Your table is ready, {{1}}")
    started = time.monotonic()
    for template in (good, bad):
        template.full_clean()
        syncing.template_submit(template=template)
        template.save()
        assert template.status == "PENDING"
    assert runner.wait_idle(15)
    assert time.monotonic() - started >= 0.4
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.status == "APPROVED"
    assert bad.status == "REJECTED"
    assert bad.status_reason == "INVALID_FORMAT: Variables can't be at the start or end of the template."
    posts = WebhookPost.objects.filter(kind=WebhookPost.Kind.TEMPLATE).order_by("pk")
    assert sorted(p.status for p in posts) == ["APPROVED", "REJECTED"] and all(p.ok for p in posts)
    assert json.loads(posts[0].body)["entry"][0]["changes"][0]["field"] == "message_template_status_update"


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "code"), [("PAUSED", 132015), ("DISABLED", 132016), ("PENDING", 132001)])
def test_a_template_meta_holds_unapproved_is_not_sent(graph_send, business, customer_wrote, status, code):
    MessageTemplate.objects.create(
        name="table_ready", language="en_US", status="APPROVED", body="Hello, ready."
    )
    SandboxTemplate.objects.create(
        template_id="71",
        waba_id=WABA_ID,
        name="table_ready",
        language="en_US",
        category="UTILITY",
        status=status,
        components=[],
    )
    customer_wrote()
    response = graph_send(
        {"type": "template", "template": {"name": "table_ready", "language": {"code": "en_US"}}}
    )
    assert_graph_error(response, code)


# --- the Resumable Upload API (a media header's sample) -------------------------------------------

APP_ID = "300000000000999"
PDF = b"%PDF-1.4\n% a menu\n%%EOF\n"


def upload(client, data: bytes, *, file_type="application/pdf", token=TOKEN, length=None, offset="0"):
    opened = client.post(
        f"{GRAPH}/{APP_ID}/uploads?file_name=menu.pdf&file_length={length or len(data)}&file_type={file_type}",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    if opened.status_code != 200:
        return opened
    session = opened.json()["id"]
    assert session.startswith("upload:")
    return client.post(
        f"{GRAPH}/{session}",
        data,
        content_type="application/octet-stream",
        HTTP_AUTHORIZATION=f"OAuth {token}",
        HTTP_FILE_OFFSET=offset,
    )


def media_definition(handle: str, header_format: str = "DOCUMENT") -> dict:
    header = {"type": "HEADER", "format": header_format, "example": {"header_handle": [handle]}}
    return definition(components=[header, *definition()["components"]])


@pytest.mark.django_db
class TestResumableUpload:
    @pytest.fixture(autouse=True)
    def app(self, business):
        business.app_id = APP_ID
        business.save()

    def test_an_uploaded_sample_is_a_documents_header(self, client):
        answer = upload(client, PDF)
        assert answer.status_code == 200, answer.content
        handle = answer.json()["h"]
        created = post(client, media_definition(handle))
        assert created.status_code == 200, created.content
        template = SandboxTemplate.objects.get(template_id=created.json()["id"])
        assert template.components[0]["example"]["header_handle"] == [handle]

    def test_a_media_header_without_a_sample_or_with_the_wrong_one_is_refused(self, client):
        error = assert_graph_error(post(client, media_definition("4::made-up")), 100)
        assert error["error_subcode"] == 2388047
        assert "header_handle" in error["error_data"]["details"]
        handle = upload(client, PDF).json()["h"]
        error = assert_graph_error(post(client, media_definition(handle, "IMAGE")), 100)
        assert "application/pdf" in error["error_data"]["details"]

    @pytest.mark.parametrize(
        ("kwargs", "code", "said"),
        [
            ({"file_type": "image/gif"}, 100, "file_type must be one of"),
            ({"token": "not-the-apps"}, 190, "does not belong to app"),
            ({"length": 5}, 100, "The session is for 5 bytes"),
            ({"offset": "7"}, 100, "file_offset must be 0"),
        ],
    )
    def test_what_meta_refuses(self, client, kwargs, code, said):
        error = assert_graph_error(
            upload(client, PDF, **kwargs), code, http_status=401 if code == 190 else 400
        )
        assert said in error["error_data"]["details"]


@pytest.mark.django_db
def test_a_pulled_templates_place_and_button_values_are_sent(graph_send, business):
    # given a pulled template with a location header and copy code, OTP and flow buttons
    pulled = MessageTemplate.objects.create(
        name="locker_offer",
        language="en_US",
        status=MessageTemplate.Status.APPROVED,
        header_type="location",
        body="Your parcel waits in the locker, {{1}}.",
        buttons=[
            {"type": "copy_code", "example": "SPRING25"},
            {"type": "otp", "otp_type": "copy_code", "text": "Copy code"},
            {"type": "flow", "text": "Rate us", "flow_id": "77"},
        ],
    )
    # when the agent's values are composed and sent
    composed = compose(
        pulled,
        parameters={
            "body": ["Lena"],
            "location": {"latitude": 52.52, "longitude": 13.405, "name": "Locker 12"},
            "buttons": {"0": "SPRING25", "1": "482913", "2": "tok-7"},
        },
    )
    template = {**composed.content["template"], "language": {"code": "en_US"}}  # as the wire sends it
    response = graph_send({"type": "template", "template": template})
    # then "Meta" takes them
    assert response.status_code == 200, response.content
