"""R8: a conversation answers on the number the customer writes from, whatever contact it
belongs to. The contact keeps all its numbers; the console shows the one in use."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from conversations.models import Contact, Interaction, Offer
from conversations.services import contacts as contact_services
from conversations.services import routing
from tests.cloud_api import payload
from tests.factories import DIRECTORY, AgentProfileFactory, QueueFactory, grant
from tests.graph_standin import start_graph_standin

pytestmark = pytest.mark.django_db

OLD, NEW = "4917600000002", "4917699999999"
NEW_BSUID = "DE.4917699999999"


@pytest.fixture
def graph(settings):
    standin = start_graph_standin()
    settings.WHATSAPP_GRAPH_BASE_URL = standin.base_url
    yield standin
    standin.close()


@pytest.fixture
def agent(channel):
    queue = QueueFactory(name="General")
    channel.default_queue = queue
    channel.save()
    profile = AgentProfileFactory()
    profile.queues.add(queue)
    routing.agent_set_ready(user=profile.user, ready=True)
    return grant(profile.user, DIRECTORY)  # finds the known contact in the directory


_sequence = iter(range(1, 10_000))


def text_from(wa_id: str, text: str, *, user_id: str | None = None) -> dict:
    """A customer's text message from ``wa_id``, sent now."""
    body = payload("inbound_text")
    value = body["entry"][0]["changes"][0]["value"]
    sender = value["contacts"][0]
    sender["wa_id"] = wa_id
    sender["user_id"] = user_id or f"DE.{wa_id}"  # another phone is another BSUID
    sender.pop("parent_user_id", None)
    message = value["messages"][0]
    message["from"] = wa_id
    message["from_user_id"] = sender["user_id"]
    message["id"] = f"wamid.address-{next(_sequence)}"
    message["timestamp"] = str(int(time.time()))
    message["text"]["body"] = text
    return body


def sent_to(graph) -> list[tuple[str, str]]:
    """(recipient, type) of every message sent (read receipts left out)."""
    return [
        (request.json().get("to") or request.json().get("recipient"), request.json()["type"])
        for request in graph.sends()
        if "type" in request.json()
    ]


def accept_offer(client, agent) -> Interaction:
    offer = Offer.objects.get(agent=agent, state=Offer.State.PENDING)
    assert client.post(f"/api/v1/offers/{offer.pk}/accept/").status_code == 200
    return Interaction.objects.get(pk=offer.interaction_id)


def reply(client, interaction, **message):
    response = client.post(
        f"/api/v1/interactions/{interaction.pk}/messages/", message, content_type="application/json"
    )
    assert response.status_code == 201, response.json()


LIST = {
    "type": "list",
    "button": "Slots",
    "sections": [{"title": "Tomorrow", "rows": [{"id": "am", "title": "Morning"}]}],
}


def test_assigning_to_a_known_contact_keeps_answering_on_the_new_number(
    client, agent, channel, graph, post_webhook, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    # Customer A writes from their number, the agent answers and closes.
    assert post_webhook(text_from(OLD, "Hi, it's Dana")).status_code == 200
    first = accept_offer(client, agent)
    assert client.post(f"/api/v1/interactions/{first.pk}/done/", {}).status_code == 200
    known = Contact.objects.get(wa_id=OLD)

    # The same person writes from a new phone; the agent recognises them and assigns.
    assert post_webhook(text_from(NEW, "Dana again, new phone")).status_code == 200
    current = accept_offer(client, agent)
    assigned = client.post(
        f"/api/v1/interactions/{current.pk}/assign-contact/",
        {"contact_id": known.pk},
        content_type="application/json",
    )
    assert assigned.status_code == 200, assigned.json()

    graph.accept()
    graph.accept()
    with django_capture_on_commit_callbacks(execute=True):
        reply(client, current, type="text", body="Welcome back, Dana")
        reply(client, current, type="interactive", body="Choose a slot", interactive=LIST)
    assert sent_to(graph) == [(f"+{NEW}", "text"), (f"+{NEW}", "interactive")]

    # The customer writes again from the new phone: still answered there.
    assert post_webhook(text_from(NEW, "Morning please")).status_code == 200
    graph.accept()
    with django_capture_on_commit_callbacks(execute=True):
        reply(client, current, type="text", body="Booked")
    assert sent_to(graph)[-1] == (f"+{NEW}", "text")

    # The console shows the number in use; the contact keeps both numbers.
    console = client.get(f"/api/v1/interactions/{current.pk}/console/").json()
    assert console["contact"]["id"] == known.pk
    assert console["customer_wa_id"] == NEW
    assert console["contact"]["wa_id"] == OLD
    assert Contact.objects.get(wa_id=NEW).merged_into == known
    # A new conversation started from the directory goes where the customer is now.
    assert contact_services.contact_address_in_use(contact=known) == (NEW, NEW_BSUID)


def test_the_conversation_follows_the_number_the_customer_writes_from(channel, post_webhook):
    assert post_webhook(text_from(OLD, "first")).status_code == 200
    interaction = Interaction.objects.get()
    assert (interaction.customer_wa_id, interaction.customer_user_id) == (OLD, f"DE.{OLD}")
    # A message of the same person without the number (a username hides it): the number stays.
    hidden = text_from(OLD, "second", user_id=f"DE.{OLD}")
    value = hidden["entry"][0]["changes"][0]["value"]
    del value["contacts"][0]["wa_id"]
    del value["messages"][0]["from"]
    value["messages"][0]["from_user_id"] = f"DE.{OLD}"
    assert post_webhook(hidden).status_code == 200
    interaction.refresh_from_db()
    assert interaction.last_inbound_wamid == value["messages"][0]["id"]
    assert (interaction.customer_wa_id, interaction.customer_user_id) == (OLD, f"DE.{OLD}")


def test_a_number_change_moves_the_open_conversation_to_the_new_number(channel, post_webhook):
    assert post_webhook(text_from(OLD, "hello")).status_code == 200
    change = payload("inbound_system_user_changed_number")
    value = change["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = channel.phone_number_id
    system = value["messages"][0]
    system["from"] = OLD
    system["system"]["wa_id"] = NEW
    system["timestamp"] = str(int(time.time()))
    assert post_webhook(change).status_code == 200
    interaction = Interaction.objects.get()
    assert interaction.customer_wa_id == NEW
    assert contact_services.contact_address_in_use(contact=interaction.contact)[0] == NEW


def test_an_outbound_session_to_a_typed_alias_number_goes_to_that_number(
    client, agent, channel, graph, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Permission

    from templates_app.models import MessageTemplate

    known = Contact.objects.create(wa_id=OLD, phone=f"+{OLD}")
    Contact.objects.create(wa_id=NEW, merged_into=known)
    agent.user_permissions.add(Permission.objects.get(codename="start_outbound_session"))
    template = MessageTemplate.objects.create(
        name="hello_again",
        language="en_US",
        kind=MessageTemplate.Kind.NOTIFICATION,
        status=MessageTemplate.Status.APPROVED,
        body="Hello again!",
    )
    client.force_login(agent)
    graph.accept()
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/api/v1/outbound-sessions/",
            {"phone": f"+{NEW}", "template_id": template.pk, "assign_to_me": True},
            content_type="application/json",
        )
    assert started.status_code == 201, started.json()
    assert sent_to(graph) == [(f"+{NEW}", "template")]
    assert started.json()["interaction"]["contact"]["id"] == known.pk
    assert started.json()["interaction"]["customer_wa_id"] == NEW


@pytest.fixture
def merged_customer(channel, agent):
    """Dana: known on OLD, writing from NEW (a merged alias), in a conversation with the agent."""
    from django.utils import timezone

    from tests.factories import InteractionFactory

    known = Contact.objects.create(wa_id=OLD, phone=f"+{OLD}", name="Dana (CRM)")
    Contact.objects.create(wa_id=NEW, user_id=NEW_BSUID, merged_into=known)
    now = timezone.now()
    return InteractionFactory(
        channel=channel,
        contact=known,
        owner=agent,
        customer_wa_id=NEW,
        customer_user_id=NEW_BSUID,
        last_inbound_at=now - timedelta(days=2),
        window_expires_at=now + timedelta(hours=1),
    )


def test_the_notification_fallback_goes_to_the_number_in_use(
    merged_customer, agent, graph, django_capture_on_commit_callbacks
):
    from conversations.services.outbound import OutboundSpec, message_send
    from templates_app.models import MessageTemplate

    MessageTemplate.objects.create(
        name="thanks_for_patience",
        language="en_US",
        status=MessageTemplate.Status.APPROVED,
        body="Thank you for your patience! {{1}}",
        is_default_notification=True,
    )
    graph.accept()
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(
            user=agent, interaction_id=merged_customer.pk, spec=OutboundSpec(type="text", body="Sorry!")
        )
    assert message.type == "template"  # after the reply timeout (O2)
    assert sent_to(graph) == [(f"+{NEW}", "template")]


def test_a_conversation_started_with_the_contact_goes_where_they_write_from(
    merged_customer, client, agent, graph, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Permission

    from templates_app.models import MessageTemplate

    Interaction.objects.filter(pk=merged_customer.pk).update(state=Interaction.State.CLOSED)
    agent.user_permissions.add(Permission.objects.get(codename="start_outbound_session"))
    template = MessageTemplate.objects.create(
        name="hello_again",
        language="en_US",
        kind=MessageTemplate.Kind.NOTIFICATION,
        status=MessageTemplate.Status.APPROVED,
        body="Hello again!",
    )
    client.force_login(agent)
    graph.accept()
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/api/v1/outbound-sessions/",
            {"contact_id": merged_customer.contact_id, "template_id": template.pk, "assign_to_me": True},
            content_type="application/json",
        )
    assert started.status_code == 201, started.json()
    assert sent_to(graph) == [(f"+{NEW}", "template")]
    assert started.json()["interaction"]["customer_wa_id"] == NEW
