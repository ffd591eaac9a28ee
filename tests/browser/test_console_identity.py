"""G2 / G3 / G4 in a real browser, against the real product and its sandbox: the contact
panel shows the username a customer chose (and that the number is hidden), their
marketing preference with its time, and a message the business sent from the WhatsApp
Business app is marked so in the transcript."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.conftest import Console, Customer, customer_says, expect, skip_without_chromium

skip_without_chromium()
pytestmark = pytest.mark.browser


def phone_api(stack, path: str, customer: Customer, **fields) -> dict:
    body = {"phone_number_id": stack.env["WHATSAPP_PHONE_NUMBER_ID"], "wa_id": customer.wa_id, **fields}
    response = httpx.post(f"{stack.url}/sandbox/phone/api/{path}", json=body, timeout=20)
    assert response.status_code == 200, response.text
    return response.json()


def test_username_marketing_preference_and_business_app_echo(stack, alice: Console, customer: Customer):
    alice.go_ready()
    customer_says(stack, customer, "Hello, is my order on its way?")
    expect(alice.offer(customer)).to_be_visible()
    panel = alice.accept(customer)
    contact_line = panel.locator('[data-ref="contactWa"]')
    expect(contact_line).to_have_text(f"+{customer.wa_id}")

    # G2: she chose a username that hides her number; her next message says so
    phone_api(stack, "identity", customer, username="lena.reads", hides_number=True)
    customer_says(stack, customer, "It's me, with my new username")
    expect(contact_line).to_have_text(f"+{customer.wa_id} · @lena.reads")

    # G3: she stops marketing messages, then resumes
    marketing = panel.locator('[data-ref="contactMarketing"]')
    expect(marketing).to_be_hidden()
    phone_api(stack, "marketing", customer, value="stop")
    expect(marketing).to_contain_text("Stopped marketing messages since")
    expect(marketing).to_have_class("contact-marketing contact-marketing--stopped")
    phone_api(stack, "marketing", customer, value="resume")
    expect(marketing).to_contain_text("Accepts marketing messages again")

    # G4: the owner answered from the WhatsApp Business app
    phone_api(stack, "echo", customer, text="Yes, it ships today (from the shop)")
    echo = alice.message("Yes, it ships today (from the shop)")
    expect(echo).to_be_visible()
    expect(echo.locator(".author")).to_have_text("Sent from the business app")


def test_the_phone_page_plays_the_customer_and_the_business_app(
    stack, alice: Console, customer: Customer, phone
):
    alice.go_ready()
    customer_says(stack, customer, "Hi, one question")
    expect(alice.offer(customer)).to_be_visible()
    panel = alice.accept(customer)

    phone.get_by_text("WhatsApp settings and the business side").click()
    controls = phone.locator("#sbx-controls")
    controls.get_by_label("Username").fill("@Maya.Reads")
    controls.get_by_label("Hide my number").check()
    controls.get_by_role("button", name="Save username").click()
    expect(phone.locator("#sbx-controls-status")).to_have_text("Username saved: your next message carries it")
    customer_says(stack, customer, "Now with a username")
    expect(panel.locator('[data-ref="contactWa"]')).to_have_text(f"+{customer.wa_id} · @maya.reads")

    controls.get_by_role("button", name="Stop marketing").click()
    expect(phone.locator("#sbx-controls-status")).to_have_text("Marketing stopped (webhook delivered)")
    expect(panel.locator('[data-ref="contactMarketing"]')).to_contain_text("Stopped marketing messages")

    controls.get_by_label("Reply from the WhatsApp Business app").fill("Answered from the shop's phone")
    controls.get_by_role("button", name="Send as the business app").click()
    expect(alice.message("Answered from the shop's phone").locator(".author")).to_have_text(
        "Sent from the business app"
    )
