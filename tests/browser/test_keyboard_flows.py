"""U5 accessibility, issue 13: every conversation dialog completed by keyboard alone.

tests/browser/test_accessibility.py takes an agent with no mouse from Ready to Accept,
reply and Done, and opens and closes each dialog by keyboard. Here the agent (alice) goes
further, still with only Tab, Shift+Tab, the arrows, Enter, Space, Escape, typing and the
console's shortcuts (shortcuts.js): a transfer, a conference invitation and a consultation
with bob, a template sent with its parameter filled in, a move to a workbin and back, and a
standard response inserted ("/" in the composer, and the side panel's Responses page).
Every control reached shows where the focus is; every outcome is checked on the server or
in the other agent's console. Only the other side (bob, the customer's phone) uses the API.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import Console, Customer, customer_says, expect, skip_without_chromium
from tests.browser.test_accessibility import FOCUS_SHOWN

skip_without_chromium()
pytestmark = pytest.mark.browser

CONV = "section.conv:not([hidden])"


@pytest.fixture(autouse=True)
def _conference_allowed(stack) -> None:
    """R5 needs the business attribute InternalConferenceInvite (the demo seed may lack it)."""
    stack.shell(
        "from conversations.models import BusinessAttribute\n"
        "BusinessAttribute.objects.get_or_create(name='InternalConferenceInvite',"
        " defaults={'description': 'Interaction subtype: conference invitation'})\nprint('null')"
    )


def set_ready(api, username: str, ready: bool) -> None:
    api[username].post("/api/v1/agent/me/state/", json={"ready": ready}).raise_for_status()


def tab_to(page, matches: str, *, limit: int = 60, backwards: bool = False) -> None:
    """test_accessibility's ``tab_to``: Tab (or Shift+Tab) until the focus is on ``matches``,
    which must show a focus ring."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", matches):
            focus_shown(page)
            return
    raise AssertionError(f"{limit} × {key} never reached {matches}")


def focus_shown(page) -> None:
    """The focused control shows a focus ring (a 2px outline or a box shadow, :focus-visible)."""
    # one evaluation of the focused element (a list redrawn meanwhile keeps the focus on a new one)
    assert page.evaluate(f"({FOCUS_SHOWN})(document.activeElement)"), "no visible focus on " + page.evaluate(
        "() => { const e = document.activeElement; const s = getComputedStyle(e);"
        " return [e.outerHTML.slice(0, 160), e.matches(':focus-visible'), s.outlineStyle, s.outlineWidth,"
        " s.boxShadow].join(' | '); }"
    )


def take_by_keyboard(stack, agent: Console, customer: Customer, text: str) -> int:
    """Ready (Tab, Enter), the customer writes, Alt+A accepts: the interaction's id."""
    page = agent.page
    tab_to(page, "#ready-toggle")
    page.keyboard.press("Enter")
    expect(page.locator("#ready-toggle")).to_have_attribute("aria-pressed", "true")
    customer_says(stack, customer, text)
    expect(agent.offer(customer)).to_be_visible()
    page.keyboard.press("Alt+KeyA")
    expect(agent.offer(customer)).to_have_count(0)
    expect(agent.tab.locator(".row--in .text")).to_have_text(text)
    return agent.interaction_id()


def open_action(agent: Console, ref: str) -> None:
    """From the composer (Alt+C), Shift+Tab back to the conversation's action; Enter."""
    page = agent.page
    page.keyboard.press("Alt+KeyC")
    expect(agent.composer).to_be_focused()
    tab_to(page, f"{CONV} [data-ref={ref}]", backwards=True)
    page.keyboard.press("Enter")


def choose_target(page, name: str) -> None:
    """In the target dialog (the focus in its search): type the name, Tab to the target, Space."""
    dialog = page.locator("#target-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#target-search")).to_be_focused()
    focus_shown(page)
    page.keyboard.type(name[:2].lower())
    target = dialog.get_by_role("radio", name=re.compile(f"^{name}"))
    expect(target).to_be_enabled()
    expect(page.locator("#target-results input[type=radio]")).to_have_count(1)  # the search answered
    tab_to(page, "#target-results input[type=radio]:enabled")
    expect(target).to_be_focused()
    page.keyboard.press("Space")
    expect(target).to_be_checked()


def submit_target(page, label: str) -> None:
    tab_to(page, "#target-submit:enabled")
    expect(page.locator("#target-submit")).to_have_text(label)
    page.keyboard.press("Enter")
    expect(page.locator("#target-dialog")).to_be_hidden()


def ask_bob(api, agent: Console, ref: str, submit: str) -> None:
    """Bob made Ready (a target only then), the conversation's ``ref`` dialog opened by
    keyboard, Bob chosen and the dialog submitted with its ``submit`` button."""
    set_ready(api, "bob", True)
    open_action(agent, ref)
    choose_target(agent.page, "Bob")
    submit_target(agent.page, submit)


# --- R4, R5, R6 ----------------------------------------------------------------------------


def test_a_transfer_to_another_agent_by_keyboard_alone(stack, api, alice, bob, customer):
    page = alice.page
    interaction_id = take_by_keyboard(stack, alice, customer, "I need to change my invoice address")

    ask_bob(api, alice, "transfer", "Transfer")
    expect(page.locator(f"#panel-{interaction_id}")).to_have_count(0)
    expect(page.locator("#toast-text")).to_have_text(f"{customer.shown_name} was transferred to Bob.")
    # bob gets the offer; the focus is not lost (it is on something the agent can use)
    expect(bob.offer(customer).locator(".offer-first")).to_have_text("I need to change my invoice address")
    assert page.evaluate("() => document.activeElement !== document.body")
    page.keyboard.press("Tab")
    focus_shown(page)


def test_a_conference_invitation_by_keyboard_alone(stack, api, alice, bob, customer):
    page = alice.page
    interaction_id = take_by_keyboard(stack, alice, customer, "My refund is missing")

    ask_bob(api, alice, "conference", "Invite")
    participant = alice.tab.locator(".participant", has=page.locator(".participant-name", has_text="Bob"))
    expect(participant).to_contain_text("invited to the conference")
    # the focus is back on the button that opened the dialog
    expect(alice.tab.locator("[data-ref=conference]")).to_be_focused()
    focus_shown(page)

    # bob has the invitation; he accepts it by keyboard too (Tab to its Accept, Enter)
    card = bob.page.get_by_role("article", name=customer.shown_name)
    expect(card.locator(".invitation-from")).to_contain_text("Alice invites you to join this conversation")
    tab_to(bob.page, ".invitation .btn--primary, [aria-label^='Accept the conference']")
    bob.page.keyboard.press("Enter")
    expect(bob.page.locator(f"#panel-{interaction_id}")).to_be_visible()
    expect(participant).to_contain_text("in the conference")


def test_a_consultation_started_and_ended_by_keyboard_alone(stack, api, alice, bob, customer):
    page = alice.page
    interaction_id = take_by_keyboard(stack, alice, customer, "Is my order covered by the warranty?")

    open_action(alice, "consult")
    choose_target(page, "Bob")
    tab_to(page, "#target-message")
    page.keyboard.type("Does the warranty cover order 4711?")
    submit_target(page, "Consult")
    consultation = alice.tab.get_by_role("tabpanel", name="Consultation")
    expect(consultation.locator(".consult-msg .consult-body")).to_have_text(
        ["Does the warranty cover order 4711?"]
    )
    consulted = bob.page.locator(f"#panel-{interaction_id}")
    expect(bob.page.locator(f"#tab-{interaction_id} .chat-role")).to_have_text("Consultation")

    # ended from the consultation page: Tab reaches "End consultation", Enter
    end = consultation.get_by_role("button", name="End consultation")
    tab_to(page, f"{CONV} [data-ref=consultEnd]")
    expect(end).to_be_focused()
    page.keyboard.press("Enter")
    expect(consulted).to_have_count(0)
    expect(consultation.locator(".consult-with")).to_have_text(
        "The consultation ended. Consult again to ask someone."
    )
    # the focus goes to Consult (to ask again), not to the page's body
    expect(alice.tab.locator("[data-ref=consult]")).to_be_focused()
    focus_shown(page)


# --- T2, R7, T1 ----------------------------------------------------------------------------


def test_a_template_chosen_filled_in_and_sent_by_keyboard_alone(stack, api, alice, customer):
    page = alice.page
    interaction_id = take_by_keyboard(stack, alice, customer, "Any news about my parcel?")

    page.keyboard.press("Alt+KeyC")
    tab_to(page, f"{CONV} [data-ref=templatesButton]", backwards=True)
    page.keyboard.press("Enter")
    dialog = page.locator("#template-dialog")
    expect(dialog).to_be_visible()
    select = page.locator("#template-select")
    expect(select).to_be_enabled()
    expect(select).to_be_focused()  # once the templates are loaded
    focus_shown(page)
    # a closed <select> takes the arrows: down until the template is chosen
    for _ in range(30):
        if select.evaluate("(s) => s.selectedOptions[0] && s.selectedOptions[0].text") == (
            "thanks_for_patience (en_US)"
        ):
            break
        page.keyboard.press("ArrowDown")
    expect(select.locator("option:checked")).to_have_text("thanks_for_patience (en_US)")
    preview = dialog.locator("#template-preview")
    expect(preview.locator(".tpl-body")).to_have_text("Thank you for your patience! {{1}}")

    tab_to(page, "#template-inputs textarea")
    page.keyboard.type("Your parcel left our warehouse.")
    expect(preview.locator(".tpl-body")).to_have_text(
        "Thank you for your patience! Your parcel left our warehouse."
    )
    # Send waits for the server's preview of what was typed (250 ms, then the request):
    # a disabled button is no Tab stop, and sixty quick presses can all come before it.
    expect(page.locator("#template-send")).to_be_enabled()
    tab_to(page, "#template-send:enabled")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    sent = alice.tab.locator(".row--out[data-type=template]")
    expect(sent.locator(".text")).to_have_text("Thank you for your patience! Your parcel left our warehouse.")
    assert "thanks_for_patience" in api["alice"].get(f"/api/v1/interactions/{interaction_id}/messages/").text
    expect(alice.tab.locator("[data-ref=templatesButton]")).to_be_focused()
    focus_shown(page)


def test_a_conversation_moved_to_a_workbin_and_back_by_keyboard_alone(stack, api, alice, customer):
    page = alice.page
    interaction_id = take_by_keyboard(stack, alice, customer, "I'll send the photos tomorrow")

    open_action(alice, "park")
    expect(page.locator("#workbin-dialog")).to_be_visible()
    expect(page.locator("#workbin-select")).to_be_focused()
    focus_shown(page)
    tab_to(page, "#workbin-submit")
    page.keyboard.press("Enter")
    expect(page.locator("#workbin-dialog")).to_be_hidden()
    expect(page.locator(f"#panel-{interaction_id}")).to_have_count(0)
    state = api["alice"].get(f"/api/v1/interactions/{interaction_id}/").json()["state"]
    assert state == "parked", state

    # back out: Tab reaches the workbin item's Open, Enter; the tab comes back, focused
    item = page.locator(f".workbin-item[data-interaction-id='{interaction_id}']")
    expect(item).to_be_visible()
    tab_to(page, f".workbin-item[data-interaction-id='{interaction_id}'] button")
    page.keyboard.press("Enter")
    expect(page.locator(f"#panel-{interaction_id}")).to_be_visible()
    expect(item).to_have_count(0)
    assert api["alice"].get(f"/api/v1/interactions/{interaction_id}/").json()["state"] == "active"
    assert page.evaluate("() => document.activeElement !== document.body"), "the focus was lost"
    focus_shown(page)


def test_standard_responses_inserted_by_keyboard_alone(stack, alice, customer):
    page = alice.page
    take_by_keyboard(stack, alice, customer, "Where is my parcel?")
    composer = alice.composer

    # "/" and a shortcut in the composer: the suggestions, the arrows, Enter inserts
    page.keyboard.press("Alt+KeyC")
    expect(composer).to_be_focused()
    focus_shown(page)
    page.keyboard.type("/track")
    suggestions = alice.tab.get_by_role("listbox", name="Standard responses by shortcut")
    expect(suggestions.get_by_role("option")).to_have_count(1)
    expect(suggestions.get_by_role("option")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(composer).to_have_value("You can follow your parcel here: https://example.com/track")
    expect(composer).to_be_focused()
    page.keyboard.press("Enter")
    expect(alice.message("You can follow your parcel here")).to_have_class(re.compile("row--out"))
    expect(composer).to_have_value("")

    # the side panel's Responses page: Tab to its tab list, the arrow, Tab to the search,
    # type, Tab to the response's Insert, Enter: the text is in the composer, focused
    tab_to(page, f"{CONV} [role=tab][aria-selected=true]")
    page.keyboard.press("ArrowRight")
    expect(alice.tab.get_by_role("tab", name="Responses")).to_be_focused()
    tab_to(page, f"{CONV} input[aria-label='Search responses'], {CONV} [role=tabpanel]:not([hidden]) input")
    page.keyboard.type("track")
    responses = alice.tab.get_by_role("tabpanel", name="Responses")
    expect(responses.locator(".response")).to_have_count(1)
    tab_to(page, f"{CONV} [role=tabpanel]:not([hidden]) button[aria-label='Insert Tracking link']")
    page.keyboard.press("Enter")
    expect(composer).to_have_value("You can follow your parcel here: https://example.com/track")
    expect(composer).to_be_focused()
    focus_shown(page)
