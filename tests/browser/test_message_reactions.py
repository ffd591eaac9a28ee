"""U1: the agent reacts to a customer's message with an emoji, from a small picker usable
by keyboard (Alt+L opens it on the customer's last message); the customer's phone shows
the business's reaction, and its removal."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Customer, customer_says, expect, skip_without_chromium

skip_without_chromium()
pytestmark = pytest.mark.browser


def test_the_agent_reacts_and_the_phone_shows_it_then_the_reaction_is_removed(stack, api, alice, phone_of):
    nina = Customer(wa_id="4915700000131", name="Nina")
    alice.go_ready()
    phone = phone_of(nina)
    customer_says(stack, nina, "Thanks, that helped a lot!")
    panel = alice.accept(nina)
    interaction_id = alice.interaction_id(panel)

    thanks = alice.tab.locator(".row--in", has_text="Thanks, that helped a lot!")
    thanks.hover()
    react = thanks.get_by_role("button", name="React to this message")
    expect(react).to_have_attribute("tabindex", "-1")  # out of the Tab order, like Reply and Copy
    react.click()
    picker = thanks.get_by_role("menu", name="React with")
    expect(picker).to_be_visible()
    # the keyboard: the first emoji has the focus, the arrows move it, Enter picks
    expect(picker.get_by_role("menuitemradio", name="React with 👍")).to_be_focused()
    alice.page.keyboard.press("ArrowRight")
    expect(picker.get_by_role("menuitemradio", name="React with ❤️")).to_be_focused()
    alice.page.keyboard.press("ArrowLeft")
    alice.page.keyboard.press("Enter")
    expect(picker).to_have_count(0)

    mine = thanks.locator(".reaction--out")
    expect(mine).to_have_text("👍")
    expect(thanks.get_by_role("button", name="React to this message")).to_be_focused()  # back where it was
    # the customer's phone shows the business's reaction on their message
    bubble = phone.locator(".sbx-bubble", has_text="Thanks, that helped a lot!")
    expect(bubble.locator(".sbx-reaction")).to_have_text("👍")
    expect(mine).not_to_have_class("reaction--pending")  # WhatsApp (the sandbox) accepted it
    message_id = int(thanks.get_attribute("data-message-id") or "")
    shown = api["alice"].get(f"/api/v1/interactions/{interaction_id}/messages/?ids={message_id}").json()
    [reaction] = [r for r in shown["refreshed"][0]["reactions"] if r["direction"] == "out"]
    assert reaction["emoji"] == "👍" and reaction["status"] != "failed"

    # Escape closes the picker and gives the focus back to React
    thanks.hover()
    thanks.get_by_role("button", name="React to this message").click()
    expect(picker.get_by_role("menuitemradio", name="React with 👍")).to_have_attribute(
        "aria-checked", "true"
    )
    alice.page.keyboard.press("Escape")
    expect(picker).to_have_count(0)
    expect(thanks.get_by_role("button", name="React to this message")).to_be_focused()

    # Remove takes it back, in the console and on the phone
    thanks.hover()
    thanks.get_by_role("button", name="React to this message").click()
    picker.get_by_role("menuitem", name="Remove your reaction").click()
    expect(thanks.locator(".reaction--out")).to_have_count(0)
    expect(bubble.locator(".sbx-reaction")).to_have_count(0)

    # Alt+L opens the menu of the customer's last message from the keyboard (the row's
    # buttons are out of the Tab order)
    alice.page.keyboard.press("Alt+KeyL")
    expect(picker.get_by_role("menuitemradio", name="React with 👍")).to_be_focused()
    alice.page.keyboard.press("End")
    expect(picker.get_by_role("menuitemradio", name="React with 🙏")).to_be_focused()
    alice.page.keyboard.press("Enter")
    expect(thanks.locator(".reaction--out")).to_have_text("🙏")
    expect(bubble.locator(".sbx-reaction")).to_have_text("🙏")


def test_the_picker_stays_open_on_the_same_emoji_when_its_row_is_drawn_again(stack, api, alice):
    """A row is drawn again whenever something it shows changes (its reactions' statuses, the
    contact's name): an agent choosing an emoji at that moment keeps the picker and the focus."""
    omar = Customer(wa_id="4915700000132", name="Omar")
    alice.go_ready()
    customer_says(stack, omar, "Is the parcel on its way?")
    panel = alice.accept(omar)
    interaction_id = alice.interaction_id(panel)

    asked = alice.tab.locator(".row--in", has_text="Is the parcel on its way?")
    asked.hover()
    asked.get_by_role("button", name="React to this message").click()
    picker = asked.get_by_role("menu", name="React with")
    alice.page.keyboard.press("ArrowRight")
    alice.page.keyboard.press("ArrowRight")
    expect(picker.get_by_role("menuitemradio", name="React with 😂")).to_be_focused()
    before = asked.element_handle()

    # a colleague renames the contact: every row naming the customer is drawn again
    contact_id = api["alice"].get(f"/api/v1/interactions/{interaction_id}/").json()["contact"]["id"]
    renamed = api["alice"].patch(f"/api/v1/contacts/{contact_id}/", json={"name": "Omar Haddad"})
    assert renamed.status_code == 200, renamed.text
    expect(panel.locator(".conv-name")).to_have_text("Omar Haddad")
    alice.page.wait_for_function("row => !row.isConnected", arg=before)  # the row was replaced

    expect(picker).to_be_visible()
    expect(picker.get_by_role("menuitemradio", name="React with 😂")).to_be_focused()
    alice.page.keyboard.press("ArrowLeft")
    alice.page.keyboard.press("Enter")
    expect(asked.locator(".reaction--out")).to_have_text("❤️")
