"""U4 in a real browser: the admin follows the browser's language. A supervisor whose
Chromium asks for German sees our apps, models, actions, fieldsets and help texts in
German; one asking for Brazilian Portuguese sees Portuguese; English stays the default."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import DEMO_PASSWORD, expect, skip_without_chromium
from tests.stack import Stack, running_stack

skip_without_chromium()
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack() as running:
        yield running


def _admin(browser: Browser, stack: Stack, locale: str, path: str) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    page = context.new_page()
    page.goto(f"{stack.url}/admin/login/?next={path}")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("input[type=submit]").click()
    return page


def test_a_german_browser_sees_the_admin_in_german(browser, stack):
    page = _admin(browser, stack, "de-DE", "/admin/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("#content-main")).to_contain_text("Konversationen")
    expect(page.locator("#content-main")).to_contain_text("Interaktionen")
    expect(page.locator("#content-main")).to_contain_text("Nachrichtenvorlagen")
    expect(page.locator("#content-main")).to_contain_text("Eingangsabläufe")

    page.goto(f"{stack.url}/admin/conversations/interaction/")
    expect(page.locator("#changelist-filter")).to_contain_text("Warteschlange")

    page.goto(f"{stack.url}/admin/templates_app/messagetemplate/add/")
    expect(page.locator("#content-main")).to_contain_text("Buttons und Listen")
    expect(page.locator("label[for=id_submit_to_meta]")).to_have_text(
        "Beim Speichern zur Prüfung an Meta übermitteln"
    )
    expect(page.locator(".template-preview-module h2")).to_have_text("Live-Vorschau")

    page.goto(f"{stack.url}/admin/flows/flow/add/")
    expect(page.locator("#content-main")).to_contain_text(
        "Zeitüberschreitungen und Gespräch mit einer Person"
    )
    expect(page.locator("#content-main")).to_contain_text("Ein aktiver Ablauf pro Nummer")
    page.context.close()


def test_a_brazilian_browser_sees_portuguese_and_an_english_one_english(browser, stack):
    page = _admin(browser, stack, "pt-BR", "/admin/templates_app/messagetemplate/")
    expect(page.locator("#pull-templates")).to_have_text("Obter da Meta")
    page.goto(f"{stack.url}/admin/")
    expect(page.locator("#content-main")).to_contain_text("Respostas padrão")
    page.context.close()

    page = _admin(browser, stack, "en-US", "/admin/templates_app/messagetemplate/")
    expect(page.locator("#pull-templates")).to_have_text("Pull from Meta")
    page.context.close()
