"""P6: supervisors see everything; staff status alone (content managers) opens only the admin;
agents are the users with an agent profile; the contact directory is a permission."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client

from conversations.models import Interaction, Message, Offer
from conversations.permissions import user_is_supervisor
from tests.factories import DIRECTORY, AgentProfileFactory, InteractionFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def interaction(channel):
    return InteractionFactory(
        channel=channel, owner=AgentProfileFactory().user, state=Interaction.State.ACTIVE
    )


@pytest.fixture
def content_manager(db):
    user = UserFactory(is_staff=True, username="cleo")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="templates_app"))
    return user


def test_a_content_manager_cannot_read_or_act_on_conversations(client, content_manager, interaction):
    client.force_login(content_manager)
    assert client.get("/api/v1/interactions/").json()["results"] == []
    assert client.get(f"/api/v1/interactions/{interaction.pk}/messages/").status_code == 404
    sent = client.post(
        f"/api/v1/interactions/{interaction.pk}/messages/",
        {"type": "text", "body": "hi from content"},
        content_type="application/json",
    )
    assert sent.status_code == 404
    done = client.post(f"/api/v1/interactions/{interaction.pk}/done/", {}, content_type="application/json")
    assert done.status_code == 404  # not a 403, which would tell that it exists
    interaction.refresh_from_db()
    assert interaction.state == Interaction.State.ACTIVE
    assert not Message.objects.exists()


def test_supervisors_are_superusers_or_staff_with_the_supervise_permission(content_manager, interaction):
    assert not user_is_supervisor(content_manager)
    assert user_is_supervisor(UserFactory(is_superuser=True))
    team_lead = UserFactory(is_staff=True)
    supervisors = Group.objects.create(name="Supervisors")
    supervisors.permissions.add(Permission.objects.get(codename="supervise_interactions"))
    team_lead.groups.add(supervisors)
    assert user_is_supervisor(team_lead)
    team_lead.is_staff = False  # the permission counts for staff users only
    assert not user_is_supervisor(team_lead)


def test_a_supervisor_by_permission_sees_every_conversation(client, interaction):
    team_lead = UserFactory(is_staff=True)
    team_lead.user_permissions.add(Permission.objects.get(codename="supervise_interactions"))
    client.force_login(team_lead)
    listed = client.get("/api/v1/interactions/").json()["results"]
    assert [row["id"] for row in listed] == [interaction.pk]


# --- who is an agent: the demo's content manager is not one ---------------------------------


@pytest.fixture
def demo(settings, tmp_path):
    """The demo ``make run`` seeds (its credentials file in a temporary directory)."""
    from io import StringIO

    from django.core.management import call_command

    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=StringIO())
    return {user.username: user for user in get_user_model().objects.all()}


def token_client(user) -> Client:
    """An API client authenticated like an integrator: by the user's token."""
    from rest_framework.authtoken.models import Token

    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")


def test_the_demo_content_manager_cannot_work_as_an_agent(demo, client):
    from conversations.models import AgentProfile, Channel

    content, alice = demo["content"], demo["alice"]
    cleo = token_client(content)
    ready = cleo.post("/api/v1/agent/me/state/", {"ready": True}, content_type="application/json")
    assert ready.status_code == 403
    assert ready.json()["error"]["code"] == "not_an_agent"
    assert cleo.get("/api/v1/agent/me/").status_code == 403
    assert not AgentProfile.objects.filter(user=content).exists()  # nobody becomes an agent by asking
    assert cleo.get("/api/v1/contacts/").json()["results"] == []  # no customer's details
    assert cleo.get("/api/v1/transfer-targets/").status_code == 403

    # alice cannot hand her conversation to the content manager, nor even find her
    interaction = InteractionFactory(channel=Channel.objects.get(), owner=alice, state="active")
    client.force_login(alice)
    targets = client.get("/api/v1/transfer-targets/").json()["agents"]
    assert "content" not in [agent["username"] for agent in targets]
    transferred = client.post(
        f"/api/v1/interactions/{interaction.pk}/transfer/",
        {"agent_id": content.pk},
        content_type="application/json",
    )
    assert transferred.status_code == 404
    assert not Offer.objects.filter(agent=content).exists()
    assert cleo.get(f"/api/v1/interactions/{interaction.pk}/transcript/").status_code == 404

    # the console says so instead of opening
    client.force_login(content)
    page = client.get("/console/")
    assert page.status_code == 403
    assert "The console is for agents" in page.content.decode()
    assert not AgentProfile.objects.filter(user=content).exists()


def test_supervisors_keep_the_console(demo, client):
    client.force_login(demo["supervisor"])
    assert client.get("/console/").status_code == 200
    assert client.get("/api/v1/agent/me/").status_code == 200


def test_a_non_agent_socket_is_refused_before_the_handshake(db):
    from asgiref.sync import async_to_sync
    from channels.testing import WebsocketCommunicator

    from console.consumers import NOT_AN_AGENT, AgentConsumer

    communicator = WebsocketCommunicator(AgentConsumer.as_asgi(), "/ws/console/")
    communicator.scope["user"] = UserFactory(is_staff=True)  # a content manager

    async def handshake():
        answer = await communicator.connect()
        await communicator.disconnect()
        return answer

    assert async_to_sync(handshake)() == (False, NOT_AN_AGENT)


# --- the contact directory and contact history ----------------------------------------------


def test_without_the_directory_an_agent_sees_only_the_contacts_of_their_conversations(client, interaction):
    from tests.factories import ContactFactory

    stranger = ContactFactory(name="Somebody Else")
    agent = interaction.owner
    client.force_login(agent)
    listed = [c["id"] for c in client.get("/api/v1/contacts/").json()["results"]]
    assert listed == [interaction.contact_id]
    assert client.get(f"/api/v1/contacts/{stranger.pk}/").status_code == 404
    assert client.get(f"/api/v1/contacts/{stranger.pk}/history/").status_code == 404

    client.force_login(grant(agent, DIRECTORY))  # "Can browse the contact directory"
    listed = {c["id"] for c in client.get("/api/v1/contacts/").json()["results"]}
    assert listed == {interaction.contact_id, stranger.pk}
    assert client.get(f"/api/v1/contacts/{stranger.pk}/").json()["name"] == "Somebody Else"
    # the directory shows details; the history (other agents' work) stays with who handles it
    assert client.get(f"/api/v1/contacts/{stranger.pk}/").json()["history_visible"] is False
    assert client.get(f"/api/v1/contacts/{stranger.pk}/history/").status_code == 404


def test_a_conversation_cannot_be_started_with_a_contact_the_agent_may_not_see(client, channel):
    from templates_app.models import MessageTemplate
    from tests.factories import ContactFactory

    template = MessageTemplate.objects.create(
        name="hello_again",
        language="en_US",
        kind=MessageTemplate.Kind.NOTIFICATION,
        status=MessageTemplate.Status.APPROVED,
        body="Hello again!",
    )
    agent = grant(AgentProfileFactory().user, "start_outbound_session")
    client.force_login(agent)
    started = client.post(
        "/api/v1/outbound-sessions/",
        {"contact_id": ContactFactory().pk, "template_id": template.pk, "assign_to_me": True},
        content_type="application/json",
    )
    assert started.status_code == 404
    assert not Interaction.objects.exists()


@pytest.mark.parametrize("state", [Offer.State.EXPIRED, Offer.State.WITHDRAWN, Offer.State.REJECTED])
def test_contact_history_ends_with_the_offer(client, interaction, state):
    from django.utils import timezone

    bob = AgentProfileFactory().user
    Offer.objects.create(interaction=interaction, agent=bob, state=state, due_at=timezone.now())
    client.force_login(bob)
    assert client.get(f"/api/v1/contacts/{interaction.contact_id}/history/").status_code == 404


def test_a_pending_offer_shows_the_contact_history(client, channel):
    from django.utils import timezone

    offered = InteractionFactory(channel=channel, state=Interaction.State.OFFERED)
    bob = AgentProfileFactory().user
    Offer.objects.create(interaction=offered, agent=bob, due_at=timezone.now())
    client.force_login(bob)
    assert client.get(f"/api/v1/contacts/{offered.contact_id}/history/").status_code == 200


# --- merging contacts (R8) is checked in the service ----------------------------------------


def test_contact_merge_checks_who_asks(interaction):
    from conversations.exceptions import PermissionDenied
    from conversations.models import Contact
    from conversations.services.contacts import contact_merge
    from tests.factories import ContactFactory

    known = ContactFactory(name="Dana (CRM)")
    colleague = grant(AgentProfileFactory().user, DIRECTORY)
    with pytest.raises(PermissionDenied):
        contact_merge(user=colleague, source_id=interaction.contact_id, target_id=known.pk)
    assert Contact.objects.get(pk=interaction.contact_id).merged_into is None

    owner = grant(interaction.owner, DIRECTORY)
    assert contact_merge(user=owner, source_id=interaction.contact_id, target_id=known.pk) == known
    interaction.refresh_from_db()
    assert interaction.contact == known


def test_an_agent_without_the_directory_cannot_merge_into_a_contact_they_cannot_see(interaction):
    from conversations.exceptions import NotFound
    from conversations.services.contacts import contact_merge
    from tests.factories import ContactFactory

    with pytest.raises(NotFound):
        contact_merge(user=interaction.owner, source_id=interaction.contact_id, target_id=ContactFactory().pk)
