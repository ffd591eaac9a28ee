"""The console's finish in a real browser: what an exploratory run found awkward.

A narrowed window closes the overlay side panel (Send stays reachable), long names are cut
with their full text as a title (a trailing number stays visible), toasts stay off the
composer, a read-only paperclip looks disabled, a reload keeps drafts and the tabs' order
(an answer cut off on its way closes nothing), the accept timeout leaves a notice until the
agent is Ready again, and the transfer dialog tells "nothing defined" from "nothing matches".
"""

from __future__ import annotations

import re
import time

import pytest

from tests.browser.conftest import (
    Console,
    Customer,
    customer_says,
    expect,
    login,
    new_customer,
    skip_without_chromium,
)

skip_without_chromium()
pytestmark = pytest.mark.browser

STACK_OPTIONS = {"whatsappsession.offer-accept-timeout": 5}

LONG_NAME = "A very long profile name that goes on and on " * 4 + "and ends"


def offered_and_accepted(stack, agent: Console, customer: Customer, text: str):
    agent.go_ready()
    customer_says(stack, customer, text)
    expect(agent.offer(customer)).to_be_visible()
    return agent.accept(customer)


def box(locator):
    found = locator.bounding_box()
    assert found, f"{locator} is not laid out"
    return found


def covers(page, locator) -> bool:
    """Whether something else lies on the centre of ``locator`` (it cannot be clicked there)."""
    return not locator.evaluate(
        "node => { const r = node.getBoundingClientRect();"
        " const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);"
        " return node === top || node.contains(top); }"
    )


def overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def agent_id(api, name: str) -> int:
    return api[name].get("/api/v1/agent/me/").json()["agent"]["id"]


def test_narrowing_the_window_closes_the_side_panel_and_send_stays_reachable(stack, bob, customer):
    panel = offered_and_accepted(stack, bob, customer, "Hello from a wide screen")
    side = panel.locator("aside.side")
    expect(side).to_be_visible()  # 1280 px: the panel is a column of its own

    bob.page.set_viewport_size({"width": 900, "height": 800})
    expect(side).to_be_hidden()
    expect(panel.locator("[data-ref=panelToggle]")).to_have_attribute("aria-expanded", "false")
    send = panel.locator("button.send")
    assert not covers(bob.page, send)

    # opened again at 900 px, the overlay ends above the composer
    panel.locator("[data-ref=panelToggle]").click()
    expect(side).to_be_visible()
    bob.composer.fill("still reachable")
    assert not covers(bob.page, send)
    assert not covers(bob.page, bob.composer)
    assert box(side)["y"] + box(side)["height"] <= box(panel.locator(".composer-area"))["y"] + 1
    send.click()
    expect(bob.message("still reachable")).to_be_visible()


def test_long_names_are_cut_with_the_full_name_as_title_and_numbers_stay_visible(stack, api, bob):
    customer = new_customer(LONG_NAME)
    bob.go_ready()
    customer_says(stack, customer, "A message from someone with a long name")
    offer = bob.offer(customer)
    expect(offer).to_be_visible()

    # the offer card: the long profile name is the card's name (U2), on one line, cut in its
    # head with the number's last digits whole; the full name is its title; Accept stays
    # near the top
    name = offer.locator(".offer-name")
    expect(name).to_have_attribute("title", customer.shown_name)
    expect(name.locator(".name-tail")).to_have_text(f" …{customer.wa_id[-4:]}")
    size = float(name.evaluate("node => parseFloat(getComputedStyle(node).fontSize)"))
    assert box(name)["height"] < 2 * size
    expect(offer.locator(".offer-profile")).to_have_count(0)  # not repeated as "~…"
    assert box(offer.get_by_role("button", name="Accept"))["y"] - box(offer)["y"] < 260

    panel = bob.accept(customer)
    tab = bob.page.locator(f"#tab-{bob.interaction_id(panel)} .chat-name")
    expect(tab).to_have_attribute("title", customer.shown_name)

    # at 900 px the tab list cuts "A very long profile name … …0002" in its head: the
    # digits stay whole
    bob.page.set_viewport_size({"width": 900, "height": 800})
    tail = tab.locator(".name-tail")
    expect(tail).to_have_text(f" …{customer.wa_id[-4:]}")
    assert tab.evaluate(
        "name => { const tail = name.querySelector('.name-tail').getBoundingClientRect();"
        " const head = name.querySelector('.name-head');"
        " return tail.width > 0 && tail.right <= name.getBoundingClientRect().right + 0.5"
        " && head.scrollWidth > head.clientWidth; }"
    ), "the head is cut, the tail is shown whole"

    # a long name from the contact database: one line in the header and in the tab list
    contact_id = api["bob"].get(f"/api/v1/interactions/{bob.interaction_id(panel)}/").json()["contact"]["id"]
    api["bob"].patch(f"/api/v1/contacts/{contact_id}/", json={"name": LONG_NAME})
    header = panel.locator(".conv-name")
    expect(header).to_have_attribute("title", LONG_NAME)
    expect(tab).to_have_attribute("title", LONG_NAME)
    # the CRM name is the profile name's words: no "~" beside it repeats them (U2)
    expect(panel.locator(".conv-sub")).to_have_text(re.compile(rf"^\+{customer.wa_id} · "))
    expect(panel.locator(".conv-sub")).not_to_contain_text("~")
    for name in (header, tab):
        size = float(name.evaluate("node => parseFloat(getComputedStyle(node).fontSize)"))
        assert box(name)["height"] < 2 * size


def test_a_consultation_toast_stays_off_the_composer_and_the_read_only_paperclip_looks_disabled(
    stack, api, alice, bob
):
    own = offered_and_accepted(stack, bob, new_customer("Own Customer"), "Bob's own conversation")
    attach = own.locator("label.attach")
    expect(attach).not_to_have_class(re.compile("attach--disabled"))
    enabled = float(attach.evaluate("node => getComputedStyle(node).opacity"))

    customer = new_customer("Consulted Customer")
    shared = offered_and_accepted(stack, alice, customer, "Alice's conversation")
    api["alice"].post(
        f"/api/v1/interactions/{alice.interaction_id(shared)}/consultation/",
        json={"agent_id": agent_id(api, "bob"), "body": "Can we refund this?"},
    ).raise_for_status()

    toast = bob.page.locator("#toast")
    expect(toast).to_contain_text(f"Alice consults you about {customer.shown_name}")
    assert not overlap(box(toast), box(bob.tab.locator(".composer-area")))
    assert not covers(bob.page, bob.composer)

    # the consultation is read only: the paperclip looks (and is) disabled like the others
    bob.page.locator(f"#tab-{alice.interaction_id(shared)}").click()
    consulted = bob.page.locator(f"#panel-{alice.interaction_id(shared)}")
    clip = consulted.locator("label.attach")
    expect(consulted.locator("input[type=file]")).to_be_disabled()
    expect(clip).to_have_class(re.compile("attach--disabled"))
    expect(clip).to_have_attribute("aria-disabled", "true")
    expect(clip).to_have_attribute("title", "Files cannot be sent: read only")
    assert float(clip.evaluate("node => getComputedStyle(node).opacity")) < enabled


# A resync run to its end in the page (one already under way runs again after it).
RESYNC = "async () => { const app = window.waConsole; await app.resync(); while (app.resyncing) await app.resyncing; }"


def test_a_reload_keeps_each_draft_and_the_order_of_the_tabs(stack, api, alice, bob):
    first = new_customer("First Customer")
    panel = offered_and_accepted(stack, bob, first, "First!")
    first_id = bob.interaction_id(panel)
    # a consultation opens second (the server lists it after bob's own conversations)
    consulted = new_customer("Consulted Customer")
    shared = offered_and_accepted(stack, alice, consulted, "Alice's conversation")
    shared_id = alice.interaction_id(shared)
    api["alice"].post(
        f"/api/v1/interactions/{shared_id}/consultation/",
        json={"agent_id": agent_id(api, "bob"), "body": "A question"},
    ).raise_for_status()
    expect(bob.page.locator(f"#tab-{shared_id}")).to_be_visible()
    third = new_customer("Third Customer")
    customer_says(stack, third, "Third!")
    third_id = int(bob.offer(third).get_attribute("data-interaction-id"))
    bob.accept(third)
    order = [f"tab-{first_id}", f"tab-{shared_id}", f"tab-{third_id}"]
    tabs = bob.page.locator("#tab-list > .chat-item")
    expect(tabs).to_have_count(3)
    assert tabs.evaluate_all("nodes => nodes.map((n) => n.id)") == order

    bob.page.locator(f"#tab-{first_id}").click()
    bob.composer.fill("half a reply\nsecond line")
    bob.page.locator(f"#tab-{third_id}").click()
    bob.composer.fill("another draft")

    bob.page.reload()
    expect(bob.page.locator("body.console-ready")).to_be_attached()
    expect(tabs).to_have_count(3)
    expect(bob.page.locator(f"#tab-{third_id}")).to_have_attribute("aria-selected", "true")
    assert tabs.evaluate_all("nodes => nodes.map((n) => n.id)") == order
    # the consultation came with the page (not announced again by the first resync)
    bob.page.evaluate(RESYNC)
    assert "consults you" not in (bob.page.locator("#toast-text").text_content() or "")
    expect(bob.page.locator(f"#panel-{third_id} textarea[aria-label='Message']")).to_have_value(
        "another draft"
    )
    expect(bob.page.locator(f"#panel-{first_id} textarea[aria-label='Message']")).to_have_value(
        "half a reply\nsecond line"
    )

    # sent, the draft is gone; done, the conversation's draft goes with it
    bob.send("another draft")
    bob.page.locator(f"#tab-{first_id}").click()
    bob.tab.get_by_role("button", name="Done").click()
    bob.page.locator("#done-submit").click()
    expect(bob.page.locator(f"#tab-{first_id}")).to_have_count(0)
    stored = bob.page.evaluate("() => Object.keys(sessionStorage).filter((k) => k.includes('.draft.'))")
    assert stored == []
    bob.page.reload()
    expect(bob.page.locator("body.console-ready")).to_be_attached()
    expect(bob.page.locator(f"#panel-{third_id} textarea[aria-label='Message']")).to_have_value("")


# A fetch whose answers to ``path`` break off after their first bytes (a real Response whose
# stream fails, as a dropped connection or a reload leaves it), with the given status.
CUT_FETCH = """([path, status]) => {
    const realFetch = window.fetch;
    window.realFetch = realFetch;
    window.fetch = async (url, init) => {
        if (!String(url).endsWith(path)) return realFetch(url, init);
        return new Response(new ReadableStream({
            start(controller) {
                controller.enqueue(new TextEncoder().encode('{"interactions": ['));
                controller.error(new TypeError("connection reset"));
            },
        }), { status, headers: { "Content-Type": "application/json" } });
    };
}"""


def test_an_answer_cut_off_on_its_way_closes_no_tab_and_keeps_the_draft(stack, bob, customer):
    """A resync whose answer was cut off (the connection dropped, the page was reloading)
    is no answer: read as an empty one it said "you own nothing", and every tab closed with
    its draft (seen as a reload that lost the tabs' order)."""
    panel = offered_and_accepted(stack, bob, customer, "Hello")
    bob.composer.fill("half a reply")
    tabs = bob.page.locator("#tab-list > .chat-item")

    def still_there():
        expect(panel).to_be_visible()
        expect(tabs).to_have_count(1)
        expect(bob.composer).to_have_value("half a reply")
        assert "left your console" not in (bob.page.locator("#toast-text").text_content() or "")

    # the snapshot's body breaks off: the resync changes nothing
    bob.page.evaluate(CUT_FETCH, ["/api/v1/agent/me/", 200])
    bob.page.evaluate(RESYNC)
    bob.page.evaluate("() => { window.fetch = window.realFetch; }")
    still_there()

    # what the console's API client makes of it: no answer (a read may be tried again, a
    # write may have been done); a refusal cut off keeps its status (a 404 closes a tab)
    def cut_answer(path, status, method):
        bob.page.evaluate(CUT_FETCH, [path, status])
        return bob.page.evaluate(
            """async ([path, method]) => {
                const { Api } = await import("/static/console/api.js");
                const api = new Api("/api/v1/");
                try {
                    return { answered: await (method === "GET" ? api.get(path) : api.post(path, {})) };
                } catch (error) {
                    return { code: error.code, status: error.status, network: error.isNetwork, message: error.message };
                } finally {
                    window.fetch = window.realFetch;
                }
            }""",
            [path.removeprefix("/api/v1/"), method],
        )

    assert cut_answer("/api/v1/agent/me/", 200, "GET") == {
        "code": "answer_lost",
        "status": 0,
        "network": True,
        "message": "The server's answer was cut off. Check the connection and try again.",
    }
    written = cut_answer("/api/v1/agent/me/state/", 200, "POST")
    assert written["code"] == "answer_lost" and "it may have been done" in written["message"]
    refused = cut_answer("/api/v1/agent/me/state/", 404, "POST")
    assert (refused["code"], refused["status"], refused["network"]) == ("http_404", 404, False)

    # a success that is not JSON (a proxy's page) is no answer either
    snapshot = re.compile(r"/api/v1/agent/me/$")
    bob.page.route(
        snapshot,
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<html>Sign in to the Wi-Fi</html>"
        ),
    )
    bob.page.evaluate(RESYNC)
    bob.page.unroute(snapshot)
    still_there()

    # the next whole answer finds everything where it was
    bob.page.evaluate(RESYNC)
    still_there()


def test_an_offer_not_accepted_in_time_leaves_a_notice_until_the_agent_is_ready(stack, bob, customer):
    notice = bob.page.locator("#ready-notice")
    bob.go_ready()
    expect(notice).to_be_hidden()
    customer_says(stack, customer, "Is anybody there?")
    expect(bob.offer(customer)).to_be_visible()

    # nobody accepts within 5 s: Not Ready, and a notice that says why and stays
    expect(bob.page.locator("#ready-toggle")).to_have_attribute("aria-pressed", "false", timeout=20_000)
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("You were set to Not Ready because an offer was not accepted in time")
    bob.page.wait_for_timeout(9000)  # longer than the offer card's linger and a toast
    expect(notice).to_be_visible()
    bob.page.reload()
    expect(bob.page.locator("body.console-ready")).to_be_attached()
    expect(notice).to_be_visible()

    # going Ready again ends it
    notice.get_by_role("button", name="Go Ready").click()
    expect(bob.page.locator("#ready-toggle")).to_have_attribute("aria-pressed", "true")
    expect(notice).to_be_hidden()


def test_the_notice_of_the_accept_timeout_can_be_dismissed(stack, bob, customer):
    bob.go_ready()
    customer_says(stack, customer, "Hello?")
    expect(bob.page.locator("#ready-toggle")).to_have_attribute("aria-pressed", "false", timeout=20_000)
    notice = bob.page.locator("#ready-notice")
    expect(notice).to_be_visible()
    notice.get_by_role("button", name="Dismiss").click()
    expect(notice).to_be_hidden()
    bob.page.reload()
    expect(bob.page.locator("body.console-ready")).to_be_attached()
    expect(notice).to_be_hidden()


def test_a_console_opened_after_the_accept_timeout_says_why_the_agent_is_not_ready(
    stack, api, browser, contexts, customer
):
    """The reason comes from the server with the agent's state: no frame needed (the
    console used to guess it from a frame seen in the last 15 seconds)."""
    api["bob"].post("/api/v1/agent/me/state/", json={"ready": True}).raise_for_status()
    customer_says(stack, customer, "Anyone?")
    deadline = time.monotonic() + 20
    while api["bob"].get("/api/v1/agent/me/").json()["agent"]["is_ready"]:  # nobody accepts
        assert time.monotonic() < deadline, "the offer did not expire"
        time.sleep(0.5)
    bob = login(browser, stack, "bob")
    notice = bob.page.locator("#ready-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("You were set to Not Ready because an offer was not accepted in time.")

    # choosing Not Ready is no news: Ready, then Not Ready, and no notice
    bob.go_ready()
    expect(notice).to_be_hidden()
    bob.page.locator("#ready-toggle").click()
    expect(bob.page.locator("#ready-toggle")).to_have_attribute("aria-pressed", "false")
    expect(notice).to_be_hidden()


def test_the_transfer_dialog_says_when_no_skills_are_defined(stack, alice, customer):
    stack.shell("from conversations.models import Skill\nSkill.objects.all().delete()\nprint(1)")
    offered_and_accepted(stack, alice, customer, "Please pass me on")
    alice.tab.get_by_role("button", name="Transfer").click()
    dialog = alice.page.locator("#target-dialog")
    expect(dialog).to_be_visible()
    status = dialog.locator("#target-status")
    dialog.get_by_label("Skill", exact=True).check()
    expect(status).to_have_text("No skills are defined yet.")
    dialog.locator("#target-search").fill("zzz")
    dialog.locator("#target-search").press("Enter")
    expect(status).to_have_text("No skills are defined yet.")

    # a search that finds no agent says so (there are agents)
    dialog.get_by_label("Agent", exact=True).check()
    expect(status).to_have_text("No agent matches “zzz”.")
