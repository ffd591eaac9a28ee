"""U4 in a real browser: the sign-in page, the sandbox phone and the report and search pages
follow the browser's language (its Accept-Language), German and Brazilian Portuguese, in
the server's templates and in the words their scripts write (Django's JavaScript
catalogue, under the Content-Security-Policy)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DEMO_PASSWORD, expect, new_customer, png, skip_without_chromium

skip_without_chromium()
pytestmark = pytest.mark.browser

WORDS = {
    "de-DE": {
        "lang": "de",
        "sign_in_title": "Anmelden · WhatsApp-Agentenarbeitsplatz",
        "sign_in_hint": "Melden Sie sich an, um Gespräche anzunehmen.",
        "sign_in": "Anmelden",
        "report_heading": "Berichte",
        "by_type": "Nachrichten nach Typ",
        "csv": "CSV herunterladen",
        "search_heading": "Interaktionen suchen",
        "found": "Interaktionen gefunden",
        "phone_title": "Kundentelefon · WhatsApp-Sandbox",
        "share_location": "Standort teilen",
        "say_hello": "Sagen Sie dem Unternehmen Hallo.",
        "caption_hint": "Enter zum Senden",
        "today": "Heute",
        "reply": "Antworten",
    },
    "pt-BR": {
        "lang": "pt-br",
        "sign_in_title": "Entrar · Espaço de atendimento do WhatsApp",
        "sign_in_hint": "Entre para atender conversas.",
        "sign_in": "Entrar",
        "report_heading": "Relatórios",
        "by_type": "Mensagens por tipo",
        "csv": "Baixar CSV",
        "search_heading": "Pesquisar interações",
        "found": "encontrad",  # "interação encontrada" / "interações encontradas" / "Nada encontrado"
        "phone_title": "Telefone do cliente · Sandbox do WhatsApp",
        "share_location": "Compartilhar localização",
        "say_hello": "Diga olá para a empresa.",
        "caption_hint": "pressione Enter para enviar",
        "today": "Hoje",
        "reply": "Responder",
    },
}


def watched(page) -> list[str]:
    """Script errors and CSP refusals of the page (the catalogue must load and run)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    return errors


@pytest.mark.parametrize("locale", WORDS)
def test_sign_in_then_reports_and_search_in_the_browser_language(browser, stack, contexts, locale):
    words = WORDS[locale]
    page = browser.new_context(locale=locale, viewport={"width": 1400, "height": 900}).new_page()
    errors = watched(page)
    page.goto(f"{stack.url}/accounts/login/?next=/reports/%3Ftz%3DUTC")
    expect(page.locator("html")).to_have_attribute("lang", words["lang"])
    expect(page).to_have_title(words["sign_in_title"])
    expect(page.locator(".login-card")).to_contain_text(words["sign_in_hint"])
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name=words["sign_in"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(words["report_heading"])
    expect(page.locator("#section-types h2")).to_have_text(words["by_type"])
    expect(page.get_by_role("link", name=words["csv"])).to_be_visible()

    page.goto(f"{stack.url}/search/")
    expect(page.get_by_role("heading", level=1)).to_have_text(words["search_heading"])
    page.locator("#search-form button[type=submit]").click()  # every interaction the supervisor sees
    expect(page.locator("#search-status")).to_contain_text(words["found"])
    assert errors == []


@pytest.mark.parametrize("locale", WORDS)
def test_the_phone_in_the_browser_language(browser, stack, contexts, locale):
    words = WORDS[locale]
    customer = new_customer()
    page = browser.new_context(locale=locale, viewport={"width": 900, "height": 800}).new_page()
    errors = watched(page)
    page.goto(
        f"{stack.url}/sandbox/phone/?phone_number_id={stack.env['WHATSAPP_PHONE_NUMBER_ID']}&wa_id={customer.wa_id}"
    )
    expect(page.locator("html")).to_have_attribute("lang", words["lang"])
    expect(page).to_have_title(words["phone_title"])
    expect(page.locator("#sbx-location-form button[type=submit]")).to_have_text(
        words["share_location"], use_inner_text=False
    )
    expect(page.locator("#sbx-chat .sbx-hint")).to_have_text(words["say_hello"])  # written by phone.js

    page.set_input_files("#sbx-file", {"name": "parcel.png", "mimeType": "image/png", "buffer": png()})
    expect(page.locator("#sbx-attachment-name")).to_contain_text(words["caption_hint"])
    page.locator("#sbx-attachment-cancel").click()
    page.fill("#sbx-text", "Hallo / Olá")
    page.press("#sbx-text", "Enter")
    expect(page.locator(".sbx-row--out", has_text="Hallo / Olá")).to_be_visible()
    expect(page.locator(".sbx-day")).to_have_text(words["today"])
    expect(page.locator(".sbx-row--out .sbx-action").first).to_have_attribute("aria-label", words["reply"])
    assert errors == []
