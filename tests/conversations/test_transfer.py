"""R4: instant transfer to an agent, an agent group, a skill or a queue."""

from __future__ import annotations

import pytest

from conversations import options
from conversations.models import AgentGroup, AgentProfile, Interaction, Offer, OptionValue, Skill
from conversations.services import routing
from tests.factories import AgentProfileFactory, InteractionFactory, QueueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(db):
    return QueueFactory(name="General")


@pytest.fixture
def owner(queue):
    profile = AgentProfileFactory()
    profile.queues.add(queue)
    return profile


@pytest.fixture
def interaction(channel, owner, queue):
    AgentProfile.objects.filter(pk=owner.pk).update(load=1)
    return InteractionFactory(channel=channel, owner=owner.user, state=Interaction.State.ACTIVE, queue=queue)


@pytest.fixture
def api(client, owner):
    client.force_login(owner.user)
    return client


def ready(queue, **fields) -> AgentProfile:
    profile = AgentProfileFactory.create(**fields)
    profile.queues.add(queue)
    routing.agent_set_ready(user=profile.user, ready=True)
    return profile


def through_queue(name: str = "Transfers") -> None:
    OptionValue.objects.create(key="intercommunication.whatsappsession.queue", value=name)
    options.invalidate()


def test_transfer_to_an_agent_offers_it_to_them_and_frees_my_capacity(api, interaction, owner, queue):
    colleague = ready(queue)
    response = api.post(
        f"/api/v1/interactions/{interaction.pk}/transfer/",
        {"agent_id": colleague.user_id},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    offer = Offer.objects.get()
    assert (offer.agent, offer.state) == (colleague.user, "pending")
    interaction.refresh_from_db()
    assert (interaction.state, interaction.owner) == ("offered", None)
    owner.refresh_from_db()
    assert owner.load == 0
    routing.offer_accept(user=colleague.user, offer_id=offer.pk)
    interaction.refresh_from_db()
    assert interaction.owner == colleague.user


def test_an_unavailable_agent_is_refused_and_nothing_changes(api, interaction, queue):
    busy = AgentProfileFactory()  # Not Ready
    response = api.post(
        f"/api/v1/interactions/{interaction.pk}/transfer/",
        {"agent_id": busy.user_id},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "target_unavailable"
    interaction.refresh_from_db()
    assert interaction.state == "active"


def test_group_transfer_needs_the_interaction_queue_option(api, interaction):
    team = AgentGroup.objects.create(name="Tier 2")
    response = api.post(
        f"/api/v1/interactions/{interaction.pk}/transfer/",
        {"group_id": team.pk},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert "intercommunication.whatsappsession.queue" in response.json()["error"]["message"]


@pytest.mark.parametrize("target", ["group_id", "queue_id"])
def test_a_routing_queue_option_that_names_no_queue_is_refused(api, interaction, queue, target):
    """The check transfers share with conference invitations (R5b): the option must name a
    queue that exists, even for a transfer to a queue of one's choosing."""
    through_queue("Gone")
    team = AgentGroup.objects.create(name="Tier 2")
    response = api.post(
        f"/api/v1/interactions/{interaction.pk}/transfer/",
        {target: team.pk if target == "group_id" else queue.pk},
        content_type="application/json",
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "transfer_not_configured"
    assert "'Gone'" in error["message"]
    assert "intercommunication.whatsappsession.queue" in error["message"]
    interaction.refresh_from_db()
    assert interaction.state == "active"


def test_group_transfer_is_routed_to_a_member_only(api, interaction, django_capture_on_commit_callbacks):
    transfers = QueueFactory(name="Transfers")
    through_queue()
    team = AgentGroup.objects.create(name="Tier 2")
    ready(transfers, idle_since=None)  # in the queue, not in the group
    member = ready(transfers, group=team)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/interactions/{interaction.pk}/transfer/",
            {"group_id": team.pk},
            content_type="application/json",
        )
    assert response.status_code == 200
    assert Offer.objects.get().agent == member.user
    routing.offer_accept(user=member.user, offer_id=Offer.objects.get().pk)
    interaction.refresh_from_db()
    assert interaction.target_group is None  # cleared once accepted


def test_skill_transfer_waits_for_someone_with_the_skill(
    api, interaction, django_capture_on_commit_callbacks
):
    transfers = QueueFactory(name="Transfers")
    through_queue()
    german = Skill.objects.create(name="German")
    ready(transfers)
    with django_capture_on_commit_callbacks(execute=True):
        api.post(
            f"/api/v1/interactions/{interaction.pk}/transfer/",
            {"skill_id": german.pk},
            content_type="application/json",
        )
    interaction.refresh_from_db()
    assert interaction.state == "queued" and not Offer.objects.exists()
    speaker = AgentProfileFactory()
    speaker.queues.add(transfers)
    speaker.skills.add(german)
    with django_capture_on_commit_callbacks(execute=True):
        routing.agent_set_ready(user=speaker.user, ready=True)
    assert Offer.objects.get().agent == speaker.user


def test_exactly_one_target(api, interaction):
    response = api.post(
        f"/api/v1/interactions/{interaction.pk}/transfer/", {}, content_type="application/json"
    )
    assert response.status_code == 400


def test_target_search_by_name(api, queue):
    AgentProfileFactory(user__first_name="Zoe")
    AgentGroup.objects.create(name="Zoologists")
    found = api.get("/api/v1/transfer-targets/", {"search": "zo"}).json()
    assert [a["name"] for a in found["agents"]] == ["Zoe"]
    assert [g["name"] for g in found["groups"]] == ["Zoologists"]


def test_the_next_agents_offer_says_who_transferred_it_and_the_latest_message(
    api, interaction, owner, queue, channel
):
    from conversations.selectors import agent_snapshot
    from tests.factories import MessageFactory

    MessageFactory(interaction=interaction, body="My parcel never came", wamid="wamid.first")
    MessageFactory(interaction=interaction, body="Still waiting…", wamid="wamid.latest")
    owner.user.first_name, owner.user.last_name = "Alice", "Adams"
    owner.user.save()
    colleague = ready(queue)
    api.post(
        f"/api/v1/interactions/{interaction.pk}/transfer/",
        {"agent_id": colleague.user_id},
        content_type="application/json",
    )
    [offer] = agent_snapshot(user=colleague.user)["offers"]
    assert offer["origin"] == {"kind": "transfer", "label": "Transferred", "by": "Alice Adams"}
    assert offer["first_message"]["body"] == "My parcel never came"
    assert offer["latest_message"]["body"] == "Still waiting…"

    routing.offer_accept(user=colleague.user, offer_id=offer["id"])
    interaction.refresh_from_db()
    assert (interaction.handoff, interaction.handoff_by) == ("", None)  # the next offer is new work again


def test_a_new_conversations_offer_has_no_origin_and_one_message(channel, queue):
    from conversations.selectors import agent_snapshot
    from tests.factories import MessageFactory

    agent = ready(queue)
    waiting = InteractionFactory(channel=channel, queue=queue, state=Interaction.State.QUEUED)
    MessageFactory(interaction=waiting, body="Hello", wamid="wamid.only")
    routing.interaction_route(interaction_id=waiting.pk)
    [offer] = agent_snapshot(user=agent.user)["offers"]
    assert offer["origin"] is None
    assert offer["latest_message"] is None  # the first message is the latest: shown once
