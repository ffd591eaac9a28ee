"""A body field the endpoint does not take is refused, not ignored: a misspelled
``reason_code`` set the agent Not Ready without the reason, a ``notes`` closed the
conversation without the note. The 400 is ``invalid``, ``fields`` names each unknown
field, the message the accepted ones (like an unknown query filter), and nothing is
written. What the console really sends still passes."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from PIL import Image
from rest_framework import serializers

from audit.models import AuditEntry
from conversations.api.inputs import BodySerializer, IdField
from conversations.models import (
    AgentProfile,
    Attachment,
    Contact,
    Interaction,
    InteractionNote,
    Message,
)
from templates_app.models import MessageTemplate
from tests.factories import (
    AgentProfileFactory,
    UserFactory,
    grant,
)
from workbins.models import WorkbinItem

pytestmark = pytest.mark.django_db


def send(api, method: str, url: str, payload: dict[str, Any], **headers: str):
    return getattr(api, method)(url, json.dumps(payload), content_type="application/json", headers=headers)


def refusal(response) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    return error


# --- one endpoint of each app that takes a body: refused, and nothing written --------------


def test_a_misspelled_not_ready_reason_is_refused_and_the_agent_stays_ready(client):
    supervisor = grant(UserFactory(username="sue", is_staff=True), "supervise_interactions")
    lena = AgentProfileFactory(user=UserFactory(username="lena"))
    AgentProfile.objects.filter(pk=lena.pk).update(is_ready=True)
    client.force_login(supervisor)

    response = send(client, "post", f"/api/v1/agents/{lena.user_id}/not-ready/", {"reason_code": "Coaching"})

    error = refusal(response)
    assert error["message"] == "reason_code: unknown field; the body takes reason"
    assert error["fields"] == {"reason_code": ["unknown field; the body takes reason"]}
    assert AgentProfile.objects.get(pk=lena.pk).is_ready is True
    assert not AuditEntry.objects.filter(action="agent.intervene").exists()


def test_done_with_a_misspelled_note_is_refused_and_the_conversation_stays_open(api, interaction):
    response = send(api, "post", f"/api/v1/interactions/{interaction.pk}/done/", {"notes": "called back"})

    assert refusal(response)["message"] == "notes: unknown field; the body takes disposition, note"
    interaction.refresh_from_db()
    assert interaction.state == Interaction.State.ACTIVE


def test_every_unknown_field_is_named(api, interaction):
    url = f"/api/v1/interactions/{interaction.pk}/messages/"
    messages = Message.objects.count()

    response = send(api, "post", url, {"type": "text", "body": "Hi", "reply_to_id": 1, "quote": True})

    error = refusal(response)
    assert list(error["fields"]) == ["quote", "reply_to_id"]
    assert error["message"].startswith("quote: unknown field; the body takes type, body, preview_url, ")
    assert Message.objects.count() == messages


def test_a_contact_edit_with_an_unknown_field_changes_nothing(api, interaction):
    contact = interaction.contact
    response = send(
        api, "patch", f"/api/v1/contacts/{contact.pk}/", {"name": "Ann", "emial": "ann@example.com"}
    )

    assert list(refusal(response)["fields"]) == ["emial"]
    contact.refresh_from_db()
    assert (contact.name, contact.email) == ("", "")


def test_case_data_beside_an_unknown_field_is_not_saved(api, interaction):
    response = send(
        api,
        "patch",
        f"/api/v1/interactions/{interaction.pk}/case-data/",
        {"case_data": {"order": "B-2"}, "merge": True},
    )

    assert list(refusal(response)["fields"]) == ["merge"]
    interaction.refresh_from_db()
    assert interaction.case_data == {"order": "A-1"}


def test_an_outbound_session_with_an_unknown_field_starts_nothing(api, alice):
    interactions = Interaction.objects.count()
    response = send(
        api, "post", "/api/v1/outbound-sessions/", {"phone": "+49 151 1234567", "template_id": 1, "queue": 2}
    )

    assert list(refusal(response)["fields"]) == ["queue"]
    assert Interaction.objects.count() == interactions


def test_parking_in_a_misnamed_workbin_is_refused_and_the_interaction_stays(api, interaction):
    response = send(api, "post", f"/api/v1/interactions/{interaction.pk}/park/", {"workbin": 3})

    assert refusal(response)["message"] == "workbin: unknown field; the body takes workbin_id"
    assert not WorkbinItem.objects.exists()
    interaction.refresh_from_db()
    assert interaction.state == Interaction.State.ACTIVE


def test_a_template_preview_with_an_unknown_field_is_refused(api, interaction):
    response = send(
        api,
        "post",
        f"/api/v1/interactions/{interaction.pk}/templates/preview/",
        {"template_id": 1, "params": {}},
    )

    assert (
        refusal(response)["message"]
        == "params: unknown field; the body takes template_id, parameters, channel_id"
    )


def test_a_form_post_is_checked_too_its_csrf_token_aside(api, interaction):
    url = f"/api/v1/interactions/{interaction.pk}/notes/"
    form = "application/x-www-form-urlencoded"

    refused = api.post(url, "body=Called+back&csrfmiddlewaretoken=t&urgent=1", content_type=form)
    assert list(refusal(refused)["fields"]) == ["urgent"]
    assert not InteractionNote.objects.exists()

    taken = api.post(url, "body=Called+back&csrfmiddlewaretoken=t", content_type=form)
    assert taken.status_code == 201, taken.json()


def png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), "blue").save(buffer, "PNG")
    buffer.name = "label.png"
    buffer.seek(0)
    return buffer


def test_an_upload_with_an_unknown_form_field_stores_no_file(api):
    response = api.post("/api/v1/attachments/", {"file": png(), "caption": "the label"})

    assert refusal(response)["message"] == "caption: unknown field; the body takes file"
    assert not Attachment.objects.exists()
    # the console's upload: the file alone (a form's CSRF token is not a field)
    assert api.post("/api/v1/attachments/", {"file": png(), "csrfmiddlewaretoken": "t"}).status_code == 201


def test_the_refusal_is_in_the_callers_language(api, interaction):
    url = f"/api/v1/interactions/{interaction.pk}/notes/"
    german = send(api, "post", url, {"text": "x"}, accept_language="de")
    portuguese = send(api, "post", url, {"text": "x"}, accept_language="pt-br")

    assert refusal(german)["message"] == "text: unbekanntes Feld; die Anfrage nimmt body"
    assert refusal(portuguese)["message"] == "text: campo desconhecido; o corpo aceita body"


# --- nested serializers and lists of them --------------------------------------------------


class Line(BodySerializer):
    product_id = IdField()
    quantity = serializers.IntegerField(min_value=1)


class Order(BodySerializer):
    lines = Line(many=True)
    note = serializers.CharField(required=False)
    total = serializers.IntegerField(read_only=True)


def test_a_nested_body_refuses_its_own_unknown_fields_at_their_path():
    order = Order(data={"lines": [{"product_id": 1, "quantity": 2}, {"product_id": 2, "qty": 1}]})

    assert not order.is_valid()
    assert order.errors == {"lines": {1: {"qty": ["unknown field; the body takes product_id, quantity"]}}}


def test_a_read_only_field_is_not_taken_from_a_body():
    order = Order(data={"lines": [], "total": 99})

    assert not order.is_valid()
    assert order.errors == {"total": ["unknown field; the body takes lines, note"]}


class Nothing(BodySerializer):
    pass


def test_a_body_that_takes_no_fields_says_so():
    nothing = Nothing(data={"reason": "busy"})

    assert not nothing.is_valid()
    assert nothing.errors == {"reason": ["unknown field; this request takes no body fields"]}
    assert Nothing(data={}).is_valid()


# --- what the console sends (console/static/console/*.js) still passes -----------------------


def test_the_consoles_payloads_pass(api, alice, interaction):
    """The bodies of ``api.post`` / ``api.patch`` in the console's scripts, as they are sent."""
    pk = interaction.pk
    inbound = interaction.messages.get()
    template = MessageTemplate.objects.create(
        name="order_update", language="en_US", status=MessageTemplate.Status.APPROVED, body="Hi {{1}}"
    )
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("post", "/api/v1/agent/me/state/", {"ready": True}),  # header.js
        ("post", "/api/v1/agent/me/language/", {"language": "de"}),  # language.js
        ("patch", f"/api/v1/contacts/{interaction.contact_id}/", {"name": "Ann", "email": "", "phone": ""}),
        ("patch", f"/api/v1/interactions/{pk}/case-data/", {"case_data": {"order": "A-2"}}),  # panel.js
        ("post", f"/api/v1/interactions/{pk}/notes/", {"body": "Called back"}),  # panel.js
        ("post", f"/api/v1/interactions/{pk}/read/", {"message_id": inbound.pk}),  # tab.js
        (
            "post",
            f"/api/v1/interactions/{pk}/messages/",
            {"type": "text", "body": "Hi", "client_ref": "ref-1", "reply_to": inbound.pk},  # composer.js
        ),
        (
            "post",
            f"/api/v1/interactions/{pk}/templates/preview/",
            {"template_id": template.pk, "parameters": {"body": ["Ann"]}},  # notifications.js
        ),
        ("post", "/api/v1/templates/preview/", {"template_id": template.pk, "parameters": {"body": ["Ann"]}}),
        ("post", f"/api/v1/interactions/{pk}/done/", {"disposition": "", "note": "Solved"}),  # done.js
    ]
    for method, url, payload in cases:
        response = send(api, method, url, payload)
        assert response.status_code in (200, 201), (url, response.json())
    assert Contact.objects.get(pk=interaction.contact_id).name == "Ann"


def test_every_body_is_strict_and_the_schema_says_so(client):
    """Every input serializer derives from BodySerializer: the schema says
    ``additionalProperties: false`` only for those."""
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]
    bodies = {}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                body = content["schema"]
                if "$ref" in body:
                    body = components[body["$ref"].rsplit("/", 1)[1]]
                bodies[f"{method} {path}"] = body

    assert len(bodies) > 20
    assert [name for name, body in bodies.items() if body.get("additionalProperties") is not False] == []
