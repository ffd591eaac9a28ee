"""B1 in the admin: what WhatsApp or the engine cannot run is refused with the reason (a
loop between steps, a menu with more choices than WhatsApp shows, titles too long, a
pattern that does not compile or could run away, overlapping business hours); a good
flow is saved."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from conversations.models import Queue
from flows.models import BusinessHours, Flow, FlowChoice, FlowStep

pytestmark = pytest.mark.django_db


def management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def flow_data(channel, **fields) -> dict[str, str]:
    return {
        "name": "Support triage",
        "channel": str(channel.pk),
        "is_active": "on",
        "greeting": "Welcome!",
        "time_zone": "Europe/Berlin",
        "out_of_hours_action": "queue",
        "step_timeout_seconds": "300",
        "handoff_keywords": "agent, human",
        "handoff_button": "Talk to a person",
        **management("steps", 0),
        **management("hours", 0),
        **management("holidays", 0),
        **fields,
    }


def hours_rows(*rows: tuple[int, str, str]) -> dict[str, str]:
    data = management("hours", len(rows))
    for i, (weekday, opens, closes) in enumerate(rows):
        data |= {f"hours-{i}-weekday": str(weekday), f"hours-{i}-opens": opens, f"hours-{i}-closes": closes}
    return data


def test_a_flow_with_its_hours_is_saved(admin_client, channel):
    response = admin_client.post(
        "/admin/flows/flow/add/",
        flow_data(channel, **hours_rows((0, "08:00", "12:00"), (0, "12:00", "18:00"))),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert BusinessHours.objects.filter(flow=Flow.objects.get()).count() == 2


def test_overlapping_business_hours_are_refused_with_the_reason(admin_client, channel):
    response = admin_client.post(
        "/admin/flows/flow/add/",
        flow_data(channel, **hours_rows((0, "08:00", "12:00"), (0, "11:30", "18:00"))),
    )
    assert response.status_code == 200
    assert "Monday: 08:00-12:00 and 11:30-18:00 overlap" in response.content.decode()
    assert not Flow.objects.exists()


def test_a_range_that_closes_before_it_opens_is_refused(admin_client, channel):
    response = admin_client.post(
        "/admin/flows/flow/add/", flow_data(channel, **hours_rows((2, "18:00", "08:00")))
    )
    assert "closes must be after opens" in response.content.decode()
    assert not Flow.objects.exists()


@pytest.mark.parametrize("name", ["Europe/Atlantis", "localtime", "Factory", "posix/Europe/Berlin"])
def test_an_unknown_time_zone_is_refused(admin_client, channel, name):
    response = admin_client.post("/admin/flows/flow/add/", flow_data(channel, time_zone=name))
    assert "is not a time zone" in response.content.decode()
    assert not Flow.objects.exists()


@pytest.fixture
def flow(channel):
    return Flow.objects.create(name="Support triage", channel=channel, time_zone="Europe/Berlin")


def test_a_flow_that_would_loop_is_refused(admin_client, channel, flow):
    first = FlowStep.objects.create(flow=flow, name="Hello", kind=FlowStep.Kind.MESSAGE, text="Hello")
    second = FlowStep.objects.create(flow=flow, name="Again", kind=FlowStep.Kind.MESSAGE, text="Again")
    first.next_step = second
    first.save()
    data = flow_data(channel, **management("steps", 2, initial=2))
    for i, step in enumerate((first, second)):
        data |= {
            f"steps-{i}-id": str(step.pk),
            f"steps-{i}-flow": str(flow.pk),
            f"steps-{i}-name": step.name,
            f"steps-{i}-kind": step.kind,
            f"steps-{i}-text": step.text,
        }
    data["steps-0-next_step"] = str(second.pk)
    data["steps-1-next_step"] = str(first.pk)  # Again → Hello → Again …
    response = admin_client.post(f"/admin/flows/flow/{flow.pk}/change/", data)
    assert response.status_code == 200
    assert "the flow would loop: Hello → Again → Hello" in response.content.decode()
    second.refresh_from_db()
    assert second.next_step is None


def step_data(step: FlowStep, choices: Sequence[dict[str, str]] = (), **fields) -> dict[str, str]:
    data = {
        "flow": str(step.flow_id),
        "name": step.name,
        "kind": step.kind,
        "text": step.text,
        "menu_style": step.menu_style,
        "list_button": step.list_button,
        "case_field": step.case_field,
        "validation": step.validation,
        "pattern": step.pattern,
        "min_length": "0",
        "max_length": "200",
        "invalid_message": "Sorry?",
        "max_attempts": "3",
        **management("choices", len(choices)),
        **fields,
    }
    for i, choice in enumerate(choices):
        data |= {f"choices-{i}-{k}": v for k, v in choice.items()} | {f"choices-{i}-position": str(i)}
    return data


@pytest.fixture
def menu(flow):
    return FlowStep.objects.create(flow=flow, name="Triage", kind=FlowStep.Kind.MENU, text="How can we help?")


def test_a_menu_with_more_buttons_than_whatsapp_shows_is_refused(admin_client, menu):
    queue = Queue.objects.create(name="General")
    choices = [{"title": t, "queue": str(queue.pk)} for t in ("Orders", "Returns", "Billing")]
    response = admin_client.post(f"/admin/flows/flowstep/{menu.pk}/change/", step_data(menu, choices))
    assert response.status_code == 200
    page = response.content.decode()
    assert "WhatsApp shows at most 3 reply buttons including the &#x27;talk to a person&#x27; one" in page
    assert not FlowChoice.objects.exists()
    # As a list, the same menu fits.
    response = admin_client.post(
        f"/admin/flows/flowstep/{menu.pk}/change/", step_data(menu, choices, menu_style="list")
    )
    assert response.status_code == 302
    assert FlowChoice.objects.count() == 3


def test_a_list_takes_ten_rows_at_most(admin_client, menu):
    queue = Queue.objects.create(name="General")
    choices = [{"title": f"Topic {n}", "queue": str(queue.pk)} for n in range(10)]
    response = admin_client.post(
        f"/admin/flows/flowstep/{menu.pk}/change/", step_data(menu, choices, menu_style="list")
    )
    assert "WhatsApp shows at most 10 list rows" in response.content.decode()


def test_a_button_title_longer_than_whatsapp_allows_is_refused(admin_client, menu):
    queue = Queue.objects.create(name="General")
    choices = [{"title": "Where is my parcel now", "queue": str(queue.pk)}]  # 22 > 20
    response = admin_client.post(f"/admin/flows/flowstep/{menu.pk}/change/", step_data(menu, choices))
    assert "reply buttons take at most 20" in response.content.decode()


def test_a_choice_that_leads_nowhere_is_refused(admin_client, menu):
    response = admin_client.post(
        f"/admin/flows/flowstep/{menu.pk}/change/", step_data(menu, [{"title": "Orders"}])
    )
    assert "a choice leads to a next step, a queue or a skill" in response.content.decode()


def test_a_choice_leading_back_to_its_menu_is_a_loop(admin_client, menu):
    response = admin_client.post(
        f"/admin/flows/flowstep/{menu.pk}/change/",
        step_data(menu, [{"title": "Again", "next_step": str(menu.pk)}]),
    )
    assert "the flow would loop: Triage → Triage" in response.content.decode()


@pytest.mark.parametrize(
    "pattern,reason",
    [
        (r"(\d+", "the pattern does not compile"),
        (r"(a+)+$", "could run away"),
        (r"(\d*)*", "could run away"),
        (r"(a|aa)+", "could run away"),
        (r"((a+)b)+", "could run away"),  # the inner repeat hides in a group
        (r"(a?)*", "could run away"),
        (r"(\w)\1", "backreference"),
        ("x" * 201, "Ensure this value has at most 200 characters"),
    ],
)
def test_a_pattern_that_does_not_compile_or_could_run_away_is_refused(admin_client, flow, pattern, reason):
    question = FlowStep.objects.create(
        flow=flow,
        name="Order number",
        kind=FlowStep.Kind.QUESTION,
        text="Your order number?",
        case_field="order",
    )
    response = admin_client.post(
        f"/admin/flows/flowstep/{question.pk}/change/",
        step_data(question, validation="pattern", pattern=pattern),
    )
    assert response.status_code == 200
    assert reason in response.content.decode()
    question.refresh_from_db()
    assert question.pattern == ""


@pytest.mark.parametrize(
    "pattern", [r"[A-Z]{2}-\d{4,8}", r"^\+?\d{8,15}$", r"(?:\d{3}-){2}\d{4}", r"(?:Mr|Mrs)? [A-Z][a-z]+"]
)
def test_a_safe_pattern_is_saved(admin_client, flow, pattern):
    question = FlowStep.objects.create(
        flow=flow,
        name="Order number",
        kind=FlowStep.Kind.QUESTION,
        text="Your order number?",
        case_field="order",
    )
    response = admin_client.post(
        f"/admin/flows/flowstep/{question.pk}/change/",
        step_data(question, validation="pattern", pattern=pattern),
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.pattern == pattern


def test_a_talk_to_a_person_button_that_leaves_no_room_in_a_menu_is_refused(
    admin_client, channel, flow, menu
):
    queue = Queue.objects.create(name="General")
    for title in ("Orders", "Returns", "Billing"):
        FlowChoice.objects.create(step=menu, title=title, queue=queue)
    data = flow_data(channel, handoff_button="Talk to a person", **management("steps", 0))
    response = admin_client.post(f"/admin/flows/flow/{flow.pk}/change/", data)
    assert "the menu &#x27;Triage&#x27; has 3 choices" in response.content.decode()
    data["handoff_button"] = ""
    assert admin_client.post(f"/admin/flows/flow/{flow.pk}/change/", data).status_code == 302


def test_a_second_active_flow_for_a_number_is_refused(admin_client, channel, flow):
    response = admin_client.post("/admin/flows/flow/add/", flow_data(channel, name="Another"))
    assert "this number already has an active flow" in response.content.decode()
