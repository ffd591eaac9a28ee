"""B2 While waiting: position and expected wait at the queue's interval, only inside the
24-hour window, none once accepted; a customer who leaves before an agent accepts is
closed as abandoned and counted on the board and in the reports."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from conversations.models import Interaction, Message, Offer
from conversations.selectors.board import supervisor_board
from conversations.services import routing
from reports.periods import Period
from reports.selectors import report_build
from surveys import services
from surveys.selectors import wait_words
from tests.cloud_api import LENA, RAFAEL
from tests.factories import InteractionFactory, UserFactory
from tests.surveys.conftest import care, ready, text, waiting_of

pytestmark = pytest.mark.django_db


def notices(interaction: Interaction) -> list[Message]:
    return list(
        Message.objects.filter(interaction=interaction, direction=Message.Direction.OUTBOUND).order_by("pk")
    )


def sweep(at: datetime) -> int:
    return services.waiting_care_due(now=at)


def test_notices_come_at_the_interval_with_position_and_expected_wait(
    post_webhook, graph, channel, general, django_capture_on_commit_callbacks
):
    care(general, waiting_notices=True, waiting_interval_minutes=5)
    # Someone this queue served in the past hour waited 4 minutes for an agent.
    now = timezone.now()
    InteractionFactory(
        channel=channel,
        queue=general,
        state=Interaction.State.CLOSED,
        queued_at=now - timedelta(minutes=30),
        accepted_at=now - timedelta(minutes=26),
    )
    assert post_webhook(text("Hello, anyone there?", n=1)).status_code == 200
    assert post_webhook(text("Me too", n=2, customer=RAFAEL)).status_code == 200
    lena, rafael = waiting_of(LENA), waiting_of(RAFAEL)
    joined = lena.queued_at

    sweep(joined + timedelta(minutes=1))  # arms the timers, nothing is due yet
    assert notices(lena) == []
    lena.refresh_from_db()
    assert lena.waiting_due_at == joined + timedelta(minutes=5)

    with django_capture_on_commit_callbacks(execute=True):  # the send runs after the commit
        sweep(joined + timedelta(minutes=5, seconds=1))
    (first,) = notices(lena)
    assert first.automated and first.author is None
    assert (
        first.body == "Thank you for waiting. You are number 1 in the queue; expected wait: about 4 minutes."
    )
    assert notices(rafael)[0].body.startswith("Thank you for waiting. You are number 2 in the queue")
    assert any(b"number 1 in the queue" in send.body for send in graph.sends())  # it left for WhatsApp

    sweep(joined + timedelta(minutes=7))  # between two intervals: nothing
    assert len(notices(lena)) == 1
    sweep(joined + timedelta(minutes=10, seconds=1))
    assert len(notices(lena)) == 2


def test_no_notice_once_an_agent_accepted(post_webhook, graph, channel, general, agent):
    care(general, waiting_notices=True, waiting_interval_minutes=5)
    post_webhook(text("Hello", n=1))
    interaction = waiting_of()
    sweep(interaction.queued_at + timedelta(seconds=1))  # armed
    ready(agent)  # routing offers it, the agent accepts
    offer = Offer.objects.get(interaction=interaction, state=Offer.State.PENDING)
    routing.offer_accept(user=agent, offer_id=offer.pk)
    sweep(interaction.queued_at + timedelta(minutes=5, seconds=1))
    assert notices(interaction) == []
    interaction.refresh_from_db()
    assert interaction.waiting_due_at is None  # the timer was cleared, not left to fire again


def test_no_notice_outside_the_24_hour_window(post_webhook, graph, channel, general):
    care(general, waiting_notices=True, waiting_interval_minutes=5)
    # The customer wrote 23 h 58 min ago: her window closes in two minutes.
    post_webhook(text("Hello", n=1, at=int(time.time()) - (24 * 3600 - 120)))
    interaction = waiting_of()
    Interaction.objects.filter(pk=interaction.pk).update(queued_at=timezone.now() - timedelta(minutes=4))
    sweep(timezone.now())
    sweep(timezone.now() + timedelta(minutes=6))  # the interval came, the window is closed
    assert notices(interaction) == []


def test_notices_are_off_by_default(post_webhook, graph, channel, general):
    post_webhook(text("Hello", n=1))
    interaction = waiting_of()
    sweep(interaction.queued_at + timedelta(minutes=30))
    assert notices(interaction) == []
    interaction.refresh_from_db()
    assert interaction.waiting_due_at is None


def test_the_expected_wait_in_words():
    assert wait_words(None) == "we cannot estimate it yet"
    assert wait_words(20) == "less than a minute"
    assert wait_words(61) == "about 2 minutes"
    assert wait_words(3 * 3600) == "about 3 hours"


MIDDAY = datetime(2026, 3, 3, 11, 0, tzinfo=UTC)  # noon in Berlin


@pytest.fixture
def supervisor(db):
    return UserFactory(username="sam", is_superuser=True, is_staff=True)


def test_a_customer_silent_past_the_timeout_is_abandoned_and_counted(
    post_webhook, graph, channel, general, supervisor, settings
):
    settings.TIME_ZONE = "Europe/Berlin"
    care(general, abandon_after_minutes=30)
    with time_machine.travel(MIDDAY, tick=False) as clock:
        now = int(MIDDAY.timestamp())
        post_webhook(text("Hello", n=1, at=now))
        post_webhook(text("Hello", n=1, customer=RAFAEL, at=now))
        lena, rafael = waiting_of(LENA), waiting_of(RAFAEL)
        sweep(MIDDAY)  # armed
        clock.move_to(MIDDAY + timedelta(minutes=20))
        post_webhook(text("Still here", n=2, customer=RAFAEL, at=now + 20 * 60))  # Rafael writes again
        clock.move_to(MIDDAY + timedelta(minutes=31))
        assert sweep(MIDDAY + timedelta(minutes=31)) == 1
        lena.refresh_from_db()
        rafael.refresh_from_db()
        assert (lena.state, lena.disposition, lena.accepted_at) == (
            Interaction.State.CLOSED,
            "abandoned",
            None,
        )
        assert rafael.state == Interaction.State.QUEUED  # silent only 11 minutes
        (row,) = supervisor_board(user=supervisor)["queues"]
        assert row["abandoned_today"] == 1
        clock.move_to(MIDDAY + timedelta(minutes=51))
        assert sweep(MIDDAY + timedelta(minutes=51)) == 1  # Rafael's 30 minutes ran out too
        (row,) = supervisor_board(user=supervisor)["queues"]
        assert row["abandoned_today"] == 2
    report = report_build(Period(MIDDAY.date(), MIDDAY.date(), ZoneInfo("Europe/Berlin")))
    assert report["totals"]["abandoned"] == 2
    (queue_row,) = [r for r in report["by_queue"] if r["key"] == str(general.pk)]
    assert queue_row["abandoned"] == 2


def test_the_window_closing_while_waiting_is_an_abandonment(post_webhook, graph, channel, general):
    care(general, abandon_after_minutes=600)
    post_webhook(text("Hello", n=1, at=int(time.time()) - (24 * 3600 - 60)))
    interaction = waiting_of()
    sweep(timezone.now())
    sweep(timezone.now() + timedelta(minutes=2))
    interaction.refresh_from_db()
    assert interaction.state == Interaction.State.CLOSED and interaction.disposition == "abandoned"


def test_an_accepted_interaction_is_never_abandoned(post_webhook, graph, channel, general, agent):
    care(general, abandon_after_minutes=30)
    post_webhook(text("Hello", n=1))
    interaction = waiting_of()
    ready(agent)
    routing.offer_accept(user=agent, offer_id=Offer.objects.get(interaction=interaction).pk)
    assert sweep(timezone.now() + timedelta(hours=2)) == 0
    interaction.refresh_from_db()
    assert interaction.state == Interaction.State.ACTIVE


def test_a_waiting_interaction_with_nothing_due_does_not_starve_the_others(
    post_webhook, graph, channel, general
):
    """Lena's window closed (no notice can go, no abandonment set): her timer is still
    armed for a later look, so a sweep reading one row at a time reaches Rafael next."""
    care(general, waiting_notices=True, waiting_interval_minutes=5)
    post_webhook(text("Hello", n=1, at=int(time.time()) - 25 * 3600))
    post_webhook(text("Hello", n=1, customer=RAFAEL))
    lena, rafael = waiting_of(LENA), waiting_of(RAFAEL)
    now = timezone.now()
    services.waiting_care_due(now=now, limit=1)
    services.waiting_care_due(now=now, limit=1)
    lena.refresh_from_db()
    rafael.refresh_from_db()
    assert lena.waiting_due_at == now + services.RECHECK
    assert rafael.waiting_due_at == rafael.queued_at + timedelta(minutes=5)
