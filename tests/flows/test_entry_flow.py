"""B1: a number's entry flow greets the customer, answers out of hours, triages with a menu,
asks validated questions into the case data, and hands over to a queue: by choice, on
request, on timeout, or (on an error) to the default queue with the supervisors told. The
customer messages go through the real signed webhook."""

from __future__ import annotations

import io
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEntry
from conversations.models import Interaction, Message, Offer, Queue, Skill
from conversations.services import routing
from conversations.services.outbound import OutboundSpec, message_send
from flows import tasks
from flows.models import BusinessHours, Flow, FlowChoice, FlowSession, FlowStep, Holiday
from flows.selectors import FLOW_USERNAME
from privacy import services as privacy
from reports.models import Tally
from templates_app.models import MessageTemplate
from tests.cloud_api import LENA, BusinessNumber, inbound
from tests.factories import AgentProfileFactory, UserFactory, grant
from workbins.models import Workbin, WorkbinItem

pytestmark = pytest.mark.django_db

#: The customer writes now (the 24-hour window is open for the flow's answers).
NOW = int(time.time()) - 60


def text(n: int, body: str) -> dict:
    return inbound("text", {"body": body}, id=f"wamid.flow-{n}", timestamp=NOW + n, customer=LENA)


def tap(n: int, reply_id: str, title: str) -> dict:
    choice = {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}}
    return inbound("interactive", choice, id=f"wamid.flow-{n}", timestamp=NOW + n, customer=LENA)


@pytest.fixture
def queues(channel):
    general, orders, returns = (Queue.objects.create(name=n) for n in ("General", "Orders", "Returns"))
    channel.default_queue = general
    channel.save()
    return general, orders, returns


@pytest.fixture
def flow(channel, queues):
    """Greeting; a menu (Orders → the order-number question; Returns → the Returns queue)."""
    _general, orders, returns = queues
    flow = Flow.objects.create(
        name="Support triage",
        channel=channel,
        time_zone="Europe/Berlin",
        greeting="Welcome to Support!",
        out_of_hours_message="We are closed; an agent answers from 8:00.",
        timeout_message="No answer: an agent will take over.",
        step_timeout_seconds=300,
    )
    menu = FlowStep.objects.create(flow=flow, name="Triage", kind=FlowStep.Kind.MENU, text="How can we help?")
    question = FlowStep.objects.create(
        flow=flow,
        name="Order number",
        kind=FlowStep.Kind.QUESTION,
        text="Your order number (7 digits)?",
        case_field="order_number",
        validation=FlowStep.Validation.PATTERN,
        pattern=r"\d{7}",
        invalid_message="That is not an order number: 7 digits, like 1234567.",
    )
    to_orders = FlowStep.objects.create(flow=flow, name="To orders", kind=FlowStep.Kind.ROUTE, queue=orders)
    question.next_step = to_orders
    question.save()
    FlowChoice.objects.create(
        step=menu, title="My order", next_step=question, case_field="topic", case_value="order", position=1
    )
    FlowChoice.objects.create(
        step=menu, title="A return", queue=returns, case_field="topic", case_value="return", position=2
    )
    flow.first_step = menu
    flow.save()
    return flow


def outbound() -> list[Message]:
    return list(Message.objects.filter(direction=Message.Direction.OUTBOUND).order_by("pk"))


def choice_id(flow: Flow, title: str) -> str:
    return f"flow-choice-{FlowChoice.objects.get(step__flow=flow, title=title).pk}"


#: Tuesday 10:00 in Berlin (open), and 22:00 (closed).
OPEN = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
CLOSED = datetime(2026, 3, 3, 21, 0, tzinfo=UTC)


def with_hours(flow: Flow) -> None:
    for weekday in range(5):
        BusinessHours.objects.create(flow=flow, weekday=weekday, opens=clock(8), closes=clock(18))


def test_the_flow_greets_and_shows_its_menu_and_no_agent_is_offered_it(post_webhook, flow, queues):
    AgentProfileFactory().queues.add(queues[0])
    assert post_webhook(text(1, "Hello")).status_code == 200
    interaction = Interaction.objects.get()
    assert interaction.state == Interaction.State.ACTIVE and interaction.owner.username == FLOW_USERNAME
    assert not Offer.objects.exists()
    greeting, menu = outbound()
    assert greeting.body == "Welcome to Support!" and greeting.automated
    assert menu.type == Message.Type.INTERACTIVE and menu.automated
    buttons = menu.content["interactive"]["buttons"]
    assert [b["title"] for b in buttons] == ["My order", "A return", "Talk to a person"]
    session = FlowSession.objects.get()
    assert session.step.name == "Triage" and session.due_at is not None


def test_a_menu_choice_routes_to_its_queue_and_sets_case_data(post_webhook, flow, queues):
    _, _, returns = queues
    agent = AgentProfileFactory()
    agent.queues.add(returns)
    routing.agent_set_ready(user=agent.user, ready=True)
    post_webhook(text(1, "Hello"))
    post_webhook(tap(2, choice_id(flow, "A return"), "A return"))
    interaction = Interaction.objects.get()
    assert interaction.state == Interaction.State.QUEUED and interaction.queue == returns
    assert interaction.case_data == {"topic": "return"}
    assert FlowSession.objects.get().outcome == FlowSession.Outcome.ROUTED
    routing.dispatch_waiting()
    assert Offer.objects.get().agent == agent.user

    # The agent sees the whole automated part in the transcript, marked as automated.
    routing.offer_accept(user=agent.user, offer_id=Offer.objects.get().pk)
    client = APIClient()
    client.force_authenticate(agent.user)
    page = client.get(f"/api/v1/interactions/{interaction.pk}/messages/").json()
    shown = page.get("results", page.get("messages", page))
    assert [(m["body"], m["automated"]) for m in shown] == [
        ("Hello", False),
        ("Welcome to Support!", True),
        ("How can we help?", True),
        ("A return", False),
    ]


def test_a_typed_choice_works_too(post_webhook, flow, queues):
    post_webhook(text(1, "Hello"))
    post_webhook(text(2, "2"))  # the second choice, by its number
    assert Interaction.objects.get().queue == queues[2]


def test_an_invalid_answer_is_asked_again_and_a_valid_one_is_stored(post_webhook, flow, queues):
    post_webhook(text(1, "Hello"))
    post_webhook(tap(2, choice_id(flow, "My order"), "My order"))
    assert outbound()[-1].body == "Your order number (7 digits)?"
    post_webhook(text(3, "12ab"))
    invalid, again = outbound()[-2:]
    assert invalid.body == "That is not an order number: 7 digits, like 1234567."
    assert again.body == "Your order number (7 digits)?"
    assert FlowSession.objects.get().attempts == 1
    assert Interaction.objects.get().state == Interaction.State.ACTIVE  # still in the flow
    post_webhook(text(4, "4711007"))
    interaction = Interaction.objects.get()
    assert interaction.state == Interaction.State.QUEUED and interaction.queue == queues[1]
    assert interaction.case_data == {"topic": "order", "order_number": "4711007"}


def test_too_many_invalid_answers_hand_over_to_the_default_queue(post_webhook, flow, queues):
    post_webhook(text(1, "Hello"))
    for n in range(2, 5):
        post_webhook(text(n, "something else"))
    interaction = Interaction.objects.get()
    assert interaction.state == Interaction.State.QUEUED and interaction.queue == queues[0]
    assert FlowSession.objects.get().outcome == FlowSession.Outcome.GAVE_UP


def test_talk_to_a_person_routes_at_once_by_button_or_keyword(post_webhook, flow, queues):
    post_webhook(text(1, "Hello"))
    post_webhook(tap(2, choice_id(flow, "My order"), "My order"))
    post_webhook(text(3, "Agent"))  # a keyword, at the question step
    interaction = Interaction.objects.get()
    assert interaction.state == Interaction.State.QUEUED and interaction.queue == queues[0]
    assert interaction.case_data == {"topic": "order"}
    assert FlowSession.objects.get().outcome == FlowSession.Outcome.HANDOFF


def test_the_talk_to_a_person_button(post_webhook, flow, queues):
    post_webhook(text(1, "Hello"))
    post_webhook(tap(2, "flow-handoff", "Talk to a person"))
    assert FlowSession.objects.get().outcome == FlowSession.Outcome.HANDOFF
    assert Interaction.objects.get().state == Interaction.State.QUEUED


def test_a_redelivered_webhook_never_advances_the_flow_twice(post_webhook, flow, queues):
    post_webhook(text(1, "Hello"))
    post_webhook(tap(2, choice_id(flow, "My order"), "My order"))
    wrong = text(3, "not a number")
    post_webhook(wrong)
    sent = len(outbound())
    assert post_webhook(wrong).status_code == 200  # Meta delivers it again
    assert post_webhook(wrong).status_code == 200
    assert len(outbound()) == sent  # not asked again
    assert FlowSession.objects.get().attempts == 1  # one invalid answer, not three
    assert Message.objects.filter(direction=Message.Direction.INBOUND).count() == 3


def test_a_step_timeout_routes_to_the_timeout_queue(post_webhook, flow, queues):
    _, orders, _ = queues
    flow.timeout_queue = orders
    flow.save()
    post_webhook(text(1, "Hello"))
    assert tasks.flow_timeouts_sweep_task() == 0  # not yet
    FlowSession.objects.update(due_at=timezone.now() - timedelta(seconds=1))
    assert tasks.flow_timeouts_sweep_task() == 1
    interaction = Interaction.objects.get()
    assert interaction.state == Interaction.State.QUEUED and interaction.queue == orders
    assert outbound()[-1].body == "No answer: an agent will take over."
    assert FlowSession.objects.get().outcome == FlowSession.Outcome.TIMED_OUT


def test_out_of_hours_the_flow_answers_and_queues(post_webhook, flow, queues):
    with_hours(flow)
    with time_machine.travel(CLOSED, tick=True):
        post_webhook(inbound("text", {"body": "Hi"}, id="wamid.late", timestamp=int(CLOSED.timestamp())))
    _greeting, closed = outbound()
    assert closed.body == "We are closed; an agent answers from 8:00." and closed.automated
    interaction = Interaction.objects.get()
    assert interaction.state == Interaction.State.QUEUED and interaction.queue == queues[0]
    assert FlowSession.objects.get().outcome == FlowSession.Outcome.OUT_OF_HOURS


def test_inside_business_hours_the_menu_comes(post_webhook, flow):
    with_hours(flow)
    with time_machine.travel(OPEN, tick=True):
        post_webhook(inbound("text", {"body": "Hi"}, id="wamid.early", timestamp=int(OPEN.timestamp())))
    assert [m.body for m in outbound()] == ["Welcome to Support!", "How can we help?"]


def test_a_holiday_is_out_of_hours(post_webhook, flow):
    with_hours(flow)
    Holiday.objects.create(flow=flow, date=date(2026, 3, 3), name="Staff day")
    with time_machine.travel(OPEN, tick=True):
        post_webhook(inbound("text", {"body": "Hi"}, id="wamid.holiday", timestamp=int(OPEN.timestamp())))
    assert outbound()[-1].body == "We are closed; an agent answers from 8:00."
    assert FlowSession.objects.get().outcome == FlowSession.Outcome.OUT_OF_HOURS


def test_a_deleted_queue_routes_to_the_default_queue_and_tells_the_supervisors(
    post_webhook, flow, queues, django_capture_on_commit_callbacks
):
    general, _, returns = queues
    returns.delete()
    post_webhook(text(1, "Hello"))
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(tap(2, choice_id(flow, "A return"), "A return"))
    interaction = Interaction.objects.get()
    assert interaction.state == Interaction.State.QUEUED and interaction.queue == general
    session = FlowSession.objects.get()
    assert session.outcome == FlowSession.Outcome.ERROR
    assert "no longer exists" in session.error
    entry = AuditEntry.objects.get(action="flow.error")
    assert entry.details["interaction_id"] == interaction.pk and "no longer exists" in entry.details["error"]


def test_a_template_not_approved_is_an_error_and_the_customer_still_gets_a_queue(post_webhook, flow, queues):
    flow.closed_window_template = MessageTemplate.objects.create(
        name="we_are_here", language="en_US", status=MessageTemplate.Status.PAUSED, body="We are here."
    )
    flow.save()
    post_webhook(text(1, "Hello"))
    # A day later the 24-hour window is closed: the timeout message may only be a template.
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=True):
        FlowSession.objects.update(due_at=timezone.now() - timedelta(seconds=1))
        assert tasks.flow_timeouts_sweep_task() == 1
    session = FlowSession.objects.get()
    assert session.outcome == FlowSession.Outcome.ERROR and session.error
    assert Interaction.objects.get().queue == queues[0]


def test_outside_the_window_the_flow_sends_only_its_template(post_webhook, flow, queues):
    flow.closed_window_template = MessageTemplate.objects.create(
        name="we_are_here", language="en_US", status=MessageTemplate.Status.APPROVED, body="We are here."
    )
    flow.save()
    post_webhook(text(1, "Hello"))
    before = len(outbound())
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=True):
        FlowSession.objects.update(due_at=timezone.now() - timedelta(seconds=1))
        assert tasks.flow_timeouts_sweep_task() == 1
    late = outbound()[before:]
    assert [m.type for m in late] == [Message.Type.TEMPLATE]  # not the timeout text
    assert late[0].automated
    assert FlowSession.objects.get().outcome == FlowSession.Outcome.TIMED_OUT


def test_a_skill_choice_constrains_routing(post_webhook, flow, queues):
    german = Skill.objects.create(name="German")
    menu = FlowStep.objects.get(flow=flow, name="Triage")
    choice = FlowChoice.objects.get(step=menu, title="A return")
    choice.queue, choice.skill = None, german
    choice.save()
    post_webhook(text(1, "Hallo"))
    post_webhook(tap(2, choice_id(flow, "A return"), "A return"))
    interaction = Interaction.objects.get()
    assert interaction.target_skill == german and interaction.queue == queues[0]


def test_a_number_without_a_flow_routes_as_before(post_webhook, channel, queues):
    post_webhook(text(1, "Hello"))
    interaction = Interaction.objects.get()
    assert interaction.state == Interaction.State.QUEUED and interaction.owner is None
    assert not FlowSession.objects.exists() and not outbound()


def test_the_flow_s_messages_are_not_the_first_response_the_agent_s_is(post_webhook, flow, queues):
    _, _, returns = queues
    agent = AgentProfileFactory()
    agent.queues.add(returns)
    routing.agent_set_ready(user=agent.user, ready=True)
    post_webhook(text(1, "Hello"))
    post_webhook(tap(2, choice_id(flow, "A return"), "A return"))
    routing.dispatch_waiting()
    routing.offer_accept(user=agent.user, offer_id=Offer.objects.get().pk)

    def first_responses() -> int:
        return sum(
            Tally.objects.filter(dim="", dim_id=0, whole_day=False).values_list("first_responses", flat=True)
        )

    assert first_responses() == 0  # the greeting and the menu are nobody's response
    interaction = Interaction.objects.get()
    message_send(
        user=agent.user, interaction_id=interaction.pk, spec=OutboundSpec(type="text", body="Hi, Lena")
    )
    assert first_responses() == 1


def test_out_of_hours_to_a_workbin(post_webhook, flow, queues):
    agent = AgentProfileFactory()
    workbin = Workbin.objects.create(name="Morning", owner=agent.user)
    flow.out_of_hours_action = Flow.OutOfHours.WORKBIN
    flow.out_of_hours_workbin = workbin
    flow.save()
    with_hours(flow)
    with time_machine.travel(CLOSED, tick=True):
        post_webhook(inbound("text", {"body": "Hi"}, id="wamid.night", timestamp=int(CLOSED.timestamp())))
    interaction = Interaction.objects.get()
    assert interaction.state == Interaction.State.PARKED and interaction.owner is None
    assert WorkbinItem.objects.get(interaction=interaction).workbin == workbin
    assert FlowSession.objects.get().outcome == FlowSession.Outcome.OUT_OF_HOURS


def test_a_list_menu_and_a_flow_deactivated_mid_way_still_takes_the_answer(post_webhook, flow, queues):
    menu = FlowStep.objects.get(flow=flow, name="Triage")
    menu.menu_style = FlowStep.MenuStyle.LIST
    menu.list_button = "Topics"
    menu.save()
    post_webhook(text(1, "Hello"))
    sent = outbound()[-1].content["interactive"]
    assert sent["type"] == "list" and sent["button"] == "Topics"
    assert [r["title"] for r in sent["sections"][0]["rows"]] == ["My order", "A return", "Talk to a person"]
    flow.is_active = False
    flow.save()
    choice = {"type": "list_reply", "list_reply": {"id": choice_id(flow, "A return"), "title": "A return"}}
    post_webhook(inbound("interactive", choice, id="wamid.flow-2", timestamp=NOW + 2, customer=LENA))
    assert Interaction.objects.get().queue == queues[2]
    assert FlowSession.objects.get().outcome == FlowSession.Outcome.ROUTED


def test_the_demo_flow_is_valid_inactive_and_runs_once_switched_on(post_webhook, settings):
    call_command("seed_demo", stdout=io.StringIO())
    demo = Flow.objects.get(name="Demo triage")
    demo.full_clean()  # what the admin would accept
    assert not demo.is_active
    demo.is_active = True
    demo.save()
    number = BusinessNumber(
        waba_id=settings.WHATSAPP_WABA_ID,
        phone_number_id=settings.WHATSAPP_PHONE_NUMBER_ID,
        display_phone_number=settings.WHATSAPP_DISPLAY_PHONE_NUMBER,
    )
    hello = inbound("text", {"body": "Hi"}, id="wamid.demo-1", timestamp=NOW, customer=LENA, number=number)
    assert post_webhook(hello, secret=settings.WHATSAPP_APP_SECRET).status_code == 200
    session = FlowSession.objects.get(flow=demo)
    assert session.step.name == "Triage"
    bodies = list(
        Message.objects.filter(interaction=session.interaction, automated=True)
        .order_by("pk")
        .values_list("body", flat=True)
    )
    assert bodies == ["Welcome to the demo shop!", "How can we help you today?"]


def test_a_flow_broken_outside_the_admin_never_loses_the_message_or_the_customer(post_webhook, flow, queues):
    Flow.objects.filter(pk=flow.pk).update(time_zone="Mars/Olympus_Mons")  # no admin would take it
    assert post_webhook(text(1, "Hello")).status_code == 200
    assert Message.objects.get(direction=Message.Direction.INBOUND).body == "Hello"
    interaction = Interaction.objects.get()
    assert interaction.state == Interaction.State.QUEUED and interaction.queue == queues[0]
    session = FlowSession.objects.get()
    assert session.outcome == FlowSession.Outcome.ERROR and "unexpected error" in session.error
    assert not outbound()  # the greeting was undone with the broken step


def test_erasing_the_customer_erases_the_flow_s_answers(
    post_webhook, flow, queues, django_capture_on_commit_callbacks
):
    post_webhook(text(1, "Hello"))
    post_webhook(tap(2, choice_id(flow, "My order"), "My order"))
    assert FlowSession.objects.get().answers == {"topic": "order"}
    Interaction.objects.update(state=Interaction.State.CLOSED, closed_at=timezone.now())  # erasable once done
    officer = grant(UserFactory(username="dpo"), "erase_contact_data")
    with django_capture_on_commit_callbacks(execute=True):
        report = privacy.contact_erase(user=officer, contact_id=Interaction.objects.get().contact_id)
    assert FlowSession.objects.get().answers == {}
    assert report.counts["flow_answers"] == 1


def test_a_step_deleted_while_a_customer_answers_it_is_an_error_not_a_restart(post_webhook, flow, queues):
    post_webhook(text(1, "Hello"))
    FlowStep.objects.filter(flow=flow, name="Triage").delete()
    post_webhook(text(2, "1"))
    session = FlowSession.objects.get()
    assert session.outcome == FlowSession.Outcome.ERROR and "was deleted" in session.error
    assert Interaction.objects.get().queue == queues[0]
    assert [m.body for m in outbound()].count("Welcome to Support!") == 1  # not greeted again
