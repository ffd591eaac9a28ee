"""S1: the supervisors' live board (queues, agents, interactions at risk) and an agent's
waiting count, from the selector and the API; its cost does not grow with history."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from conversations.models import AgentGroup, AgentProfile, Interaction, Offer
from conversations.payloads import contact_payload
from conversations.selectors import board_filters, supervisor_board
from conversations.selectors.board import BOARD_RISK_LIMIT, BoardFilters
from flows.models import Flow, FlowSession
from tests.factories import (
    AgentProfileFactory,
    ChannelFactory,
    ContactFactory,
    InteractionFactory,
    QueueFactory,
    UserFactory,
    grant,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def midday():
    """The board counts "today" from local midnight: the tests run at noon, so that an entry
    made "7 minutes ago" is today whenever CI happens to run (it once ran at 00:05)."""
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    with time_machine.travel(noon, tick=True):
        yield noon


@pytest.fixture
def supervisor(db):
    return grant(UserFactory(username="sue", first_name="Sue", is_staff=True), "supervise_interactions")


@pytest.fixture
def general(db):
    return QueueFactory(name="General")


def agent(queue, *, ready=True, load=0, capacity=3, group=None, name="") -> AgentProfile:
    profile = AgentProfileFactory.create(
        capacity=capacity,
        load=load,
        is_ready=ready,
        group=group,
        ready_changed_at=timezone.now() - timedelta(minutes=5),
        **({"user": UserFactory.create(first_name=name)} if name else {}),
    )
    profile.queues.add(queue)
    return profile


def waiting(channel, queue, *, minutes_ago: int) -> Interaction:
    return InteractionFactory.create(
        channel=channel,
        queue=queue,
        state=Interaction.State.QUEUED,
        queued_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_queues_show_waiting_longest_wait_today_and_agents_by_state(supervisor, channel, general):
    oldest = waiting(channel, general, minutes_ago=7)
    waiting(channel, general, minutes_ago=2)
    agent(general, ready=True, load=0)
    agent(general, ready=True, load=3)
    agent(general, ready=False)
    abandoned = InteractionFactory(
        channel=channel, queue=general, state=Interaction.State.CLOSED, closed_at=timezone.now()
    )
    board = supervisor_board(user=supervisor)
    (row,) = board["queues"]
    assert row["waiting"] == 2
    assert row["longest_waiting_since"] == oldest.queued_at.isoformat()
    assert row["offered_today"] == 3  # the two waiting and the one that ended unanswered
    assert row["abandoned_today"] == 1
    assert (row["agents_ready"], row["agents_busy"], row["agents_not_ready"]) == (1, 1, 1)
    assert abandoned.accepted_at is None


def test_today_starts_at_local_midnight(supervisor, channel, general, midday):
    """Five minutes past midnight: an entry of ten minutes ago was yesterday's, one of two
    minutes ago is today's (the failure CI met when it ran at 00:05)."""
    with time_machine.travel(midday.replace(hour=0, minute=5), tick=False):
        waiting(channel, general, minutes_ago=10)
        waiting(channel, general, minutes_ago=2)
        (row,) = supervisor_board(user=supervisor)["queues"]
    assert row["waiting"] == 2
    assert row["offered_today"] == 1


def test_agents_show_state_reason_time_load_and_their_interactions(supervisor, channel, general):
    lena = agent(general, load=1, name="Lena")
    chat = InteractionFactory(
        channel=channel, queue=general, owner=lena.user, contact=ContactFactory(name="Ada")
    )
    AgentProfile.objects.filter(pk=lena.pk).update(
        is_ready=False, not_ready_reason="supervisor", not_ready_note="Coaching at 3"
    )
    (row,) = supervisor_board(user=supervisor)["agents"]
    assert row["status"] == "not_ready"
    assert (row["not_ready_reason"], row["not_ready_note"]) == ("supervisor", "Coaching at 3")
    assert row["state_since"] is not None
    assert (row["load"], row["capacity"]) == (1, 3)
    assert [(i["id"], i["contact"]) for i in row["interactions"]] == [(chat.pk, "Ada")]


def test_the_board_names_customers_as_the_console_does(supervisor, channel, general):
    """U2: the board's rows are read as values, yet name a customer by the payloads' rule."""
    lena = agent(general, load=3, name="Lena")
    contacts = [
        ContactFactory(name="Ada"),
        ContactFactory(name="", profile_name="Maria", wa_id="4915112340002"),
        ContactFactory(name="", profile_name="", username="joao.s", wa_id="5511987650003"),
        ContactFactory(name="", profile_name="", username="", wa_id="4915112340004"),
    ]
    for contact in contacts:
        InteractionFactory(channel=channel, queue=general, owner=lena.user, contact=contact)
    (row,) = supervisor_board(user=supervisor)["agents"]
    shown = sorted(i["contact"] for i in row["interactions"])
    assert shown == sorted(contact_payload(c)["display_name"] for c in contacts)
    assert shown == ["+4915112340004", "@joao.s", "Ada", "Maria …0002"]


def test_interactions_at_risk_most_urgent_first(supervisor, channel, general):
    now = timezone.now()
    lena = agent(general, load=2)
    long_wait = InteractionFactory(
        channel=channel, owner=lena.user, awaiting_reply_since=now - timedelta(minutes=30),
        window_expires_at=now + timedelta(hours=20),
    )  # fmt: skip
    short_wait = InteractionFactory(
        channel=channel, owner=lena.user, awaiting_reply_since=now - timedelta(minutes=1),
        window_expires_at=now + timedelta(minutes=10),
    )  # fmt: skip
    InteractionFactory(channel=channel, window_expires_at=now - timedelta(minutes=1))  # already closed
    offered = InteractionFactory(channel=channel, queue=general, state=Interaction.State.OFFERED)
    offer = Offer.objects.create(interaction=offered, agent=lena.user, due_at=now + timedelta(seconds=20))
    risks = supervisor_board(user=supervisor)["at_risk"]
    assert [i["id"] for i in risks["reply_pending"]] == [long_wait.pk, short_wait.pk]
    assert [i["id"] for i in risks["window_closing"]] == [short_wait.pk, long_wait.pk]
    assert [(o["id"], o["interaction_id"]) for o in risks["offers_expiring"]] == [(offer.pk, offered.pk)]
    assert risks["reply_pending"][0]["owner"] == lena.user.first_name


def test_filters_by_queue_group_and_channel(supervisor, channel, general):
    billing = QueueFactory(name="Billing")
    other_number = ChannelFactory()
    team = AgentGroup.objects.create(name="Team A")
    in_team = agent(general, group=team)
    agent(billing)
    waiting(channel, general, minutes_ago=1)
    waiting(other_number, general, minutes_ago=1)
    waiting(channel, billing, minutes_ago=1)

    by_queue = supervisor_board(user=supervisor, filters=BoardFilters(queue_id=billing.pk))
    assert [q["name"] for q in by_queue["queues"]] == ["Billing"]
    assert len(by_queue["agents"]) == 1 and by_queue["agents"][0]["queue_ids"] == [billing.pk]

    by_channel = supervisor_board(user=supervisor, filters=BoardFilters(channel_id=other_number.pk))
    assert {q["name"]: q["waiting"] for q in by_channel["queues"]} == {"Billing": 0, "General": 1}

    by_group = supervisor_board(user=supervisor, filters=BoardFilters(group_id=team.pk))
    assert [a["id"] for a in by_group["agents"]] == [in_team.user_id]


def test_sorting_agents_and_queues(supervisor, channel, general):
    billing = QueueFactory(name="Billing")
    waiting(channel, general, minutes_ago=9)
    waiting(channel, billing, minutes_ago=1)
    waiting(channel, billing, minutes_ago=2)
    agent(general, name="Zoe", load=2)
    agent(general, name="Ann", load=0)
    board = supervisor_board(user=supervisor, filters=board_filters({"queue_sort": "-waiting"}))
    assert [q["name"] for q in board["queues"]] == ["Billing", "General"]
    board = supervisor_board(user=supervisor, filters=board_filters({"queue_sort": "-longest_wait"}))
    assert [q["name"] for q in board["queues"]] == ["General", "Billing"]
    board = supervisor_board(user=supervisor, filters=board_filters({"agent_sort": "-load"}))
    assert [a["name"] for a in board["agents"]][:2] == ["Zoe", "Ann"]
    board = supervisor_board(user=supervisor, filters=board_filters({}))
    assert [a["name"] for a in board["agents"]][:2] == ["Ann", "Zoe"]


def test_risk_lists_are_bounded(supervisor, channel, general):
    now = timezone.now()
    for minutes in range(BOARD_RISK_LIMIT + 5):
        InteractionFactory(channel=channel, awaiting_reply_since=now - timedelta(minutes=minutes))
    risks = supervisor_board(user=supervisor)["at_risk"]
    assert len(risks["reply_pending"]) == BOARD_RISK_LIMIT


# --- the API ----------------------------------------------------------------------------------


def test_the_api_answers_the_board_with_filters(client, supervisor, channel, general):
    waiting(channel, general, minutes_ago=3)
    client.force_login(supervisor)
    response = client.get(f"/api/v1/supervisor/board/?queue_id={general.pk}&agent_sort=-status")
    assert response.status_code == 200, response.json()
    board = response.json()
    assert board["filters"]["queue_id"] == general.pk
    assert board["queues"][0]["waiting"] == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("queue_id=abc", "queue_id"),
        ("queue_id=0", "queue_id"),
        ("group_id=99999999999999999999", "group_id"),
        ("agent_sort=mood", "agent_sort"),
        ("queue_sort=", "queue_sort"),
        ("colour=red", "colour"),
    ],
)
def test_bad_filters_are_a_clear_400(client, supervisor, query, field):
    client.force_login(supervisor)
    response = client.get(f"/api/v1/supervisor/board/?{query}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert field in error["message"]
    assert list(error["fields"]) == [field]


def test_a_filter_naming_nothing_is_refused_not_an_empty_board(client, supervisor):
    client.force_login(supervisor)
    response = client.get("/api/v1/supervisor/board/?channel_id=424242")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "channel_id: channel 424242 does not exist"


def test_a_filter_given_twice_is_refused(client, supervisor):
    client.force_login(supervisor)
    response = client.get("/api/v1/supervisor/board/?agent_sort=name&agent_sort=load")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "agent_sort: given 2 times; give each filter once"


def test_agents_may_not_read_the_board(client, general):
    lena = agent(general)
    client.force_login(lena.user)
    response = client.get("/api/v1/supervisor/board/?queue_id=abc")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_a_supervisor"


def test_an_agent_sees_the_waiting_count_of_their_own_queues(client, channel, general):
    billing = QueueFactory(name="Billing")
    QueueFactory(name="Elsewhere")
    lena = agent(general)
    lena.queues.add(billing)
    waiting(channel, general, minutes_ago=1)
    waiting(channel, general, minutes_ago=2)
    client.force_login(lena.user)
    response = client.get("/api/v1/agent/me/queues/")
    assert response.status_code == 200
    assert response.json() == [
        {"id": billing.pk, "name": "Billing", "waiting": 0},
        {"id": general.pk, "name": "General", "waiting": 2},
    ]


def test_a_content_manager_has_no_queues_to_see(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/api/v1/agent/me/queues/").status_code == 403


# --- cost -------------------------------------------------------------------------------------

#: The board's queries: agents, their queues, queues, open interactions, today's entries,
#: today's abandons, pending offers, numbers whose quality dropped, entry flows that broke
#: today (plus the supervisor's permission check).
BOARD_QUERIES = 11


def _crowd(channel, queues, *, agents: int, open_interactions: int) -> None:
    profiles = AgentProfile.objects.bulk_create(
        [AgentProfile(user=UserFactory.create(), capacity=10, is_ready=True, load=0) for _ in range(agents)]
    )
    for index, profile in enumerate(profiles):
        profile.queues.add(queues[index % len(queues)])
    contacts = [ContactFactory.build() for _ in range(open_interactions)]
    from conversations.models import Contact

    contacts = Contact.objects.bulk_create(contacts)
    now = timezone.now()
    Interaction.objects.bulk_create(
        [
            Interaction(
                contact=contact,
                channel=channel,
                queue=queues[index % len(queues)],
                state=Interaction.State.ACTIVE if index % 2 else Interaction.State.QUEUED,
                owner_id=profiles[index % agents].user_id if index % 2 else None,
                queued_at=now - timedelta(seconds=index),
                awaiting_reply_since=now - timedelta(seconds=index) if index % 3 == 0 else None,
                window_expires_at=now + timedelta(hours=1, seconds=index),
            )
            for index, contact in enumerate(contacts)
        ]
    )


def _history(channel, queue, *, closed: int) -> None:
    from conversations.models import Contact

    contacts = Contact.objects.bulk_create([ContactFactory.build() for _ in range(closed)])
    earlier = timezone.now() - timedelta(days=30)
    Interaction.objects.bulk_create(
        [
            Interaction(
                contact=contact,
                channel=channel,
                queue=queue,
                state=Interaction.State.CLOSED,
                queued_at=earlier,
                closed_at=earlier,
            )
            for contact in contacts
        ]
    )


def test_the_board_of_200_agents_and_2000_open_interactions_costs_a_fixed_number_of_queries(
    supervisor, channel, django_assert_max_num_queries
):
    queues = [QueueFactory(name=f"Queue {n}") for n in range(5)]
    _crowd(channel, queues, agents=200, open_interactions=2000)
    with django_assert_max_num_queries(BOARD_QUERIES):
        board = supervisor_board(user=supervisor)
    assert len(board["agents"]) == 200
    assert sum(q["waiting"] for q in board["queues"]) == 1000
    assert sum(len(a["interactions"]) for a in board["agents"]) == 1000


def test_history_does_not_add_queries(supervisor, channel, general, django_assert_max_num_queries):
    _crowd(channel, [general], agents=20, open_interactions=100)
    with django_assert_max_num_queries(BOARD_QUERIES):
        before = supervisor_board(user=supervisor)
    _history(channel, general, closed=3000)
    with django_assert_max_num_queries(BOARD_QUERIES):
        after = supervisor_board(user=supervisor)
    assert before["queues"] == after["queues"]  # the closed history counts nowhere today


# --- the console page ---------------------------------------------------------------------------


def test_the_console_shows_the_board_to_supervisors_only(client, supervisor, general):
    client.force_login(supervisor)
    page = client.get("/console/").content.decode()
    assert 'id="board"' in page and '"is_supervisor": true' in page
    assert '"name": "General"' in page  # the queue filter's choices
    lena = agent(general)
    client.force_login(lena.user)
    page = client.get("/console/").content.decode()
    assert 'id="board"' not in page and 'id="queue-waiting"' in page


# --- G5: numbers whose quality dropped ----------------------------------------------------


def test_the_board_lists_the_numbers_whose_quality_is_not_green_worst_first(supervisor):
    dropped = timezone.now() - timedelta(hours=2)
    ChannelFactory(name="Fine", quality_rating="GREEN")
    ChannelFactory(name="New", quality_rating="UNKNOWN")
    ChannelFactory(name="Off", quality_rating="RED", is_active=False)
    yellow = ChannelFactory(name="Sales", quality_rating="YELLOW", messaging_limit="TIER_1K")
    red = ChannelFactory(
        name="Support", quality_rating="RED", messaging_limit="TIER_250", quality_dropped_at=dropped
    )
    flagged = ChannelFactory(name="Billing", quality_rating="GREEN", quality_dropped_at=dropped)

    numbers = supervisor_board(user=supervisor)["numbers"]

    assert [n["id"] for n in numbers] == [red.pk, yellow.pk, flagged.pk]
    assert numbers[0] == {
        "id": red.pk,
        "name": "Support",
        "display_phone_number": red.display_phone_number,
        "quality_rating": "RED",
        "messaging_limit": "TIER_250",
        "quality_dropped_at": dropped.isoformat(),
    }
    assert numbers[1]["quality_dropped_at"] is None


def test_the_numbers_follow_the_channel_filter(supervisor):
    red = ChannelFactory(quality_rating="RED")
    other = ChannelFactory(quality_rating="YELLOW")
    board = supervisor_board(user=supervisor, filters=BoardFilters(channel_id=other.pk))
    assert [n["id"] for n in board["numbers"]] == [other.pk]
    assert red.pk not in [n["id"] for n in board["numbers"]]


def test_the_board_api_carries_the_numbers(client, supervisor):
    ChannelFactory(quality_rating="RED", messaging_limit="TIER_250")
    client.force_login(supervisor)
    (number,) = client.get("/api/v1/supervisor/board/").json()["numbers"]
    assert (number["quality_rating"], number["messaging_limit"]) == ("RED", "TIER_250")


# --- B1: entry flows that broke ----------------------------------------------------------------


def broken_run(flow, channel, *, hours_ago: float, error: str = "queue 7 was deleted") -> FlowSession:
    now = timezone.now()
    return FlowSession.objects.create(
        interaction=InteractionFactory.create(channel=channel),
        flow=flow,
        started_at=now - timedelta(hours=hours_ago, minutes=1),
        ended_at=now - timedelta(hours=hours_ago),
        outcome=FlowSession.Outcome.ERROR,
        error=error,
    )


def test_the_board_names_the_entry_flows_that_broke_today_latest_error_first(supervisor, channel):
    flow = Flow.objects.create(name="Triage", channel=channel, time_zone="Europe/Berlin")
    broken_run(flow, channel, hours_ago=13, error="yesterday's")  # the board runs at noon
    broken_run(flow, channel, hours_ago=2, error="queue 7 was deleted")
    broken_run(flow, channel, hours_ago=1, error="template 'welcome' is not approved")
    FlowSession.objects.create(
        interaction=InteractionFactory.create(channel=channel),
        flow=flow,
        started_at=timezone.now(),
        ended_at=timezone.now(),
        outcome=FlowSession.Outcome.ROUTED,
    )
    (row,) = supervisor_board(user=supervisor)["flow_errors"]
    assert (row["flow"], row["errors_today"]) == ("Triage", 2)
    assert row["last_error"] == "template 'welcome' is not approved"


def test_the_flow_errors_follow_the_channel_filter(supervisor, channel):
    other = ChannelFactory()
    broken_run(Flow.objects.create(name="Here", channel=channel, time_zone="UTC"), channel, hours_ago=1)
    broken_run(Flow.objects.create(name="There", channel=other, time_zone="UTC"), other, hours_ago=1)
    board = supervisor_board(user=supervisor, filters=BoardFilters(channel_id=other.pk))
    assert [f["flow"] for f in board["flow_errors"]] == ["There"]
    assert supervisor_board(user=supervisor)["flow_errors"] != []
