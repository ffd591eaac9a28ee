"""The console shows what the server allows (DESIGN invariant 8): every interaction payload
names, for its viewer, the actions the services would accept, and why an agent is Not Ready."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from conversations.models import AgentProfile, BusinessAttribute, Interaction, InteractionParticipant, Offer
from conversations.services import routing, signout
from tests.factories import AgentProfileFactory, InteractionFactory, QueueFactory, UserFactory
from workbins.models import Workbin, WorkbinItem

pytestmark = pytest.mark.django_db

P = InteractionParticipant
OWNER_ACTIONS = [
    "reply",
    "react",
    "send_template",
    "mark_read",
    "note",
    "edit_contact",
    "case_data",
    "done",
    "transfer",
    "conference",
    "consult",
    "park",
    "assign_contact",
]
GUEST_ACTIONS = ["reply", "react", "send_template", "mark_read", "note", "edit_contact", "leave_conference"]


@pytest.fixture
def owner(db):
    return AgentProfileFactory(load=1).user


@pytest.fixture
def colleague(db):
    return AgentProfileFactory().user


@pytest.fixture
def interaction(channel, owner):
    BusinessAttribute.objects.create(name="InternalConferenceInvite")  # conferences on
    now = timezone.now()
    return InteractionFactory(
        channel=channel,
        owner=owner,
        state="active",
        last_inbound_at=now,
        window_expires_at=now + timedelta(hours=2),
    )


@pytest.fixture
def supervisor(db):
    """A team lead: staff with the supervise permission, and an agent profile of their own."""
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="supervise_interactions"))
    AgentProfileFactory(user=user)
    return user


def seen_by(client, user, interaction) -> dict:
    client.force_login(user)
    response = client.get(f"/api/v1/interactions/{interaction.pk}/console/")
    assert response.status_code == 200, response.content
    return response.json()


def joined(interaction, agent, kind) -> InteractionParticipant:
    return P.objects.create(
        interaction=interaction, agent=agent, kind=kind, state=P.State.JOINED, joined_at=timezone.now()
    )


def test_the_owner_may_do_everything_with_their_conversation(client, owner, interaction):
    detail = seen_by(client, owner, interaction)
    assert detail["actions"] == OWNER_ACTIONS
    assert detail["part"] == "owner"


def test_without_the_conference_switch_the_owner_is_not_offered_conferences(client, owner, interaction):
    BusinessAttribute.objects.all().delete()
    assert "conference" not in seen_by(client, owner, interaction)["actions"]


def test_a_supervisor_may_take_the_owners_actions_on_an_agents_conversation(client, supervisor, interaction):
    detail = seen_by(client, supervisor, interaction)
    assert detail["actions"] == OWNER_ACTIONS
    assert detail["part"] == "supervisor"


def test_a_consulted_supervisor_is_offered_transfer_and_done_and_they_work(
    client, owner, supervisor, colleague, interaction
):
    joined(interaction, supervisor, P.Kind.CONSULTATION)
    detail = seen_by(client, supervisor, interaction)
    assert {"transfer", "done", "reply", "end_consultation", "consultation"} <= set(detail["actions"])
    assert "leave_consultation" not in detail["actions"]  # a supervisor ends it for everyone
    assert detail["part"] == "consultation"

    routing.agent_set_ready(user=colleague, ready=True)
    transferred = client.post(
        f"/api/v1/interactions/{interaction.pk}/transfer/",
        {"agent_id": colleague.pk},
        content_type="application/json",
    )
    assert transferred.status_code == 200, transferred.content
    assert Offer.objects.get(interaction=interaction).agent == colleague


def test_a_conference_guest_writes_and_leaves_but_takes_no_owner_action(
    client, owner, colleague, interaction
):
    joined(interaction, colleague, P.Kind.CONFERENCE)
    detail = seen_by(client, colleague, interaction)
    assert detail["actions"] == GUEST_ACTIONS
    assert detail["part"] == "conference"
    # the services refuse what is not offered
    done = client.post(f"/api/v1/interactions/{interaction.pk}/done/", {}, content_type="application/json")
    assert done.status_code == 403
    # and the owner may now leave too (the guest keeps the conversation)
    assert "leave_conference" in seen_by(client, owner, interaction)["actions"]


def test_a_consulted_agent_reads_and_answers_in_the_consultation_only(client, owner, colleague, interaction):
    joined(interaction, colleague, P.Kind.CONSULTATION)
    detail = seen_by(client, colleague, interaction)
    assert detail["actions"] == ["consultation", "leave_consultation"]
    assert detail["part"] == "consultation"
    sent = client.post(
        f"/api/v1/interactions/{interaction.pk}/messages/",
        {"type": "text", "body": "hi"},
        content_type="application/json",
    )
    assert sent.status_code == 403
    # the owner may write in it and end it
    assert {"consultation", "end_consultation"} <= set(seen_by(client, owner, interaction)["actions"])


def test_a_workbin_member_sees_a_parked_conversation_read_only(client, owner, colleague, interaction):
    group = AgentProfile.objects.get(user=owner).group or _group_for(owner, colleague)
    shared = Workbin.objects.create(name="Team", kind=Workbin.Kind.GROUP, agent_group=group)
    Interaction.objects.filter(pk=interaction.pk).update(state="parked", owner=None)
    WorkbinItem.objects.create(interaction=interaction, workbin=shared, placed_by=owner)
    detail = seen_by(client, colleague, interaction)
    assert detail["actions"] == []
    assert detail["part"] == ""


def _group_for(*users):
    from conversations.models import AgentGroup

    group = AgentGroup.objects.create(name="Team")
    AgentProfile.objects.filter(user__in=users).update(group=group)
    return group


def test_a_done_conversation_offers_nothing_that_would_change_it(client, owner, interaction):
    client.force_login(owner)
    client.post(f"/api/v1/interactions/{interaction.pk}/done/", {}, content_type="application/json")
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    actions = client.get(f"/api/v1/interactions/{interaction.pk}/console/").json()["actions"]
    assert not {"reply", "send_template", "done", "transfer", "park", "case_data"} & set(actions)


def test_every_summary_the_console_receives_carries_its_viewers_actions(
    client, owner, colleague, interaction
):
    joined(interaction, colleague, P.Kind.CONFERENCE)
    client.force_login(colleague)
    snapshot = client.get("/api/v1/agent/me/").json()
    (summary,) = snapshot["interactions"]
    assert summary["id"] == interaction.pk
    assert summary["actions"] == GUEST_ACTIONS
    client.force_login(owner)
    (mine,) = client.get("/api/v1/agent/me/").json()["interactions"]
    assert mine["actions"] == [*OWNER_ACTIONS, "leave_conference"]  # the guest would keep it


def test_an_accepted_offer_answers_with_the_new_owners_actions(client, channel):
    queue = QueueFactory()
    profile = AgentProfileFactory()
    profile.queues.add(queue)
    routing.agent_set_ready(user=profile.user, ready=True)
    InteractionFactory(channel=channel, queue=queue, state=Interaction.State.QUEUED)
    routing.dispatch_waiting()
    offer = Offer.objects.get(agent=profile.user)
    client.force_login(profile.user)
    accepted = client.post(f"/api/v1/offers/{offer.pk}/accept/", {}, content_type="application/json").json()
    assert {"reply", "done", "transfer", "park"} <= set(accepted["actions"])
    assert accepted["part"] == "owner"


# --- why the agent is Not Ready --------------------------------------------------------------


def expire_an_offer_of(channel, profile) -> None:
    queue = QueueFactory()
    profile.queues.add(queue)
    routing.agent_set_ready(user=profile.user, ready=True)
    InteractionFactory(channel=channel, queue=queue, state=Interaction.State.QUEUED)
    routing.dispatch_waiting()
    offer = Offer.objects.get(agent=profile.user, state=Offer.State.PENDING)
    assert routing.offers_expire_due(now=offer.due_at + timedelta(seconds=1)) == 1


def test_the_server_says_why_the_agent_is_not_ready_whenever_the_console_asks(client, channel):
    profile = AgentProfileFactory()
    expire_an_offer_of(channel, profile)
    client.force_login(profile.user)
    agent = client.get("/api/v1/agent/me/").json()["agent"]  # a resync: no frame needed
    assert agent["is_ready"] is False
    assert agent["not_ready_reason"] == "offer_expired"
    assert agent["not_ready_notice"] == "You were set to Not Ready because an offer was not accepted in time."
    assert agent["ready_changed_at"]

    ready = client.post("/api/v1/agent/me/state/", {"ready": True}, content_type="application/json").json()
    assert (ready["not_ready_reason"], ready["not_ready_notice"]) == ("", "")
    chosen = client.post("/api/v1/agent/me/state/", {"ready": False}, content_type="application/json").json()
    assert (chosen["not_ready_reason"], chosen["not_ready_notice"]) == ("chosen", "")


def test_signing_out_is_a_reason_of_its_own(client, channel):
    profile = AgentProfileFactory()
    routing.agent_set_ready(user=profile.user, ready=True)
    signout.agent_logged_out(user=profile.user)
    profile.refresh_from_db()
    assert (profile.is_ready, profile.not_ready_reason) == (False, "signed_out")
