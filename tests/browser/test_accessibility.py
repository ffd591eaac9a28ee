"""U5 accessibility in a real browser: axe-core on every page a person uses, and the
console's main flow by keyboard alone.

axe-core (a pinned development dependency, tests/browser/axe.py) audits the sign-in page,
the agent console (an offer shown; a conversation open with messages and the composer;
the emoji panel; the high-contrast theme; the conversation's dialogs; a consultation on
both sides), the supervisors' board, the reports, the interaction search and the
sandbox's phone: no violation of impact "serious" or "critical" of WCAG 2.x A/AA or axe's
best practices. Then an agent with no mouse goes Ready, accepts an offer, reads the
conversation, replies and closes it with Done, and each control they reach shows where
the focus is.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.axe import assert_accessible, axe_source
from tests.browser.conftest import (
    DEMO_PASSWORD,
    Console,
    Customer,
    customer_says,
    expect,
    login,
    new_customer,
    open_phone,
    skip_without_chromium,
)

skip_without_chromium()
pytestmark = pytest.mark.browser

#: axe's script is injected into the pages: the product's CSP would (rightly) refuse it.
AUDITED = {"bypass_csp": True}


@pytest.fixture(autouse=True)
def _axe() -> None:
    """Find (or install) axe-core before a stack starts: skip or fail at once without it."""
    axe_source()


@pytest.fixture
def agent(browser, stack, contexts) -> Console:
    return login(browser, stack, "alice", **AUDITED)


def test_the_sign_in_page_is_accessible(browser, stack, contexts):
    page = browser.new_context(viewport={"width": 1280, "height": 800}, **AUDITED).new_page()
    page.goto(f"{stack.url}/accounts/login/?next=/console/")
    expect(page.locator("#id_username")).to_be_focused()
    assert_accessible(page, "the sign-in page")
    # A wrong password: the error is announced (role=alert) and still accessible.
    page.fill("#id_username", "alice")
    page.fill("#id_password", DEMO_PASSWORD + "-wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, "the sign-in page with an error")


def test_the_console_is_accessible_with_an_offer_and_a_conversation(
    stack, agent: Console, customer: Customer
):
    page = agent.page
    assert_accessible(page, "the console, Not Ready, no conversation")

    agent.go_ready()
    customer_says(stack, customer, "Hello, my parcel never arrived")
    offer = agent.offer(customer)
    expect(offer).to_be_visible()
    # An offer is announced: the list is a polite live region.
    expect(page.locator("#offer-list")).to_have_attribute("aria-live", "polite")
    assert_accessible(page, "the console with an offer")

    panel = agent.accept(customer)
    agent.send("Hi! Let me check that for you.")
    customer_says(stack, customer, "It was order 4711")
    expect(agent.message("It was order 4711")).to_be_visible()
    # New messages are announced: the transcript is a polite live log.
    log = panel.get_by_role("log", name="Messages")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(log.locator("ol.messages > li.row")).to_have_count(3)
    agent.composer.fill("Typing a reply…")
    assert_accessible(page, "the console with an open conversation and the composer")

    # The composer's emoji panel, open.
    panel.locator("[data-ref=emojiButton]").click()
    expect(panel.locator("[data-ref=emojiPanel]")).to_be_visible()
    assert_accessible(page, "the console with the emoji panel open")
    page.keyboard.press("Escape")

    # The high-contrast theme.
    page.locator("#theme-toggle").click()
    expect(page.locator("#theme-toggle")).to_have_attribute("aria-pressed", "true")
    assert_accessible(page, "the console in the high-contrast theme")
    page.locator("#theme-toggle").click()


def test_the_consoles_dialogs_and_side_panel_are_accessible(stack, agent: Console, customer: Customer):
    page = agent.page
    agent.go_ready()
    customer_says(stack, customer, "Can you move me somewhere?")
    expect(agent.offer(customer)).to_be_visible()
    panel = agent.accept(customer)
    dialog = page.get_by_role("dialog")

    # Each dialog the conversation's buttons open: accessible, and Escape closes it with
    # the focus back on the button that opened it.
    for button, where in (
        (panel.get_by_role("button", name="Transfer"), "the transfer dialog"),
        (panel.get_by_role("button", name="Move to workbin"), "the workbin dialog"),
        (panel.get_by_role("button", name="Templates"), "the templates dialog"),
        (page.get_by_role("button", name="New", exact=True), "the directory of past contacts"),
    ):
        button.focus()
        page.keyboard.press("Enter")
        expect(dialog).to_be_visible()
        expect(dialog.locator("*:focus")).to_have_count(1)  # the focus moved into it
        assert_accessible(page, where)
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(button).to_be_focused()

    # The side panel's Responses page (a tab list: the arrows move between its pages).
    details = panel.get_by_role("tab", name="Details")
    details.focus()
    page.keyboard.press("ArrowRight")
    expect(panel.get_by_role("tab", name="Responses")).to_be_focused()
    expect(panel.get_by_role("tab", name="Responses")).to_have_attribute("aria-selected", "true")
    assert_accessible(page, "the side panel's Responses page")

    # A message in a conversation not shown (its log is hidden) is said by the announcer.
    other = new_customer("Otto Other")
    customer_says(stack, other, "Me too, please")
    expect(agent.offer(other)).to_be_visible()
    agent.accept(other)
    expect(panel).to_be_hidden()
    customer_says(stack, customer, "Still there?")
    expect(page.locator("#announcer")).to_have_text(f"New message from {customer.shown_name}: Still there?")


def test_a_consultation_is_accessible_on_both_sides(
    browser, stack, contexts, agent: Console, customer: Customer
):
    colleague = login(browser, stack, "bob", **AUDITED)
    agent.go_ready()
    customer_says(stack, customer, "Is my order covered by the warranty?")
    expect(agent.offer(customer)).to_be_visible()
    panel = agent.accept(customer)
    interaction_id = agent.interaction_id(panel)

    # The consult dialog (agents as radio buttons, the question), then the consultation pane.
    panel.get_by_role("button", name="Consult", exact=True).click()
    dialog = agent.page.get_by_role("dialog")
    expect(dialog.get_by_role("radio", name=re.compile("^Bob"))).to_be_visible()
    assert_accessible(agent.page, "the consult dialog")
    dialog.get_by_role("radio", name=re.compile("^Bob")).check()
    dialog.get_by_label("Your question").fill("Does the warranty cover it?")
    dialog.get_by_role("button", name="Consult").click()
    expect(dialog).to_be_hidden()
    log = panel.get_by_role("log", name="Consultation messages")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(log.locator("ol > li")).to_have_count(1)
    assert_accessible(agent.page, "the consultation pane")

    # The consulted agent: the conversation read only (the composer disabled).
    colleague.page.locator(f"#tab-{interaction_id}").click()
    consulted = colleague.page.locator(f"#panel-{interaction_id}")
    expect(consulted.get_by_label("Message", exact=True)).to_be_disabled()
    assert_accessible(colleague.page, "the consulted agent's read-only conversation")


def test_the_supervisors_board_is_accessible(browser, stack, contexts, customer: Customer):
    customer_says(stack, customer, "Anyone there?")
    supervisor = login(browser, stack, "supervisor", **AUDITED)
    page = supervisor.page
    page.locator("#board-toggle").click()
    expect(page.locator("#board")).to_be_visible()
    expect(page.locator("#board-queues tr", has_text="General")).to_be_visible()
    expect(page.locator("#board-reply")).to_contain_text(customer.shown_name)
    assert_accessible(page, "the supervisors' board")


def test_the_reports_and_the_search_are_accessible(browser, stack, contexts, customer: Customer):
    customer_says(stack, customer, "Hello reports")
    page = login(browser, stack, "supervisor", **AUDITED).page
    page.goto(f"{stack.url}/reports/")
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    assert_accessible(page, "the reports")
    page.goto(f"{stack.url}/search/")
    expect(page.locator("#search-status")).to_be_visible()
    assert_accessible(page, "the interaction search")
    page.fill("input[name=text]", "Hello reports")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("#search-results tbody tr")
    expect(rows.first).to_be_visible()
    rows.first.get_by_role("button", name="Open").click()
    expect(page.locator("#detail-transcript .msg").first).to_be_visible()
    assert_accessible(page, "the search's results and an interaction opened read-only")


def test_the_sandbox_phone_is_accessible(browser, stack, contexts, customer: Customer, api):
    page = open_phone(browser, stack, customer, **AUDITED)
    assert_accessible(page, "the sandbox phone, empty")
    page.fill("#sbx-text", "Hello from the phone")
    page.press("#sbx-text", "Enter")
    expect(page.locator(".sbx-row--out", has_text="Hello from the phone")).to_be_visible()
    assert_accessible(page, "the sandbox phone with a message")


# --- keyboard only -------------------------------------------------------------------------


FOCUS_SHOWN = """(element) => {
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
    const ring = style.boxShadow && style.boxShadow !== "none";
    return element.matches(":focus-visible") && (outline || ring);
}"""


def focused(page):
    return page.locator("*:focus")


def tab_to(page, matches: str, *, limit: int = 60, backwards: bool = False) -> None:
    """Press Tab until the focused element matches the CSS selector; assert the focus shows."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", matches):
            assert focused(page).evaluate(FOCUS_SHOWN), f"no visible focus on {matches}"
            return
    raise AssertionError(f"{limit} × {key} never reached {matches}")


def test_an_agent_takes_a_conversation_and_replies_by_keyboard_alone(
    stack, agent: Console, customer: Customer
):
    page = agent.page
    # The first Tab reaches the skip link, shown when focused.
    page.keyboard.press("Tab")
    expect(focused(page)).to_have_class(re.compile("skip-link"))
    assert focused(page).evaluate(FOCUS_SHOWN)
    assert focused(page).evaluate("(e) => e.getBoundingClientRect().top >= 0")

    # Ready, from the keyboard.
    tab_to(page, "#ready-toggle")
    page.keyboard.press("Enter")
    expect(page.locator("#ready-toggle")).to_have_attribute("aria-pressed", "true")

    # An offer arrives: Tab reaches its Accept button, Enter accepts.
    customer_says(stack, customer, "Hello, my parcel never arrived")
    offer = agent.offer(customer)
    expect(offer).to_be_visible()
    tab_to(page, ".offer .btn--primary")
    page.keyboard.press("Enter")
    expect(offer).to_have_count(0)
    panel = agent.tab
    expect(panel.locator(".row--in .text")).to_have_text("Hello, my parcel never arrived")

    # The conversation's tab is in the list; from it, Tab reaches the transcript, then the
    # composer, where the agent types and sends with Enter.
    tab_to(page, "#tab-list [role=tab][aria-selected=true]")
    tab_to(page, "section.conv:not([hidden]) .transcript")
    tab_to(page, "section.conv:not([hidden]) textarea[aria-label='Message']")
    page.keyboard.type("Hi! Let me check that for you.")
    page.keyboard.press("Enter")
    expect(panel.locator(".row--out", has_text="Let me check that for you")).to_be_visible()
    expect(agent.composer).to_be_focused()
    expect(agent.composer).to_have_value("")

    # Done, from the keyboard: Shift+Tab back to the conversation's actions.
    interaction_id = agent.interaction_id(panel)
    tab_to(page, "section.conv:not([hidden]) [data-ref=done]", backwards=True)
    page.keyboard.press("Enter")
    # The Done dialog takes the focus (its first field) and is accessible.
    dialog = page.locator("#done-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#done-disposition")).to_be_focused()
    assert_accessible(page, "the console's Done dialog")
    tab_to(page, "#done-submit")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator(f"#panel-{interaction_id}")).to_have_count(0)
