"""R7: park an interaction in a workbin, open it again, logout, the customer writes back."""

from __future__ import annotations

import pytest

from conversations.models import AgentGroup, AgentProfile, Interaction, Offer
from conversations.services import routing
from tests.cloud_api import LENA, payload
from tests.factories import AgentProfileFactory, InteractionFactory, QueueFactory, UserFactory
from workbins.models import Workbin, WorkbinItem
from workbins.services import interaction_release_on_customer_message, workbin_personal_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(db):
    return AgentProfileFactory(capacity=2)


@pytest.fixture
def api(client, agent):
    client.force_login(agent.user)
    return client


def active(channel, agent, **kwargs) -> Interaction:
    AgentProfile.objects.filter(pk=agent.pk).update(load=agent.load + 1)
    return InteractionFactory.create(
        channel=channel, owner=agent.user, state=Interaction.State.ACTIVE, **kwargs
    )


def test_park_moves_the_interaction_to_the_personal_workbin_and_frees_capacity(
    api, agent, channel, django_capture_on_commit_callbacks
):
    interaction = active(channel, agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/interactions/{interaction.pk}/park/")
    assert response.status_code == 200
    interaction.refresh_from_db()
    assert (interaction.state, interaction.owner) == (Interaction.State.PARKED, None)
    item = WorkbinItem.objects.get()
    assert item.workbin.kind == "personal" and item.workbin.owner == agent.user
    agent.refresh_from_db()
    assert agent.load == 0
    listing = api.get("/api/v1/workbins/").json()["workbins"]
    assert [i["interaction_id"] for i in listing[0]["items"]] == [interaction.pk]
    # still visible (through the workbin): the transcript opens
    assert api.get(f"/api/v1/interactions/{interaction.pk}/transcript/").status_code == 200


def test_open_from_the_workbin_makes_it_mine_again(api, agent, channel):
    interaction = active(channel, agent)
    api.post(f"/api/v1/interactions/{interaction.pk}/park/")
    response = api.post(f"/api/v1/interactions/{interaction.pk}/unpark/")
    assert response.status_code == 200
    interaction.refresh_from_db()
    assert (interaction.state, interaction.owner) == (Interaction.State.ACTIVE, agent.user)
    assert not WorkbinItem.objects.exists()


def test_opening_over_capacity_is_refused(api, agent, channel):
    interaction = active(channel, agent)
    api.post(f"/api/v1/interactions/{interaction.pk}/park/")
    AgentProfile.objects.filter(pk=agent.pk).update(load=2)
    response = api.post(f"/api/v1/interactions/{interaction.pk}/unpark/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "at_capacity"


def test_group_workbin_is_shared_with_the_group_only(client, channel):
    team = AgentGroup.objects.create(name="Tier 2")
    first, colleague, outsider = (
        AgentProfileFactory(group=team),
        AgentProfileFactory(group=team),
        AgentProfileFactory(),
    )
    shared = Workbin.objects.create(name="Tier 2 follow-ups", kind="group", agent_group=team)
    interaction = active(channel, first)
    client.force_login(first.user)
    assert (
        client.post(f"/api/v1/interactions/{interaction.pk}/park/", {"workbin_id": shared.pk}).status_code
        == 200
    )
    client.force_login(outsider.user)
    assert client.post(f"/api/v1/interactions/{interaction.pk}/unpark/").status_code == 403
    client.force_login(colleague.user)
    assert client.post(f"/api/v1/interactions/{interaction.pk}/unpark/").status_code == 200


def test_logout_moves_open_interactions_to_the_personal_workbin(client, agent, channel):
    interactions = [active(channel, agent), active(channel, agent)]
    client.force_login(agent.user)
    client.post("/accounts/logout/")
    for interaction in interactions:
        interaction.refresh_from_db()
        assert interaction.state == Interaction.State.PARKED
    assert WorkbinItem.objects.filter(reason="logout").count() == 2


def test_sign_out_preview_says_what_the_logout_will_move(client, agent, channel):
    """The console asks before signing out: GET agent/me/sign-out/ counts what the logout
    moves (the same rule), names the customers and the workbin; it moves nothing itself."""
    client.force_login(agent.user)
    assert client.get("/api/v1/agent/me/sign-out/").json() == {
        "conversations": 0,
        "customers": [],
        "workbin": "My workbin",
        "offers": 0,
        "summary": "",
    }
    first = active(channel, agent, contact__name="Lena Vogel")
    active(channel, agent, contact__name="Max Mustermann")
    InteractionFactory.create(channel=channel, owner=agent.user, state=Interaction.State.PARKED)
    preview = client.get("/api/v1/agent/me/sign-out/").json()
    assert preview["conversations"] == 2
    assert preview["customers"] == ["Lena Vogel", "Max Mustermann"]
    assert preview["summary"].startswith(
        "Your 2 open conversations (Lena Vogel, Max Mustermann) move to your workbin \u201cMy workbin\u201d"
    )
    first.refresh_from_db()
    assert first.state == Interaction.State.ACTIVE  # a read: nothing moved
    client.post("/accounts/logout/")
    assert WorkbinItem.objects.filter(reason="logout").count() == preview["conversations"]


def test_customer_writing_to_a_parked_interaction_routes_it_to_an_available_agent(
    api, agent, channel, post_webhook, django_capture_on_commit_callbacks
):
    queue = QueueFactory(name="General")
    interaction = active(channel, agent, contact__wa_id=LENA.wa_id, queue=queue)
    api.post(f"/api/v1/interactions/{interaction.pk}/park/")
    available = AgentProfileFactory()
    available.queues.add(queue)
    routing.agent_set_ready(user=available.user, ready=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert post_webhook(payload("inbound_text")).status_code == 200
    interaction.refresh_from_db()
    assert interaction.state == Interaction.State.OFFERED
    assert not WorkbinItem.objects.exists()
    assert Offer.objects.get(state="pending").agent == available.user
    assert interaction.messages.get().body == "Hello, my parcel 4471 has not arrived yet"


def test_only_an_interaction_in_progress_can_be_parked(api, agent, channel):
    interaction = InteractionFactory(channel=channel, owner=agent.user, state=Interaction.State.CLOSED)
    response = api.post(f"/api/v1/interactions/{interaction.pk}/park/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_a_supervisor_sees_each_agents_workbin_under_its_owners_name(client, agent):
    supervisor = UserFactory(is_staff=True, is_superuser=True, username="sam")
    bob = AgentProfileFactory(user__first_name="Bob", user__last_name="Brown").user
    workbin_personal_for(user=bob)
    workbin_personal_for(user=agent.user)
    client.force_login(supervisor)
    workbins = client.get("/api/v1/workbins/").json()["workbins"]
    names = [(w["name"], w["mine"]) for w in workbins]
    owner_of_agent = agent.user.get_full_name() or agent.user.get_username()
    assert names[0] == ("My workbin", True)  # the supervisor's own comes first
    assert sorted(names[1:]) == sorted(
        [("Bob Brown's workbin", False), (f"{owner_of_agent}'s workbin", False)]
    )
    client.force_login(agent.user)
    assert [(w["name"], w["mine"]) for w in client.get("/api/v1/workbins/").json()["workbins"]] == [
        ("My workbin", True)
    ]


def test_a_conversation_back_from_a_workbin_says_so_on_its_offer(api, agent, channel):
    from conversations.selectors import agent_snapshot

    queue = QueueFactory()
    interaction = active(channel, agent, queue=queue)
    assert (
        api.post(
            f"/api/v1/interactions/{interaction.pk}/park/", {}, content_type="application/json"
        ).status_code
        == 200
    )
    colleague = AgentProfileFactory()
    colleague.queues.add(queue)
    routing.agent_set_ready(user=colleague.user, ready=True)
    interaction_release_on_customer_message(interaction_id=interaction.pk)
    [offer] = agent_snapshot(user=colleague.user)["offers"]
    assert offer["origin"]["kind"] == "workbin"
    assert offer["origin"]["by"] == (agent.user.get_full_name() or agent.user.get_username())
