"""U4: the sandbox phone in the visitor's language (Accept-Language: English, Brazilian
Portuguese, German), its JavaScript's words from the catalogue, its API errors too."""

from __future__ import annotations

import pytest

from tests.sandbox.conftest import PHONE_NUMBER_ID

pytestmark = pytest.mark.django_db


def phone(client, language: str) -> str:
    response = client.get(
        "/sandbox/phone/",
        {"phone_number_id": PHONE_NUMBER_ID, "wa_id": "4915112345678"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("language", "lang", "words"),
    [
        ("en", "en", ["Customer phone · WhatsApp sandbox", "Your profile name", "Share location", "Attach a file"]),
        ("pt-BR,pt;q=0.9", "pt-br", ["Telefone do cliente · Sandbox do WhatsApp", "Seu nome de perfil", "Compartilhar localização", "Anexar um arquivo"]),
        ("de-DE,de;q=0.9", "de", ["Kundentelefon · WhatsApp-Sandbox", "Ihr Profilname", "Standort teilen", "Datei anhängen"]),
    ],
)  # fmt: skip
def test_the_page_speaks_the_browser_language(client, business, language, lang, words):
    html = phone(client, language)
    assert f'<html lang="{lang}">' in html
    for word in words:
        assert word in html


def test_the_catalogue_loads_before_the_modules_and_the_csp_allows_it(client, business):
    response = client.get("/sandbox/phone/", HTTP_ACCEPT_LANGUAGE="de")
    html = response.content.decode()
    assert html.index('<script src="/jsi18n/">') < html.index("sandbox/phone.js")
    assert "script-src 'self'" in response["Content-Security-Policy"]  # /jsi18n/ is the page's own origin


def test_the_catalogue_has_the_phone_scripts_words(client):
    german = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '"typing\\u2026": "schreibt\\u2026"' in german
    assert '"Say hello to the business.": "Sagen Sie dem Unternehmen Hallo."' in german
    assert '"message status\\u0004Read": "Gelesen"' in german
    portuguese = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="pt-BR").content.decode()
    assert '"typing\\u2026": "digitando\\u2026"' in portuguese


def test_the_phone_api_answers_in_the_visitor_language(client, business):
    body = {"phone_number_id": PHONE_NUMBER_ID, "wa_id": "12", "type": "text", "text": "Hi"}
    english = client.post("/sandbox/phone/api/send", body, content_type="application/json")
    german = client.post(
        "/sandbox/phone/api/send", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="de"
    )
    assert english.status_code == german.status_code == 400
    assert english.json() == {"error": "wa_id must be a phone number of 6 to 15 digits", "field": "wa_id"}
    assert german.json() == {
        "error": "wa_id muss eine Telefonnummer mit 6 bis 15 Ziffern sein",
        "field": "wa_id",
    }
