"""R5b: a conference invitation "via the Skill or Group option": routing chooses the agent
of an agent group or with a skill, through the queue the option
``intercommunication.whatsappsession.queue`` names."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from conversations import events, options
from conversations.models import (
    AgentGroup,
    AgentProfile,
    BusinessAttribute,
    InteractionParticipant,
    OptionValue,
    Skill,
)
from conversations.services import collaboration, routing
from tests.factories import AgentProfileFactory, InteractionFactory, QueueFactory

pytestmark = pytest.mark.django_db

OPTION = "intercommunication.whatsappsession.queue"


@pytest.fixture
def queue(db):
    return QueueFactory(name="Conferences")


@pytest.fixture
def sales(db):
    return AgentGroup.objects.create(name="Sales")


@pytest.fixture
def french(db):
    return Skill.objects.create(name="French")


@pytest.fixture
def owner(queue, sales):
    profile = AgentProfileFactory(group=sales)
    profile.queues.add(queue)
    AgentProfile.objects.filter(pk=profile.pk).update(load=1, is_ready=True)
    return profile.user


@pytest.fixture
def interaction(channel, owner):
    BusinessAttribute.objects.create(name="InternalConferenceInvite")
    now = timezone.now()
    return InteractionFactory(
        channel=channel,
        owner=owner,
        state="active",
        last_inbound_at=now,
        window_expires_at=now + timedelta(hours=2),
    )


@pytest.fixture
def configured(queue):
    OptionValue.objects.create(key=OPTION, value=queue.name)
    options.invalidate()


@pytest.fixture
def api(client, owner):
    client.force_login(owner)
    return client


def member(queue, *, group=None, skills=(), ready=True, idle_minutes=0, load=0) -> AgentProfile:
    """An agent of ``queue``; ``idle_minutes``: how long they have been free."""
    profile = AgentProfileFactory.create(group=group)
    profile.queues.add(queue)
    profile.skills.add(*skills)
    if ready:
        routing.agent_set_ready(user=profile.user, ready=True)
    AgentProfile.objects.filter(pk=profile.pk).update(
        idle_since=timezone.now() - timedelta(minutes=idle_minutes), load=load
    )
    return profile


def invite(api, interaction, **target: Any):
    return api.post(
        f"/api/v1/interactions/{interaction.pk}/conference/", target, content_type="application/json"
    )


def test_via_a_group_the_longest_idle_ready_member_is_invited_and_told_so(
    api, interaction, queue, sales, configured, monkeypatch, django_capture_on_commit_callbacks
):
    member(queue, group=sales, idle_minutes=5)
    longest_idle = member(queue, group=sales, idle_minutes=30)
    member(queue, group=sales, ready=False, idle_minutes=90)  # Not Ready
    member(queue, group=sales, idle_minutes=60, load=3)  # at capacity
    member(queue, idle_minutes=120)  # in no group
    outsider = AgentProfileFactory(group=sales)  # not in the routing queue
    routing.agent_set_ready(user=outsider.user, ready=True)
    sent: list[tuple[list[str], str, dict[str, Any]]] = []
    monkeypatch.setattr(events, "broadcast_on_commit", lambda g, t, p: sent.append((list(g), t, p)))

    with django_capture_on_commit_callbacks(execute=True):
        response = invite(api, interaction, group_id=sales.pk)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["agent_id"] == longest_idle.user_id
    assert body["via"] == {"kind": "group", "id": sales.pk, "name": "Sales"}
    invitation = InteractionParticipant.objects.get(pk=body["invitation_id"])
    assert (invitation.agent_id, invitation.state, invitation.via_group, invitation.via_skill) == (
        longest_idle.user_id,
        "invited",
        sales,
        None,
    )
    frame = next(p for g, t, p in sent if t == "conference.invited")
    assert frame["via"] == {"kind": "group", "id": sales.pk, "name": "Sales"}
    # the invited agent's console (page, resync) says so too; accepting joins as usual
    api.force_login(longest_idle.user)
    [pending] = api.get("/api/v1/agent/me/").json()["invitations"]
    assert pending["via"]["name"] == "Sales"
    accepted = api.post(
        f"/api/v1/conference-invitations/{invitation.pk}/accept/", content_type="application/json"
    )
    assert accepted.json()["state"] == "joined"


def test_via_a_skill_and_nobody_twice(api, interaction, queue, french, configured):
    first = member(queue, skills=[french], idle_minutes=20)
    second = member(queue, skills=[french], idle_minutes=10)
    member(queue, idle_minutes=60)  # without the skill

    invited = [invite(api, interaction, skill_id=french.pk).json() for _ in range(2)]
    assert [i["agent_id"] for i in invited] == [first.user_id, second.user_id]  # no one invited twice
    assert invited[0]["via"] == {"kind": "skill", "id": french.pk, "name": "French"}

    refused = invite(api, interaction, skill_id=french.pk)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "target_unavailable"
    assert "nobody with the skill French is available" in refused.json()["error"]["message"]


def test_the_owner_is_never_invited_to_their_own_conversation(api, interaction, queue, sales, configured):
    # the owner is Ready, in the group and in the queue, with free capacity
    refused = invite(api, interaction, group_id=sales.pk)
    assert refused.status_code == 409
    assert refused.json()["error"] == {
        "code": "target_unavailable",
        "message": "nobody in the agent group Sales is available now "
        "(Ready and below capacity, in the queue Conferences)",
    }
    assert not InteractionParticipant.objects.exists()


def test_a_joined_agent_is_not_invited_again(api, interaction, queue, sales, configured):
    guest = member(queue, group=sales, idle_minutes=30)
    invitation = invite(api, interaction, group_id=sales.pk).json()
    collaboration.conference_answer(user=guest.user, participant_id=invitation["invitation_id"], accept=True)
    other = member(queue, group=sales, idle_minutes=1)
    assert invite(api, interaction, group_id=sales.pk).json()["agent_id"] == other.user_id


@pytest.mark.parametrize("value", ["", "No such queue"])
def test_without_the_routing_queue_option_group_and_skill_are_refused(api, interaction, queue, sales, value):
    member(queue, group=sales)
    if value:
        OptionValue.objects.create(key=OPTION, value=value)
        options.invalidate()
    refused = invite(api, interaction, group_id=sales.pk)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "conference_not_configured"
    assert OPTION in error["message"]
    if value:
        assert repr(value) in error["message"]
    assert not InteractionParticipant.objects.exists()


def test_an_unknown_group_or_skill_is_not_found(api, interaction, configured):
    assert invite(api, interaction, group_id=999_999).status_code == 404
    assert invite(api, interaction, skill_id=999_999).status_code == 404


def test_the_business_attribute_is_still_needed(api, interaction, queue, sales, configured):
    member(queue, group=sales)
    BusinessAttribute.objects.all().delete()
    refused = invite(api, interaction, group_id=sales.pk)
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "conference_disabled")


def test_only_the_owner_or_a_supervisor_invites(client, interaction, queue, sales, configured):
    stranger = member(queue, group=sales)
    client.force_login(stranger.user)
    assert invite(client, interaction, group_id=sales.pk).status_code == 404  # cannot even see it


@pytest.mark.parametrize(
    ("sent", "fields"),
    [
        ({}, {"agent_id"}),
        ({"agent_id": 1, "group_id": 2}, {"agent_id", "group_id"}),
        ({"group_id": 2, "skill_id": 3}, {"group_id", "skill_id"}),
        ({"group_id": "sales"}, {"group_id"}),
        ({"skill_id": 2**63}, {"skill_id"}),
        ({"group_id": None}, {"group_id"}),
    ],
)
def test_a_target_that_is_not_exactly_one_id_is_a_400_naming_the_field(api, interaction, sent, fields):
    response = invite(api, interaction, **sent)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == fields


def test_the_targets_say_which_conference_kinds_the_server_allows(api, queue):
    assert api.get("/api/v1/transfer-targets/").json()["conference_kinds"] == ["agents"]
    OptionValue.objects.create(key=OPTION, value="Not a queue")
    options.invalidate()
    assert api.get("/api/v1/transfer-targets/").json()["conference_kinds"] == ["agents"]
    OptionValue.objects.filter(key=OPTION).update(value=queue.name)
    options.invalidate()
    assert api.get("/api/v1/transfer-targets/").json()["conference_kinds"] == ["agents", "groups", "skills"]


def test_a_named_agent_is_invited_as_before_without_via(api, interaction, queue, configured):
    colleague = member(queue)
    body = invite(api, interaction, agent_id=colleague.user_id).json()
    assert (body["agent_id"], body["via"]) == (colleague.user_id, None)
