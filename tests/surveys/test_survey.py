"""B3 After Done: a satisfaction survey per queue, sent after Done inside the window and
not more often than configured; the customer's tap (and comment) recorded once, per
interaction and agent, without opening a new conversation; shown on the interaction, in
the reports, and delivered to integrators as ``survey.answered``."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from conversations.models import Interaction, Message, Offer
from conversations.selectors.contacts import contact_history
from conversations.selectors.interactions import interaction_detail
from conversations.services import routing
from conversations.services.done import interaction_done
from integrations import services as deliveries
from integrations.models import Delivery, EventType, Subscription
from privacy.services import ERASED, contact_erase
from reports.models import Tally
from reports.periods import Period
from reports.selectors import report_build
from surveys.models import SurveyRequest
from surveys.services import survey_comment_timers_due
from tests.cloud_api import LENA, inbound
from tests.factories import UserFactory
from tests.integrations.receiver import Receiver
from tests.surveys.conftest import care, ready, text, waiting_of

pytestmark = pytest.mark.django_db

THREE = "3 Good\n2 OK\n1 Bad"


def tap(request: SurveyRequest, score: int, title: str, *, n: int, customer=LENA) -> dict:
    """The customer taps a choice of the survey (the reply id we set comes back)."""
    choice = {"type": "button_reply", "button_reply": {"id": f"survey:{request.pk}:{score}", "title": title}}
    return inbound("interactive", choice, id=f"wamid.tap-{n}", timestamp=int(time.time()), customer=customer)


def served(post_webhook, agent, *, n: int = 1) -> Interaction:
    """Lena writes, the agent accepts and answers, then marks it Done."""
    assert post_webhook(text("My order is late", n=n)).status_code == 200
    interaction = waiting_of()
    ready(agent)
    routing.offer_accept(user=agent, offer_id=Offer.objects.get(interaction=interaction).pk)
    interaction_done(user=agent, interaction_id=interaction.pk, disposition="")
    interaction.refresh_from_db()
    return interaction


def survey_message(interaction: Interaction) -> Message:
    return Message.objects.get(interaction=interaction, type=Message.Type.INTERACTIVE, automated=True)


def test_the_survey_goes_after_done_with_buttons_naming_it(post_webhook, graph, channel, general, agent):
    care(general, survey_enabled=True, survey_choices=THREE, survey_satisfied_from=3)
    interaction = served(post_webhook, agent)
    request = SurveyRequest.objects.get(interaction=interaction)
    assert (request.agent, request.queue, request.contact_id) == (agent, general, interaction.contact_id)
    message = survey_message(interaction)
    assert message.body == "How satisfied are you with our service?" and message.author is None
    buttons = message.content["interactive"]["buttons"]
    assert [b["id"] for b in buttons] == [f"survey:{request.pk}:{s}" for s in (3, 2, 1)]
    assert [b["title"] for b in buttons] == ["Good", "OK", "Bad"]


def test_five_choices_go_as_a_list(post_webhook, graph, channel, general, agent):
    care(general, survey_enabled=True)  # the default 1-5 scale
    message = survey_message(served(post_webhook, agent))
    interactive = message.content["interactive"]
    assert interactive["type"] == "list"
    titles = [row["title"] for row in interactive["sections"][0]["rows"]]
    assert titles == ["Very good", "Good", "OK", "Bad", "Very bad"]


def test_no_survey_where_the_queue_has_none(post_webhook, graph, channel, general, agent):
    interaction = served(post_webhook, agent)
    assert not SurveyRequest.objects.exists()
    assert not Message.objects.filter(interaction=interaction, automated=True).exists()


def test_no_survey_outside_the_window(post_webhook, graph, channel, general, agent):
    care(general, survey_enabled=True, survey_choices=THREE, survey_satisfied_from=3)
    post_webhook(text("Old question", n=1, at=int(time.time()) - 25 * 3600))
    interaction = waiting_of()
    ready(agent)
    routing.offer_accept(user=agent, offer_id=Offer.objects.get(interaction=interaction).pk)
    interaction_done(user=agent, interaction_id=interaction.pk)
    assert not SurveyRequest.objects.exists()


def test_not_more_often_than_configured(post_webhook, graph, channel, general, agent):
    care(general, survey_enabled=True, survey_choices=THREE, survey_satisfied_from=3, survey_min_days=7)
    served(post_webhook, agent, n=1)
    second = served(post_webhook, agent, n=2)  # the same contact, the same day
    assert SurveyRequest.objects.count() == 1
    assert not Message.objects.filter(interaction=second, automated=True).exists()
    SurveyRequest.objects.update(sent_at=datetime.now(UTC) - timedelta(days=8))
    third = served(post_webhook, agent, n=3)
    assert SurveyRequest.objects.filter(interaction=third).exists()


def test_the_answer_is_stored_per_interaction_and_agent_and_opens_nothing(
    post_webhook, graph, channel, general, agent
):
    care(general, survey_enabled=True, survey_choices=THREE, survey_satisfied_from=3)
    interaction = served(post_webhook, agent)
    request = SurveyRequest.objects.get()
    assert post_webhook(tap(request, 3, "Good", n=1)).status_code == 200
    request.refresh_from_db()
    assert (request.score, request.answer_title, request.agent, request.satisfied) == (3, "Good", agent, True)
    assert Interaction.objects.count() == 1  # no new conversation
    assert Interaction.objects.get().state == Interaction.State.CLOSED
    answer = Message.objects.get(wamid="wamid.tap-1")
    assert answer.interaction_id == interaction.pk  # in the surveyed conversation's transcript
    # Shown on the interaction: the console's details and the contact's history.
    supervisor = UserFactory(username="sam", is_superuser=True, is_staff=True)
    detail = interaction_detail(Interaction.objects.get(pk=interaction.pk), user=supervisor)
    assert detail["survey"] is not None and detail["survey"]["score"] == 3
    (entry,) = contact_history(contact_id=interaction.contact_id)
    assert entry["survey"] == detail["survey"]
    assert entry["survey"]["answer"] == "Good" and entry["survey"]["agent_id"] == agent.pk


def test_a_redelivered_answer_is_recorded_once(post_webhook, graph, channel, general, agent):
    care(general, survey_enabled=True, survey_choices=THREE, survey_satisfied_from=3)
    served(post_webhook, agent)
    request = SurveyRequest.objects.get()
    Subscription.objects.create(
        name="CRM", url="https://crm.example.com/in", secret="s" * 20, event_types=[EventType.SURVEY_ANSWERED]
    )
    payload = tap(request, 1, "Bad", n=1)
    assert post_webhook(payload).status_code == 200
    assert post_webhook(payload).status_code == 200  # Meta delivers it again
    request.refresh_from_db()
    assert request.score == 1
    assert Delivery.objects.filter(event_type=EventType.SURVEY_ANSWERED).count() == 1
    assert Tally.objects.get(dim="", whole_day=False).surveys_answered == 1
    assert Interaction.objects.count() == 1
    # A second tap (another wamid) does not change the first answer.
    post_webhook(tap(request, 3, "Good", n=2))
    request.refresh_from_db()
    assert request.score == 1


def test_the_comment_after_the_answer_is_stored_then_the_window_for_it_ends(
    post_webhook, graph, channel, general, agent
):
    care(
        general,
        survey_enabled=True,
        survey_choices=THREE,
        survey_satisfied_from=3,
        survey_comment_prompt="Anything we could do better?",
        survey_comment_minutes=10,
    )
    interaction = served(post_webhook, agent)
    request = SurveyRequest.objects.get()
    post_webhook(tap(request, 2, "OK", n=1))
    prompt = Message.objects.filter(interaction=interaction, automated=True, type=Message.Type.TEXT).get()
    assert prompt.body == "Anything we could do better?"
    comment = text("Faster answers, please", n=50)
    assert post_webhook(comment).status_code == 200
    assert post_webhook(comment).status_code == 200  # redelivered
    request.refresh_from_db()
    assert request.comment == "Faster answers, please" and request.comment_due_at is None
    assert Interaction.objects.count() == 1
    # After the comment, the customer's next message is a new conversation again.
    post_webhook(text("Another question", n=51))
    assert Interaction.objects.count() == 2


def test_a_text_after_the_comment_timeout_opens_a_conversation(post_webhook, graph, channel, general, agent):
    care(
        general,
        survey_enabled=True,
        survey_choices=THREE,
        survey_satisfied_from=3,
        survey_comment_prompt="Anything else?",
        survey_comment_minutes=10,
    )
    served(post_webhook, agent)
    request = SurveyRequest.objects.get()
    post_webhook(tap(request, 3, "Good", n=1))
    assert survey_comment_timers_due(now=datetime.now(UTC) + timedelta(minutes=11)) == 1
    post_webhook(text("A new question", n=60))
    request.refresh_from_db()
    assert request.comment == ""
    assert Interaction.objects.count() == 2


def test_survey_answered_is_delivered_to_a_subscriber(post_webhook, graph, channel, general, agent, settings):
    settings.INTEGRATIONS_ALLOW_PRIVATE_URLS = True
    care(general, survey_enabled=True, survey_choices=THREE, survey_satisfied_from=3)
    receiver = Receiver(secret="a-long-random-secret-of-the-integrator").up()
    try:
        subscription = Subscription.objects.create(
            name="CRM", url=receiver.url, secret=receiver.secret, event_types=[EventType.SURVEY_ANSWERED]
        )
        interaction = served(post_webhook, agent)
        post_webhook(tap(SurveyRequest.objects.get(), 3, "Good", n=1))
        deliveries.subscription_deliver(subscription_id=subscription.pk)
        (received,) = receiver.received
    finally:
        receiver.down()
    assert received.signed
    event = received.event
    assert event["type"] == "survey.answered" and event["interaction_id"] == interaction.pk
    assert event["data"]["agent_id"] == agent.pk
    assert event["data"]["survey"]["score"] == 3 and event["data"]["survey"]["satisfied"] is True


NOON = datetime(2026, 3, 3, 11, 0, tzinfo=UTC)


def test_reports_show_csat_by_queue_agent_and_day(
    client, post_webhook, graph, channel, general, agent, settings
):
    care(general, survey_enabled=True, survey_choices=THREE, survey_satisfied_from=3, survey_min_days=0)
    supervisor = UserFactory(username="sam", is_superuser=True, is_staff=True)
    with time_machine.travel(NOON, tick=True):
        for n, (score, title) in enumerate([(3, "Good"), (1, "Bad")], start=1):
            served(post_webhook, agent, n=n)
            request = SurveyRequest.objects.order_by("-pk").first()
            assert request is not None
            post_webhook(tap(request, score, title, n=n))
    report = report_build(Period(NOON.date(), NOON.date(), ZoneInfo("Europe/Berlin")))
    totals = report["totals"]
    assert (totals["surveys_answered"], totals["csat_average"], totals["csat_satisfied_percent"]) == (
        2,
        2.0,
        50.0,
    )
    (by_agent,) = [r for r in report["by_agent"] if r["key"] == str(agent.pk)]
    assert by_agent["surveys_answered"] == 2 and by_agent["csat_satisfied_percent"] == 50.0
    (by_queue,) = [r for r in report["by_queue"] if r["key"] == str(general.pk)]
    assert by_queue["csat_average"] == 2.0
    (day,) = report["by_day"]
    assert day["surveys_answered"] == 2
    client.force_login(supervisor)
    params = {"date_from": "2026-03-03", "date_to": "2026-03-03", "tz": "Europe/Berlin"}
    page = client.get(reverse("reports:report"), params)
    assert b"CSAT" in page.content and b"Satisfaction (CSAT) and abandonment by day" in page.content
    csv_text = client.get(reverse("reports-csv"), params).content.decode()
    header = csv_text.splitlines()[0].split(",")
    assert "csat_satisfied_percent" in header
    api = client.get(reverse("reports"), params)
    assert json.loads(api.content)["totals"]["csat_average"] == 2.0


def test_a_tap_while_a_new_conversation_is_open_still_answers_the_survey(
    post_webhook, graph, channel, general, agent
):
    care(general, survey_enabled=True, survey_choices=THREE, survey_satisfied_from=3)
    surveyed = served(post_webhook, agent)
    post_webhook(text("One more thing", n=70))  # a new conversation opens
    newer = waiting_of()
    post_webhook(tap(SurveyRequest.objects.get(), 2, "OK", n=1))
    assert SurveyRequest.objects.get().score == 2
    assert Message.objects.get(wamid="wamid.tap-1").interaction_id == surveyed.pk
    assert not Message.objects.filter(interaction=newer, type=Message.Type.INTERACTIVE).exists()


def test_erasing_the_contact_erases_the_survey_comment(post_webhook, graph, channel, general, agent):
    care(
        general,
        survey_enabled=True,
        survey_choices=THREE,
        survey_satisfied_from=3,
        survey_comment_prompt="Anything else?",
    )
    interaction = served(post_webhook, agent)
    post_webhook(tap(SurveyRequest.objects.get(), 2, "OK", n=1))
    post_webhook(text("Call me on +49 176 1234", n=80))
    assert SurveyRequest.objects.get().comment == "Call me on +49 176 1234"
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    report = contact_erase(user=root, contact_id=interaction.contact_id)
    request = SurveyRequest.objects.get()
    assert request.comment == ERASED and request.answer_wamid == "" and request.score == 2
    assert report.counts["survey_comments"] == 1
