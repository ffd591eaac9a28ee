"""U3: every parameter an agent fills in is labelled by what it is: the content manager's
label, a named parameter's name, else where it sits ("Body, 2nd value"), never "Body
{{2}}"; the labels come from the server's payload, and a bad label is a clear admin form
error, never a 500."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from templates_app.composition import TemplateError, compose, parameter_keys, parameter_slots
from templates_app.models import MessageTemplate
from templates_app.parameter_labels import (
    LABEL_MAX,
    fallback_label,
    label_problems,
    placeholder_context,
)
from tests.factories import AgentProfileFactory, InteractionFactory, UserFactory
from tests.templates_app.conftest import form_errors
from tests.templates_app.conftest import notification_form as draft_form

pytestmark = pytest.mark.django_db
T = MessageTemplate
TEMPLATE_ADD = "/admin/templates_app/messagetemplate/add/"


def order_update(**fields: Any) -> MessageTemplate:
    defaults: dict[str, Any] = {
        "name": "order_update",
        "language": "en_US",
        "status": T.Status.APPROVED,
        "kind": T.Kind.RICH_MEDIA,
        "header_type": T.HeaderType.TEXT,
        "header_text": "Order {{1}}",
        "body": "Hi {{1}}, your order {{2}} is on its way and arrives {{3}}.",
    }
    return T.objects.create(**{**defaults, **fields})


def labels_of(template: MessageTemplate, part: str) -> list[str]:
    return [label["label"] for label in parameter_slots(template)["labels"][part]]  # type: ignore[literal-required]


class TestDerivation:
    def test_the_content_managers_label_first_else_where_it_sits(self):
        # given
        template = order_update(parameter_labels={"header.1": "Order number", "body.2": "Order number"})
        # then
        assert labels_of(template, "header") == ["Order number"]
        assert labels_of(template, "body") == ["Body, 1st value", "Order number", "Body, 3rd value"]
        assert [label["key"] for label in parameter_slots(template)["labels"]["body"]] == [
            "body.1",
            "body.2",
            "body.3",
        ]

    def test_a_lone_parameter_is_the_parts_value(self):
        template = order_update(header_type=T.HeaderType.NONE, header_text="", body="Thanks! {{1}}")
        assert labels_of(template, "body") == ["Body value"]
        assert fallback_label("header", 1, 1) == "Header value"
        assert fallback_label("body", 11, 12) == "Body, 11th value"
        assert fallback_label("body", 22, 30) == "Body, 22nd value"

    def test_named_parameters_by_their_names_unless_labelled(self):
        template = order_update(
            parameter_format=T.ParameterFormat.NAMED,
            header_text="Order {{order_id}}",
            body="Hi {{first_name}}, order {{order_id}} arrives {{delivery_day}}.",
            parameter_labels={"body.delivery_day": "Day of delivery"},
        )
        assert labels_of(template, "header") == ["Order id"]
        assert labels_of(template, "body") == ["First name", "Order id", "Day of delivery"]

    def test_each_label_carries_the_text_around_its_placeholder(self):
        template = order_update()
        contexts = [label["context"] for label in parameter_slots(template)["labels"]["body"]]
        assert contexts[1] == "Hi {{1}}, your order {{2}} is on its way and arrives…"
        assert contexts[2].endswith("and arrives {{3}}.")
        assert placeholder_context("Line one\n\n{{1}}\ttabbed", 1) == "Line one {{1}} tabbed"
        assert placeholder_context("No parameter", 1) == ""

    def test_a_stale_or_bad_stored_label_is_ignored_not_fatal(self):
        """A template pulled from Meta may lose a parameter its label named: it still sends."""
        template = order_update(
            header_type=T.HeaderType.NONE,
            header_text="",
            body="Hi {{1}}",
            parameter_labels={"body.1": "   ", "body.7": "Gone", "header.1": 5},
        )
        assert labels_of(template, "body") == ["Body value"]
        assert compose(template, parameters={"body": ["Lena"]}).body == "Hi Lena"

    def test_an_error_names_the_parameter_by_its_label(self):
        template = order_update(parameter_labels={"body.2": "Order number"})
        with pytest.raises(TemplateError) as caught:
            compose(template, parameters={"header": ["1"], "body": ["Lena", "a\tb", "today"]})
        assert caught.value.message.startswith("“Order number” may not contain new lines")
        assert caught.value.extra["field"] == "body.2"


class TestValidation:
    def test_labels_name_the_templates_own_parameters(self):
        template = order_update()
        keys = parameter_keys(template)
        assert keys == ["header.1", "body.1", "body.2", "body.3"]
        assert label_problems({"body.2": "Order number"}, keys=keys) == []
        assert label_problems({}, keys=keys) == []
        assert label_problems({"body.4": "Nope"}, keys=keys) == [
            "body.4: this template has no such parameter (its parameters: header.1, body.1, body.2, body.3)"
        ]
        assert label_problems(["Order number"], keys=keys) == [
            'labels are an object like {"body.1": "Order number"}'
        ]
        assert label_problems({"body.1": 7}, keys=keys) == ["body.1: a label is text"]
        assert label_problems({"body.1": " "}, keys=keys) == [
            "body.1: a label needs some text (or leave the parameter out)"
        ]
        assert label_problems({"body.1": "x" * (LABEL_MAX + 1)}, keys=keys) == [
            f"body.1: a label is at most {LABEL_MAX} characters"
        ]
        assert label_problems({"body.1": "two\nlines"}, keys=keys) == ["body.1: a label is one line of text"]


# --- the admin -------------------------------------------------------------------------------


@pytest.fixture
def admin_client(db) -> Client:
    client = Client(raise_request_exception=False)  # a 500 shows as a status, not an exception
    client.force_login(UserFactory.create(username="root", is_staff=True, is_superuser=True))
    return client


def notification_form(**fields: str) -> dict[str, str]:
    """The shared draft with this module's two-parameter body and no labels yet."""
    return draft_form(
        **{
            "name": "order_ready",
            "body": "Hi {{1}}, order {{2}} is ready",
            "parameter_labels": "{}",
            **fields,
        }
    )


class TestAdmin:
    def test_labels_are_saved(self, admin_client):
        labels = json.dumps({"body.2": "Order number"})
        response = admin_client.post(TEMPLATE_ADD, notification_form(parameter_labels=labels))
        assert response.status_code == 302
        assert T.objects.get(name="order_ready").parameter_labels == {"body.2": "Order number"}

    def test_an_emptied_json_field_is_none_of_them_not_a_500(self, admin_client):
        response = admin_client.post(
            TEMPLATE_ADD, notification_form(parameter_labels="", buttons="", sections="")
        )
        assert response.status_code == 302
        stored = T.objects.get(name="order_ready")
        assert (stored.parameter_labels, stored.buttons, stored.sections) == ({}, [], [])

    @pytest.mark.parametrize(
        ("labels", "message"),
        [
            ('{"body.3": "Order number"}', "body.3: this template has no such parameter"),
            ('{"header.1": "Order number"}', "header.1: this template has no such parameter"),
            ('["Order number"]', "labels are an object like"),
            ('{"body.1": ""}', "body.1: a label needs some text"),
            ('{"body.1": {"x": 1}}', "body.1: a label is text"),
            ('{"body.1": "' + "x" * 61 + '"}', "body.1: a label is at most 60 characters"),
            ('{"body.1": "a\\u0000b"}', "parameter_labels: text may not contain the NUL character"),
            ('{"body.1": ', "Enter a valid JSON."),
        ],
    )
    def test_a_bad_label_is_a_clear_error_on_its_field(self, admin_client, labels, message):
        response = admin_client.post(TEMPLATE_ADD, notification_form(parameter_labels=labels))
        errors = form_errors(response)
        assert any(message in error for error in errors["parameter_labels"]), errors
        assert not T.objects.filter(name="order_ready").exists()

    def test_a_label_of_a_parameter_removed_from_the_body_is_refused(self, admin_client):
        stored = T.objects.create(
            name="order_ready", body="Hi {{1}}, order {{2}}", parameter_labels={"body.2": "Order number"}
        )
        data = notification_form(body="Hi {{1}}", parameter_labels=json.dumps(stored.parameter_labels))
        response = admin_client.post(f"/admin/templates_app/messagetemplate/{stored.pk}/change/", data)
        assert (
            "body.2: this template has no such parameter (its parameters: body.1)"
            in (form_errors(response)["parameter_labels"])
        )

    def test_the_status_cannot_be_typed_it_mirrors_meta(self, admin_client):
        response = admin_client.post(TEMPLATE_ADD, notification_form(status="APPROVED"))
        assert response.status_code == 302
        assert T.objects.get(name="order_ready").status == T.Status.DRAFT
        page = admin_client.get(f"/admin/templates_app/messagetemplate/{T.objects.get().pk}/change/")
        assert b'name="status"' not in page.content
        assert b'id="template-limits"' in page.content  # the editor's limits are the server's


# --- the console's payload -------------------------------------------------------------------


def test_the_console_gets_each_parameters_label_from_the_server(client):
    agent = AgentProfileFactory().user
    client.force_login(agent)
    now = timezone.now()
    interaction = InteractionFactory(
        owner=agent, last_inbound_at=now, window_expires_at=now + timedelta(hours=20)
    )
    order_update(parameter_labels={"body.1": "Customer's first name"})
    listed = client.get(f"/api/v1/interactions/{interaction.pk}/templates/").json()["templates"]
    labels = listed[0]["parameters"]["labels"]
    assert [label["label"] for label in labels["header"]] == ["Header value"]
    assert [(label["key"], label["label"]) for label in labels["body"]] == [
        ("body.1", "Customer's first name"),
        ("body.2", "Body, 2nd value"),
        ("body.3", "Body, 3rd value"),
    ]


def test_a_fallback_label_reads_in_the_agents_language_ordinal_included():
    from django.utils import translation

    from templates_app.parameter_labels import fallback_label

    assert fallback_label("body", 2, 3) == "Body, 2nd value"
    with translation.override("de"):
        assert fallback_label("body", 2, 3) == "Text, 2. Wert"
    with translation.override("pt-br"):
        assert fallback_label("header", 1, 2) == "Cabeçalho, 1º valor"
