"""The sandbox's customer phone page (P3), driven through its own controls in a real browser.

The customer attaches an image and a document, shares a location, picks a row of a list
the business sent and reacts to a business message; each must arrive in the product as
WhatsApp would deliver it: stored rows of the right type and content, read back from the
stack's database. The business side goes through the product's REST API (alice), so the
list and the reacted-to message are real outbound messages of ours.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from tests.browser.conftest import Customer, expect, png, skip_without_chromium

skip_without_chromium()
pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n" + b" " * 500


def inbound_messages(stack, customer: Customer, *, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
    """The customer's stored messages (oldest first), once ``count`` of them are there."""
    code = (
        "import json\nfrom conversations.models import Message\n"
        f"rows = Message.objects.filter(contact__wa_id={customer.wa_id!r}, direction='in').order_by('id')\n"
        "print(json.dumps([{'type': m.type, 'body': m.body, 'content': m.content, 'context_wamid': m.context_wamid,"
        " 'attachment': None if not hasattr(m, 'attachment') else {'kind': m.attachment.kind,"
        " 'file_name': m.attachment.file_name, 'state': m.attachment.state, 'size': m.attachment.size,"
        " 'mime_type': m.attachment.mime_type}} for m in rows.select_related('attachment')]))"
    )
    deadline = time.monotonic() + timeout
    while True:
        rows = stack.shell(code)
        done = len(rows) >= count and all(
            r["attachment"] is None or r["attachment"]["state"] != "pending" for r in rows
        )
        if done or time.monotonic() > deadline:
            return rows
        time.sleep(0.3)


def phone_sends_text(phone, text: str) -> None:
    phone.fill("#sbx-text", text)
    phone.press("#sbx-text", "Enter")
    expect(phone.locator(".sbx-row--out", has_text=text)).to_be_visible()


def test_attachments_and_a_location_from_the_phone_are_stored(stack, customer, phone):
    # an image, attached with the paperclip and sent with a caption
    phone.set_input_files("#sbx-file", {"name": "parcel.png", "mimeType": "image/png", "buffer": png()})
    expect(phone.locator("#sbx-attachment-name")).to_contain_text("parcel.png")
    phone.fill("#sbx-text", "The box was damaged")
    phone.press("#sbx-text", "Enter")
    expect(phone.locator(".sbx-row--out")).to_have_count(1)
    expect(phone.locator("#sbx-attachment")).to_be_hidden()

    # a document, sent without a caption
    phone.set_input_files("#sbx-file", {"name": "receipt.pdf", "mimeType": "application/pdf", "buffer": PDF})
    expect(phone.locator("#sbx-attachment-name")).to_contain_text("receipt.pdf")
    phone.locator("#sbx-composer button[type=submit]").click()
    expect(phone.locator(".sbx-row--out")).to_have_count(2)

    # a location, through the location form
    phone.locator("#sbx-location-button").click()
    form = phone.locator("#sbx-location-form")
    expect(form).to_be_visible()
    form.locator("input[name=latitude]").fill("48.1374")
    form.locator("input[name=longitude]").fill("11.5755")
    form.locator("input[name=name]").fill("Marienplatz")
    form.locator("input[name=address]").fill("80331 München")
    form.get_by_role("button", name="Share location").click()
    expect(phone.locator(".sbx-row--out")).to_have_count(3)
    expect(phone.locator("#sbx-toast")).to_be_hidden()

    image, document, location = inbound_messages(stack, customer, count=3)
    assert (image["type"], image["body"]) == ("image", "The box was damaged")
    assert image["attachment"]["kind"] == "image"
    assert image["attachment"]["state"] == "stored"
    assert image["attachment"]["mime_type"] == "image/png"
    assert image["attachment"]["size"] == len(png())
    assert (document["type"], document["content"]["filename"]) == ("document", "receipt.pdf")
    assert document["attachment"]["file_name"] == "receipt.pdf"
    assert document["attachment"]["state"] == "stored"
    assert document["attachment"]["size"] == len(PDF)
    assert location["type"] == "location"
    assert location["content"]["latitude"] == pytest.approx(48.1374)
    assert location["content"]["longitude"] == pytest.approx(11.5755)
    assert (location["content"]["name"], location["content"]["address"]) == ("Marienplatz", "80331 München")


def accept_by_api(api, customer: Customer, timeout: float = 15.0) -> int:
    """alice goes Ready and accepts the customer's offer over REST; returns the interaction id."""
    alice = api["alice"]
    alice.post("/api/v1/agent/me/state/", json={"ready": True}).raise_for_status()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        offers = alice.get("/api/v1/agent/me/").json()["offers"]
        offer = next((o for o in offers if o["contact"]["wa_id"] == customer.wa_id), None)
        if offer is not None:
            alice.post(f"/api/v1/offers/{offer['id']}/accept/").raise_for_status()
            return offer["interaction_id"]
        time.sleep(0.2)
    raise AssertionError(f"no offer for {customer.wa_id} reached alice")


def business_sends(api, interaction_id: int, **message: Any) -> dict[str, Any]:
    response = api["alice"].post(f"/api/v1/interactions/{interaction_id}/messages/", json=message)
    assert response.status_code == 201, response.text
    return response.json()


def stored_wamid(stack, message_id: int, timeout: float = 15.0) -> str:
    """The wamid WhatsApp (the sandbox) gave our outbound message, once it was accepted."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        wamid = stack.shell(
            "import json\nfrom conversations.models import Message\n"
            f"print(json.dumps(Message.objects.get(pk={message_id}).wamid))"
        )
        if wamid:
            return wamid
        time.sleep(0.2)
    raise AssertionError(f"message {message_id} was never accepted")


def test_a_list_row_and_a_reaction_from_the_phone_are_stored(stack, api, customer, phone):
    # given: the customer wrote, alice took the chat and sent a list and a text
    phone_sends_text(phone, "When can you deliver?")
    interaction_id = accept_by_api(api, customer)
    slots = business_sends(
        api,
        interaction_id,
        type="interactive",
        body="Choose a delivery slot",
        interactive={
            "type": "list",
            "button": "Slots",
            "sections": [
                {
                    "title": "Tomorrow",
                    "rows": [
                        {"id": "am", "title": "Morning", "description": "8–12"},
                        {"id": "pm", "title": "Afternoon", "description": "12–18"},
                    ],
                }
            ],
        },
    )
    thanks = business_sends(api, interaction_id, type="text", body="Thanks for waiting!")
    list_bubble = phone.locator(".sbx-row--in", has_text="Choose a delivery slot")
    thanks_bubble = phone.locator(".sbx-row--in", has_text="Thanks for waiting!")
    expect(list_bubble).to_be_visible()
    expect(thanks_bubble).to_be_visible()

    # when: the customer opens the list and picks a row
    list_bubble.get_by_role("button", name="☰ Slots").click()
    list_bubble.get_by_role("button", name="Afternoon").click()
    expect(phone.locator(".sbx-row--out", has_text="Afternoon")).to_be_visible()
    # and reacts to the business's text with the picker
    thanks_bubble.hover()
    thanks_bubble.get_by_role("button", name="React").click()
    thanks_bubble.locator(".sbx-picker").get_by_role("menuitem", name="🙏").click()
    expect(thanks_bubble.locator(".sbx-reaction")).to_have_text("🙏")
    expect(phone.locator("#sbx-toast")).to_be_hidden()

    # then: the list reply is stored, in reply to our list message
    list_wamid, thanks_wamid = stored_wamid(stack, slots["id"]), stored_wamid(stack, thanks["id"])
    _, choice = inbound_messages(stack, customer, count=2)
    assert choice["type"] == "interactive"
    assert choice["body"] == "Afternoon"
    assert {k: choice["content"][k] for k in ("reply_type", "id", "title")} == {
        "reply_type": "list_reply",
        "id": "pm",
        "title": "Afternoon",
    }
    assert choice["context_wamid"] == list_wamid
    # and the reaction is stored on our text message, as the customer's
    reactions = []
    deadline = time.monotonic() + 15
    while not reactions and time.monotonic() < deadline:
        reactions = stack.shell(
            "import json\nfrom conversations.models import Reaction\n"
            f"print(json.dumps(list(Reaction.objects.filter(target_wamid={thanks_wamid!r})"
            ".values('emoji', 'direction'))))"
        )
        time.sleep(0.2)
    assert reactions == [{"emoji": "🙏", "direction": "in"}]
    # the console's transcript shows it on alice's message
    transcript = api["alice"].get(f"/api/v1/interactions/{interaction_id}/messages/").json()["messages"]
    shown = next(m for m in transcript if m["id"] == thanks["id"])
    assert shown["reactions"] == [{"direction": "in", "emoji": "🙏"}]


def test_an_unreachable_server_is_said_in_words(customer, phone):
    phone.context.set_offline(True)
    try:
        phone.fill("#sbx-text", "Anyone there?")
        phone.press("#sbx-text", "Enter")
        expect(phone.locator("#sbx-toast")).to_have_text(
            "The server cannot be reached: check the connection, then try again."
        )
        expect(phone.locator("#sbx-text")).to_have_value("Anyone there?")  # nothing typed is lost
    finally:
        phone.context.set_offline(False)


def test_the_phone_scrolls_to_each_new_message(stack, customer, phone):
    """P3: like a phone, the chat follows the conversation: each new message, the
    customer's own or the business's, scrolls into view (images too, once loaded)."""
    from tests.browser.conftest import customer_says, customer_sends_image

    chat = phone.locator("#sbx-chat")
    for n in range(14):
        customer_says(stack, customer, f"Message number {n}")
    expect(phone.locator(".sbx-row")).to_have_count(14)
    assert chat.evaluate("box => box.scrollHeight > box.clientHeight")  # it overflows
    expect(phone.locator(".sbx-row").last).to_be_in_viewport()

    customer_sends_image(stack, customer, png(size=(320, 480)), caption="The box")
    expect(phone.locator(".sbx-row img.sbx-image")).to_be_visible()
    expect(phone.locator(".sbx-row", has_text="The box")).to_be_in_viewport()
    phone_sends_text(phone, "And the label?")
    expect(phone.locator(".sbx-row", has_text="And the label?")).to_be_in_viewport()
    customer_says(stack, customer, "Hello again")
    expect(phone.locator(".sbx-row", has_text="Hello again")).to_be_in_viewport()

    # scrolled up to read, the chat stays there when a message arrives
    chat.evaluate("box => { box.scrollTop = 0; }")
    customer_says(stack, customer, "One more thing")
    expect(phone.locator(".sbx-row")).to_have_count(18)
    expect(phone.locator(".sbx-row").first).to_be_in_viewport()
    expect(phone.locator(".sbx-row", has_text="One more thing")).not_to_be_in_viewport()


def test_the_agents_typing_shows_on_the_phone_until_the_message_arrives(stack, alice, customer, phone):
    alice.go_ready()
    phone_sends_text(phone, "Are you there?")
    alice.accept(customer)
    subtitle = phone.locator("#sbx-subtitle")
    expect(subtitle).to_have_text(re.compile(r"^\+\d+$"))  # read (blue ticks), nobody typing yet

    alice.composer.press_sequentially("Yes, one moment", delay=20)  # the agent types

    expect(subtitle).to_have_text("typing…")
    alice.composer.press("Enter")
    expect(phone.locator(".sbx-row--in", has_text="Yes, one moment")).to_be_visible()
    expect(subtitle).to_have_text(re.compile(r"^\+\d+$"))  # the message ended it, as on WhatsApp


#: Counts, per sandbox message id, how often the phone puts a bubble into the chat.
COUNT_DRAWINGS = """
window.drawings = {};
new MutationObserver((records) => {
  for (const record of records) {
    if (!(record.target instanceof Element) || record.target.id !== "sbx-chat") continue;
    for (const node of record.addedNodes) {
      if (node instanceof HTMLElement && node.dataset.id) {
        window.drawings[node.dataset.id] = (window.drawings[node.dataset.id] || 0) + 1;
      }
    }
  }
}).observe(document, { childList: true, subtree: true });
"""


def test_a_bubble_is_drawn_once_while_only_its_status_changes(stack, api, customer, phone):
    """The phone redraws a bubble when what it shows changes, not when the business
    message's status does: a list the customer opened stays open (and the same element)
    through "sent", "delivered" and "read". In the scaled mode each status frame reads the
    message back from PostgreSQL, whose jsonb gives the content's keys in another order
    than the send did: a key that compared JSON text redrew the list on the first status,
    closing it under the customer's finger (and detaching it under Playwright's click)."""
    frames: list[dict[str, Any]] = []
    phone.on(
        "websocket", lambda socket: socket.on("framereceived", lambda data: frames.append(json.loads(data)))
    )
    phone.add_init_script(COUNT_DRAWINGS)
    phone.reload()  # the socket is watched, and the bubbles counted, from the start
    expect(phone.locator("#sbx-composer")).to_be_visible()
    phone_sends_text(phone, "Which slots are free?")
    interaction_id = accept_by_api(api, customer)
    slots = business_sends(
        api,
        interaction_id,
        type="interactive",
        body="Choose a delivery slot",
        interactive={
            "type": "list",
            "button": "Slots",
            "sections": [
                {"title": "Tomorrow", "rows": [{"id": "am", "title": "Morning", "description": "8–12"}]}
            ],
        },
    )
    list_bubble = phone.locator(".sbx-row--in", has_text="Choose a delivery slot")
    expect(list_bubble).to_be_visible()
    list_bubble.get_by_role("button", name="☰ Slots").click()
    expect(list_bubble.get_by_role("button", name="Morning")).to_be_visible()

    wamid = stored_wamid(stack, slots["id"])

    def statuses() -> list[str]:
        return [
            f["message"]["status"]
            for f in frames
            if f["type"] == "message" and f["message"]["wamid"] == wamid
        ]

    deadline = time.monotonic() + 15
    while "read" not in statuses() and time.monotonic() < deadline:
        phone.wait_for_timeout(200)  # lets Playwright deliver the frames
    assert {"sent", "delivered", "read"} <= set(statuses()), statuses()
    phone.wait_for_timeout(300)  # the page has handled the last frame
    bubble_id = list_bubble.get_attribute("data-id")
    assert phone.evaluate("id => window.drawings[id]", bubble_id) == 1
    expect(list_bubble.get_by_role("button", name="Morning")).to_be_visible()  # still open
