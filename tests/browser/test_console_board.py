"""Supervision in a real browser, against the real product: the supervisors' live board
(S1) updating without a reload, interventions from it (S2), and an agent's waiting count.

One stack for the module; the supervisor ("supervisor", a superuser in the demo seed) and
alice in two browser contexts, customers writing from the sandbox's phone API.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.browser.conftest import Console, customer_says, expect, login, skip_without_chromium

skip_without_chromium()
pytestmark = pytest.mark.browser


@pytest.fixture
def supervisor(browser, stack, contexts) -> Console:
    console = login(browser, stack, "supervisor")
    console.page.locator("#board-toggle").click()
    expect(console.page.locator("#board")).to_be_visible()
    expect(console.page.locator("#board-queues tr", has_text="General")).to_be_visible()
    return console


def test_the_board_updates_live_and_a_supervisor_takes_a_conversation_over(
    stack, supervisor: Console, alice: Console, customer
):
    page = supervisor.page
    general = page.locator("#board-queues tr", has_text="General")
    # A customer writes while nobody is Ready: the queue and the risks show it, live.
    customer_says(stack, customer, "Where is my parcel?")
    expect(general.locator("[data-field=waiting]")).to_have_text(re.compile(r"[1-9]"))
    expect(page.locator("#board-reply")).to_contain_text(customer.shown_name)

    # Alice goes Ready and accepts: the board shows the conversation on her row.
    alice.go_ready()
    panel = alice.accept(customer)
    interaction_id = alice.interaction_id(panel)
    alice_row = page.locator("#board-agents tr", has_text="Alice")
    chip = alice_row.locator(f".board-chip[data-interaction-id='{interaction_id}']")
    expect(chip).to_be_visible()
    expect(alice_row.locator(".board-state")).to_have_text(re.compile("Ready"))

    # Take over: the conversation leaves Alice's console and opens in the supervisor's.
    chip.get_by_role("button", name="Take over").click()
    expect(alice.page.locator(f"#panel-{interaction_id}")).to_have_count(0)
    expect(page.locator(f"#board-agents tr[data-agent-id] .board-chip[data-interaction-id='{interaction_id}']")).to_have_count(1)  # fmt: skip
    expect(alice_row.locator(f".board-chip[data-interaction-id='{interaction_id}']")).to_have_count(0)
    page.locator("#board-toggle").click()
    expect(page.locator(f"#panel-{interaction_id}")).to_be_attached()


def test_a_supervisor_sets_an_agent_not_ready_with_a_reason(stack, supervisor: Console, alice: Console):
    alice.go_ready()
    page = supervisor.page
    row = page.locator("#board-agents tr", has_text="Alice")
    expect(row.locator(".board-state")).to_have_text(re.compile("^Ready"))
    page.once("dialog", lambda dialog: dialog.accept("Coaching at three"))
    row.get_by_role("button", name="Not Ready…").click()
    expect(row.locator(".board-state")).to_contain_text("“Coaching at three”")
    # Alice's console says so (live: agent.state), with the reason.
    expect(alice.page.locator("#ready-toggle")).to_have_attribute("aria-pressed", "false")
    expect(alice.page.locator("#ready-notice-text")).to_contain_text("Coaching at three")


def test_a_supervisor_monitors_a_conversation_read_only(stack, supervisor: Console, customer):
    customer_says(stack, customer, "Anyone there?")
    page = supervisor.page
    item = page.locator("#board-reply li", has_text=customer.shown_name)
    item.get_by_role("button", name="Monitor").click()
    expect(page.locator("#board-monitor")).to_be_visible()
    expect(page.locator("#board-monitor-messages")).to_contain_text("Anyone there?")
    customer_says(stack, customer, "Hello??")  # the pane follows the board's updates
    expect(page.locator("#board-monitor-messages")).to_contain_text("Hello??")
    # From the monitored conversation: take it over (it was waiting in its queue; barging
    # in or moving it is for a conversation in progress: the server does not offer them).
    monitor = page.locator("#board-monitor")
    expect(monitor.get_by_role("button", name="Barge in")).to_be_hidden()
    expect(monitor.get_by_role("button", name="Move…")).to_be_hidden()
    monitor.get_by_role("button", name="Take over").click()
    page.locator("#board-toggle").click()
    expect(page.locator("#tab-list")).to_contain_text(customer.shown_name)


def test_an_agent_sees_the_waiting_count_of_their_queues(stack, alice: Console, customer):
    counts = alice.page.locator("#queue-waiting")
    expect(counts).to_be_visible()
    general = counts.locator(".queue-count", has_text="General")
    before = int(general.locator("strong").inner_text())
    customer_says(stack, customer, "Hi, anyone?")
    expect(general.locator("strong")).to_have_text(str(before + 1))


def test_a_drop_in_quality_is_shown_on_the_board(stack, supervisor: Console):
    """G5: Meta downgrades the number (the sandbox posts ``phone_number_quality_update``):
    the board names it, with its messaging limit, without a reload."""
    page = supervisor.page
    expect(page.locator("#board-numbers")).to_be_hidden()
    response = httpx.post(
        f"{stack.url}/sandbox/phone/api/number",
        json={
            "phone_number_id": stack.env["WHATSAPP_PHONE_NUMBER_ID"],
            "quality_rating": "RED",
            "messaging_limit": "TIER_250",
        },
        timeout=20,
    )
    assert response.status_code == 200, response.text
    banner = page.locator("#board-numbers")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("TIER_250")
    expect(banner).to_contain_text("dropped")


def test_a_supervisor_intervenes_from_the_conversation_itself(
    stack, supervisor: Console, alice: Console, customer
):
    """S2 from an interaction: after barging in, the supervisor's tab offers what the server
    allows (take over, move; not barging in again), and taking over from there works. The
    agent's own tab offers no intervention."""
    customer_says(stack, customer, "Can someone senior look at this?")
    alice.go_ready()
    panel = alice.accept(customer)
    interaction_id = alice.interaction_id(panel)
    expect(panel.locator("[data-ref=interventions]")).to_be_hidden()

    page = supervisor.page
    chip = page.locator(f"#board-agents .board-chip[data-interaction-id='{interaction_id}']").first
    chip.get_by_role("button", name="Barge in").click()
    page.locator("#board-toggle").click()
    tab = page.locator(f"#panel-{interaction_id}")
    expect(tab).to_be_attached()
    page.locator(f"#tab-list [data-interaction-id='{interaction_id}']").click()
    interventions = tab.locator("[data-ref=interventions]")
    expect(interventions).to_be_visible()
    expect(interventions.get_by_role("button", name="Take over")).to_be_visible()
    expect(interventions.get_by_role("button", name="Move…")).to_be_visible()
    expect(interventions.get_by_role("button", name="Barge in")).to_be_hidden()  # already in it

    interventions.get_by_role("button", name="Take over").click()
    expect(alice.page.locator(f"#panel-{interaction_id}")).to_have_count(0)
    expect(interventions).to_be_hidden()  # theirs now: the owner's actions instead
    expect(tab.locator("[data-ref=done]")).to_be_visible()
