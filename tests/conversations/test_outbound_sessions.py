"""O3 / O5: open a WhatsApp conversation with a template."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from conversations.models import AgentProfile, Interaction, Message, Offer
from conversations.services import routing
from templates_app.models import MessageTemplate
from tests.cloud_api import LENA, payload
from tests.factories import AgentProfileFactory, ChannelFactory, ContactFactory, QueueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(db):
    return MessageTemplate.objects.create(
        name="hello_again",
        language="en_US",
        status="APPROVED",
        body="Hi {{1}}, we have news about your order.",
    )


def allowed(user):
    """An agent like the demo's: starts conversations, from the contact directory too."""
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["start_outbound_session", "browse_contact_directory"])
    )
    return type(user).objects.get(pk=user.pk)  # fresh permission cache


def test_an_agent_starts_a_conversation_with_a_past_contact(
    client, channel, template, django_capture_on_commit_callbacks
):
    agent = allowed(AgentProfileFactory().user)
    contact = ContactFactory(wa_id="4915199990000")
    client.force_login(agent)
    response = client.post(
        "/api/v1/outbound-sessions/",
        {
            "contact_id": contact.pk,
            "template_id": template.pk,
            "parameters": {"body": ["Dana"]},
            "assign_to_me": True,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    interaction = Interaction.objects.get()
    assert (interaction.state, interaction.owner, interaction.origin) == ("active", agent, "outbound")
    message = Message.objects.get()
    assert (message.type, message.body) == ("template", "Hi Dana, we have news about your order.")
    assert AgentProfile.objects.get(user=agent).load == 1


def test_an_invitation_waits_for_the_answer_which_is_then_routed(
    client, channel, template, post_webhook, django_capture_on_commit_callbacks
):
    integrator = allowed(AgentProfileFactory().user)
    queue = QueueFactory(name="Sales")
    agent = AgentProfileFactory()
    agent.queues.add(queue)
    routing.agent_set_ready(user=agent.user, ready=True)
    client.force_login(integrator)
    response = client.post(
        "/api/v1/outbound-sessions/",
        {
            "phone": "+49 176 1234 5678",
            "template_id": template.pk,
            "parameters": {"body": ["Sam"]},
            "queue_id": queue.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    interaction = Interaction.objects.get()
    assert (interaction.state, interaction.owner) == ("parked", None)
    assert interaction.contact.wa_id == LENA.wa_id
    assert not Offer.objects.exists()  # nobody is bothered before the customer answers
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(payload("inbound_text"))  # the customer answers
    interaction.refresh_from_db()
    assert interaction.state == "offered"
    assert Offer.objects.get().agent == agent.user


def test_starting_needs_the_permission(client, channel, template):
    client.force_login(AgentProfileFactory().user)
    response = client.post(
        "/api/v1/outbound-sessions/",
        {"phone": "+4915100000000", "template_id": template.pk},
        content_type="application/json",
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "payload,code",
    [
        ({"phone": "12"}, "bad_phone"),
        ({"phone": "+4915100000000", "contact_id": 1}, "invalid"),
    ],
)
def test_bad_requests_get_precise_errors(client, channel, template, payload, code):
    client.force_login(allowed(AgentProfileFactory().user))
    response = client.post(
        "/api/v1/outbound-sessions/", {"template_id": template.pk, **payload}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_an_open_conversation_is_not_duplicated(client, channel, template):
    from tests.factories import InteractionFactory

    InteractionFactory(channel=channel, contact=ContactFactory(wa_id="4915100000001"), state="active")
    client.force_login(allowed(AgentProfileFactory().user))
    response = client.post(
        "/api/v1/outbound-sessions/",
        {"phone": "+4915100000001", "template_id": template.pk, "parameters": {"body": ["X"]}},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "interaction_open"


def test_from_another_media_uses_the_configured_number_and_template(client, channel, template):
    from conversations import options
    from conversations.models import OptionValue

    agent = allowed(AgentProfileFactory().user)
    agent.user_permissions.add(Permission.objects.get(codename="start_outbound_from_other_media"))
    agent = type(agent).objects.get(pk=agent.pk)
    client.force_login(agent)
    url = "/api/v1/outbound-sessions/from-other-media/"
    payload = {
        "phone": "+4915100000123",
        "source_media": "voice",
        "source_id": "call-77",
        "parameters": {"body": ["Kim"]},
    }
    not_configured = client.post(url, payload, content_type="application/json")
    assert not_configured.status_code == 409
    assert "whatsappsession.outbound-session-config" in not_configured.json()["error"]["message"]
    OptionValue.objects.create(
        key="whatsappsession.outbound-session-config",
        value=f"channel={channel.phone_number_id};template=hello_again",
    )
    options.invalidate()
    response = client.post(url, payload, content_type="application/json")
    assert response.status_code == 201, response.json()
    interaction = Interaction.objects.get()
    assert interaction.case_data == {"source_media": "voice", "source_id": "call-77"}
    assert interaction.owner == agent


def test_from_another_media_needs_its_permission(client, channel, template):
    client.force_login(allowed(AgentProfileFactory().user))
    response = client.post(
        "/api/v1/outbound-sessions/from-other-media/", {"phone": "+4915100000123", "source_media": "sms"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 403


def test_an_open_conversation_error_names_it(client, channel, template):
    from tests.factories import InteractionFactory

    existing = InteractionFactory(
        channel=channel, contact=ContactFactory(wa_id="4915100000002"), state="active"
    )
    client.force_login(allowed(AgentProfileFactory().user))
    response = client.post(
        "/api/v1/outbound-sessions/",
        {"phone": "+4915100000002", "template_id": template.pk, "parameters": {"body": ["X"]}},
        content_type="application/json",
    )
    assert response.json()["error"]["interaction_id"] == existing.pk


def test_preview_template_list_and_session_use_the_same_default_number(client, channel, template):
    """Without ``channel_id`` there is one default number (the first configured): an
    integrator previews, lists templates and starts the session on the same one, even when
    another number's name sorts first (they used to differ: by name for the preview, by id
    for the session)."""
    # given a second active number whose name sorts before the first one's
    other = ChannelFactory(name="Aaa sales line")
    assert channel.pk < other.pk and other.name < channel.name
    MessageTemplate.objects.create(
        name="sales_only", language="en_US", status="APPROVED", body="Sales {{1}}", channel=other
    )
    agent = allowed(AgentProfileFactory().user)
    client.force_login(agent)
    # when the integrator previews, lists and starts without naming a number
    preview = client.post(
        "/api/v1/templates/preview/",
        {"template_id": template.pk, "parameters": {"body": ["Dana"]}},
        content_type="application/json",
    )
    listed = client.get("/api/v1/templates/").json()
    started = client.post(
        "/api/v1/outbound-sessions/",
        {"phone": "+4915199990000", "template_id": template.pk, "parameters": {"body": ["Dana"]}},
        content_type="application/json",
    )
    # then all three are on the first configured number
    assert preview.status_code == 200, preview.json()
    assert listed["channel_id"] == channel.pk
    assert "sales_only" not in [t["name"] for t in listed["templates"]]
    assert started.status_code == 201, started.json()
    assert started.json()["interaction"]["channel_id"] == channel.pk
    assert Interaction.objects.get().channel == channel
