"""G1: status, quality and category follow Meta's template webhooks; a wrong shape is
stored and flagged, never a 500. Only APPROVED templates are sent, the others refused
with their reason (REST and the send service)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations.exceptions import DomainError
from conversations.models import WebhookEvent
from conversations.services.outbound import message_send
from conversations.services.specs import TemplateSpec
from templates_app.models import MessageTemplate, TemplatePull
from tests import cloud_api as wa
from tests import meta_templates as mt
from tests.factories import AgentProfileFactory, InteractionFactory

pytestmark = pytest.mark.django_db
T = MessageTemplate


@pytest.fixture
def line(channel):
    channel.waba_id = wa.SUPPORT.waba_id
    channel.save()
    return channel


def stored(**fields) -> MessageTemplate:
    defaults = {
        "name": "parcel_delayed",
        "language": "en_GB",
        "status": T.Status.APPROVED,
        "body": "Sorry {{1}}, your parcel is late.",
        "whatsapp_template_id": "918273645501928",
    }
    return T.objects.create(**{**defaults, **fields})


def test_a_rejection_keeps_metas_reason_and_advice(post_webhook, line):
    template = stored(status=T.Status.PENDING)
    payload = wa.template_status_update(
        "REJECTED",
        template_id=918273645501928,
        name="parcel_delayed",
        language="en-GB",
        reason="INVALID_FORMAT",
    )
    payload["entry"][0]["changes"][0]["value"]["rejection_info"] = {
        "reason": "Variables can't be at the start or end of the template.",
        "recommendation": "Add text",
    }
    assert post_webhook(payload).status_code == 200
    template.refresh_from_db()
    assert template.status == "REJECTED"
    assert template.status_reason == "INVALID_FORMAT: Variables can't be at the start or end of the template."


def test_a_pause_then_the_quality_then_the_category(post_webhook, line):
    template = stored()
    post_webhook(
        wa.template_status_update(
            "PAUSED", template_id=918273645501928, name="parcel_delayed", language="en-GB"
        )
    )
    post_webhook(
        mt.quality_update("RED", template_id=918273645501928, name="parcel_delayed", language="en-GB")
    )
    post_webhook(
        mt.category_update(
            template_id=918273645501928,
            name="parcel_delayed",
            language="en-GB",
            new="UTILITY",
            correct="MARKETING",
        )
    )
    template.refresh_from_db()
    assert (template.status, template.quality_score) == ("PAUSED", "RED")
    assert (template.category, template.upcoming_category) == ("UTILITY", "MARKETING")
    post_webhook(
        mt.category_update(
            template_id=918273645501928,
            name="parcel_delayed",
            language="en-GB",
            new="MARKETING",
            previous="UTILITY",
        )
    )
    template.refresh_from_db()
    assert (template.category, template.upcoming_category) == ("MARKETING", "")
    summaries = [e.summary for e in WebhookEvent.objects.order_by("pk")]
    assert summaries == [
        {"template_statuses": 1},
        {"template_qualities": 1},
        {"template_categories": 1},
        {"template_categories": 1},
    ]


def status_event(event: str) -> dict:
    return wa.template_status_update(
        event, template_id=918273645501928, name="parcel_delayed", language="en-GB"
    )


def test_an_unarchived_template_returns_to_the_status_it_had(post_webhook, line):
    template = stored(status=T.Status.PAUSED)
    post_webhook(status_event("ARCHIVED"))
    template.refresh_from_db()
    assert (template.status, template.status_before_archive) == ("ARCHIVED", "PAUSED")
    post_webhook(status_event("UNARCHIVED"))
    template.refresh_from_db()
    assert (template.status, template.status_before_archive) == ("PAUSED", "")
    assert template.status_reason == "unarchived at Meta"
    assert WebhookEvent.objects.order_by("pk").last().summary == {"template_statuses": 1}


def test_an_archive_repeated_keeps_the_status_before_it(post_webhook, line):
    template = stored()
    post_webhook(status_event("ARCHIVED"))
    post_webhook(status_event("ARCHIVED"))
    post_webhook(status_event("UNARCHIVED"))
    template.refresh_from_db()
    assert template.status == "APPROVED"


def test_unarchived_without_a_known_status_is_pulled_next(post_webhook, line):
    # given a template we only ever saw archived
    template = stored(status=T.Status.ARCHIVED)
    before = timezone.now()
    # when Meta unarchives it
    post_webhook(status_event("UNARCHIVED"))
    # then it stays archived, says why, and its WABA's pull is due now
    template.refresh_from_db()
    assert template.status == "ARCHIVED"
    assert template.status_reason == "unarchived at Meta: its status comes with the next pull"
    pull = TemplatePull.objects.get(waba_id=wa.SUPPORT.waba_id)
    assert before <= pull.pull_due_at <= timezone.now()


def test_a_wrong_shape_is_stored_and_flagged(post_webhook, line):
    template = stored()
    payload = mt.quality_update(
        "PURPLE", template_id=918273645501928, name="parcel_delayed", language="en-GB"
    )
    assert post_webhook(payload).status_code == 200
    event = WebhookEvent.objects.get()
    assert event.body and event.state == WebhookEvent.State.PROCESSED  # kept whole, with its flag
    assert "unknown new_quality_score 'PURPLE'" in event.flags[0]
    template.refresh_from_db()
    assert template.quality_score == ""


def test_another_wabas_update_changes_nothing(post_webhook, line):
    template = stored()
    post_webhook(
        mt.quality_update(
            "RED", template_id=918273645501928, name="parcel_delayed", language="en-GB", waba_id="999999"
        )
    )
    template.refresh_from_db()
    assert template.quality_score == ""


# --- only APPROVED templates are sent ----------------------------------------------------------


@pytest.fixture
def agent(db):
    return AgentProfileFactory().user


@pytest.fixture
def interaction(line, agent):
    now = timezone.now()
    return InteractionFactory(
        channel=line,
        owner=agent,
        contact__wa_id="4915112345678",
        last_inbound_at=now,
        window_expires_at=now + timedelta(hours=20),
    )


@pytest.mark.parametrize(
    ("status", "said"),
    [
        ("PAUSED", "is paused by Meta for low quality"),
        ("DISABLED", "is disabled by Meta"),
        ("PENDING", "is still in review at Meta"),
        ("REJECTED", "was rejected by Meta"),
    ],
)
def test_the_rest_api_refuses_an_unapproved_template_with_its_reason(
    client, agent, interaction, status, said
):
    template = stored(status=status, quality_score="RED" if status == "PAUSED" else "")
    client.force_login(agent)
    response = client.post(
        f"/api/v1/interactions/{interaction.pk}/messages/",
        {"type": "template", "template_id": template.pk, "parameters": {"body": ["Lena"]}},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "template_not_approved"
    assert said in error["message"] and "only APPROVED templates can be sent" in error["message"]
    if status == "PAUSED":
        assert "quality: RED" in error["message"]
    preview = client.post(
        f"/api/v1/interactions/{interaction.pk}/templates/preview/",
        {"template_id": template.pk, "parameters": {"body": ["Lena"]}},
        content_type="application/json",
    )
    assert preview.json()["error"]["code"] == "template_not_approved"


def test_the_send_service_refuses_a_paused_template(agent, interaction):
    template = stored(status=T.Status.PAUSED)
    with pytest.raises(DomainError) as raised:
        message_send(
            user=agent,
            interaction_id=interaction.pk,
            spec=TemplateSpec(template_id=template.pk, parameters={"body": ["Lena"]}, client_ref="t-1"),
        )
    assert raised.value.code == "template_not_approved"
    assert interaction.messages.count() == 0


def test_a_named_template_is_sent_with_its_parameter_names(client, agent, interaction, settings):
    from tests.graph_standin import start_graph_standin

    graph = start_graph_standin()
    settings.WHATSAPP_GRAPH_BASE_URL = graph.base_url
    try:
        template = stored(
            name="order_shipped",
            parameter_format="NAMED",
            language="en_US",
            header_type="text",
            header_text="Order {{order_id}}",
            body="Hi {{first_name}}, order {{order_id}} is on its way.",
        )
        client.force_login(agent)
        listed = client.get(f"/api/v1/interactions/{interaction.pk}/templates/").json()["templates"]
        assert listed[0]["parameters"]["named"] is True
        assert listed[0]["parameters"]["body"] == ["first_name", "order_id"]
        graph.accept()

        response = client.post(
            f"/api/v1/interactions/{interaction.pk}/templates/preview/",
            {
                "template_id": template.pk,
                "parameters": {"header": ["A-1"], "body": {"order_id": "A-1", "first_name": "Lena"}},
            },
            content_type="application/json",
        )
        assert response.json()["body"] == "Hi Lena, order A-1 is on its way."
        bad = client.post(
            f"/api/v1/interactions/{interaction.pk}/templates/preview/",
            {"template_id": template.pk, "parameters": {"header": ["A-1"], "body": {"nickname": "x"}}},
            content_type="application/json",
        )
        assert "no parameter {{nickname}}" in bad.json()["error"]["message"]
    finally:
        graph.close()
