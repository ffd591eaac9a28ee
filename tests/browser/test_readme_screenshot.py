"""The README's screenshot (docs/images/console.png): the console mid-conversation, 1280x800.

A known customer (with an earlier conversation) and the agent exchange a few messages and
a photo; a colleague joins in a conference (R5) and writes too; the side panel has case
information and a note; a second conversation waits for a reply and a third customer is
being offered.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser.conftest import (
    Customer,
    customer_says,
    customer_sends_image,
    expect,
    png,
    skip_without_chromium,
)

skip_without_chromium()
pytestmark = pytest.mark.browser

#: Written to the README's image only when asked (README_SCREENSHOT=1), so that a test
#: run leaves the working tree as it found it.
README_IMAGE = Path(__file__).resolve().parents[2] / "docs" / "images" / "console.png"
STACK_OPTIONS = {"whatsappsession.pending-response-to-customer": "60,120"}


def test_readme_screenshot(stack, api, alice, phone_of, tmp_path):
    lena = Customer(wa_id="4915112345678", name="Lena Vogel")  # known to the CRM, with history
    jorge = Customer(wa_id="34611223344", name="Jorge")
    newcomer = Customer(wa_id="447700900123", name="Sam Carter")
    alice.go_ready()

    customer_says(stack, jorge, "Hola! Can I change my delivery address for order 4788?")
    alice.accept(jorge)
    phone = phone_of(lena)
    customer_says(stack, lena, "Hi, it's me again. My new order hasn't arrived yet.")
    panel = alice.accept(lena)
    interaction_id = alice.interaction_id(panel)

    alice.send("Hi Lena! Sorry about that. Could you send me a photo of the shipping confirmation?")
    customer_sends_image(stack, lena, png((40, 120, 200), (360, 240)), caption="Here it is")
    expect(panel.locator(".row--in img.thumb")).to_have_js_property("complete", True)
    alice.send(
        "Thanks! Your parcel is at the local depot and goes out tomorrow morning. "
        "Track it here: https://example.com/track/4711"
    )
    conference_with_bob(
        api, interaction_id, "Hi Lena, Bob from shipping: your parcel is first on tomorrow's tour."
    )
    expect(panel.locator(".participant", has_text="Bob")).to_contain_text("in the conference")
    expect(alice.message("Bob from shipping").locator(".author")).to_have_text("Bob")
    phone.locator("#sbx-text").fill("Great, thank you so much!")
    phone.press("#sbx-text", "Enter")
    expect(alice.message("Great, thank you so much!")).to_be_visible()

    client = api["alice"]
    contact_id = client.get(f"/api/v1/interactions/{interaction_id}/").json()["contact"]["id"]
    client.patch(
        f"/api/v1/contacts/{contact_id}/", json={"email": "lena.vogel@example.com"}
    ).raise_for_status()
    client.patch(
        f"/api/v1/interactions/{interaction_id}/case-data/",
        json={"case_data": {"order": "4711", "carrier": "DHL", "priority": "high"}},
    ).raise_for_status()
    side = panel.locator("aside.side")
    side.get_by_label("New note").fill("Parcel delayed at the depot; customer informed.")
    side.get_by_role("button", name="Add note").click()
    expect(panel.locator(".note-body")).to_have_count(1)
    alice.page.reload()  # the case information as any agent opening the tab sees it
    panel = alice.page.locator(f"#panel-{interaction_id}")
    alice.page.locator(".chat-item", has_text="Lena Vogel").click()
    expect(panel.locator(".kv-row")).to_have_count(3)
    expect(panel.locator(".row--out").last).to_have_attribute("data-status", "read")
    expect(panel.locator(".row--in img.thumb")).to_have_js_property("complete", True)

    customer_says(stack, newcomer, "Hello! Do you ship to the UK?")
    expect(alice.offer(newcomer)).to_be_visible()
    expect(alice.offer(newcomer)).to_have_attribute("data-seconds-left", re.compile(r"\d+"))

    alice.page.evaluate("() => document.activeElement && document.activeElement.blur()")
    alice.page.mouse.move(0, 799)
    # U2: the window's text wraps beside the header rather than squeezing the name
    name = panel.locator(".conv-name")
    expect(name).to_have_text(re.compile("Lena Vogel"))
    assert name.evaluate("node => node.scrollWidth <= node.clientWidth"), "the header's name is cut"
    screenshot = README_IMAGE if os.environ.get("README_SCREENSHOT") else tmp_path / "console.png"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    alice.page.screenshot(path=screenshot, animations="disabled")
    assert screenshot.stat().st_size > 20_000


def conference_with_bob(api, interaction_id: int, text: str) -> None:
    """Bob (through the API) joins alice's conversation, writes, and goes Not Ready so that
    the next customer is offered to alice."""
    bob = api["bob"]
    bob.post("/api/v1/agent/me/state/", json={"ready": True}).raise_for_status()
    invited = api["alice"].post(
        f"/api/v1/interactions/{interaction_id}/conference/", json={"agent_id": bob_id(api)}
    )
    invited.raise_for_status()
    bob.post(f"/api/v1/conference-invitations/{invited.json()['invitation_id']}/accept/").raise_for_status()
    bob.post(
        f"/api/v1/interactions/{interaction_id}/messages/", json={"type": "text", "body": text}
    ).raise_for_status()
    bob.post("/api/v1/agent/me/state/", json={"ready": False}).raise_for_status()


def bob_id(api) -> int:
    return api["bob"].get("/api/v1/agent/me/").json()["agent"]["id"]
