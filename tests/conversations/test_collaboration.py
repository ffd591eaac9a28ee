"""R5 conference and R6 consultation: a second agent on one interaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations.exceptions import PermissionDenied
from conversations.models import AgentProfile, BusinessAttribute, Interaction, InteractionParticipant, Message
from conversations.services import capacity, collaboration, routing
from tests.factories import AgentProfileFactory, InteractionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(db):
    profile = AgentProfileFactory()
    AgentProfile.objects.filter(pk=profile.pk).update(load=1)
    return profile.user


@pytest.fixture
def colleague(db):
    profile = AgentProfileFactory()
    routing.agent_set_ready(user=profile.user, ready=True)
    return profile.user


@pytest.fixture
def interaction(channel, owner):
    now = timezone.now()
    return InteractionFactory(
        channel=channel,
        owner=owner,
        state="active",
        last_inbound_at=now,
        window_expires_at=now + timedelta(hours=2),
    )


def post(client, user, url, data=None):
    client.force_login(user)
    return client.post(url, data or {}, content_type="application/json")


def test_conference_needs_the_business_attribute(client, owner, colleague, interaction):
    response = post(
        client, owner, f"/api/v1/interactions/{interaction.pk}/conference/", {"agent_id": colleague.pk}
    )
    assert response.status_code == 409
    assert "InternalConferenceInvite" in response.json()["error"]["message"]


def test_conference_both_agents_see_and_write_then_either_leaves(
    client, owner, colleague, interaction, settings
):
    BusinessAttribute.objects.create(name="InternalConferenceInvite")
    invited = post(
        client, owner, f"/api/v1/interactions/{interaction.pk}/conference/", {"agent_id": colleague.pk}
    )
    assert invited.status_code == 201
    invitation = invited.json()["invitation_id"]
    # before accepting, the colleague cannot write
    assert (
        post(
            client,
            colleague,
            f"/api/v1/interactions/{interaction.pk}/messages/",
            {"type": "text", "body": "hi"},
        ).status_code
        == 404
    )
    assert (
        post(client, colleague, f"/api/v1/conference-invitations/{invitation}/accept/").json()["state"]
        == "joined"
    )
    client.force_login(colleague)
    assert [i["id"] for i in client.get("/api/v1/agent/me/").json()["interactions"]] == [interaction.pk]
    sent = post(
        client,
        colleague,
        f"/api/v1/interactions/{interaction.pk}/messages/",
        {"type": "text", "body": "Hello, I'm Bob"},
    )
    assert sent.status_code == 201
    assert Message.objects.get().author == colleague
    # the owner leaves: the colleague keeps the conversation
    left = post(client, owner, f"/api/v1/interactions/{interaction.pk}/conference/leave/")
    assert left.status_code == 200
    interaction.refresh_from_db()
    assert interaction.owner == colleague
    assert AgentProfile.objects.get(user=owner).load == 0
    assert AgentProfile.objects.get(user=colleague).load == 1


def test_a_declined_invitation_changes_nothing(client, owner, colleague, interaction):
    BusinessAttribute.objects.create(name="InternalConferenceInvite")
    invitation = post(
        client, owner, f"/api/v1/interactions/{interaction.pk}/conference/", {"agent_id": colleague.pk}
    ).json()
    assert (
        post(
            client, colleague, f"/api/v1/conference-invitations/{invitation['invitation_id']}/decline/"
        ).json()["state"]
        == "declined"
    )
    assert AgentProfile.objects.get(user=colleague).load == 0


def test_consultation_is_internal_and_lets_the_consultant_read(client, owner, colleague, interaction):
    started = post(
        client, owner, f"/api/v1/interactions/{interaction.pk}/consultation/",
        {"agent_id": colleague.pk, "body": "Is a refund OK here?"},
    )  # fmt: skip
    assert started.status_code == 201
    client.force_login(colleague)
    assert client.get(f"/api/v1/interactions/{interaction.pk}/transcript/").status_code == 200  # may read
    reply = post(
        client, colleague, f"/api/v1/interactions/{interaction.pk}/consultation/", {"body": "Yes, up to 50 €"}
    )
    assert reply.status_code == 201
    bodies = [
        m["body"]
        for m in client.get(f"/api/v1/interactions/{interaction.pk}/consultation/").json()["messages"]
    ]
    assert bodies == ["Is a refund OK here?", "Yes, up to 50 €"]
    assert not Message.objects.exists()  # nothing went to the customer
    # but a consultant may not write to the customer
    assert (
        post(
            client,
            colleague,
            f"/api/v1/interactions/{interaction.pk}/messages/",
            {"type": "text", "body": "x"},
        ).status_code
        == 403
    )
    assert post(client, owner, f"/api/v1/interactions/{interaction.pk}/consultation/end/").json() == {
        "ended": 1
    }
    assert not InteractionParticipant.objects.filter(state="joined").exists()


def test_strangers_cannot_read_a_consultation(client, owner, interaction):
    stranger = AgentProfileFactory().user
    client.force_login(stranger)
    assert client.get(f"/api/v1/interactions/{interaction.pk}/consultation/").status_code == 403
    assert Interaction.objects.get().owner == owner


def test_strangers_can_neither_end_a_consultation_nor_leave_a_conference(
    client, owner, colleague, interaction, django_capture_on_commit_callbacks
):
    post(
        client,
        owner,
        f"/api/v1/interactions/{interaction.pk}/consultation/",
        {"agent_id": colleague.pk, "body": "Is a refund OK here?"},
    )
    stranger = AgentProfileFactory().user
    with django_capture_on_commit_callbacks() as callbacks:
        ended = post(client, stranger, f"/api/v1/interactions/{interaction.pk}/consultation/end/")
        left = post(client, stranger, f"/api/v1/interactions/{interaction.pk}/conference/leave/")
    assert (ended.status_code, ended.json()["error"]["message"]) == (403, "you are not in this consultation")
    assert (left.status_code, left.json()["error"]["message"]) == (403, "you are not in this conference")
    assert not callbacks  # nobody was told anything
    assert InteractionParticipant.objects.get().state == "joined"


def test_a_consulted_agent_ends_only_their_own_consultation(client, owner, colleague, interaction):
    post(
        client,
        owner,
        f"/api/v1/interactions/{interaction.pk}/consultation/",
        {"agent_id": colleague.pk, "body": "Is a refund OK here?"},
    )
    response = post(client, colleague, f"/api/v1/interactions/{interaction.pk}/consultation/end/")
    assert response.json() == {"ended": 1}
    assert InteractionParticipant.objects.get().state == "left"
    again = post(client, colleague, f"/api/v1/interactions/{interaction.pk}/consultation/end/")
    assert again.status_code == 403


def test_done_ends_every_participation_and_frees_the_guest(client, owner, colleague, interaction):
    from conversations.services.collaboration import conference_answer, conference_invite

    BusinessAttribute.objects.create(name="InternalConferenceInvite")
    invitation = conference_invite(user=owner, interaction_id=interaction.pk, agent_id=colleague.pk)
    conference_answer(user=colleague, participant_id=invitation.pk, accept=True)
    third = AgentProfileFactory().user
    routing.agent_set_ready(user=third, ready=True)
    pending = conference_invite(user=owner, interaction_id=interaction.pk, agent_id=third.pk)
    assert AgentProfile.objects.get(user=colleague).load == 1
    assert capacity.agent_loads_reconcile() == 0  # a guest's load is real load
    assert post(client, owner, f"/api/v1/interactions/{interaction.pk}/done/").status_code == 200
    assert AgentProfile.objects.get(user=colleague).load == 0
    states = dict(InteractionParticipant.objects.values_list("pk", "state"))
    assert states == {invitation.pk: "left", pending.pk: "declined"}


def test_agent_me_lists_invitations_and_consultations(client, owner, colleague, interaction):
    BusinessAttribute.objects.create(name="InternalConferenceInvite")
    post(client, owner, f"/api/v1/interactions/{interaction.pk}/conference/", {"agent_id": colleague.pk})
    third = AgentProfileFactory().user
    post(
        client,
        owner,
        f"/api/v1/interactions/{interaction.pk}/consultation/",
        {"agent_id": third.pk, "body": "?"},
    )
    client.force_login(colleague)
    assert [i["interaction"]["id"] for i in client.get("/api/v1/agent/me/").json()["invitations"]] == [
        interaction.pk
    ]
    client.force_login(third)
    assert [i["id"] for i in client.get("/api/v1/agent/me/").json()["consultations"]] == [interaction.pk]
    # a consulted agent reads but neither marks as read nor edits the contact
    assert (
        post(client, third, f"/api/v1/interactions/{interaction.pk}/read/", {"message_id": 1}).status_code
        == 403
    )
    client.force_login(third)
    response = client.patch(
        f"/api/v1/contacts/{interaction.contact_id}/", {"name": "x"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_posting_in_a_consultation_starts_it_with_an_agent_or_writes_in_it(owner, colleague, interaction):
    """Start or send is the service's decision (R6): with ``agent_id`` the owner consults
    that agent, without it they write in the consultation going on."""
    # when the owner consults the colleague, then writes again without naming anyone
    first = collaboration.consultation_post(
        user=owner, interaction_id=interaction.pk, agent_id=colleague.pk, body="Refund OK?"
    )
    second = collaboration.consultation_post(user=owner, interaction_id=interaction.pk, body="Up to 50 €?")
    # then the colleague joined once, and both messages are in the one consultation
    joined = InteractionParticipant.objects.filter(interaction=interaction, kind="consultation")
    assert [(p.agent_id, p.state) for p in joined] == [(colleague.pk, "joined")]
    assert [m.body for m in (first, second)] == ["Refund OK?", "Up to 50 €?"]
    # and writing without a consultation going on is refused
    collaboration.consultation_end(user=owner, interaction_id=interaction.pk)
    with pytest.raises(PermissionDenied):
        collaboration.consultation_post(user=colleague, interaction_id=interaction.pk, body="still here?")
