"""The agent console in a real browser, against the real product (SPEC "The agent console").

One stack for the module, with short timers: replies turn the pending indicator yellow
after 2 s and red after 4 s, and an offer not accepted within 5 s is redirected.
"""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest

from tests.browser.conftest import (
    Console,
    Customer,
    customer_says,
    customer_sends,
    customer_sends_file,
    customer_sends_image,
    customer_webhook,
    expect,
    login,
    png,
    skip_without_chromium,
)

skip_without_chromium()
pytestmark = pytest.mark.browser

STACK_OPTIONS = {
    "whatsappsession.pending-response-to-customer": "2,4",
    "whatsappsession.offer-accept-timeout": 5,
    "whatsappsession.transcript-interactions-count": 0,
    "whatsappsession.agent-message-color": "#dcf8c6",
    "whatsappsession.text-size": 15,
    # A local "map provider": the console only fills in the coordinates.
    "whatsappsession.location-map-url-template": "/static/console/favicon.svg?center={latitude},{longitude}&z={zoom}",
}


def offered_and_accepted(stack, agent: Console, customer: Customer, text: str):
    """The agent goes Ready, the customer writes, the agent accepts: the tab's panel."""
    agent.go_ready()
    customer_says(stack, customer, text)
    expect(agent.offer(customer)).to_be_visible()
    return agent.accept(customer)


# --- R2, W1, W4, ticks -------------------------------------------------------------------


def test_an_offer_is_previewed_accepted_and_the_chat_goes_both_ways(stack, alice, customer, phone):
    # given an agent who goes Ready
    alice.go_ready()

    # when a customer writes from the sandbox phone
    phone.fill("#sbx-text", "Hello, my parcel never arrived")
    phone.press("#sbx-text", "Enter")

    # then the offer shows who, what, which queue, and counts down to its due time
    offer = alice.offer(customer)
    expect(offer).to_be_visible()
    expect(offer.locator(".offer-name")).to_have_text(customer.shown_name)
    # U2: the name is the WhatsApp profile name (with the number's last digits): no "~" line
    # repeats it; the number is beside it
    expect(offer.locator(".offer-profile")).to_have_count(0)
    expect(offer.locator(".offer-sub")).to_have_text(f"+{customer.wa_id}")
    expect(offer.locator(".offer-first")).to_have_text("Hello, my parcel never arrived")
    expect(offer.locator(".offer-queue")).to_have_text("General")
    expect(offer.locator(".countdown-text")).to_have_text(re.compile(r"Accept within [1-5] s"))
    first = int(offer.get_attribute("data-seconds-left"))
    expect(offer).not_to_have_attribute("data-seconds-left", str(first))
    assert int(offer.get_attribute("data-seconds-left")) < first

    # when the agent accepts, a tab opens with the transcript: customer left, name in the header
    panel = alice.accept(customer)
    expect(panel.locator(".conv-name")).to_have_text(customer.shown_name)
    expect(panel.locator(".row--in .text")).to_have_text("Hello, my parcel never arrived")
    expect(panel.locator(".separator")).to_contain_text("Conversation started")
    expect(alice.page.locator("#agent-load")).to_have_text("1/3")

    # the agent's text appears at once on the right, and on the customer's phone
    alice.send("Hi! Let me check that for you.")
    expect(phone.locator(".sbx-row--in .sbx-text")).to_have_text("Hi! Let me check that for you.")

    # the customer's reply appears live in the console
    phone.fill("#sbx-text", "It was order 4711")
    phone.press("#sbx-text", "Enter")
    expect(alice.message("It was order 4711")).to_have_class(re.compile("row--in"))

    # the phone showed the agent's message: the ticks move on to read (blue)
    sent = alice.message("Let me check that for you")
    expect(sent).to_have_attribute("data-status", "read")
    expect(sent.locator(".ticks")).to_have_attribute("title", "Read")
    expect(sent.locator(".ticks")).to_have_class(re.compile("ticks--read"))

    # the agent saw the reply: the customer's messages get blue ticks on the phone
    expect(phone.locator(".sbx-row--out .sbx-ticks--read")).to_have_count(2)


def test_images_go_both_ways_with_a_preview_before_sending(stack, alice, customer, phone):
    panel = offered_and_accepted(stack, alice, customer, "Can I send you a photo?")

    # the agent attaches an image: uploaded, previewed (two-step upload), then sent with a caption
    panel.locator("input[type=file]").set_input_files(
        {"name": "label.png", "mimeType": "image/png", "buffer": png((30, 90, 200))}
    )
    preview = panel.locator(".attachment-preview")
    expect(preview).to_be_visible()
    expect(preview.locator(".preview-name")).to_have_text("label.png")
    expect(preview.locator(".preview-thumb img")).to_be_visible()
    preview.get_by_label("Caption").fill("Your shipping label")
    preview.get_by_role("button", name="Send").click()
    expect(preview).to_be_hidden()
    mine = panel.locator(".row--out[data-type=image]")
    expect(mine.locator("img.thumb")).to_be_visible()
    expect(mine.locator(".caption")).to_have_text("Your shipping label")
    expect(phone.locator(".sbx-row--in img.sbx-image")).to_be_visible()

    # the customer sends a photo: shown as a thumbnail that opens the full size in a new tab
    photo = png((200, 40, 40))
    assert len(photo) < 1024  # shown in bytes
    customer_sends_image(stack, customer, photo, caption="The parcel box")
    theirs = panel.locator(".row--in[data-type=image]")
    expect(theirs.locator(".caption")).to_have_text("The parcel box")
    thumb = theirs.locator("img.thumb")
    expect(thumb).to_be_visible()
    expect(thumb).to_have_js_property("complete", True)
    assert thumb.evaluate("img => img.naturalWidth") > 0
    assert "/thumbnail/" in thumb.get_attribute("src")
    opener = theirs.locator("a.media-open")
    assert re.search(r"/api/v1/attachments/\d+/file/$", opener.get_attribute("href"))
    expect(opener).to_have_attribute("target", "_blank")
    expect(opener).to_have_attribute("rel", "noopener noreferrer")
    expect(theirs.locator("a.media-save")).to_have_attribute("href", re.compile(r"/file/\?download=1$"))
    # M1b: WhatsApp names no photo: the server does ("image.png"), with the size under it
    meta = theirs.locator(".media-meta")
    expect(meta.locator(".media-name")).to_have_text("image.png")
    expect(meta.locator(".media-size")).to_have_text(f"{len(photo)} B · Image")
    expect(meta.locator(".file-icon")).to_have_attribute("data-file-type", "image")
    expect(theirs.locator("a.media-save")).to_have_attribute("download", "image.png")

    # a document: an icon, its name and size, open and save links
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n" + b" " * 2000
    customer_sends_file(stack, customer, "document", pdf, file_name="invoice.pdf", mime="application/pdf")
    document = panel.locator(".row--in .media--document")
    expect(document.locator(".doc-name")).to_have_text("invoice.pdf")
    expect(document.locator(".doc-size")).to_have_text(re.compile(r"^2\.\d KB · PDF$"))
    expect(document.locator(".doc-icon")).to_have_attribute("data-file-type", "pdf")  # M1b
    expect(document.locator("a.media-save")).to_have_attribute("download", "invoice.pdf")

    # a file WhatsApp would refuse is refused at upload, with the reason under the message area
    panel.locator("input[type=file]").set_input_files(
        {"name": "setup.exe", "mimeType": "application/octet-stream", "buffer": b"MZ\x90\x00" + bytes(512)}
    )
    problem = panel.locator(".composer-error")
    expect(problem).to_have_attribute("data-code", "media_rejected")
    expect(problem).to_contain_text("This file cannot be sent: setup.exe is not a file type WhatsApp accepts")
    expect(preview).to_be_hidden()


def test_attached_files_wait_together_and_enter_sends_the_text_then_each_file(stack, alice, customer, phone):
    """M2: a second file joins the first (it used to replace it silently), each can be
    removed, and Enter sends what the Send button sends: the text, then the files in order
    (Enter used to send the text only and leave the file behind)."""
    panel = offered_and_accepted(stack, alice, customer, "Please send me the label and the invoice")
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n" + b" " * 1000
    for name, mime, data in (
        ("label.png", "image/png", png((30, 90, 200))),
        ("draft.png", "image/png", png((90, 90, 90))),
        ("invoice.pdf", "application/pdf", pdf),
    ):
        panel.locator("input[type=file]").set_input_files({"name": name, "mimeType": mime, "buffer": data})
    preview = panel.locator(".attachment-preview")
    staged = preview.locator(".staged-item")
    expect(staged.locator(".preview-name")).to_have_text(["label.png", "draft.png", "invoice.pdf"])
    expect(staged.locator(".preview-status")).to_have_text(["", "", ""])  # all uploaded

    # one is removed; the others keep their order and their captions
    preview.get_by_role("button", name="Remove draft.png").click()
    expect(staged.locator(".preview-name")).to_have_text(["label.png", "invoice.pdf"])
    preview.get_by_label("Caption for label.png").fill("Your shipping label")

    # Enter in the message sends everything that waits
    alice.composer.fill("Here they are:")
    alice.composer.press("Enter")
    expect(preview).to_be_hidden()
    sent = panel.locator(".row--out")
    expect(sent).to_have_count(3)
    expect(sent.nth(0).locator(".text")).to_have_text("Here they are:")
    expect(sent.nth(1)).to_have_attribute("data-type", "image")
    expect(sent.nth(1).locator(".caption")).to_have_text("Your shipping label")
    expect(sent.nth(2)).to_have_attribute("data-type", "document")
    expect(sent.nth(2).locator(".doc-name")).to_have_text("invoice.pdf")
    expect(phone.locator(".sbx-row--in")).to_have_count(3)
    expect(alice.composer).to_have_value("")


def test_customer_audio_and_video_get_players_with_a_save_link(stack, alice, customer):
    """M1: an inbound voice message and video play in the transcript."""
    from tests.conversations.test_media import iso_media, ogg_first_page, opus_head

    panel = offered_and_accepted(stack, alice, customer, "Listen to this")
    customer_sends_file(
        stack, customer, "audio", ogg_first_page(opus_head(1)), file_name="voice.ogg", mime="audio/ogg"
    )
    customer_sends_file(
        stack,
        customer,
        "video",
        iso_media(b"isom"),
        file_name="clip.mp4",
        mime="video/mp4",
        caption="The dent",
    )
    for kind in ("audio", "video"):
        row = panel.locator(f".row--in[data-type={kind}]")
        player = row.locator(f".media--{kind} {kind}")
        expect(player).to_have_attribute("controls", "")
        expect(player).to_have_attribute("src", re.compile(r"/api/v1/attachments/\d+/file/$"))
        assert player.evaluate("node => typeof node.play") == "function"
        expect(row.locator("a.media-save")).to_have_attribute("href", re.compile(r"/file/\?download=1$"))
        # M1b: a name from the kind and type (WhatsApp sends none), the size, the type's icon
        meta = row.locator(".media-meta")
        expect(meta.locator(".media-name")).to_have_text({"audio": "audio.ogg", "video": "video.mp4"}[kind])
        expect(meta.locator(".media-size")).to_have_text(re.compile(rf"^\d+ B · {kind.title()}$"))
        expect(meta.locator(".file-icon")).to_have_attribute("data-file-type", kind)
    expect(panel.locator(".row--in[data-type=video] .caption")).to_have_text("The dent")

    # a document's name is the customer's text: shown as text, never as markup; a
    # spreadsheet gets its own icon
    hostile = '<img src=x onerror="window.pwned=1">.xlsx'
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    customer_sends_file(stack, customer, "document", b"PK\x03\x04" + bytes(300), file_name=hostile, mime=xlsx)
    document = panel.locator(".row--in .media--document")
    expect(document.locator(".doc-name")).to_have_text(hostile)
    expect(document.locator(".doc-icon")).to_have_attribute("data-file-type", "spreadsheet")
    assert document.locator("img").count() == 0
    assert alice.page.evaluate("() => window.pwned") is None


def test_without_two_step_upload_a_file_is_sent_on_selection(stack, alice, customer, phone):
    """M2: whatsappsession.two-step-attachment-upload=false: no preview, sent at once."""
    panel = offered_and_accepted(stack, alice, customer, "Send me the form")
    try:
        set_option(stack, "whatsappsession.two-step-attachment-upload", False)
        alice.page.evaluate("() => window.waConsole.resync()")
        alice.page.wait_for_function(
            "() => window.waConsole.options['whatsappsession.two-step-attachment-upload'] === false"
        )
        panel.locator("input[type=file]").set_input_files(
            {"name": "form.png", "mimeType": "image/png", "buffer": png((10, 10, 10))}
        )
        expect(panel.locator(".row--out[data-type=image] img.thumb")).to_be_visible()
        expect(panel.locator(".attachment-preview")).to_be_hidden()
        expect(phone.locator(".sbx-row--in img.sbx-image")).to_be_visible()
    finally:
        set_option(stack, "whatsappsession.two-step-attachment-upload", None)


def test_the_pending_response_indicator_goes_green_yellow_red_and_away(stack, alice, customer):
    offered_and_accepted(stack, alice, customer, "Hello?")
    alice.send("Hello, how can I help?")
    pending = alice.tab.locator(".pending")
    expect(pending).to_be_hidden()

    # a customer message starts the indicator: green, yellow after 2 s, red (flashing) after 4 s
    customer_says(stack, customer, "Are you still there?")
    # W6: the new message blinks (3 s by default) and the transcript scrolls to it
    fresh = alice.message("Are you still there?")
    expect(fresh).to_have_class(re.compile("is-new"))
    expect(fresh).to_be_in_viewport()
    expect(pending).to_have_attribute("data-level", "green")
    expect(pending).to_have_text(re.compile(r"Reply pending 0:0\d"))
    expect(alice.page.locator(".chat-item .pending-dot")).to_be_visible()
    expect(pending).to_have_attribute("data-level", "yellow", timeout=5_000)
    expect(pending).to_have_attribute("data-level", "red", timeout=5_000)
    expect(fresh).not_to_have_class(re.compile("is-new"))
    assert pending.evaluate("node => getComputedStyle(node).animationName") == "flash"

    # while a reply is pending and the page is hidden, the title flashes
    base_title = alice.page.title()
    alice.page.evaluate(
        "() => { Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});"
        " document.dispatchEvent(new Event('visibilitychange')); }"
    )
    alice.page.wait_for_function("() => document.title.startsWith('● Reply pending')")
    alice.page.wait_for_function(f"() => document.title === {base_title!r}")
    # …and so does the favicon: a red dot on and off
    icon = "() => document.getElementById('favicon').getAttribute('href')"
    plain = alice.page.evaluate(icon)
    alice.page.wait_for_function(f"() => ({icon})().includes('%23e53935')")  # the red dot (#e53935)
    alice.page.wait_for_function(f"() => ({icon})() === {plain!r}")
    alice.page.evaluate(
        "() => { delete document.hidden; document.dispatchEvent(new Event('visibilitychange')); }"
    )
    alice.page.wait_for_function(
        f"() => document.title === {base_title!r} && !document.body.dataset.flashing"
    )
    assert alice.page.evaluate(icon) == plain

    # the agent answers: the indicator disappears
    alice.send("Yes, still here!")
    expect(pending).to_be_hidden()
    expect(alice.page.locator(".chat-item .pending-dot")).to_be_hidden()


# --- R2 reject / redirect, R3 Done --------------------------------------------------------


def test_a_rejected_offer_goes_to_the_next_agent_and_is_redirected_when_not_answered(
    stack, api, alice, bob, customer
):
    alice.go_ready()
    bob.go_ready()  # alice has been idle longer: she is offered first
    customer_says(stack, customer, "Anybody there?")

    alice.offer(customer).get_by_role("button", name="Reject").click()
    expect(alice.offer(customer)).to_have_attribute("data-state", "rejected")
    expect(alice.offer(customer).locator(".offer-status")).to_have_text("Rejected")

    # bob gets it, does not answer within 5 s: it is redirected (and bob goes Not Ready)
    bob_offer = bob.offer(customer)
    expect(bob_offer).to_be_visible()
    expect(bob_offer).to_have_attribute("data-state", "expired", timeout=12_000)
    expect(bob_offer.locator(".offer-status")).to_have_text("Redirected: not accepted in time")
    expect(bob.page.locator("#ready-toggle")).to_have_attribute("aria-pressed", "false")

    # nobody else may take it now (alice rejected it a moment ago): it waits in the queue
    waiting = api["supervisor"].get("/api/v1/interactions/", params={"state": "queued"}).json()["results"]
    assert customer.wa_id in [i["contact"]["wa_id"] for i in waiting]


def test_an_offer_not_accepted_in_time_reaches_the_next_agent(stack, alice, bob, customer):
    alice.go_ready()
    bob.go_ready()
    customer_says(stack, customer, "Is anyone awake?")
    deadline = time.monotonic() + 15
    while not (alice.offer(customer).count() or bob.offer(customer).count()):  # whoever idled longer
        assert time.monotonic() < deadline, "nobody was offered the conversation"
        time.sleep(0.1)
    first, second = (alice, bob) if alice.offer(customer).count() else (bob, alice)

    # the first agent lets the 5 s pass: the offer is redirected to the second agent's console
    expect(first.offer(customer)).to_have_attribute("data-state", "expired", timeout=12_000)
    expect(first.offer(customer).locator(".offer-status")).to_have_text("Redirected: not accepted in time")
    offer = second.offer(customer)
    expect(offer).to_be_visible()
    expect(offer.locator(".offer-first")).to_have_text("Is anyone awake?")
    panel = second.accept(customer)
    expect(panel.locator(".row--in .text")).to_have_text("Is anyone awake?")


def test_done_with_a_disposition_closes_the_tab_and_the_interaction(stack, api, alice, customer):
    panel = offered_and_accepted(stack, alice, customer, "Thanks, that's all")
    interaction_id = alice.interaction_id(panel)

    panel.get_by_role("button", name="Done").click()
    dialog = alice.page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Done with {customer.shown_name}")
    dialog.get_by_label("Disposition").select_option(label="Resolved")
    dialog.get_by_label("Note").fill("Parcel found at the neighbour's")
    dialog.get_by_role("button", name="Done").click()

    expect(dialog).to_be_hidden()
    expect(panel).to_have_count(0)
    expect(alice.page.locator(".chat-item")).to_have_count(0)
    expect(alice.page.locator("#stage-empty")).to_be_visible()
    interaction = api["alice"].get(f"/api/v1/interactions/{interaction_id}/").json()
    assert (interaction["state"], interaction["disposition"]) == ("closed", "resolved")
    history = api["alice"].get(f"/api/v1/contacts/{interaction['contact']['id']}/history/").json()
    assert history["interactions"][0]["done_note"] == "Parcel found at the neighbour's"


# --- live transport ------------------------------------------------------------------------


def test_after_a_dropped_connection_the_console_catches_up(stack, alice, customer):
    offered_and_accepted(stack, alice, customer, "First message")
    connection = alice.page.locator("#connection")

    alice.context.set_offline(True)
    expect(connection).to_have_attribute("data-state", "offline")
    customer_says(stack, customer, "Sent while you were offline")
    time.sleep(0.5)  # the server pushed it into the void
    expect(alice.message("Sent while you were offline")).to_have_count(0)

    alice.context.set_offline(False)
    expect(connection).to_have_attribute("data-state", "open")
    expect(alice.message("Sent while you were offline")).to_be_visible()
    expect(alice.tab.locator(".row--in")).to_have_count(2)


def test_after_a_dropped_connection_ticks_and_reactions_of_shown_messages_catch_up(
    stack, api, alice, customer
):
    panel = offered_and_accepted(stack, alice, customer, "Can you check my order?")
    interaction_id = alice.interaction_id(panel)
    alice.send("Checking it now")
    sent = alice.message("Checking it now")
    expect(sent).to_have_attribute("data-status", "delivered")
    message_id = int(sent.get_attribute("data-message-id"))
    wamid = wait_for_wamid(api["alice"], interaction_id, message_id)
    # The console's catch-up cursor moves past messages once they are 15 s old: let its clock
    # run ahead so that the message is behind the cursor (only a refresh can bring its changes).
    alice.page.evaluate(
        "async () => { window.waConsole.clockOffset += 60000; await window.waConsole.resync(); }"
    )
    synced = alice.page.evaluate(f"() => window.waConsole.tabs.get({interaction_id}).syncedId")
    assert synced >= message_id

    connection = alice.page.locator("#connection")
    alice.context.set_offline(True)
    expect(connection).to_have_attribute("data-state", "offline")
    # meanwhile the customer reads the message on the phone and reacts to it
    seen = httpx.post(
        f"{stack.url}/sandbox/phone/api/seen",
        json={"phone_number_id": stack.env["WHATSAPP_PHONE_NUMBER_ID"], "wa_id": customer.wa_id},
        timeout=20,
    )
    assert seen.json()["read"] >= 1, seen.text
    customer_sends(stack, customer, "reaction", message_id=wamid, emoji="🙏")
    stored = wait_for_stored(
        api["alice"], interaction_id, message_id, lambda m: m["status"] == "read" and m["reactions"]
    )
    assert stored["reactions"] == [{"direction": "in", "emoji": "🙏"}]
    time.sleep(0.5)  # the server pushed the frames into the void
    expect(sent).to_have_attribute("data-status", "delivered")
    expect(sent.locator(".reaction")).to_have_count(0)

    alice.context.set_offline(False)
    expect(connection).to_have_attribute("data-state", "open")
    expect(sent).to_have_attribute("data-status", "read")
    expect(sent.locator(".ticks")).to_have_attribute("title", "Read")
    expect(sent.locator(".reaction")).to_have_text("🙏")


# --- W9: nothing a customer writes runs -------------------------------------------------------


def test_hostile_text_is_shown_as_text_and_only_http_links_are_links(stack, api, alice, customer):
    dialogs: list[str] = []
    alice.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    hostile = (
        '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script> '
        "javascript:alert(1) see https://example.com/ok?a=1&b=<b>x</b>"
    )
    alice.go_ready()
    customer_says(stack, customer, hostile)
    expect(alice.offer(customer).locator(".offer-first")).to_have_text(hostile)
    panel = alice.accept(customer)

    text = panel.locator(".row--in .text")
    expect(text).to_have_text(hostile)
    assert text.locator("img, script").count() == 0
    links = text.locator("a")
    expect(links).to_have_count(1)
    expect(links).to_have_attribute("href", "https://example.com/ok?a=1&b=")
    expect(links).to_have_attribute("target", "_blank")
    expect(links).to_have_attribute("rel", "noopener noreferrer")
    assert alice.page.locator("a[href^='javascript']").count() == 0

    # a hostile name from the contact database is text too
    contact_id = (
        api["alice"].get(f"/api/v1/interactions/{alice.interaction_id(panel)}/").json()["contact"]["id"]
    )
    api["alice"].patch(f"/api/v1/contacts/{contact_id}/", json={"name": "<b onmouseover=alert(1)>Eve</b>"})
    expect(panel.locator(".conv-name")).to_have_text("<b onmouseover=alert(1)>Eve</b>")
    assert alice.page.evaluate("() => window.pwned") is None
    assert dialogs == []


# --- W4, W8: the composer ------------------------------------------------------------------------


def test_the_composer_counts_utf8_bytes_inserts_emoji_and_sends_once(stack, api, alice, customer):
    offered_and_accepted(stack, alice, customer, "Hi")
    composer, send = alice.composer, alice.tab.locator("button.send")
    count, notice = alice.tab.locator(".count"), alice.tab.locator(".size-notice")

    # emoji count several bytes: 1025 of them are over 4096 bytes though only 1025 characters
    composer.fill("😀" * 1024)
    expect(count).to_have_text("4096 / 4096 bytes")
    expect(notice).to_be_hidden()
    expect(send).to_be_enabled()
    composer.press("End")
    composer.press_sequentially("😀")
    expect(count).to_have_text("4100 / 4096 bytes")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("4100 bytes in UTF-8, the limit is 4096 bytes")
    expect(send).to_be_disabled()

    # the emoji picker inserts at the caret
    composer.fill("Hello world")
    composer.evaluate("node => node.setSelectionRange(5, 5)")
    alice.tab.get_by_role("button", name="Insert an emoji").click()
    alice.tab.get_by_role("button", name="Insert 👍").click()
    expect(composer).to_have_value("Hello👍 world")

    # pasting works
    alice.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.url)
    alice.page.evaluate("text => navigator.clipboard.writeText(text)", "pasted from the CRM")
    composer.fill("")
    composer.press("Control+V")
    expect(composer).to_have_value("pasted from the CRM")

    # Shift+Enter is a new line, Enter sends
    composer.fill("line one")
    composer.press("Shift+Enter")
    composer.press_sequentially("line two")
    expect(composer).to_have_value("line one\nline two")
    composer.press("Enter")
    expect(alice.tab.locator(".row--out .text", has_text="line one")).to_have_text("line one\nline two")
    expect(composer).to_have_value("")

    # a double click on Send sends once (and the client_ref makes it once on the server too)
    composer.fill("Only once, please")
    send.dblclick()
    expect(alice.message("Only once, please")).to_have_count(1)
    time.sleep(0.5)
    expect(alice.message("Only once, please")).to_have_count(1)
    interaction_id = alice.interaction_id()
    messages = api["alice"].get(f"/api/v1/interactions/{interaction_id}/messages/").json()["messages"]
    assert [m["body"] for m in messages].count("Only once, please") == 1

    # the answer is lost on the way back: Send again repeats the client_ref and the server
    # answers with the message already queued (200, "replayed"): still one message
    sends = re.compile(r"/api/v1/interactions/\d+/messages/$")
    refs: list[str] = []

    def answer_lost(route):
        refs.append(route.request.post_data_json["client_ref"])
        if len(refs) == 1:
            route.fetch()  # it reaches the server…
            route.abort("connectionreset")  # …but the console never hears back
        else:
            route.continue_()

    alice.page.route(sends, answer_lost)
    composer.fill("Your refund was approved.")
    composer.press("Enter")
    error = alice.tab.locator(".composer-error")
    expect(error).to_have_attribute("data-code", "network")
    expect(composer).to_have_value("Your refund was approved.")
    composer.press("Enter")
    expect(error).to_be_hidden()
    expect(composer).to_have_value("")
    expect(alice.message("Your refund was approved.")).to_have_count(1)
    assert len(refs) == 2 and refs[0] == refs[1]
    messages = api["alice"].get(f"/api/v1/interactions/{interaction_id}/messages/").json()["messages"]
    assert [m["body"] for m in messages].count("Your refund was approved.") == 1
    alice.page.unroute(sends)

    # a client_ref refused as used for another message (409 client_ref_reused): said so,
    # the text stays, and the next Send has a fresh one
    refs.clear()

    def refused_once(route):
        refs.append(route.request.post_data_json["client_ref"])
        if len(refs) == 1:
            problem = {
                "code": "client_ref_reused",
                "message": "client_ref was already used for another message",
            }
            route.fulfill(status=409, content_type="application/json", body=json.dumps({"error": problem}))
        else:
            route.continue_()

    alice.page.route(sends, refused_once)
    composer.fill("It arrives within 5 days.")
    composer.press("Enter")
    expect(error).to_have_attribute("data-code", "client_ref_reused")
    expect(error).to_contain_text("Press Send again to send it.")
    expect(composer).to_have_value("It arrives within 5 days.")
    composer.press("Enter")
    expect(alice.message("It arrives within 5 days.")).to_have_count(1)
    expect(error).to_be_hidden()
    assert len(refs) == 2 and refs[0] != refs[1]
    alice.page.unroute(sends)


# --- W11: the side panel -----------------------------------------------------------------------


#: The server re-reads the options at most this often (conversations.options.SNAPSHOT_SECONDS).
OPTIONS_SNAPSHOT_S = 2.1


def set_option(stack, key: str, value) -> None:
    """A global option value (None: back to the default), seen by the server within seconds."""
    stack.shell(
        "from conversations.models import OptionValue\n"
        f"rows = OptionValue.objects.filter(key={key!r}, agent=None, agent_group=None)\n"
        + (
            "rows.delete()\n"
            if value is None
            else f"rows.delete(); OptionValue.objects.create(key={key!r}, value={value!r})\n"
        )
        + "print('null')"
    )
    time.sleep(OPTIONS_SNAPSHOT_S)


def test_the_emoji_set_and_disposition_codes_follow_the_options_without_a_reload(stack, alice, customer):
    """W8 (the emoji picker from a business attribute) and R3's codes, taken at the next resync."""
    panel = offered_and_accepted(stack, alice, customer, "Hi there")
    picker = panel.get_by_role("button", name="Insert an emoji")
    picker.click()
    expect(panel.get_by_role("button", name="Insert 👍")).to_be_visible()  # the default set
    picker.click()
    stack.shell(
        "from conversations.models import BusinessAttribute\n"
        "for name, values in (('ConsoleSmileys', [('🦄', ''), ('🍕', '')]), ('ConsoleOutcomes', [('escalated', 'Escalated')])):\n"
        "    attribute, _ = BusinessAttribute.objects.get_or_create(name=name)\n"
        "    for order, (value, label) in enumerate(values):\n"
        "        attribute.values.get_or_create(name=value, defaults={'display_name': label, 'sort_order': order})\n"
        "print('null')"
    )  # fmt: skip
    try:
        set_option(stack, "whatsappsession.emojis-business-attribute", "ConsoleSmileys")
        set_option(stack, "whatsappsession.disposition-business-attribute", "ConsoleOutcomes")
        alice.page.evaluate("() => window.waConsole.resync()")  # what the 20 s timer does

        picker.click()
        expect(panel.locator("button.emoji")).to_have_text(["🦄", "🍕"])
        panel.get_by_role("button", name="Insert 🍕").click()
        expect(alice.composer).to_have_value("🍕")

        panel.get_by_role("button", name="Done").click()
        dialog = alice.page.get_by_role("dialog")
        expect(dialog.get_by_label("Disposition").locator("option")).to_have_text(
            ["No disposition", "Escalated"]
        )
        dialog.get_by_role("button", name="Cancel").click()
        expect(dialog).to_be_hidden()
    finally:
        set_option(stack, "whatsappsession.emojis-business-attribute", None)
        set_option(stack, "whatsappsession.disposition-business-attribute", None)


def test_the_side_panel_edits_contact_and_case_information_and_adds_notes(stack, api, alice, customer):
    panel = offered_and_accepted(stack, alice, customer, "My address changed")
    interaction_id = alice.interaction_id(panel)
    side = panel.locator("aside.side")

    # contact information: the name from the contact database replaces the profile name,
    # which stays beside it as "~Lena Test" (U2)
    expect(panel.locator(".conv-sub")).not_to_contain_text("~")
    expect(side.get_by_label("Phone")).to_have_value(f"+{customer.wa_id}")
    side.get_by_label("Name").fill("Lena Vogel")
    side.get_by_label("E-mail").fill("lena@example.com")
    side.get_by_role("button", name="Save contact").click()
    expect(panel.locator(".conv-name")).to_have_text("Lena Vogel")
    expect(alice.page.locator(".chat-item .chat-name")).to_have_text("Lena Vogel")
    expect(panel.locator(".conv-sub")).to_contain_text(f"+{customer.wa_id} · ~{customer.name}")

    # case information: a key/value editor
    side.get_by_role("button", name="Add field").click()
    side.get_by_label("Field name").fill("order")
    side.get_by_label("Value of the new field").fill("4711")
    side.get_by_role("button", name="Save", exact=True).click()
    expect(side.get_by_label("Value of order")).to_have_value("4711")

    # notes
    side.get_by_label("New note").fill("Customer moved to Hamburg")
    side.get_by_role("button", name="Add note").click()
    expect(side.locator(".note-body")).to_have_text("Customer moved to Hamburg")

    # contact history: this conversation
    expect(side.locator(".history-item--current")).to_contain_text("this conversation")

    detail = api["alice"].get(f"/api/v1/interactions/{interaction_id}/console/").json()
    assert detail["case_data"] == {"order": "4711"}
    assert [n["body"] for n in detail["notes"]] == ["Customer moved to Hamburg"]
    assert (detail["contact"]["name"], detail["contact"]["email"]) == ("Lena Vogel", "lena@example.com")


# --- W1, W2, W3, W10 and rich messages -----------------------------------------------------------


def test_the_transcript_shows_history_timing_locations_choices_and_reactions(stack, api, alice):
    # a customer known to the contact database, with an earlier conversation (seed_demo)
    lena = Customer(wa_id="4915112345678", name="Lena Vogel")
    panel = offered_and_accepted(stack, alice, lena, "Hello again")
    expect(panel.locator(".conv-name")).to_have_text("Lena Vogel (CRM)")
    interaction_id = alice.interaction_id(panel)

    # W3: earlier conversations are behind "see older messages…" (transcript-interactions-count 0)
    older = panel.get_by_role("button", name="see older messages…")
    expect(older).to_be_visible()
    older.click()
    expect(panel.locator(".separator--earlier")).to_contain_text("Earlier conversation")
    expect(panel.locator(".row--in .text").first).to_have_text("Hi, my parcel hasn't arrived")
    expect(older).to_be_hidden()

    # W10: a location with the configured static map (numbers only in the URL) and its details
    customer_sends(
        stack, lena, "location",
        location={"latitude": 52.52, "longitude": 13.405, "name": "Alexanderplatz", "address": "10178 Berlin"},
    )  # fmt: skip
    location = panel.locator(".row--in .location")
    expect(location.locator(".location-name")).to_have_text("Alexanderplatz")
    expect(location.locator(".location-address")).to_have_text("10178 Berlin")
    expect(location.locator(".location-coords")).to_have_text("52.52000, 13.40500")
    expect(location.locator("img.map")).to_have_attribute(
        "src", re.compile(r"/static/console/favicon\.svg\?center=52\.52,13\.405&z=15$")
    )

    # an interactive message from the agent; the customer's choice is highlighted, quoting it
    sent = api["alice"].post(
        f"/api/v1/interactions/{interaction_id}/messages/",
        json={"type": "interactive", "body": "Did we solve it?",
              "interactive": {"type": "button", "buttons": [{"id": "yes", "title": "Yes"}, {"id": "no", "title": "Not yet"}]}},
    )  # fmt: skip
    assert sent.status_code == 201, sent.text
    expect(panel.locator(".row--out .option")).to_have_text(["Yes", "Not yet"])
    wamid = wait_for_wamid(api["alice"], interaction_id, sent.json()["id"])
    customer_sends(stack, lena, "button_reply", message_id=wamid, reply_id="no")
    choice = panel.locator(".row--in .choice--chosen")
    expect(choice).to_have_text("chose: Not yet")
    answer = panel.locator(".row--in", has=alice.page.locator(".choice--chosen"))
    expect(answer.locator(".quote")).to_contain_text("Did we solve it?")

    # the customer reacts to the agent's message and quotes it
    customer_sends(stack, lena, "reaction", message_id=wamid, emoji="👍")
    expect(panel.locator(".row--out", has_text="Did we solve it?").locator(".reaction")).to_have_text("👍")
    customer_sends(stack, lena, "text", text="About this one", reply_to=wamid)
    quoting = panel.locator(".row--in", has_text="About this one")
    expect(quoting.locator(".quote-body")).to_have_text("Did we solve it?")

    # a template with quick replies; the customer taps one: highlighted, with the template quoted
    template = api["alice"].post(
        f"/api/v1/interactions/{interaction_id}/messages/",
        json={"type": "template", "template": {"name": "order_update", "language": "en_US", "components": [
            {"type": "header", "parameters": [{"type": "text", "text": "4711"}]},
            {"type": "body", "parameters": [{"type": "text", "text": "Lena"}, {"type": "text", "text": "4711"},
                                            {"type": "text", "text": "tomorrow"}]}]}},
    )  # fmt: skip
    assert template.status_code == 201, template.text
    expect(panel.locator(".row--out .template-label", has_text="order_update")).to_be_visible()
    template_wamid = wait_for_wamid(api["alice"], interaction_id, template.json()["id"])
    customer_sends(stack, lena, "button", message_id=template_wamid, index=0)
    tapped = panel.locator(".row--in", has=alice.page.locator(".choice--tapped"))
    expect(tapped.locator(".choice--tapped")).to_have_text("tapped: Thanks!")
    expect(tapped.locator(".quote--template")).to_contain_text("order_update")

    # a message type the Cloud API does not support: centred, saying so
    customer_webhook(stack, lena, {"type": "unsupported", "unsupported": {"type": "poll"}, "errors": [
        {"code": 131051, "title": "Message type unknown", "error_data": {"details": "Message type is not supported"}}]})  # fmt: skip
    unsupported = panel.locator(".row--center[data-type=unsupported]")
    expect(unsupported).to_contain_text("unsupported message (poll)")
    expect(unsupported).to_contain_text("Message type unknown")

    # W2: a delayed message shows its origination time in bold (arrival as tooltip); one that
    # originated before the message shown above it has a red timestamp
    customer_says(stack, lena, "Out of order")
    expect(alice.message("Out of order")).to_be_visible()
    stack.shell(
        "from datetime import timedelta\nfrom conversations.models import Message\n"
        f"delayed = Message.objects.get(interaction_id={interaction_id}, body='Hello again')\n"
        "delayed.origination_at -= timedelta(minutes=5)\ndelayed.save(update_fields=['origination_at'])\n"
        f"late = Message.objects.get(interaction_id={interaction_id}, body='Out of order')\n"
        "late.origination_at = delayed.origination_at - timedelta(minutes=1)\n"
        "late.save(update_fields=['origination_at'])\nprint('null')"
    )
    alice.page.reload()
    delayed = alice.message("Hello again").locator("time.ts")
    expect(delayed).to_have_class(re.compile("ts--delayed"))
    expect(delayed).to_have_attribute("title", re.compile(r"^Arrived .*\(sent .*\)$"))
    assert delayed.evaluate("node => getComputedStyle(node).fontWeight") == "700"
    late = alice.message("Out of order").locator("time.ts")
    expect(late).to_have_class(re.compile("ts--out-of-order"))
    assert late.evaluate("node => getComputedStyle(node).color") == "rgb(217, 48, 37)"


def wait_for_wamid(client, interaction_id: int, message_id: int) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for message in client.get(f"/api/v1/interactions/{interaction_id}/messages/").json()["messages"]:
            if message["id"] == message_id and message["wamid"]:
                return message["wamid"]
        time.sleep(0.2)
    raise AssertionError(f"message {message_id} never got a wamid")


def wait_for_stored(client, interaction_id: int, message_id: int, done) -> dict:
    """The message as the server has it, once ``done(message)`` holds."""
    deadline = time.monotonic() + 10
    path = f"/api/v1/interactions/{interaction_id}/messages/"
    while True:
        message = client.get(path, params={"after_id": message_id, "ids": message_id}).json()["refreshed"][0]
        if done(message):
            return message
        assert time.monotonic() < deadline, f"message {message_id} never got there: {message}"
        time.sleep(0.2)


def test_without_focus_on_new_messages_a_pill_leads_to_them_and_nothing_blinks(
    stack, browser, contexts, customer
):
    # bob's own options (P5: per agent): no auto-scroll, no blinking
    stack.shell(
        "from django.contrib.auth.models import User\nfrom conversations.models import OptionValue\n"
        "bob = User.objects.get(username='bob')\n"
        "for key in ('focus-on-new-messages', 'new-message-blinking'):\n"
        "    OptionValue.objects.update_or_create(key='whatsappsession.' + key, agent=bob, agent_group=None,"
        " defaults={'value': 'false'})\nprint('null')"
    )
    time.sleep(2.1)  # the server's options snapshot lives two seconds
    bob = login(browser, stack, "bob")
    panel = offered_and_accepted(stack, bob, customer, "Message 0")
    for n in range(1, 16):
        customer_says(stack, customer, f"Message {n}")
    expect(bob.message("Message 15")).to_be_visible()
    transcript = panel.locator(".transcript")
    transcript.evaluate("node => { node.scrollTop = 0; }")

    customer_says(stack, customer, "Something new")
    fresh = bob.message("Something new")
    pill = panel.get_by_role("button", name="new messages ↓")
    expect(pill).to_be_visible()
    expect(fresh).not_to_be_in_viewport()
    expect(fresh).not_to_have_class(re.compile("is-new"))
    pill.click()
    expect(fresh).to_be_in_viewport()
    expect(pill).to_be_hidden()


# --- W7 ------------------------------------------------------------------------------------


def test_colours_and_text_size_come_from_options_and_high_contrast_is_a_toggle(stack, alice, customer):
    panel = offered_and_accepted(stack, alice, customer, "Colours?")
    alice.send("In colour")
    bubble = panel.locator(".row--out .bubble")
    assert bubble.evaluate("node => getComputedStyle(node).backgroundColor") == "rgb(220, 248, 198)"
    assert panel.locator(".messages").evaluate("node => getComputedStyle(node).fontSize") == "15px"

    toggle = alice.page.get_by_role("button", name="High-contrast theme")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(alice.page.locator("body")).to_have_class(re.compile("theme-hc"))
    assert (
        panel.locator(".transcript").evaluate("node => getComputedStyle(node).backgroundColor")
        == "rgb(0, 0, 0)"
    )
    assert bubble.evaluate("node => getComputedStyle(node).color") == "rgb(255, 255, 255)"
    alice.composer.focus()
    assert alice.composer.evaluate("node => getComputedStyle(node).outlineStyle") == "solid"
    toggle.click()
    expect(alice.page.locator("body")).not_to_have_class(re.compile("theme-hc"))


# --- failed messages, O1, signing out ------------------------------------------------------------


def test_a_failed_message_is_centred_with_a_retry_and_a_closed_window_allows_only_notifications(
    stack, alice, customer
):
    panel = offered_and_accepted(stack, alice, customer, "Hello")
    interaction_id = alice.interaction_id(panel)
    window = panel.locator(".window-chip")
    expect(window).to_have_attribute("data-state", "open")
    expect(window).to_have_text(re.compile(r"Window open · 23 h 5\d min left"))

    # WhatsApp refuses the text (its 24-hour window closed, ours did not know yet): 131047
    stack.shell(
        "from datetime import timedelta\nfrom django.utils import timezone\n"
        "from sandbox.models import SandboxChat\n"
        f"SandboxChat.objects.filter(wa_id='{customer.wa_id}').update("
        "last_customer_message_at=timezone.now() - timedelta(hours=25))\nprint('null')"
    )
    alice.composer.fill("Are you still there?")
    alice.composer.press("Enter")
    failed = panel.locator(".row--center", has_text="Are you still there?")
    expect(failed).to_have_attribute("data-status", "failed")
    expect(failed.locator(".notice--error")).to_contain_text("Not delivered")
    expect(failed.locator(".notice-code")).to_have_text("(131047)")

    # the customer writes again: Retry sends the message for real
    customer_says(stack, customer, "Yes, sorry!")
    expect(alice.message("Yes, sorry!")).to_be_visible()
    failed.get_by_role("button", name="Retry").click()
    resent = panel.locator(".row--out", has_text="Are you still there?")
    expect(resent).to_have_attribute("data-status", re.compile("sent|delivered|read"))
    expect(panel.locator(".row--center")).to_have_count(0)

    # O1 / O2: 24 hours after the customer's last message only a notification can be sent;
    # the agent's text goes out appended to the default notification template
    stack.shell(
        "from datetime import timedelta\nfrom django.utils import timezone\n"
        "from conversations.models import Interaction\n"
        f"Interaction.objects.filter(pk={interaction_id}).update("
        "window_expires_at=timezone.now() - timedelta(minutes=1))\nprint('null')"
    )
    alice.page.reload()
    panel = alice.page.locator(f"#panel-{interaction_id}")
    expect(panel.locator(".window-chip")).to_have_text("Window closed: only a notification can be sent")
    expect(panel.locator(".window-notice")).to_contain_text("only a notification can be sent")
    expect(panel.locator("input[type=file]")).to_be_disabled()
    alice.send("We found your parcel")
    notification = panel.locator(".row--out", has_text="We found your parcel")
    expect(notification.locator(".template-label")).to_have_text(
        "Sent as a notification (the response window had ended)"
    )
    expect(notification.locator(".text")).to_have_text("Thank you for your patience! We found your parcel")


def test_a_resync_that_left_before_the_agent_went_ready_does_not_undo_it(alice):
    """The periodic resync's answer can arrive after a newer state (the agent's own click,
    an agent.state frame): it must not put the console back to Not Ready. (Seen as a flaky
    go_ready in this suite: the resync at connect crossed the agent's first click.)"""
    held = []

    def hold_snapshot(route) -> None:
        if route.request.method == "GET":
            held.append((route, route.fetch()))  # the server's answer now, delivered later
        else:
            route.continue_()

    alice.page.route(re.compile(r"/api/v1/agent/me/$"), hold_snapshot)
    alice.page.evaluate("() => { window.waConsole.resync(); }")
    expect(alice.page.locator("#ready-toggle")).to_have_attribute("aria-pressed", "false")
    for _ in range(50):
        if held:
            break
        alice.page.wait_for_timeout(100)
    assert held, "the resync asked for agent/me/"
    alice.go_ready()
    route, answer = held[0]
    assert answer.json()["agent"]["is_ready"] is False
    route.fulfill(response=answer)
    alice.page.wait_for_timeout(1000)  # the stale answer is applied by now
    expect(alice.page.locator("#ready-toggle")).to_have_attribute("aria-pressed", "true")
    expect(alice.page.locator("#ready-label")).to_have_text("Ready")
    alice.page.unroute(re.compile(r"/api/v1/agent/me/$"))


def test_signing_out_ends_the_session_and_the_agent_is_not_ready(stack, api, alice):
    alice.go_ready()
    alice.page.get_by_role("button", name="Sign out").click()
    expect(alice.page).to_have_url(re.compile(r"/accounts/login/"))
    assert api["alice"].get("/api/v1/agent/me/").json()["agent"]["is_ready"] is False
    alice.page.goto(alice.page.url.split("/accounts/")[0] + "/console/")
    expect(alice.page).to_have_url(re.compile(r"/accounts/login/\?next=/console/"))
