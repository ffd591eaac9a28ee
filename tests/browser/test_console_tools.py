"""The agent's tools in a real browser, against the real product: the Standard Response
Library (T1), the Notification editor (T2 notifications, T3 rich media, T4 reply buttons
and lists), workbins (R7) and new conversations with past contacts (O3).

One stack for the module. ``content`` adds what the demo seed lacks: a standard response
with three files, a response that is a notification, a rich media template with an image
header and call-to-action buttons, a list message, and reply buttons with an image header.
"""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import httpx
import pytest

from tests.browser.conftest import (
    Console,
    Customer,
    customer_says,
    customer_sends,
    expect,
    png,
    skip_without_chromium,
)

skip_without_chromium()
pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n" + b" " * 1500
RETURNS_TEXT = "Here is your return label: print it and stick it on the box."


@pytest.fixture(scope="module")
def content(stack) -> dict[str, Any]:
    """Files are saved through Django's storage, as the admin saves them."""
    image = base64.b64encode(png((240, 120, 30))).decode()
    pdf = base64.b64encode(PDF).decode()
    return stack.shell(
        "import base64, json\n"
        "from django.core.files.base import ContentFile\n"
        "from templates_app.models import MessageTemplate as T, StandardResponse as R, "
        "StandardResponseAttachment as A, StandardResponseCategory as C\n"
        f"image, pdf = base64.b64decode('{image}'), base64.b64decode('{pdf}')\n"
        "orders = C.objects.get(name='Orders')\n"
        f"returns = R.objects.create(category=orders, name='Return label', shortcut='returns', text={RETURNS_TEXT!r})\n"
        "for order, (name, data, mime) in enumerate([('label.png', image, 'image/png'),"
        " ('instructions.pdf', pdf, 'application/pdf'), ('terms.pdf', pdf, 'application/pdf')]):\n"
        "    a = A(response=returns, file_name=name, mime_type=mime, size=len(data), sort_order=order)\n"
        "    a.file.save(name, ContentFile(data), save=True)\n"
        "R.objects.create(category=orders, name='Order update', shortcut='order',"
        " notification=T.objects.get(name='order_update'))\n"
        "slot = T(kind='rich_media', name='delivery_slot', status='APPROVED', header_type='image',"
        " body='Hi {{1}}, choose your delivery slot.', footer='Parcel service',"
        " buttons=[{'type': 'url', 'text': 'Choose a slot', 'url': 'https://example.com/slots/{{1}}'},"
        " {'type': 'phone_number', 'text': 'Call us', 'phone_number': '+4930123456'}])\n"
        "slot.header_media.save('slot.png', ContentFile(image), save=False)\n"
        "slot.full_clean()\nslot.save()\n"
        "options = T(kind='list', name='delivery_options', status='APPROVED',"
        " body='How should we deliver order {{1}}?', list_button='Choose',"
        " sections=[{'title': 'Delivery', 'rows': [{'id': 'door', 'title': 'At the door',"
        " 'description': 'Leave it at the door'}, {'id': 'neighbour', 'title': 'To a neighbour'}]}])\n"
        "options.full_clean()\noptions.save()\n"
        "photo = T(kind='reply_buttons', name='photo_check', status='APPROVED', header_type='image',"
        " body='Is this your parcel?', buttons=[{'type': 'reply', 'id': 'yes', 'text': 'Yes, it is'},"
        " {'type': 'reply', 'id': 'no', 'text': 'No'}])\n"
        "photo.header_media.save('parcel.png', ContentFile(image), save=False)\n"
        "photo.full_clean()\nphoto.save()\n"
        "print(json.dumps({'slot': slot.pk, 'options': options.pk}))"
    )


def offered_and_accepted(stack, agent: Console, customer: Customer, text: str):
    agent.go_ready()
    customer_says(stack, customer, text)
    expect(agent.offer(customer)).to_be_visible()
    return agent.accept(customer)


def phone_messages(stack, customer: Customer, count: int) -> list[dict[str, Any]]:
    """The business's messages on the customer's phone (the sandbox), once there are ``count``."""
    deadline = time.monotonic() + 15
    while True:
        history = httpx.get(
            f"{stack.url}/sandbox/phone/api/history",
            params={"phone_number_id": stack.env["WHATSAPP_PHONE_NUMBER_ID"], "wa_id": customer.wa_id},
            timeout=10,
        ).json()
        received = [m for m in history["messages"] if m["direction"] == "business"]
        if len(received) >= count or time.monotonic() > deadline:
            assert len(received) == count, received
            return received
        time.sleep(0.25)


def templates_dialog(agent: Console):
    agent.tab.get_by_role("button", name="Templates").click()
    dialog = agent.page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Template")).to_be_enabled()
    return dialog


# --- T1 ------------------------------------------------------------------------------------------


def test_standard_responses_by_search_and_shortcut_text_first_then_the_files(stack, content, alice, customer):
    panel = offered_and_accepted(stack, alice, customer, "How do I return my order?")
    composer = alice.composer

    # the Responses page of the side panel: search, insert (the text is editable)
    panel.get_by_role("button", name="Standard responses").click()
    responses = panel.get_by_role("tabpanel", name="Responses")
    expect(panel.get_by_role("tab", name="Responses")).to_have_attribute("aria-selected", "true")
    search = responses.get_by_label("Search responses")
    expect(search).to_be_focused()
    search.fill("track")
    expect(responses.locator(".response")).to_have_count(1)
    expect(responses.locator(".response-shortcut")).to_have_text("/tracking")
    responses.get_by_role("button", name="Insert Tracking link").click()
    expect(composer).to_have_value("You can follow your parcel here: https://example.com/track")
    expect(composer).to_be_focused()
    composer.press("End")
    composer.press_sequentially(" (order 4711)")
    composer.press("Enter")
    expect(alice.message("(order 4711)")).to_have_class(re.compile("row--out"))
    expect(composer).to_have_value("")  # the send is answered (the frame may come first)

    # "/" and a shortcut: suggestions, arrows to choose, Esc dismisses, Enter inserts
    composer.press_sequentially("/")
    suggestions = panel.get_by_role("listbox", name="Standard responses by shortcut")
    expect(suggestions).to_be_visible()
    expect(composer).to_have_attribute("aria-activedescendant", re.compile(r"-suggest-0$"))
    composer.press_sequentially("re")
    expect(suggestions.get_by_role("option")).to_have_count(1)
    composer.press("Escape")
    expect(suggestions).to_be_hidden()
    expect(composer).to_have_value("/re")
    composer.fill("")
    composer.press_sequentially("Sure! /")
    expect(suggestions.get_by_role("option").first).to_be_visible()
    count = suggestions.get_by_role("option").count()
    assert count >= 4  # bye, hello, order, returns, tracking
    composer.press_sequentially("r")
    expect(suggestions.get_by_role("option")).to_have_count(1)
    expect(suggestions.get_by_role("option")).to_have_attribute("aria-selected", "true")
    expect(suggestions.get_by_role("option")).to_contain_text("/returns")
    composer.press("Enter")
    expect(suggestions).to_be_hidden()
    expect(composer).to_have_value(f"Sure! {RETURNS_TEXT}")
    expect(alice.tab.locator(".row--out")).to_have_count(1)  # Enter inserted, it did not send

    # the response's files wait as chips; one is removed with its X
    chips = panel.locator(".response-files .chip")
    expect(chips).to_have_count(3)
    expect(chips.locator(".chip-name")).to_have_text(["label.png", "instructions.pdf", "terms.pdf"])
    panel.get_by_role("button", name="Remove instructions.pdf").click()
    expect(chips.locator(".chip-name")).to_have_text(["label.png", "terms.pdf"])
    composer.press("End")
    composer.press_sequentially(" Thanks!")

    # Send: the text first, in its own message, then each remaining file, in order
    panel.locator("button.send").click()
    expect(chips).to_have_count(0)
    expect(panel.locator(".response-files")).to_be_hidden()
    expect(composer).to_have_value("")
    rows = panel.locator(".row--out")
    expect(rows).to_have_count(4)
    expect(rows.nth(1)).to_have_attribute("data-type", "text")
    expect(rows.nth(1)).to_contain_text(f"Sure! {RETURNS_TEXT} Thanks!")
    expect(rows.nth(2)).to_have_attribute("data-type", "image")
    expect(rows.nth(3)).to_have_attribute("data-type", "document")
    expect(rows.nth(3).locator(".doc-name")).to_have_text("terms.pdf")

    received = phone_messages(stack, customer, 4)
    assert [m["type"] for m in received] == ["text", "text", "image", "document"]
    assert received[1]["content"]["body"] == f"Sure! {RETURNS_TEXT} Thanks!"
    assert received[3]["content"]["filename"] == "terms.pdf"


# --- T2 ------------------------------------------------------------------------------------------


def test_a_notification_is_previewed_live_refused_with_a_new_line_and_sent(stack, alice, customer, phone):
    panel = offered_and_accepted(stack, alice, customer, "Any news about my parcel?")
    dialog = templates_dialog(alice)
    expect(
        dialog.get_by_role("heading", name=f"Send a notification to {customer.shown_name}")
    ).to_be_visible()
    dialog.get_by_label("Template").select_option(label="thanks_for_patience (en_US)")
    preview = dialog.locator("#template-preview")
    expect(preview.locator(".tpl-body")).to_have_text("Thank you for your patience! {{1}}")
    send = dialog.get_by_role("button", name="Send")
    expect(send).to_be_disabled()
    expect(dialog.locator("#template-note")).to_have_text("Fill in Body value to send.")

    # the preview follows what the agent types
    parameter = dialog.get_by_label("Body value")
    parameter.press_sequentially("Your parcel left")
    expect(preview.locator(".tpl-body")).to_have_text("Thank you for your patience! Your parcel left")
    expect(preview).to_have_attribute("data-state", "rendered")
    expect(send).to_be_enabled()

    # a new line is refused (WhatsApp's rule): the error shows and Send is disabled
    parameter.press("Enter")
    parameter.press_sequentially("our warehouse.")
    problem = dialog.locator("#template-error")
    expect(problem).to_contain_text("may not contain new lines, tabs or more than four spaces in a row")
    expect(problem).to_have_attribute("data-code", "template_invalid")
    expect(send).to_be_disabled()
    parameter.fill("Your parcel left our warehouse.")
    expect(problem).to_be_hidden()
    expect(preview.locator(".tpl-body")).to_have_text(
        "Thank you for your patience! Your parcel left our warehouse."
    )
    expect(send).to_be_enabled()

    send.click()
    expect(dialog).to_be_hidden()
    sent = panel.locator(".row--out[data-type=template]")
    expect(sent.locator(".template-label")).to_have_text("Template · thanks_for_patience")
    expect(sent.locator(".text")).to_have_text("Thank you for your patience! Your parcel left our warehouse.")
    expect(phone.locator(".sbx-row--in .sbx-text")).to_have_text(
        "Thank you for your patience! Your parcel left our warehouse."
    )

    # Cancel closes without sending
    dialog = templates_dialog(alice)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(panel.locator(".row--out")).to_have_count(1)


# --- T3 ------------------------------------------------------------------------------------------


def test_rich_media_notifications_and_the_customers_quick_reply(stack, content, alice, customer, phone):
    panel = offered_and_accepted(stack, alice, customer, "Where is order 4711?")

    # an image header (the template's file) and CallToAction buttons with a dynamic link
    dialog = templates_dialog(alice)
    dialog.get_by_label("Template").select_option(label="delivery_slot (en_US)")
    preview = dialog.locator("#template-preview")
    expect(preview.locator(".tpl-media img")).to_have_attribute(
        "src", re.compile(rf"/api/v1/templates/{content['slot']}/header-file/$")
    )
    expect(preview.locator(".tpl-media img")).to_have_js_property("complete", True)
    assert preview.locator(".tpl-media img").evaluate("img => img.naturalWidth") > 0
    expect(dialog.locator("#template-media-source")).to_have_text("The template's image is sent.")
    dialog.get_by_label("Body value").fill("Lena")
    dialog.get_by_label("Link “Choose a slot”").fill("4711?day=friday")
    link = preview.locator(".tpl-button[data-kind=url]")
    expect(link.locator(".tpl-url")).to_have_text("https://example.com/slots/4711?day=friday")
    expect(preview.locator(".tpl-button[data-kind=phone]")).to_contain_text("Call us")
    expect(preview.locator(".tpl-footer")).to_have_text("Parcel service")
    # T3: a link parameter with more than four spaces in a row is refused
    dialog.get_by_label("Link “Choose a slot”").fill("4711     friday")
    expect(dialog.locator("#template-error")).to_contain_text("more than four spaces in a row")
    expect(dialog.get_by_role("button", name="Send")).to_be_disabled()
    dialog.get_by_role("button", name="Cancel").click()

    # a response that is a notification opens the editor on it: "/order"
    alice.composer.press_sequentially("/order")
    expect(panel.get_by_role("option", name="Order update")).to_be_visible()
    alice.composer.press("Enter")
    dialog = alice.page.get_by_role("dialog")
    expect(dialog.get_by_label("Template")).to_have_value(str(order_update_id(stack)))
    expect(alice.composer).to_have_value("")
    # U3: each field labelled by what it is (the content manager's labels), its sentence as the hint
    inputs = dialog.locator("#template-inputs textarea")
    expect(inputs).to_have_count(4)
    for index, (label, value) in enumerate(
        [
            ("Order number", "4711"),
            ("Customer's first name", "Lena"),
            ("Order number", "4711"),
            ("Delivery day", "tomorrow"),
        ]
    ):
        expect(inputs.nth(index)).to_have_accessible_name(label)
        inputs.nth(index).fill(value)
    expect(dialog.locator("#template-body-2-hint")).to_have_text(
        "“Hi {{1}}, your order {{2}} is on its way and arrives…”"
    )
    preview = dialog.locator("#template-preview")
    expect(preview.locator(".tpl-header")).to_have_text("Order 4711")
    expect(preview.locator(".tpl-body")).to_have_text(
        "Hi Lena, your order 4711 is on its way and arrives tomorrow."
    )
    expect(preview.locator(".tpl-footer")).to_have_text("Reply STOP to opt out")
    expect(preview.locator(".tpl-button")).to_have_text(["Thanks!", "Change delivery"])
    dialog.get_by_role("button", name="Send").click()
    expect(dialog).to_be_hidden()
    sent = panel.locator(".row--out[data-type=template]")
    expect(sent.locator(".tpl-header")).to_have_text("Order 4711")
    expect(sent.locator(".option")).to_have_text(["Thanks!", "Change delivery"])

    # the customer taps a quick reply on the phone: highlighted, the notification quoted whole
    phone.get_by_role("button", name="Change delivery").click()
    answer = panel.locator(".row--in", has=alice.page.locator(".choice--tapped"))
    expect(answer.locator(".choice--tapped")).to_have_text("tapped: Change delivery")
    quote = answer.locator(".quote--template")
    expect(quote.locator(".quote-header")).to_have_text("Order 4711")
    expect(quote.locator(".quote-body")).to_have_text(
        "Hi Lena, your order 4711 is on its way and arrives tomorrow."
    )
    expect(quote.locator(".quote-option--chosen")).to_have_text("Change delivery (chosen)")
    expect(quote.locator(".quote-option")).to_have_count(2)


def order_update_id(stack) -> int:
    return stack.shell(
        "from templates_app.models import MessageTemplate\n"
        "print(MessageTemplate.objects.get(name='order_update').pk)"
    )


# --- T4 ------------------------------------------------------------------------------------------


def test_reply_buttons_inside_the_window_only(stack, content, alice, customer, phone):
    panel = offered_and_accepted(stack, alice, customer, "Thanks for the help")
    interaction_id = alice.interaction_id(panel)

    # a list message: its options in the preview
    dialog = templates_dialog(alice)
    dialog.get_by_label("Template").select_option(label="delivery_options (en_US)")
    preview = dialog.locator("#template-preview")
    expect(preview.locator(".tpl-button[data-kind=list]")).to_have_text("Choose")
    expect(preview.locator(".tpl-row-title")).to_have_text(["At the door", "To a neighbour"])
    expect(preview.locator(".tpl-row-description")).to_have_text("Leave it at the door")

    # reply buttons with an image: changing it needs a permission alice lacks (403, shown)
    dialog.get_by_label("Template").select_option(label="photo_check (en_US)")
    expect(preview.locator(".tpl-media img")).to_have_attribute("src", re.compile(r"/header-file/$"))
    dialog.get_by_label("Change the image (needs the permission)").set_input_files(
        {"name": "mine.png", "mimeType": "image/png", "buffer": png((10, 10, 200))}
    )
    expect(dialog.locator("#template-media-source")).to_have_text(re.compile(r"^Your file: mine\.png"))
    expect(preview.locator(".tpl-media img")).to_have_attribute(
        "src", re.compile(r"/api/v1/attachments/\d+/")
    )
    dialog.get_by_role("button", name="Send").click()
    problem = dialog.locator("#template-error")
    expect(problem).to_have_attribute("data-code", "permission_denied")
    expect(problem).to_contain_text("changing the attachment of reply buttons needs the permission")
    dialog.get_by_role("button", name="Use the template's file").click()
    expect(preview.locator(".tpl-media img")).to_have_attribute("src", re.compile(r"/header-file/$"))
    expect(problem).to_be_hidden()
    dialog.get_by_role("button", name="Send").click()
    expect(dialog).to_be_hidden()
    photo = panel.locator(".row--out[data-type=interactive]", has_text="Is this your parcel?")
    expect(photo.locator("img.thumb")).to_be_visible()
    expect(photo.locator(".option")).to_have_text(["Yes, it is", "No"])

    # reply buttons: sent, the customer taps one, the choice shows with the message quoted
    dialog = templates_dialog(alice)
    dialog.get_by_label("Template").select_option(label="satisfaction (en_US)")
    expect(preview.locator(".tpl-body")).to_have_text("Did we solve your problem today?")
    expect(preview.locator(".tpl-button")).to_have_text(["Yes 👍", "Not yet"])
    dialog.get_by_role("button", name="Send").click()
    expect(dialog).to_be_hidden()
    expect(panel.locator(".row--out[data-type=interactive]").last.locator(".option")).to_have_text(
        ["Yes 👍", "Not yet"]
    )
    phone.get_by_role("button", name="Yes 👍").click()
    choice = panel.locator(".row--in .choice--chosen")
    expect(choice).to_have_text("chose: Yes 👍")
    quote = panel.locator(".row--in .quote--template")
    expect(quote.locator(".quote-body")).to_have_text("Did we solve your problem today?")
    expect(quote.locator(".quote-option--chosen")).to_have_text("Yes 👍 (chosen)")

    # the window closes before the console hears of it (its resync held back): the server
    # refuses (409 window_closed) and the editor says so
    alice.page.route("**/api/v1/agent/me/", lambda route: route.abort())
    close_window(stack, interaction_id)
    dialog = templates_dialog(alice)
    dialog.get_by_label("Template").select_option(label="satisfaction (en_US)")
    dialog.get_by_role("button", name="Send").click()
    problem = dialog.locator("#template-error")
    expect(problem).to_have_attribute("data-code", "window_closed")
    expect(problem).to_contain_text("Not sent")
    dialog.get_by_role("button", name="Cancel").click()
    alice.page.unroute("**/api/v1/agent/me/")

    # once the console knows, reply buttons and lists are disabled, with the reason
    alice.page.reload()
    panel = alice.page.locator(f"#panel-{interaction_id}")
    expect(panel.locator(".window-chip")).to_have_attribute("data-state", "closed")
    dialog = templates_dialog(alice)
    satisfaction = dialog.locator("option", has_text="satisfaction")
    expect(satisfaction).to_be_disabled()
    expect(satisfaction).to_have_text("satisfaction (en_US) — window closed")
    expect(dialog.locator("option", has_text="delivery_options")).to_be_disabled()
    expect(dialog.locator("#template-note")).to_contain_text(
        "can only be sent within 24 hours of the customer's last message: the window is closed"
    )
    # a notification can still go
    dialog.get_by_label("Template").select_option(label="thanks_for_patience (en_US)")
    dialog.get_by_label("Body value").fill("We are still on it.")
    dialog.get_by_role("button", name="Send").click()
    expect(dialog).to_be_hidden()
    expect(panel.locator(".row--out[data-type=template] .text")).to_have_text(
        "Thank you for your patience! We are still on it."
    )


def close_window(stack, interaction_id: int) -> None:
    stack.shell(
        "from datetime import timedelta\nfrom django.utils import timezone\n"
        "from conversations.models import Interaction\n"
        f"Interaction.objects.filter(pk={interaction_id}).update("
        "window_expires_at=timezone.now() - timedelta(minutes=1))\nprint('null')"
    )


# --- R7 ------------------------------------------------------------------------------------------


def test_workbins_move_open_and_the_customer_brings_it_back(stack, alice, customer):
    panel = offered_and_accepted(stack, alice, customer, "I'll send the photos tomorrow")
    interaction_id = alice.interaction_id(panel)
    workbins = alice.page.get_by_role("region", name="Workbins")
    mine = workbins.get_by_role("region", name=re.compile("My workbin"))
    expect(mine).to_contain_text("Empty")

    # Move to workbin (the personal one by default): the tab closes, the item is listed
    panel.get_by_role("button", name="Move to workbin").click()
    dialog = alice.page.get_by_role("dialog")
    expect(dialog.get_by_label("Workbin")).to_have_value(re.compile(r"\d+"))
    expect(dialog.get_by_label("Workbin").locator("option:checked")).to_have_text("My workbin (personal)")
    dialog.get_by_role("button", name="Move").click()
    expect(dialog).to_be_hidden()
    expect(panel).to_have_count(0)
    expect(alice.page.locator("#toast-text")).to_contain_text(f"{customer.shown_name} is in My workbin")
    item = mine.locator(f".workbin-item[data-interaction-id='{interaction_id}']")
    expect(item).to_contain_text(customer.shown_name)
    expect(item).to_contain_text(f"+{customer.wa_id}")
    expect(alice.page.locator("#workbin-count")).to_have_text("1")
    expect(alice.page.locator("#agent-load")).to_have_text("0/3")

    # the customer writes: it leaves the workbin and is routed (offered to alice, who is Ready)
    customer_says(stack, customer, "Here are the photos")
    expect(item).to_have_count(0)
    expect(alice.offer(customer)).to_be_visible()
    panel = alice.accept(customer)
    expect(alice.message("Here are the photos")).to_be_visible()

    # parked again, then opened from the workbin: at capacity it is refused, clearly
    alice.page.locator("#ready-toggle").click()  # Not Ready: nothing else is offered meanwhile
    expect(alice.page.locator("#ready-toggle")).to_have_attribute("aria-pressed", "false")
    panel.get_by_role("button", name="Move to workbin").click()
    alice.page.get_by_role("dialog").get_by_role("button", name="Move").click()
    expect(panel).to_have_count(0)
    open_button = mine.get_by_role("button", name=f"Open {customer.shown_name} from My workbin")
    set_capacity(stack, "alice", 0)
    try:
        open_button.click()
        problem = alice.page.locator("#workbins-error")
        expect(problem).to_have_attribute("data-code", "at_capacity")
        expect(problem).to_contain_text(f"Could not open {customer.shown_name}: you are at your capacity")
    finally:
        set_capacity(stack, "alice", 3)
    open_button.click()
    panel = alice.page.locator(f"#panel-{interaction_id}")
    expect(panel).to_be_visible()
    expect(panel.locator(".row--in", has_text="Here are the photos")).to_be_visible()
    expect(mine).to_contain_text("Empty")
    expect(alice.page.locator("#workbins-error")).to_be_hidden()
    alice.send("Got them, thanks!")


def set_capacity(stack, username: str, capacity: int) -> None:
    stack.shell(
        "from conversations.models import AgentProfile\n"
        f"AgentProfile.objects.filter(user__username={username!r}).update(capacity={capacity})\nprint('null')"
    )


# --- O3 ------------------------------------------------------------------------------------------


def test_a_new_conversation_with_a_past_contact_from_my_history(stack, api, alice, customer, phone):
    panel = offered_and_accepted(stack, alice, customer, "Thanks, bye")
    interaction_id = alice.interaction_id(panel)
    api["alice"].post(f"/api/v1/interactions/{interaction_id}/done/", json={"disposition": "resolved"})
    expect(panel).to_have_count(0)

    # My history: the contact, their history, "New WhatsApp conversation"
    alice.page.get_by_role("button", name="New", exact=True).click()
    directory = alice.page.get_by_role("dialog")
    expect(directory.get_by_role("heading", name="My history")).to_be_visible()
    entry = directory.locator(".directory-item", has_text=f"+{customer.wa_id}")
    expect(entry).to_contain_text(f"+{customer.wa_id}")
    expect(entry).to_contain_text("Resolved")
    entry.get_by_role("button", name=f"History of {customer.shown_name}").click()
    expect(entry.locator(".history-item")).to_have_count(1)
    expect(entry.locator(".history-item")).to_contain_text("done")
    entry.get_by_role("button", name=f"New WhatsApp conversation with {customer.shown_name}").click()

    # the Notification editor in start mode: only notifications; preview; Send opens the tab
    editor = alice.page.get_by_role("dialog")
    expect(
        editor.get_by_role("heading", name=f"New WhatsApp conversation with {customer.shown_name}")
    ).to_be_visible()
    expect(editor.locator("option", has_text="satisfaction")).to_have_count(0)
    editor.get_by_label("Template").select_option(label="thanks_for_patience (en_US)")
    editor.get_by_label("Body value").fill("Your refund is on its way.")
    expect(editor.locator("#template-preview .tpl-body")).to_have_text(
        "Thank you for your patience! Your refund is on its way."
    )
    editor.get_by_label("Body value").fill("Your refund\tis on its way.")
    expect(editor.locator("#template-error")).to_contain_text("may not contain new lines, tabs")
    editor.get_by_label("Body value").fill("Your refund is on its way.")
    editor.get_by_role("button", name="Send").click()
    expect(editor).to_be_hidden()
    tab = alice.tab
    expect(tab.locator(".conv-name")).to_have_text(customer.shown_name)
    new_id = alice.interaction_id()
    assert new_id != interaction_id
    expect(tab.locator(".row--out[data-type=template] .text")).to_have_text(
        "Thank you for your patience! Your refund is on its way."
    )
    expect(alice.page.locator(".chat-item")).to_have_count(1)
    expect(phone.locator(".sbx-row--in .sbx-text").last).to_have_text(
        "Thank you for your patience! Your refund is on its way."
    )

    # from the contact panel's history: the conversation is open already, the editor says so
    tab.get_by_role("button", name="New WhatsApp conversation").click()
    editor = alice.page.get_by_role("dialog")
    editor.get_by_label("Template").select_option(label="thanks_for_patience (en_US)")
    editor.get_by_label("Body value").fill("Again")
    editor.get_by_role("button", name="Send").click()
    problem = editor.locator("#template-error")
    expect(problem).to_have_attribute("data-code", "interaction_open")
    expect(problem).to_contain_text(f"already has an open conversation on this number (interaction {new_id})")
    problem.get_by_role("button", name="Go to the conversation").click()
    expect(editor).to_be_hidden()
    expect(alice.tab).to_have_attribute("data-interaction-id", str(new_id))


def test_the_contact_search_finds_past_contacts_by_phone_digits(stack, api, alice, customer):
    panel = offered_and_accepted(stack, alice, customer, "Hello")
    api["alice"].post(f"/api/v1/interactions/{alice.interaction_id(panel)}/done/", json={})
    expect(panel).to_have_count(0)

    alice.page.get_by_role("button", name="New", exact=True).click()
    directory = alice.page.get_by_role("dialog")
    directory.get_by_label("Find a contact").fill(customer.wa_id[-7:])
    expect(directory.get_by_role("heading", name=re.compile("Contacts matching"))).to_be_visible()
    entry = directory.locator(".directory-item", has_text=f"+{customer.wa_id}")
    expect(entry).to_have_count(1)
    entry.get_by_role("button", name=f"New WhatsApp conversation with {customer.shown_name}").click()
    editor = alice.page.get_by_role("dialog")
    expect(
        editor.get_by_role("heading", name=f"New WhatsApp conversation with {customer.shown_name}")
    ).to_be_visible()
    editor.get_by_role("button", name="Cancel").click()
    expect(editor).to_be_hidden()


def test_the_directory_offers_history_only_where_the_agent_may_open_it(stack, api, alice, bob, customer):
    """W11: bob handled this customer, alice never did: her directory finds the contact
    (to start a conversation) but offers no "History", which the server would refuse her."""
    panel = offered_and_accepted(stack, bob, customer, "Hello")
    api["bob"].post(f"/api/v1/interactions/{bob.interaction_id(panel)}/done/", json={})
    expect(panel).to_have_count(0)

    def entry_for(agent: Console):
        agent.page.get_by_role("button", name="New", exact=True).click()
        directory = agent.page.get_by_role("dialog")
        directory.get_by_label("Find a contact").fill(customer.wa_id[-7:])
        entry = directory.locator(".directory-item", has_text=f"+{customer.wa_id}")
        expect(entry).to_have_count(1)
        return entry

    hers = entry_for(alice)
    expect(
        hers.get_by_role("button", name=f"New WhatsApp conversation with {customer.shown_name}")
    ).to_be_visible()
    expect(hers.get_by_role("button", name=f"History of {customer.shown_name}")).to_have_count(0)
    contact_id = hers.get_attribute("data-contact-id")
    assert api["alice"].get(f"/api/v1/contacts/{contact_id}/history/").status_code == 404

    his = entry_for(bob)
    his.get_by_role("button", name=f"History of {customer.shown_name}").click()
    expect(his.locator(".history-item")).to_have_count(1)


def test_a_location_without_a_map_provider_is_text_with_a_link(stack, alice, customer):
    """W10: no location-map-url-template (this module sets none): the details and a map link."""
    panel = offered_and_accepted(stack, alice, customer, "Where do I bring it?")
    place = {"latitude": 48.137154, "longitude": 11.576124, "name": "Marienplatz", "address": "80331 München"}
    customer_sends(stack, customer, "location", location={**place, "url": "https://example.com/shop"})

    location = panel.locator(".row--in .location")
    expect(location.locator(".location-name")).to_have_text("Marienplatz")
    expect(location.locator(".location-address")).to_have_text("80331 München")
    expect(location.locator(".location-coords")).to_have_text("48.13715, 11.57612")
    expect(location.locator("img")).to_have_count(0)
    shop = location.locator(".location-url a")
    expect(shop).to_have_attribute("href", "https://example.com/shop")
    expect(shop).to_have_attribute("rel", "noopener noreferrer")
    map_link = location.locator("a.location-open")
    expect(map_link).to_have_text("Open in OpenStreetMap")
    expect(map_link).to_have_attribute(
        "href", re.compile(r"^https://www\.openstreetmap\.org/\?mlat=48\.137154&mlon=11\.576124#map=16/")
    )
    expect(map_link).to_have_attribute("rel", "noopener noreferrer")


# --- G1: a pulled template's place and button values ---------------------------------------------


def test_a_pulled_templates_place_and_codes_are_filled_in_and_sent(stack, alice, customer, phone):
    stack.shell(
        "from templates_app.models import MessageTemplate as T\n"
        "T.objects.get_or_create(name='locker_offer', defaults=dict(status='APPROVED', header_type='location',"
        " body='Your parcel waits in the locker, {{1}}.', buttons=[{'type': 'copy_code', 'example': 'SPRING25'},"
        " {'type': 'flow', 'text': 'Rate us', 'flow_id': '77'}]))\n"
        "print('null')"
    )
    panel = offered_and_accepted(stack, alice, customer, "Where can I pick up my parcel?")
    dialog = templates_dialog(alice)
    dialog.get_by_label("Template").select_option(label="locker_offer (en_US)")
    send = dialog.get_by_role("button", name="Send")
    expect(dialog.locator("#template-note")).to_have_text(
        "Fill in Body value, Coupon code, Latitude, Longitude to send."
    )
    expect(send).to_be_disabled()
    dialog.get_by_label("Body value").fill("Lena")
    dialog.get_by_label("Coupon code").fill("SPRING 25")
    dialog.get_by_label("Latitude").fill("52.52")
    dialog.get_by_label("Longitude").fill("13.405")
    dialog.get_by_label("Place name").fill("Locker 12")
    # the flow token is optional; a coupon code with a space is refused by the server, on its input
    expect(dialog.locator("#template-error")).to_contain_text("without spaces")
    expect(send).to_be_disabled()
    dialog.get_by_label("Coupon code").fill("SPRING25")
    expect(dialog.locator("#template-error")).to_be_hidden()
    expect(send).to_be_enabled()
    send.click()
    expect(dialog).to_be_hidden()
    sent = panel.locator(".row--out[data-type=template]")
    expect(sent.locator(".template-label")).to_have_text("Template · locker_offer")
    assert len(phone_messages(stack, customer, 1)) == 1


# --- U3: parameters labelled by what they are --------------------------------------------------


def test_an_agent_sees_each_parameter_labelled_by_what_it_is(stack, alice, customer):
    stack.shell(
        "from templates_app.models import MessageTemplate as T\n"
        "T.objects.get_or_create(name='pickup_ready', defaults=dict(status='APPROVED',"
        " parameter_format='NAMED', body='Hi {{first_name}}, your parcel waits at {{pickup_point}}.',"
        " parameter_labels={'body.pickup_point': 'Pickup point (shop name)'}))\n"
        "print('null')"
    )
    offered_and_accepted(stack, alice, customer, "Is my parcel there yet?")
    dialog = templates_dialog(alice)

    # a named template: its names in words, or the content manager's label
    dialog.get_by_label("Template").select_option(label="pickup_ready (en_US)")
    expect(dialog.get_by_label("First name")).to_be_visible()
    expect(dialog.get_by_label("Pickup point (shop name)")).to_be_visible()
    expect(dialog.locator("#template-inputs label")).to_have_text(["First name", "Pickup point (shop name)"])
    expect(dialog.locator("#template-inputs .param-hint").last).to_have_text(
        "“…your parcel waits at {{pickup_point}}.”"
    )
    expect(dialog.locator("#template-note")).to_have_text(
        "Fill in First name, Pickup point (shop name) to send."
    )

    # a positional template with labels (the demo's order_update): never "Body {{2}}"
    dialog.get_by_label("Template").select_option(label="order_update (en_US)")
    expect(dialog.get_by_label("Customer's first name")).to_be_visible()
    expect(dialog.get_by_label("Delivery day")).to_be_visible()
    expect(dialog.get_by_label("Order number")).to_have_count(2)  # the header's and the body's
    expect(dialog.locator("#template-body-3-hint")).to_have_text("“…is on its way and arrives {{3}}.”")
    dialog.get_by_label("Customer's first name").fill("Lena")
    expect(dialog.locator("#template-preview .tpl-body")).to_contain_text("Hi Lena, your order")

    # one nobody labelled says where it sits
    dialog.get_by_label("Template").select_option(label="thanks_for_patience (en_US)")
    expect(dialog.get_by_label("Body value")).to_be_visible()
    expect(dialog.locator("#template-body-1-hint")).to_have_text("“Thank you for your patience! {{1}}”")
