"""U4: the console in the agent's language, in a real browser: the profile's choice (the
language menu in the top bar), else the browser's (Accept-Language). The templates' texts,
the JavaScript's (through /jsi18n/) and the dates follow it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser.conftest import Console, customer_says, expect, skip_without_chromium
from tests.stack import DEMO_PASSWORD

skip_without_chromium()
pytestmark = pytest.mark.browser

AGENT = "bob"


@pytest.fixture
def browser_language(api) -> Iterator[None]:
    """The agent's profile language goes back to "" (the browser's) after the test: the
    module's other tests expect English."""
    yield
    api[AGENT].post("/api/v1/agent/me/language/", json={"language": ""}).raise_for_status()


def sign_in(browser, stack, contexts, locale: str | None = None) -> Console:
    """Log in without reading the login page's words (they follow the language too)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale=locale)
    contexts.append(context)
    page = context.new_page()
    page.goto(f"{stack.url}/accounts/login/?next=/console/")
    page.fill("#id_username", AGENT)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page.locator("body.console-ready")).to_be_attached()
    expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    return Console(page, AGENT)


def choose(console: Console, language: str, lang: str) -> None:
    """Pick ``language`` in the top bar's menu: the console reloads in it."""
    page = console.page
    page.locator("#language-select").select_option(language)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("body.console-ready")).to_be_attached()
    expect(page.locator("#connection")).to_have_attribute("data-state", "open")


def test_the_agent_switches_the_console_to_german_then_to_portuguese(
    stack, browser, contexts, customer, browser_language
):
    console = sign_in(browser, stack, contexts)
    page = console.page
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#ready-label")).to_have_text("Not ready")

    # German: the header (template), the Ready button (JavaScript), an offer, the composer
    choose(console, "de", "de")
    expect(page.locator("#ready-label")).to_have_text("Nicht bereit")
    expect(page.locator("#sign-out")).to_have_text(re.compile("Abmelden"))
    expect(page.locator("#tabs-empty")).to_have_text("Keine offenen Gespräche.")
    page.locator("#ready-toggle").click()
    expect(page.locator("#ready-label")).to_have_text("Bereit")
    expect(page.locator("#ready-toggle")).to_have_attribute(
        "title", "Sie erhalten neue Gespräche. Klicken zum Beenden."
    )
    customer_says(stack, customer, "Hallo, mein Paket ist nicht angekommen")
    offer = console.offer(customer)
    expect(offer.get_by_role("button", name="Annehmen")).to_be_visible()
    expect(offer.get_by_role("button", name="Ablehnen")).to_be_visible()
    expect(offer).to_contain_text("Annehmen innerhalb von")  # the countdown, a JavaScript text
    offer.get_by_role("button", name="Annehmen").click()
    tab = console.tab
    expect(tab.locator("textarea[data-ref='text']")).to_have_attribute("placeholder", "Nachricht eingeben")
    expect(tab.locator("[data-ref='done']")).to_have_text("Erledigt")
    # the window banner: a JavaScript text with a count-down and a time in the page's language
    expect(tab.locator("[data-ref='windowChip']")).to_contain_text("Fenster offen · noch")

    # Brazilian Portuguese: the open conversation comes back in it
    choose(console, "pt-br", "pt-br")
    expect(page.locator("#ready-label")).to_have_text("Disponível")
    tab = console.tab
    expect(tab.locator("textarea[data-ref='text']")).to_have_attribute("placeholder", "Digite uma mensagem")
    expect(tab.locator("[data-ref='done']")).to_have_text("Concluir")
    expect(tab.locator("[data-ref='windowChip']")).to_contain_text("Janela aberta · faltam")
    expect(page.locator("#sign-out")).to_have_text(re.compile("Sair"))

    # and back to the browser's language (English here)
    choose(console, "", "en")
    expect(page.locator("#ready-label")).to_have_text("Ready")
    expect(console.tab.locator("[data-ref='done']")).to_have_text("Done")


def test_without_a_profile_language_the_browser_decides(stack, browser, contexts, browser_language):
    console = sign_in(browser, stack, contexts, locale="de-DE")
    page = console.page
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("#language-select")).to_have_value("")  # the browser's
    expect(page.locator("#ready-label")).to_have_text("Nicht bereit")
    expect(page.locator("#ready-toggle")).to_have_attribute(
        "title", "Klicken, um neue Gespräche zu erhalten."
    )
    expect(page.locator("#stage-empty-hint")).to_have_text(
        "Schalten Sie auf Bereit, um Gespräche zu erhalten."
    )
    expect(page.locator("textarea[data-ref='text']")).to_have_count(0)  # no tab: nothing else to read
