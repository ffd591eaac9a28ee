"""Browser tests: the real product (tests/stack.py) driven through Debian's Chromium.

Each module starts one stack (``STACK_OPTIONS`` in the module sets its options) and uses
fresh customer numbers per test; ``_clean_slate`` puts every agent Not Ready and closes
every open interaction after each test, so tests do not see each other's offers.
"""

from __future__ import annotations

import io
import itertools
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.stack import DEMO_PASSWORD, Stack, running_stack

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: How long an expectation waits for the console to show something (live updates, sweeps).
TIMEOUT_MS = 15_000
AGENTS = ("alice", "bob")

try:  # the module-level skips of the test modules say why when this is missing
    from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright
except ImportError:  # pragma: no cover
    sync_playwright = None  # type: ignore[assignment]  # no Playwright: the browser tests skip


def skip_without_chromium() -> None:
    """Call at the top of a browser test module: skip it, saying why, without a browser.

    With ``REQUIRE_BROWSER=1`` (set by ``.ci/run``) a missing browser fails the run
    instead: CI must never pass with the browser tests silently skipped.
    """
    if sync_playwright is None:
        _skip_or_fail("Playwright for Python is not installed in this environment")
    if not CHROMIUM.exists():
        _skip_or_fail(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (REQUIRE_BROWSER=1: the browser tests must run)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


# --- processes -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    options: dict[str, Any] = getattr(request.module, "STACK_OPTIONS", {})
    with running_stack(options=options) as running:
        yield running


@pytest.fixture(scope="module")
def api(stack: Stack) -> Iterator[dict[str, httpx.Client]]:
    """Logged-in REST clients: the agents and the supervisor (staff)."""
    clients = {name: stack.client(name) for name in (*AGENTS, "supervisor")}
    yield clients
    for client in clients.values():
        client.close()


@pytest.fixture(autouse=True)
def _clean_slate(request: pytest.FixtureRequest) -> Iterator[None]:
    clients = request.getfixturevalue("api") if "stack" in request.fixturenames else None
    yield
    if clients is None:
        return
    for name in AGENTS:  # Not Ready first: their pending offers go back to the queue
        clients[name].post("/api/v1/agent/me/state/", json={"ready": False}).raise_for_status()
    supervisor = clients["supervisor"]
    for state in ("active", "queued", "offered", "parked"):
        for interaction in supervisor.get("/api/v1/interactions/", params={"state": state}).json()["results"]:
            supervisor.post(f"/api/v1/interactions/{interaction['id']}/done/", json={}).raise_for_status()


_numbers = itertools.count(random.randrange(10_000, 90_000) * 1000)


@dataclass(frozen=True)
class Customer:
    wa_id: str
    name: str

    @property
    def shown_name(self) -> str:
        """What the console calls a customer the contact database does not know (U2): the
        profile name the phone sends (``customer_sends``), with the number's last digits."""
        return f"{self.name} …{self.wa_id[-4:]}"


def new_customer(name: str = "Lena Test") -> Customer:
    """A customer number never used before (a fresh contact with no history)."""
    return Customer(wa_id=f"49152{next(_numbers):08d}", name=name)


@pytest.fixture
def customer() -> Customer:
    """A customer number never used before (a fresh contact with no history)."""
    return new_customer()


# --- the customer's side: the sandbox's phone API ----------------------------------------


def customer_sends(stack: Stack, customer: Customer, kind: str, **fields: Any) -> dict[str, Any]:
    """Anything the phone API takes (text, image, location, reaction, button_reply…)."""
    body = {"phone_number_id": stack.env["WHATSAPP_PHONE_NUMBER_ID"], "wa_id": customer.wa_id,
            "profile_name": customer.name, "type": kind, **fields}  # fmt: skip
    response = httpx.post(f"{stack.url}/sandbox/phone/api/send", json=body, timeout=20)
    assert response.status_code == 200, response.text
    return response.json()


def customer_webhook(stack: Stack, customer: Customer, message: dict[str, Any]) -> None:
    """What the phone cannot send (an unsupported type…): a signed webhook, as Meta posts it."""
    from sandbox import wire
    from whatsapp.signature import sign

    payload = wire.envelope(
        waba_id="200000000000001",
        display_phone_number="15550001234",
        phone_number_id=stack.env["WHATSAPP_PHONE_NUMBER_ID"],
        **wire.inbound_value(
            wa_id=customer.wa_id,
            profile_name=customer.name,
            message={"from": customer.wa_id, "id": wire.new_wamid(customer.wa_id),
                     "timestamp": str(int(time.time())), **message},
        ),
    )  # fmt: skip
    body = wire.dumps(payload)
    secret = stack.env.get("WHATSAPP_APP_SECRET", "sandbox-app-secret")
    response = httpx.post(
        f"{stack.url}/webhooks/whatsapp/",
        content=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, secret)},
        timeout=20,
    )
    assert response.status_code == 200, response.text


def customer_says(stack: Stack, customer: Customer, text: str) -> dict[str, Any]:
    return customer_sends(stack, customer, "text", text=text)


def customer_sends_file(
    stack: Stack, customer: Customer, kind: str, data: bytes, *, file_name: str, mime: str, caption: str = ""
) -> dict[str, Any]:
    """Upload to the sandbox's media store, then send it as an image, video, audio or document."""
    upload = httpx.post(
        f"{stack.url}/sandbox/phone/api/media",
        data={"phone_number_id": stack.env["WHATSAPP_PHONE_NUMBER_ID"]},
        files={"file": (file_name, data, mime)},
        timeout=20,
    )
    assert upload.status_code == 200, upload.text
    media: dict[str, Any] = {"id": upload.json()["id"]}
    if caption:
        media["caption"] = caption
    if kind == "document":
        media["filename"] = file_name
    return customer_sends(stack, customer, kind, **{kind: media})


def customer_sends_image(stack: Stack, customer: Customer, data: bytes, caption: str = "") -> dict[str, Any]:
    return customer_sends_file(
        stack, customer, "image", data, file_name="photo.png", mime="image/png", caption=caption
    )


def png(color: tuple[int, int, int] = (0, 168, 132), size: tuple[int, int] = (320, 200)) -> bytes:
    """A small PNG (a photo stand-in: sky, sun, meadow), so thumbnails are not blank."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, size[1] * 2 // 3, size[0], size[1]), fill=(76, 160, 80))
    draw.ellipse(
        (size[0] // 2 - 30, size[1] // 3 - 30, size[0] // 2 + 30, size[1] // 3 + 30), fill=(255, 210, 0)
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# --- the agent's side: the console in a browser -----------------------------------------------


class Console:
    """An agent's console page, with the few moves the tests make."""

    def __init__(self, page: Page, username: str) -> None:
        self.page = page
        self.username = username

    @property
    def context(self) -> BrowserContext:
        return self.page.context

    @property
    def tab(self) -> Locator:
        """The conversation shown (the active tab's panel)."""
        return self.page.locator("section.conv:not([hidden])")

    @property
    def composer(self) -> Locator:
        return self.tab.locator("textarea[aria-label='Message']")

    def offer(self, customer: Customer) -> Locator:
        return self.page.locator(".offer", has_text=f"+{customer.wa_id}")

    def go_ready(self) -> None:
        toggle = self.page.locator("#ready-toggle")
        expect(toggle).to_have_attribute("aria-pressed", "false")
        toggle.click()
        expect(toggle).to_have_attribute("aria-pressed", "true")
        expect(self.page.locator("#ready-label")).to_have_text("Ready")

    def accept(self, customer: Customer) -> Locator:
        """Accept the customer's offer; returns the tab's panel."""
        offer = self.offer(customer)
        interaction_id = offer.get_attribute("data-interaction-id")
        offer.get_by_role("button", name="Accept").click()
        expect(offer).to_have_count(0)
        panel = self.page.locator(f"#panel-{interaction_id}")
        expect(panel).to_be_visible()
        expect(panel.locator(".row").first).to_be_visible()
        return panel

    def interaction_id(self, panel: Locator | None = None) -> int:
        return int((panel or self.tab).get_attribute("data-interaction-id") or "")

    def send(self, text: str) -> None:
        self.composer.fill(text)
        self.composer.press("Enter")
        expect(self.tab.locator(".row--out", has_text=text.splitlines()[0]).last).to_be_visible()

    def message(self, text: str) -> Locator:
        return self.tab.locator(".row", has_text=text)


def login(browser: Browser, stack: Stack, username: str, **context_options: Any) -> Console:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, **context_options)
    page = context.new_page()
    page.goto(f"{stack.url}/accounts/login/?next=/console/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("body.console-ready")).to_be_attached()
    expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    return Console(page, username)


def open_phone(browser: Browser, stack: Stack, customer: Customer, **context_options: Any) -> Page:
    """The sandbox's customer phone page, in a context of its own (no login: it is the public)."""
    page = browser.new_context(viewport={"width": 900, "height": 800}, **context_options).new_page()
    page.goto(
        f"{stack.url}/sandbox/phone/?phone_number_id={stack.env['WHATSAPP_PHONE_NUMBER_ID']}"
        f"&wa_id={customer.wa_id}&name={customer.name.replace(' ', '+')}"
    )
    expect(page.locator("#sbx-composer")).to_be_visible()
    return page


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Every browser context a test opens is closed after it (consoles and phones)."""
    before = set(browser.contexts)
    yield browser.contexts
    for context in browser.contexts:
        if context not in before:
            context.close()


@pytest.fixture
def alice(browser: Browser, stack: Stack, contexts: list[BrowserContext]) -> Console:
    return login(browser, stack, "alice")


@pytest.fixture
def bob(browser: Browser, stack: Stack, contexts: list[BrowserContext]) -> Console:
    return login(browser, stack, "bob")


@pytest.fixture
def phone_of(browser: Browser, stack: Stack, contexts: list[BrowserContext]) -> Callable[[Customer], Page]:
    """Open the phone page of any customer (closed after the test)."""
    return lambda someone: open_phone(browser, stack, someone)


@pytest.fixture
def phone(phone_of: Callable[[Customer], Page], customer: Customer) -> Page:
    return phone_of(customer)
