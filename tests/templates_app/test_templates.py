"""T1-T5: standard responses and templates: rules, filling in, preview, sending."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from conversations.models import Message, WebhookEvent
from templates_app.composition import TemplateError, compose, template_problems
from templates_app.models import (
    MessageTemplate,
    StandardResponse,
    StandardResponseAttachment,
    StandardResponseCategory,
)
from tests import cloud_api as wa
from tests.factories import AgentProfileFactory, InteractionFactory
from tests.graph_standin import start_graph_standin

pytestmark = pytest.mark.django_db
T = MessageTemplate


def template(**fields) -> MessageTemplate:
    defaults = {"name": "order_update", "language": "en_US", "status": T.Status.APPROVED, "body": "Hi {{1}}"}
    return T.objects.create(**{**defaults, **fields})


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, "PNG")
    return buffer.getvalue()


class TestRules:
    def test_rich_media_limits_are_enforced(self):
        bad = T(
            kind=T.Kind.RICH_MEDIA,
            name="Bad Name",
            header_type="text",
            header_text="x" * 61,
            body="y" * 1025,
            footer="z" * 61,
            buttons=[{"type": "quick_reply", "text": "a"}] * 4,
        )
        problems = template_problems(bad)
        assert set(problems) == {"name", "header_text", "body", "footer", "buttons"}
        assert "up to 3 QuickReply buttons" in problems["buttons"]

    def test_quick_replies_and_call_to_action_do_not_mix(self):
        mixed = T(
            name="x",
            body="b",
            buttons=[
                {"type": "quick_reply", "text": "Yes"},
                {"type": "phone_number", "text": "Call", "phone_number": "+15550001"},
            ],
        )
        assert (
            "use QuickReply buttons or CallToAction buttons, not both" in template_problems(mixed)["buttons"]
        )

    def test_dynamic_url_must_end_with_the_parameter(self):
        wrong = T(
            name="x", body="b", buttons=[{"type": "url", "text": "Track", "url": "https://x/{{1}}/details"}]
        )
        assert any("ends with {{1}}" in p for p in template_problems(wrong)["buttons"])

    def test_reply_buttons_one_to_three_twenty_characters(self):
        buttons = T(
            kind=T.Kind.REPLY_BUTTONS, name="Pick", body="b", buttons=[{"type": "reply", "text": "x" * 21}]
        )
        assert any("1 to 20 characters" in p for p in template_problems(buttons)["buttons"])

    def test_list_one_to_ten_options(self):
        rows = [{"id": str(n), "title": f"Option {n}"} for n in range(11)]
        listing = T(
            kind=T.Kind.LIST,
            name="L",
            body="b",
            list_button="Choose",
            sections=[{"title": "All", "rows": rows}],
        )
        assert any("1 to 10 options" in p for p in template_problems(listing)["sections"])

    def test_admin_validation_refuses_a_bad_template(self):
        with pytest.raises(ValidationError) as caught:
            T(name="ok_name", body="", footer="f" * 70).full_clean()
        assert "body" in caught.value.message_dict and "footer" in caught.value.message_dict


class TestCompose:
    def test_notification_fills_header_body_and_url_button(self):
        composed = compose(
            template(
                kind=T.Kind.RICH_MEDIA,
                header_type="text",
                header_text="Order {{1}}",
                body="Hi {{1}}, order {{2}} arrives {{3}}.",
                footer="Reply STOP to opt out",
                buttons=[{"type": "url", "text": "Track", "url": "https://example.com/track/{{1}}"}],
            ),
            parameters={"header": ["A-17"], "body": ["Lena", "A-17", "tomorrow"], "buttons": {"0": "A-17"}},
        )
        assert composed.type == "template"
        assert composed.body == "Hi Lena, order A-17 arrives tomorrow."
        assert composed.content["template"]["components"] == [
            {"type": "header", "parameters": [{"type": "text", "text": "A-17"}]},
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Lena"},
                    {"type": "text", "text": "A-17"},
                    {"type": "text", "text": "tomorrow"},
                ],
            },
            {
                "type": "button",
                "sub_type": "url",
                "index": "0",
                "parameters": [{"type": "text", "text": "A-17"}],
            },
        ]
        assert composed.content["rendered"]["footer"] == "Reply STOP to opt out"

    def test_quick_reply_payloads_are_sent(self):
        composed = compose(
            template(
                buttons=[
                    {"type": "quick_reply", "text": "Yes"},
                    {"type": "quick_reply", "text": "No", "payload": "NO"},
                ]
            ),
            parameters={"body": ["Sam"]},
        )
        buttons = [c for c in composed.content["template"]["components"] if c["type"] == "button"]
        assert [b["parameters"][0]["payload"] for b in buttons] == ["Yes", "NO"]

    @pytest.mark.parametrize(
        "value,message",
        [("two\nlines", "new lines"), ("tab\there", "tabs"), ("a     b", "four spaces"), ("  ", "empty")],
    )
    def test_bad_parameters_are_refused_with_a_reason(self, value, message):
        with pytest.raises(TemplateError, match=message):
            compose(template(), parameters={"body": [value]})

    def test_wrong_parameter_count(self):
        with pytest.raises(TemplateError, match="has 1 parameter"):
            compose(template(), parameters={"body": ["a", "b"]})

    def test_reply_buttons_become_an_interactive_message(self):
        composed = compose(
            template(
                kind=T.Kind.REPLY_BUTTONS,
                name="satisfaction",
                body="Did we solve it?",
                buttons=[
                    {"type": "reply", "id": "yes", "text": "Yes 👍"},
                    {"type": "reply", "text": "Not yet"},
                ],
            )
        )
        assert composed.type == "interactive"
        assert composed.content["interactive"]["buttons"] == [
            {"id": "yes", "title": "Yes 👍"},
            {"id": "Not yet", "title": "Not yet"},
        ]


@pytest.fixture
def agent(db):
    return AgentProfileFactory().user


@pytest.fixture
def api(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def interaction(channel, agent):
    now = timezone.now()
    return InteractionFactory(
        channel=channel,
        owner=agent,
        contact__wa_id="4915112345678",
        last_inbound_at=now,
        window_expires_at=now + timedelta(hours=20),
    )


@pytest.fixture
def graph(settings):
    standin = start_graph_standin()
    settings.WHATSAPP_GRAPH_BASE_URL = standin.base_url
    yield standin
    standin.close()


class TestApi:
    def test_standard_responses_by_shortcut_and_text(self, api):
        category = StandardResponseCategory.objects.create(name="Greetings")
        StandardResponse.objects.create(
            category=category, name="Hello", shortcut="hello", text="Hello! How can I help?"
        )
        StandardResponse.objects.create(
            category=category, name="Old", shortcut="old", text="x", is_active=False
        )
        found = api.get("/api/v1/standard-responses/", {"search": "/hel"}).json()["responses"]
        assert [r["text"] for r in found] == ["Hello! How can I help?"]

    def test_a_response_file_becomes_a_sendable_attachment(self, api, agent):
        category = StandardResponseCategory.objects.create(name="Orders")
        response = StandardResponse.objects.create(category=category, name="Label", text="Here is the label")
        stored = StandardResponseAttachment(
            response=response, file_name="label.png", mime_type="image/png", size=10
        )
        stored.file.save("label.png", ContentFile(png()), save=True)
        attachment = api.post(f"/api/v1/standard-responses/attachments/{stored.pk}/use/").json()
        assert (attachment["kind"], attachment["file_name"]) == ("image", "label.png")

    def test_templates_of_the_interaction_with_their_parameters(self, api, interaction):
        template(body="Hi {{1}}, your code is {{2}}")
        template(name="draft_one", status=T.Status.PENDING)
        listed = api.get(f"/api/v1/interactions/{interaction.pk}/templates/").json()["templates"]
        assert [t["name"] for t in listed] == ["order_update"]
        assert listed[0]["parameters"]["body"] == [1, 2]

    def test_preview_shows_the_text_or_the_error(self, api, interaction):
        stored = template()
        url = f"/api/v1/interactions/{interaction.pk}/templates/preview/"
        ok = api.post(
            url, {"template_id": stored.pk, "parameters": {"body": ["Lena"]}}, content_type="application/json"
        )
        assert ok.json()["body"] == "Hi Lena"
        bad = api.post(
            url, {"template_id": stored.pk, "parameters": {"body": ["a\nb"]}}, content_type="application/json"
        )
        assert bad.status_code == 400
        assert bad.json()["error"]["code"] == "template_invalid"

    def test_send_a_filled_template_by_id(self, api, interaction, graph, django_capture_on_commit_callbacks):
        stored = template()
        graph.accept()
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                f"/api/v1/interactions/{interaction.pk}/messages/",
                {"type": "template", "template_id": stored.pk, "parameters": {"body": ["Lena"]}},
                content_type="application/json",
            )
        assert response.status_code == 201, response.json()
        assert response.json()["body"] == "Hi Lena"
        sent = graph.sends()[0].json()["template"]
        assert sent["name"] == "order_update"
        assert sent["components"] == [{"type": "body", "parameters": [{"type": "text", "text": "Lena"}]}]

    def test_the_send_service_fills_a_stored_template_on_the_interactions_number(
        self, agent, interaction, graph, django_capture_on_commit_callbacks
    ):
        """Template or plain message is the service's decision (T2): handed a TemplateSpec,
        message_send fills the template in and sends it, once per client_ref."""
        from conversations.services.outbound import message_send
        from conversations.services.specs import TemplateSpec

        stored = template()
        graph.accept()
        spec = TemplateSpec(template_id=stored.pk, parameters={"body": ["Lena"]}, client_ref="tab-1")
        with django_capture_on_commit_callbacks(execute=True):
            message = message_send(user=agent, interaction_id=interaction.pk, spec=spec)
            again = message_send(user=agent, interaction_id=interaction.pk, spec=spec)
        assert (message.type, message.body, message.client_ref) == ("template", "Hi Lena", "tab-1")
        assert again.pk == message.pk and again.replayed
        assert graph.sends()[0].json()["template"]["name"] == "order_update"
        assert len(graph.sends()) == 1

    def test_the_header_file_is_served_like_every_stored_file(self, api):
        stored = template(kind=T.Kind.RICH_MEDIA, header_type="image", body="Your receipt")
        stored.header_media.save("receipt.png", ContentFile(png()), save=True)
        served = api.get(f"/api/v1/templates/{stored.pk}/header-file/")
        assert served.status_code == 200
        assert b"".join(served.streaming_content) == png()
        assert served["X-Content-Type-Options"] == "nosniff"
        assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert api.get(f"/api/v1/templates/{template(name='plain').pk}/header-file/").status_code == 404

    def test_rich_media_header_uses_the_templates_file(
        self, api, interaction, graph, django_capture_on_commit_callbacks
    ):
        stored = template(kind=T.Kind.RICH_MEDIA, header_type="image", body="Your receipt")
        stored.header_media.save("receipt.png", ContentFile(png()), save=True)
        graph.reply_json(200, {"id": "media-77"})
        graph.accept()
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                f"/api/v1/interactions/{interaction.pk}/messages/",
                {"type": "template", "template_id": stored.pk},
                content_type="application/json",
            )
        assert response.status_code == 201, response.json()
        components = graph.sends()[0].json()["template"]["components"]
        assert components[0] == {
            "type": "header",
            "parameters": [{"type": "image", "image": {"id": "media-77"}}],
        }
        assert Message.objects.get().attachment.media_id == "media-77"

    def test_changing_reply_button_attachment_needs_the_permission(self, api, agent, interaction):
        from conversations.services.media import attachment_upload

        stored = template(kind=T.Kind.REPLY_BUTTONS, name="pick", header_type="image", body="Pick",
                          buttons=[{"type": "reply", "text": "A"}])  # fmt: skip
        stored.header_media.save("a.png", ContentFile(png()), save=True)
        other = attachment_upload(user=agent, data=png(), file_name="other.png")
        url = f"/api/v1/interactions/{interaction.pk}/messages/"
        payload = {"type": "interactive", "template_id": stored.pk, "attachment_id": other.pk}
        refused = api.post(url, payload, content_type="application/json")
        assert refused.status_code == 403
        from django.contrib.auth.models import Permission

        agent.user_permissions.add(Permission.objects.get(codename="change_reply_button_attachment"))
        assert api.post(url, payload, content_type="application/json").status_code == 201

    def test_interactive_template_outside_the_window_is_refused(self, api, interaction):
        stored = template(
            kind=T.Kind.REPLY_BUTTONS, name="pick", body="Pick", buttons=[{"type": "reply", "text": "A"}]
        )
        interaction.window_expires_at = timezone.now() - timedelta(minutes=1)
        interaction.save()
        response = api.post(
            f"/api/v1/interactions/{interaction.pk}/messages/",
            {"type": "interactive", "template_id": stored.pk},
            content_type="application/json",
        )
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "window_closed"


def test_templates_of_a_number_without_an_interaction(api, channel):
    template()
    template(kind=T.Kind.REPLY_BUTTONS, name="pick", body="Pick", buttons=[{"type": "reply", "text": "A"}])
    listed = api.get("/api/v1/templates/").json()
    assert listed["channel_id"] == channel.pk
    assert [t["name"] for t in listed["templates"]] == ["order_update"]  # only what may open a conversation


def test_preview_without_an_interaction(api, channel):
    stored = template()
    response = api.post(
        "/api/v1/templates/preview/",
        {"template_id": stored.pk, "parameters": {"body": ["Kim"]}},
        content_type="application/json",
    )
    assert response.json()["body"] == "Hi Kim"


def test_the_error_names_the_faulty_input(api, interaction):
    stored = template(body="Hi {{1}}, code {{2}}")
    response = api.post(
        f"/api/v1/interactions/{interaction.pk}/templates/preview/",
        {"template_id": stored.pk, "parameters": {"body": ["Kim", "a\tb"]}},
        content_type="application/json",
    )
    assert response.json()["error"]["field"] == "body.2"


class TestStatusWebhook:
    """T5: a template's status mirrors Meta's ``message_template_status_update`` webhooks."""

    def test_approval_reaches_the_template_by_name_and_language(self, post_webhook, channel):
        pending = template(name="parcel_delayed", language="en_GB", status=T.Status.PENDING)
        other_language = template(name="parcel_delayed", language="de", status=T.Status.PENDING)
        assert post_webhook(wa.payload("template_status_update_approved")).status_code == 200
        pending.refresh_from_db()
        other_language.refresh_from_db()
        assert pending.status == T.Status.APPROVED
        assert pending.status_reason == ""  # Meta's "NONE" is no reason
        assert other_language.status == T.Status.PENDING
        assert WebhookEvent.objects.get().summary == {"template_statuses": 1}

    def test_rejection_keeps_the_reason(self, post_webhook, channel):
        rejected = template(name="parcel_delayed", language="en_GB", status=T.Status.PENDING)
        payload = wa.payload("template_status_update_approved")
        payload["entry"][0]["changes"][0]["value"].update(event="REJECTED", reason="INVALID_FORMAT")
        post_webhook(payload)
        rejected.refresh_from_db()
        assert (rejected.status, rejected.status_reason) == (T.Status.REJECTED, "INVALID_FORMAT")

    def test_one_tenants_update_never_changes_another_tenants_template(self, post_webhook, channel):
        from conversations.models import Channel
        from tests.factories import ChannelFactory

        Channel.objects.filter(pk=channel.pk).update(waba_id=wa.SUPPORT.waba_id)
        other = ChannelFactory(phone_number_id="999", waba_id="555", app_secret="another-app")
        theirs = template(name="parcel_delayed", language="en_GB", status=T.Status.APPROVED, channel=other)
        ours = template(name="parcel_delayed", language="en_GB", status=T.Status.PENDING, channel=channel)
        payload = wa.payload("template_status_update_approved")
        payload["entry"][0]["changes"][0]["value"].update(event="DISABLED", reason="pwned")
        post_webhook(payload)  # signed by our app, for our WABA
        theirs.refresh_from_db()
        ours.refresh_from_db()
        assert theirs.status == T.Status.APPROVED
        assert ours.status == T.Status.DISABLED

    def test_an_update_for_a_waba_of_no_channel_of_the_signing_app_is_flagged(self, post_webhook, channel):
        from conversations.models import Channel

        Channel.objects.filter(pk=channel.pk).update(waba_id="someone-else")
        kept = template(name="parcel_delayed", language="en_GB", status=T.Status.APPROVED)
        post_webhook(wa.payload("template_status_update_approved"))
        kept.refresh_from_db()
        assert kept.status == T.Status.APPROVED
        assert "no channel of the signing app" in WebhookEvent.objects.get().flags[0]
