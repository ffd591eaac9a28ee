"""S2: a supervisor intervenes (monitor, barge in, take over, move, Not Ready, sign out):
permission-checked in the services, each action in the audit log."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from conversations import options
from conversations.models import (
    AgentProfile,
    Interaction,
    InteractionParticipant,
    Offer,
    OptionValue,
)
from conversations.services import routing, supervision
from tests.factories import AgentProfileFactory, InteractionFactory, QueueFactory, UserFactory, grant
from workbins.models import Workbin, WorkbinItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(db):
    return QueueFactory(name="General")


@pytest.fixture
def supervisor(db):
    return grant(UserFactory(username="sue", first_name="Sue", is_staff=True), "supervise_interactions")


@pytest.fixture
def lena(queue):
    profile = AgentProfileFactory(user=UserFactory(username="lena", first_name="Lena"), load=1)
    profile.queues.add(queue)
    return profile


@pytest.fixture
def chat(channel, lena, queue):
    return InteractionFactory(channel=channel, owner=lena.user, queue=queue, state=Interaction.State.ACTIVE)


@pytest.fixture
def api(client, supervisor):
    client.force_login(supervisor)
    return client


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def entries(action: str) -> list[dict]:
    return [e.details for e in AuditEntry.objects.filter(action=action).order_by("id")]


def test_monitoring_is_read_only_recorded_and_silent_by_default(api, chat, supervisor, lena):
    response = post(api, f"/api/v1/interactions/{chat.pk}/monitor/")
    assert response.status_code == 200, response.json()
    assert (response.json()["actions"], response.json()["part"]) == ([], "monitor")
    assert entries("interaction.intervene") == [
        {"action": "monitor", "owner_id": lena.user_id, "agent_told": False}
    ]


def test_monitoring_tells_the_agent_when_the_option_says_so(
    chat, supervisor, lena, django_capture_on_commit_callbacks
):
    OptionValue.objects.create(key="whatsappsession.supervisor-monitor-notify-agent", value="true")
    options.invalidate()
    supervision.interaction_monitor(user=supervisor, interaction_id=chat.pk)
    assert entries("interaction.intervene")[0]["agent_told"] is True


def test_barging_in_joins_as_a_conference_participant(api, chat, supervisor, lena):
    response = post(api, f"/api/v1/interactions/{chat.pk}/barge-in/")
    assert response.status_code == 200, response.json()
    joined = InteractionParticipant.objects.get(interaction=chat)
    assert (joined.agent, joined.kind, joined.state) == (supervisor, "conference", "joined")
    assert "reply" in response.json()["actions"]
    chat.refresh_from_db()
    assert chat.owner == lena.user  # the agent keeps the conversation
    assert post(api, f"/api/v1/interactions/{chat.pk}/barge-in/").json()["error"]["code"] == "already_joined"
    assert entries("interaction.intervene") == [{"action": "barge_in", "owner_id": lena.user_id}]


def test_taking_over_makes_it_the_supervisors_and_frees_the_agent(api, chat, supervisor, lena):
    response = post(api, f"/api/v1/interactions/{chat.pk}/take-over/")
    assert response.status_code == 200, response.json()
    chat.refresh_from_db()
    assert (chat.owner, chat.state) == (supervisor, "active")
    lena.refresh_from_db()
    assert lena.load == 0
    assert AgentProfile.objects.get(user=supervisor).load == 1
    assert entries("interaction.intervene")[0]["action"] == "take_over"


def test_taking_over_an_offered_interaction_withdraws_the_offer(channel, queue, supervisor, lena):
    routing.agent_set_ready(user=lena.user, ready=True)
    waiting = InteractionFactory(channel=channel, queue=queue, state=Interaction.State.QUEUED)
    offer = routing.interaction_route(interaction_id=waiting.pk)
    assert offer is not None
    supervision.interaction_take_over(user=supervisor, interaction_id=waiting.pk)
    offer.refresh_from_db()
    assert offer.state == Offer.State.WITHDRAWN
    waiting.refresh_from_db()
    assert (waiting.owner, waiting.state) == (supervisor, "active")


def test_moving_to_a_queue_and_to_a_workbin(api, channel, chat, queue, supervisor, lena):
    OptionValue.objects.create(key="intercommunication.whatsappsession.queue", value="General")
    options.invalidate()
    billing = QueueFactory(name="Billing")
    response = post(api, f"/api/v1/interactions/{chat.pk}/move/", {"queue_id": billing.pk})
    assert response.status_code == 200, response.json()
    chat.refresh_from_db()
    assert (chat.queue, chat.state, chat.owner) == (billing, "queued", None)

    other = InteractionFactory(channel=channel, owner=lena.user, state=Interaction.State.ACTIVE)
    shared = Workbin.objects.create(kind=Workbin.Kind.PERSONAL, owner=supervisor, name="Sue's")
    response = post(api, f"/api/v1/interactions/{other.pk}/move/", {"workbin_id": shared.pk})
    assert response.status_code == 200, response.json()
    assert WorkbinItem.objects.get(interaction=other).workbin == shared
    assert [e["action"] for e in entries("interaction.intervene")] == ["transfer", "park"]


def test_a_move_names_exactly_one_target(api, chat):
    response = post(api, f"/api/v1/interactions/{chat.pk}/move/", {"queue_id": 1, "workbin_id": 2})
    assert response.status_code == 400
    assert post(api, f"/api/v1/interactions/{chat.pk}/move/", {}).status_code == 400


def test_setting_an_agent_not_ready_with_a_reason(api, supervisor, lena):
    routing.agent_set_ready(user=lena.user, ready=True)
    response = post(api, f"/api/v1/agents/{lena.user_id}/not-ready/", {"reason": "Coaching at 3"})
    assert response.status_code == 200, response.json()
    agent = response.json()
    assert (agent["is_ready"], agent["not_ready_reason"]) == (False, "supervisor")
    assert agent["not_ready_notice"] == "A supervisor set you to Not Ready: Coaching at 3"
    assert entries("agent.intervene") == [{"action": "not_ready", "note": "Coaching at 3"}]
    too_long = post(api, f"/api/v1/agents/{lena.user_id}/not-ready/", {"reason": "x" * 201})
    assert too_long.status_code == 400


def test_signing_an_agent_out_parks_their_work_like_logout(api, chat, supervisor, lena):
    routing.agent_set_ready(user=lena.user, ready=True)
    response = post(api, f"/api/v1/agents/{lena.user_id}/sign-out/")
    assert response.status_code == 200, response.json()
    assert response.json()["not_ready_reason"] == "signed_out"
    item = WorkbinItem.objects.get(interaction=chat)
    assert (item.workbin.kind, item.workbin.owner, item.reason) == ("personal", lena.user, "logout")
    assert entries("agent.intervene") == [{"action": "sign_out", "parked": 1}]


def test_a_signed_out_agent_is_neither_signed_out_again_nor_set_not_ready(api, chat, supervisor, lena):
    # given Lena signed out by a supervisor, not logged in since
    assert post(api, f"/api/v1/agents/{lena.user_id}/sign-out/").status_code == 200
    signed_out_at = AgentProfile.objects.get(pk=lena.pk).signed_out_at
    # when a supervisor signs her out again, or sets her Not Ready
    again = post(api, f"/api/v1/agents/{lena.user_id}/sign-out/")
    not_ready = post(api, f"/api/v1/agents/{lena.user_id}/not-ready/", {"reason": "Coaching"})
    # then both are refused and nothing changes: still signed out, one intervention recorded
    assert again.status_code == 409
    assert again.json()["error"] == {
        "code": "signed_out",
        "message": "Lena is signed out until they log in again",
    }
    assert (not_ready.status_code, not_ready.json()["error"]["code"]) == (409, "signed_out")
    profile = AgentProfile.objects.get(pk=lena.pk)
    assert (profile.not_ready_reason, profile.signed_out_at) == ("signed_out", signed_out_at)
    assert entries("agent.intervene") == [{"action": "sign_out", "parked": 1}]


def test_once_the_agent_logged_in_again_a_supervisor_may_sign_them_out_again(client, supervisor, lena):
    supervision.agent_sign_out(user=supervisor, agent_id=lena.user_id)
    client.force_login(lena.user)  # she logs in again
    profile = supervision.agent_set_not_ready(user=supervisor, agent_id=lena.user_id, note="Coaching")
    assert profile.not_ready_reason == "supervisor"
    assert supervision.agent_sign_out(user=supervisor, agent_id=lena.user_id).not_ready_reason == "signed_out"


def test_moving_an_interaction_to_the_agent_who_has_it_names_them(api, chat, lena):
    response = post(api, f"/api/v1/interactions/{chat.pk}/move/", {"agent_id": lena.user_id})
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "invalid", "message": "the interaction is already with Lena"}


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/api/v1/interactions/{chat}/monitor/", None),
        ("/api/v1/interactions/{chat}/barge-in/", None),
        ("/api/v1/interactions/{chat}/take-over/", None),
        ("/api/v1/interactions/{chat}/move/", {"queue_id": 1}),
        ("/api/v1/agents/{agent}/not-ready/", {"reason": "no"}),
        ("/api/v1/agents/{agent}/sign-out/", None),
    ],
)
def test_agents_may_not_intervene(client, chat, lena, queue, url, data):
    colleague = AgentProfileFactory()
    colleague.queues.add(queue)
    client.force_login(colleague.user)
    response = post(client, url.format(chat=chat.pk, agent=lena.user_id), data)
    assert response.status_code in (403, 404)
    if response.status_code == 403:
        assert response.json()["error"]["code"] in ("not_a_supervisor", "permission_denied")
    assert not AuditEntry.objects.filter(action__endswith=".intervene").exists()
    chat.refresh_from_db()
    assert chat.owner == lena.user


def test_even_the_owner_may_not_take_supervisor_actions(client, chat, lena):
    client.force_login(lena.user)
    response = post(client, f"/api/v1/interactions/{chat.pk}/take-over/")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "not_a_supervisor")


def test_closed_and_unknown_interactions(api, channel):
    closed = InteractionFactory(channel=channel, state=Interaction.State.CLOSED)
    assert post(api, f"/api/v1/interactions/{closed.pk}/monitor/").status_code == 409
    assert post(api, "/api/v1/interactions/987654/take-over/").status_code == 404
    assert post(api, "/api/v1/agents/987654/sign-out/").status_code == 404


def test_a_signed_out_agents_login_opens_no_console_until_they_log_in_again(client, supervisor, lena):
    client.force_login(lena.user)
    assert client.get("/console/").status_code == 200
    supervision.agent_sign_out(user=supervisor, agent_id=lena.user_id)
    response = client.get("/console/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(lena.user)  # logging in again (last_login is now)
    assert client.get("/console/").status_code == 200


def interventions(client, interaction) -> list[str]:
    response = client.get(f"/api/v1/interactions/{interaction.pk}/console/")
    assert response.status_code == 200, response.content
    return response.json()["interventions"]


def test_the_server_tells_a_supervisor_which_interventions_a_conversation_allows_now(
    api, chat, supervisor, lena
):
    """S2 from an interaction: the console offers exactly what the services would accept."""
    AgentProfileFactory(user=supervisor)
    assert interventions(api, chat) == ["barge_in", "take_over", "move"]

    assert post(api, f"/api/v1/interactions/{chat.pk}/barge-in/").status_code == 200
    assert interventions(api, chat) == ["take_over", "move"]  # already in it

    assert post(api, f"/api/v1/interactions/{chat.pk}/take-over/").status_code == 200
    assert interventions(api, chat) == []  # their own now: the owner's actions instead


def test_a_waiting_conversation_can_only_be_taken_over_and_a_parked_one_not_at_all(api, chat, supervisor):
    Interaction.objects.filter(pk=chat.pk).update(state=Interaction.State.QUEUED, owner=None)
    assert interventions(api, chat) == ["take_over"]
    Interaction.objects.filter(pk=chat.pk).update(state=Interaction.State.PARKED)
    assert interventions(api, chat) == []
    refused = post(api, f"/api/v1/interactions/{chat.pk}/take-over/")
    assert refused.status_code == 409


def test_agents_are_offered_no_interventions(client, chat, lena):
    client.force_login(lena.user)
    assert interventions(client, chat) == []
